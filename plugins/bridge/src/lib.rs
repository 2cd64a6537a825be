//! The bridge between a running engine and the plugin host: [`EngineBridge`] gives plugins
//! the engine's commands (validated, then queued to the strategy thread, where the guardian
//! judges them like any order) and read-only views (positions, PnL, status, a coin's curve,
//! recent launches); [`forward_events`] hands the engine's events to the plugins that
//! subscribed, keeping the recent launches for the view.
//!
//! The interface counts SOL in lamports. A coin quoted in USDC is shown in SOL at the
//! operator's stated price (`[quotes] usdc_per_sol`), and a SOL amount a plugin asks to buy
//! it for is converted at the same price.

use kestrel_model::{Quote, QuotePrices, TokenProgram};
use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};

use kestrel_decode::account::{BondingCurve, decode_bonding_curve};
use kestrel_engine::engine::EngineHandle;
use kestrel_engine::metrics::Metrics;
use kestrel_engine::order::{Command, EngineEvent};
use kestrel_exec::JsonRpc;
use kestrel_exec::tx::MintInfo;
use kestrel_guardian::TradingState;
use kestrel_plugin_host::EngineApi;
use kestrel_plugin_host::PluginHost;
use kestrel_plugin_host::latest::{
    CommandError, CurveView, Digest, EngineStatus, Event, Exit, Fill, Launch, PnlReport, Position,
};
use kestrel_pump::curve::{self, Reserves};
use kestrel_pump::pda;
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

/// Launches kept for the `recent-launches` view.
const RECENT: usize = 100;

/// The launches the engine saw last, newest at the back; shared by the bridge (which reads
/// it for the view) and the event forwarder (which fills it).
#[derive(Clone, Default)]
pub struct RecentLaunches(Arc<Mutex<VecDeque<Launch>>>);

impl RecentLaunches {
    fn push(&self, l: Launch) {
        let mut q = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.len() == RECENT {
            q.pop_front();
        }
        q.push_back(l);
    }

    fn newest(&self, limit: usize) -> Vec<Launch> {
        let q = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        q.iter().rev().take(limit).cloned().collect()
    }
}

pub struct EngineBridge {
    engine: EngineHandle,
    rpc: JsonRpc,
    /// What a USDC amount is in SOL, for the lamport-denominated views.
    prices: QuotePrices,
    /// The guardian's cap on one buy.
    max_buy: Lamports,
    recent: RecentLaunches,
    /// For the RPC reads a buy needs (plugins call from their own threads).
    io: tokio::runtime::Runtime,
}

impl EngineBridge {
    pub fn new(
        engine: EngineHandle,
        rpc: JsonRpc,
        prices: QuotePrices,
        max_buy: Lamports,
        recent: RecentLaunches,
    ) -> std::io::Result<Self> {
        let io = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            engine,
            rpc,
            prices,
            max_buy,
            recent,
            io,
        })
    }

    /// The coin's curve account and its mint's owner, read from the chain.
    fn read_coin(&self, mint: &Pubkey) -> Result<(Pubkey, BondingCurve, Pubkey), CommandError> {
        let curve_key = pda::bonding_curve(mint);
        let accounts = self
            .io
            .block_on(self.rpc.multiple_accounts(&[curve_key, *mint]))
            .map_err(|e| CommandError::Refused(format!("could not read the coin: {e}")))?;
        let (Some((_, curve)), Some((mint_owner, _))) = (
            accounts.first().cloned().flatten(),
            accounts.get(1).cloned().flatten(),
        ) else {
            return Err(CommandError::Refused(format!(
                "{mint} is not a pump.fun coin"
            )));
        };
        let c = decode_bonding_curve(&curve)
            .map_err(|e| CommandError::Refused(format!("the coin's curve is unreadable: {e}")))?;
        Ok((curve_key, c, mint_owner))
    }

    /// `amount` of `quote` in lamports at the stated price (0: not priced).
    fn lamports(&self, quote: Quote, amount: u64) -> u64 {
        self.prices
            .lamports(quote, QuoteAmount(amount))
            .map_or(0, |l| l.0)
    }

    fn send(&self, c: Command, done: String) -> Result<String, CommandError> {
        if self.engine.command(c) {
            Ok(done)
        } else {
            Err(CommandError::Unavailable)
        }
    }

    fn mint(s: &str) -> Result<Pubkey, CommandError> {
        Pubkey::from_str(s)
            .map_err(|_| CommandError::BadInput(format!("`{s}` is not a mint address")))
    }
}

