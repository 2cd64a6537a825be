//! The kernel's own tests: the strategy thread's decisions driven event by event, with no
//! sockets, no threads and a clock moved by hand. Each job of `src/kernel/` has its tests
//! here: entries, each exit rule, re-entry, reports and fills, commands, restore.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use kestrel_engine::kernel::Kernel;
use kestrel_engine::order::{
    ChainError, Command, EngineEvent, ExecReport, FailReason, Fill, Landed, Order, Venue, Why,
};
use kestrel_feed::FeedEvent;
use kestrel_guardian::exits::{ExitReason, ExitRules, Trailing};
use kestrel_guardian::{Limits, TradingState};
use kestrel_model::{Clock, CurveTrade, CurveUpdate, LaunchEvent, Quote, Side, SignatureText};
use kestrel_pump::curve::Reserves;
use kestrel_reentry::ReentryConfig;
use kestrel_sniper::{Pattern, SkipReason, SniperConfig};
use kestrel_store::{InFlight, JournalState, PositionRecord, TradeSide};
use kestrel_testkit::clock::TestClock;
use kestrel_testkit::frames::{launch_and_trade, stamped};
use kestrel_testkit::kernel::TestKernel;
use kestrel_testkit::{TEST_BUY, TestDefault};
use kestrel_units::{Bps, Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

/// The curve a position is bought on: spot price 3·10⁻⁵ lamports per token unit.
const VSOL: u64 = 30_000_000_000;
const VTOKEN: u64 = 1_000_000_000_000_000;
/// The position: 10¹² token units for 0.03 SOL with fees, i.e. bought at exactly spot.
const TOKENS: u64 = 1_000_000_000_000;
const COST_SOL: u64 = 29_625_000;
const COST_FEES: u64 = 375_000;

fn kernel(t: TestKernel) -> (Kernel<TestClock>, TestClock) {
    let clock = TestClock::default();
    (t.build(clock.clone()), clock)
}

/// One exit rule: sell everything 30 % below entry.
fn stop_loss_only() -> ExitRules {
    ExitRules {
        stop_loss: Some(Bps(3_000)),
        ..ExitRules::default()
    }
}

fn with_exits(exits: ExitRules) -> (Kernel<TestClock>, TestClock) {
    kernel(TestKernel {
        exits,
        ..TestKernel::test_default()
    })
}

fn mint(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

/// The real launch of the fixture, moved to mint `n` with its own curve.
fn launch(n: u8) -> LaunchEvent {
    let (mut l, _) = launch_and_trade().expect("the fixture decodes");
    l.mint = mint(n);
    l.bonding_curve = Pubkey::new_from_array([n.wrapping_add(100); 32]);
    l
}

/// The curve at `times_entry` of the entry price (in percent), with `real_quote` in it.
fn reserves(percent_of_entry: u64, real_quote: u64) -> Reserves {
    Reserves {
        virtual_token: TokenAmount(VTOKEN),
        virtual_quote: QuoteAmount(VSOL * percent_of_entry / 100),
        real_token: TokenAmount(VTOKEN / 2),
        real_quote: QuoteAmount(real_quote),
    }
}

/// A trade on `m` by `user` that leaves the curve at `r`.
fn trade(m: Pubkey, user: Pubkey, is_buy: bool, sol: u64, r: Reserves) -> CurveTrade {
    let (_, mut t) = launch_and_trade().expect("the fixture decodes");
    t.mint = m;
    t.user = user;
    t.is_buy = is_buy;
    // Later than any fill the tests make (slots 1–3): the feed's view is the newest.
    t.slot = 10;
    t.quote_amount = QuoteAmount(sol);
    t.virtual_quote_reserves = r.virtual_quote;
    t.virtual_token_reserves = r.virtual_token;
    t.real_quote_reserves = r.real_quote;
    t.real_token_reserves = r.real_token;
    t
}

fn buy_fill(o: &Order) -> Fill {
    Fill {
        order: o.id,
        why: o.why,
        mint: o.coin.mint,
        is_buy: true,
        tokens: TokenAmount(TOKENS),
        quote: Quote::Sol,
        quote_amount: QuoteAmount(COST_SOL),
        fees: QuoteAmount(COST_FEES),
        network_fee: Lamports(5_000),
        wallet_delta: -30_005_000,
        reserves_after: reserves(100, 10_000_000_000),
        signature: SignatureText::new("buy"),
        slot: 1,
    }
}

fn sell_fill(o: &Order, sol: u64) -> Fill {
    Fill {
        order: o.id,
        why: o.why,
        mint: o.coin.mint,
        is_buy: false,
        tokens: sold(o),
        quote: Quote::Sol,
        quote_amount: QuoteAmount(sol),
        fees: QuoteAmount(sol / 100),
        network_fee: Lamports(5_000),
        wallet_delta: 0,
        reserves_after: o.reserves,
        signature: SignatureText::new("sell"),
        slot: 2,
    }
}

fn sold(o: &Order) -> TokenAmount {
    match o.approved.intent().side {
        Side::Sell { tokens } => tokens,
        Side::Buy { .. } => panic!("a buy: {o:?}"),
    }
}

/// Launch of mint `n` bought and filled: the kernel now holds [`TOKENS`] at cost 0.03 SOL.
fn hold(k: &mut Kernel<TestClock>, n: u8) -> Pubkey {
    let o = k
        .on_feed(&stamped(FeedEvent::Launch(launch(n))))
        .expect("the launch is bought");
    k.on_report(ExecReport::Filled(buy_fill(&o)));
    o.coin.mint
}

fn on_trade(k: &mut Kernel<TestClock>, t: CurveTrade) -> Option<Order> {
    k.on_feed(&stamped(FeedEvent::Trade(t)))
}

/// A trade by a stranger that moves the curve to `percent` of entry, with `real_quote` in it.
fn price(k: &mut Kernel<TestClock>, m: Pubkey, percent: u64, real_quote: u64) -> Option<Order> {
    on_trade(
        k,
        trade(m, mint(200), true, 1_000, reserves(percent, real_quote)),
    )
}

/// The operator's sell of `percent` of `m`: the one order it leads to.
fn sell(k: &mut Kernel<TestClock>, m: Pubkey, percent: u8) -> Order {
    let mut out = Vec::new();
    k.on_command(Command::Sell { mint: m, percent }, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    out.remove(0)
}

fn exit_reason(o: &Order) -> ExitReason {
    match o.why {
        Why::Exit(r) => r,
        other => panic!("not an exit: {other:?}"),
    }
}

fn sum(counters: &[std::sync::atomic::AtomicU64]) -> u64 {
    counters.iter().map(|c| c.load(Relaxed)).sum()
}

// Entries.

#[test]
fn an_approved_launch_becomes_one_buy_with_its_spend_reserved() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let o = k
        .on_feed(&stamped(FeedEvent::Launch(launch(1))))
        .expect("bought");
    assert_eq!(o.why, Why::Snipe);
    assert_eq!(o.id, 1);
    assert_eq!(o.approved.intent().spend(), QuoteAmount::from(TEST_BUY));
    assert_eq!(o.coin.mint, mint(1));
    assert!(k.book().pending_buy(&mint(1)).is_some());
    // The same launch again is not bought twice: the guardian sees the pending buy.
    assert!(k.on_feed(&stamped(FeedEvent::Launch(launch(1)))).is_none());
}

#[test]
fn a_launch_the_sniper_skips_leads_to_no_order_and_counts_its_reason() {
    let l = launch(1);
    let name = l.name.as_str().to_lowercase();
    let (mut k, _) = kernel(TestKernel {
        sniper: SniperConfig {
            name_deny: vec![Pattern::new(&name)],
            ..SniperConfig::test_default()
        },
        ..TestKernel::test_default()
    });
    assert!(k.on_feed(&stamped(FeedEvent::Launch(l))).is_none());
    assert!(k.book().pending_buy(&mint(1)).is_none());
    assert_eq!(k.sniper().skipped(SkipReason::NameDenied), 1);
}

#[test]
fn a_launch_the_guardian_refuses_leads_to_no_order_and_counts_its_refusal() {
    let l = launch(1);
    let t = TestKernel {
        blacklisted_creators: vec![l.creator],
        ..TestKernel::test_default()
    };
    let metrics = t.metrics.clone();
    let (mut k, _) = kernel(t);
    assert!(k.on_feed(&stamped(FeedEvent::Launch(l))).is_none());
    assert_eq!(sum(&metrics.refused), 1);
    assert!(k.book().pending_buy(&mint(1)).is_none());
}

#[test]
fn an_operator_buy_passes_the_guardian_like_any_entry() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let info = kestrel_exec::tx::MintInfo::of_launch(&launch(3));
    let mut out = Vec::new();
    k.on_command(
        Command::Buy {
            info,
            reserves: reserves(100, 0),
            complete: false,
            spend: QuoteAmount::from(TEST_BUY),
        },
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].why, Why::Operator);
    // Above the per-trade cap: refused, nothing out.
    out.clear();
    k.on_command(
        Command::Buy {
            info: kestrel_exec::tx::MintInfo::of_launch(&launch(4)),
            reserves: reserves(100, 0),
            complete: false,
            spend: QuoteAmount(TEST_BUY.0 * 2),
        },
        &mut out,
    );
    assert!(out.is_empty());
}

