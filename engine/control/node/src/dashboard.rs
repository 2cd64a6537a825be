//! `kestrel run`'s dashboard: the page's setup from config (the token from the environment,
//! the journal's file, the exit rules in words), the plugins' health as the host reports it,
//! and the engine's events fanned out to the page and to the plugins.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context as _, Result};
use kestrel_config::{ClusterMode, Config, DASHBOARD_TOKEN_ENV};
use kestrel_dashboard::{Board, PluginView, Setup};
use kestrel_engine::Engine;
use kestrel_engine::order::EngineEvent;
use kestrel_plugin_host::PluginHost;
use serde_json::{Value, json};

/// The plugins' health for the page, from the host's status; and the X bot's queue, from
/// what it publishes on its approvals topic, with the dashboard as one of its approval chats.
struct HostView {
    host: Arc<PluginHost>,
    started: Instant,
    x: Option<XTopics>,
}

/// The X bot's topics, and its posts as it last showed them (by id).
struct XTopics {
    actions: String,
    posts: Arc<Mutex<BTreeMap<u64, Value>>>,
}

/// Posts of the X bot's queue kept for the page.
const X_POSTS: usize = 200;

/// Watches the X bot's approvals topic (if an X bot is configured).
fn watch_x(config: &Config, host: &PluginHost) -> Option<XTopics> {
    let p = config
        .plugins
        .iter()
        .find(|p| p.enabled && p.wasm == "builtin:x")?;
    let setting = |k: &str, d: &str| {
        p.settings
            .get(k)
            .map_or(d, String::as_str)
            .trim()
            .to_owned()
    };
    let approvals = setting("approvals_topic", "x-approvals");
    let actions = setting("actions_topic", "x-actions");
    let name = p.name.clone();
    let rx = host.watch_topic(&approvals);
    let posts: Arc<Mutex<BTreeMap<u64, Value>>> = Arc::default();
    let kept = posts.clone();
    std::thread::Builder::new()
        .name("x-queue".into())
        .spawn(move || {
            for m in rx {
                // Only the X bot speaks for its queue.
                if m.sender != name {
                    continue;
                }
                let Ok(v) = serde_json::from_slice::<Value>(&m.body) else {
                    continue;
                };
                let post = &v["post"];
                let Some(id) = post["id"].as_u64() else {
                    continue;
                };
                let Ok(mut kept) = kept.lock() else {
                    return;
                };
                kept.insert(id, post.clone());
                while kept.len() > X_POSTS {
                    kept.pop_first();
                }
            }
        })
        .ok()?;
    Some(XTopics { actions, posts })
}

impl PluginView for HostView {
    fn plugins(&self) -> Vec<Value> {
        let wall = u128::from(
            u64::try_from(self.started.elapsed().as_nanos())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        self.host
            .status()
            .into_iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "state": if s.running { "running" } else { "stopped" },
                    "restarts": s.restarts,
                    "faults": s.faults,
                    // The share of one core its calls computed since the host started.
                    "cpu_percent": u64::try_from(u128::from(s.cpu_ns) * 100 / wall).unwrap_or(u64::MAX),
                    "http_refused": s.http_denied,
                    "queue": s.queued,
                    "dropped": s.dropped,
                    "memory_kib": s.memory_bytes / 1_024,
                    "last_fault": s.last_fault,
                })
            })
            .collect()
    }

    fn x_posts(&self) -> Option<Vec<Value>> {
        let x = self.x.as_ref()?;
        Some(
            x.posts
                .lock()
                .map(|p| p.values().cloned().collect())
                .unwrap_or_default(),
        )
    }

    fn x_act(&self, action: &str, id: u64, hash: &str) -> Result<(), String> {
        let x = self.x.as_ref().ok_or("no X bot runs")?;
        let body = json!({
            "action": action,
            "id": id,
            "hash": hash,
            "user": "operator",
            "ctx": { "via": "dashboard" },
        });
        self.host
            .publish_topic("dashboard", &x.actions, body.to_string().into_bytes());
        Ok(())
    }
}

/// The exit rules every position carries, in words.
fn exit_rules(config: &Config) -> Vec<String> {
    let e = &config.exits;
    let pct = |bps: u64| format!("{}.{:02} %", bps / 100, bps % 100);
    let mut out: Vec<String> = e
        .take_profit
        .iter()
        .map(|l| {
            format!(
                "take profit at +{}: sell {} %",
                pct(l.gain_bps),
                l.sell_percent
            )
        })
        .collect();
    if e.stop_loss_bps > 0 {
        out.push(format!("stop loss at -{}", pct(e.stop_loss_bps)));
    }
    if e.trailing_bps > 0 {
        out.push(format!(
            "trailing {} after +{}",
            pct(e.trailing_bps),
            pct(e.trailing_arm_bps)
        ));
    }
    if e.max_hold_secs > 0 {
        out.push(format!("max hold {} s", e.max_hold_secs));
    }
    if e.creator_sells {
        out.push("creator sells".into());
    }
    out
}

/// The dashboard's board, if config turns it on; the token comes from the environment.
pub(crate) fn board(
    config: &Config,
    engine: &Engine,
    journal: Option<PathBuf>,
    paper: bool,
    host: Option<Arc<PluginHost>>,
) -> Option<Arc<Board>> {
    config.dashboard.addr()?;
    let token = std::env::var(DASHBOARD_TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty());
    let explorer_tx = match config.network.cluster {
        ClusterMode::Sim => format!(
            "https://explorer.solana.com/tx/{{signature}}?cluster=custom&customUrl={}",
            config
                .network
                .rpc
                .first()
                .map_or_else(|| "http://127.0.0.1:8899".to_owned(), |e| e.redacted())
        ),
        ClusterMode::Remote => "https://solscan.io/tx/{signature}".into(),
    };
    Some(Board::new(Setup {
        published: engine.published(),
        journal,
        plugins: host.map(|host| {
            Arc::new(HostView {
                x: watch_x(config, &host),
                host,
                started: Instant::now(),
            }) as Arc<dyn PluginView>
        }),
        token,
        wallet: engine.wallet.to_string(),
        paper,
        explorer_tx,
        exit_rules: exit_rules(config),
    }))
}

/// Serves the board on the engine's control plane; the bound address.
pub(crate) fn serve(config: &Config, engine: &Engine, board: Arc<Board>) -> Result<SocketAddr> {
    let addr = config
        .dashboard
        .addr()
        .context("dashboard.listen is not an address")?;
    engine
        .on_control_plane(kestrel_dashboard::serve(addr, board))
        .map_err(anyhow::Error::from)
}

/// Fans the engine's events out: the page sees each; the plugins get it if their queue has
/// room (a full queue drops, as before).
pub(crate) fn fan_out(
    events: crossbeam_channel::Receiver<EngineEvent>,
    board: Option<Arc<Board>>,
    plugins: Option<crossbeam_channel::Sender<EngineEvent>>,
) {
    std::thread::Builder::new()
        .name("events".into())
        .spawn(move || {
            for e in events {
                if let Some(b) = &board {
                    b.engine_event(&e);
                }
                if let Some(p) = &plugins {
                    let _ = p.try_send(e);
                }
            }
        })
        .ok();
}
