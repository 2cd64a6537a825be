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
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kestrel_engine::kernel::Kernel;
use kestrel_engine::order::{ExecReport, Fill, Why};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_guardian::exits::{ExitRules, ExitTracker, Holding, Mark};
use kestrel_model::{CurveTrade, LaunchEvent, SignatureText, SystemClock};
use kestrel_pump::curve::Reserves;
use kestrel_store::{
    FillRecord, Journal, OrderRecord, PositionRecord, Record, SendLog, SendRecord, Sync, TradeSide,
};
use kestrel_testkit::TestDefault;
use kestrel_testkit::frames::{launch_and_trade, stamped};
use kestrel_testkit::kernel::TestKernel;
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

fn fixture() -> (LaunchEvent, CurveTrade) {
    launch_and_trade().unwrap_or_else(|| std::process::exit(1))
}

fn kernel() -> Kernel<SystemClock> {
    TestKernel {
        exits: ExitRules::test_default(),
        ..TestKernel::test_default()
    }
    .build(SystemClock)
}

fn reserves(t: &CurveTrade) -> Reserves {
    Reserves {
        virtual_token: t.virtual_token_reserves,
        virtual_quote: t.virtual_quote_reserves,
        real_token: t.real_token_reserves,
        real_quote: t.real_quote_reserves,
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
        quote: kestrel_model::Quote::Sol,
        quote_amount: QuoteAmount(9_800_000),
        fees: QuoteAmount(122_500),
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
            // The fill's slot: each trade moves the mark, as a live one would.
            t.slot = 1;
            t.virtual_quote_reserves =
                QuoteAmount(trade.virtual_quote_reserves.0 + (i % 8) * 10_000_000);
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
    let r = ExitRules::test_default();
    let mut tracker = ExitTracker::default();
    let holding = Holding {
        tokens: TokenAmount(300_000_000_000),
        cost: QuoteAmount(9_922_500),
        held_for: Duration::from_secs(5),
    };
    g.bench_function("rules", |b| {
        b.iter(|| {
            i = (i + 1) % 8;
            let mark = Mark {
                virtual_quote: QuoteAmount(31_000_000_000 + i as u64 * 10_000_000),
                virtual_token: TokenAmount(1_040_000_000_000_000),
                real_quote: QuoteAmount(1_000_000_000),
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
            quote: kestrel_model::Quote::Sol,
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
            is_mayhem: false,
            quote: kestrel_model::Quote::Sol,
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
        is_mayhem: false,
        quote: kestrel_model::Quote::Sol,
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
