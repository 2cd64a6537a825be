//! Off-curve exits and Jito sending, end to end against the local cluster over real sockets:
//! a held coin whose curve completes is migrated to a PumpSwap pool and the engine sells it
//! through the cluster's Jupiter-compatible API as its own v0 transaction; a route over the
//! guardian's price-impact cap is refused and nothing is sent; with `send_via = jito` a
//! launch is bought through a bundle carrying its tip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use harness::{Harness, SOL, wait_for};
use kestrel_config::SendVia;
use kestrel_engine::engine::RouteSetup;
use kestrel_engine::order::Command;
use kestrel_engine::routing::{JitoSending, RouteSettings};
use kestrel_engine::{Engine, EngineSetup};
use kestrel_exec::jito::Jito;
use kestrel_exec::jupiter::{Jupiter, RetryPolicy};
use kestrel_guardian::exits::ExitReason;
use kestrel_guardian::route::RouteLimits;
use kestrel_pump::ids::JITO_TIP_ACCOUNTS;
use kestrel_sim::faults::Faults;
use kestrel_sim::scenario::ScriptedTrade;
use kestrel_units::Bps;
use solana_pubkey::Pubkey;

fn route(h: &Harness, max_price_impact: u64) -> RouteSetup {
    RouteSetup {
        jupiter: Jupiter::new(
            reqwest::Client::new(),
            &format!("{}/swap/v1", h.server.rpc_url()),
            None,
            RetryPolicy::default(),
        ),
        settings: RouteSettings {
            slippage: Bps(300),
            limits: RouteLimits {
                max_slippage: Bps(1_000),
                max_price_impact: Bps(max_price_impact),
            },
            refresh: Duration::from_millis(200),
            max_age: Duration::from_secs(5),
            cu_limit: 250_000,
            cu_price: 10_000,
            tip_lamports: None,
        },
        sell_on_graduation: true,
        curve_via_jupiter: false,
    }
}

