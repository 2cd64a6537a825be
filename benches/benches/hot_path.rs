//! The hot path in process, each beside a baseline written the ordinary way, same run:
//! - `build_sign`: a buy transaction built and signed from a launch, to wire bytes and the
//!   `sendTransaction` body. Baseline: every PDA by solana-pubkey's `find_program_address`,
//!   `Transaction::new_signed_with_payer`, bincode, base64, a serde_json request.
//! - `frame_to_signed`: a logsNotification frame in, the signed request body out, through the
//!   engine's own stages (parse, extract, `Kernel::on_feed`, `Executor::prepare`). Baseline:
//!   the frame parsed as solana-pubsub-client does (a `Value`, then
//!   `Response<RpcLogsResponse>`), each `Program data:` line base64-decoded and decoded by
//!   discriminator, then the baseline build and sign.
//! - `frame_to_signed/kestrel_hinted`: the same path timed as the engine runs it: the feed
//!   hints the launch to the execution thread, which derives its accounts and compiles the buy
//!   while the strategy decides, and the signature's nonce was made in an idle moment before;
//!   that work is off the critical path and not timed (its cost is `sign/make_nonce` and the
//!   difference to `frame_to_signed/kestrel`, which does everything serially).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use hdrhistogram::Histogram;
use kestrel_benches::create_buy_frame_compact;
use kestrel_decode::frame::{Frame, parse_frame, parse_frame_json};
use kestrel_decode::pump::{PumpEvent, decode_event};
use kestrel_engine::kernel::Kernel;
use kestrel_engine::metrics::Metrics;
use kestrel_engine::order::{ExecReport, FailReason, Order};
use kestrel_engine::pipeline::sign::{ExecSettings, Executor};
use kestrel_exec::tx::{self, Budget, FeeSettings, MintInfo, TradePlan};
use kestrel_exec::{BlockhashCache, Recent, Wallet};
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_guardian::Limits;
use kestrel_model::{LaunchEvent, SignatureText, SystemClock, Timestamp, mono_nanos};
use kestrel_pump::ids::{
    ASSOCIATED_TOKEN_PROGRAM, BUYBACK_FEE_RECIPIENT_0, FEE_RECIPIENT_0, PUMP_PROGRAM, TOKEN_PROGRAM,
};
use kestrel_pump::instruction::{self as pump_ix, TradeAccounts, TradeInputs};
use kestrel_pump::pda;
use kestrel_sniper::{FlagRule, SniperConfig};
use kestrel_testkit::TestDefault;
use kestrel_testkit::kernel::TestKernel;
use kestrel_units::{Lamports, TokenAmount};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client_api::response::{Response, RpcLogsResponse};
use solana_signer::Signer;
use solana_transaction::Transaction;

const BUY: Lamports = Lamports(50_000_000);

fn keypair() -> Keypair {
    Keypair::new_from_array([7; 32])
}

/// The ordinary build: derive everything, let solana-sdk compile and sign, serialize the way
/// RpcClient does (bincode, base64, a serde_json request).
fn baseline_build_sign(payer: &Keypair, mint: Pubkey, creator: Pubkey, hash: Hash) -> usize {
    // Every account derived with solana-pubkey's own `find_program_address`.
    let pda = |seeds: &[&[u8]], program: &Pubkey| Pubkey::find_program_address(seeds, program).0;
    let user = payer.pubkey();
    let bonding_curve = pda(&[b"bonding-curve", mint.as_ref()], &PUMP_PROGRAM);
    let ata = |owner: &Pubkey| {
        pda(
            &[owner.as_ref(), TOKEN_PROGRAM.as_ref(), mint.as_ref()],
            &ASSOCIATED_TOKEN_PROGRAM,
        )
    };
    let accounts = TradeAccounts {
        inputs: TradeInputs {
            mint,
            user,
            creator,
            token_program: TOKEN_PROGRAM,
            fee_recipient: FEE_RECIPIENT_0,
            buyback_fee_recipient: BUYBACK_FEE_RECIPIENT_0,
            is_cashback_coin: false,
        },
        bonding_curve,
        associated_bonding_curve: ata(&bonding_curve),
        associated_user: ata(&user),
        creator_vault: pda(&[b"creator-vault", creator.as_ref()], &PUMP_PROGRAM),
        user_volume_accumulator: pda(&[b"user_volume_accumulator", user.as_ref()], &PUMP_PROGRAM),
        bonding_curve_v2: pda(&[b"bonding-curve-v2", mint.as_ref()], &PUMP_PROGRAM),
    };
    let ixs = [
        pump_ix::set_compute_unit_limit(120_000),
        pump_ix::set_compute_unit_price(100_000),
        pump_ix::ata_create_idempotent(
            &payer.pubkey(),
            &accounts.associated_user,
            &payer.pubkey(),
            &mint,
            &TOKEN_PROGRAM,
        ),
        pump_ix::buy_exact_sol_in(&accounts, BUY, TokenAmount(1), true),
    ];
    let tx = Transaction::new_signed_with_payer(&ixs, Some(&payer.pubkey()), &[payer], hash);
    let wire = bincode::serialize(&tx).unwrap_or_default();
    let body = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "sendTransaction",
        "params": [STANDARD.encode(&wire), {"encoding": "base64", "skipPreflight": true}],
    })
    .to_string();
    body.len()
}

