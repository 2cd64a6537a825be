//! Latency per stage and the engine's counters.
//!
//! Each stage is timed from the moment the frame's bytes were read, so a stage's figure is the
//! time from frame to that point. Threads record into their own histograms (no sharing on the
//! hot path) and publish a copy every few hundred milliseconds with `try_lock`, which never
//! waits; the status line, `/metrics` and the exit table read the published copies.

use kestrel_pump::error::PumpError;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use strum::{EnumCount, IntoStaticStr, VariantArray};

use hdrhistogram::Histogram;
use kestrel_guardian::Reason;
use kestrel_guardian::exits::ExitReason;
use kestrel_reentry::Pass;
use kestrel_sniper::SkipReason;

/// The stages of the hot path, in order. The list and the names are derived from these
/// variants; the index is the declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumCount, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    /// Frame read → events decoded (feed thread).
    Decode,
    /// → sniper and guardian decided (strategy thread; includes the hop between threads).
    Decide,
    /// → transaction built and signed (execution thread).
    BuildSign,
    /// → the request written on the first direct connection to take it (execution thread;
    /// plain-`http` send endpoints, whose requests Kestrel writes itself).
    Written,
    /// → the first send endpoint accepted it.
    Send,
    /// → confirmed at the configured commitment.
    Confirm,
}

impl Stage {
    pub const ALL: &'static [Stage] = Self::VARIANTS;

    pub fn name(self) -> &'static str {
        self.into()
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Nanoseconds, 1 ns to 100 s at 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 100_000_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable_histogram()))
}

// `Histogram::new(3)` cannot fail (3 significant figures is in range).
#[allow(clippy::panic)]
fn unreachable_histogram() -> Histogram<u64> {
    panic!("hdrhistogram refused 3 significant figures")
}

/// A thread's own histograms, published now and then.
pub struct Recorder {
    local: Vec<Histogram<u64>>,
    stages: &'static [Stage],
    last_publish: u64,
}

/// Publish at most this often (ns).
const PUBLISH_EVERY: u64 = 250_000_000;

impl Recorder {
    pub fn new(stages: &'static [Stage]) -> Self {
        Self {
            local: stages.iter().map(|_| new_histogram()).collect(),
            stages,
            last_publish: 0,
        }
    }

    /// Records `ns` for `stage` (one of this recorder's stages).
    pub fn record(&mut self, stage: Stage, ns: u64) {
        if let Some(i) = self.stages.iter().position(|s| *s == stage)
            && let Some(h) = self.local.get_mut(i)
        {
            h.saturating_record(ns.max(1));
        }
    }

    /// Copies into `metrics` if it is time (`force` at exit). Never blocks.
    pub fn maybe_publish(&mut self, metrics: &Metrics, now: u64, force: bool) {
        if !force && now.saturating_sub(self.last_publish) < PUBLISH_EVERY {
            return;
        }
        self.last_publish = now;
        for (stage, h) in self.stages.iter().zip(&self.local) {
            if let Some(shared) = metrics.stages.get(stage.index()) {
                let guard = if force {
                    shared.lock().ok()
                } else {
                    shared.try_lock().ok()
                };
                if let Some(mut g) = guard {
                    g.clone_from(h);
                }
            }
        }
    }
}

