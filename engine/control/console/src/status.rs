//! What `kestrel run` prints: the one-line live status, the feed table and the per-stage
//! latency table at exit.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_feed::EndpointStats;
use kestrel_guardian::TradingState;
use kestrel_guardian::exits::ExitReason;
use kestrel_sniper::SkipReason;
use kestrel_units::Lamports;

use hdrhistogram::Histogram;
use kestrel_engine::metrics::{Metrics, Stage};

fn sol(l: i64) -> String {
    let sign = if l < 0 { "-" } else { "" };
    format!("{sign}{}", Lamports(l.unsigned_abs()))
}

/// `launches 120 | bought 3 | skipped 110 (name_denied 80, rate_limited 30) | refused 7 | ...`
pub fn status_line(m: &Metrics, feeds: &[EndpointStats]) -> String {
    let mut skips: Vec<(u64, &str)> = SkipReason::ALL
        .iter()
        .filter_map(|r| {
            let n = m.skipped.get(*r as usize)?.load(Relaxed);
            (n > 0).then_some((n, r.name()))
        })
        .collect();
    skips.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
    let skip_text = skips
        .iter()
        .take(3)
        .map(|(n, name)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let lat = [Stage::Decode, Stage::Decide, Stage::BuildSign, Stage::Send]
        .iter()
        .map(|s| {
            let (p50, p99) = p50_p99_us(&m.stage(*s));
            format!("{} {p50:.0}/{p99:.0}", s.name())
        })
        .collect::<Vec<_>>()
        .join(" ");
    let up = feeds.iter().filter(|f| f.connected.load(Relaxed)).count();
    // Sells by reason: "sold 3 (take_profit 2, stop_loss 1)".
    let exit_text = m
        .exits
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let n = c.load(Relaxed);
            (n > 0).then(|| format!("{} {n}", ExitReason::name_at(i)))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let state = match TradingState::from_code(m.trading_state.load(Relaxed)) {
        Some(TradingState::Active) => String::new(),
        Some(s) => format!(" | {}", s.name().to_ascii_uppercase()),
        None => " | UNKNOWN".into(),
    };
    // USDC-quoted coins' results, once there are any, in USDC.
    let (usdc_realized, usdc_unrealized) = (
        m.realized_pnl_usdc_units.load(Relaxed),
        m.unrealized_pnl_usdc_units.load(Relaxed),
    );
    let usdc =
        if usdc_realized != 0 || usdc_unrealized != 0 || m.exposure_usdc_units.load(Relaxed) != 0 {
            format!(
                ", {} (unrealized {})",
                kestrel_model::Quote::Usdc.show_signed(usdc_realized),
                kestrel_model::Quote::Usdc.show_signed(usdc_unrealized)
            )
        } else {
            String::new()
        };
    format!(
        "launches {} | bought {} | sold {}{} | skipped {}{} | refused {} | failed {} | positions {} | pnl {} (unrealized {}){usdc}{state} | feeds {up}/{} | µs p50/p99 {lat}",
        m.launches.load(Relaxed),
        m.bought.load(Relaxed),
        m.sold.load(Relaxed),
        if exit_text.is_empty() {
            String::new()
        } else {
            format!(" ({exit_text})")
        },
        m.skipped_total(),
        if skip_text.is_empty() {
            String::new()
        } else {
            format!(" ({skip_text})")
        },
        m.refused_total(),
        m.buy_failures.load(Relaxed),
        m.open_positions.load(Relaxed),
        sol(m.realized_pnl_lamports.load(Relaxed)),
        sol(m.unrealized_pnl_lamports.load(Relaxed)),
        feeds.len(),
    )
}

/// Per-endpoint feed figures for the exit report.
pub fn feed_table(feeds: &[EndpointStats]) -> String {
    let mut out = String::from(
        "feed endpoint                          frames    first  duplicates  mean lag µs  max lag µs  disconnects\n",
    );
    for f in feeds {
        out.push_str(&format!(
            "{:<36} {:>8} {:>8} {:>11} {:>12} {:>11} {:>12}\n",
            f.name,
            f.frames.load(Relaxed),
            f.first.load(Relaxed),
            f.duplicates.load(Relaxed),
            f.mean_lag_us(),
            f.lag_ns_max.load(Relaxed) / 1_000,
            f.disconnects.load(Relaxed),
        ));
    }
    out
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
    let stages: Vec<Histogram<u64>> = Stage::ALL.iter().map(|&s| m.stage(s)).collect();
    stage_table(&stages)
}

/// The stage table of histograms in [`Stage::ALL`]'s order (one run's, or several runs'
/// added together).
pub fn stage_table(stages: &[Histogram<u64>]) -> String {
    let mut out = String::from(
        "stage (since frame read)   count       p50       p90       p99     p99.9       max  (µs)\n",
    );
    for (&s, h) in Stage::ALL.iter().zip(stages) {
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
