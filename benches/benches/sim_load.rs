//! The local cluster under load, on this machine:
//! 1. notification rate: a busy scenario (config/scenarios/busy.toml) with subscribers on
//!    `logsSubscribe all` and `programSubscribe pump`, frames/s received;
//! 2. sendTransaction throughput: signed transfers from concurrent keep-alive HTTP clients,
//!    with preflight and with skipPreflight, transactions/s accepted.
//!
//! Each figure is the median and 10th/90th percentile of one-second windows, with the run's
//! totals. `KESTREL_LOAD_SECS` sets each phase's length (default 15); `KESTREL_LOAD_ONLY`
//! (`notify` or `send`) runs one phase.

// A harness: it reports on stdout, and a setup failure should stop it loudly.
#![allow(clippy::print_stdout, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use kestrel_sim::scenario::Scenario;
use kestrel_sim::{SimOptions, SimServer};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio_tungstenite::tungstenite::Message;

const BUSY: &str = include_str!("../../config/scenarios/busy.toml");

fn secs() -> u64 {
    std::env::var("KESTREL_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15)
}

/// Samples a counter once a second; returns per-second deltas.
async fn sample(counter: Arc<AtomicU64>, seconds: u64) -> Vec<u64> {
    let mut last = counter.load(Ordering::Relaxed);
    let mut out = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    for _ in 0..seconds {
        tick.tick().await;
        let now = counter.load(Ordering::Relaxed);
        out.push(now - last);
        last = now;
    }
    out
}

fn report(name: &str, unit: &str, mut v: Vec<u64>) {
    v.sort_unstable();
    let pct = |p: usize| {
        v.get((v.len().saturating_sub(1)) * p / 100)
            .copied()
            .unwrap_or(0)
    };
    let total: u64 = v.iter().sum();
    println!(
        "{name}: median {} {unit}  p10 {}  p90 {}  ({} windows of 1 s, {total} in all)",
        pct(50),
        pct(10),
        pct(90),
        v.len()
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn notification_rate(seconds: u64, flood: bool) {
    let scenario = Scenario::from_toml(BUSY, "busy.toml").expect("busy scenario");
    let server = SimServer::start(SimOptions {
        scenario: Some(scenario),
        ..SimOptions::default()
    })
    .await
    .expect("start");
    let received = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url())
            .await
            .expect("connect");
        for (i, (method, params)) in [
            ("logsSubscribe", serde_json::json!(["all", { "commitment": "processed" }])),
            ("programSubscribe", serde_json::json!([kestrel_pump::ids::PUMP_PROGRAM.to_string(), { "encoding": "base64", "commitment": "processed" }])),
        ]
        .into_iter()
        .enumerate()
        {
            let req = serde_json::json!({ "jsonrpc": "2.0", "id": i, "method": method, "params": params });
            ws.send(Message::Text(req.to_string().into())).await.expect("subscribe");
        }
        let received = received.clone();
        clients.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if matches!(msg, Message::Text(_)) {
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let rss_before = rss_kib();
    let landed_counter = &server.cluster.stats.transactions_landed;
    let landed_before = landed_counter.load(Ordering::Relaxed);
    let senders = flood.then(|| spawn_senders(&server, 8, true));
    // On long runs, the memory curve once a minute.
    let rss_log = (seconds >= 120).then(|| {
        tokio::spawn(async {
            let mut minute = tokio::time::interval(Duration::from_secs(60));
            minute.tick().await;
            for m in 1.. {
                minute.tick().await;
                println!("  after {m} min: RSS {} KiB", rss_kib());
            }
        })
    });
    let per_second = sample(received, seconds).await;
    let landed = landed_counter.load(Ordering::Relaxed) - landed_before;
    if let Some(t) = rss_log {
        t.abort();
    }
    if let Some(s) = senders {
        s.finish().await;
    }
    let name = if flood {
        "notifications, busy scenario + 8 senders flooding (4 clients × logs all + program pump)"
    } else {
        "notifications, busy scenario (4 clients × logs all + program pump)"
    };
    report(name, "frames/s", per_second);
    println!(
        "  transactions landed: {:.0}/s; process RSS {rss_before} → {} KiB",
        landed as f64 / seconds as f64,
        rss_kib()
    );
    server.stop().await;
    for c in clients {
        c.abort();
    }
}

struct Senders {
    accepted: Arc<AtomicU64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Senders {
    async fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.workers {
            let _ = w.await;
        }
    }
}

/// `n` keep-alive HTTP clients sending signed transfers as fast as they are answered.
fn spawn_senders(server: &SimServer, n: usize, skip_preflight: bool) -> Senders {
    let accepted = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..n {
        let payer = Keypair::new();
        server
            .cluster
            .airdrop(&payer.pubkey(), 1_000_000 * 1_000_000_000)
            .expect("fund");
        let url = server.rpc_url();
        let cluster = server.cluster.clone();
        let accepted = accepted.clone();
        let stop = stop.clone();
        workers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let dest = Pubkey::new_unique();
            let mut i: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                // Distinct amounts make distinct signatures.
                i += 1;
                let lamports = 1_000_000 + i + (w as u64) * 1_000_000_000;
                let ix = kestrel_sim::ledger::programs::system::ix::transfer(&payer.pubkey(), &dest, lamports);
                let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], cluster.latest_blockhash());
                let bytes = bincode::serialize(&solana_transaction::versioned::VersionedTransaction::from(tx)).expect("serialize");
                let body = serde_json::json!({
                    "jsonrpc": "2.0", "id": i, "method": "sendTransaction",
                    "params": [base64::engine::general_purpose::STANDARD.encode(bytes), { "encoding": "base64", "skipPreflight": skip_preflight }],
                });
                match http.post(&url).json(&body).send().await {
                    Ok(r) => {
                        if let Ok(v) = r.json::<serde_json::Value>().await
                            && v.get("result").is_some()
                        {
                            accepted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => break,
                }
            }
        }));
    }
    Senders {
        accepted,
        stop,
        workers,
    }
}

async fn send_throughput(seconds: u64, skip_preflight: bool) {
    let server = SimServer::start(SimOptions::default())
        .await
        .expect("start");
    let senders = spawn_senders(&server, 16, skip_preflight);
    let per_second = sample(senders.accepted.clone(), seconds).await;
    senders.finish().await;
    let name = if skip_preflight {
        "sendTransaction, skipPreflight (16 clients)"
    } else {
        "sendTransaction, with preflight (16 clients)"
    };
    report(name, "tx/s", per_second);
    server.stop().await;
}

fn main() {
    // `cargo bench` passes --bench; a filter argument selects nothing here, so run everything.
    let seconds = secs();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "kestrel-sim load, {seconds} s per phase, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // KESTREL_LOAD_ONLY=notify or =send runs one phase (the ten-minute memory run uses notify).
    let only = std::env::var("KESTREL_LOAD_ONLY").unwrap_or_default();
    rt.block_on(async {
        if only.is_empty() || only == "notify" {
            notification_rate(seconds, false).await;
            if only.is_empty() {
                notification_rate(seconds, true).await;
            }
        }
        if only.is_empty() || only == "send" {
            send_throughput(seconds, false).await;
            send_throughput(seconds, true).await;
        }
    });
}
