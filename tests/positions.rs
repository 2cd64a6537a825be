//! Positions carried to their end against the local cluster, over real sockets: each exit rule
//! fires on a scripted price path at the step that crosses its threshold (not before), the
//! daily loss limit halts entries, re-entry buys back on momentum within its cap, and a
//! restart rebuilds the book from the journal and reconciles it with the chain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::os::unix::fs::PermissionsExt as _;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use harness::{Harness, SOL, wait_for};
use kestrel_engine::Engine;
use kestrel_engine::engine::JournalSetup;
use kestrel_engine::order::Command;
use kestrel_engine::threads::Layout;
use kestrel_exec::Wallet;
use kestrel_guardian::exits::{
    ExitReason, ExitRules, Holding, Mark, TakeProfit, Trailing, price_ratio_bps,
};
use kestrel_guardian::{Reason, TradingState};
use kestrel_reentry::{ReentryConfig, Reference};
use kestrel_sim::faults::Faults;
use kestrel_sim::scenario::ScriptedTrade;
use kestrel_store::Reader;
use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

fn rules(mut r: ExitRules) -> ExitRules {
    r.validate().unwrap();
    r
}

fn exits(engine: &Engine, reason: ExitReason) -> u64 {
    engine.metrics.exits[reason.index()].load(Relaxed)
}

fn start(h: &Harness, wallet: Wallet, exits: ExitRules) -> Engine {
    start_in(h, wallet, exits, None)
}

/// As [`start`], in `layout` (`None`: as the host chooses).
fn start_in(h: &Harness, wallet: Wallet, exits: ExitRules, layout: Option<Layout>) -> Engine {
    let mut setup = h.setup(wallet, 1);
    setup.exits = exits;
    setup.threads.layout = layout;
    let engine = Engine::start(setup).unwrap();
    wait_for("the feed", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    std::thread::sleep(Duration::from_millis(300));
    engine
}

/// The price at the cluster's curve relative to the position's entry, in bps.
fn ratio(h: &Harness, engine: &Engine, mint: &Pubkey) -> u64 {
    let p = *engine.positions.get(mint).unwrap();
    let (vs, vt, real) = h.curve(mint);
    price_ratio_bps(
        &Mark {
            virtual_quote: kestrel_units::QuoteAmount(vs),
            virtual_token: TokenAmount(vt),
            real_quote: kestrel_units::QuoteAmount(real),
        },
        &Holding {
            tokens: p.tokens,
            cost: p.cost,
            held_for: Duration::ZERO,
        },
    )
    .unwrap()
}

/// Lets the engine see a trade just landed (its feed, then its strategy thread).
fn settle(engine: &Engine, trades_before: u64) {
    wait_for("the trade on the feed", Duration::from_secs(5), || {
        engine.metrics.trades.load(Relaxed) > trades_before
    });
    std::thread::sleep(Duration::from_millis(150));
}

fn bought(h: &Harness, engine: &Engine, n: u64, mint: &Pubkey) {
    wait_for("the buy to fill", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) >= n && engine.positions.contains_key(mint)
    });
    let _ = h;
}

#[test]
fn inline_take_profit_then_stop_loss_fire_at_the_step_that_crosses_each_threshold() {
    take_profit_then_stop_loss(Layout::Inline);
}

#[test]
fn pipeline_take_profit_then_stop_loss_fire_at_the_step_that_crosses_each_threshold() {
    take_profit_then_stop_loss(Layout::Pipeline);
}