// Fills.

#[test]
fn a_filled_buy_opens_a_position_at_its_cost_with_fees() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let m = hold(&mut k, 1);
    let p = k.book().position(&m).expect("held");
    assert_eq!(p.tokens, TokenAmount(TOKENS));
    assert_eq!(p.cost, QuoteAmount(COST_SOL + COST_FEES));
    assert!(k.book().pending_buy(&m).is_none());
}

#[test]
fn a_partial_sell_books_realized_pnl_and_keeps_the_rest_open() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let m = hold(&mut k, 1);
    let o = sell(&mut k, m, 50);
    assert_eq!(sold(&o), TokenAmount(TOKENS / 2));
    // Sold half for 0.02 SOL (1 % fees): half the cost was 0.015 SOL.
    k.on_report(ExecReport::Filled(sell_fill(&o, 20_000_000)));
    let p = k.book().position(&m).expect("still held");
    assert_eq!(p.tokens, TokenAmount(TOKENS / 2));
    assert_eq!(p.cost, QuoteAmount((COST_SOL + COST_FEES) / 2));
    assert_eq!(k.book().realized().sol, 20_000_000 - 200_000 - 15_000_000);
}

#[test]
fn plugins_hear_of_a_launch_and_of_a_sells_realized_pnl() {
    let (events, heard) = crossbeam_channel::unbounded();
    let mut k = TestKernel::test_default()
        .build(TestClock::default())
        .with_events(events);
    let s = stamped(FeedEvent::Launch(launch(1)));
    let o = k.on_feed(&s).expect("bought");
    // Nothing is told before the engine acted on the frame; then the launch is.
    assert!(heard.try_recv().is_err());
    k.announce(&s);
    assert!(matches!(heard.try_recv(), Ok(EngineEvent::Launch(l)) if l.mint == mint(1)));
    k.on_report(ExecReport::Filled(buy_fill(&o)));
    assert!(matches!(
        heard.try_recv(),
        Ok(EngineEvent::Fill { fill, realized: None }) if fill.is_buy
    ));
    let o = sell(&mut k, mint(1), 50);
    k.on_report(ExecReport::Filled(sell_fill(&o, 20_000_000)));
    let realized = heard.try_iter().find_map(|e| match e {
        EngineEvent::Fill { fill, realized } if !fill.is_buy => realized,
        _ => None,
    });
    assert_eq!(realized, Some(20_000_000 - 200_000 - 15_000_000));
}