fn sol(l: u64) -> String {
    let (w, f) = (l / 1_000_000_000, l % 1_000_000_000);
    if f == 0 {
        return w.to_string();
    }
    format!("{w}.{}", format!("{f:09}").trim_end_matches('0'))
}

/// What the position is worth at the curve's spot price (u128 arithmetic, floored).
fn value(tokens: u64, mark: &Reserves) -> u64 {
    if mark.virtual_token.0 == 0 {
        return 0;
    }
    let v =
        u128::from(tokens) * u128::from(mark.virtual_quote.0) / u128::from(mark.virtual_token.0);
    u64::try_from(v).unwrap_or(u64::MAX)
}

impl EngineApi for EngineBridge {
    fn buy(&self, mint: &str, lamports: u64) -> Result<String, CommandError> {
        let mint = Self::mint(mint)?;
        let (curve_key, c, mint_owner) = self.read_coin(&mint)?;
        let Some(token_program) = TokenProgram::of_id(&mint_owner) else {
            return Err(CommandError::Refused(format!("{mint} is not a token mint")));
        };
        let Some(creator) = c.creator else {
            return Err(CommandError::Refused(
                "the coin's curve names no creator".into(),
            ));
        };
        let quote = Quote::of_mint(c.quote_mint);
        // A SOL amount for a coin in another quote, at the stated price.
        let Some(spend) = self.prices.in_quote(quote, Lamports(lamports)) else {
            return Err(CommandError::Refused(format!(
                "{mint} is quoted in {} and no SOL price is configured for it ([quotes])",
                quote.symbol()
            )));
        };
        let info = MintInfo {
            mint,
            quote,
            bonding_curve: curve_key,
            creator,
            token_program,
            is_cashback: c.is_cashback_coin.unwrap_or(false),
            is_mayhem: c.is_mayhem_mode.unwrap_or(false),
        };
        let reserves = Reserves {
            virtual_token: c.virtual_token_reserves,
            virtual_quote: QuoteAmount(c.virtual_quote_reserves),
            real_token: c.real_token_reserves,
            real_quote: QuoteAmount(c.real_quote_reserves),
        };
        let how = if c.complete {
            " (off the curve, through Jupiter)"
        } else {
            ""
        };
        self.send(
            Command::Buy {
                info,
                reserves,
                complete: c.complete,
                spend,
            },
            match quote {
                Quote::Sol => format!("buy of {} SOL of {mint} queued{how}", sol(lamports)),
                _ => format!(
                    "buy of {} ({} SOL at the configured price) of {mint} queued{how}",
                    quote.show(spend),
                    sol(lamports)
                ),
            },
        )
    }

    fn sell(&self, mint: &str, percent: u8) -> Result<String, CommandError> {
        let mint = Self::mint(mint)?;
        if !self.engine.positions.contains_key(&mint) {
            return Err(CommandError::Refused(format!("no position in {mint}")));
        }
        self.send(
            Command::Sell { mint, percent },
            format!("sell of {percent} % of {mint} queued"),
        )
    }

    fn pause(&self) -> Result<String, CommandError> {
        self.send(Command::Pause, "paused: no new entries, exits go on".into())
    }

    fn resume(&self) -> Result<String, CommandError> {
        self.send(Command::Resume, "trading resumed".into())
    }

    fn kill(&self, sell_all: bool) -> Result<String, CommandError> {
        let what = if sell_all {
            "halted; selling every position"
        } else {
            "halted"
        };
        self.send(Command::Kill { sell_all }, what.into())
    }

    fn positions(&self) -> Vec<Position> {
        let mut v: Vec<Position> = self
            .engine
            .positions
            .iter()
            .map(|p| Position {
                mint: p.mint.to_string(),
                tokens: p.tokens.0,
                quote: p.quote.symbol(),
                cost_lamports: self.lamports(p.quote, p.cost.0),
                value_lamports: self.lamports(p.quote, value(p.tokens.0, &p.mark)),
                graduated: p.complete,
                selling: p.selling,
            })
            .collect();
        v.sort_by(|a, b| a.mint.cmp(&b.mint));
        v
    }

