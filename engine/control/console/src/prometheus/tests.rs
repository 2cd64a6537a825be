//! Pins the Prometheus text `/metrics` serves: scrapers and dashboards key on every name, help
//! line and label, so a change to how the text is produced must not change one byte of it.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_engine::metrics::Recorder;
use kestrel_feed::EndpointStats;

use super::*;

/// A `Metrics` whose every counter holds a different value, so a figure read from the wrong
/// field shows in the text.
fn known_metrics() -> Metrics {
    let m = Metrics::new();
    let scalars: [&AtomicU64; 29] = [
        &m.launches,
        &m.trades,
        &m.bought,
        &m.sold,
        &m.reentries,
        &m.graduated_held,
        &m.route_plans_ready,
        &m.route_plans_fetched,
        &m.curve_plans_warm,
        &m.curve_plans_derived,
        &m.signed_nonce_ahead,
        &m.signed_deterministic,
        &m.launches_decided,
        &m.sell_failures,
        &m.buy_failures,
        &m.sends,
        &m.send_retries,
        &m.resigns,
        &m.exec_queue_full,
        &m.open_positions,
        &m.exposure_lamports,
        &m.wallet_lamports,
        &m.slot,
        &m.trading_state,
        &m.skipped[0],
        &m.skipped[13],
        &m.refused[2],
        &m.exits[0],
        &m.reentry_passes[4],
    ];
    for (i, c) in scalars.into_iter().enumerate() {
        c.store(101 + i as u64 * 7, Relaxed);
    }
    m.refused[12].store(3, Relaxed);
    m.signed_buy_exact_sol_in.store(11, Relaxed);
    m.signed_sell.store(12, Relaxed);
    m.signed_buy_exact_quote_in_v2.store(13, Relaxed);
    m.signed_sell_v2.store(14, Relaxed);
    m.launches_by_kind[0].store(90, Relaxed);
    m.launches_by_kind[4].store(2, Relaxed);
    m.failed_tx_fees_lamports.store(15_000, Relaxed);
    m.inline_housekeeping_max_ns.store(31_000, Relaxed);
    m.count_chain_failure(Some(kestrel_pump::error::PumpError::TooLittleSolReceived));
    m.count_chain_failure(None);
    m.exits[8].store(5, Relaxed);
    m.realized_pnl_lamports.store(-1_250_000, Relaxed);
    m.unrealized_pnl_lamports.store(42, Relaxed);
    m.exposure_usdc_units.store(7_500_000, Relaxed);
    m.realized_pnl_usdc_units.store(-2_500_000, Relaxed);
    m.unrealized_pnl_usdc_units.store(43, Relaxed);
    let mut decode = Recorder::new(&[Stage::Decode, Stage::Send]);
    for ns in [1_000, 2_000, 3_000, 50_000] {
        decode.record(Stage::Decode, ns);
    }
    decode.record(Stage::Send, 2_500_000);
    decode.maybe_publish(&m, 0, true);
    m
}

fn known_feeds() -> Vec<EndpointStats> {
    let a = EndpointStats::new("wss://a.example/".into());
    a.connected.store(true, Relaxed);
    a.first.store(900, Relaxed);
    a.duplicates.store(4, Relaxed);
    a.lag_ns_total.store(10_000_000, Relaxed);
    a.disconnects.store(2, Relaxed);
    let b = EndpointStats::new("ws://b.example:8900/".into());
    b.first.store(17, Relaxed);
    vec![a, b]
}

#[test]
fn prometheus_text_is_byte_for_byte_the_pinned_exposition() {
    let text = prometheus(&known_metrics(), &known_feeds());
    assert_eq!(text, include_str!("prometheus.txt"));
}

#[test]
fn prometheus_text_without_feeds_keeps_the_feed_families_headers() {
    let text = prometheus(&Metrics::new(), &[]);
    assert!(text.contains(
        "# HELP kestrel_feed_connected Whether an endpoint is connected.\n\
         # TYPE kestrel_feed_connected gauge\n"
    ));
    assert!(text.ends_with("# TYPE kestrel_feed_connected gauge\n"));
    assert!(!text.contains("endpoint="));
}
