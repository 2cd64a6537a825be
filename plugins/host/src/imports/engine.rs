//! `engine`: commands (only with the grant; they pass the guardian like any order) and
//! read-only views (only with the views grant; without it a plugin sees nothing).

use std::sync::atomic::Ordering::Relaxed;

use crate::engine_api::{EngineApi, empty_pnl, empty_status};
use crate::wit::latest::kestrel::plugin::engine;
use crate::wit::latest::{CommandError, CurveView, EngineStatus, Launch, PnlReport, Position};

use super::State;

/// The most launches one `recent-launches` returns.
const MAX_RECENT: u32 = 100;

fn check_mint(mint: &str) -> Result<(), CommandError> {
    match bs58::decode(mint).into_vec() {
        Ok(b) if b.len() == 32 => Ok(()),
        _ => Err(CommandError::BadInput(format!(
            "`{}` is not a mint address",
            crate::text::clip(mint, 64)
        ))),
    }
}

impl State {
    fn command(&self, what: &str) -> Result<&dyn EngineApi, CommandError> {
        if !self.ctx.grants.engine_commands {
            self.ctx.counters.commands_denied.fetch_add(1, Relaxed);
            tracing::warn!(plugin = %self.ctx.name, command = what, "engine command without the grant: refused");
            return Err(CommandError::NotGranted);
        }
        self.ctx.counters.commands.fetch_add(1, Relaxed);
        tracing::info!(plugin = %self.ctx.name, command = what, "engine command");
        Ok(self.ctx.engine.as_ref())
    }

    fn views(&self) -> Option<&dyn EngineApi> {
        self.ctx
            .grants
            .engine_views
            .then_some(self.ctx.engine.as_ref())
    }
}

impl engine::Host for State {
    fn buy(&mut self, mint: String, lamports: u64) -> Result<String, CommandError> {
        let e = self.command("buy")?;
        check_mint(&mint)?;
        if lamports == 0 {
            return Err(CommandError::BadInput(
                "the amount must be above zero".into(),
            ));
        }
        e.buy(&mint, lamports)
    }

    fn sell(&mut self, mint: String, percent: u8) -> Result<String, CommandError> {
        let e = self.command("sell")?;
        check_mint(&mint)?;
        if !(1..=100).contains(&percent) {
            return Err(CommandError::BadInput(format!(
                "percent {percent} is not 1..=100"
            )));
        }
        e.sell(&mint, percent)
    }

    fn pause(&mut self) -> Result<String, CommandError> {
        self.command("pause")?.pause()
    }

    fn resume(&mut self) -> Result<String, CommandError> {
        self.command("resume")?.resume()
    }

    fn kill(&mut self, sell_all: bool) -> Result<String, CommandError> {
        self.command("kill")?.kill(sell_all)
    }

    fn positions(&mut self) -> Vec<Position> {
        self.views().map(|e| e.positions()).unwrap_or_default()
    }

    fn pnl(&mut self) -> PnlReport {
        self.views().map_or_else(empty_pnl, |e| e.pnl())
    }

    fn status(&mut self) -> EngineStatus {
        self.views()
            .map_or_else(|| empty_status("unknown"), |e| e.status())
    }

    fn curve(&mut self, mint: String) -> Result<CurveView, CommandError> {
        if !self.ctx.grants.engine_views {
            return Err(CommandError::NotGranted);
        }
        check_mint(&mint)?;
        self.ctx.engine.curve(&mint)
    }

    fn recent_launches(&mut self, limit: u32) -> Vec<Launch> {
        self.views()
            .map(|e| e.recent_launches(limit.min(MAX_RECENT)))
            .unwrap_or_default()
    }
}
