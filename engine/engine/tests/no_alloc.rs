//! The strategy thread's decision path, as the engine runs it (`Kernel::on_feed`: sniper,
//! guardian, the book's pending buys, counters and latency histograms), allocates nothing per
//! event: a counting global allocator watches thousands of launches and trades, bought,
//! skipped and refused.

// A global allocator is `unsafe impl`; it only counts and forwards to the system allocator.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kestrel_engine::book::Book;
use kestrel_engine::kernel::{Kernel, KernelParts, SellSettings};
use kestrel_engine::metrics::Metrics;
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_guardian::exits::ExitRules;
use kestrel_guardian::{Guardian, Limits, Reason};
use kestrel_model::{InlineStr, SystemClock, Timestamp};
use kestrel_pump::curve::FeeRates;
use kestrel_reentry::{Reentry, ReentryConfig};
use kestrel_sniper::{FlagRule, Pattern, SkipReason, Sniper, SniperConfig};
use kestrel_units::{Bps, Lamports};
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
            exits: ExitRules::default(),
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

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut orders = 0u32;
    for s in &events {
        if kernel.on_feed(s).is_some() {
            orders += 1;
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(orders, max_open, "bought up to the position limit");
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
}