/// The launch as a USDC-quoted coin at the start of its curve (4 000 USDC virtual, the local
/// cluster's Global figure).
fn as_usdc(l: &mut LaunchEvent) {
    l.quote = kestrel_model::Quote::Usdc;
    l.virtual_quote_reserves = kestrel_units::QuoteAmount(4_000_000_000);
}

/// [`kernel`] trading USDC coins too, 1.5 USDC a buy.
fn kernel_usdc() -> Kernel<SystemClock> {
    kernel_for(vec![kestrel_model::Quote::Sol, kestrel_model::Quote::Usdc])
}

fn kernel() -> Kernel<SystemClock> {
    kernel_for(vec![kestrel_model::Quote::Sol])
}

/// The benches' kernel buying in `quote_mints`: [`BUY`] a SOL coin, the kit's USDC size a
/// USDC one.
fn kernel_for(quote_mints: Vec<kestrel_model::Quote>) -> Kernel<SystemClock> {
    TestKernel {
        sniper: SniperConfig {
            quote_mints,
            mayhem: FlagRule::Forbid,
            buy_size: kestrel_model::PerQuote {
                sol: kestrel_units::QuoteAmount::from(BUY),
                usdc: kestrel_testkit::TEST_BUY_USDC,
            },
            cu_price_micro_lamports: 100_000,
            ..SniperConfig::test_default()
        },
        limits: Limits {
            max_sol_per_trade: BUY,
            sol_reserve: Lamports(1_000_000_000),
            ..Limits::test_default()
        },
        ..TestKernel::test_default()
    }
    .build(SystemClock)
}

