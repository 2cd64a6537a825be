//! Latency per stage and the engine's counters.
//!
//! Each stage is timed from the moment the frame's bytes were read, so a stage's figure is the
//! time from frame to that point. Threads record into their own histograms (no sharing on the
//! hot path) and publish a copy every few hundred milliseconds with `try_lock`, which never
//! waits; the status line, `/metrics` and the exit table read the published copies.

use kestrel_pump::error::PumpError;
use std::fmt::{self, Write as _};
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
    /// Network fees paid by transactions that failed on chain.
    pub failed_tx_fees_lamports: AtomicU64,
    /// Orders that failed on chain, by pump.fun's error in [`PumpError::ALL`]'s order; the
    /// last counts every other error.
    pub chain_failures: [AtomicU64; CHAIN_FAILURES],
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
            failed_tx_fees_lamports: AtomicU64::new(0),
            chain_failures: std::array::from_fn(|_| AtomicU64::new(0)),
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

/// A metric family's head: its name after `kestrel_`, its help line and its type.
struct Head {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
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

/// The name of [`Metrics::chain_failures`]' counter `i`.
fn chain_failure_name(i: usize) -> &'static str {
    PumpError::ALL.get(i).map_or("other", |e| e.name())
}

/// Orders that failed on chain, by error; only the errors seen, since pump.fun has dozens.
fn write_chain_failures(o: &mut String, m: &Metrics) {
    let head = Head {
        name: "chain_failures_total",
        help: "Orders that failed on chain, by the program's error.",
        kind: COUNTER,
    };
    write_labelled(
        o,
        &head,
        "error",
        m.chain_failures
            .iter()
            .enumerate()
            .map(|(i, c)| (chain_failure_name(i), c.load(Relaxed)))
            .filter(|(_, n)| *n > 0),
    );
}

const COUNTER: &str = "counter";
const GAUGE: &str = "gauge";