#[test]
fn a_sell_of_everything_closes_the_position() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let m = hold(&mut k, 1);
    let o = sell(&mut k, m, 100);
    k.on_report(ExecReport::Filled(sell_fill(&o, 10_000_000)));
    assert!(k.book().position(&m).is_none());
    assert!(k.book().realized().sol < 0);
}

#[test]
fn a_failed_buy_releases_its_reserved_spend() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let o = k
        .on_feed(&stamped(FeedEvent::Launch(launch(1))))
        .expect("bought");
    k.on_report(ExecReport::Failed {
        order: o.id,
        why: o.why,
        mint: o.coin.mint,
        is_buy: true,
        reason: FailReason::Expired,
        landed: None,
    });
    assert!(k.book().pending_buy(&mint(1)).is_none());
}

/// A sell of `o` that failed on chain with 6003, its network fee paid.
fn failed_6003(o: &Order) -> ExecReport {
    ExecReport::Failed {
        order: o.id,
        why: o.why,
        mint: o.coin.mint,
        is_buy: false,
        reason: FailReason::OnChain(ChainError::new(
            r#"{"InstructionError":[2,{"Custom":6003}]}"#.into(),
            Venue::Curve,
        )),
        landed: Some(Landed {
            signature: SignatureText::new("failed"),
            network_fee: Lamports(5_000),
            wallet_delta: -5_000,
            slot: 3,
        }),
    }
}