fn hot_path(c: &mut Criterion) {
    let hash = Hash::new_from_array([3; 32]);
    let payer = keypair();
    let wallet = Arc::new(Wallet::from_keypair(keypair()));
    let uva = pda::user_volume_accumulator(&wallet.pubkey());
    let fees = FeeSettings::default();
    let creator = Pubkey::new_from_array([9; 32]);

    let mut g = c.benchmark_group("build_sign");
    let mut n = 0u64;
    g.bench_function("kestrel", |b| {
        b.iter(|| {
            n += 1;
            let mint = Pubkey::new_from_array(bytes(n));
            let plan = TradePlan::derive(
                wallet.pubkey(),
                uva,
                MintInfo {
                    mint,
                    quote: kestrel_model::Quote::Sol,
                    // The CreateEvent names the curve; nothing to derive.
                    bonding_curve: Pubkey::new_from_array(bytes(n ^ u64::MAX)),
                    creator,
                    token_program: kestrel_model::TokenProgram::Spl,
                    is_cashback: false,
                    is_mayhem: false,
                },
            );
            let ixs = plan.buy(
                BUY,
                TokenAmount(1),
                Budget {
                    cu_limit: 120_000,
                    cu_price: 100_000,
                },
            );
            black_box(tx::sign(&wallet, &ixs, hash).send_body.len())
        })
    });
    let mut m = 0u64;
    g.bench_function("baseline", |b| {
        b.iter(|| {
            m += 1;
            let mint = Pubkey::new_from_array(bytes(m));
            black_box(baseline_build_sign(&payer, mint, creator, hash))
        })
    });
    g.finish();

    // The floor under build+sign: one Ed25519 signature over a buy's message (~480 bytes).
    let mut g = c.benchmark_group("sign");
    let message = vec![5u8; 480];
    g.bench_function("ed25519_480_bytes", |b| {
        b.iter(|| black_box(wallet.sign(black_box(&message))))
    });
    // The same signature split as the engine runs it: the nonce made in an idle moment, then
    // what is left when the order comes.
    g.bench_function("make_nonce", |b| b.iter(|| black_box(wallet.nonce())));
    g.bench_function("ed25519_480_bytes_nonce_ahead", |b| {
        b.iter_batched(
            || wallet.nonce(),
            |n| match n {
                Some(n) => black_box(wallet.sign_with(n, black_box(&message))),
                None => black_box(wallet.sign(black_box(&message))),
            },
            criterion::BatchSize::SmallInput,
        )
    });
    g.finish();

    let frame = create_buy_frame_compact();
    let blockhash = Arc::new(BlockhashCache::new());
    blockhash.set(Recent {
        hash,
        last_valid_block_height: 1_000,
        fetched_at: 0,
    });
    let metrics = Arc::new(Metrics::new());
    let mut executor = Executor::new(
        wallet.clone(),
        ExecSettings {
            fees,
            buy_cu_limit: 120_000,
            sell_cu_limit: 100_000,
            nonces_ahead: true,
        },
        blockhash,
        metrics,
    );
    let mut k = kernel();
    let mut extractor = Extractor::new();
    let mut g = c.benchmark_group("frame_to_signed");
    let mut i = 0u64;
    g.bench_function("kestrel", |b| {
        b.iter(|| {
            i += 1;
            let read_at = mono_nanos();
            // Serial: the nonce the engine makes in an idle moment is made and timed here.
            executor.make_nonce();
            let Some(l) = frame_launch(black_box(&frame), &mut extractor, i) else {
                return 0;
            };
            let Some((len, order)) = decide_and_sign(&mut k, &mut executor, l, read_at) else {
                return 0;
            };
            release(&mut k, &order);
            black_box(len)
        })
    });
    // The same path as the engine runs it: the feed hints the launch to the execution
    // thread, which derives its accounts and compiles the buy while the strategy thread
    // decides, and the nonce was made while the thread was idle. Timed here is the critical
    // path only, frame to launch and then decision to signed bytes.
    let mut h = 1u64 << 40;
    g.bench_function("kestrel_hinted", |b| {
        b.iter_custom(|iters| {
            critical_paths(iters, || {
                h += 1;
                hinted_once(&frame, &mut extractor, &mut k, &mut executor, h)
            })
        })
    });
    // The inline layout's path: one thread decodes, decides, derives the coin's accounts and
    // compiles its buy, and signs with a nonce made in an idle moment (made untimed here).
    let mut ki = kernel();
    let mut q = 1u64 << 42;
    g.bench_function("kestrel_inline", |b| {
        b.iter_custom(|iters| {
            critical_paths(iters, || {
                q += 1;
                inline_once(&frame, &mut extractor, &mut ki, &mut executor, q)
            })
        })
    });
    // The same frame as a USDC-quoted coin: `buy_exact_quote_in_v2`, 27 accounts, compiled
    // when the order comes (a v2 buy has no template yet), recipients drawn per transaction.
    let mut ku = kernel_usdc();
    let mut u = 1u64 << 41;
    g.bench_function("kestrel_hinted_usdc_v2", |b| {
        b.iter_custom(|iters| {
            critical_paths(iters, || {
                u += 1;
                hinted_once_as(&frame, &mut extractor, &mut ku, &mut executor, u, as_usdc)
            })
        })
    });
    let mut j = 0u64;
    g.bench_function("baseline", |b| {
        b.iter(|| {
            j += 1;
            black_box(baseline_frame_to_signed(black_box(&frame), &payer, j, hash))
        })
    });
    g.finish();

    // Criterion reports means of batches; a trader needs the tail of single runs. Each run
    // timed alone, the two paths interleaved so drift on this machine hits both alike.
    let runs = if std::env::args().any(|a| a == "--bench") {
        20_000
    } else {
        20
    };
    let Ok(mut ours) = Histogram::<u64>::new(3) else {
        return;
    };
    let mut theirs = ours.clone();
    let mut v2 = ours.clone();
    let mut inline = ours.clone();
    for _ in 0..runs {
        h += 1;
        j += 1;
        u += 1;
        q += 1;
        if let Some(t) = hinted_once(&frame, &mut extractor, &mut k, &mut executor, h) {
            let _ = ours.record(nanos(t));
        }
        if let Some(t) = inline_once(&frame, &mut extractor, &mut ki, &mut executor, q) {
            let _ = inline.record(nanos(t));
        }
        if let Some(t) = hinted_once_as(&frame, &mut extractor, &mut ku, &mut executor, u, as_usdc)
        {
            let _ = v2.record(nanos(t));
        }
        let t = Instant::now();
        black_box(baseline_frame_to_signed(black_box(&frame), &payer, j, hash));
        let _ = theirs.record(nanos(t.elapsed()));
    }
    print_percentiles(
        runs,
        &[
            ("kestrel_hinted", &ours),
            ("kestrel_inline", &inline),
            ("kestrel_hinted_usdc_v2", &v2),
            ("baseline", &theirs),
        ],
    );
}

