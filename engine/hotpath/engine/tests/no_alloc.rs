//! The decision path, as the engine runs it (`Kernel::on_feed`: sniper, guardian, the book's
//! pending buys, counters and latency histograms), allocates nothing per event: a counting
//! global allocator watches thousands of launches and trades, bought, skipped and refused,
//! then trades on held mints running every exit rule (and firing take-profits). The inline
//! layout's step (`Hot::on_event`, which the hot thread runs on every frame: the kernel, and
//! the executor for an order) is held to the same for every event that decides no order.

#![allow(clippy::unwrap_used, clippy::panic)]

use kestrel_engine::order::{ExecReport, Fill};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_guardian::exits::ExitRules;
use kestrel_guardian::{Limits, Reason};
use kestrel_model::InlineStr;
use kestrel_sniper::{FlagRule, Pattern, SkipReason, SniperConfig};
use kestrel_testkit::TestDefault;
use kestrel_testkit::alloc::{CountingAllocator, allocations};
use kestrel_testkit::clock::TestClock;
use kestrel_testkit::frames::launch_and_trade;
use kestrel_testkit::kernel::TestKernel;
use kestrel_units::{Lamports, TokenAmount};
use solana_pubkey::Pubkey;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// The allocation count is the process's: the tests take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn the_kernel_allocates_nothing_per_event() {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The real create + buy, decoded once; each test event gets its own mint.
    let (launch, trade) = launch_and_trade().unwrap();

    let max_open = 100u32;
    let mut kernel = TestKernel {
        sniper: SniperConfig {
            name_deny: vec![Pattern::new("scam")],
            mayhem: FlagRule::Forbid,
            ..SniperConfig::test_default()
        },
        limits: Limits {
            max_open_positions: max_open,
            sol_reserve: Lamports(1_000_000_000),
            ..Limits::test_default()
        },
        exits: ExitRules::test_default(),
        capacity: 2 * max_open as usize,
        ..TestKernel::test_default()
    }
    .build(TestClock::default());

    // Stamped as the feed would, now: the decide stage's latency (decided − read) then stays
    // within the histogram's range. Stamps from the process's start made it grow with the
    // process's age, and a resize under a loaded machine counted as an allocation.
    let t0 = kestrel_model::mono_nanos();
    let events: Vec<Stamped> = (0..4_000u64)
        .map(|i| {
            let mut l = launch;
            l.mint = Pubkey::new_unique();
            if i % 3 == 0 {
                l.name = InlineStr::new("Scam Coin");
            }
            let event = if i % 4 == 3 {
                let mut t = trade;
                t.mint = l.mint;
                FeedEvent::Trade(t)
            } else {
                FeedEvent::Launch(l)
            };
            Stamped {
                event,
                endpoint: 0,
                read_at: t0 + i,
                decoded_at: t0 + i + 1,
            }
        })
        .collect();

    let mut orders = Vec::with_capacity(max_open as usize);
    let before = allocations();
    for s in &events {
        if let Some(o) = kernel.on_feed(s) {
            orders.push(o);
        }
    }
    let allocated = allocations() - before;
    let orders_made = orders.len() as u32;
    assert_eq!(orders_made, max_open, "bought up to the position limit");
    assert!(kernel.sniper().skipped(SkipReason::NameDenied) > 0);
    assert!(
        kernel
            .guardian()
            .refusals(&Reason::TooManyPositions { open: 0, max: 0 })
            > 0
    );
    assert_eq!(
        allocated,
        0,
        "{allocated} allocations over {} events",
        events.len()
    );

    // The buys fill (outside the count: fills publish views and may log), then trades on the
    // held mints run every exit rule: in-band prices, and a jump that fires a take-profit.
    for o in &orders {
        kernel.on_report(ExecReport::Filled(Fill {
            order: o.id,
            why: o.why,
            mint: o.coin.mint,
            is_buy: true,
            tokens: TokenAmount(300_000_000_000),
            quote: kestrel_model::Quote::Sol,
            quote_amount: kestrel_units::QuoteAmount(9_800_000),
            fees: kestrel_units::QuoteAmount(122_500),
            network_fee: Lamports(5_000),
            wallet_delta: -9_927_500,
            reserves_after: o.reserves,
            signature: InlineStr::new("fill"),
            slot: 1,
        }));
    }
    let other = Pubkey::new_unique();
    let marks: Vec<Stamped> = orders
        .iter()
        .flat_map(|o| {
            (0..20u64).map(move |i| {
                let mut t = trade;
                t.mint = o.coin.mint;
                t.user = other;
                // Trades after the buy's fill (slot 1): marks only move forward in time.
                t.slot = 2 + i;
                // The last one doubles the price: the take-profit fires.
                t.virtual_quote_reserves = if i == 19 {
                    kestrel_units::QuoteAmount(trade.virtual_quote_reserves.0 * 2)
                } else {
                    kestrel_units::QuoteAmount(trade.virtual_quote_reserves.0 + i * 1_000_000)
                };
                Stamped {
                    event: FeedEvent::Trade(t),
                    endpoint: 0,
                    read_at: i,
                    decoded_at: i + 1,
                }
            })
        })
        .collect();
    let before = allocations();
    let mut sells = 0u32;
    for s in &marks {
        if kernel.on_feed(s).is_some() {
            sells += 1;
        }
    }
    let allocated = allocations() - before;
    assert_eq!(sells, max_open, "one take-profit per position");
    assert_eq!(
        allocated,
        0,
        "{allocated} allocations over {} trades on held mints",
        marks.len()
    );
}