fn start(setup: EngineSetup) -> Engine {
    let engine = Engine::start(setup).unwrap();
    wait_for("the feed", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    std::thread::sleep(Duration::from_millis(300));
    engine
}

/// Launches a coin the engine buys, then buys out its curve so it completes.
fn hold_then_graduate(h: &mut Harness, engine: &Engine) -> Pubkey {
    let mint = h.launch(0);
    wait_for("the buy to fill", Duration::from_secs(20), || {
        engine.positions.contains_key(&mint)
    });
    let whale = h.funded_keypair(200 * SOL);
    h.trade(
        &whale,
        &mint,
        0,
        ScriptedTrade::Buy {
            lamports: 150 * SOL,
        },
    );
    assert!(
        h.server.cluster.bank().pools.contains_key(&mint),
        "migrated"
    );
    mint
}

#[test]
fn a_graduated_position_is_sold_through_the_jupiter_route() {
    let mut h = Harness::new(Faults::default());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let mut setup = h.setup(wallet, 1);
    setup.route = Some(route(&h, 2_500));
    let engine = start(setup);
    let mint = hold_then_graduate(&mut h, &engine);
    let held = h.token_balance(&me, &mint);
    assert!(held > 0);
    let before = h.lamports(&me);
    wait_for("the routed sell", Duration::from_secs(20), || {
        !engine.positions.contains_key(&mint)
    });
    assert_eq!(
        h.token_balance(&me, &mint),
        0,
        "everything sold on the pool"
    );
    assert!(h.lamports(&me) > before, "SOL came back");
    assert_eq!(
        engine.metrics.exits[ExitReason::Graduated.index()].load(Relaxed),
        1
    );
    assert_eq!(
        engine.metrics.graduated_held.load(Relaxed),
        0,
        "none held any more"
    );
    engine.stop();
    h.stop();
}

#[test]
fn a_held_graduated_position_keeps_a_fresh_quote_so_the_operators_sell_does_not_wait() {
    let mut h = Harness::new(Faults::default());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let mut setup = h.setup(wallet, 1);
    let mut r = route(&h, 2_500);
    r.sell_on_graduation = false;
    setup.route = Some(r);
    let engine = start(setup);
    let mint = hold_then_graduate(&mut h, &engine);
    wait_for("the flag", Duration::from_secs(20), || {
        engine.metrics.graduated_held.load(Relaxed) == 1
    });
    // Held, not sold; the refresher quotes it every 200 ms.
    let router = engine.router().expect("routing is on");
    wait_for("a fresh plan", Duration::from_secs(20), || {
        router.has_fresh_plan(&mint)
    });
    assert!(engine.positions.contains_key(&mint));
    assert!(engine.command(Command::Sell { mint, percent: 100 }));
    wait_for("the operator's sell", Duration::from_secs(20), || {
        !engine.positions.contains_key(&mint)
    });
    assert_eq!(h.token_balance(&me, &mint), 0);
    assert_eq!(
        engine.metrics.route_plans_ready.load(Relaxed),
        1,
        "signed from the ready plan"
    );
    assert_eq!(engine.metrics.route_plans_fetched.load(Relaxed), 0);
    assert_eq!(
        engine.metrics.exits[ExitReason::Manual.index()].load(Relaxed),
        1
    );
    engine.stop();
    h.stop();
}

#[test]
fn a_route_over_the_price_impact_cap_is_refused_and_nothing_is_sent() {
    let mut h = Harness::new(Faults::default());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let mut setup = h.setup(wallet, 1);
    // A cap no real sell meets: every route is refused.
    setup.route = Some(route(&h, 0));
    let engine = start(setup);
    let mint = hold_then_graduate(&mut h, &engine);
    let held = h.token_balance(&me, &mint);
    wait_for("a refused route", Duration::from_secs(20), || {
        engine.metrics.sell_failures.load(Relaxed) >= 1
    });
    assert_eq!(h.token_balance(&me, &mint), held, "nothing sold");
    assert!(
        engine.positions.contains_key(&mint),
        "still held, retried later"
    );
    engine.stop();
    h.stop();
}

#[test]
fn with_send_via_jito_a_launch_is_bought_through_a_tipped_bundle() {
    let mut h = Harness::new(Faults::default());
    let wallet = h.funded_wallet(10 * SOL);
    let mut setup = h.setup(wallet, 1);
    let tip_account_total =
        |h: &Harness| -> u64 { JITO_TIP_ACCOUNTS.iter().map(|k| h.lamports(k)).sum() };
    let tips_before = tip_account_total(&h);
    setup.jito = Some(JitoSending {
        jito: Jito::new(
            reqwest::Client::new(),
            vec![(
                format!("{}/api/v1/bundles", h.server.rpc_url()),
                "sim".into(),
            )],
            None,
            20,
        ),
        via: SendVia::Jito,
        tip_lamports: 7_000,
    });
    let engine = start(setup);
    let received = h.server.cluster.stats.transactions_received.load(Relaxed);
    let mint = h.launch(1);
    wait_for("the bundled buy to fill", Duration::from_secs(20), || {
        engine.positions.contains_key(&mint)
    });
    assert_eq!(
        tip_account_total(&h),
        tips_before + 7_000,
        "one tip, in the buy itself"
    );
    assert!(h.server.cluster.stats.transactions_received.load(Relaxed) > received);
    engine.stop();
    h.stop();
}

#[test]
fn a_failed_bundle_fails_the_order_at_once_instead_of_waiting_for_expiry() {
    let mut h = Harness::new(Faults::default());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    // What the test keeps to drain the wallet behind the engine's back.
    let mut data = 2u32.to_le_bytes().to_vec(); // system transfer
    data.extend_from_slice(&(10 * SOL - 1_000_000).to_le_bytes());
    let transfer = solana_instruction::Instruction {
        program_id: kestrel_pump::ids::SYSTEM_PROGRAM,
        accounts: vec![
            solana_instruction::AccountMeta::new(me, true),
            solana_instruction::AccountMeta::new(Pubkey::new_unique(), false),
        ],
        data,
    };
    let drain = kestrel_exec::tx::sign(&wallet, &[transfer], h.server.cluster.latest_blockhash());
    let mut setup = h.setup(wallet, 1);
    setup.jito = Some(JitoSending {
        jito: Jito::new(
            reqwest::Client::new(),
            vec![(
                format!("{}/api/v1/bundles", h.server.rpc_url()),
                "sim".into(),
            )],
            None,
            20,
        ),
        via: SendVia::Jito,
        tip_lamports: 7_000,
    });
    let engine = start(setup);
    // The engine still believes it has 10 SOL; the buy it sends cannot pay.
    let p = kestrel_sim::ledger::wire::parse(drain.wire.clone()).unwrap();
    h.server.cluster.submit(p, false).unwrap();
    assert!(h.lamports(&me) < 2_000_000);
    let _ = h.launch(2);
    wait_for("the failed buy", Duration::from_secs(20), || {
        engine.metrics.buy_failures.load(Relaxed) == 1
    });
    assert_eq!(
        engine.metrics.resigns.load(Relaxed),
        0,
        "failed on the bundle's status, not after its blockhash expired"
    );
    assert!(engine.positions.is_empty());
    engine.stop();
    h.stop();
}