/// The single-run table: what a trader reads for the tail.
#[allow(clippy::print_stdout)]
fn print_percentiles(runs: u64, rows: &[(&str, &Histogram<u64>)]) {
    println!("frame_to_signed, single runs ({runs} each, interleaved), µs:");
    println!(
        "{:<16}{:>9}{:>9}{:>9}{:>9}{:>9}",
        "", "p50", "p90", "p99", "p99.9", "max"
    );
    for (name, hist) in rows {
        let q = |p: f64| hist.value_at_quantile(p) as f64 / 1_000.0;
        println!(
            "{name:<16}{:>9.1}{:>9.1}{:>9.1}{:>9.1}{:>9.1}",
            q(0.5),
            q(0.9),
            q(0.99),
            q(0.999),
            hist.max() as f64 / 1_000.0
        );
    }
}

/// `once` run `iters` times: the sum of the critical paths it timed.
fn critical_paths(iters: u64, mut once: impl FnMut() -> Option<Duration>) -> Duration {
    (0..iters).map(|_| once().unwrap_or_default()).sum()
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// One launch through the critical path as the engine runs it: the feed hints the launch to
/// the execution thread, which derives its accounts and compiles the buy while the strategy
/// thread decides, and the nonce was made while that thread was idle. Returned is the time of
/// the critical path only: frame to launch, then decision to signed bytes.
fn hinted_once(
    frame: &str,
    extractor: &mut Extractor,
    k: &mut Kernel<SystemClock>,
    executor: &mut Executor,
    n: u64,
) -> Option<Duration> {
    hinted_once_as(frame, extractor, k, executor, n, |_| {})
}

/// One launch through the inline layout's critical path: frame to signed bytes on one thread,
/// the accounts derived and the buy compiled after the decision; the nonce was made while the
/// thread was idle.
fn inline_once(
    frame: &str,
    extractor: &mut Extractor,
    k: &mut Kernel<SystemClock>,
    executor: &mut Executor,
    n: u64,
) -> Option<Duration> {
    executor.make_nonce();
    let t0 = Instant::now();
    let read_at = mono_nanos();
    let l = frame_launch(black_box(frame), extractor, n)?;
    let (len, order) = decide_and_sign(k, executor, l, read_at)?;
    let critical = t0.elapsed();
    black_box(len);
    release(k, &order);
    Some(critical)
}

/// As [`hinted_once`], with `quote` applied to the launch before it is decided (a USDC coin:
/// the same frame, bought with `buy_exact_quote_in_v2`).
fn hinted_once_as(
    frame: &str,
    extractor: &mut Extractor,
    k: &mut Kernel<SystemClock>,
    executor: &mut Executor,
    n: u64,
    quote: impl Fn(&mut LaunchEvent),
) -> Option<Duration> {
    let t0 = Instant::now();
    let read_at = mono_nanos();
    let mut l = frame_launch(black_box(frame), extractor, n)?;
    quote(&mut l);
    let mut critical = t0.elapsed();
    executor.warm(MintInfo::of_launch(&l));
    executor.make_nonce();
    let t1 = Instant::now();
    let (len, order) = decide_and_sign(k, executor, l, read_at)?;
    critical += t1.elapsed();
    black_box(len);
    release(k, &order);
    Some(critical)
}

/// The frame parsed as solana-pubsub-client does (a `Value`, then
/// `Response<RpcLogsResponse>`), each `Program data:` line decoded, and the create bought the
/// ordinary way: the signed request body's length.
fn baseline_frame_to_signed(frame: &str, payer: &Keypair, n: u64, hash: Hash) -> usize {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(frame) else {
        return 0;
    };
    let Ok(note) =
        serde_json::from_value::<Response<RpcLogsResponse>>(v["params"]["result"].clone())
    else {
        return 0;
    };
    let mut out = 0;
    for line in &note.value.logs {
        let Some(b64) = line.strip_prefix("Program data: ") else {
            continue;
        };
        let Ok(bytes_) = STANDARD.decode(b64) else {
            continue;
        };
        if let Ok(Some(PumpEvent::Create(ev))) = decode_event(&bytes_) {
            let mint = Pubkey::new_from_array(bytes(n));
            out = baseline_build_sign(payer, mint, ev.creator, hash);
        }
    }
    out
}

/// The frame parsed and its launch extracted, then given a fresh mint and creator from `n`:
/// a new launch for the guardian, and no creator vault from the execution thread's cache.
fn frame_launch(frame: &str, extractor: &mut Extractor, n: u64) -> Option<LaunchEvent> {
    let Ok(Frame::Logs(note)) = parse_frame(frame) else {
        return None;
    };
    let mut launch = None;
    extractor.lines(
        note.lines(),
        SignatureText::new(&note.signature),
        note.slot,
        Timestamp(n),
        &mut |e| {
            if let Extracted::Launch(l) = e {
                launch = Some(l);
            }
        },
    );
    let mut l = launch?;
    l.mint = Pubkey::new_from_array(bytes(n));
    l.creator = Pubkey::new_from_array(bytes(n ^ 0x00ab_cdef));
    Some(l)
}

/// The launch through the kernel's decision and the executor: the signed request body's
/// length, and the order.
fn decide_and_sign(
    k: &mut Kernel<SystemClock>,
    executor: &mut Executor,
    l: LaunchEvent,
    read_at: u64,
) -> Option<(usize, Order)> {
    let stamped = Stamped {
        event: FeedEvent::Launch(l),
        endpoint: 0,
        read_at,
        decoded_at: mono_nanos(),
    };
    let order = k.on_feed(&stamped)?;
    let len = executor
        .prepare(&order)
        .map_or(0, |p| p.signed.send_body.len());
    Some((len, order))
}

/// Releases the order's pending buy so the book stays small (a map removal).
fn release(k: &mut Kernel<SystemClock>, order: &Order) {
    k.on_report(ExecReport::Failed {
        order: order.id,
        why: order.why,
        mint: order.coin.mint,
        is_buy: true,
        reason: FailReason::NoFill,
        landed: None,
    });
}

/// The feed's two readers on the same frame: Kestrel's borrowed parse into engine events, and
/// solana-pubsub-client's typed parse (a `Value`, then `Response<RpcLogsResponse>`) followed by
/// the same extraction over its owned strings.
type Parse = for<'a> fn(&'a str) -> Result<Frame<'a>, kestrel_decode::DecodeError>;

