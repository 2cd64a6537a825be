//! Replay: a capture's frames through decode and the kernel, what `kestrel backtest` does for
//! each frame (parse, first-arrival dedup, extraction, sniper, guardian, book, exits, the
//! venue, the decision log), beside a plain serde decode of the same frames (owned typed parse
//! as solana-pubsub-client does, then each `Program data:` line base64-decoded and decoded),
//! in one run. Throughput is in frames. The frames are a capture the local cluster wrote from
//! `config/scenarios/busy.toml` (tests/fixtures/SOURCES.md), held in memory: reading the file
//! (zstd) is measured apart, as `read_capture`, and with the replay as `kestrel backtest` runs
//! a file, as `kestrel_backtest_file`. `floor_read_frames` is the least any reader of
//! the frames does (a UTF-8 check: one pass over the bytes), the bound under every row.
//!
//! Where a replay's time goes, in the same run: `kestrel_decode_only` is the decode stage
//! alone (the frame parse, the log walk with its invoke stack, base64 and event decoding; no
//! dedup, no kernel), `parse_only_kestrel` the frame parse alone, and `parse_only_sonic_rs`
//! the same frames parsed into the same borrowed fields by sonic-rs, the fastest JSON parser
//! for Rust we know of: how fast parsing alone goes on this machine, by the state of the art.

#![allow(
    clippy::expect_used,
    reason = "a bench whose fixture or config is broken has nothing to measure: it stops"
)]

use std::convert::Infallible;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kestrel_backtest::{Backtest, DecisionLog};
use kestrel_benches::baseline_frame_to_events;
use kestrel_capture::{Reader, Record};
use kestrel_config::Config;
use kestrel_decode::frame::{Frame, parse_frame};
use kestrel_decode::logs::LogDecoder;
use serde::Deserialize;

// Replayed as the binary replays: on mimalloc (the baseline too).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A logsNotification's fields the kernel reads, borrowed (for the sonic-rs reference).
#[derive(Deserialize)]
struct Notification<'a> {
    #[serde(borrow)]
    params: Option<Params<'a>>,
}
#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow)]
    result: Outcome<'a>,
}
#[derive(Deserialize)]
struct Outcome<'a> {
    #[serde(borrow)]
    value: Option<Value<'a>>,
}
#[derive(Deserialize)]
struct Value<'a> {
    #[serde(borrow)]
    signature: &'a str,
    #[serde(borrow)]
    logs: Option<Vec<&'a str>>,
}

fn capture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/captures/busy-10s.kcap")
}