fn take_profit_then_stop_loss(layout: Layout) {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let engine = start_in(
        &h,
        wallet,
        rules(ExitRules {
            take_profit: vec![TakeProfit {
                gain: Bps(5_000),
                percent: 50,
            }],
            stop_loss: Some(Bps(3_000)),
            ..ExitRules::default()
        }),
        Some(layout),
    );
    // The creator buys 8 SOL with the create: tokens bought below our entry, to dump later.
    let mint = h.launch_with_buy(0, 8 * SOL);
    bought(&h, &engine, 1, &mint);
    let held = h.token_balance(&me, &mint);
    assert!(held > 0);

    // Up in 1 SOL steps: the take-profit sells half exactly when the ratio first reaches
    // +50 %, and not a step before.
    let whale = h.funded_keypair(100 * SOL);
    let mut fired_at = None;
    for step in 0..40 {
        let before = engine.metrics.trades.load(Relaxed);
        let r_before = ratio(&h, &engine, &mint);
        h.trade(&whale, &mint, 0, ScriptedTrade::Buy { lamports: SOL });
        let r = ratio(&h, &engine, &mint);
        settle(&engine, before);
        let n = exits(&engine, ExitReason::TakeProfit { level: 0 });
        if r < 15_000 {
            assert_eq!(n, 0, "step {step}: fired at ratio {r} bps, below +50 %");
        } else {
            assert_eq!(
                n, 1,
                "step {step}: ratio {r} bps (from {r_before}) but no take-profit"
            );
            fired_at = Some(step);
            break;
        }
    }
    // Several steps below the threshold came first, so "not before" was tested.
    assert!(
        fired_at.is_some_and(|s| s >= 3),
        "fired at step {fired_at:?}"
    );
    wait_for("the partial sell", Duration::from_secs(20), || {
        engine.metrics.sold.load(Relaxed) == 1
    });
    let left = h.token_balance(&me, &mint);
    assert_eq!(left, held - held / 2, "half sold");
    wait_for("the view", Duration::from_secs(2), || {
        engine
            .positions
            .get(&mint)
            .is_some_and(|p| p.tokens.0 == left)
    });

    // The whale leaves, then the creator dumps in steps: the stop-loss sells the rest at the
    // first step at or below −30 %.
    let whale_tokens = h.token_balance(&whale.pubkey(), &mint);
    let before = engine.metrics.trades.load(Relaxed);
    h.trade(
        &whale,
        &mint,
        0,
        ScriptedTrade::Sell {
            tokens: whale_tokens,
        },
    );
    settle(&engine, before);
    assert_eq!(exits(&engine, ExitReason::StopLoss), 0);
    let creator = h.creators[0].insecure_clone();
    let creator_tokens = h.token_balance(&creator.pubkey(), &mint);
    let mut stopped = None;
    for step in 0..10 {
        let before = engine.metrics.trades.load(Relaxed);
        h.trade(
            &creator,
            &mint,
            0,
            ScriptedTrade::Sell {
                tokens: creator_tokens / 10,
            },
        );
        let r = ratio(&h, &engine, &mint);
        settle(&engine, before);
        let n = exits(&engine, ExitReason::StopLoss);
        if r > 7_000 {
            assert_eq!(n, 0, "step {step}: stop-loss at ratio {r} bps");
        } else {
            assert_eq!(n, 1, "step {step}: ratio {r} bps and no stop-loss");
            stopped = Some(step);
            break;
        }
    }
    assert!(
        stopped.is_some_and(|s| s >= 2),
        "stopped at step {stopped:?}"
    );
    wait_for("the position to close", Duration::from_secs(20), || {
        !engine.positions.contains_key(&mint)
    });
    assert_eq!(h.token_balance(&me, &mint), 0);
    assert_eq!(engine.metrics.sold.load(Relaxed), 2);
    engine.stop();
    h.stop();
}

#[test]
fn a_trailing_stop_sells_after_the_fall_from_the_peak() {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let engine = start(
        &h,
        wallet,
        rules(ExitRules {
            trailing: Some(Trailing {
                arm: Bps(5_000),
                trail: Bps(2_000),
            }),
            ..ExitRules::default()
        }),
    );
    let mint = h.launch(0);
    bought(&h, &engine, 1, &mint);
    let whale = h.funded_keypair(100 * SOL);
    // Up to about 2× (armed), then down in small steps.
    let before = engine.metrics.trades.load(Relaxed);
    h.trade(&whale, &mint, 0, ScriptedTrade::Buy { lamports: 12 * SOL });
    let peak = ratio(&h, &engine, &mint);
    settle(&engine, before);
    assert!(peak > 15_000, "armed: {peak}");
    let tokens = h.token_balance(&whale.pubkey(), &mint);
    let mut fired = None;
    for step in 0..40 {
        let before = engine.metrics.trades.load(Relaxed);
        h.trade(
            &whale,
            &mint,
            0,
            ScriptedTrade::Sell {
                tokens: tokens / 40,
            },
        );
        let r = ratio(&h, &engine, &mint);
        settle(&engine, before);
        let n = exits(&engine, ExitReason::TrailingStop);
        if u128::from(r) * 10_000 > u128::from(peak) * 8_000 {
            assert_eq!(n, 0, "step {step}: trailing stop at {r} bps, peak {peak}");
        } else {
            assert_eq!(n, 1, "step {step}: {r} bps is 20 % below the peak {peak}");
            fired = Some(step);
            break;
        }
    }
    assert!(fired.is_some_and(|s| s >= 3), "fired at step {fired:?}");
    wait_for("the position to close", Duration::from_secs(20), || {
        !engine.positions.contains_key(&mint)
    });
    engine.stop();
    h.stop();
}

