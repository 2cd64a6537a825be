//! Positions, each beside a baseline in the same run:
//! - `exits/kernel_trade_held`: a trade event on a held mint through `Kernel::on_feed`: the
//!   mark, the high, and every exit rule (take-profit levels, stop-loss, trailing, hold time,
//!   creator, liquidity). Baseline: a trade on a mint not held (the least a trade costs).
//!   `exits/rules` is the rule evaluation alone.
//! - `journal/throughput`: 10 000 fill records through the journal's writer thread (batched
//!   transactions, WAL), to committed. Baseline: the ordinary way, one autocommitted INSERT
//!   per record on the caller's thread.
//! - `journal/send_log_append`: what the hot path pays before a broadcast: the order and its
//!   signed transaction appended to the send log. `journal/durable_commit` is the writer
//!   thread's round trip for one record (what the hot path would pay without the send log).
//!   Baseline: one INSERT committed on the caller's own SQLite connection.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kestrel_benches::create_buy_frame_compact;
use kestrel_decode::frame::{Frame, parse_frame};
use kestrel_engine::book::Book;
use kestrel_engine::kernel::{Kernel, KernelParts, SellSettings};
use kestrel_engine::metrics::Metrics;
use kestrel_engine::order::{ExecReport, Fill, Why};
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_guardian::exits::{ExitRules, ExitTracker, Holding, Mark, TakeProfit, Trailing};
use kestrel_guardian::{Guardian, Limits};
use kestrel_model::{LaunchEvent, SignatureText, SystemClock, Timestamp, TradeEvent};
use kestrel_pump::curve::{FeeRates, Reserves};
use kestrel_reentry::{Reentry, ReentryConfig};
use kestrel_sniper::{FlagRule, Sniper, SniperConfig};
use kestrel_store::{
    FillRecord, Journal, OrderRecord, PositionRecord, Record, SendLog, SendRecord, Sync, TradeSide,
};
use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_pubkey::Pubkey;

fn rules() -> ExitRules {
    let mut r = ExitRules {
        take_profit: vec![
            TakeProfit {
                gain: Bps(5_000),
                percent: 50,
            },
            TakeProfit {
                gain: Bps(15_000),
                percent: 100,
            },
        ],
        stop_loss: Some(Bps(3_000)),
        trailing: Some(Trailing {
            arm: Bps(5_000),
            trail: Bps(2_000),
        }),
        max_hold: Some(Duration::from_secs(3_600)),
        creator_sells: true,
        liquidity_drain: Some(Bps(5_000)),
    };
    let _ = r.validate();
    r
}

fn fixture() -> (LaunchEvent, TradeEvent) {
    let frame = create_buy_frame_compact();
    let Ok(Frame::Logs(n)) = parse_frame(&frame) else {
        std::process::exit(1)
    };
    let (mut launch, mut trade) = (None, None);
    Extractor::new().logs(&n, Timestamp(1), |e| match e {
        Extracted::Launch(l) => launch = Some(l),
        Extracted::Trade(t) => trade = Some(t),
    });
    match (launch, trade) {
        (Some(l), Some(t)) => (l, t),
        _ => std::process::exit(1),
    }
}

