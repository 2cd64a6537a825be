//! The strategy thread's decision path, as the engine runs it (`Kernel::on_feed`: sniper,
//! guardian, the book's pending buys, counters and latency histograms), allocates nothing per
//! event: a counting global allocator watches thousands of launches and trades, bought,
//! skipped and refused, then trades on held mints running every exit rule (and firing
//! take-profits).

// A global allocator is `unsafe impl`; it only counts and forwards to the system allocator.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kestrel_engine::book::Book;
use kestrel_engine::kernel::{Kernel, KernelParts, SellSettings};
use kestrel_engine::metrics::Metrics;
use kestrel_engine::order::{ExecReport, Fill};
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_guardian::exits::{ExitRules, TakeProfit, Trailing};
use kestrel_guardian::{Guardian, Limits, Reason};
use kestrel_model::{InlineStr, SystemClock, Timestamp};
use kestrel_pump::curve::FeeRates;
use kestrel_reentry::{Reentry, ReentryConfig};
use kestrel_sniper::{FlagRule, Pattern, SkipReason, Sniper, SniperConfig};
use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_pubkey::Pubkey;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to `System` unchanged; the counter has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const FRAME: &str =
    include_str!("../../../tests/fixtures/pump/logsNotification_pump_create_COMPOSED.json");

#[test]
fn the_kernel_allocates_nothing_per_event() {
    // The real create + buy, decoded once; each test event gets its own mint.
    let Ok(kestrel_decode::frame::Frame::Logs(n)) = kestrel_decode::frame::parse_frame(FRAME)
    else {
        panic!("fixture")
    };
    let mut launch = None;
    let mut trade = None;
    Extractor::new().logs(&n, Timestamp(1), |e| match e {
        Extracted::Launch(l) => launch = Some(l),
        Extracted::Trade(t) => trade = Some(t),
    });
    let (launch, trade) = (launch.unwrap(), trade.unwrap());

    let max_open = 100u32;
    let mut kernel = Kernel::new(
        KernelParts {
            sniper: Sniper::new(SniperConfig {
                name_allow: vec![],
                name_deny: vec![Pattern::new("scam")],
                symbol_allow: vec![],
                symbol_deny: vec![],
                creator_allow: vec![],
                creator_deny: vec![],
                token_program: None,
                mayhem: FlagRule::Forbid,
                cashback: FlagRule::Any,
                creator_buy: None,
                max_market_cap: None,
                max_launches_per_minute: 0,
                buy_size: Lamports(10_000_000),
                slippage: Bps(1_000),
                cu_price_micro_lamports: 1_000,
            }),
            guardian: Guardian::new(
                Limits {
                    max_sol_per_trade: Lamports(10_000_000),
                    max_total_exposure: Lamports(100_000_000_000),
                    max_open_positions: max_open,
                    max_exposure_per_creator: Lamports(100_000_000_000),
                    sol_reserve: Lamports(1_000_000_000),
                    max_slippage: Bps(2_000),
                    max_cu_price: 1_000_000,
                    daily_loss_limit: None,
                },
                vec![],
                vec![],
            ),
            reentry: Reentry::new(ReentryConfig::default(), Pubkey::default()),
            exits: {
                let mut r = ExitRules {
                    take_profit: vec![TakeProfit {
                        gain: Bps(5_000),
                        percent: 50,
                    }],
                    stop_loss: Some(Bps(3_000)),
                    trailing: Some(Trailing {
                        arm: Bps(5_000),
                        trail: Bps(2_000),
                    }),
                    max_hold: Some(std::time::Duration::from_secs(3_600)),
                    creator_sells: true,
                    liquidity_drain: Some(Bps(5_000)),
                };
                r.validate().unwrap();
                r
            },
            book: Book::new(Lamports(1_000_000_000_000), 2 * max_open as usize),
            rates: FeeRates {
                protocol: Bps(95),
                creator: Bps(30),
            },
            sell: SellSettings {
                slippage: Bps(2_000),
                cu_price_micro_lamports: 1_000,
            },
            metrics: Arc::new(Metrics::new()),
            feed: None,
            journal: None,
        },
        SystemClock,
    );

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
                read_at: i,
                decoded_at: i + 1,
            }
        })
        .collect();

    let mut orders = Vec::with_capacity(max_open as usize);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for s in &events {
        if let Some(o) = kernel.on_feed(s) {
            orders.push(o);
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
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
        allocations,
        0,
        "{allocations} allocations over {} events",
        events.len()
    );

    // The buys fill (outside the count: fills publish views and may log), then trades on the
    // held mints run every exit rule: in-band prices, and a jump that fires a take-profit.
    for o in &orders {
        kernel.on_report(ExecReport::Filled(Fill {
            order: o.id,
            why: o.why,
            mint: o.mint.mint,
            is_buy: true,
            tokens: TokenAmount(300_000_000_000),
            sol: Lamports(9_800_000),
            fees: Lamports(122_500),
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
                t.mint = o.mint.mint;
                t.user = other;
                // The last one doubles the price: the take-profit fires.
                t.virtual_sol_reserves = if i == 19 {
                    Lamports(trade.virtual_sol_reserves.0 * 2)
                } else {
                    Lamports(trade.virtual_sol_reserves.0 + i * 1_000_000)
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
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut sells = 0u32;
    for s in &marks {
        if kernel.on_feed(s).is_some() {
            sells += 1;
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(sells, max_open, "one take-profit per position");
    assert_eq!(
        allocations,
        0,
        "{allocations} allocations over {} trades on held mints",
        marks.len()
    );
}