    fn pnl(&self) -> PnlReport {
        let m = &self.engine.metrics;
        PnlReport {
            realized_lamports: m.realized_pnl_lamports.load(Relaxed).saturating_add(
                self.prices
                    .lamports_signed(Quote::Usdc, m.realized_pnl_usdc_units.load(Relaxed)),
            ),
            unrealized_lamports: m.unrealized_pnl_lamports.load(Relaxed).saturating_add(
                self.prices
                    .lamports_signed(Quote::Usdc, m.unrealized_pnl_usdc_units.load(Relaxed)),
            ),
            open_positions: u32::try_from(m.open_positions.load(Relaxed)).unwrap_or(u32::MAX),
            exposure_lamports: m
                .exposure_lamports
                .load(Relaxed)
                .saturating_add(self.lamports(Quote::Usdc, m.exposure_usdc_units.load(Relaxed))),
            wallet_lamports: m.wallet_lamports.load(Relaxed),
        }
    }

    fn status(&self) -> EngineStatus {
        let m = &self.engine.metrics;
        EngineStatus {
            trading_state: TradingState::from_code(m.trading_state.load(Relaxed))
                .map_or("unknown", |s| s.name())
                .into(),
            launches: m.launches.load(Relaxed),
            bought: m.bought.load(Relaxed),
            sold: m.sold.load(Relaxed),
            open_positions: u32::try_from(m.open_positions.load(Relaxed)).unwrap_or(u32::MAX),
            slot: m.slot.load(Relaxed),
            max_buy_lamports: self.max_buy.0,
        }
    }

    fn curve(&self, mint: &str) -> Result<CurveView, CommandError> {
        let mint = Self::mint(mint)?;
        let (_, c, _) = self.read_coin(&mint)?;
        let quote = Quote::of_mint(c.quote_mint);
        let r = Reserves {
            virtual_token: c.virtual_token_reserves,
            virtual_quote: QuoteAmount(c.virtual_quote_reserves),
            real_token: c.real_token_reserves,
            real_quote: QuoteAmount(c.real_quote_reserves),
        };
        let cap = curve::market_cap(&r, c.token_total_supply).map_or(0, |q| q.0);
        Ok(CurveView {
            mint: mint.to_string(),
            quote: quote.symbol(),
            virtual_token_reserves: r.virtual_token.0,
            virtual_quote_reserves: r.virtual_quote.0,
            real_token_reserves: r.real_token.0,
            real_quote_reserves: r.real_quote.0,
            price_per_billion: curve::market_cap(&r, TokenAmount(1_000_000_000)).map_or(0, |q| q.0),
            market_cap: cap,
            market_cap_lamports: self.lamports(quote, cap),
            complete: c.complete,
        })
    }

    fn recent_launches(&self, limit: u32) -> Vec<Launch> {
        self.recent
            .newest(usize::try_from(limit).unwrap_or(usize::MAX))
    }
}

