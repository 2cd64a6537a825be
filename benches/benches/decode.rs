//! Frame → decoded events, the first stage of the hot path. Each case runs beside a baseline
//! written the plain way (owned typed parse as solana-pubsub-client does, a Vec per payload),
//! so the figures compare within one run.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kestrel_benches::{CURVE_FRAME, baseline_frame_to_events, create_buy_frame_compact};
use kestrel_decode::account;
use kestrel_decode::frame::{self, Frame};
use kestrel_decode::logs::LogDecoder;

fn frame_to_events(c: &mut Criterion) {
    let wire = create_buy_frame_compact();
    let frame_text = wire.as_str();
    let mut group = c.benchmark_group("frame_to_events");
    group.throughput(Throughput::Bytes(frame_text.len() as u64));

    let mut decoder = LogDecoder::new();
    group.bench_function("kestrel", |b| {
        b.iter(|| {
            let Ok(Frame::Logs(n)) = frame::parse_frame(black_box(frame_text)) else {
                panic!("fixture is a logs frame")
            };
            let mut events = 0usize;
            decoder.decode(n.lines(), |item| {
                if let Ok(d) = item {
                    black_box(&d.item);
                    events += 1;
                }
            });
            assert_eq!(events, 2);
        })
    });
    group.bench_function("kestrel_parse_frame_only", |b| {
        b.iter(|| black_box(frame::parse_frame(black_box(frame_text)).is_ok()))
    });
    let Ok(Frame::Logs(parsed)) = frame::parse_frame(frame_text) else {
        panic!()
    };
    let lines: Vec<&str> = parsed.lines().collect();
    group.bench_function("kestrel_walk_logs_only", |b| {
        b.iter(|| {
            let mut events = 0usize;
            decoder.decode(black_box(&lines).iter().copied(), |item| {
                if let Ok(d) = item {
                    black_box(&d.item);
                    events += 1;
                }
            });
            events
        })
    });
    group.bench_function("baseline_owned_typed", |b| {
        b.iter(|| assert_eq!(baseline_frame_to_events(black_box(frame_text)), 2))
    });
    group.bench_function("parse_only_serde_value", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(frame_text)).is_ok())
    });
    group.finish();
}

fn account_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("account_frame_to_curve");
    group.throughput(Throughput::Bytes(CURVE_FRAME.len() as u64));
    group.bench_function("kestrel", |b| {
        b.iter(|| {
            let Ok(Frame::Program(n)) = frame::parse_frame(black_box(CURVE_FRAME)) else {
                panic!("fixture is a program frame")
            };
            let bytes = n.account.data.bytes().unwrap_or_default();
            black_box(account::decode_bonding_curve(&bytes).is_ok())
        })
    });
    group.bench_function("baseline_serde_value", |b| {
        b.iter(|| {
            let v: serde_json::Value =
                serde_json::from_str(black_box(CURVE_FRAME)).unwrap_or_default();
            let data = v["params"]["result"]["value"]["account"]["data"][0]
                .as_str()
                .unwrap_or_default();
            let bytes = frame::AccountData::Base64(data.into())
                .bytes()
                .unwrap_or_default();
            black_box(account::decode_bonding_curve(&bytes).is_ok())
        })
    });
    group.finish();
}

criterion_group!(benches, frame_to_events, account_frame);
criterion_main!(benches);
