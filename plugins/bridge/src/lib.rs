//! The bridge between a running engine and the plugin host: [`EngineBridge`] gives plugins
//! the engine's commands (validated, then queued to the strategy thread, where the guardian
//! judges them like any order) and read-only views; [`forward_events`] hands the engine's
//! fills, exits, state changes and alerts to the plugins that subscribed.

use kestrel_model::TokenProgram;
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
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;

pub struct EngineBridge {
    engine: EngineHandle,
    rpc: JsonRpc,
    /// For the RPC reads a buy needs (plugins call from their own threads).
    io: tokio::runtime::Runtime,
}

impl EngineBridge {
    pub fn new(engine: EngineHandle, rpc: JsonRpc) -> std::io::Result<Self> {
        let io = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self { engine, rpc, io })
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
    let v = u128::from(tokens) * u128::from(mark.virtual_sol.0) / u128::from(mark.virtual_token.0);
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
        let info = MintInfo {
            mint,
            bonding_curve: curve_key,
            creator,
            token_program,
            is_cashback: c.is_cashback_coin.unwrap_or(false),
            is_mayhem: c.is_mayhem_mode.unwrap_or(false),
        };
        let reserves = Reserves {
            virtual_token: c.virtual_token_reserves,
            virtual_sol: Lamports(c.virtual_quote_reserves),
            real_token: c.real_token_reserves,
            real_sol: Lamports(c.real_quote_reserves),
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
                spend: Lamports(lamports),
            },
            format!("buy of {} SOL of {mint} queued{how}", sol(lamports)),
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
                cost_lamports: p.cost.0,
                value_lamports: value(p.tokens.0, &p.mark),
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
            realized_lamports: m.realized_pnl_lamports.load(Relaxed),
            unrealized_lamports: m.unrealized_pnl_lamports.load(Relaxed),
            open_positions: u32::try_from(m.open_positions.load(Relaxed)).unwrap_or(u32::MAX),
            exposure_lamports: m.exposure_lamports.load(Relaxed),
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

/// The plugin-facing form of an engine event.
pub fn event(e: &EngineEvent) -> Event {
    match e {
        EngineEvent::Fill(f) => Event::Fill(Fill {
            mint: f.mint.to_string(),
            is_buy: f.is_buy,
            tokens: f.tokens.0,
            sol_lamports: f.sol.0,
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
pub fn forward_events(events: crossbeam_channel::Receiver<EngineEvent>, host: Arc<PluginHost>) {
    while let Ok(e) = events.recv() {
        host.publish(&event(&e));
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
            virtual_sol: Lamports(30),
            real_token: TokenAmount(0),
            real_sol: Lamports(0),
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