/// Everything the control plane may read.
pub struct Metrics {
    stages: Vec<Mutex<Histogram<u64>>>,
    /// Inline layout: how long each unit of the hot thread's housekeeping took (ns).
    housekeeping: Mutex<Histogram<u64>>,
    pub launches: AtomicU64,
    pub trades: AtomicU64,
    pub bought: AtomicU64,
    pub sold: AtomicU64,
    pub skipped: [AtomicU64; SkipReason::ALL.len()],
    pub refused: [AtomicU64; Reason::COUNT],
    /// Sell orders made, by what made them.
    pub exits: [AtomicU64; ExitReason::COUNT],
    /// Trades on watched mints that did not re-enter, by reason.
    pub reentry_passes: [AtomicU64; Pass::COUNT],
    pub reentries: AtomicU64,
    /// Held positions whose curve completed (to be sold off the curve).
    pub graduated_held: AtomicU64,
    /// Routed orders signed from a plan the refresher had ready, and those that had to
    /// fetch one first.
    pub route_plans_ready: AtomicU64,
    pub route_plans_fetched: AtomicU64,
    /// Curve orders whose accounts were derived ahead from the feed's launch hint, and those
    /// derived when the order came.
    pub curve_plans_warm: AtomicU64,
    pub curve_plans_derived: AtomicU64,
    /// Orders signed with a nonce made ahead, and with RFC 8032's deterministic one.
    pub signed_nonce_ahead: AtomicU64,
    pub signed_deterministic: AtomicU64,
    /// Launches the strategy thread has decided on, counted after any order is queued; the
    /// execution thread polls for orders while hinted launches are undecided.
    pub launches_decided: AtomicU64,
    pub sell_failures: AtomicU64,
    pub buy_failures: AtomicU64,
    /// Network fees paid by transactions that failed on chain.
    pub failed_tx_fees_lamports: AtomicU64,
    /// Orders that failed on chain, by pump.fun's error in [`PumpError::ALL`]'s order; the
    /// last counts every other error.
    pub chain_failures: [AtomicU64; CHAIN_FAILURES],
    /// Launches seen, by quote and kind ([`LAUNCH_KINDS`] names them).
    pub launches_by_kind: [AtomicU64; LAUNCH_KINDS.len()],
    pub sends: AtomicU64,
    pub send_retries: AtomicU64,
    pub resigns: AtomicU64,
    pub exec_queue_full: AtomicU64,
    /// Inline layout: the longest unit of the hot thread's housekeeping (reports, a command,
    /// the exit timer, an order they made, a nonce), which is the longest a frame that
    /// landed during it waited (ns).
    pub inline_housekeeping_max_ns: AtomicU64,
    pub open_positions: AtomicU64,
    /// Curve orders signed, by pump.fun instruction (v1 for SOL coins, v2 for other quotes).
    pub signed_buy_exact_sol_in: AtomicU64,
    pub signed_sell: AtomicU64,
    pub signed_buy_exact_quote_in_v2: AtomicU64,
    pub signed_sell_v2: AtomicU64,
    pub exposure_lamports: AtomicU64,
    pub realized_pnl_lamports: AtomicI64,
    pub unrealized_pnl_lamports: AtomicI64,
    /// The same three for coins quoted in USDC, in USDC base units (2026-12).
    pub exposure_usdc_units: AtomicU64,
    pub realized_pnl_usdc_units: AtomicI64,
    pub unrealized_pnl_usdc_units: AtomicI64,
    pub wallet_lamports: AtomicU64,
    pub slot: AtomicU64,
    /// 0 active, 1 reducing, 2 halted.
    pub trading_state: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self {
            stages: Stage::ALL
                .iter()
                .map(|_| Mutex::new(new_histogram()))
                .collect(),
            housekeeping: Mutex::new(new_histogram()),
            launches: AtomicU64::new(0),
            trades: AtomicU64::new(0),
            bought: AtomicU64::new(0),
            sold: AtomicU64::new(0),
            skipped: std::array::from_fn(|_| AtomicU64::new(0)),
            refused: std::array::from_fn(|_| AtomicU64::new(0)),
            exits: std::array::from_fn(|_| AtomicU64::new(0)),
            reentry_passes: std::array::from_fn(|_| AtomicU64::new(0)),
            reentries: AtomicU64::new(0),
            graduated_held: AtomicU64::new(0),
            route_plans_ready: AtomicU64::new(0),
            route_plans_fetched: AtomicU64::new(0),
            curve_plans_warm: AtomicU64::new(0),
            curve_plans_derived: AtomicU64::new(0),
            signed_nonce_ahead: AtomicU64::new(0),
            signed_deterministic: AtomicU64::new(0),
            launches_decided: AtomicU64::new(0),
            sell_failures: AtomicU64::new(0),
            buy_failures: AtomicU64::new(0),
            failed_tx_fees_lamports: AtomicU64::new(0),
            chain_failures: std::array::from_fn(|_| AtomicU64::new(0)),
            launches_by_kind: std::array::from_fn(|_| AtomicU64::new(0)),
            sends: AtomicU64::new(0),
            send_retries: AtomicU64::new(0),
            resigns: AtomicU64::new(0),
            exec_queue_full: AtomicU64::new(0),
            inline_housekeeping_max_ns: AtomicU64::new(0),
            open_positions: AtomicU64::new(0),
            signed_buy_exact_sol_in: AtomicU64::new(0),
            signed_sell: AtomicU64::new(0),
            signed_buy_exact_quote_in_v2: AtomicU64::new(0),
            signed_sell_v2: AtomicU64::new(0),
            exposure_lamports: AtomicU64::new(0),
            realized_pnl_lamports: AtomicI64::new(0),
            unrealized_pnl_lamports: AtomicI64::new(0),
            exposure_usdc_units: AtomicU64::new(0),
            realized_pnl_usdc_units: AtomicI64::new(0),
            unrealized_pnl_usdc_units: AtomicI64::new(0),
            wallet_lamports: AtomicU64::new(0),
            slot: AtomicU64::new(0),
            trading_state: AtomicU64::new(0),
        }
    }

    /// A copy of one stage's published histogram.
    pub fn stage(&self, stage: Stage) -> Histogram<u64> {
        self.stages
            .get(stage.index())
            .and_then(|m| m.lock().ok().map(|h| h.clone()))
            .unwrap_or_else(new_histogram)
    }

    /// A copy of the inline hot thread's housekeeping units' durations, as last published.
    pub fn housekeeping(&self) -> Histogram<u64> {
        self.housekeeping
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|_| new_histogram())
    }

    /// Publishes the hot thread's own copy of its housekeeping units' durations.
    pub fn publish_housekeeping(&self, local: &Histogram<u64>) {
        if let Ok(mut h) = self.housekeeping.try_lock() {
            h.clone_from(local);
        }
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.iter().map(|c| c.load(Relaxed)).sum()
    }

    pub fn refused_total(&self) -> u64 {
        self.refused.iter().map(|c| c.load(Relaxed)).sum()
    }
}

