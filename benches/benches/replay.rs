//! Replay: a capture's frames through decode and the kernel, what `kestrel backtest` does for
//! each frame (parse, first-arrival dedup, extraction, sniper, guardian, book, exits, the
//! venue, the decision log), beside a plain serde decode of the same frames (owned typed parse
//! as solana-pubsub-client does, then each `Program data:` line base64-decoded and decoded),
//! in one run. Throughput is in frames. The frames are a capture the local cluster wrote from
//! `config/scenarios/busy.toml` (tests/fixtures/SOURCES.md), held in memory: reading the file
//! (zstd) is measured apart, as `read_capture`. `floor_read_frames` is the least any reader of
//! the frames does (a UTF-8 check: one pass over the bytes), the bound under every row.

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

// Replayed as the binary replays: on mimalloc (the baseline too).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        group.bench_function("floor_read_frames", |b| b.iter(|| black_box(floor())));
        if name == "replay" {
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
