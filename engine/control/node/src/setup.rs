//! From a validated config to the engine's setup: the one place config sections become the
//! strategy, guardian and execution types.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kestrel_config::{
    ClusterMode, Commitment, Config, ExitsSection, FeedClientChoice, IdleChoice, LayoutChoice,
    Mode, ReentrySection, ReferenceChoice, Rule, SendVia, SyncChoice, TokenProgramChoice,
};
use kestrel_engine::EngineSetup;
use kestrel_engine::engine::JournalSetup;
use kestrel_engine::engine::RouteSetup;
use kestrel_engine::kernel::{SellSettings, Strategy};
use kestrel_engine::pipeline::dispatcher::ConfirmPolicy;
use kestrel_engine::pipeline::sign::ExecSettings;
use kestrel_engine::routing::{JitoSending, RouteSettings};
use kestrel_engine::threads::{Idle, Layout, ThreadSettings};
use kestrel_exec::Wallet;
use kestrel_exec::jito::Jito;
use kestrel_exec::jupiter::{Jupiter, RetryPolicy};
use kestrel_exec::send::SendPolicy;
use kestrel_exec::tx::FeeSettings;
use kestrel_feed::{FeedClient, FeedConfig, FeedEndpoint};
use kestrel_guardian::Limits;
use kestrel_guardian::exits::{ExitRules, TakeProfit, Trailing};
use kestrel_guardian::route::RouteLimits;
use kestrel_model::{PerQuote, Quote, QuotePrices, TokenProgram};
use kestrel_pump::curve::FeeRates;
use kestrel_pump::ids::{PUMP_AMM_PROGRAM, PUMP_PROGRAM, RAYDIUM_AMM_V4_PROGRAM};
use kestrel_reentry::{ReentryConfig, Reference};
use kestrel_sniper::{CreatorBuyRule, FlagRule, Pattern, SniperConfig};
use kestrel_units::{Bps, Lamports, QuoteAmount};
use solana_pubkey::Pubkey;

fn keys(list: &[String], what: &str) -> Result<Vec<Pubkey>> {
    list.iter()
        .map(|k| Pubkey::from_str(k).with_context(|| format!("{what}: `{k}` is not a public key")))
        .collect()
}

fn rule(r: Rule) -> FlagRule {
    match r {
        Rule::Any => FlagRule::Any,
        Rule::Require => FlagRule::Require,
        Rule::Forbid => FlagRule::Forbid,
    }
}

pub fn commitment(c: Commitment) -> &'static str {
    match c {
        Commitment::Processed => "processed",
        Commitment::Confirmed => "confirmed",
        Commitment::Finalized => "finalized",
    }
}

/// The journal of `wallet`: `<journal.dir>/<wallet>.db`, or `-paper.db` in paper mode.
pub fn journal_path(config: &Config, wallet: &Pubkey, paper: bool) -> PathBuf {
    let name = if paper {
        format!("{wallet}-paper.db")
    } else {
        format!("{wallet}.db")
    };
    Path::new(&config.journal.dir).join(name)
}

fn exit_rules(x: &ExitsSection) -> Result<ExitRules> {
    let secs = Duration::from_secs;
    let mut rules = ExitRules {
        take_profit: x
            .take_profit
            .iter()
            .map(|t| TakeProfit {
                gain: Bps(t.gain_bps),
                percent: t.sell_percent,
            })
            .collect(),
        stop_loss: (x.stop_loss_bps > 0).then_some(Bps(x.stop_loss_bps)),
        trailing: (x.trailing_bps > 0).then_some(Trailing {
            arm: Bps(x.trailing_arm_bps),
            trail: Bps(x.trailing_bps),
        }),
        max_hold: (x.max_hold_secs > 0).then(|| secs(x.max_hold_secs)),
        creator_sells: x.creator_sells,
        liquidity_drain: (x.liquidity_drain_bps > 0).then_some(Bps(x.liquidity_drain_bps)),
    };
    rules.validate().map_err(|e| anyhow::anyhow!("exits.{e}"))?;
    Ok(rules)
}

/// The operator's stated price of USDC in SOL (`[quotes]`).
pub fn prices(config: &Config) -> QuotePrices {
    QuotePrices {
        usdc_per_sol: QuoteAmount(config.quotes.usdc_per_sol),
    }
}

