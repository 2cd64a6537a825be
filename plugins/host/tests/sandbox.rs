//! Hostile plugins against the real host, each contained: a plugin that loops forever, one
//! that eats memory, one that asks for a host off its allow-list, one that sends engine
//! commands without the grant, one that floods, one that panics. Each is stopped or refused,
//! marked faulted where it failed, restarted with backoff, and never disturbs its neighbour.
//! The plugins are the `probe` component built for wasm32-wasip2 (plugins/testing/probe).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{msg, wait_for};

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use kestrel_plugin_host::host::HostError;
use kestrel_plugin_host::latest::{
    CommandError, CurveView, EngineStatus, EventKinds, Launch, PnlReport, Position,
};
use kestrel_plugin_host::{
    EngineApi, Grants, HostSettings, Offline, PluginHost, PluginLimits, PluginSource, PluginSpec,
};

/// An engine that records what it was asked.
#[derive(Default)]
struct Recorder {
    buys: AtomicU32,
}

impl EngineApi for Recorder {
    fn buy(&self, mint: &str, lamports: u64) -> Result<String, CommandError> {
        self.buys.fetch_add(1, Ordering::SeqCst);
        Ok(format!("buy {mint} {lamports}"))
    }
    fn sell(&self, _: &str, _: u8) -> Result<String, CommandError> {
        Ok("sell".into())
    }
    fn pause(&self) -> Result<String, CommandError> {
        Ok("paused".into())
    }
    fn resume(&self) -> Result<String, CommandError> {
        Ok("resumed".into())
    }
    fn kill(&self, _: bool) -> Result<String, CommandError> {
        Ok("killed".into())
    }
    fn positions(&self) -> Vec<Position> {
        Offline.positions()
    }
    fn pnl(&self) -> PnlReport {
        Offline.pnl()
    }
    fn status(&self) -> EngineStatus {
        Offline.status()
    }
    fn curve(&self, mint: &str) -> Result<CurveView, CommandError> {
        Offline.curve(mint)
    }
    fn recent_launches(&self, limit: u32) -> Vec<Launch> {
        Offline.recent_launches(limit)
    }
}

fn limits() -> PluginLimits {
    PluginLimits {
        memory: 16 << 20,
        call_deadline: Duration::from_millis(300),
        restart_min: Duration::from_millis(100),
        restart_max: Duration::from_millis(400),
        tick: Duration::from_millis(50),
        http_per_second: 5,
        ..PluginLimits::default()
    }
}

fn probe(name: &str, mode: &str, grants: Grants) -> PluginSpec {
    PluginSpec {
        name: name.into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::PROBE),
        settings: vec![("mode".into(), mode.into())],
        grants,
        limits: limits(),
    }
}

fn running(host: &PluginHost, name: &str) -> bool {
    host.status_of(name).is_some_and(|s| s.running)
}

