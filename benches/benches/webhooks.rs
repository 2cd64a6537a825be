//! Webhooks through the host's ingress, each beside a plain HTTP echo in the same run, over
//! loopback with one kept-alive HTTP/1.1 connection per client:
//! - `webhooks/plain_echo`: an axum server on its own thread that answers a POST with its
//!   body: what any HTTP round trip on this host costs (the baseline);
//! - `webhooks/plugin_round_trip`: `POST /hooks/echo/x` → the ingress (rate, size, waiting
//!   checks) → the plugin's queue and thread → `on-webhook` in the component → the answer;
//! - `webhooks/discord_signed_round_trip`: the same with Discord's check on: the Ed25519
//!   signature over timestamp ‖ body verified before the plugin sees it.
//!
//! What the ingress and the sandbox add is the difference to the baseline.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use kestrel_plugin_host::{
    Grants, HostSettings, Inbound, Offline, PluginHost, PluginLimits, PluginSource, PluginSpec,
    Verify,
};

const BODY: &[u8] =
    br#"{"type":2,"id":"1","application_id":"2","token":"t","version":1,"data":{"name":"status"}}"#;

fn probe(name: &str, verify: Verify) -> PluginSpec {
    let mut inbound = Inbound::new(verify);
    // The bench sends as fast as it can: the rate cap would answer 429 instead.
    inbound.per_second = u32::MAX;
    PluginSpec {
        name: name.into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::PROBE),
        settings: vec![("webhook".into(), "echo".into())],
        grants: Grants {
            inbound: Some(inbound),
            ..Grants::default()
        },
        limits: PluginLimits {
            tick: Duration::from_secs(3_600),
            // The echo computes a few µs; no pause after it skews the loop.
            cpu_percent: 100,
            ..PluginLimits::default()
        },
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // The baseline server, on a thread of its own as the ingress is.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async move {
            let app = axum::Router::new().fallback(|body: axum::body::Bytes| async move { body });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let _ = addr_tx.send(listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
            let _ = axum::serve(listener, app).await;
        });
    });
    let plain = addr_rx.recv().unwrap_or_else(|e| panic!("{e}"));
    let key = SigningKey::from_bytes(&std::array::from_fn(|i| i as u8));
    let public: String = key
        .verifying_key()
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let discord = Verify::discord_ed25519(&public).unwrap_or_else(|e| panic!("{e}"));
    let host = PluginHost::start(
        vec![probe("echo", Verify::None), probe("discord", discord)],
        Arc::new(Offline),
        &HostSettings {
            ingress: Some(([127, 0, 0, 1], 0).into()),
            ..HostSettings::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ingress = host.ingress_addr().unwrap_or_else(|| panic!("no ingress"));
    let client = reqwest::Client::new();
    let post = |url: String, headers: Vec<(&'static str, String)>| {
        let client = client.clone();
        async move {
            let mut rb = client.post(url).body(BODY);
            for (n, v) in headers {
                rb = rb.header(n, v);
            }
            let r = rb.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = r.status();
            let body = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
            assert!(status.is_success(), "{status}");
            body
        }
    };
    let signed = || {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .to_string();
        let mut m = ts.clone().into_bytes();
        m.extend_from_slice(BODY);
        let sig: String = key
            .sign(&m)
            .to_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        vec![("X-Signature-Ed25519", sig), ("X-Signature-Timestamp", ts)]
    };
    // Until both plugins answer.
    for _ in 0..500 {
        let ok = rt.block_on(async {
            let a = client
                .post(format!("http://{ingress}/hooks/echo/x"))
                .body(BODY)
                .send()
                .await;
            a.is_ok_and(|r| r.status().is_success())
        });
        if ok {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Signed once: the client's signing is not what is measured (the timestamp stays inside
    // the 300 s window for the run).
    let signed_headers = signed();
    let mut g = c.benchmark_group("webhooks");
    g.bench_function("plain_echo", |b| {
        b.iter(|| rt.block_on(post(format!("http://{plain}/x"), Vec::new())))
    });
    g.bench_function("plugin_round_trip", |b| {
        b.iter(|| rt.block_on(post(format!("http://{ingress}/hooks/echo/x"), Vec::new())))
    });
    g.bench_function("discord_signed_round_trip", |b| {
        b.iter(|| {
            rt.block_on(post(
                format!("http://{ingress}/hooks/discord/interactions"),
                signed_headers.clone(),
            ))
        })
    });
    g.finish();
    host.stop();
}

criterion_group!(benches, bench);
criterion_main!(benches);