/// One counter per pump.fun error, and one for the rest.
pub const CHAIN_FAILURES: usize = PumpError::ALL.len() + 1;

impl Metrics {
    /// Counts an order that failed on chain with `error` (`None`: not one of pump.fun's).
    pub fn count_chain_failure(&self, error: Option<PumpError>) {
        let i = error
            .and_then(|e| PumpError::ALL.iter().position(|x| *x == e))
            .unwrap_or(CHAIN_FAILURES - 1);
        if let Some(c) = self.chain_failures.get(i) {
            c.fetch_add(1, Relaxed);
        }
    }
}

/// The kinds of launch counted apart: the quote, then mayhem or cashback (a coin that is both
/// counts as mayhem).
pub const LAUNCH_KINDS: [&str; 7] = [
    "sol",
    "sol_mayhem",
    "sol_cashback",
    "usdc",
    "usdc_mayhem",
    "usdc_cashback",
    "other_quote",
];

/// The index in [`LAUNCH_KINDS`] of a launch in `quote`.
pub fn launch_kind(quote: kestrel_model::Quote, is_mayhem: bool, is_cashback: bool) -> usize {
    let base = match quote {
        kestrel_model::Quote::Sol => 0,
        kestrel_model::Quote::Usdc => 3,
        kestrel_model::Quote::Other(_) => return 6,
    };
    base + if is_mayhem {
        1
    } else if is_cashback {
        2
    } else {
        0
    }
}