/// The plugin-facing form of an engine event (a USDC amount in SOL at `prices`; `now_ms`
/// stamps a launch with when the engine saw it).
pub fn event(e: &EngineEvent, prices: QuotePrices, now_ms: u64) -> Event {
    let lamports = |q: Quote, a: QuoteAmount| prices.lamports(q, a).map_or(0, |l| l.0);
    match e {
        EngineEvent::Launch(l) => {
            let r = Reserves {
                virtual_token: l.virtual_token_reserves,
                virtual_quote: l.virtual_quote_reserves,
                real_token: l.real_token_reserves,
                real_quote: l.real_quote_reserves,
            };
            let cap =
                curve::market_cap(&r, l.token_total_supply).map_or(0, |q| lamports(l.quote, q));
            Event::Launch(Launch {
                mint: l.mint.to_string(),
                name: l.name.as_str().to_owned(),
                symbol: l.symbol.as_str().to_owned(),
                creator: l.creator.to_string(),
                quote: l.quote.symbol(),
                market_cap_lamports: cap,
                slot: l.slot,
                seen_ms: now_ms,
                mayhem: l.is_mayhem_mode,
                cashback: l.is_cashback,
            })
        }
        EngineEvent::Fill { fill: f, realized } => {
            // Fees in: a buy paid the curve leg and the fees; a sell received the leg less
            // them; both paid the network fee.
            let leg = lamports(f.quote, f.quote_amount);
            let fees = lamports(f.quote, f.fees);
            let sol = if f.is_buy {
                leg.saturating_add(fees).saturating_add(f.network_fee.0)
            } else {
                leg.saturating_sub(fees).saturating_sub(f.network_fee.0)
            };
            let cap = curve::market_cap(&f.reserves_after, TokenAmount(PUMP_SUPPLY))
                .map_or(0, |q| lamports(f.quote, q));
            Event::Fill(Fill {
                mint: f.mint.to_string(),
                is_buy: f.is_buy,
                tokens: f.tokens.0,
                quote: f.quote.symbol(),
                quote_amount: f.quote_amount.0,
                fees: f.fees.0,
                network_fee_lamports: f.network_fee.0,
                sol_lamports: sol,
                market_cap_lamports: cap,
                realized_lamports: realized.map(|r| prices.lamports_signed(f.quote, r)),
                why: f.why.name().into(),
                signature: f.signature.as_str().to_owned(),
            })
        }
        EngineEvent::Exit { mint, reason } => Event::Exit(Exit {
            mint: mint.to_string(),
            reason: reason.name().into(),
        }),
        EngineEvent::State(s) => Event::StateChanged(s.name().into()),
        EngineEvent::Alert(a) => Event::Alert(a.clone()),
    }
}

/// A pump.fun coin's supply: 10^9 tokens of 6 decimals.
const PUMP_SUPPLY: u64 = 1_000_000_000_000_000;

const DAY_MS: u64 = 86_400_000;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The counters a day's digest is the difference of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    launches: u64,
    bought: u64,
    sold: u64,
    realized: i64,
}

impl Tally {
    fn read(m: &Metrics, prices: QuotePrices) -> Self {
        Self {
            launches: m.launches.load(Relaxed),
            bought: m.bought.load(Relaxed),
            sold: m.sold.load(Relaxed),
            realized: m.realized_pnl_lamports.load(Relaxed).saturating_add(
                prices.lamports_signed(Quote::Usdc, m.realized_pnl_usdc_units.load(Relaxed)),
            ),
        }
    }
}

/// The digest of `day` (days since the epoch): what changed from `start` to `end`.
fn digest(day: u64, start: Tally, end: Tally, m: &Metrics) -> Event {
    Event::Digest(Digest {
        day: kestrel_model::calendar::format_day(day),
        launches: end.launches.saturating_sub(start.launches),
        bought: end.bought.saturating_sub(start.bought),
        sold: end.sold.saturating_sub(start.sold),
        realized_lamports: end.realized.saturating_sub(start.realized),
        open_positions: u32::try_from(m.open_positions.load(Relaxed)).unwrap_or(u32::MAX),
        wallet_lamports: m.wallet_lamports.load(Relaxed),
    })
}