fn kernel() -> Kernel<SystemClock> {
    Kernel::new(
        KernelParts {
            sniper: Sniper::new(SniperConfig {
                name_allow: vec![],
                name_deny: vec![],
                symbol_allow: vec![],
                symbol_deny: vec![],
                creator_allow: vec![],
                creator_deny: vec![],
                token_program: None,
                mayhem: FlagRule::Any,
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
                    max_open_positions: 100,
                    max_exposure_per_creator: Lamports(100_000_000_000),
                    sol_reserve: Lamports(0),
                    max_slippage: Bps(2_000),
                    max_cu_price: 1_000_000,
                    daily_loss_limit: None,
                },
                vec![],
                vec![],
            ),
            reentry: Reentry::new(ReentryConfig::default(), Pubkey::default()),
            exits: rules(),
            book: Book::new(Lamports(1_000_000_000_000), 256),
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
    )
}

fn stamped(event: FeedEvent) -> Stamped {
    Stamped {
        event,
        endpoint: 0,
        read_at: 0,
        decoded_at: 0,
    }
}

fn reserves(t: &TradeEvent) -> Reserves {
    Reserves {
        virtual_token: t.virtual_token_reserves,
        virtual_sol: t.virtual_sol_reserves,
        real_token: t.real_token_reserves,
        real_sol: t.real_sol_reserves,
    }
}

fn exits(c: &mut Criterion) {
    let (launch, trade) = fixture();
    let mut k = kernel();
    // A held position: the launch bought, the buy filled.
    let Some(order) = k.on_feed(&stamped(FeedEvent::Launch(launch))) else {
        return;
    };
    k.on_report(ExecReport::Filled(Fill {
        order: order.id,
        why: Why::Snipe,
        mint: launch.mint,
        is_buy: true,
        tokens: TokenAmount(300_000_000_000),
        sol: Lamports(9_800_000),
        fees: Lamports(122_500),
        network_fee: Lamports(5_000),
        wallet_delta: -9_927_500,
        reserves_after: reserves(&trade),
        signature: SignatureText::new("bench"),
        slot: 1,
    }));
    // Trades on the held mint by someone else, the price wobbling inside every band.
    let other = Pubkey::new_unique();
    let held: Vec<Stamped> = (0..64u64)
        .map(|i| {
            let mut t = trade;
            t.mint = launch.mint;
            t.user = other;
            t.virtual_sol_reserves = Lamports(trade.virtual_sol_reserves.0 + (i % 8) * 10_000_000);
            stamped(FeedEvent::Trade(t))
        })
        .collect();
    let unheld: Vec<Stamped> = held
        .iter()
        .map(|s| {
            let mut s = *s;
            if let FeedEvent::Trade(t) = &mut s.event {
                t.mint = Pubkey::new_unique();
            }
            s
        })
        .collect();
    let mut g = c.benchmark_group("exits");
    let mut i = 0usize;
    g.bench_function("kernel_trade_held", |b| {
        b.iter(|| {
            i = (i + 1) % held.len();
            black_box(k.on_feed(&held[i]).is_some())
        })
    });
    g.bench_function("baseline_kernel_trade_unheld", |b| {
        b.iter(|| {
            i = (i + 1) % unheld.len();
            black_box(k.on_feed(&unheld[i]).is_some())
        })
    });
    let r = rules();
    let mut tracker = ExitTracker::default();
    let holding = Holding {
        tokens: TokenAmount(300_000_000_000),
        cost: Lamports(9_922_500),
        held_for: Duration::from_secs(5),
    };
    g.bench_function("rules", |b| {
        b.iter(|| {
            i = (i + 1) % 8;
            let mark = Mark {
                virtual_sol: Lamports(31_000_000_000 + i as u64 * 10_000_000),
                virtual_token: TokenAmount(1_040_000_000_000_000),
                real_sol: Lamports(1_000_000_000),
            };
            black_box(tracker.evaluate(&r, &mark, &holding, false))
        })
    });
    g.finish();
}

fn fill_record(n: u64) -> Record {
    let mint = Pubkey::new_from_array([(n % 251) as u8; 32]);
    Record::Fill {
        fill: FillRecord {
            signature: SignatureText::new(&format!("{n:0>88}")),
            order_id: n,
            mint,
            side: TradeSide::Buy,
            tokens: 300_000_000_000,
            sol_lamports: 9_800_000,
            fee_lamports: 122_500,
            network_fee: 5_000,
            wallet_delta: -9_927_500,
            realized: 0,
            slot: n,
            at_ns: 1_763_769_600_000_000_000 + n,
        },
        position: PositionRecord {
            mint,
            creator: mint,
            bonding_curve: mint,
            token_2022: false,
            is_cashback: false,
            tokens: 300_000_000_000,
            cost: 9_922_500,
            realized: 0,
            opened_ns: n,
            peak_ratio: 10_000,
            levels_done: 0,
            reentries: 0,
            mark_sol: 31_000_000_000,
            mark_token: 1_040_000_000_000_000,
            high_sol: 31_000_000_000,
            high_token: 1_040_000_000_000_000,
            complete: false,
            closed_ns: None,
            updated_ns: n,
        },
        cause: "snipe",
    }
}

/// The ordinary way: a connection on the caller's thread, one autocommitted INSERT each.
fn plain_db(path: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap_or_else(|_| std::process::exit(1));
    let _ = c.pragma_update(None, "journal_mode", "WAL");
    let _ = c.pragma_update(None, "synchronous", "NORMAL");
    let _ = c.execute_batch(
        "CREATE TABLE IF NOT EXISTS fills (signature TEXT PRIMARY KEY, order_id INTEGER,
         mint TEXT, side TEXT, tokens INTEGER, sol INTEGER, fee INTEGER, network INTEGER,
         delta INTEGER, realized INTEGER, slot INTEGER, at_ns INTEGER)",
    );
    c
}