fn feed_parse(c: &mut Criterion) {
    let frame = create_buy_frame_compact();
    let mut g = c.benchmark_group("feed_parse");
    // The frame parsed as the raw feed parses it, and by serde alone (before the logs scanner).
    for (name, parse) in [
        ("raw", parse_frame as Parse),
        ("raw_serde_frame", parse_frame_json),
    ] {
        let mut ex = Extractor::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0;
                if let Ok(Frame::Logs(note)) = parse(black_box(&frame)) {
                    ex.lines(
                        note.lines(),
                        SignatureText::new(&note.signature),
                        note.slot,
                        Timestamp(0),
                        &mut |_| n += 1,
                    );
                }
                black_box(n)
            })
        });
    }
    let mut ex = Extractor::new();
    g.bench_function("pubsub_client_typed", |b| {
        b.iter(|| {
            let mut n = 0;
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(black_box(&frame))
                && let Ok(note) = serde_json::from_value::<Response<RpcLogsResponse>>(
                    v["params"]["result"].clone(),
                )
            {
                ex.lines(
                    note.value.logs.iter().map(String::as_str),
                    SignatureText::new(&note.value.signature),
                    note.context.slot,
                    Timestamp(0),
                    &mut |_| n += 1,
                );
            }
            black_box(n)
        })
    });
    g.finish();
    // The frame alone, without the log lines' decoding: the scanner and serde.
    let mut g = c.benchmark_group("frame_parse");
    g.bench_function("logs_scan", |b| {
        b.iter(|| black_box(parse_frame(black_box(&frame)).is_ok()))
    });
    g.bench_function("serde", |b| {
        b.iter(|| black_box(parse_frame_json(black_box(&frame)).is_ok()))
    });
    g.finish();
}

fn bytes(n: u64) -> [u8; 32] {
    let mut b = [1u8; 32];
    b[..8].copy_from_slice(&n.to_le_bytes());
    b
}

criterion_group!(benches, hot_path, feed_parse);
criterion_main!(benches);