/// Hands engine events to the plugins until the engine's side closes, keeping the launches
/// for the `recent-launches` view, and after each UTC midnight sends the day's digest (for
/// the day the engine started, from its start). Launches are screened by `sniper`'s rules
/// for the plugins granted only those. Run on its own thread.
pub fn forward_events(
    events: crossbeam_channel::Receiver<EngineEvent>,
    host: Arc<PluginHost>,
    prices: QuotePrices,
    recent: RecentLaunches,
    metrics: Arc<Metrics>,
    sniper: Option<kestrel_sniper::Sniper>,
) {
    let mut day = now_ms() / DAY_MS;
    let mut start = Tally::read(&metrics, prices);
    loop {
        let now = now_ms();
        if now / DAY_MS != day {
            let end = Tally::read(&metrics, prices);
            host.publish(&digest(day, start, end, &metrics));
            (day, start) = (now / DAY_MS, end);
        }
        let until_midnight = (day + 1) * DAY_MS - now.min((day + 1) * DAY_MS);
        match events.recv_timeout(std::time::Duration::from_millis(until_midnight.max(1))) {
            Ok(e) => {
                let ev = event(&e, prices, now_ms());
                if let Event::Launch(l) = &ev {
                    recent.push(l.clone());
                }
                match &e {
                    // Screened by the sniper's own rules, for the plugins that want only
                    // those (without a sniper, every launch passes).
                    EngineEvent::Launch(l) => {
                        let takes = sniper
                            .as_ref()
                            .is_none_or(|s| s.screen(&l.as_launch()).is_none());
                        host.publish_launch(&ev, takes);
                    }
                    _ => host.publish(&ev),
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_engine::order::{Fill as EngineFill, Why};
    use kestrel_guardian::exits::ExitReason;
    use kestrel_model::SignatureText;

    fn fill(is_buy: bool) -> EngineFill {
        EngineFill {
            order: 1,
            why: if is_buy {
                Why::Snipe
            } else {
                Why::Exit(ExitReason::Manual)
            },
            mint: Pubkey::new_unique(),
            is_buy,
            tokens: TokenAmount(1_000_000),
            quote: Quote::Sol,
            quote_amount: QuoteAmount(100_000_000),
            fees: QuoteAmount(1_000_000),
            network_fee: Lamports(5_000),
            wallet_delta: 0,
            reserves_after: Reserves {
                virtual_token: TokenAmount(1_000_000_000_000_000),
                virtual_quote: QuoteAmount(30_000_000_000),
                real_token: TokenAmount(0),
                real_quote: QuoteAmount(0),
            },
            signature: SignatureText::new("sig"),
            slot: 9,
        }
    }

    #[test]
    fn a_fill_is_told_in_sol_fees_in_with_a_sells_realized_pnl() {
        let p = QuotePrices::SOL_ONLY;
        let Event::Fill(b) = event(
            &EngineEvent::Fill {
                fill: fill(true),
                realized: None,
            },
            p,
            0,
        ) else {
            panic!("a fill")
        };
        // Paid: the leg, the fees and the network fee.
        assert_eq!(b.sol_lamports, 100_000_000 + 1_000_000 + 5_000);
        assert_eq!(
            (b.fees, b.network_fee_lamports, b.realized_lamports),
            (1_000_000, 5_000, None)
        );
        assert_eq!(b.market_cap_lamports, 30_000_000_000);
        assert_eq!(b.quote, "SOL");
        let sold = EngineEvent::Fill {
            fill: fill(false),
            realized: Some(-2_000_000),
        };
        let Event::Fill(s) = event(&sold, p, 0) else {
            panic!("a fill")
        };
        // Received: the leg less the fees and the network fee.
        assert_eq!(s.sol_lamports, 100_000_000 - 1_000_000 - 5_000);
        assert_eq!(s.realized_lamports, Some(-2_000_000));
        assert_eq!(s.why, "manual");
    }

    #[test]
    fn a_days_digest_is_what_changed_that_day() {
        let m = Metrics::default();
        m.open_positions.store(2, Relaxed);
        let start = Tally {
            launches: 10,
            bought: 1,
            sold: 0,
            realized: 5,
        };
        let end = Tally {
            launches: 110,
            bought: 4,
            sold: 3,
            realized: -95,
        };
        let Event::Digest(d) = digest(20_789, start, end, &m) else {
            panic!("a digest")
        };
        assert_eq!(d.day, "2026-12-02");
        assert_eq!(
            (d.launches, d.bought, d.sold, d.realized_lamports),
            (100, 3, 3, -100)
        );
        assert_eq!(d.open_positions, 2);
    }

    #[test]
    fn value_is_tokens_at_the_spot_price() {
        let mark = Reserves {
            virtual_token: TokenAmount(1_000),
            virtual_quote: QuoteAmount(30),
            real_token: TokenAmount(0),
            real_quote: QuoteAmount(0),
        };
        assert_eq!(value(100, &mark), 3);
        let empty = Reserves {
            virtual_token: TokenAmount(0),
            ..mark
        };
        assert_eq!(value(100, &empty), 0);
        assert_eq!(sol(1_500_000_000), "1.5");
    }
}