#[test]
fn the_creator_selling_and_drained_liquidity_sell_everything() {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let engine = start(
        &h,
        wallet,
        rules(ExitRules {
            creator_sells: true,
            liquidity_drain: Some(Bps(5_000)),
            ..ExitRules::default()
        }),
    );
    // The creator sells a sliver of their bundled buy: everything goes.
    let a = h.launch_with_buy(0, SOL);
    bought(&h, &engine, 1, &a);
    let creator = h.creators[0].insecure_clone();
    let sliver = h.token_balance(&creator.pubkey(), &a) / 100;
    h.trade(&creator, &a, 0, ScriptedTrade::Sell { tokens: sliver });
    wait_for("the creator-sold exit", Duration::from_secs(20), || {
        !engine.positions.contains_key(&a)
    });
    assert_eq!(exits(&engine, ExitReason::CreatorSold), 1);
    assert_eq!(h.token_balance(&me, &a), 0);

    // Another coin: 4 SOL come in, then leave at once (a drain of over 50 %).
    let b = h.launch(1);
    bought(&h, &engine, 2, &b);
    let whale = h.funded_keypair(100 * SOL);
    h.trade(&whale, &b, 1, ScriptedTrade::Buy { lamports: 4 * SOL });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(exits(&engine, ExitReason::LiquidityDrained), 0);
    let t = h.token_balance(&whale.pubkey(), &b);
    h.trade(&whale, &b, 1, ScriptedTrade::Sell { tokens: t });
    wait_for("the drain exit", Duration::from_secs(20), || {
        !engine.positions.contains_key(&b)
    });
    assert_eq!(exits(&engine, ExitReason::LiquidityDrained), 1);
    assert_eq!(exits(&engine, ExitReason::CreatorSold), 1);
    engine.stop();
    h.stop();
}