/// What a row of [`FAMILIES`] reads from [`Metrics`].
enum Read {
    /// One unlabelled sample (wide enough for the u64 and the i64 fields; prints the same).
    Value(fn(&Metrics) -> i128),
    /// One sample per reason, in index order, labelled `reason` with the name at that index.
    ByReason(fn(&Metrics) -> &[AtomicU64], fn(usize) -> &'static str),
}

/// The counters and gauges of [`Metrics`], in the order `/metrics` writes them.
const FAMILIES: &[(Head, Read)] = &[
    (
        Head {
            name: "launches_total",
            help: "Launches seen.",
            kind: COUNTER,
        },
        Read::Value(|m| m.launches.load(Relaxed).into()),
    ),
    (
        Head {
            name: "trades_total",
            help: "Curve trades seen.",
            kind: COUNTER,
        },
        Read::Value(|m| m.trades.load(Relaxed).into()),
    ),
    (
        Head {
            name: "bought_total",
            help: "Buys filled.",
            kind: COUNTER,
        },
        Read::Value(|m| m.bought.load(Relaxed).into()),
    ),
    (
        Head {
            name: "sold_total",
            help: "Sells filled.",
            kind: COUNTER,
        },
        Read::Value(|m| m.sold.load(Relaxed).into()),
    ),
    (
        Head {
            name: "buy_failures_total",
            help: "Buys that failed or expired.",
            kind: COUNTER,
        },
        Read::Value(|m| m.buy_failures.load(Relaxed).into()),
    ),
    (
        Head {
            name: "sends_total",
            help: "Transactions broadcast.",
            kind: COUNTER,
        },
        Read::Value(|m| m.sends.load(Relaxed).into()),
    ),
    (
        Head {
            name: "send_retries_total",
            help: "Send retries after 429 or transport errors.",
            kind: COUNTER,
        },
        Read::Value(|m| m.send_retries.load(Relaxed).into()),
    ),
    (
        Head {
            name: "resigns_total",
            help: "Transactions re-signed with a fresh blockhash.",
            kind: COUNTER,
        },
        Read::Value(|m| m.resigns.load(Relaxed).into()),
    ),
    (
        Head {
            name: "exec_queue_full_total",
            help: "Times the execution queue was full.",
            kind: COUNTER,
        },
        Read::Value(|m| m.exec_queue_full.load(Relaxed).into()),
    ),
    (
        Head {
            name: "skipped_total",
            help: "Launches the sniper skipped, by reason.",
            kind: COUNTER,
        },
        Read::ByReason(
            |m| &m.skipped,
            |i| SkipReason::ALL.get(i).map_or("unknown", |r| r.name()),
        ),
    ),
    (
        Head {
            name: "refused_total",
            help: "Intents the guardian refused, by reason.",
            kind: COUNTER,
        },
        Read::ByReason(|m| &m.refused, Reason::name_at),
    ),
    (
        Head {
            name: "exits_total",
            help: "Sell orders made, by reason.",
            kind: COUNTER,
        },
        Read::ByReason(|m| &m.exits, ExitReason::name_at),
    ),
    (
        Head {
            name: "reentry_passes_total",
            help: "Trades on watched mints that did not re-enter, by reason.",
            kind: COUNTER,
        },
        Read::ByReason(|m| &m.reentry_passes, Pass::name_at),
    ),
    (
        Head {
            name: "reentries_total",
            help: "Re-entry buys ordered.",
            kind: COUNTER,
        },
        Read::Value(|m| m.reentries.load(Relaxed).into()),
    ),
    (
        Head {
            name: "sell_failures_total",
            help: "Sells that failed.",
            kind: COUNTER,
        },
        Read::Value(|m| m.sell_failures.load(Relaxed).into()),
    ),
    (
        Head {
            name: "failed_tx_fees_lamports_total",
            help: "Network fees paid by transactions that failed on chain.",
            kind: COUNTER,
        },
        Read::Value(|m| m.failed_tx_fees_lamports.load(Relaxed).into()),
    ),
    (
        Head {
            name: "route_plans_ready_total",
            help: "Routed orders signed from a quote the refresher had ready.",
            kind: COUNTER,
        },
        Read::Value(|m| m.route_plans_ready.load(Relaxed).into()),
    ),
    (
        Head {
            name: "route_plans_fetched_total",
            help: "Routed orders that fetched their quote first.",
            kind: COUNTER,
        },
        Read::Value(|m| m.route_plans_fetched.load(Relaxed).into()),
    ),
    (
        Head {
            name: "curve_plans_warm_total",
            help: "Curve orders whose accounts were derived while the strategy decided.",
            kind: COUNTER,
        },
        Read::Value(|m| m.curve_plans_warm.load(Relaxed).into()),
    ),
    (
        Head {
            name: "curve_plans_derived_total",
            help: "Curve orders whose accounts were derived when the order came.",
            kind: COUNTER,
        },
        Read::Value(|m| m.curve_plans_derived.load(Relaxed).into()),
    ),
    (
        Head {
            name: "signed_nonce_ahead_total",
            help: "Curve orders signed with a nonce made ahead (only the cheap half of the signature left).",
            kind: COUNTER,
        },
        Read::Value(|m| m.signed_nonce_ahead.load(Relaxed).into()),
    ),
    (
        Head {
            name: "signed_deterministic_total",
            help: "Curve orders signed with RFC 8032's nonce (none made ahead, or nonces = \"deterministic\").",
            kind: COUNTER,
        },
        Read::Value(|m| m.signed_deterministic.load(Relaxed).into()),
    ),
    (
        Head {
            name: "graduated_held",
            help: "Held positions whose curve completed (they exit off the curve).",
            kind: GAUGE,
        },
        Read::Value(|m| m.graduated_held.load(Relaxed).into()),
    ),
    (
        Head {
            name: "open_positions",
            help: "Open positions.",
            kind: GAUGE,
        },
        Read::Value(|m| m.open_positions.load(Relaxed).into()),
    ),
    (
        Head {
            name: "exposure_lamports",
            help: "SOL at cost in open positions.",
            kind: GAUGE,
        },
        Read::Value(|m| m.exposure_lamports.load(Relaxed).into()),
    ),
    (
        Head {
            name: "realized_pnl_lamports",
            help: "Realized PnL.",
            kind: GAUGE,
        },
        Read::Value(|m| m.realized_pnl_lamports.load(Relaxed).into()),
    ),
    (
        Head {
            name: "unrealized_pnl_lamports",
            help: "Unrealized PnL at the curve's price, after fees.",
            kind: GAUGE,
        },
        Read::Value(|m| m.unrealized_pnl_lamports.load(Relaxed).into()),
    ),
    (
        Head {
            name: "wallet_lamports",
            help: "Wallet balance as the engine tracks it.",
            kind: GAUGE,
        },
        Read::Value(|m| m.wallet_lamports.load(Relaxed).into()),
    ),
    (
        Head {
            name: "slot",
            help: "Highest slot seen.",
            kind: GAUGE,
        },
        Read::Value(|m| m.slot.load(Relaxed).into()),
    ),
    (
        Head {
            name: "trading_state",
            help: "0 active, 1 reducing, 2 halted.",
            kind: GAUGE,
        },
        Read::Value(|m| m.trading_state.load(Relaxed).into()),
    ),
];

/// Reads one endpoint's sample for a per-endpoint family.
type FeedRead = fn(&kestrel_feed::EndpointStats) -> u64;

/// The per-endpoint families, written after the stage latencies, labelled `endpoint`.
const FEED_FAMILIES: &[(Head, FeedRead)] = &[
    (
        Head {
            name: "feed_first_total",
            help: "Transactions an endpoint delivered first.",
            kind: COUNTER,
        },
        |f| f.first.load(Relaxed),
    ),
    (
        Head {
            name: "feed_duplicates_total",
            help: "Copies dropped because another endpoint was first.",
            kind: COUNTER,
        },
        |f| f.duplicates.load(Relaxed),
    ),
    (
        Head {
            name: "feed_lag_mean_microseconds",
            help: "Mean lag behind the fastest endpoint.",
            kind: GAUGE,
        },
        |f| f.mean_lag_us(),
    ),
    (
        Head {
            name: "feed_disconnects_total",
            help: "Times an endpoint dropped.",
            kind: COUNTER,
        },
        |f| f.disconnects.load(Relaxed),
    ),
    (
        Head {
            name: "feed_connected",
            help: "Whether an endpoint is connected.",
            kind: GAUGE,
        },
        |f| u64::from(f.connected.load(Relaxed)),
    ),
];

/// Writes a family's `# HELP` and `# TYPE` lines.
fn write_head(o: &mut String, head: &Head) {
    let Head { name, help, kind } = head;
    let _ = writeln!(
        o,
        "# HELP kestrel_{name} {help}\n# TYPE kestrel_{name} {kind}"
    );
}

/// Writes a family with one sample per label value (`kestrel_name{label="value"} sample`).
fn write_labelled<'a, V: fmt::Display>(
    o: &mut String,
    head: &Head,
    label: &str,
    samples: impl IntoIterator<Item = (&'a str, V)>,
) {
    write_head(o, head);
    for (value, sample) in samples {
        let _ = writeln!(o, "kestrel_{}{{{label}=\"{value}\"}} {sample}", head.name);
    }
}

/// The stage latencies, a summary with four quantiles and a count per stage.
fn write_stage_latencies(o: &mut String, m: &Metrics) {
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
}

/// Prometheus text exposition (version 0.0.4).
pub fn prometheus(m: &Metrics, feeds: &[kestrel_feed::EndpointStats]) -> String {
    let mut o = String::with_capacity(4096);
    for (head, read) in FAMILIES {
        match read {
            Read::Value(value) => {
                write_head(&mut o, head);
                let _ = writeln!(o, "kestrel_{} {}", head.name, value(m));
            }
            Read::ByReason(counters, name_at) => write_labelled(
                &mut o,
                head,
                "reason",
                counters(m)
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (name_at(i), c.load(Relaxed))),
            ),
        }
    }
    write_chain_failures(&mut o, m);
    write_stage_latencies(&mut o, m);
    for (head, read) in FEED_FAMILIES {
        write_labelled(
            &mut o,
            head,
            "endpoint",
            feeds.iter().map(|f| (f.name.as_str(), read(f))),
        );
    }
    o
}

#[cfg(test)]
mod tests;
