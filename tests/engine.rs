//! The engine against the local cluster over real sockets: feeds, decisions, signed buys,
//! confirmations and positions, under redundant feeds, dropped sockets and rate limits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use harness::{BUY, Harness, SOL, wait_for};
use kestrel_engine::Engine;
use kestrel_engine::threads::Layout;
use kestrel_feed::FeedClient;
use kestrel_guardian::Reason;
use kestrel_sim::faults::Faults;
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

fn connected(engine: &Engine) -> bool {
    engine.feeds.iter().all(|f| f.connected.load(Relaxed))
}

/// Subscriptions are answered right after connecting; give them a moment.
fn wait_subscribed(engine: &Engine) {
    wait_for("feeds to connect", Duration::from_secs(10), || {
        connected(engine)
    });
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn inline_three_redundant_feeds_buy_each_launch_exactly_once_and_positions_match_the_ledger() {
    three_redundant_feeds_buy_each_launch_once(Layout::Inline);
}

#[test]
fn pipeline_three_redundant_feeds_buy_each_launch_exactly_once_and_positions_match_the_ledger() {
    three_redundant_feeds_buy_each_launch_once(Layout::Pipeline);
}

fn three_redundant_feeds_buy_each_launch_once(layout: Layout) {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let mut setup = h.setup(wallet, 3);
    setup.threads.layout = Some(layout);
    let engine = Engine::start(setup).unwrap();
    assert_eq!(engine.layout, layout);
    wait_subscribed(&engine);
    let start_lamports = h.lamports(&me);

    let mints: Vec<Pubkey> = (0..3).map(|i| h.launch(i)).collect();
    wait_for("three fills", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 3
    });
    // Every copy but the first was dropped by signature.
    let first: u64 = engine.feeds.iter().map(|f| f.first.load(Relaxed)).sum();
    let dups: u64 = engine
        .feeds
        .iter()
        .map(|f| f.duplicates.load(Relaxed))
        .sum();
    assert!(first >= 3, "first arrivals {first}");
    assert!(
        dups >= 6,
        "each transaction arrives on three feeds: {dups} duplicates"
    );
    assert_eq!(
        engine.metrics.sends.load(Relaxed),
        3,
        "one transaction per launch"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(engine.metrics.bought.load(Relaxed), 3, "never a second buy");

    // The positions are what the chain holds, and the wallet paid exactly cost + fees.
    wait_for("position views", Duration::from_secs(2), || {
        engine.positions.len() == 3
    });
    let mut paid = 0;
    for mint in &mints {
        let p = *engine.positions.get(mint).expect("a position per mint");
        assert_eq!(p.tokens.0, h.token_balance(&me, mint), "tokens for {mint}");
        assert!(p.cost.0 <= BUY, "cost {} within the buy size", p.cost.0);
        paid += p.cost.0;
    }
    let spent = start_lamports - h.lamports(&me);
    let ata_rent = 3 * 2_039_280;
    let network = spent - paid - ata_rent;
    // Base fee 5,000 plus the priority fee of 120,000 CU at 10,000 µlamports: 1,200.
    assert_eq!(network, 3 * 6_200, "spent {spent}, paid {paid}");
    // The control port: healthy, and the counters as Prometheus text.
    let control = Harness::serve_control(&engine);
    let (health, metrics) = h.runtime.block_on(async {
        let health = reqwest::get(format!("http://{control}/health"))
            .await
            .unwrap();
        let status = health.status().as_u16();
        let body: serde_json::Value = health.json().await.unwrap();
        let metrics = reqwest::get(format!("http://{control}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        ((status, body), metrics)
    });
    assert_eq!(health.0, 200, "{}", health.1);
    assert_eq!(health.1["feeds_connected"], 3);
    assert!(metrics.contains("kestrel_bought_total 3"), "{metrics}");
    // Pipeline: each launch was hinted to the execution thread before the strategy decided,
    // so every buy was signed from accounts derived ahead (once per launch, whichever feed
    // was first). Inline: the thread that decided derived them, for the bought launch only.
    let (warm, derived) = match layout {
        Layout::Pipeline => (3, 0),
        Layout::Inline => (0, 3),
    };
    assert!(
        metrics.contains(&format!("kestrel_curve_plans_warm_total {warm}")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("kestrel_curve_plans_derived_total {derived}")),
        "{metrics}"
    );
    // The signing thread made its nonces before the launches came, so each buy paid only
    // the cheap half of its signature, and the cluster verified every one.
    assert!(
        metrics.contains("kestrel_signed_nonce_ahead_total 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kestrel_signed_deterministic_total 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kestrel_stage_latency_seconds{stage=\"build_sign\",quantile=\"0.5\"}")
    );
    assert!(metrics.contains("kestrel_feed_duplicates_total{endpoint=\"feed1\"}"));
    let published = engine.metrics.clone();
    engine.stop();
    let table = kestrel_console::status::percentile_table(&published);
    assert!(table.contains("build_sign"), "{table}");
    // Every buy was written on Kestrel's own connection to the cluster's plain-http endpoint
    // by the thread that signed it.
    let written = table
        .lines()
        .find_map(|l| l.strip_prefix("written"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok());
    assert_eq!(written, Some(3), "{table}");
    h.stop();
}

#[test]
fn a_dropped_feed_reconnects_and_no_later_launch_is_missed() {
    let mut faults = Faults::none();
    faults.ws_drop_every = Some(Duration::from_millis(1_500));
    let mut h = Harness::new(faults);
    let wallet = h.funded_wallet(10 * SOL);
    let engine = Engine::start(h.setup(wallet, 1)).unwrap();
    wait_subscribed(&engine);
    for round in 0..3u64 {
        // Wait for the next drop and the reconnect, then launch at once.
        let drops = engine.feeds[0].disconnects.load(Relaxed);
        wait_for("a drop", Duration::from_secs(10), || {
            engine.feeds[0].disconnects.load(Relaxed) > drops
        });
        wait_subscribed(&engine);
        h.launch(0);
        wait_for(
            "the launch after the reconnect",
            Duration::from_secs(10),
            || engine.metrics.bought.load(Relaxed) == round + 1,
        );
    }
    assert!(engine.feeds[0].disconnects.load(Relaxed) >= 3);
    engine.stop();
    h.stop();
}

#[test]
fn sends_answered_with_429_are_retried_within_bounds() {
    let mut faults = Faults::none();
    faults.rpc_429_rate = 0.4;
    faults.retry_after_secs = 0;
    let mut h = Harness::new(faults.seeded(3));
    let wallet = h.funded_wallet(10 * SOL);
    let mut setup = h.setup(wallet, 1);
    setup.send_policy.max_retries = 10;
    let engine = Engine::start(setup).unwrap();
    wait_subscribed(&engine);
    for i in 0..4 {
        h.launch(i % 3);
    }
    wait_for("four fills despite 429s", Duration::from_secs(30), || {
        engine.metrics.bought.load(Relaxed) == 4
    });
    assert!(
        engine.metrics.send_retries.load(Relaxed) > 0,
        "some sends were rate limited and retried"
    );
    assert_eq!(engine.metrics.buy_failures.load(Relaxed), 0);
    engine.stop();
    h.stop();
}

#[test]
fn guardian_rules_refuse_over_the_wire() {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let mut setup = h.setup(wallet, 1);
    setup.limits.max_open_positions = 1;
    setup.blacklisted_creators = vec![h.creators[2].pubkey()];
    let engine = Engine::start(setup).unwrap();
    wait_subscribed(&engine);
    let refused = |r: Reason| engine.metrics.refused[r.index()].load(Relaxed);

    h.launch(0);
    wait_for("the first fill", Duration::from_secs(10), || {
        engine.metrics.bought.load(Relaxed) == 1
    });
    h.launch(1);
    wait_for(
        "a refusal for too many positions",
        Duration::from_secs(10),
        || refused(Reason::TooManyPositions { open: 0, max: 0 }) == 1,
    );
    h.launch(2);
    wait_for(
        "a refusal for the blacklisted creator",
        Duration::from_secs(10),
        || refused(Reason::BlacklistedCreator) == 1,
    );
    assert_eq!(engine.metrics.bought.load(Relaxed), 1);
    assert_eq!(engine.metrics.launches.load(Relaxed), 3);
    engine.stop();
    h.stop();
}

#[test]
fn a_wallet_below_its_reserve_buys_nothing() {
    let mut h = Harness::new(Faults::none());
    // 0.11 SOL with a 0.1 SOL reserve: a 0.02 SOL buy would dip into it.
    let wallet = h.funded_wallet(SOL / 10 + SOL / 100);
    let engine = Engine::start(h.setup(wallet, 1)).unwrap();
    wait_subscribed(&engine);
    h.launch(0);
    wait_for("the reserve refusal", Duration::from_secs(10), || {
        engine.metrics.refused[Reason::Reserve {
            would_leave: Lamports(0),
            reserve: Lamports(0),
        }
        .index()]
        .load(Relaxed)
            == 1
    });
    assert_eq!(engine.metrics.sends.load(Relaxed), 0);
    engine.stop();
    h.stop();
}

#[test]
fn paper_mode_fills_on_the_curve_and_sends_nothing() {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let mut setup = h.setup(wallet, 1);
    setup.paper = true;
    setup.paper_balance = Some(Lamports(5 * SOL));
    let engine = Engine::start(setup).unwrap();
    wait_subscribed(&engine);
    let mint = h.launch(0);
    wait_for("a paper fill", Duration::from_secs(10), || {
        engine.metrics.bought.load(Relaxed) == 1
    });
    wait_for("the position view", Duration::from_secs(2), || {
        engine.positions.len() == 1
    });
    let p = *engine.positions.get(&mint).unwrap();
    assert!(p.tokens.0 > 0 && p.cost.0 <= BUY);
    assert_eq!(h.token_balance(&me, &mint), 0, "nothing reached the chain");
    assert_eq!(h.lamports(&me), 10 * SOL);
    engine.stop();
    h.stop();
}

#[test]
fn the_solana_pubsub_client_feed_trades_too() {
    two_launches_bought_once_each(|setup| setup.feed.client = FeedClient::Pubsub);
}

#[test]
fn the_pipeline_polling_and_spinning_trades_and_stops() {
    for idle in [
        kestrel_engine::threads::Idle::Yield,
        kestrel_engine::threads::Idle::Spin,
    ] {
        two_launches_bought_once_each(|setup| {
            setup.threads.layout = Some(Layout::Pipeline);
            setup.threads.idle = idle;
        });
    }
}

#[test]
fn polling_threads_trade_and_stop() {
    // `yield`, inline: the hot thread polls its sockets, offering the core between polls;
    // buys land as in the default mode, and stop still ends every thread.
    two_launches_bought_once_each(|setup| {
        setup.threads.layout = Some(Layout::Inline);
        setup.threads.idle = kestrel_engine::threads::Idle::Yield;
    });
}

#[test]
fn spinning_threads_trade_and_stop() {
    // `spin`, inline: the hot thread busy-polls its sockets and never gives its core away by
    // itself; launches are bought, once each, and stop ends every thread.
    two_launches_bought_once_each(|setup| {
        setup.threads.layout = Some(Layout::Inline);
        setup.threads.idle = kestrel_engine::threads::Idle::Spin;
    });
}

/// Two launches over two feeds, with the setup changed by `change`: each bought, once.
fn two_launches_bought_once_each(change: impl FnOnce(&mut kestrel_engine::EngineSetup)) {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let mut setup = h.setup(wallet, 2);
    change(&mut setup);
    let engine = Engine::start(setup).unwrap();
    wait_subscribed(&engine);
    h.launch(0);
    h.launch(1);
    wait_for("two fills", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 2
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(engine.metrics.sends.load(Relaxed), 2);
    engine.stop();
    h.stop();
}

#[test]
fn a_usdc_coin_is_bought_with_usdc_and_sold_with_sell_v2_beside_a_sol_coin_on_v1() {
    use kestrel_engine::order::Command;
    use kestrel_model::{PerQuote, Quote, QuotePrices};
    use kestrel_units::QuoteAmount;

    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    h.server.cluster.airdrop_usdc(&me, 100_000_000).unwrap();
    let mut setup = h.setup(wallet, 1);
    setup.sniper.quote_mints = vec![Quote::Sol, Quote::Usdc];
    setup.sniper.buy_size = PerQuote {
        sol: QuoteAmount(BUY),
        usdc: QuoteAmount(2_000_000),
    };
    // 150 USDC a SOL: a 2 USDC buy is 0.0133 SOL, under the 0.02 SOL per-trade cap.
    let prices = QuotePrices {
        usdc_per_sol: QuoteAmount(150_000_000),
    };
    setup.sniper.prices = prices;
    setup.limits.prices = prices;
    let engine = Engine::start(setup).unwrap();
    wait_subscribed(&engine);
    let usdc_mint = kestrel_pump::ids::USDC_MINT;
    let usdc_before = h.token_balance(&me, &usdc_mint);

    let coin = h.launch_usdc(0);
    // The position view is published just after the fill is counted: wait for both.
    wait_for("the USDC coin's fill", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 1 && engine.positions.contains_key(&coin)
    });
    let held = engine
        .positions
        .get(&coin)
        .map(|p| *p)
        .expect("a USDC position");
    assert_eq!(held.quote, Quote::Usdc);
    assert!(held.cost.0 > 0 && held.cost.0 <= 2_000_000, "{held:?}");
    // Paid in USDC, from the wallet's USDC account, by buy_exact_quote_in_v2.
    assert_eq!(h.token_balance(&me, &usdc_mint), usdc_before - held.cost.0);
    let coin_program = h
        .server
        .cluster
        .bank()
        .account(&coin)
        .map(|a| a.owner)
        .unwrap();
    let tokens = {
        let ata = kestrel_pump::pda::associated_token_address(&me, &coin_program, &coin);
        h.server
            .cluster
            .bank()
            .account(&ata)
            .and_then(|a| kestrel_sim::ledger::programs::token::TokenAccount::unpack(&a.data))
            .map_or(0, |t| t.amount)
    };
    assert_eq!(tokens, held.tokens.0);
    assert_eq!(engine.metrics.signed_buy_exact_quote_in_v2.load(Relaxed), 1);
    assert_eq!(engine.metrics.signed_buy_exact_sol_in.load(Relaxed), 0);

    // A SOL coin beside it keeps the v1 instruction.
    h.launch(1);
    wait_for("the SOL coin's fill", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 2
    });
    assert_eq!(engine.metrics.signed_buy_exact_sol_in.load(Relaxed), 1);

    // The USDC coin sold back for USDC with sell_v2.
    assert!(engine.command(Command::Sell {
        mint: coin,
        percent: 100
    }));
    wait_for("the USDC coin's sale", Duration::from_secs(20), || {
        engine.metrics.sold.load(Relaxed) == 1
    });
    // The view follows the book when the fill is published, just after it is counted.
    wait_for("the USDC position to close", Duration::from_secs(5), || {
        engine.positions.get(&coin).is_none()
    });
    assert_eq!(engine.metrics.signed_sell_v2.load(Relaxed), 1);
    assert_eq!(engine.metrics.signed_sell.load(Relaxed), 0);
    let back = h.token_balance(&me, &usdc_mint);
    assert!(
        back > usdc_before - held.cost.0,
        "the sale paid USDC back: {back}"
    );
    // A round trip on an unmoved curve loses its fees, in USDC.
    let realized = engine.metrics.realized_pnl_usdc_units.load(Relaxed);
    assert!(realized < 0 && realized > -100_000, "{realized}");
    assert_eq!(engine.metrics.realized_pnl_lamports.load(Relaxed), 0);
    engine.stop();
    h.stop();
}

#[test]
fn a_recorded_session_holds_every_frame_each_feed_delivered_duplicates_included() {
    let mut h = Harness::new(Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.kcap");
    let mut setup = h.setup(h.funded_wallet(10 * SOL), 2);
    let (recorder, recording) =
        kestrel_engine::recording::start(&path, &setup.feed, 0, None).unwrap();
    setup.feed.recorder = Some(recorder);
    let engine = Engine::start(setup).unwrap();
    let (engine_metrics, feeds_after) = (engine.metrics.clone(), engine.feeds.clone());
    wait_subscribed(&engine);
    let mints: Vec<Pubkey> = (0..2).map(|i| h.launch(i)).collect();
    wait_for("two fills", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 2
    });
    let delivered: u64 = engine.feeds.iter().map(|f| f.frames.load(Relaxed)).sum();
    engine.stop();
    let live_launches = engine_launches(&engine_metrics);
    let live_first: u64 = feeds_after.iter().map(|f| f.first.load(Relaxed)).sum();
    let live_duplicates: u64 = feeds_after.iter().map(|f| f.duplicates.load(Relaxed)).sum();
    let written = recording.finish().unwrap();
    assert!(
        written >= delivered,
        "{written} written, {delivered} delivered before the stop"
    );
    let records: Vec<kestrel_capture::Record> = kestrel_capture::Reader::open(&path)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(records.len() as u64, written);
    // Both endpoints are there, in receive order for each, and each launch arrived on both.
    for endpoint in 0..2u16 {
        let times: Vec<u64> = records
            .iter()
            .filter_map(|r| match r {
                kestrel_capture::Record::Frame {
                    endpoint: e, at_ns, ..
                } if *e == endpoint => Some(*at_ns),
                _ => None,
            })
            .collect();
        assert!(!times.is_empty(), "endpoint {endpoint} recorded");
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "endpoint {endpoint} in order"
        );
    }
    // Each session's subscriptions are there for a replay to map the replies to.
    let sent = records
        .iter()
        .filter(|r| matches!(r, kestrel_capture::Record::Sent { text, .. } if std::str::from_utf8(text).is_ok_and(|t| t.contains("logsSubscribe"))))
        .count();
    assert!(sent >= 2, "{sent} logsSubscribe requests recorded");
    // Each launch's logs arrived on both feeds: the first copy and its duplicate recorded.
    for endpoint in 0..2u16 {
        let logs = records
            .iter()
            .filter(|r| match r {
                kestrel_capture::Record::Frame {
                    endpoint: e, text, ..
                } => {
                    *e == endpoint
                        && std::str::from_utf8(text).is_ok_and(|t| {
                            t.contains("logsNotification") && t.contains("Program data:")
                        })
                }
                _ => false,
            })
            .count();
        assert!(
            logs >= mints.len(),
            "endpoint {endpoint}: {logs} log frames for {} launches",
            mints.len()
        );
    }
    // Replayed through the raw client's own frame handling, the capture gives what the live
    // feeds gave: the same launches, the same first arrivals and duplicates.
    struct Collect(std::rc::Rc<std::cell::RefCell<Vec<kestrel_feed::FeedEvent>>>);
    impl kestrel_feed::Destination for Collect {
        fn deliver(
            &self,
            s: kestrel_feed::Stamped,
            _: Option<&kestrel_feed::EndpointStats>,
        ) -> Result<(), kestrel_feed::sink::Closed> {
            self.0.borrow_mut().push(s.event);
            Ok(())
        }
    }
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let (signatures, _rx) = tokio::sync::mpsc::unbounded_channel();
    let sink = kestrel_feed::Sink::new(Collect(events.clone()), signatures);
    let reader = kestrel_capture::Reader::open(&path).unwrap();
    let names = reader.header().endpoints.clone();
    let (stats, n, damage) = kestrel_feed::raw::replay(&names, sink, reader);
    assert_eq!((n, damage), (written, None));
    let launches = events
        .borrow()
        .iter()
        .filter(|e| matches!(e, kestrel_feed::FeedEvent::Launch(_)))
        .count() as u64;
    assert_eq!(
        launches, live_launches,
        "the replay decodes the launches the live feeds did"
    );
    let sum = |s: &[kestrel_feed::EndpointStats], f: fn(&kestrel_feed::EndpointStats) -> u64| {
        s.iter().map(f).sum::<u64>()
    };
    assert_eq!(sum(&stats, |f| f.first.load(Relaxed)), live_first);
    assert_eq!(sum(&stats, |f| f.duplicates.load(Relaxed)), live_duplicates);
}

fn engine_launches(m: &kestrel_engine::metrics::Metrics) -> u64 {
    m.launches.load(Relaxed)
}
