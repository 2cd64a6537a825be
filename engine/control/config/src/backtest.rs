//! `[backtest]`: the simulated venue `kestrel backtest` replays captures against. Everything
//! else a backtest runs on (sniper, guardian, exits, re-entry, fees) is the live config's own
//! sections, so a backtest of a config is a backtest of what would trade.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BacktestSection {
    /// How many slots after the event that made it an order lands: one value, or several,
    /// each equally likely (each order draws one, the same one every run).
    pub latency_slots: Vec<u64>,
    /// Use the latencies the recording engine's own buys took instead (a capture written by
    /// `kestrel run --record`, whose wallet the capture names).
    pub latency_from_capture: bool,
    /// The wallet the backtest starts with (lamports).
    pub balance_lamports: u64,
    /// Share of transactions that never land (expired unconfirmed), in bps: no fill, no fee.
    pub expire_bps: u64,
}

impl Default for BacktestSection {
    fn default() -> Self {
        Self {
            latency_slots: vec![1],
            latency_from_capture: false,
            balance_lamports: 10_000_000_000,
            expire_bps: 0,
        }
    }
}

/// A latency past this many slots (a minute of mainnet slots) is a typo, not a model.
pub const MAX_LATENCY_SLOTS: u64 = 150;

impl BacktestSection {
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        if self.latency_slots.is_empty() && !self.latency_from_capture {
            return Err((
                "backtest.latency_slots".into(),
                "needs at least one value (or latency_from_capture = true)".into(),
            ));
        }
        if let Some(s) = self.latency_slots.iter().find(|s| **s > MAX_LATENCY_SLOTS) {
            return Err((
                "backtest.latency_slots".into(),
                format!("{s} slots is past {MAX_LATENCY_SLOTS} (about a minute)"),
            ));
        }
        if self.expire_bps > 10_000 {
            return Err((
                "backtest.expire_bps".into(),
                format!("{} is more than 10000 (all of them)", self.expire_bps),
            ));
        }
        if self.balance_lamports == 0 {
            return Err((
                "backtest.balance_lamports".into(),
                "must be more than 0".into(),
            ));
        }
        Ok(())
    }
}