fn alerts(heard: &crossbeam_channel::Receiver<EngineEvent>) -> Vec<String> {
    heard
        .try_iter()
        .filter_map(|e| match e {
            EngineEvent::Alert(text) => Some(text),
            _ => None,
        })
        .collect()
}

#[test]
fn a_failed_sell_is_tried_again_from_the_next_mark_after_its_pause_a_little_wider() {
    let (mut k, clock) = kernel(TestKernel {
        exits: stop_loss_only(),
        limits: Limits {
            max_slippage: Bps(5_000),
            ..Limits::test_default()
        },
        ..TestKernel::test_default()
    });
    let m = hold(&mut k, 1);
    let o = price(&mut k, m, 60, 1).expect("stop-loss");
    // In flight: the next trade does not sell again.
    assert!(price(&mut k, m, 59, 1).is_none());
    k.on_report(failed_6003(&o));
    // Not at once: every attempt pays a network fee.
    assert!(price(&mut k, m, 58, 1).is_none());
    clock.advance(Duration::from_millis(400));
    let again = price(&mut k, m, 58, 1).expect("tried again");
    assert_eq!(exit_reason(&again), ExitReason::StopLoss);
    // Half the sell slippage wider each time (20 % → 30 %), within the guardian's cap.
    assert_eq!(o.approved.intent().max_slippage, Bps(2_000));
    assert_eq!(again.approved.intent().max_slippage, Bps(3_000));
}

#[test]
fn a_sell_failing_on_chain_stops_after_five_tries_tells_the_operator_once_and_counts_the_fees() {
    let t = TestKernel {
        exits: stop_loss_only(),
        ..TestKernel::test_default()
    };
    let metrics = t.metrics.clone();
    let (events, heard) = crossbeam_channel::unbounded();
    let clock = TestClock::default();
    let mut k = t.build(clock.clone()).with_events(events);
    let m = hold(&mut k, 1);
    let mut mints = Vec::new();
    let mut k_timer = Vec::new();
    // The market stays where it is (no new trade), so only the timer drives the exit, as
    // after a dump: the loop that used to pay a fee every slot.
    k.on_command(Command::Kill { sell_all: true }, &mut mints);
    let mut attempts = mints.len();
    for o in mints.drain(..) {
        k.on_report(failed_6003(&o));
    }
    for _ in 0..200 {
        clock.advance(Duration::from_millis(250));
        k.on_timer(&mut k_timer);
        for o in k_timer.drain(..) {
            attempts += 1;
            k.on_report(failed_6003(&o));
        }
    }
    assert_eq!(attempts, 5);
    assert_eq!(
        alerts(&heard),
        [format!(
            "sell of {m} failed 5 times: TooLittleSolReceived (6003); holding; /sell to retry"
        )]
    );
    let text = kestrel_console::prometheus::prometheus(&metrics, &[]);
    assert!(
        text.contains("kestrel_chain_failures_total{error=\"TooLittleSolReceived\"} 5"),
        "{text}"
    );
    assert!(
        text.contains("kestrel_failed_tx_fees_lamports_total 25000"),
        "{text}"
    );
    assert_eq!(k.book().network_fees(), Lamports(5_000 + 25_000));
    // The market moves: the kill switch sells again, on the new mark.
    let o = price(&mut k, m, 50, 1).expect("a new mark, a new try");
    assert_eq!(exit_reason(&o), ExitReason::Kill);
}