/// A local HTTP server that counts requests and remembers the last path.
async fn server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let s = s.clone();
        async move {
            s.lock().unwrap().push(uri.to_string());
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[test]
fn an_infinite_loop_is_stopped_at_its_deadline_and_restarted_while_its_neighbour_answers() {
    let host = PluginHost::start(
        vec![
            probe("spin", "spin", Grants::default()),
            probe("echo", "echo", Grants::default()),
        ],
        Arc::new(Recorder::default()),
        &HostSettings::default(),
    )
    .unwrap();
    wait_for("both running", || {
        running(&host, "spin") && running(&host, "echo")
    });
    let r = host.message("spin", msg("go"));
    assert!(matches!(r, Err(HostError::NoAnswer(_))), "{r:?}");
    wait_for("the fault", || {
        host.status_of("spin").is_some_and(|s| s.faults >= 1)
    });
    let s = host.status_of("spin").unwrap();
    assert!(
        s.last_fault
            .as_deref()
            .unwrap_or_default()
            .contains("deadline"),
        "{s:?}"
    );
    // The neighbour answers all along.
    assert_eq!(
        host.message("echo", msg("hello")).unwrap(),
        vec!["hello".to_owned()]
    );
    wait_for("the restart", || {
        host.status_of("spin")
            .is_some_and(|s| s.running && s.restarts >= 1)
    });
    host.stop();
}

#[test]
fn a_memory_bomb_hits_its_limit_and_a_panic_is_a_fault_not_a_crash() {
    let host = PluginHost::start(
        vec![
            probe("bomb", "memory", Grants::default()),
            probe("panic", "panic", Grants::default()),
        ],
        Arc::new(Recorder::default()),
        &HostSettings::default(),
    )
    .unwrap();
    wait_for("running", || {
        running(&host, "bomb") && running(&host, "panic")
    });
    assert!(host.message("bomb", msg("go")).is_err());
    wait_for("the fault", || {
        host.status_of("bomb").is_some_and(|s| s.faults >= 1)
    });
    let s = host.status_of("bomb").unwrap();
    assert_eq!(s.faults, 1, "{s:?}");
    assert!(
        s.last_fault.as_deref().unwrap_or_default().contains("trap"),
        "{s:?}"
    );
    assert!(host.message("panic", msg("go")).is_err());
    wait_for("the fault", || {
        host.status_of("panic").is_some_and(|s| s.faults == 1)
    });
    wait_for("both back", || {
        host.status_of("bomb")
            .is_some_and(|s| s.running && s.restarts == 1)
            && host
                .status_of("panic")
                .is_some_and(|s| s.running && s.restarts == 1)
    });
    host.stop();
}

#[test]
fn http_reaches_only_granted_hosts_and_secrets_are_attached_by_the_host() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, seen) = rt.block_on(server());
    let grants = Grants {
        http_hosts: vec!["127.0.0.1".into()],
        secrets: vec![("token".into(), "s3cret".into())],
        ..Grants::default()
    };
    let host = PluginHost::start(
        vec![probe("web", "http", grants)],
        Arc::new(Recorder::default()),
        &HostSettings::default(),
    )
    .unwrap();
    wait_for("running", || running(&host, "web"));
    let ok = host
        .message("web", msg(&format!("{base}/bot{{secret:token}}/getMe")))
        .unwrap();
    assert_eq!(ok, vec!["status 200".to_owned()]);
    assert_eq!(seen.lock().unwrap().as_slice(), ["/bots3cret/getMe"]);
    // Off the list: refused before anything leaves, the secret never attached.
    let off = host
        .message("web", msg("http://localhost:9/{secret:token}"))
        .unwrap();
    assert!(
        off[0].contains("Denied") && off[0].contains("localhost"),
        "{off:?}"
    );
    let off = host.message("web", msg("https://example.com/")).unwrap();
    assert!(off[0].contains("Denied"), "{off:?}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    let s = host.status_of("web").unwrap();
    assert_eq!((s.http_requests, s.http_denied, s.faults), (1, 2, 0));
    host.stop();
}

#[test]
fn engine_commands_need_the_grant() {
    let engine = Arc::new(Recorder::default());
    let granted = Grants {
        engine_commands: true,
        ..Grants::default()
    };
    let host = PluginHost::start(
        vec![
            probe("rogue", "buy", Grants::default()),
            probe("trusted", "buy", granted),
        ],
        engine.clone(),
        &HostSettings::default(),
    )
    .unwrap();
    wait_for("running", || {
        running(&host, "rogue") && running(&host, "trusted")
    });
    let mint = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P";
    let r = host.message("rogue", msg(&format!("{mint} 1000"))).unwrap();
    assert!(
        r[0].starts_with("error") && r[0].contains("NotGranted"),
        "{r:?}"
    );
    assert_eq!(engine.buys.load(Ordering::SeqCst), 0);
    let r = host
        .message("trusted", msg(&format!("{mint} 1000")))
        .unwrap();
    assert_eq!(r, vec![format!("ok buy {mint} 1000")]);
    // Bad input never reaches the engine.
    let r = host.message("trusted", msg("not-a-mint 1000")).unwrap();
    assert!(r[0].contains("BadInput"), "{r:?}");
    assert_eq!(engine.buys.load(Ordering::SeqCst), 1);
    assert_eq!(host.status_of("rogue").unwrap().commands_denied, 1);
    host.stop();
}