fn reentry(r: &ReentrySection, prices: QuotePrices) -> ReentryConfig {
    let secs = Duration::from_secs;
    ReentryConfig {
        enabled: r.enabled,
        reference: match r.reference {
            ReferenceChoice::PriorHigh => Reference::PriorHigh,
            ReferenceChoice::ExitPrice => Reference::ExitPrice,
        },
        breakout: Bps(r.breakout_bps),
        min_net_buy: Lamports(r.min_net_buy_lamports),
        min_buyers: r.min_buyers,
        window: secs(r.window_secs),
        cooldown: secs(r.cooldown_secs),
        max_per_mint: r.max_per_mint,
        spend: Lamports(r.buy_lamports),
        size_scale: Bps(r.size_scale_bps),
        watch_for: secs(r.watch_secs),
        max_watched: r.max_watched as usize,
        slippage: Bps(r.slippage_bps),
        cu_price_micro_lamports: r.cu_price_micro_lamports,
        prices,
    }
}

/// The decision side of `config`: sniper, guardian, exits, re-entry and the fees trades are
/// priced at. The live engine and `kestrel backtest` both start from it.
pub fn strategy(config: &Config) -> Result<Strategy> {
    let s = &config.sniper;
    let g = &config.guardian;
    let x = &config.exec;
    let creator_buy = (s.creator_buy_required
        || s.creator_buy_min_lamports > 0
        || s.creator_buy_max_lamports > 0)
        .then_some(CreatorBuyRule {
            required: s.creator_buy_required,
            min: Lamports(s.creator_buy_min_lamports),
            max: Lamports(if s.creator_buy_max_lamports == 0 {
                u64::MAX
            } else {
                s.creator_buy_max_lamports
            }),
        });
    let patterns = |l: &[String]| l.iter().map(|p| Pattern::new(p)).collect::<Vec<_>>();
    Ok(Strategy {
        sniper: SniperConfig {
            quote_mints: s
                .quote_mints
                .iter()
                .map(|q| Quote::parse(q).with_context(|| format!("sniper.quote_mints: `{q}`")))
                .collect::<Result<_>>()?,
            name_allow: patterns(&s.name_allow),
            name_deny: patterns(&s.name_deny),
            symbol_allow: patterns(&s.symbol_allow),
            symbol_deny: patterns(&s.symbol_deny),
            creator_allow: keys(&s.creator_allow, "sniper.creator_allow")?,
            creator_deny: keys(&s.creator_deny, "sniper.creator_deny")?,
            token_program: match s.token_program {
                TokenProgramChoice::Any => None,
                TokenProgramChoice::Spl => Some(TokenProgram::Spl),
                TokenProgramChoice::Token2022 => Some(TokenProgram::Token2022),
            },
            mayhem: rule(s.mayhem),
            cashback: rule(s.cashback),
            creator_buy,
            max_market_cap: (s.max_market_cap_lamports > 0)
                .then_some(Lamports(s.max_market_cap_lamports)),
            max_launches_per_minute: s.max_launches_per_minute,
            buy_size: PerQuote {
                sol: QuoteAmount(s.buy_lamports),
                usdc: QuoteAmount(s.buy_usdc_units),
            },
            prices: prices(config),
            slippage: Bps(s.slippage_bps),
            cu_price_micro_lamports: s.cu_price_micro_lamports,
        },
        limits: Limits {
            max_sol_per_trade: Lamports(g.max_sol_per_trade_lamports),
            max_total_exposure: Lamports(g.max_total_exposure_lamports),
            max_open_positions: g.max_open_positions,
            max_exposure_per_creator: Lamports(g.max_exposure_per_creator_lamports),
            sol_reserve: Lamports(g.sol_reserve_lamports),
            max_slippage: Bps(g.max_slippage_bps),
            max_cu_price: g.max_cu_price_micro_lamports,
            daily_loss_limit: (g.daily_loss_limit_lamports > 0)
                .then_some(Lamports(g.daily_loss_limit_lamports)),
            prices: prices(config),
        },
        exits: exit_rules(&config.exits)?,
        reentry: reentry(&config.reentry, prices(config)),
        blacklisted_mints: keys(&g.blacklisted_mints, "guardian.blacklisted_mints")?,
        blacklisted_creators: keys(&g.blacklisted_creators, "guardian.blacklisted_creators")?,
        sell: SellSettings {
            slippage: Bps(g.sell_slippage_bps),
            cu_price_micro_lamports: g.sell_cu_price_micro_lamports,
        },
        rates: FeeRates {
            protocol: Bps(x.protocol_fee_bps),
            creator: Bps(x.creator_fee_bps),
        },
    })
}