#[test]
fn the_operators_sell_goes_even_when_the_kernel_holds() {
    let (mut k, clock) = with_exits(stop_loss_only());
    let m = hold(&mut k, 1);
    let mut o = price(&mut k, m, 60, 1).expect("stop-loss");
    for _ in 0..5 {
        k.on_report(failed_6003(&o));
        clock.advance(Duration::from_secs(60));
        match price(&mut k, m, 60, 1) {
            Some(next) => o = next,
            None => break,
        }
    }
    assert!(price(&mut k, m, 60, 1).is_none(), "holding");
    assert_eq!(exit_reason(&sell(&mut k, m, 100)), ExitReason::Manual);
}

#[test]
fn each_exit_is_announced_once_however_many_tries_it_takes() {
    let t = TestKernel {
        exits: stop_loss_only(),
        ..TestKernel::test_default()
    };
    let (events, heard) = crossbeam_channel::unbounded();
    let clock = TestClock::default();
    let mut k = t.build(clock.clone()).with_events(events);
    let m = hold(&mut k, 1);
    for percent in [60, 59, 58] {
        let o = price(&mut k, m, percent, 1).expect("stop-loss");
        k.on_report(failed_6003(&o));
        clock.advance(Duration::from_secs(5));
    }
    let exits = heard
        .try_iter()
        .filter(|e| matches!(e, EngineEvent::Exit { .. }))
        .count();
    assert_eq!(exits, 1);
}

#[test]
fn a_fill_read_after_later_trades_does_not_take_the_mark_back() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let m = hold(&mut k, 1);
    let o = sell(&mut k, m, 50);
    // The feed delivers a dump after our sell, then our fill arrives from the node.
    let mut dump = trade(m, mint(200), false, 1_000, reserves(30, 1));
    dump.slot = 500;
    on_trade(&mut k, dump);
    let mut f = sell_fill(&o, 20_000_000);
    f.slot = 499;
    f.reserves_after = reserves(90, 1);
    k.on_report(ExecReport::Filled(f));
    let p = k.book().position(&m).expect("half held");
    assert_eq!(p.mark, reserves(30, 1));
    assert_eq!(p.mark_slot, 500);
}

#[test]
fn a_sell_pays_the_vault_of_the_creator_the_curve_names_now() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let m = hold(&mut k, 1);
    let launched_by = launch(1).creator;
    let delegated = mint(77);
    let r = reserves(100, 1);
    k.on_feed(&stamped(FeedEvent::Curve(CurveUpdate {
        bonding_curve: launch(1).bonding_curve,
        quote: Quote::Sol,
        slot: 10,
        creator: Some(delegated),
        virtual_token_reserves: r.virtual_token,
        virtual_quote_reserves: r.virtual_quote,
        real_token_reserves: r.real_token,
        real_quote_reserves: r.real_quote,
        complete: false,
    })));
    let o = sell(&mut k, m, 100);
    assert_ne!(o.coin.creator, launched_by);
    assert_eq!(o.coin.creator, delegated);
}

// Exits, one rule at a time.

#[test]
fn the_stop_loss_sells_everything_once_the_price_is_that_far_below_entry() {
    let (mut k, _) = with_exits(stop_loss_only());
    let m = hold(&mut k, 1);
    assert!(price(&mut k, m, 75, 1).is_none());
    let o = price(&mut k, m, 70, 1).expect("stop-loss at -30 %");
    assert_eq!(exit_reason(&o), ExitReason::StopLoss);
    assert_eq!(sold(&o), TokenAmount(TOKENS));
}

