//! Latency per stage and the engine's counters.
//!
//! Each stage is timed from the moment the frame's bytes were read, so a stage's figure is the
//! time from frame to that point. Threads record into their own histograms (no sharing on the
//! hot path) and publish a copy every few hundred milliseconds with `try_lock`, which never
//! waits; the status line, `/metrics` and the exit table read the published copies.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use hdrhistogram::Histogram;
use kestrel_guardian::Reason;
use kestrel_guardian::exits::ExitReason;
use kestrel_reentry::Pass;
use kestrel_sniper::SkipReason;

/// The stages of the hot path, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub const ALL: [Stage; 6] = [
        Stage::Decode,
        Stage::Decide,
        Stage::BuildSign,
        Stage::Written,
        Stage::Send,
        Stage::Confirm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Decode => "decode",
            Stage::Decide => "decide",
            Stage::BuildSign => "build_sign",
            Stage::Written => "written",
            Stage::Send => "send",
            Stage::Confirm => "confirm",
        }
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
    pub sends: AtomicU64,
    pub send_retries: AtomicU64,
    pub resigns: AtomicU64,
    pub exec_queue_full: AtomicU64,
    pub open_positions: AtomicU64,
    pub exposure_lamports: AtomicU64,
    pub realized_pnl_lamports: AtomicI64,
    pub unrealized_pnl_lamports: AtomicI64,
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
            sends: AtomicU64::new(0),
            send_retries: AtomicU64::new(0),
            resigns: AtomicU64::new(0),
            exec_queue_full: AtomicU64::new(0),
            open_positions: AtomicU64::new(0),
            exposure_lamports: AtomicU64::new(0),
            realized_pnl_lamports: AtomicI64::new(0),
            unrealized_pnl_lamports: AtomicI64::new(0),
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

    pub fn skipped_total(&self) -> u64 {
        self.skipped.iter().map(|c| c.load(Relaxed)).sum()
    }

    pub fn refused_total(&self) -> u64 {
        self.refused.iter().map(|c| c.load(Relaxed)).sum()
    }
}

/// p50 and p99 of a histogram in µs, for the status line.
pub fn p50_p99_us(h: &Histogram<u64>) -> (f64, f64) {
    if h.is_empty() {
        return (0.0, 0.0);
    }
    (
        h.value_at_quantile(0.50) as f64 / 1_000.0,
        h.value_at_quantile(0.99) as f64 / 1_000.0,
    )
}

/// The exit table: count and percentiles of every stage, in µs.
pub fn percentile_table(m: &Metrics) -> String {
    let mut out = String::from(
        "stage (since frame read)   count       p50       p90       p99     p99.9       max  (µs)\n",
    );
    for s in Stage::ALL {
        let h = m.stage(s);
        let q = |p: f64| {
            if h.is_empty() {
                0.0
            } else {
                h.value_at_quantile(p) as f64 / 1_000.0
            }
        };
        out.push_str(&format!(
            "{:<24} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
            s.name(),
            h.len(),
            q(0.5),
            q(0.9),
            q(0.99),
            q(0.999),
            if h.is_empty() {
                0.0
            } else {
                h.max() as f64 / 1_000.0
            },
        ));
    }
    out
}