#[test]
fn the_inline_step_allocates_nothing_for_events_that_decide_no_order() {
    use kestrel_engine::engine::inline_thread::Hot;
    use kestrel_engine::inbox::Inbox;
    use kestrel_engine::metrics::Metrics;
    use kestrel_engine::pipeline::dispatcher::{ConfirmPolicy, Dispatcher};
    use kestrel_engine::pipeline::sign::{ExecSettings, Executor};
    use kestrel_exec::blockhash::Recent;
    use kestrel_exec::{BlockhashCache, Broadcaster, Wallet};
    use kestrel_model::SystemClock;
    use std::sync::Arc;

    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (launch, trade) = launch_and_trade().unwrap();
    let max_open = 20u32;
    let metrics = Arc::new(Metrics::new());
    let kernel = TestKernel {
        sniper: SniperConfig {
            name_deny: vec![Pattern::new("scam")],
            ..SniperConfig::test_default()
        },
        limits: Limits {
            max_open_positions: max_open,
            sol_reserve: Lamports(1_000_000_000),
            ..Limits::test_default()
        },
        exits: ExitRules::test_default(),
        capacity: 2 * max_open as usize,
        metrics: metrics.clone(),
        ..TestKernel::test_default()
    }
    .build(SystemClock);
    let wallet = Arc::new(Wallet::ephemeral());
    let blockhash = Arc::new(BlockhashCache::new());
    blockhash.set(Recent {
        hash: solana_hash::Hash::new_from_array([7; 32]),
        last_valid_block_height: 1_000,
        fetched_at: 0,
    });
    let executor = Executor::new(
        wallet.clone(),
        ExecSettings {
            fees: kestrel_exec::tx::FeeSettings::default(),
            buy_cu_limit: 120_000,
            sell_cu_limit: 100_000,
            nonces_ahead: false,
        },
        blockhash.clone(),
        metrics.clone(),
    );
    let (reports, _unread) = crossbeam_channel::bounded(64);
    let dispatcher = Dispatcher::new(
        Broadcaster::new(reqwest::Client::new(), Vec::new(), Default::default()),
        Vec::new(),
        None,
        Inbox::new(reports, None),
        wallet,
        blockhash,
        ConfirmPolicy::default(),
        metrics.clone(),
        None,
    );
    // Paper: each order is signed, and its simulated fill goes straight back to the kernel.
    let mut hot = Hot::new(kernel, executor, dispatcher, true, metrics.clone());
    let exits = || -> u64 {
        metrics
            .exits
            .iter()
            .map(|e| e.load(std::sync::atomic::Ordering::Relaxed))
            .sum()
    };
    let t0 = kestrel_model::mono_nanos();
    let stamp = |event, i: u64| Stamped {
        event,
        endpoint: 0,
        read_at: t0 + i,
        decoded_at: t0 + i + 1,
    };

    // Bought up to the position limit (outside the count: signing and fills allocate).
    let mut held = Vec::new();
    for i in 0..u64::from(max_open) {
        let mut l = launch;
        l.mint = Pubkey::new_unique();
        hot.on_event(&stamp(FeedEvent::Launch(l), i));
        held.push(l.mint);
    }
    assert_eq!(hot.kernel().book().positions().count() as u32, max_open);

    // Then every kind of event that decides nothing: launches skipped by name and refused
    // for the position limit, trades on held mints at the price they were bought at (every
    // exit rule evaluated, none firing), trades on mints not held.
    let events: Vec<Stamped> = (0..3_000u64)
        .map(|i| {
            let event = match i % 4 {
                0 | 1 => {
                    let mut l = launch;
                    l.mint = Pubkey::new_unique();
                    if i % 4 == 0 {
                        l.name = InlineStr::new("Scam Coin");
                    }
                    FeedEvent::Launch(l)
                }
                2 => {
                    let mut t = trade;
                    t.mint = held[(i as usize / 4) % held.len()];
                    t.user = Pubkey::new_unique();
                    t.slot = 10 + i;
                    t.virtual_quote_reserves = launch.virtual_quote_reserves;
                    t.virtual_token_reserves = launch.virtual_token_reserves;
                    FeedEvent::Trade(t)
                }
                _ => {
                    let mut t = trade;
                    t.mint = Pubkey::new_unique();
                    FeedEvent::Trade(t)
                }
            };
            stamp(event, 100 + i)
        })
        .collect();
    let before = allocations();
    for s in &events {
        hot.on_event(s);
    }
    let allocated = allocations() - before;
    assert_eq!(exits(), 0, "no exit fired");
    assert_eq!(hot.kernel().book().positions().count() as u32, max_open);
    assert!(hot.kernel().sniper().skipped(SkipReason::NameDenied) > 0);
    assert!(
        hot.kernel()
            .guardian()
            .refusals(&Reason::TooManyPositions { open: 0, max: 0 })
            > 0
    );
    assert_eq!(
        allocated,
        0,
        "{allocated} allocations over {} events",
        events.len()
    );
}