#[test]
fn a_flood_is_rate_limited_and_a_full_queue_drops_rather_than_blocks() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, seen) = rt.block_on(server());
    let grants = Grants {
        http_hosts: vec!["127.0.0.1".into()],
        events: EventKinds::all(),
        ..Grants::default()
    };
    let mut flood = probe("flood", "flood", grants);
    flood.limits.queue = 4;
    let host = PluginHost::start(
        vec![flood, probe("echo", "echo", Grants::default())],
        Arc::new(Recorder::default()),
        &HostSettings::default(),
    )
    .unwrap();
    wait_for("running", || {
        running(&host, "flood") && running(&host, "echo")
    });
    let r = host.message("flood", msg(&format!("{base}/x"))).unwrap();
    let through: u32 = r[0].trim_start_matches("through ").parse().unwrap();
    assert!(through <= 5, "{r:?}: the per-second limit is 5");
    assert_eq!(seen.lock().unwrap().len() as u32, through);
    // Events while it is busy: the queue holds 4, the rest are dropped, publish never waits.
    let started = Instant::now();
    for _ in 0..100 {
        host.publish(&kestrel_plugin_host::latest::Event::Alert("x".into()));
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(host.status_of("flood").unwrap().dropped > 0);
    assert_eq!(
        host.message("echo", msg("still here")).unwrap(),
        vec!["still here".to_owned()]
    );
    host.stop();
}

#[test]
fn a_changed_wasm_file_is_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.wasm");
    std::fs::write(&path, kestrel_plugin_bundle::PROBE).unwrap();
    let mut spec = probe("file", "echo", Grants::default());
    spec.source = PluginSource::File(path.clone());
    let host = PluginHost::start(
        vec![spec],
        Arc::new(Recorder::default()),
        &HostSettings::default(),
    )
    .unwrap();
    wait_for("running", || running(&host, "file"));
    assert_eq!(host.status_of("file").unwrap().starts, 1);
    std::thread::sleep(Duration::from_millis(1_100));
    std::fs::write(&path, kestrel_plugin_bundle::PROBE).unwrap();
    wait_for("the reload", || {
        host.status_of("file")
            .is_some_and(|s| s.starts == 2 && s.running)
    });
    assert_eq!(host.status_of("file").unwrap().faults, 0);
    // A file that is not a component: a fault, the host keeps trying, nothing else breaks.
    std::thread::sleep(Duration::from_millis(1_100));
    std::fs::write(&path, b"not wasm").unwrap();
    wait_for("the fault", || {
        host.status_of("file").is_some_and(|s| s.faults >= 1)
    });
    host.stop();
}

#[cfg(target_os = "linux")]
#[test]
fn plugin_threads_run_in_the_idle_scheduling_class() {
    // SCHED_IDLE is 5 on Linux.
    let t = std::thread::spawn(|| {
        let lowered = kestrel_plugin_host::host::lower_priority();
        let policy = std::fs::read_to_string("/proc/thread-self/stat")
            .ok()
            .and_then(|s| s.rsplit(')').next().map(str::to_owned))
            .and_then(|rest| {
                rest.split_whitespace()
                    .nth(38)
                    .and_then(|p| p.parse::<i32>().ok())
            });
        (lowered, policy)
    });
    let (lowered, policy) = t.join().unwrap();
    assert!(lowered);
    assert_eq!(policy, Some(5));
}