#[test]
fn the_hold_time_sells_and_the_daily_loss_limit_then_halts_entries() {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let mut setup = h.setup(wallet, 1);
    setup.exits = rules(ExitRules {
        max_hold: Some(Duration::from_secs(1)),
        ..ExitRules::default()
    });
    // Any realized loss (fees alone) reaches a 1-lamport limit.
    setup.limits.daily_loss_limit = Some(Lamports(1));
    let engine = Engine::start(setup).unwrap();
    wait_for("the feed", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    std::thread::sleep(Duration::from_millis(300));
    let mint = h.launch(0);
    bought(&h, &engine, 1, &mint);
    wait_for("the hold-time exit", Duration::from_secs(20), || {
        !engine.positions.contains_key(&mint)
    });
    assert_eq!(exits(&engine, ExitReason::MaxHold), 1);
    wait_for("HALTED", Duration::from_secs(5), || {
        engine.metrics.trading_state.load(Relaxed) == 2
    });
    assert!(engine.metrics.realized_pnl_lamports.load(Relaxed) < 0);
    // No new entries, by the guardian's typed reason.
    h.launch(1);
    wait_for("the refusal", Duration::from_secs(10), || {
        engine.metrics.refused[Reason::Halted.index()].load(Relaxed) == 1
    });
    assert_eq!(engine.metrics.bought.load(Relaxed), 1);
    engine.stop();
    h.stop();
}

#[test]
fn reentry_buys_back_on_momentum_and_stops_at_its_cap() {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let mut setup = h.setup(wallet, 1);
    setup.exits = rules(ExitRules {
        max_hold: Some(Duration::from_secs(1)),
        ..ExitRules::default()
    });
    setup.reentry = ReentryConfig {
        enabled: true,
        reference: Reference::PriorHigh,
        breakout: Bps(1_000),
        min_net_buy: Lamports(SOL),
        min_buyers: 2,
        window: Duration::from_secs(30),
        cooldown: Duration::ZERO,
        max_per_mint: 1,
        spend: Lamports(10_000_000),
        size_scale: Bps(10_000),
        watch_for: Duration::from_secs(120),
        max_watched: 16,
        slippage: Bps(2_000),
        cu_price_micro_lamports: 10_000,
        prices: kestrel_model::QuotePrices::SOL_ONLY,
    };
    let engine = Engine::start(setup).unwrap();
    wait_for("the feed", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    std::thread::sleep(Duration::from_millis(300));
    let mint = h.launch(0);
    bought(&h, &engine, 1, &mint);
    wait_for("the first exit", Duration::from_secs(20), || {
        engine.metrics.sold.load(Relaxed) == 1
    });
    // One buyer is not momentum enough.
    let (a, b, c) = (
        h.funded_keypair(10 * SOL),
        h.funded_keypair(10 * SOL),
        h.funded_keypair(10 * SOL),
    );
    h.trade(&a, &mint, 0, ScriptedTrade::Buy { lamports: SOL });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(engine.metrics.reentries.load(Relaxed), 0);
    // A second buyer: the price is well above the prior high and 2 SOL came in from two.
    h.trade(&b, &mint, 0, ScriptedTrade::Buy { lamports: SOL });
    wait_for("the re-entry fill", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 2
    });
    assert_eq!(engine.metrics.reentries.load(Relaxed), 1);
    wait_for("the second exit", Duration::from_secs(20), || {
        engine.metrics.sold.load(Relaxed) == 2
    });
    // More momentum, but the cap (one re-entry per mint) holds.
    h.trade(&c, &mint, 0, ScriptedTrade::Buy { lamports: 2 * SOL });
    h.trade(&a, &mint, 0, ScriptedTrade::Buy { lamports: 2 * SOL });
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(engine.metrics.reentries.load(Relaxed), 1);
    assert_eq!(engine.metrics.bought.load(Relaxed), 2);
    assert!(
        engine.metrics.reentry_passes[kestrel_reentry::Pass::CapReached.index()].load(Relaxed) >= 1
    );
    engine.stop();
    h.stop();
}

/// A Solana CLI keypair file (mode 0600) for `k`.
fn keypair_file(dir: &std::path::Path, k: &Keypair) -> std::path::PathBuf {
    let path = dir.join("wallet.json");
    std::fs::write(
        &path,
        serde_json::to_string(&k.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[test]
fn a_restart_rebuilds_the_book_from_the_journal_and_reconciles_it_with_the_chain() {
    let mut h = Harness::new(Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let key = h.funded_keypair(10 * SOL);
    let me = key.pubkey();
    let file = keypair_file(dir.path(), &key);
    let journal = JournalSetup {
        path: dir.path().join("journal.db"),
        sync: kestrel_store::Sync::Normal,
    };
    let run = |h: &Harness| {
        let mut setup = h.setup(Wallet::load(&file).unwrap(), 1);
        setup.journal = Some(journal.clone());
        let engine = Engine::start(setup).unwrap();
        wait_for("the feed", Duration::from_secs(10), || {
            engine.feeds.iter().all(|f| f.connected.load(Relaxed))
        });
        std::thread::sleep(Duration::from_millis(300));
        engine
    };
    let engine = run(&h);
    let (a, b) = (h.launch(0), h.launch(1));
    wait_for("two fills", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 2 && engine.positions.len() == 2
    });
    assert!(engine.command(Command::Pause));
    std::thread::sleep(Duration::from_millis(300));
    engine.stop();

    // While it is down: half of A is sold outside Kestrel, and a coin it never bought (C)
    // lands in the wallet.
    let a_tokens = h.token_balance(&me, &a);
    h.trade(
        &key,
        &a,
        0,
        ScriptedTrade::Sell {
            tokens: a_tokens / 2,
        },
    );
    let c = h.launch(2);
    h.trade(
        &key,
        &c,
        2,
        ScriptedTrade::Buy {
            lamports: SOL / 100,
        },
    );

    let engine = run(&h);
    let r = engine.recovery;
    assert_eq!(r.positions, 2, "{r:?}");
    assert_eq!(r.corrected, 1, "{r:?}");
    assert_eq!(r.untracked, 1, "{r:?}");
    assert_eq!(engine.positions.len(), 2);
    assert_eq!(
        engine.positions.get(&a).unwrap().tokens.0,
        h.token_balance(&me, &a)
    );
    assert_eq!(
        engine.positions.get(&b).unwrap().tokens.0,
        h.token_balance(&me, &b)
    );
    // The pause survived the restart, as a pause.
    assert_eq!(
        engine.metrics.trading_state.load(Relaxed),
        TradingState::Paused.code()
    );
    assert!(engine.command(Command::Resume));
    // C is never bought (it is the wallet's, untracked), and A and B are not bought again.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(engine.metrics.bought.load(Relaxed), 0);
    engine.stop();

    let reader = Reader::open(&journal.path).unwrap();
    let open = reader.open_positions().unwrap();
    assert_eq!(open.len(), 2);
    let fills = reader.fills(0).unwrap();
    assert_eq!(fills.len(), 2, "the two buys, once each");
    h.stop();
}

#[test]
fn inline_the_control_port_takes_the_operators_sell_kill_and_resume() {
    operators_sell_kill_and_resume(Layout::Inline);
}

#[test]
fn pipeline_the_control_port_takes_the_operators_sell_kill_and_resume() {
    operators_sell_kill_and_resume(Layout::Pipeline);
}

fn operators_sell_kill_and_resume(layout: Layout) {
    let mut h = Harness::new(Faults::none());
    let wallet = h.funded_wallet(10 * SOL);
    let me = wallet.pubkey();
    let engine = start_in(&h, wallet, ExitRules::default(), Some(layout));
    assert_eq!(engine.layout, layout);
    let (a, b) = (h.launch(0), h.launch(1));
    wait_for("two fills", Duration::from_secs(20), || {
        engine.positions.len() == 2
    });
    let control = Harness::serve_control(&engine);
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let post = |path: &str| {
        client_rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("http://{control}{path}"))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    // Bad input is refused and changes nothing.
    for path in [
        "/sell?mint=nope&percent=50".to_owned(),
        format!("/sell?mint={a}&percent=0"),
        format!("/sell?mint={a}&price=1"),
        "/kill?sell_all=maybe".to_owned(),
    ] {
        let (code, body) = post(&path);
        assert_eq!(code, 400, "{path}: {body}");
    }
    let (code, _) = post(&format!("/sell?mint={}", Pubkey::new_unique()));
    assert_eq!(code, 404);
    assert_eq!(engine.metrics.sold.load(Relaxed), 0);

    let held = h.token_balance(&me, &a);
    let (code, body) = post(&format!("/sell?mint={a}&percent=50"));
    assert_eq!(code, 202, "{body}");
    wait_for("the manual sell", Duration::from_secs(20), || {
        engine.metrics.sold.load(Relaxed) == 1
    });
    assert_eq!(h.token_balance(&me, &a), held - held / 2);
    assert_eq!(exits(&engine, ExitReason::Manual), 1);

    // The kill switch: REDUCING, everything sold, no new entries.
    let (code, body) = post("/kill?sell_all=true");
    assert_eq!(code, 202, "{body}");
    wait_for("everything sold", Duration::from_secs(20), || {
        engine.positions.is_empty()
    });
    assert_eq!(h.token_balance(&me, &a), 0);
    assert_eq!(h.token_balance(&me, &b), 0);
    assert_eq!(engine.metrics.trading_state.load(Relaxed), 1);
    h.launch(2);
    wait_for("the refusal", Duration::from_secs(10), || {
        engine.metrics.refused[Reason::Reducing.index()].load(Relaxed) == 1
    });
    let (code, _) = post("/resume");
    assert_eq!(code, 202);
    wait_for("ACTIVE", Duration::from_secs(5), || {
        engine.metrics.trading_state.load(Relaxed) == 0
    });
    h.launch(0);
    wait_for("a buy again", Duration::from_secs(20), || {
        engine.metrics.bought.load(Relaxed) == 3
    });
    engine.stop();
    h.stop();
}