fn plain_insert(c: &rusqlite::Connection, n: u64) {
    let _ = c.execute(
        "INSERT OR REPLACE INTO fills VALUES (?1, ?2, ?3, 'buy', 300000000000, 9800000, 122500,
         5000, -9927500, 0, ?2, ?2)",
        rusqlite::params![
            format!("{n:0>88}"),
            n as i64,
            Pubkey::new_from_array([(n % 251) as u8; 32]).to_string()
        ],
    );
}

fn journal(c: &mut Criterion) {
    const N: u64 = 10_000;
    let dir = tempfile::tempdir().unwrap_or_else(|_| std::process::exit(1));
    let mut g = c.benchmark_group("journal");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    let mut run = 0u64;
    g.bench_function("throughput", |b| {
        b.iter_batched(
            || {
                run += 1;
                Journal::open(&dir.path().join(format!("t{run}.db")), Sync::Normal)
                    .unwrap_or_else(|_| std::process::exit(1))
            },
            |j| {
                for n in 0..N {
                    j.record(fill_record(n));
                }
                let _ = j.flush();
                j.close();
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("baseline_autocommit", |b| {
        b.iter_batched(
            || {
                run += 1;
                plain_db(&dir.path().join(format!("p{run}.db")))
            },
            |c| {
                for n in 0..N {
                    plain_insert(&c, n);
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("journal");
    let j = Journal::open(&dir.path().join("durable.db"), Sync::Normal)
        .unwrap_or_else(|_| std::process::exit(1));
    let mut n = 0u64;
    let log = SendLog::open(&dir.path().join("bench.sends"), Sync::Normal)
        .unwrap_or_else(|_| std::process::exit(1));
    let order = OrderRecord {
        id: 1,
        mint: Pubkey::new_unique(),
        creator: Pubkey::new_unique(),
        bonding_curve: Pubkey::new_unique(),
        token_2022: false,
        is_cashback: false,
        side: TradeSide::Buy,
        spend_lamports: 10_000_000,
        tokens: 0,
        why: kestrel_store::Name::new("snipe"),
        level: 0,
        slippage_bps: 1_500,
        cu_price: 100_000,
        at_ns: 1,
    };
    let sig = SignatureText::new(&"5".repeat(88));
    g.bench_function("send_log_append", |b| {
        b.iter(|| {
            n += 1;
            black_box(log.append(
                &order,
                &SendRecord {
                    order_id: n,
                    signature: sig,
                    blockhash: solana_hash::Hash::new_from_array([7; 32]),
                    last_valid_block: n,
                    at_ns: n,
                },
            ))
        })
    });
    g.bench_function("durable_commit", |b| {
        b.iter(|| {
            n += 1;
            black_box(j.durable(Record::Send(SendRecord {
                order_id: n,
                signature: SignatureText::new(&format!("{n:0>88}")),
                blockhash: solana_hash::Hash::new_from_array([7; 32]),
                last_valid_block: n,
                at_ns: n,
            })))
        })
    });
    let plain = plain_db(&dir.path().join("plain-durable.db"));
    g.bench_function("baseline_durable_insert", |b| {
        b.iter(|| {
            n += 1;
            plain_insert(&plain, n);
        })
    });
    g.finish();
    j.close();
}

criterion_group!(benches, exits, journal);
criterion_main!(benches);
