//! What the host needs from the engine: commands (they pass the guardian like any order) and
//! read-only views. The binary implements it over the running engine; tests may implement it
//! over anything.

use crate::wit::latest::{CommandError, CurveView, EngineStatus, Launch, PnlReport, Position};

pub trait EngineApi: Send + Sync + 'static {
    fn buy(&self, mint: &str, lamports: u64) -> Result<String, CommandError>;
    fn sell(&self, mint: &str, percent: u8) -> Result<String, CommandError>;
    fn pause(&self) -> Result<String, CommandError>;
    fn resume(&self) -> Result<String, CommandError>;
    fn kill(&self, sell_all: bool) -> Result<String, CommandError>;
    fn positions(&self) -> Vec<Position>;
    fn pnl(&self) -> PnlReport;
    fn status(&self) -> EngineStatus;
    /// A coin's curve, read from the chain (`mint` is checked base58 of 32 bytes).
    fn curve(&self, mint: &str) -> Result<CurveView, CommandError>;
    /// The most recent launches, newest first, at most `limit`.
    fn recent_launches(&self, limit: u32) -> Vec<Launch>;
}

/// An engine that is not there: every command is refused as unavailable and the views are
/// empty. For a host run apart from a trading engine (benchmarks, hostile-plugin passes), and
/// the views of test engines that only care about commands.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offline;

impl EngineApi for Offline {
    fn buy(&self, _: &str, _: u64) -> Result<String, CommandError> {
        Err(CommandError::Unavailable)
    }
    fn sell(&self, _: &str, _: u8) -> Result<String, CommandError> {
        Err(CommandError::Unavailable)
    }
    fn pause(&self) -> Result<String, CommandError> {
        Err(CommandError::Unavailable)
    }
    fn resume(&self) -> Result<String, CommandError> {
        Err(CommandError::Unavailable)
    }
    fn kill(&self, _: bool) -> Result<String, CommandError> {
        Err(CommandError::Unavailable)
    }
    fn positions(&self) -> Vec<Position> {
        Vec::new()
    }
    fn pnl(&self) -> PnlReport {
        empty_pnl()
    }
    fn status(&self) -> EngineStatus {
        empty_status("offline")
    }
    fn curve(&self, _: &str) -> Result<CurveView, CommandError> {
        Err(CommandError::Unavailable)
    }
    fn recent_launches(&self, _: u32) -> Vec<Launch> {
        Vec::new()
    }
}

/// A report of nothing: no positions, no PnL.
pub(crate) fn empty_pnl() -> PnlReport {
    PnlReport {
        realized_lamports: 0,
        unrealized_lamports: 0,
        open_positions: 0,
        exposure_lamports: 0,
        wallet_lamports: 0,
    }
}

/// A status with no counts, in `trading_state`.
pub(crate) fn empty_status(trading_state: &str) -> EngineStatus {
    EngineStatus {
        trading_state: trading_state.into(),
        launches: 0,
        bought: 0,
        sold: 0,
        open_positions: 0,
        slot: 0,
        max_buy_lamports: 0,
    }
}
