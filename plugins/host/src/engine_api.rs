//! What the host needs from the engine: commands (they pass the guardian like any order) and
//! read-only views. The binary implements it over the running engine; tests may implement it
//! over anything.

use crate::bindings::{CommandError, EngineStatus, PnlReport, Position};

pub trait EngineApi: Send + Sync + 'static {
    fn buy(&self, mint: &str, lamports: u64) -> Result<String, CommandError>;
    fn sell(&self, mint: &str, percent: u8) -> Result<String, CommandError>;
    fn pause(&self) -> Result<String, CommandError>;
    fn resume(&self) -> Result<String, CommandError>;
    fn kill(&self, sell_all: bool) -> Result<String, CommandError>;
    fn positions(&self) -> Vec<Position>;
    fn pnl(&self) -> PnlReport;
    fn status(&self) -> EngineStatus;
}
