//! Webhooks through the host's ingress, each beside a plain HTTP echo in the same run, over
//! loopback with one kept-alive HTTP/1.1 connection per client:
//! - `webhooks/plain_echo`: an axum server on its own thread that answers a POST with its
//!   body: what any HTTP round trip on this host costs (the baseline);
//! - `webhooks/plugin_round_trip`: `POST /hooks/echo/x` → the ingress (rate, size, waiting
//!   checks) → the plugin's queue and thread → `on-webhook` in the component → the answer;
//! - `webhooks/discord_signed_round_trip`: the same with Discord's check on: the Ed25519
//!   signature over timestamp ‖ body verified before the plugin sees it;
//! - `webhooks/discord_bot_{ping,status,positions,case}`: the built-in Discord bot answering
//!   signed interactions as Discord sends them (PING; `/status` and `/positions`, read from the
//!   engine's views; `/case 1`, read from the bot's store), with an engine that is not there.
//!
//! What the ingress, the sandbox and the bot add is the difference to the baseline. At the
//! end the bot's linear memory is printed.

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

/// Interactions as Discord sends them, from a trader (views) and a moderator (`/case`).
const BOT: [(&str, &[u8]); 4] = [
    ("ping", br#"{"type":1,"id":"1","application_id":"100000000000000001","token":"t","version":1}"#),
    ("status", br#"{"type":2,"id":"2","application_id":"100000000000000001","token":"t","version":1,"guild_id":"9","member":{"user":{"id":"400000000000000004","username":"trader"},"roles":[],"permissions":"0"},"data":{"type":1,"name":"status"}}"#),
    ("positions", br#"{"type":2,"id":"3","application_id":"100000000000000001","token":"t","version":1,"guild_id":"9","member":{"user":{"id":"400000000000000004","username":"trader"},"roles":[],"permissions":"0"},"data":{"type":1,"name":"positions"}}"#),
    ("case", br#"{"type":2,"id":"4","application_id":"100000000000000001","token":"t","version":1,"guild_id":"9","member":{"user":{"id":"600000000000000006","username":"mod"},"roles":[],"permissions":"1099511627776"},"data":{"type":1,"name":"case","options":[{"type":4,"name":"number","value":1}]}}"#),
];

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

// The bot's memory is reported beside criterion's own lines.
#[allow(clippy::print_stdout)]
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
    let mut inbound = Inbound::new(discord.clone());
    inbound.per_second = u32::MAX;
    let bot = PluginSpec {
        name: "discord".into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::DISCORD),
        settings: [
            ("application_id", "100000000000000001"),
            ("trader_users", "400000000000000004"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec(),
        grants: Grants {
            inbound: Some(inbound),
            engine_views: true,
            ..Grants::default()
        },
        limits: PluginLimits {
            tick: Duration::from_secs(3_600),
            cpu_percent: 100,
            ..PluginLimits::default()
        },
    };
    let host = PluginHost::start(
        vec![probe("echo", Verify::None), probe("signed", discord), bot],
        Arc::new(Offline),
        &HostSettings {
            ingress: Some(([127, 0, 0, 1], 0).into()),
            ..HostSettings::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ingress = host.ingress_addr().unwrap_or_else(|| panic!("no ingress"));
    let client = reqwest::Client::new();
    let post_body = |url: String, body: &'static [u8], headers: Vec<(&'static str, String)>| {
        let client = client.clone();
        async move {
            let mut rb = client.post(url).body(body);
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
    let post = |url: String, headers: Vec<(&'static str, String)>| post_body(url, BODY, headers);
    let signed = |body: &[u8]| {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .to_string();
        let mut m = ts.clone().into_bytes();
        m.extend_from_slice(body);
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
    let signed_headers = signed(BODY);
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
                format!("http://{ingress}/hooks/signed/interactions"),
                signed_headers.clone(),
            ))
        })
    });
    for (name, body) in BOT {
        let headers = signed(body);
        g.bench_function(format!("discord_bot_{name}"), |b| {
            b.iter(|| {
                rt.block_on(post_body(
                    format!("http://{ingress}/hooks/discord/interactions"),
                    body,
                    headers.clone(),
                ))
            })
        });
    }
    g.finish();
    if let Some(st) = host.status_of("discord") {
        println!(
            "discord bot: linear memory {} KiB, {} webhooks, {} faults",
            st.memory_bytes >> 10,
            st.webhooks,
            st.faults
        );
    }
    host.stop();
}

criterion_group!(benches, bench);
criterion_main!(benches);
