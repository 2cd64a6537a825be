//! What a backtest found: every decision in order, the summary line for scripts, and the
//! figures the HTML report draws. Serialized as JSON with a fixed field order, so the same
//! inputs give the same bytes (timing, which is not an input, stays out of it).

use std::collections::BTreeMap;

use serde::Serialize;

/// One decision or outcome, in the order the replay made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// A launch and what the sniper and guardian made of it.
    Launch {
        at_ms: u64,
        slot: u64,
        mint: String,
        symbol: String,
        /// `bought`, `skipped` or `refused`.
        decision: &'static str,
        /// The sniper's skip reason or the guardian's refusal.
        reason: Option<String>,
        order: Option<u64>,
    },
    /// An exit rule (or the kill switch) made a sell.
    Exit {
        at_ms: u64,
        slot: u64,
        mint: String,
        reason: &'static str,
        order: u64,
    },
    /// An order filled.
    Fill {
        at_ms: u64,
        slot: u64,
        order: u64,
        mint: String,
        side: &'static str,
        why: &'static str,
        tokens: u64,
        /// The curve leg, in the coin's quote units.
        quote_amount: u64,
        fees: u64,
        network_fee_lamports: u64,
        /// A sell's realized PnL (lamports, trading fees in; network fees apart).
        realized_lamports: Option<i64>,
    },
    /// A buy's band, once its latency window has passed: the fewest and most tokens it would
    /// have had at any curve state in the window (the latency model's stated error).
    Band {
        order: u64,
        mint: String,
        band_tokens: Option<(u64, u64)>,
    },
    /// An order came to nothing.
    Failed {
        at_ms: u64,
        slot: u64,
        order: u64,
        mint: String,
        side: &'static str,
        why: &'static str,
        reason: String,
        /// What it cost (a transaction that landed and failed pays its fee).
        network_fee_lamports: u64,
    },
}

/// The figures of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub launches: u64,
    pub bought: u64,
    pub sold: u64,
    pub buys_failed: u64,
    pub sells_failed: u64,
    /// Realized plus unrealized PnL less every network fee, failed transactions' too: what
    /// the run made, positions still open marked at their last curve (so a strategy that
    /// never sells is not ranked above one that does).
    pub pnl_lamports: i64,
    /// PnL of sells (trading fees in, network fees apart).
    pub realized_lamports: i64,
    /// The positions still open at the end, at what a sale on their last curve would fetch
    /// less what they cost.
    pub unrealized_lamports: i64,
    pub open_at_end: u64,
    pub network_fees_lamports: u64,
    /// Positions closed, and of them those closed with a gain.
    pub closed: u64,
    pub wins: u64,
    /// Wins per closed position, in bps.
    pub win_rate_bps: u64,
    /// The deepest fall of the equity (realized less fees) from a previous peak.
    pub max_drawdown_lamports: i64,
    /// Orders still in flight when the capture ended.
    pub unsettled: u64,
    /// Feed events the kernel handled.
    pub events: u64,
    /// Capture records read.
    pub records: u64,
}

impl Summary {
    /// `0.4167`: wins per closed position.
    pub fn win_rate(&self) -> String {
        format!(
            "{}.{:04}",
            self.win_rate_bps / 10_000,
            self.win_rate_bps % 10_000
        )
    }

    /// The line scripts read.
    pub fn line(&self, events_per_s: u64) -> String {
        format!(
            "backtest: launches={} bought={} sold={} pnl_lamports={} win_rate={} max_drawdown_lamports={} events_per_s={}",
            self.launches,
            self.bought,
            self.sold,
            self.pnl_lamports,
            self.win_rate(),
            self.max_drawdown_lamports,
            events_per_s
        )
    }
}

/// A point of the equity curve: after each fill or failure that cost or made something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EquityPoint {
    pub at_ms: u64,
    pub lamports: i64,
}

/// One closed position: its mint and what it made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trade {
    pub mint: String,
    pub opened_ms: u64,
    pub closed_ms: u64,
    pub realized_lamports: i64,
    /// The exit that closed it.
    pub exit: &'static str,
}

/// Everything a run found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub summary: Summary,
    /// The captures' damage, if any: they were read up to it.
    pub damage: Vec<String>,
    pub latency_slots: Vec<u64>,
    pub equity: Vec<EquityPoint>,
    pub trades: Vec<Trade>,
    pub skips_by_reason: BTreeMap<String, u64>,
    pub refusals_by_reason: BTreeMap<String, u64>,
    pub exits_by_reason: BTreeMap<String, u64>,
    pub failures_by_reason: BTreeMap<String, u64>,
    /// Every decision made, in order.
    pub decisions_total: u64,
    /// The decisions: all of them ([`DecisionLog::Memory`]), or the first [`HEAD`] (for the
    /// HTML report's table; a [`DecisionLog::File`] has every one).
    pub decisions: Vec<Decision>,
}

/// Decisions kept in memory beside a decision file: what a page can show.
pub const HEAD: usize = 2_000;

/// Where a run's decisions go. A long capture makes millions: written to a file as they are
/// made, memory stays flat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DecisionLog {
    /// All of them in [`Outcome::decisions`].
    #[default]
    Memory,
    /// One JSON object a line, to this file; the first [`HEAD`] also in memory.
    File(std::path::PathBuf),
    /// Counted, and the first [`HEAD`] kept; no more.
    Discard,
}

impl Outcome {
    /// The JSON report (pretty, fixed order: byte-identical for the same inputs).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
