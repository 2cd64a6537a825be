//! The bridge between a running engine and the plugin host: [`EngineBridge`] gives plugins
//! the engine's commands (validated, then queued to the strategy thread, where the guardian
//! judges them like any order) and read-only views; [`forward_events`] hands the engine's
//! fills, exits, state changes and alerts to the plugins that subscribed.
//!
//! The v0.1.0 interface counts everything in lamports. A coin quoted in USDC is shown to it
//! in SOL at the operator's stated price (`[quotes] usdc_per_sol`), and a SOL amount a plugin
//! asks to buy it for is converted at the same price.

use kestrel_model::{Quote, QuotePrices, TokenProgram};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use kestrel_decode::account::decode_bonding_curve;
use kestrel_engine::engine::EngineHandle;
use kestrel_engine::order::{Command, EngineEvent};
use kestrel_exec::JsonRpc;
use kestrel_exec::tx::MintInfo;
use kestrel_plugin_host::EngineApi;
use kestrel_plugin_host::PluginHost;
use kestrel_plugin_host::bindings::{CommandError, EngineStatus, Event, Fill, PnlReport, Position};
use kestrel_pump::curve::Reserves;
use kestrel_pump::pda;
use kestrel_units::{Lamports, QuoteAmount};
use solana_pubkey::Pubkey;

pub struct EngineBridge {
    engine: EngineHandle,
    rpc: JsonRpc,
    /// What a USDC amount is in SOL, for the lamport-denominated v0.1 views.
    prices: QuotePrices,
    /// For the RPC reads a buy needs (plugins call from their own threads).
    io: tokio::runtime::Runtime,
}

impl EngineBridge {
    pub fn new(engine: EngineHandle, rpc: JsonRpc, prices: QuotePrices) -> std::io::Result<Self> {
        let io = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            engine,
            rpc,
            prices,
            io,
        })
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
        let curve_key = pda::bonding_curve(&mint);
        let accounts = self
            .io
            .block_on(self.rpc.multiple_accounts(&[curve_key, mint]))
            .map_err(|e| CommandError::Refused(format!("could not read the coin: {e}")))?;
        let (Some((_, curve)), Some((mint_owner, _))) = (
            accounts.first().cloned().flatten(),
            accounts.get(1).cloned().flatten(),
        ) else {
            return Err(CommandError::Refused(format!(
                "{mint} is not a pump.fun coin"
            )));
        };
        let Some(token_program) = TokenProgram::of_id(&mint_owner) else {
            return Err(CommandError::Refused(format!("{mint} is not a token mint")));
        };
        let c = decode_bonding_curve(&curve)
            .map_err(|e| CommandError::Refused(format!("the coin's curve is unreadable: {e}")))?;
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
            trading_state: match m.trading_state.load(Relaxed) {
                0 => "active",
                1 => "reducing",
                _ => "halted",
            }
            .into(),
            launches: m.launches.load(Relaxed),
            bought: m.bought.load(Relaxed),
            sold: m.sold.load(Relaxed),
            open_positions: u32::try_from(m.open_positions.load(Relaxed)).unwrap_or(u32::MAX),
            slot: m.slot.load(Relaxed),
        }
    }
}

/// The plugin-facing form of an engine event (a USDC fill in SOL at `prices`).
pub fn event(e: &EngineEvent, prices: QuotePrices) -> Event {
    match e {
        EngineEvent::Fill(f) => Event::Fill(Fill {
            mint: f.mint.to_string(),
            is_buy: f.is_buy,
            tokens: f.tokens.0,
            sol_lamports: prices.lamports(f.quote, f.quote_amount).map_or(0, |l| l.0),
            why: f.why.name().into(),
            signature: f.signature.as_str().to_owned(),
        }),
        EngineEvent::Exit { mint, reason } => Event::Exit((mint.to_string(), reason.name().into())),
        EngineEvent::State(s) => Event::StateChanged(s.name().into()),
        EngineEvent::Alert(a) => Event::Alert(a.clone()),
    }
}

/// Hands engine events to the plugins until the engine's side closes. Run on its own
/// thread.
pub fn forward_events(
    events: crossbeam_channel::Receiver<EngineEvent>,
    host: Arc<PluginHost>,
    prices: QuotePrices,
) {
    while let Ok(e) = events.recv() {
        host.publish(&event(&e, prices));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_units::TokenAmount;

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