/// Prometheus text exposition (version 0.0.4).
pub fn prometheus(m: &Metrics, feeds: &[kestrel_feed::EndpointStats]) -> String {
    use std::fmt::Write as _;
    let mut o = String::with_capacity(4096);
    let counter = |o: &mut String, name: &str, help: &str, v: u64| {
        let _ = writeln!(
            o,
            "# HELP kestrel_{name} {help}\n# TYPE kestrel_{name} counter\nkestrel_{name} {v}"
        );
    };
    counter(
        &mut o,
        "launches_total",
        "Launches seen.",
        m.launches.load(Relaxed),
    );
    counter(
        &mut o,
        "trades_total",
        "Curve trades seen.",
        m.trades.load(Relaxed),
    );
    counter(
        &mut o,
        "bought_total",
        "Buys filled.",
        m.bought.load(Relaxed),
    );
    counter(&mut o, "sold_total", "Sells filled.", m.sold.load(Relaxed));
    counter(
        &mut o,
        "buy_failures_total",
        "Buys that failed or expired.",
        m.buy_failures.load(Relaxed),
    );
    counter(
        &mut o,
        "sends_total",
        "Transactions broadcast.",
        m.sends.load(Relaxed),
    );
    counter(
        &mut o,
        "send_retries_total",
        "Send retries after 429 or transport errors.",
        m.send_retries.load(Relaxed),
    );
    counter(
        &mut o,
        "resigns_total",
        "Transactions re-signed with a fresh blockhash.",
        m.resigns.load(Relaxed),
    );
    counter(
        &mut o,
        "exec_queue_full_total",
        "Times the execution queue was full.",
        m.exec_queue_full.load(Relaxed),
    );
    let _ = writeln!(
        o,
        "# HELP kestrel_skipped_total Launches the sniper skipped, by reason.\n# TYPE kestrel_skipped_total counter"
    );
    for r in SkipReason::ALL {
        let v = m.skipped.get(r as usize).map_or(0, |c| c.load(Relaxed));
        let _ = writeln!(o, "kestrel_skipped_total{{reason=\"{}\"}} {v}", r.name());
    }
    let _ = writeln!(
        o,
        "# HELP kestrel_refused_total Intents the guardian refused, by reason.\n# TYPE kestrel_refused_total counter"
    );
    for (i, c) in m.refused.iter().enumerate() {
        let _ = writeln!(
            o,
            "kestrel_refused_total{{reason=\"{}\"}} {}",
            Reason::name_at(i),
            c.load(Relaxed)
        );
    }
    let labelled = |o: &mut String,
                    name: &str,
                    help: &str,
                    values: &[AtomicU64],
                    label: fn(usize) -> &'static str| {
        let _ = writeln!(
            o,
            "# HELP kestrel_{name} {help}\n# TYPE kestrel_{name} counter"
        );
        for (i, c) in values.iter().enumerate() {
            let _ = writeln!(
                o,
                "kestrel_{name}{{reason=\"{}\"}} {}",
                label(i),
                c.load(Relaxed)
            );
        }
    };
    labelled(
        &mut o,
        "exits_total",
        "Sell orders made, by reason.",
        &m.exits,
        ExitReason::name_at,
    );
    labelled(
        &mut o,
        "reentry_passes_total",
        "Trades on watched mints that did not re-enter, by reason.",
        &m.reentry_passes,
        Pass::name_at,
    );
    counter(
        &mut o,
        "reentries_total",
        "Re-entry buys ordered.",
        m.reentries.load(Relaxed),
    );
    counter(
        &mut o,
        "sell_failures_total",
        "Sells that failed.",
        m.sell_failures.load(Relaxed),
    );
    counter(
        &mut o,
        "route_plans_ready_total",
        "Routed orders signed from a quote the refresher had ready.",
        m.route_plans_ready.load(Relaxed),
    );
    counter(
        &mut o,
        "route_plans_fetched_total",
        "Routed orders that fetched their quote first.",
        m.route_plans_fetched.load(Relaxed),
    );
    counter(
        &mut o,
        "curve_plans_warm_total",
        "Curve orders whose accounts were derived while the strategy decided.",
        m.curve_plans_warm.load(Relaxed),
    );
    counter(
        &mut o,
        "curve_plans_derived_total",
        "Curve orders whose accounts were derived when the order came.",
        m.curve_plans_derived.load(Relaxed),
    );
    counter(
        &mut o,
        "signed_nonce_ahead_total",
        "Curve orders signed with a nonce made ahead (only the cheap half of the signature left).",
        m.signed_nonce_ahead.load(Relaxed),
    );
    counter(
        &mut o,
        "signed_deterministic_total",
        "Curve orders signed with RFC 8032's nonce (none made ahead, or nonces = \"deterministic\").",
        m.signed_deterministic.load(Relaxed),
    );
    let gauge = |o: &mut String, name: &str, help: &str, v: String| {
        let _ = writeln!(
            o,
            "# HELP kestrel_{name} {help}\n# TYPE kestrel_{name} gauge\nkestrel_{name} {v}"
        );
    };
    gauge(
        &mut o,
        "graduated_held",
        "Held positions whose curve completed (they exit off the curve).",
        m.graduated_held.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "open_positions",
        "Open positions.",
        m.open_positions.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "exposure_lamports",
        "SOL at cost in open positions.",
        m.exposure_lamports.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "realized_pnl_lamports",
        "Realized PnL.",
        m.realized_pnl_lamports.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "unrealized_pnl_lamports",
        "Unrealized PnL at the curve's price, after fees.",
        m.unrealized_pnl_lamports.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "wallet_lamports",
        "Wallet balance as the engine tracks it.",
        m.wallet_lamports.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "slot",
        "Highest slot seen.",
        m.slot.load(Relaxed).to_string(),
    );
    gauge(
        &mut o,
        "trading_state",
        "0 active, 1 reducing, 2 halted.",
        m.trading_state.load(Relaxed).to_string(),
    );
    let _ = writeln!(
        o,
        "# HELP kestrel_stage_latency_seconds Time from frame read to the end of each stage.\n# TYPE kestrel_stage_latency_seconds summary"
    );
    for s in Stage::ALL {
        let h = m.stage(s);
        for q in [0.5, 0.9, 0.99, 0.999] {
            let v = if h.is_empty() {
                0
            } else {
                h.value_at_quantile(q)
            };
            let _ = writeln!(
                o,
                "kestrel_stage_latency_seconds{{stage=\"{}\",quantile=\"{q}\"}} {}",
                s.name(),
                v as f64 / 1e9
            );
        }
        let _ = writeln!(
            o,
            "kestrel_stage_latency_seconds_count{{stage=\"{}\"}} {}",
            s.name(),
            h.len()
        );
    }
    let _ = writeln!(
        o,
        "# HELP kestrel_feed_first_total Transactions an endpoint delivered first.\n# TYPE kestrel_feed_first_total counter"
    );
    for f in feeds {
        let _ = writeln!(
            o,
            "kestrel_feed_first_total{{endpoint=\"{}\"}} {}",
            f.name,
            f.first.load(Relaxed)
        );
    }
    let _ = writeln!(
        o,
        "# HELP kestrel_feed_duplicates_total Copies dropped because another endpoint was first.\n# TYPE kestrel_feed_duplicates_total counter"
    );
    for f in feeds {
        let _ = writeln!(
            o,
            "kestrel_feed_duplicates_total{{endpoint=\"{}\"}} {}",
            f.name,
            f.duplicates.load(Relaxed)
        );
    }
    let _ = writeln!(
        o,
        "# HELP kestrel_feed_lag_mean_microseconds Mean lag behind the fastest endpoint.\n# TYPE kestrel_feed_lag_mean_microseconds gauge"
    );
    for f in feeds {
        let _ = writeln!(
            o,
            "kestrel_feed_lag_mean_microseconds{{endpoint=\"{}\"}} {}",
            f.name,
            f.mean_lag_us()
        );
    }
    let _ = writeln!(
        o,
        "# HELP kestrel_feed_disconnects_total Times an endpoint dropped.\n# TYPE kestrel_feed_disconnects_total counter"
    );
    for f in feeds {
        let _ = writeln!(
            o,
            "kestrel_feed_disconnects_total{{endpoint=\"{}\"}} {}",
            f.name,
            f.disconnects.load(Relaxed)
        );
    }
    let _ = writeln!(
        o,
        "# HELP kestrel_feed_connected Whether an endpoint is connected.\n# TYPE kestrel_feed_connected gauge"
    );
    for f in feeds {
        let _ = writeln!(
            o,
            "kestrel_feed_connected{{endpoint=\"{}\"}} {}",
            f.name,
            u8::from(f.connected.load(Relaxed))
        );
    }
    o
}

#[cfg(test)]
mod tests;