#[test]
fn a_take_profit_sells_its_share_once_its_level_is_reached() {
    // The test default's levels: half at +50 %, the rest at +150 %.
    let (mut k, _) = with_exits(ExitRules {
        take_profit: ExitRules::test_default().take_profit,
        ..ExitRules::default()
    });
    let m = hold(&mut k, 1);
    assert!(price(&mut k, m, 140, 1).is_none());
    let o = price(&mut k, m, 160, 1).expect("level 1 at +50 %");
    assert_eq!(exit_reason(&o), ExitReason::TakeProfit { level: 0 });
    assert_eq!(sold(&o), TokenAmount(TOKENS / 2));
    k.on_report(ExecReport::Filled(sell_fill(&o, 24_000_000)));
    // Level 1 is done: the same price does not sell again.
    assert!(price(&mut k, m, 170, 1).is_none());
    let o = price(&mut k, m, 260, 1).expect("level 2 at +150 %");
    assert_eq!(exit_reason(&o), ExitReason::TakeProfit { level: 1 });
    assert_eq!(sold(&o), TokenAmount(TOKENS / 2));
}

#[test]
fn the_trailing_stop_fires_that_far_below_the_high_once_armed() {
    let (mut k, _) = with_exits(ExitRules {
        trailing: Some(Trailing {
            arm: Bps(5_000),
            trail: Bps(2_000),
        }),
        ..ExitRules::default()
    });
    let m = hold(&mut k, 1);
    // Not armed yet: a fall from +40 % is not a trailing stop.
    assert!(price(&mut k, m, 140, 1).is_none());
    assert!(price(&mut k, m, 105, 1).is_none());
    assert!(price(&mut k, m, 200, 1).is_none());
    assert!(price(&mut k, m, 165, 1).is_none());
    let o = price(&mut k, m, 160, 1).expect("20 % below the high of +100 %");
    assert_eq!(exit_reason(&o), ExitReason::TrailingStop);
}

#[test]
fn the_hold_time_sells_on_the_timer() {
    let (mut k, clock) = with_exits(ExitRules {
        max_hold: Some(Duration::from_secs(60)),
        ..ExitRules::default()
    });
    let m = hold(&mut k, 1);
    let mut out = Vec::new();
    k.on_timer(&mut out);
    assert!(out.is_empty());
    clock.advance(Duration::from_secs(61));
    k.on_timer(&mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].coin.mint, m);
    assert_eq!(exit_reason(&out[0]), ExitReason::MaxHold);
}

#[test]
fn the_creator_selling_sells_everything_and_a_stranger_selling_does_not() {
    let (mut k, _) = with_exits(ExitRules {
        creator_sells: true,
        ..ExitRules::default()
    });
    let m = hold(&mut k, 1);
    let creator = launch(1).creator;
    let r = reserves(100, 1);
    assert!(on_trade(&mut k, trade(m, mint(201), false, 1_000, r)).is_none());
    let o = on_trade(&mut k, trade(m, creator, false, 1_000, r)).expect("creator sold");
    assert_eq!(exit_reason(&o), ExitReason::CreatorSold);
}

#[test]
fn liquidity_draining_below_its_peak_sells_everything() {
    let (mut k, _) = with_exits(ExitRules {
        liquidity_drain: Some(Bps(5_000)),
        ..ExitRules::default()
    });
    let m = hold(&mut k, 1);
    assert!(price(&mut k, m, 100, 10_000_000_000).is_none());
    assert!(price(&mut k, m, 100, 6_000_000_000).is_none());
    let o = price(&mut k, m, 100, 5_000_000_000).expect("half the peak gone");
    assert_eq!(exit_reason(&o), ExitReason::LiquidityDrained);
}

// Re-entry.

#[test]
fn a_closed_mint_with_fresh_momentum_is_bought_back_once() {
    let reentry = ReentryConfig {
        enabled: true,
        min_net_buy: Lamports(3_000_000_000),
        min_buyers: 3,
        cooldown: Duration::from_secs(30),
        spend: TEST_BUY,
        ..ReentryConfig::default()
    };
    let (mut k, clock) = kernel(TestKernel {
        reentry,
        ..TestKernel::test_default()
    });
    let m = hold(&mut k, 1);
    let o = sell(&mut k, m, 100);
    k.on_report(ExecReport::Filled(sell_fill(&o, 30_000_000)));
    assert!(k.book().position(&m).is_none());
    assert!(k.reentry().watching(&m));
    clock.advance(Duration::from_secs(31));
    // Three buyers, 1.5 SOL each, the price 50 % above where we were.
    let up = reserves(150, 1);
    assert!(on_trade(&mut k, trade(m, mint(201), true, 1_500_000_000, up)).is_none());
    assert!(on_trade(&mut k, trade(m, mint(202), true, 1_500_000_000, up)).is_none());
    let o = on_trade(&mut k, trade(m, mint(203), true, 1_500_000_000, up)).expect("re-entry");
    assert_eq!(o.why, Why::Reentry);
    assert_eq!(o.approved.intent().spend(), QuoteAmount::from(TEST_BUY));
    // The evidence is spent and the cap is one: no second buy-back.
    assert!(on_trade(&mut k, trade(m, mint(204), true, 1_500_000_000, up)).is_none());
}

