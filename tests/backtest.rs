//! Live and replay agree: a session traded on the local cluster and recorded, then replayed
//! by `kestrel_backtest` with the same config, makes the same buy and skip decision for every
//! launch, and each live fill lies within the band the latency model states for its replay.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

#[path = "dashboard/cdp.rs"]
mod cdp;
mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use harness::{Harness, SOL, wait_for};
use kestrel_backtest::{Decision, Inputs, Latency, VenueSettings};
use kestrel_engine::Engine;
use kestrel_engine::kernel::Strategy;
use kestrel_engine::order::EngineEvent;
use kestrel_sim::faults::Faults;
use kestrel_sim::scenario::{ScriptedTrade, trade_coin};
use kestrel_sniper::{Pattern, SkipReason};
use kestrel_units::Lamports;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[test]
fn a_live_session_replayed_with_its_config_makes_the_same_decisions_and_fills_within_the_band() {
    let mut h = Harness::new(Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.kcap");
    let wallet = h.funded_wallet(10 * SOL);
    let wallet_key = wallet.pubkey();
    let mut setup = h.setup(wallet, 2);
    // Two of the six launches are skipped by name ("Test Coin 2", "Test Coin 5").
    setup.sniper.name_deny = vec![Pattern::new("coin 2"), Pattern::new("coin 5")];
    let strategy = Strategy {
        sniper: setup.sniper.clone(),
        limits: setup.limits.clone(),
        blacklisted_mints: setup.blacklisted_mints.clone(),
        blacklisted_creators: setup.blacklisted_creators.clone(),
        exits: setup.exits.clone(),
        reentry: setup.reentry.clone(),
        sell: setup.sell,
        rates: setup.exec.fees.rates,
    };
    let venue = VenueSettings {
        latency: Latency::new(vec![1]).unwrap(),
        expire_bps: 0,
        buy_cu_limit: setup.exec.buy_cu_limit,
        sell_cu_limit: setup.exec.sell_cu_limit,
        rates: setup.exec.fees.rates,
    };
    let prices = setup.sniper.prices;
    let (recorder, recording) =
        kestrel_engine::recording::start(&path, &setup.feed, 0, Some(wallet_key.to_string()))
            .unwrap();
    setup.feed.recorder = Some(recorder);
    let (events_tx, events) = crossbeam_channel::unbounded();
    setup.events = Some(events_tx);
    let engine = Engine::start(setup).unwrap();
    wait_for("feeds to connect", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    std::thread::sleep(Duration::from_millis(300));
    // Another trader buys each coin right after it launches: the curve moves around our buy.
    let trader = Keypair::new();
    h.server
        .cluster
        .airdrop(&trader.pubkey(), 10 * SOL)
        .unwrap();
    let mut launched = Vec::new();
    for i in 0..6 {
        let creator = h.creators[i % 3].pubkey();
        let mint = h.launch(i % 3);
        trade_coin(
            &h.server.cluster,
            &trader,
            &mint,
            &creator,
            ScriptedTrade::Buy {
                lamports: 300_000_000,
            },
        )
        .unwrap();
        launched.push(mint);
        std::thread::sleep(Duration::from_millis(120));
    }
    wait_for("four fills", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 4
    });
    // A few slots more, so every buy's latency window is in the capture.
    std::thread::sleep(Duration::from_millis(400));
    let metrics = engine.metrics.clone();
    engine.stop();
    recording.finish().unwrap();
    let mut live_tokens = BTreeMap::new();
    while let Ok(e) = events.try_recv() {
        if let EngineEvent::Fill { fill, .. } = e
            && fill.is_buy
        {
            live_tokens.insert(fill.mint.to_string(), fill.tokens.0);
        }
    }
    let live_skips: BTreeMap<String, u64> = SkipReason::ALL
        .iter()
        .zip(metrics.skipped.iter())
        .map(|(r, n)| (r.name().to_owned(), n.load(Relaxed)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(live_tokens.len(), 4, "{live_tokens:?}");
    assert_eq!(live_skips, BTreeMap::from([("name_denied".to_owned(), 2)]));

    let inputs = Inputs {
        strategy,
        venue,
        latency_from_capture: true,
        balance: Lamports(10 * SOL),
        prices,
    };
    let run = kestrel_backtest::run(inputs.clone(), std::slice::from_ref(&path)).unwrap();
    let o = &run.outcome;
    assert!(o.damage.is_empty(), "{:?}", o.damage);
    // The latency the live buys took, measured from the capture.
    assert_eq!(o.latency_slots.len(), 4, "{:?}", o.latency_slots);
    // The same decision for every launch.
    let mut bought = BTreeSet::new();
    let mut skipped = BTreeMap::new();
    for d in &o.decisions {
        if let Decision::Launch {
            mint,
            decision,
            reason,
            ..
        } = d
        {
            match *decision {
                "bought" => {
                    bought.insert(mint.clone());
                }
                "skipped" => {
                    *skipped
                        .entry(reason.clone().unwrap_or_default())
                        .or_insert(0u64) += 1;
                }
                other => panic!("{mint}: {other} {reason:?}"),
            }
        }
    }
    assert_eq!(o.summary.launches, 6);
    assert_eq!(bought, live_tokens.keys().cloned().collect::<BTreeSet<_>>());
    assert_eq!(skipped, live_skips);
    // Each live fill lies within its replay's band; how far the replay's own fill is from it.
    let bands: BTreeMap<u64, (u64, u64)> = o
        .decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Band {
                order, band_tokens, ..
            } => Some((*order, band_tokens.unwrap())),
            _ => None,
        })
        .collect();
    let mut worst_bps = 0u64;
    for d in &o.decisions {
        if let Decision::Fill {
            mint,
            side: "buy",
            tokens,
            order,
            ..
        } = d
        {
            let live = live_tokens[mint];
            let (lo, hi) = bands[order];
            assert!(
                (lo..=hi).contains(&live),
                "{mint}: live {live} tokens outside the band {lo}..={hi} (replay {tokens})"
            );
            worst_bps = worst_bps.max(live.abs_diff(*tokens) * 10_000 / live);
        }
    }
    eprintln!(
        "agreement: {} launches, {} bought and {} skipped as live; latency measured {:?} slots; \
         replay fills within {worst_bps} bps of the live ones, every live fill inside its band",
        o.summary.launches,
        bought.len(),
        skipped.values().sum::<u64>(),
        o.latency_slots
    );
    // Deterministic: the same inputs give the same bytes.
    let again = kestrel_backtest::run(inputs, std::slice::from_ref(&path)).unwrap();
    assert_eq!(again.outcome.to_json(), o.to_json());
    report_opens_from_disk_and_draws_its_charts(o, dir.path());
}

/// The HTML report of `o`, opened from disk in headless chromium: its charts and table drawn
/// from the embedded data, nothing fetched, no error.
fn report_opens_from_disk_and_draws_its_charts(
    o: &kestrel_backtest::Outcome,
    dir: &std::path::Path,
) {
    let html = dir.join("backtest.html");
    std::fs::write(&html, kestrel_backtest::html::render(o, "live.kcap")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut b = cdp::Browser::launch().await;
        b.call("Network.enable", serde_json::json!({})).await;
        b.goto(&format!("file://{}", html.display())).await;
        b.wait_for(
            "the decisions table",
            "document.querySelectorAll('#decisions tr').length > 1",
            Duration::from_secs(10),
        )
        .await;
        let drawn = b
            .eval(
                "JSON.stringify({ rows: document.querySelectorAll('#decisions tr').length - 1,                  skips: document.querySelectorAll('#skips svg rect').length,                  cards: document.querySelectorAll('#cards .card').length,                  title: document.getElementById('title').textContent })",
            )
            .await;
        let drawn: serde_json::Value =
            serde_json::from_str(drawn.as_str().unwrap_or("{}")).unwrap();
        assert_eq!(drawn["rows"], o.decisions.len());
        assert_eq!(drawn["skips"], o.skips_by_reason.len());
        assert_eq!(drawn["title"], "live.kcap");
        assert!(drawn["cards"].as_u64().unwrap() >= 10, "{drawn}");
        let requests: Vec<&serde_json::Value> = b
            .events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter(|e| !e["params"]["request"]["url"].as_str().unwrap_or("").starts_with("file://"))
            .collect();
        assert!(requests.is_empty(), "the report fetched: {requests:?}");
        assert!(b.errors().is_empty(), "{:?}", b.errors());
        // For a person to look at: target/tmp/backtest-report.png.
        let png = b.screenshot().await;
        std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("backtest-report.png"),
            png,
        )
        .unwrap();
    });
}