/// The engine's setup from `config` and a wallet already loaded.
pub fn engine_setup(config: &Config, wallet: Wallet) -> Result<EngineSetup> {
    let n = &config.network;
    if n.ws.is_empty() {
        bail!("network.ws: no websocket endpoint to read launches from");
    }
    if n.rpc.is_empty() {
        bail!("network.rpc: no RPC endpoint for blockhashes and statuses");
    }
    let wallet_key = wallet.pubkey();
    let x = &config.exec;
    let mut programs = vec![PUMP_PROGRAM];
    if config.feed.pumpswap {
        programs.push(PUMP_AMM_PROGRAM);
    }
    if config.feed.raydium {
        programs.push(RAYDIUM_AMM_V4_PROGRAM);
    }
    let ms = Duration::from_millis;
    let strategy = strategy(config)?;
    Ok(EngineSetup {
        feed: FeedConfig {
            endpoints: n
                .ws
                .iter()
                .map(|e| FeedEndpoint {
                    url: e.url().to_string(),
                    name: e.redacted(),
                })
                .collect(),
            commitment: commitment(n.commitment),
            programs,
            client: match config.feed.client {
                FeedClientChoice::Raw => FeedClient::Raw,
                FeedClientChoice::Pubsub => FeedClient::Pubsub,
            },
            backoff_min: ms(config.feed.backoff_min_ms),
            backoff_max: ms(config.feed.backoff_max_ms),
            recorder: None,
        },
        rpc: n
            .rpc
            .iter()
            .map(|e| (e.url().to_string(), e.redacted()))
            .collect(),
        send: n
            .send
            .iter()
            .map(|e| (e.url().to_string(), e.redacted()))
            .collect(),
        wallet,
        journal: config.journal.enabled.then(|| JournalSetup {
            path: journal_path(config, &wallet_key, config.engine.mode == Mode::Paper),
            sync: match config.journal.sync {
                SyncChoice::Normal => kestrel_store::Sync::Normal,
                SyncChoice::Full => kestrel_store::Sync::Full,
            },
        }),
        exec: ExecSettings {
            fees: FeeSettings {
                rates: strategy.rates,
            },
            buy_cu_limit: x.buy_cu_limit,
            sell_cu_limit: x.sell_cu_limit,
            nonces_ahead: x.nonces == kestrel_config::NonceChoice::Ahead,
        },
        sniper: strategy.sniper,
        limits: strategy.limits,
        blacklisted_mints: strategy.blacklisted_mints,
        blacklisted_creators: strategy.blacklisted_creators,
        exits: strategy.exits,
        reentry: strategy.reentry,
        sell: strategy.sell,
        paper: config.engine.mode == Mode::Paper,
        paper_balance: (config.engine.paper_balance_lamports > 0)
            .then_some(Lamports(config.engine.paper_balance_lamports)),
        threads: ThreadSettings {
            pin: config.threads.pin,
            feed_core: config.threads.feed_core,
            strategy_core: config.threads.strategy_core,
            exec_core: config.threads.exec_core,
            idle: idle(config.threads.idle),
            layout: layout(config.threads.layout),
        },
        confirm: ConfirmPolicy {
            poll_every: ms(x.confirm_poll_ms),
            resend_every: ms(x.resend_ms),
            max_resigns: x.max_resigns,
            commitment: commitment(n.commitment),
        },
        send_policy: SendPolicy {
            max_retries: x.max_send_retries,
            max_retry_after: ms(x.max_retry_after_ms),
            default_backoff: Duration::from_millis(100),
            reply_timeout: kestrel_exec::send::REPLY_TIMEOUT,
        },
        queue_capacity: config.engine.queue_capacity,
        blockhash_every: ms(x.blockhash_refresh_ms),
        balance_every: ms(x.balance_refresh_ms),
        route: route_setup(config),
        jito: jito_setup(config),
        events: None,
    })
}

/// Mainnet's Jupiter Swap API v1 (docs/protocol.md §3), used when `route.jupiter_url` is unset on a
/// remote cluster.
const JUPITER_MAINNET: &str = "https://api.jup.ag/swap/v1";