// Commands.

#[test]
fn pause_stops_entries_and_resume_restarts_them() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let mut out = Vec::new();
    k.on_command(Command::Pause, &mut out);
    // Told apart from a halt (the kill switch, the loss limit), though it refuses the same.
    assert_eq!(k.guardian().state(), TradingState::Paused);
    assert!(k.on_feed(&stamped(FeedEvent::Launch(launch(1)))).is_none());
    k.on_command(Command::Resume, &mut out);
    assert_eq!(k.guardian().state(), TradingState::Active);
    assert!(k.on_feed(&stamped(FeedEvent::Launch(launch(2)))).is_some());
    assert!(out.is_empty());
}

#[test]
fn kill_and_sell_all_sells_every_position_and_stops_entries() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let a = hold(&mut k, 1);
    let b = hold(&mut k, 2);
    let mut out = Vec::new();
    k.on_command(Command::Kill { sell_all: true }, &mut out);
    assert_eq!(k.guardian().state(), TradingState::Reducing);
    let mut sold_mints: Vec<Pubkey> = out.iter().map(|o| o.coin.mint).collect();
    sold_mints.sort();
    let mut held = vec![a, b];
    held.sort();
    assert_eq!(sold_mints, held);
    assert!(out.iter().all(|o| exit_reason(o) == ExitReason::Kill));
    assert!(k.on_feed(&stamped(FeedEvent::Launch(launch(3)))).is_none());
}

#[test]
fn a_sell_command_sells_its_share_and_never_overlaps_a_sell_in_flight() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let m = hold(&mut k, 1);
    let mut out = Vec::new();
    k.on_command(
        Command::Sell {
            mint: m,
            percent: 25,
        },
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(sold(&out[0]), TokenAmount(TOKENS / 4));
    assert_eq!(exit_reason(&out[0]), ExitReason::Manual);
    k.on_command(
        Command::Sell {
            mint: m,
            percent: 25,
        },
        &mut out,
    );
    assert_eq!(out.len(), 1);
}

// Restore.

#[test]
fn restore_puts_back_positions_orders_in_flight_the_state_and_numbering() {
    let (mut k, clock) = with_exits(stop_loss_only());
    let now = clock.now().0;
    let open = PositionRecord {
        mint: mint(1),
        quote: Quote::Sol,
        is_mayhem: false,
        creator: mint(11),
        bonding_curve: mint(101),
        token_2022: false,
        is_cashback: false,
        tokens: TOKENS,
        cost: COST_SOL + COST_FEES,
        realized: 0,
        opened_ns: now,
        peak_ratio: 10_000,
        levels_done: 0,
        reentries: 0,
        mark_sol: VSOL,
        mark_token: VTOKEN,
        high_sol: VSOL,
        high_token: VTOKEN,
        complete: false,
        closed_ns: None,
        updated_ns: now,
    };
    let buying = InFlight {
        quote: Quote::Sol,
        is_mayhem: false,
        id: 41,
        mint: mint(2),
        creator: mint(12),
        bonding_curve: mint(102),
        token_2022: true,
        is_cashback: false,
        side: TradeSide::Buy,
        spend_lamports: TEST_BUY.0,
        tokens: 0,
        why: "snipe".into(),
        level: 0,
        sends: vec![],
    };
    k.restore(&JournalState {
        open: vec![open],
        closed: vec![],
        in_flight: vec![buying],
        guardian: Some("halted".into()),
        today: (0, kestrel_model::PerQuote::default()),
        next_order_id: 42,
        wallet: None,
    });
    let p = k.book().position(&mint(1)).expect("restored");
    assert_eq!(p.tokens, TokenAmount(TOKENS));
    assert!(k.book().pending_buy(&mint(2)).is_some());
    assert_eq!(k.guardian().state(), TradingState::Halted);
    // Exits re-armed on the restored position, and orders numbered after the journal's.
    let o = price(&mut k, mint(1), 60, 1).expect("stop-loss after restore");
    assert_eq!(o.id, 42);
    assert_eq!(exit_reason(&o), ExitReason::StopLoss);
}

