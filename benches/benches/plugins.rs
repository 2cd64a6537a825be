//! The plugin host, each beside a baseline in the same run:
//! - `plugins/echo_round_trip`: a message to a plugin and its reply: the host's queue, the
//!   plugin's thread, a call into the component (strings across the boundary), the reply.
//!   Baseline `plugins/plain_thread_round_trip`: the same hand-off to a plain Rust thread
//!   that echoes (what the sandbox adds is the difference).
//! - `plugins/telegram_command`: the Telegram bot handling `/pause` from an operator:
//!   inbound update → engine command (through the host's grant check) → reply text, no
//!   network. The engine is the host's `Offline`, which refuses the command: the same path,
//!   another reply.
//! - `plugins/instantiate`: a fresh Store and instance of the Telegram bot from its compiled
//!   component, initialised (what every restart costs). Beside it `plugins/compile`: compiling
//!   the component from its bytes (what a cold start or a reload costs).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kestrel_plugin_host::latest::Inbound;
use kestrel_plugin_host::{
    Compiled, Grants, HostSettings, Offline, PluginHost, PluginLimits, PluginSource, PluginSpec,
};

fn spec(
    name: &str,
    bytes: &'static [u8],
    settings: Vec<(String, String)>,
    commands: bool,
) -> PluginSpec {
    PluginSpec {
        name: name.into(),
        source: PluginSource::Bytes(bytes),
        settings,
        grants: Grants {
            engine_commands: commands,
            ..Grants::default()
        },
        limits: PluginLimits {
            // No ticks while measuring.
            tick: Duration::from_secs(3_600),
            ..PluginLimits::default()
        },
    }
}

fn bench(c: &mut Criterion) {
    let telegram_settings = vec![("allowed_users".to_owned(), "42".to_owned())];
    let host = PluginHost::start(
        vec![
            spec(
                "echo",
                kestrel_plugin_bundle::PROBE,
                vec![("mode".into(), "echo".into())],
                false,
            ),
            spec(
                "telegram",
                kestrel_plugin_bundle::TELEGRAM,
                telegram_settings.clone(),
                true,
            ),
        ],
        Arc::new(Offline),
        &HostSettings::default(),
    )
    .unwrap_or_else(|e| panic!("host: {e}"));
    let msg = |text: &str| Inbound {
        chat: "42".into(),
        user: "42".into(),
        text: text.into(),
    };
    // Until both answer.
    for _ in 0..200 {
        if host.message("echo", msg("x")).is_ok()
            && host.message("telegram", msg("/status")).is_ok()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = host
        .message("telegram", msg("/pause"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.iter().any(|t| t.contains("Paused")), "{r:?}");

    // The baseline: the same hand-off to a plain thread.
    let (tx, rx) = sync_channel::<(String, SyncSender<Vec<String>>)>(256);
    std::thread::spawn(move || {
        while let Ok((text, reply)) = rx.recv() {
            let _ = reply.send(vec![text]);
        }
    });

    let mut g = c.benchmark_group("plugins");
    g.bench_function("echo_round_trip", |b| {
        b.iter(|| {
            host.message("echo", black_box(msg("hello")))
                .unwrap_or_default()
        })
    });
    g.bench_function("plain_thread_round_trip", |b| {
        b.iter(|| {
            let (rtx, rrx) = sync_channel(1);
            let _ = tx.send((black_box("hello".to_owned()), rtx));
            rrx.recv().unwrap_or_default()
        })
    });
    g.bench_function("telegram_command", |b| {
        b.iter(|| {
            host.message("telegram", black_box(msg("/pause")))
                .unwrap_or_default()
        })
    });
    let tg = spec(
        "telegram",
        kestrel_plugin_bundle::TELEGRAM,
        telegram_settings,
        true,
    );
    let compiled = Compiled::new(&tg, Arc::new(Offline)).unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("instantiate", |b| {
        b.iter(|| compiled.instantiate().unwrap_or_else(|e| panic!("{e}")))
    });
    g.sample_size(10);
    g.bench_function("compile", |b| {
        b.iter(|| {
            Compiled::new(black_box(&tg), Arc::new(Offline)).unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.finish();
    host.stop();
}

criterion_group!(benches, bench);
criterion_main!(benches);