/// The first RPC endpoint, where the local cluster also serves Jupiter and Jito.
fn sim_base(config: &Config) -> Option<String> {
    let rpc = config.network.rpc.first()?;
    Some(rpc.url().as_str().trim_end_matches('/').to_owned())
}

fn secret_from_env(var: &str) -> Option<String> {
    (!var.is_empty())
        .then(|| std::env::var(var).ok())
        .flatten()
        .filter(|v| !v.is_empty())
}

fn route_setup(config: &Config) -> Option<RouteSetup> {
    let r = &config.route;
    if !r.enabled {
        return None;
    }
    let base = match (&r.jupiter_url, config.network.cluster) {
        (Some(u), _) => u.url().as_str().trim_end_matches('/').to_owned(),
        (None, ClusterMode::Sim) => format!("{}/swap/v1", sim_base(config)?),
        (None, ClusterMode::Remote) => JUPITER_MAINNET.to_owned(),
    };
    let jupiter = Jupiter::new(
        reqwest::Client::new(),
        &base,
        secret_from_env(&r.api_key_env),
        RetryPolicy::default(),
    );
    Some(RouteSetup {
        jupiter,
        settings: RouteSettings {
            slippage: Bps(r.slippage_bps),
            limits: RouteLimits {
                max_slippage: Bps(r.max_slippage_bps),
                max_price_impact: Bps(r.max_price_impact_bps),
            },
            refresh: Duration::from_millis(r.refresh_ms),
            max_age: Duration::from_millis(r.max_quote_age_ms),
            cu_limit: r.cu_limit,
            cu_price: config.guardian.sell_cu_price_micro_lamports,
            tip_lamports: None,
        },
        sell_on_graduation: r.sell_on_graduation,
        curve_via_jupiter: r.curve_via_jupiter,
    })
}

fn jito_setup(config: &Config) -> Option<JitoSending> {
    let j = &config.jito;
    let via = j.send_via;
    if via == SendVia::Rpc {
        return None;
    }
    let regions: Vec<(String, String)> = if j.block_engines.is_empty() {
        vec![(
            format!("{}/api/v1/bundles", sim_base(config)?),
            "local cluster".into(),
        )]
    } else {
        j.block_engines
            .iter()
            .map(|e| (e.url().to_string(), e.redacted()))
            .collect()
    };
    Some(JitoSending {
        jito: Jito::new(
            reqwest::Client::new(),
            regions,
            secret_from_env(&j.auth_env),
            j.requests_per_second,
        ),
        via,
        tip_lamports: j.tip_lamports,
    })
}

/// How the hot path is laid out, as the config says (`None`: chosen from the host).
pub fn layout(choice: LayoutChoice) -> Option<Layout> {
    match choice {
        LayoutChoice::Auto => None,
        LayoutChoice::Inline => Some(Layout::Inline),
        LayoutChoice::Pipeline => Some(Layout::Pipeline),
    }
}

/// What the hot threads do with an empty queue, as the config says.
pub fn idle(choice: IdleChoice) -> Idle {
    match choice {
        IdleChoice::Park => Idle::Park,
        IdleChoice::Yield => Idle::Yield,
        IdleChoice::Spin => Idle::Spin,
    }
}

/// What `kestrel backtest` runs with `config`: its strategy, and `[backtest]`'s venue.
pub fn backtest_inputs(config: &Config) -> Result<kestrel_backtest::Inputs> {
    let strategy = strategy(config)?;
    let b = &config.backtest;
    // With latency measured from the capture, the configured list stands in until then.
    let slots = if b.latency_slots.is_empty() {
        vec![0]
    } else {
        b.latency_slots.clone()
    };
    let latency = kestrel_backtest::Latency::new(slots)
        .context("backtest.latency_slots: needs at least one value")?;
    Ok(kestrel_backtest::Inputs {
        venue: kestrel_backtest::VenueSettings {
            latency,
            expire_bps: b.expire_bps,
            buy_cu_limit: config.exec.buy_cu_limit,
            sell_cu_limit: config.exec.sell_cu_limit,
            rates: strategy.rates,
        },
        latency_from_capture: b.latency_from_capture,
        balance: Lamports(b.balance_lamports),
        prices: prices(config),
        strategy,
    })
}