fn replay(c: &mut Criterion) {
    let path = capture();
    let reader = Reader::open(&path).expect("the capture fixture opens");
    let header = reader.header().clone();
    let records: Vec<Record> = reader.map(|r| r.expect("the fixture is whole")).collect();
    let frames: Vec<&[u8]> = records
        .iter()
        .filter_map(|r| match r {
            Record::Frame { text, .. } => Some(text.as_slice()),
            _ => None,
        })
        .collect();
    let frame_bytes: u64 = frames.iter().map(|f| f.len() as u64).sum();
    let config = Config::builtin().expect("the built-in config is valid");
    let inputs = kestrel::setup::backtest_inputs(&config).expect("its backtest inputs");
    // What one pass finds, so the bench is known to do the work it claims.
    let mut once = Backtest::new(inputs.clone(), None, &DecisionLog::Discard).expect("no file");
    once.replay(&header, "fixture", records.iter().map(Ok::<_, Infallible>));
    let found = once.finish().expect("no file").outcome.summary;
    assert!(found.launches > 50 && found.bought > 0, "{found:?}");

    // What `kestrel backtest` does without --report (decisions counted, not kept), and the
    // plain serde decode of the same frames.
    let kestrel = || {
        let mut bt = Backtest::new(inputs.clone(), None, &DecisionLog::Discard).expect("no file");
        bt.replay(&header, "bench", records.iter().map(Ok::<_, Infallible>));
        bt.finish().expect("no file").outcome.summary.events
    };
    let serde = || {
        let mut events = 0usize;
        for f in &frames {
            let text = std::str::from_utf8(black_box(f)).unwrap_or_default();
            events += baseline_frame_to_events(text);
        }
        events
    };
    // The decode stage alone, as the feed runs it before dedup and the kernel.
    let mut decoder = LogDecoder::new();
    let mut decode_only = || {
        let mut events = 0usize;
        for f in &frames {
            let Ok(text) = simdutf8::basic::from_utf8(black_box(f)) else {
                continue;
            };
            if let Ok(Frame::Logs(n)) = parse_frame(text) {
                decoder.decode(n.lines(), |item| events += usize::from(item.is_ok()));
            }
        }
        events
    };
    // Each parse counts the log lines and signature bytes it read.
    let parse_kestrel = || {
        let (mut lines, mut signatures) = (0usize, 0usize);
        for f in &frames {
            let text = simdutf8::basic::from_utf8(black_box(f)).unwrap_or_default();
            if let Ok(Frame::Logs(n)) = parse_frame(text) {
                lines += n.lines().count();
                signatures += n.signature.len();
            }
        }
        (lines, signatures)
    };
    let parse_sonic = || {
        let (mut lines, mut signatures) = (0usize, 0usize);
        for f in &frames {
            let text = simdutf8::basic::from_utf8(black_box(f)).unwrap_or_default();
            if let Ok(n) = sonic_rs::from_str::<Notification<'_>>(text)
                && let Some(v) = n.params.and_then(|p| p.result.value)
            {
                lines += v.logs.map_or(0, |l| l.len());
                signatures += v.signature.len();
            }
        }
        (lines, signatures)
    };
    assert_eq!(parse_kestrel(), parse_sonic(), "the parsers read the same");
    assert!(
        decode_only() >= found.launches as usize,
        "the decode finds every launch"
    );
    // The least any reader of these frames does: check each is UTF-8 (one SIMD pass over its
    // bytes, the first touch of each frame, from memory as in every row).
    let floor = || {
        let mut bytes = 0usize;
        for f in &frames {
            bytes += simdutf8::basic::from_utf8(black_box(f)).map_or(0, str::len);
        }
        bytes
    };
    // Per frame, then per byte of frame text: how fast the text itself goes through.
    for (name, throughput) in [
        ("replay", Throughput::Elements(frames.len() as u64)),
        ("replay_bytes", Throughput::Bytes(frame_bytes)),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(throughput);
        group.sample_size(30);
        group.bench_function("kestrel_decode_kernel", |b| b.iter(|| black_box(kestrel())));
        group.bench_function("baseline_serde_decode", |b| b.iter(|| black_box(serde())));
        group.bench_function("kestrel_decode_only", |b| {
            b.iter(|| black_box(decode_only()))
        });
        group.bench_function("parse_only_kestrel", |b| {
            b.iter(|| black_box(parse_kestrel()))
        });
        group.bench_function("parse_only_sonic_rs", |b| {
            b.iter(|| black_box(parse_sonic()))
        });
        group.bench_function("floor_read_frames", |b| b.iter(|| black_box(floor())));
        if name == "replay" {
            // `kestrel backtest FILE` in process: the file read ahead on a second thread while
            // the replay runs (compare with read_capture plus kestrel_decode_kernel).
            group.bench_function("kestrel_backtest_file", |b| {
                b.iter(|| {
                    let run = kestrel_backtest::run_with(
                        inputs.clone(),
                        std::slice::from_ref(&path),
                        &DecisionLog::Discard,
                    );
                    black_box(run.expect("the fixture replays").outcome.summary.events)
                })
            });
            group.bench_function("read_capture", |b| {
                b.iter(|| {
                    let reader = Reader::open(&path).expect("the capture fixture opens");
                    black_box(reader.filter(Result::is_ok).count())
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, replay);
criterion_main!(benches);