#[test]
fn reconcile_follows_the_chain_and_closes_a_position_it_no_longer_holds() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let a = hold(&mut k, 1);
    let b = hold(&mut k, 2);
    assert_eq!(k.reconcile(a, TokenAmount(TOKENS)), None);
    assert_eq!(
        k.reconcile(a, TokenAmount(TOKENS / 2)),
        Some(TokenAmount(TOKENS))
    );
    assert_eq!(
        k.book().position(&a).map(|p| p.tokens),
        Some(TokenAmount(TOKENS / 2))
    );
    assert_eq!(k.reconcile(b, TokenAmount(0)), Some(TokenAmount(TOKENS)));
    assert!(k.book().position(&b).is_none());
}

// Coins quoted in USDC.

#[test]
fn a_usdc_coin_is_bought_in_usdc_held_in_usdc_and_its_pnl_kept_apart_from_sol() {
    let (mut k, _) = kernel(TestKernel {
        sniper: SniperConfig {
            quote_mints: vec![Quote::Sol, Quote::Usdc],
            ..SniperConfig::test_default()
        },
        exits: stop_loss_only(),
        ..TestKernel::test_default()
    });
    let mut l = launch(1);
    l.quote = Quote::Usdc;
    let o = k
        .on_feed(&stamped(FeedEvent::Launch(l)))
        .expect("a USDC coin the sniper trades is bought");
    // In USDC, at the USDC size; the plan names the quote so the v2 instructions are built.
    assert_eq!(
        o.approved.intent().side,
        Side::Buy {
            quote: Quote::Usdc,
            spend: kestrel_testkit::TEST_BUY_USDC
        }
    );
    assert_eq!(o.coin.quote, Quote::Usdc);
    let wallet_before = k.book().wallet();
    k.on_report(ExecReport::Filled(Fill {
        quote: Quote::Usdc,
        quote_amount: QuoteAmount(1_480_000),
        fees: QuoteAmount(20_000),
        ..buy_fill(&o)
    }));
    let p = *k.book().position(&l.mint).expect("held");
    assert_eq!((p.quote, p.cost), (Quote::Usdc, QuoteAmount(1_500_000)));
    // USDC paid nothing in SOL but the network fee.
    assert_eq!(
        k.book().wallet(),
        wallet_before.saturating_sub(Lamports(5_000))
    );
    // Sold at a USDC gain: realized in USDC, SOL's result untouched.
    let s = sell(&mut k, l.mint, 100);
    assert_eq!(s.coin.quote, Quote::Usdc);
    k.on_report(ExecReport::Filled(Fill {
        quote: Quote::Usdc,
        quote_amount: QuoteAmount(2_020_000),
        fees: QuoteAmount(20_000),
        ..sell_fill(&s, 0)
    }));
    assert!(k.book().position(&l.mint).is_none());
    assert_eq!(k.book().realized().usdc, 2_000_000 - 1_500_000);
    assert_eq!(k.book().realized().sol, 0);
}

#[test]
fn a_usdc_coin_is_skipped_for_its_quote_when_the_sniper_trades_sol_only() {
    let (mut k, _) = kernel(TestKernel::test_default());
    let mut l = launch(1);
    l.quote = Quote::Usdc;
    assert!(k.on_feed(&stamped(FeedEvent::Launch(l))).is_none());
    assert_eq!(k.sniper().skipped(SkipReason::QuoteMint), 1);
    assert_eq!(
        k.book().pending().count(),
        0,
        "no instruction of any kind was made"
    );
}
