//! Prometheus text exposition (version 0.0.4) of the engine's published metrics, as
//! `/metrics` serves it: the counters and gauges from one table, the per-reason and per-feed
//! families from one helper each, the stage latencies as a summary.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kestrel_engine::metrics::{Metrics, Stage};
use kestrel_guardian::Reason;
use kestrel_guardian::exits::ExitReason;
use kestrel_pump::error::PumpError;
use kestrel_reentry::Pass;
use kestrel_sniper::SkipReason;

/// A metric family's head: its name after `kestrel_`, its help line and its type.
struct Head {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
}

/// The name of [`Metrics::chain_failures`]' counter `i`.
fn chain_failure_name(i: usize) -> &'static str {
    PumpError::ALL.get(i).map_or("other", |e| e.name())
}

/// Launches by quote and kind, every kind always written.
fn write_launch_kinds(o: &mut String, m: &Metrics) {
    let head = Head {
        name: "launches_by_kind_total",
        help: "Launches seen, by quote and kind (mayhem, cashback, or plain).",
        kind: COUNTER,
    };
    write_labelled(
        o,
        &head,
        "kind",
        kestrel_engine::metrics::LAUNCH_KINDS
            .iter()
            .zip(&m.launches_by_kind)
            .map(|(name, c)| (*name, c.load(Relaxed))),
    );
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
            name: "inline_housekeeping_max_ns",
            help: "Inline layout: the longest the hot thread spent on one unit of housekeeping (reports, a command, the exit timer, an order they made, a nonce), which is the longest a frame could wait behind it.",
            kind: GAUGE,
        },
        Read::Value(|m| m.inline_housekeeping_max_ns.load(Relaxed).into()),
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
            name: "signed_buy_exact_sol_in_total",
            help: "Curve buys signed as `buy_exact_sol_in` (SOL coins).",
            kind: COUNTER,
        },
        Read::Value(|m| m.signed_buy_exact_sol_in.load(Relaxed).into()),
    ),
    (
        Head {
            name: "signed_sell_total",
            help: "Curve sells signed as `sell` (SOL coins).",
            kind: COUNTER,
        },
        Read::Value(|m| m.signed_sell.load(Relaxed).into()),
    ),
    (
        Head {
            name: "signed_buy_exact_quote_in_v2_total",
            help: "Curve buys signed as `buy_exact_quote_in_v2` (coins in another quote).",
            kind: COUNTER,
        },
        Read::Value(|m| m.signed_buy_exact_quote_in_v2.load(Relaxed).into()),
    ),
    (
        Head {
            name: "signed_sell_v2_total",
            help: "Curve sells signed as `sell_v2` (coins in another quote).",
            kind: COUNTER,
        },
        Read::Value(|m| m.signed_sell_v2.load(Relaxed).into()),
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
            help: "SOL at cost in open positions of SOL-quoted coins.",
            kind: GAUGE,
        },
        Read::Value(|m| m.exposure_lamports.load(Relaxed).into()),
    ),
    (
        Head {
            name: "realized_pnl_lamports",
            help: "Realized PnL of SOL-quoted coins.",
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
            name: "exposure_usdc_units",
            help: "USDC (base units) at cost in open positions of USDC-quoted coins.",
            kind: GAUGE,
        },
        Read::Value(|m| m.exposure_usdc_units.load(Relaxed).into()),
    ),
    (
        Head {
            name: "realized_pnl_usdc_units",
            help: "Realized PnL of USDC-quoted coins, in USDC base units.",
            kind: GAUGE,
        },
        Read::Value(|m| m.realized_pnl_usdc_units.load(Relaxed).into()),
    ),
    (
        Head {
            name: "unrealized_pnl_usdc_units",
            help: "Unrealized PnL of USDC-quoted coins at the curve's price, after fees, in USDC base units.",
            kind: GAUGE,
        },
        Read::Value(|m| m.unrealized_pnl_usdc_units.load(Relaxed).into()),
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
            help: "0 active, 1 reducing, 2 halted, 3 paused.",
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
    for &s in Stage::ALL {
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
    write_launch_kinds(&mut o, m);
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
