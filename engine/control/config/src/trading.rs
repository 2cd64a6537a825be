//! The engine's sections: how it runs (`[engine]`, `[feed]`, `[threads]`, `[exec]`) and what
//! it trades (`[sniper]`, `[guardian]`). Money is in lamports (integers); rates in basis
//! points. Every section has defaults a trader can start from on the local cluster.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Sign and send.
    #[default]
    Live,
    /// Real feeds, nothing sent, fills simulated on the curve.
    Paper,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSection {
    pub mode: Mode,
    /// The control port (`/health`, `/metrics`); empty string: none.
    pub control: String,
    /// Feed → strategy queue capacity (events).
    pub queue_capacity: usize,
    /// The live status line's period; 0: no status line.
    pub status_every_ms: u64,
    /// Paper mode's starting balance in lamports (0: the wallet's real balance).
    pub paper_balance_lamports: u64,
}

impl Default for EngineSection {
    fn default() -> Self {
        Self {
            mode: Mode::Live,
            control: "127.0.0.1:9464".into(),
            queue_capacity: 65_536,
            status_every_ms: 1_000,
            paper_balance_lamports: 0,
        }
    }
}

impl EngineSection {
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control.parse().ok()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedClientChoice {
    /// Kestrel's own websocket reader (borrowed parsing).
    #[default]
    Raw,
    /// solana-pubsub-client.
    Pubsub,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedSection {
    pub client: FeedClientChoice,
    /// Also watch PumpSwap and Raydium AMM v4 logs (graduations and pools).
    pub pumpswap: bool,
    pub raydium: bool,
    pub backoff_min_ms: u64,
    pub backoff_max_ms: u64,
}

impl Default for FeedSection {
    fn default() -> Self {
        Self {
            client: FeedClientChoice::Raw,
            pumpswap: false,
            raydium: false,
            backoff_min_ms: 100,
            backoff_max_ms: 5_000,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadsSection {
    /// Pin the feed, strategy and execution threads (off: let the OS place them).
    pub pin: bool,
    pub feed_core: Option<usize>,
    pub strategy_core: Option<usize>,
    pub exec_core: Option<usize>,
    /// What a hot thread does with an empty queue.
    pub idle: IdleChoice,
    /// How the hot path is laid out on threads.
    pub layout: LayoutChoice,
}

/// How the hot path is laid out on threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayoutChoice {
    /// Chosen from the host at start: inline unless there is a core for each pipeline thread
    /// and one to spare.
    #[default]
    Auto,
    /// One thread reads a frame, decides, signs and writes the buy before it reads the next;
    /// confirmation and everything slow run on another.
    Inline,
    /// Three threads (feed, strategy, execution) handing work on by queues.
    Pipeline,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdleChoice {
    /// Sleep until woken: no CPU burnt, a wakeup (tens of µs or more) per hand-off.
    #[default]
    Park,
    /// Poll, giving the core to any other runnable thread in between: hand-offs without a
    /// wakeup, and the machine stays usable; the threads show as busy.
    Yield,
    /// Poll without pause: the fastest hand-off; needs a dedicated core per hot thread.
    Spin,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecSection {
    pub buy_cu_limit: u32,
    pub sell_cu_limit: u32,
    /// pump.fun's bonding-curve fee tier (docs/protocol.md §1.5).
    pub protocol_fee_bps: u64,
    pub creator_fee_bps: u64,
    pub blockhash_refresh_ms: u64,
    pub balance_refresh_ms: u64,
    pub confirm_poll_ms: u64,
    pub resend_ms: u64,
    pub max_resigns: u32,
    pub max_send_retries: u32,
    pub max_retry_after_ms: u64,
    /// How buys and sells are signed (see [`NonceChoice`]).
    pub nonces: NonceChoice,
}

/// Where an Ed25519 signature's nonce comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NonceChoice {
    /// Made ahead on the execution thread while it is idle, hedged with the key's secret
    /// prefix and OS randomness, each used once: an order pays only the cheap half of its
    /// signature. Falls back to deterministic when none is ready.
    #[default]
    Ahead,
    /// RFC 8032's nonce, hashed from the message: the full signature on every order.
    Deterministic,
}

impl Default for ExecSection {
    fn default() -> Self {
        Self {
            buy_cu_limit: 120_000,
            sell_cu_limit: 100_000,
            protocol_fee_bps: 95,
            creator_fee_bps: 30,
            blockhash_refresh_ms: 400,
            balance_refresh_ms: 5_000,
            confirm_poll_ms: 1_500,
            resend_ms: 2_000,
            max_resigns: 2,
            max_send_retries: 3,
            max_retry_after_ms: 2_000,
            nonces: NonceChoice::Ahead,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    #[default]
    Any,
    Require,
    Forbid,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenProgramChoice {
    #[default]
    Any,
    Spl,
    Token2022,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SniperSection {
    /// The quotes it buys in: `SOL`, `USDC`, or a mint (base58). Coins priced in anything
    /// else are skipped (`quote_mint`).
    pub quote_mints: Vec<String>,
    /// SOL per buy of a SOL coin, fees included, in lamports.
    pub buy_lamports: u64,
    /// USDC per buy of a USDC coin, fees included, in USDC base units (5_000_000 = 5 USDC).
    pub buy_usdc_units: u64,
    pub slippage_bps: u64,
    pub cu_price_micro_lamports: u64,
    /// Case-insensitive substrings.
    pub name_allow: Vec<String>,
    pub name_deny: Vec<String>,
    pub symbol_allow: Vec<String>,
    pub symbol_deny: Vec<String>,
    /// Base58 wallets.
    pub creator_allow: Vec<String>,
    pub creator_deny: Vec<String>,
    pub token_program: TokenProgramChoice,
    pub mayhem: Rule,
    pub cashback: Rule,
    /// The creator's own buy bundled with the create: required, and its bounds (lamports;
    /// max 0 means no upper bound).
    pub creator_buy_required: bool,
    pub creator_buy_min_lamports: u64,
    pub creator_buy_max_lamports: u64,
    /// Skip launches whose market cap at entry is above this (0: no ceiling).
    pub max_market_cap_lamports: u64,
    /// At most this many buys in any minute (0: no limit).
    pub max_launches_per_minute: u32,
}

impl Default for SniperSection {
    fn default() -> Self {
        Self {
            quote_mints: vec!["SOL".into()],
            buy_lamports: 50_000_000,
            buy_usdc_units: 0,
            slippage_bps: 1_500,
            cu_price_micro_lamports: 100_000,
            name_allow: Vec::new(),
            name_deny: Vec::new(),
            symbol_allow: Vec::new(),
            symbol_deny: Vec::new(),
            creator_allow: Vec::new(),
            creator_deny: Vec::new(),
            token_program: TokenProgramChoice::Any,
            // Mayhem coins trade against a different fee recipient set; skip by default.
            mayhem: Rule::Forbid,
            cashback: Rule::Any,
            creator_buy_required: false,
            creator_buy_min_lamports: 0,
            creator_buy_max_lamports: 0,
            max_market_cap_lamports: 0,
            max_launches_per_minute: 20,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardianSection {
    pub max_sol_per_trade_lamports: u64,
    pub max_total_exposure_lamports: u64,
    pub max_open_positions: u32,
    pub max_exposure_per_creator_lamports: u64,
    /// Kept in the wallet whatever happens (fees, rent, exits).
    pub sol_reserve_lamports: u64,
    pub max_slippage_bps: u64,
    pub max_cu_price_micro_lamports: u64,
    pub blacklisted_mints: Vec<String>,
    pub blacklisted_creators: Vec<String>,
    /// Sells the engine is told to make (kill switch, commands) and exits.
    pub sell_slippage_bps: u64,
    pub sell_cu_price_micro_lamports: u64,
    /// Realized losses in one UTC day that halt new entries (0: no limit).
    pub daily_loss_limit_lamports: u64,
}

impl Default for GuardianSection {
    fn default() -> Self {
        Self {
            max_sol_per_trade_lamports: 100_000_000,
            max_total_exposure_lamports: 1_000_000_000,
            max_open_positions: 10,
            max_exposure_per_creator_lamports: 200_000_000,
            sol_reserve_lamports: 100_000_000,
            max_slippage_bps: 2_500,
            max_cu_price_micro_lamports: 1_000_000,
            blacklisted_mints: Vec::new(),
            blacklisted_creators: Vec::new(),
            sell_slippage_bps: 2_500,
            sell_cu_price_micro_lamports: 100_000,
            daily_loss_limit_lamports: 500_000_000,
        }
    }
}

/// A take-profit level: at `gain_bps` above entry, sell `sell_percent` of what is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TakeProfitLevel {
    pub gain_bps: u64,
    pub sell_percent: u8,
}

/// When a held position is sold. Every rule at 0 (or empty) is off.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExitsSection {
    pub take_profit: Vec<TakeProfitLevel>,
    /// Below entry by this much: sell everything.
    pub stop_loss_bps: u64,
    /// Trailing stop: armed at `trailing_arm_bps` above entry, fires `trailing_bps` below the
    /// peak.
    pub trailing_arm_bps: u64,
    pub trailing_bps: u64,
    pub max_hold_secs: u64,
    /// Sell everything when the coin's creator sells.
    pub creator_sells: bool,
    /// Sell everything when the curve's SOL falls this far below its peak since entry.
    pub liquidity_drain_bps: u64,
}

impl Default for ExitsSection {
    fn default() -> Self {
        Self {
            take_profit: vec![
                TakeProfitLevel {
                    gain_bps: 5_000,
                    sell_percent: 50,
                },
                TakeProfitLevel {
                    gain_bps: 15_000,
                    sell_percent: 100,
                },
            ],
            stop_loss_bps: 3_000,
            trailing_arm_bps: 5_000,
            trailing_bps: 2_000,
            max_hold_secs: 600,
            creator_sells: true,
            liquidity_drain_bps: 5_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceChoice {
    PriorHigh,
    ExitPrice,
}

/// Buying back after an exit, when momentum confirms.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReentrySection {
    pub enabled: bool,
    pub reference: ReferenceChoice,
    pub breakout_bps: u64,
    pub min_net_buy_lamports: u64,
    pub min_buyers: u32,
    pub window_secs: u64,
    pub cooldown_secs: u64,
    pub max_per_mint: u32,
    pub buy_lamports: u64,
    /// Each further re-entry's size relative to the previous one (10000 = the same).
    pub size_scale_bps: u64,
    pub watch_secs: u64,
    pub max_watched: u32,
    pub slippage_bps: u64,
    pub cu_price_micro_lamports: u64,
}

impl Default for ReentrySection {
    fn default() -> Self {
        Self {
            enabled: true,
            reference: ReferenceChoice::PriorHigh,
            breakout_bps: 1_000,
            min_net_buy_lamports: 1_000_000_000,
            min_buyers: 3,
            window_secs: 30,
            cooldown_secs: 20,
            max_per_mint: 1,
            buy_lamports: 30_000_000,
            size_scale_bps: 5_000,
            watch_secs: 1_800,
            max_watched: 256,
            slippage_bps: 1_500,
            cu_price_micro_lamports: 100_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncChoice {
    Normal,
    Full,
}

/// The journal (SQLite): one file per wallet, `<dir>/<wallet>.db` (`-paper` in paper mode).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalSection {
    pub enabled: bool,
    pub dir: String,
    /// normal: survives a crash of the process; full: also a power cut (an fsync per batch).
    pub sync: SyncChoice,
}

impl Default for JournalSection {
    fn default() -> Self {
        Self {
            enabled: true,
            dir: "journal".into(),
            sync: SyncChoice::Normal,
        }
    }
}

/// A base58 public key, or why not.
pub(crate) fn check_pubkey(s: &str) -> Result<(), String> {
    match bs58::decode(s).into_vec() {
        Ok(b) if b.len() == 32 => Ok(()),
        Ok(b) => Err(format!("`{s}` is {} bytes, a public key is 32", b.len())),
        Err(_) => Err(format!("`{s}` is not base58")),
    }
}

/// Off-curve routing through the Jupiter Swap API (docs/protocol.md §3).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteSection {
    pub enabled: bool,
    /// The Swap API v1 base, e.g. `https://api.jup.ag/swap/v1`. Unset: the local cluster's
    /// `/swap/v1` in sim mode.
    pub jupiter_url: Option<crate::Endpoint>,
    /// Environment variable holding the `x-api-key` (keys never live in the file).
    pub api_key_env: String,
    /// Slippage asked of Jupiter for an exit.
    pub slippage_bps: u64,
    /// The guardian's caps on a route.
    pub max_slippage_bps: u64,
    pub max_price_impact_bps: u64,
    /// How often quotes for off-curve holdings are refreshed, so an exit never waits for one.
    pub refresh_ms: u64,
    /// A quote older than this is not used; the exit fetches a new one.
    pub max_quote_age_ms: u64,
    /// Compute units for a routed swap.
    pub cu_limit: u32,
    /// Sell a position in full when its curve completes (`false`: hold it; exits by command).
    pub sell_on_graduation: bool,
    /// Route sells of coins still on their curve through Jupiter as well.
    pub curve_via_jupiter: bool,
}

impl Default for RouteSection {
    fn default() -> Self {
        Self {
            enabled: true,
            jupiter_url: None,
            api_key_env: "JUPITER_API_KEY".into(),
            slippage_bps: 300,
            max_slippage_bps: 1_000,
            max_price_impact_bps: 2_500,
            refresh_ms: 2_000,
            max_quote_age_ms: 10_000,
            cu_limit: 250_000,
            sell_on_graduation: true,
            curve_via_jupiter: false,
        }
    }
}

/// How signed transactions leave: JSON-RPC `sendTransaction`, Jito bundles, or both at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendVia {
    Rpc,
    Jito,
    Both,
}

/// The Jito block engine (docs/protocol.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JitoSection {
    pub send_via: SendVia,
    /// Bundle endpoints (`https://<region>.mainnet.block-engine.jito.wtf/api/v1/bundles`).
    /// Empty: the local cluster's `/api/v1/bundles` in sim mode.
    pub block_engines: Vec<crate::Endpoint>,
    /// Tip per transaction, at least 1000 lamports.
    pub tip_lamports: u64,
    /// Requests one region allows per second (1 without an auth key).
    pub requests_per_second: u32,
    /// Environment variable holding the `x-jito-auth` key, if any.
    pub auth_env: String,
}

impl Default for JitoSection {
    fn default() -> Self {
        Self {
            send_via: SendVia::Rpc,
            block_engines: Vec::new(),
            tip_lamports: 10_000,
            requests_per_second: 1,
            auth_env: "JITO_AUTH".into(),
        }
    }
}

/// What quotes other than SOL are worth in SOL, for the limits and thresholds set in SOL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotesSection {
    /// USDC base units per SOL (150 USDC a SOL: 150_000_000): the guardian's caps, the daily
    /// loss limit and the sniper's and re-entry's SOL figures count a USDC coin at this
    /// price. A figure the operator sets, not a feed; 0 (unset) means USDC is not traded.
    pub usdc_per_sol: u64,
}
