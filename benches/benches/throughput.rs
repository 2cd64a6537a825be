//! Trade events into the strategy thread: how many per second the feed side (parse, dedup,
//! extract, hand-off) and the strategy thread (`Kernel::on_feed`) sustain together, on two
//! threads joined by the engine's bounded channel, and whether a steady 20,000 events/s leaves
//! a growing backlog. Beside it, the same with solana-pubsub-client's typed parse on the feed
//! side. A load harness (not criterion): prints medians of one-second windows and ends with
//! one line for scripts.
//!
//! `KESTREL_THROUGHPUT_EVENTS` (default 200000) sets the events per run.

use std::time::{Duration, Instant};

use kestrel_decode::frame::{Frame, parse_frame};
use kestrel_engine::kernel::Kernel;
use kestrel_feed::extract::Extractor;
use kestrel_feed::sink::Origin;
use kestrel_feed::{Sink, Stamped};
use kestrel_guardian::Limits;
use kestrel_model::{SignatureText, SystemClock, mono_nanos};
use kestrel_sniper::{FlagRule, SniperConfig};
use kestrel_testkit::TestDefault;
use kestrel_testkit::kernel::TestKernel;
use kestrel_units::Lamports;
use solana_rpc_client_api::response::{Response, RpcLogsResponse};

const CREATE_BUY: &str = kestrel_benches::CREATE_BUY_FRAME;
const PUMP: &str = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P";

/// Trade-only logsNotification frames with distinct signatures, carrying the real TradeEvent.
fn trade_frames(n: usize) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(CREATE_BUY).unwrap_or_default();
    let trade_line = v["params"]["result"]["value"]["logs"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .filter_map(|x| x.as_str())
                .find(|s| s.starts_with("Program data: vdt/"))
        })
        .unwrap_or_default()
        .to_owned();
    (0..n)
        .map(|i| {
            let mut sig = [7u8; 64];
            sig[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let frame = serde_json::json!({
                "jsonrpc": "2.0",
                "method": "logsNotification",
                "params": {
                    "result": {
                        "context": { "slot": 5 },
                        "value": {
                            "signature": bs58::encode(sig).into_string(),
                            "err": null,
                            "logs": [
                                format!("Program {PUMP} invoke [1]"),
                                "Program log: Instruction: Buy",
                                trade_line,
                                format!("Program {PUMP} consumed 40000 of 200000 compute units"),
                                format!("Program {PUMP} success"),
                            ],
                        },
                    },
                    "subscription": 1,
                },
            });
            frame.to_string()
        })
        .collect()
}

fn kernel() -> Kernel<SystemClock> {
    TestKernel {
        sniper: SniperConfig {
            mayhem: FlagRule::Forbid,
            ..SniperConfig::test_default()
        },
        limits: Limits {
            max_total_exposure: Lamports(10_000_000_000),
            max_open_positions: 10,
            max_exposure_per_creator: Lamports(10_000_000_000),
            ..Limits::test_default()
        },
        wallet: Lamports(100_000_000_000),
        capacity: 64,
        ..TestKernel::test_default()
    }
    .build(SystemClock)
}

#[derive(Clone, Copy)]
enum Reader {
    Raw,
    Typed,
}

struct Run {
    events_per_s: f64,
    max_backlog: usize,
}

/// Feeds `frames` through `reader` into a strategy thread, at `rate` frames/s (0: as fast as
/// possible).
fn run(frames: &[String], reader: Reader, rate: u64) -> Run {
    let (tx, rx) = crossbeam_channel::bounded::<Stamped>(65_536);
    let (stx, _srx) = tokio::sync::mpsc::unbounded_channel();
    let sink = Sink::new(tx.clone(), stx);
    let total = frames.len() as u64;
    let consumer = std::thread::spawn(move || {
        let mut k = kernel();
        let mut seen = 0u64;
        while seen < total {
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok(s) => {
                    std::hint::black_box(k.on_feed(&s));
                    seen += 1;
                }
                Err(_) => break,
            }
        }
        (seen, Instant::now())
    });
    let mut ex = Extractor::new();
    let mut max_backlog = 0;
    let start = Instant::now();
    for (i, f) in frames.iter().enumerate() {
        if let Some(offset) = (i as u64 * 1_000_000_000).checked_div(rate) {
            let due = start + Duration::from_nanos(offset);
            while Instant::now() < due {
                std::hint::spin_loop();
            }
        }
        let read_at = mono_nanos();
        let from = Origin {
            endpoint: 0,
            stats: None,
            read_at,
        };
        let _ = match reader {
            Reader::Raw => match parse_frame(f) {
                Ok(Frame::Logs(n)) => sink.transaction(
                    &mut ex,
                    from,
                    SignatureText::new(&n.signature),
                    n.slot,
                    n.lines(),
                ),
                _ => Ok(()),
            },
            Reader::Typed => {
                let typed = serde_json::from_str::<serde_json::Value>(f)
                    .ok()
                    .and_then(|v| {
                        serde_json::from_value::<Response<RpcLogsResponse>>(
                            v["params"]["result"].clone(),
                        )
                        .ok()
                    });
                match typed {
                    Some(n) => sink.transaction(
                        &mut ex,
                        from,
                        SignatureText::new(&n.value.signature),
                        n.context.slot,
                        n.value.logs.iter().map(String::as_str),
                    ),
                    None => Ok(()),
                }
            }
        };
        if i % 256 == 0 {
            max_backlog = max_backlog.max(tx.len());
        }
    }
    let (seen, end) = consumer.join().unwrap_or((0, Instant::now()));
    Run {
        events_per_s: seen as f64 / end.duration_since(start).as_secs_f64(),
        max_backlog,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[allow(clippy::print_stdout)]
fn main() {
    let n: usize = std::env::var("KESTREL_THROUGHPUT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let frames = trade_frames(n);
    let mut raw = Vec::new();
    let mut typed = Vec::new();
    for _ in 0..5 {
        raw.push(run(&frames, Reader::Raw, 0).events_per_s);
        typed.push(run(&frames, Reader::Typed, 0).events_per_s);
    }
    // A steady 20,000/s for the length of the frame set (10 s at the default).
    let paced = run(&frames, Reader::Raw, 20_000);
    let (raw, typed) = (median(raw), median(typed));
    println!("trade events into the strategy thread ({n} per run, median of 5 runs)");
    println!("  raw reader                  {raw:>10.0} events/s");
    println!("  solana-pubsub-client typed  {typed:>10.0} events/s");
    println!(
        "  paced at 20,000/s           {:>10.0} events/s, largest backlog {} events",
        paced.events_per_s, paced.max_backlog
    );
    println!(
        "throughput: raw_per_s={raw:.0} typed_per_s={typed:.0} ratio={:.2} paced_20k_per_s={:.0} paced_20k_max_backlog={}",
        if typed > 0.0 { raw / typed } else { 0.0 },
        paced.events_per_s,
        paced.max_backlog
    );
}
