//! The Discord bot, compiled for wasm32-wasip2, inside the real plugin host, against a Discord
//! API fake at the network boundary (command registration, guilds, members, bans, channel
//! messages, bulk delete, AutoMod rules, interaction follow-ups; rate-limit headers kept by a
//! per-route bucket, and 429s) and the engine on the local cluster. Interactions are signed
//! with the Ed25519 test key of FACTS §6.1 and posted to the host's ingress, as Discord posts
//! them: a trader buys and sells from Discord and the fills reach the alerts channel; a
//! non-trader cannot; a timeout sends the right PATCH with the reason header and files case 1,
//! and case numbers survive a restart; a forged or stale interaction is refused with 401
//! before the plugin runs; a 429 is waited out and a burst of alerts never trips the limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "harness/mod.rs"]
mod harness;

#[path = "bots/mod.rs"]
mod bots;

#[path = "discord/api_fake.rs"]
mod api_fake;
#[path = "discord/gateway_fake.rs"]
mod gateway_fake;

#[path = "x/api_fake.rs"]
mod x_fake;

#[path = "x/llm_fake.rs"]
mod llm_fake;

#[path = "x/bot.rs"]
mod x_bot;

use api_fake::{Fake, api, now_ms, snowflake_at};
use gateway_fake::{Gw, INTENTS, gw_upgrade};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ed25519_dalek::{Signer as _, SigningKey};
use harness::{Harness, wait_for};
use kestrel_engine::Engine;
use kestrel_plugin_bridge::{RecentLaunches, forward_events};
use kestrel_plugin_host::gateway::Gateway;
use kestrel_plugin_host::latest::{Event, EventKinds};
use kestrel_plugin_host::{
    Grants, HostSettings, Inbound, PluginHost, PluginLimits, PluginSource, PluginSpec, Verify,
};
use kestrel_sim::faults::Faults;
use serde_json::{Value, json};

const BOT_TOKEN: &str = "MTk4NjIy.test-bot-token";
const APP: &str = "100000000000000001";
const BOT_USER: &str = "100000000000000001";
const GUILD: &str = "200000000000000002";
const OWNER: &str = "300000000000000003";
const TRADER: &str = "400000000000000004";
const STRANGER: &str = "500000000000000005";
const MODERATOR: &str = "600000000000000006";
const MEMBER: &str = "700000000000000007";
const SENIOR: &str = "800000000000000008";
const TRADER_ROLE: &str = "910000000000000001";
const MOD_ROLE: &str = "920000000000000002";
const ADMIN_ROLE: &str = "930000000000000003";
const ALERTS: &str = "110000000000000011";
const MODLOG: &str = "120000000000000012";
const DESK: &str = "130000000000000013";
/// FACTS §6.1's self-made Ed25519 vector: seed 00..1f, and its public key.
const SEED: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];
const PUBLIC_KEY: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const MODERATE_MEMBERS: u64 = 1 << 40;
/// A moderator's permissions: moderate, kick, ban, manage messages.
const MOD_PERMS: u64 = MODERATE_MEMBERS | 1 << 1 | 1 << 2 | 1 << 13;
struct World {
    h: Harness,
    engine: Engine,
    host: Option<Arc<PluginHost>>,
    gateway_url: Option<String>,
    fake: Arc<Fake>,
    base: String,
    storage: PathBuf,
    key: SigningKey,
    next: u64,
    /// The X bot beside it, with the Discord bot as its approval chat: X's fake, and the X
    /// and LLM fakes' addresses.
    x: Option<(Arc<x_fake::XFake>, XBases)>,
    /// One world at a time (held until the world is gone: the last field drops last). Each
    /// test holds Discord's own deadlines (3 s to answer an interaction, a heartbeat ACK per
    /// interval), which nine worlds compiling and running their plugins at once on this
    /// 2-core machine made them miss now and then.
    _serial: std::sync::MutexGuard<'static, ()>,
}

/// Held by each world while it lives.
static SERIAL: Mutex<()> = Mutex::new(());

/// The X and LLM fakes' base URLs.
type XBases = (String, String);

/// The channel the X bot's drafts are shown in.
const X_CHANNEL: &str = "140000000000000014";

fn start_host(
    h: &Harness,
    engine: &Engine,
    base: &str,
    storage: &Path,
    gateway: Option<&str>,
    x: Option<&XBases>,
) -> PluginHost {
    let mut spec = PluginSpec {
        name: "discord".into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::DISCORD),
        settings: [
            ("api_base", format!("{base}/api/v10")),
            ("application_id", APP.into()),
            ("guild_id", GUILD.into()),
            ("alerts_channel", ALERTS.into()),
            ("modlog_channel", MODLOG.into()),
            ("trader_roles", TRADER_ROLE.into()),
            (
                "explorer_tx",
                "https://explorer.example/tx/{signature}?cluster=custom".into(),
            ),
            ("quick_buy_sol", "0.01,0.02,0.05".into()),
            ("alert_interval_ms", "100".into()),
            ("strike_timeout_at", "2".into()),
            ("strike_timeout_minutes", "15".into()),
            ("strike_kick_at", "0".into()),
            ("launch_alerts", "true".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
        grants: Grants {
            http_hosts: vec!["127.0.0.1".into()],
            secrets: vec![("discord_token".into(), BOT_TOKEN.into())],
            engine_commands: true,
            engine_views: true,
            events: EventKinds::all(),
            subscribe_topics: vec!["discord-gateway".into()],
            inbound: Some(Inbound::new(Verify::discord_ed25519(PUBLIC_KEY).unwrap())),
            gateway: gateway.map(|url| Gateway {
                url: url.to_owned(),
                token: BOT_TOKEN.into(),
                intents: INTENTS,
                events: ["MESSAGE_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE"]
                    .map(str::to_owned)
                    .to_vec(),
            }),
            // New-launch alerts screened by the sniper's own rules.
            sniper_launches_only: true,
            ..Grants::default()
        },
        limits: PluginLimits {
            tick: Duration::from_millis(50),
            ..PluginLimits::default()
        },
    };
    let mut specs = Vec::new();
    if let Some((x_base, llm_base)) = x {
        spec.settings.push(("x_channel".into(), X_CHANNEL.into()));
        spec.grants.publish_topics.push("x-actions".into());
        spec.grants.subscribe_topics.push("x-approvals".into());
        specs.push(x_bot::spec(
            x_base,
            llm_base,
            &format!("discord:{TRADER}"),
            &[],
        ));
    }
    specs.insert(0, spec);
    PluginHost::start(
        specs,
        Arc::new(bots::bridge(h, engine, RecentLaunches::default())),
        &HostSettings {
            ingress: Some("127.0.0.1:0".parse().unwrap()),
            storage_dir: Some(storage.to_path_buf()),
        },
    )
    .unwrap()
}

fn world() -> World {
    world_with(true, None, false)
}

fn world_with(forward: bool, gateway: Option<Arc<Gw>>, with_x: bool) -> World {
    // A test that failed holding it poisoned it; the next world is still a fresh one.
    let serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let h = Harness::new(Faults::default());
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new().fallback(api).with_state(fake.clone());
    let base = format!("http://{}", bots::serve(&h.runtime, app));
    let (engine, rx, sniper) = bots::engine(&h);
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let storage = std::env::temp_dir().join(format!(
        "kestrel-discord-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&storage);
    std::fs::create_dir_all(&storage).unwrap();
    let gateway_url = gateway.map(|g| {
        let app = axum::Router::new()
            .route("/", axum::routing::get(gw_upgrade))
            // `resume_gateway_url` comes without a path; the host adds `/?v=10…`.
            .route("/resume/", axum::routing::get(gw_upgrade))
            .with_state(g.clone());
        let addr = bots::serve(&h.runtime, app);
        *g.addr.lock().unwrap() = addr.to_string();
        format!("ws://{addr}/?v=10&encoding=json")
    });
    let x = with_x.then(|| {
        let fake = Arc::new(x_fake::XFake::default());
        let x_base = format!(
            "http://{}",
            bots::serve(&h.runtime, x_fake::router(fake.clone()))
        );
        let llm = Arc::new(llm_fake::LlmFake::default());
        let llm_base = format!("http://{}", bots::serve(&h.runtime, llm_fake::router(llm)));
        (fake, (x_base, llm_base))
    });
    let host = Arc::new(start_host(
        &h,
        &engine,
        &base,
        &storage,
        gateway_url.as_deref(),
        x.as_ref().map(|(_, b)| b),
    ));
    // Engine events to the host; a test that restarts the host goes without.
    if forward {
        let fwd = host.clone();
        let metrics = engine.metrics.clone();
        std::thread::spawn(move || {
            forward_events(
                rx,
                fwd,
                kestrel_model::QuotePrices::SOL_ONLY,
                RecentLaunches::default(),
                metrics,
                Some(kestrel_sniper::Sniper::new(sniper)),
            )
        });
    }
    World {
        h,
        engine,
        host: Some(host),
        gateway_url,
        fake,
        base,
        storage,
        key: SigningKey::from_bytes(&SEED),
        next: 0,
        x,
        _serial: serial,
    }
}

impl World {
    fn host(&self) -> &Arc<PluginHost> {
        self.host.as_ref().unwrap()
    }

    fn hook(&self) -> String {
        format!(
            "http://{}/hooks/discord/interactions",
            self.host().ingress_addr().unwrap()
        )
    }

    /// Posts raw bytes with the given signature headers; the status and the body.
    fn post_signed(&self, body: &[u8], signature: &str, timestamp: &str) -> (u16, Value) {
        let hook = self.hook();
        self.h.runtime.block_on(async {
            let r = reqwest::Client::new()
                .post(&hook)
                .header("X-Signature-Ed25519", signature)
                .header("X-Signature-Timestamp", timestamp)
                .header("content-type", "application/json")
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body = r.bytes().await.unwrap();
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        })
    }

    /// Signs `body` as Discord does (timestamp ‖ body) and posts it.
    fn post(&self, body: &Value) -> (u16, Value) {
        let bytes = body.to_string().into_bytes();
        let ts = (now_ms() / 1_000).to_string();
        let mut signed = ts.as_bytes().to_vec();
        signed.extend_from_slice(&bytes);
        let sig = hex(&self.key.sign(&signed).to_bytes());
        self.post_signed(&bytes, &sig, &ts)
    }

    /// An interaction from `user` with `roles` and `permissions`; its token is `tok<n>`.
    fn interaction(
        &mut self,
        kind: u64,
        user: &str,
        roles: &[&str],
        permissions: u64,
        data: Value,
    ) -> (String, Value) {
        self.next += 1;
        let token = format!("tok{}", self.next);
        let v = json!({
            "type": kind, "id": format!("9{:017}", self.next), "application_id": APP,
            "token": token, "version": 1, "guild_id": GUILD, "channel_id": DESK,
            "member": {
                "user": { "id": user, "username": format!("user{user}") },
                "roles": roles, "permissions": permissions.to_string(),
            },
            "data": data,
        });
        (token, v)
    }

    /// A slash command; the token and the POST's reply.
    fn command(
        &mut self,
        user: &str,
        roles: &[&str],
        permissions: u64,
        name: &str,
        options: Value,
    ) -> (String, Value) {
        let mut data = json!({ "type": 1, "id": "1", "name": name, "options": options });
        // User options come with what Discord resolved of them.
        let users: Vec<String> = options
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["type"] == 6)
            .map(|o| o["value"].as_str().unwrap().to_owned())
            .collect();
        if !users.is_empty() {
            let role_of = |u: &str| match u {
                SENIOR => vec![ADMIN_ROLE],
                MODERATOR => vec![MOD_ROLE],
                _ => vec![],
            };
            data["resolved"] = json!({
                "users": users.iter().map(|u| (u.clone(), json!({"id": u, "username": format!("user{u}")}))).collect::<serde_json::Map<_, _>>(),
                "members": users.iter().map(|u| (u.clone(), json!({"roles": role_of(u)}))).collect::<serde_json::Map<_, _>>(),
            });
        }
        let (token, v) = self.interaction(2, user, roles, permissions, data);
        let (status, body) = self.post(&v);
        assert_eq!(status, 200, "{name}: {body}");
        (token, body)
    }

    /// Presses a button; the POST's reply.
    fn press(&mut self, user: &str, roles: &[&str], custom_id: &str) -> Value {
        let (_, v) = self.interaction(
            3,
            user,
            roles,
            0,
            json!({ "custom_id": custom_id, "component_type": 2 }),
        );
        let (status, body) = self.post(&v);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Stops the host and starts it again on the same store.
    fn restart(&mut self) {
        let host = self.host.take().unwrap();
        let host =
            Arc::try_unwrap(host).unwrap_or_else(|_| panic!("the test holds the only handle"));
        host.stop();
        self.host = Some(Arc::new(start_host(
            &self.h,
            &self.engine,
            &self.base,
            &self.storage,
            self.gateway_url.as_deref(),
            self.x.as_ref().map(|(_, b)| b),
        )));
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn buttons(reply: &Value) -> Vec<(String, String)> {
    reply["data"]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_owned(),
                b["custom_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn user_opt(id: &str) -> Value {
    json!({ "type": 6, "name": "user", "value": id })
}

fn str_opt(name: &str, v: &str) -> Value {
    json!({ "type": 3, "name": name, "value": v })
}

fn int_opt(name: &str, v: i64) -> Value {
    json!({ "type": 4, "name": name, "value": v })
}

#[test]
fn a_trader_buys_and_sells_from_discord_and_the_fills_reach_the_alerts_channel() {
    let mut w = world();
    let mint = w.h.launch(0).to_string();

    // On start the bot registers its commands in the guild, moderation ones behind a
    // permission.
    wait_for("the commands", Duration::from_secs(20), || {
        !w.fake
            .requests(
                "PUT",
                &format!("/applications/{APP}/guilds/{GUILD}/commands"),
            )
            .is_empty()
    });
    let registered = w.fake.requests("PUT", "/applications/").remove(0).body;
    let ban = registered
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ban")
        .unwrap();
    assert_eq!(ban["default_member_permissions"], "4");
    assert!(
        registered
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Report message" && c["type"] == 3)
    );

    // PING → PONG.
    let (status, pong) =
        w.post(&json!({"type": 1, "id": "1", "application_id": APP, "token": "t", "version": 1}));
    assert_eq!((status, pong), (200, json!({"type": 1})));

    // A member without the trader role is refused, privately, and nothing is bought.
    let (_, r) = w.command(
        STRANGER,
        &[],
        0,
        "buy",
        json!([str_opt("mint", &mint), str_opt("sol", "0.02")]),
    );
    assert_eq!(r["type"], 4);
    assert_eq!(r["data"]["flags"], 64, "{r}");
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("only the desk's traders")
    );
    let (_, r) = w.command(STRANGER, &[], 0, "positions", json!([]));
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("only the desk's traders")
    );
    assert_eq!(
        w.host().status_of("discord").unwrap().commands,
        0,
        "no engine call was made"
    );

    // Above the guardian's cap (0.02 SOL): refused before any button.
    let (_, r) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "buy",
        json!([str_opt("mint", &mint), str_opt("sol", "0.05")]),
    );
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("above the guardian's cap of 0.02 SOL"),
        "{r}"
    );
    // No amount: the quick buys the guardian allows, as buttons only the asker sees.
    let (_, r) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "buy",
        json!([str_opt("mint", &mint)]),
    );
    assert_eq!(r["data"]["flags"], 64);
    let labels: Vec<String> = buttons(&r).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["Buy 0.01 SOL", "Buy 0.02 SOL", "Cancel"]);
    assert_eq!(
        w.engine.metrics.bought.load(Relaxed),
        0,
        "nothing trades before the press"
    );

    // The trader confirms 0.02 SOL: the buy goes to the engine, and the fill comes to the
    // alerts channel and to the trader.
    let (token, r) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "buy",
        json!([str_opt("mint", &mint), str_opt("sol", "0.02")]),
    );
    assert!(token.starts_with("tok"));
    let confirm = buttons(&r)[0].1.clone();
    // Another trader cannot press someone else's confirmation, and their press takes nothing.
    let other = w.press("410000000000000004", &[TRADER_ROLE], &confirm);
    assert!(
        other["data"]["content"]
            .as_str()
            .unwrap()
            .contains("expired or was used"),
        "{other}"
    );
    let (_, press) = w.interaction(
        3,
        TRADER,
        &[TRADER_ROLE],
        0,
        json!({ "custom_id": confirm, "component_type": 2 }),
    );
    let press_token = press["token"].as_str().unwrap().to_owned();
    let (_, pressed) = w.post(&press);
    assert_eq!(pressed["type"], 7, "the buttons are replaced: {pressed}");
    assert_eq!(pressed["data"]["components"], json!([]));
    assert!(
        pressed["data"]["content"]
            .as_str()
            .unwrap()
            .contains("follows here"),
        "{pressed}"
    );
    // Pressed twice: nothing more.
    let again = w.press(TRADER, &[TRADER_ROLE], &confirm);
    assert!(
        again["data"]["content"]
            .as_str()
            .unwrap()
            .contains("expired or was used")
    );
    wait_for(
        "the fill in the alerts channel",
        Duration::from_secs(30),
        || {
            w.fake
                .titles(ALERTS)
                .iter()
                .any(|t| t.starts_with("Bought"))
        },
    );
    assert_eq!(w.engine.metrics.bought.load(Relaxed), 1);
    let alert = w
        .fake
        .requests("POST", &format!("/channels/{ALERTS}/messages"))
        .into_iter()
        .find(|r| r.body.to_string().contains("Bought"))
        .unwrap();
    assert_eq!(alert.body["allowed_mentions"], json!({"parse": []}));
    let embed = &alert.body["embeds"][0];
    assert!(
        embed["url"]
            .as_str()
            .unwrap()
            .starts_with("https://explorer.example/tx/")
    );
    let fields: Vec<&str> = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for f in ["Size", "Paid", "Price", "Fees"] {
        assert!(fields.contains(&f), "{fields:?}");
    }
    wait_for("the fill to the trader", Duration::from_secs(20), || {
        w.fake
            .followups(&press_token)
            .iter()
            .any(|f| f.contains("[Bought"))
    });
    let followup = w
        .fake
        .requests("POST", &format!("/webhooks/{APP}/{press_token}"))
        .remove(0);
    assert_eq!(followup.body["flags"], 64, "the trader's own business");

    // Views.
    let (_, r) = w.command(TRADER, &[TRADER_ROLE], 0, "positions", json!([]));
    assert_eq!(r["data"]["embeds"][0]["title"], "1 open positions");
    let (_, r) = w.command(TRADER, &[TRADER_ROLE], 0, "status", json!([]));
    assert_eq!(r["data"]["embeds"][0]["title"], "Trading: active");
    let (price_token, r) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "price",
        json!([str_opt("mint", &mint)]),
    );
    assert_eq!(r["type"], 5, "read from the chain: deferred");
    wait_for("the price", Duration::from_secs(20), || {
        w.fake
            .followups(&price_token)
            .iter()
            .any(|f| f.contains("on the curve") && f.contains("Market cap"))
    });
    let (_, r) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "pnl",
        json!([str_opt("day", "2020-01-01")]),
    );
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("No digest kept")
    );

    // Autocomplete offers the open position for /sell.
    let (_, ac) = w.interaction(
        4,
        TRADER,
        &[TRADER_ROLE],
        0,
        json!({"type": 1, "name": "sell", "options": [
        {"type": 3, "name": "mint", "value": &mint[..3], "focused": true}]}),
    );
    let (_, ac) = w.post(&ac);
    assert_eq!(ac["type"], 8);
    assert_eq!(ac["data"]["choices"][0]["value"], json!(mint));

    // Sell it all: the sell and its realized PnL reach the alerts channel.
    let (_, r) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "sell",
        json!([str_opt("mint", &mint), int_opt("percent", 100)]),
    );
    let confirm = buttons(&r)[0].1.clone();
    assert_eq!(buttons(&r)[0].0, "Sell 100 %");
    // Pressed through an interaction whose token Discord no longer knows by the time the
    // fill follows (404): that follow-up is dropped, never retried.
    let (_, mut press) = w.interaction(
        3,
        TRADER,
        &[TRADER_ROLE],
        0,
        json!({ "custom_id": confirm, "component_type": 2 }),
    );
    press["token"] = json!("expired-sell");
    assert_eq!(w.post(&press).1["type"], 7);
    wait_for(
        "the sell in the alerts channel",
        Duration::from_secs(30),
        || w.fake.titles(ALERTS).iter().any(|t| t.starts_with("Sold")),
    );
    let sold = w
        .fake
        .requests("POST", &format!("/channels/{ALERTS}/messages"))
        .into_iter()
        .find(|r| r.body.to_string().contains("Sold"))
        .unwrap();
    assert!(sold.body.to_string().contains("Realized"), "{}", sold.body);
    let gone = format!("/webhooks/{APP}/expired-sell");
    wait_for(
        "the follow-up to a gone token",
        Duration::from_secs(20),
        || !w.fake.requests("POST", &gone).is_empty(),
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(w.fake.requests("POST", &gone).len(), 1, "a 404 is final");

    // Pause from Discord: the state change reaches the alerts channel.
    let (_, r) = w.command(TRADER, &[TRADER_ROLE], 0, "pause", json!([]));
    assert_eq!(r["type"], 4);
    wait_for("the state change", Duration::from_secs(20), || {
        w.fake.titles(ALERTS).iter().any(|t| t.contains("paused"))
    });
    // The kill switch asks first.
    let (_, r) = w.command(TRADER, &[TRADER_ROLE], 0, "kill", json!([]));
    let labels: Vec<String> = buttons(&r).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["Halt", "Halt and sell all", "Cancel"]);
    let cancel = buttons(&r)[2].1.clone();
    let r = w.press(TRADER, &[TRADER_ROLE], &cancel);
    assert_eq!(r["data"]["content"], "Cancelled.");

    assert_eq!(
        *w.fake.violations.lock().unwrap(),
        0,
        "no rate limit was broken"
    );
    assert_eq!(*w.fake.unauthorized.lock().unwrap(), 0);
    assert_eq!(*w.fake.broken_rules.lock().unwrap(), 0);
    let st = w.host().status_of("discord").unwrap();
    assert_eq!((st.faults, st.webhooks_late), (0, 0), "{st:?}");
}

#[test]
fn a_timeout_sends_the_right_patch_with_the_reason_and_case_numbers_survive_a_restart() {
    let mut w = world_with(false, None, false);
    let mods: &[&str] = &[MOD_ROLE];

    // A member without the permission is refused before anything runs.
    let (_, r) = w.command(
        STRANGER,
        &[],
        0,
        "timeout",
        json!([user_opt(MEMBER), str_opt("duration", "10m")]),
    );
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("lack the permission")
    );

    let before = now_ms();
    let (token, r) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "timeout",
        json!([
            user_opt(MEMBER),
            str_opt("duration", "10m"),
            str_opt("reason", "spam links & invites")
        ]),
    );
    assert_eq!(r["type"], 5, "deferred");
    assert_eq!(r["data"]["flags"], 64, "the moderator's own business");
    wait_for("the PATCH", Duration::from_secs(20), || {
        !w.fake
            .requests("PATCH", &format!("/guilds/{GUILD}/members/{MEMBER}"))
            .is_empty()
    });
    let patch = w
        .fake
        .requests("PATCH", &format!("/guilds/{GUILD}/members/{MEMBER}"))
        .remove(0);
    assert_eq!(
        patch.headers["x-audit-log-reason"],
        format!("spam%20links%20%26%20invites%20%28by%20user{MODERATOR}%29")
    );
    assert_eq!(patch.headers["content-type"], "application/json");
    let until = patch.body["communication_disabled_until"].as_str().unwrap();
    assert!(until.ends_with('Z') && until.len() == 24, "{until}");
    // Ten minutes from now, to the second.
    let expected = before / 1_000 + 600;
    let got = {
        let (date, time) = until.split_once('T').unwrap();
        let d: Vec<u64> = date.split('-').map(|x| x.parse().unwrap()).collect();
        let t: Vec<u64> = time[..8].split(':').map(|x| x.parse().unwrap()).collect();
        // Days from the civil date (the same algorithm, independently written, checked by
        // one known day below).
        let (y, m) = if d[1] <= 2 {
            (d[0] - 1, d[1] + 9)
        } else {
            (d[0], d[1] - 3)
        };
        let era = y / 400;
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + d[2] - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 + t[0] * 3_600 + t[1] * 60 + t[2]
    };
    assert!(
        (expected..=expected + 5).contains(&got),
        "{until}: {got} vs {expected}"
    );
    wait_for("the answer with case 1", Duration::from_secs(20), || {
        w.fake
            .followups(&token)
            .iter()
            .any(|f| f.starts_with("Case #1: #1 timeout"))
    });
    wait_for("the mod log", Duration::from_secs(20), || {
        w.fake
            .titles(MODLOG)
            .iter()
            .any(|t| t == "Case #1: timeout")
    });

    // Refusals: the owner, the bot, oneself, a member at or above the moderator's role.
    for (target, why) in [
        (OWNER, "server owner"),
        (BOT_USER, "moderate myself"),
        (MODERATOR, "moderate yourself"),
        (SENIOR, "at or above your top role"),
    ] {
        let (token, _) = w.command(
            MODERATOR,
            mods,
            MOD_PERMS,
            "timeout",
            json!([user_opt(target), str_opt("duration", "1h")]),
        );
        wait_for(why, Duration::from_secs(20), || {
            w.fake.followups(&token).iter().any(|f| f.contains(why))
        });
    }
    assert_eq!(
        w.fake.requests("PATCH", &format!("/guilds/{GUILD}/")).len(),
        1,
        "no PATCH for a refused timeout"
    );

    // Strikes: two warns reach the timeout threshold (2 points here), and the bot times the
    // member out by itself, as a case of its own.
    let (t1, _) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "warn",
        json!([user_opt("710000000000000007"), str_opt("reason", "rude")]),
    );
    wait_for("the first warn", Duration::from_secs(20), || {
        w.fake.followups(&t1).iter().any(|f| f.contains("Case #2"))
    });
    let (t2, _) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "warn",
        json!([
            user_opt("710000000000000007"),
            str_opt("reason", "rude again")
        ]),
    );
    wait_for("the escalation", Duration::from_secs(20), || {
        w.fake
            .followups(&t2)
            .iter()
            .any(|f| f.contains("2 strike points: timeout follows"))
    });
    wait_for("the strike timeout", Duration::from_secs(20), || {
        !w.fake
            .requests(
                "PATCH",
                &format!("/guilds/{GUILD}/members/710000000000000007"),
            )
            .is_empty()
    });
    wait_for("its case", Duration::from_secs(20), || {
        w.fake
            .titles(MODLOG)
            .iter()
            .any(|t| t == "Case #4: timeout")
    });

    // Restart: the next case is #5, and case 1 is still there.
    w.restart();
    let (t, _) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "kick",
        json!([user_opt(MEMBER), str_opt("reason", "after restart")]),
    );
    wait_for("case 5 after the restart", Duration::from_secs(30), || {
        w.fake
            .followups(&t)
            .iter()
            .any(|f| f.starts_with("Case #5: #5 kick"))
    });
    let (_, r) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "case",
        json!([int_opt("number", 1)]),
    );
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("#1 timeout"),
        "{r}"
    );
    let (_, r) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "cases",
        json!([user_opt(MEMBER)]),
    );
    let text = r["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("#1 timeout") && text.contains("#5 kick"),
        "{text}"
    );
    let (_, r) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "reason",
        json!([int_opt("case", 1), str_opt("text", "flooding the desk")]),
    );
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("flooding the desk")
    );

    // Ban (with an hour of messages deleted) and unban.
    let (t, _) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "ban",
        json!([user_opt(MEMBER), int_opt("delete_messages", 3_600)]),
    );
    wait_for("the ban", Duration::from_secs(20), || {
        w.fake.followups(&t).iter().any(|f| f.contains("ban"))
    });
    let put = w
        .fake
        .requests("PUT", &format!("/guilds/{GUILD}/bans/{MEMBER}"))
        .remove(0);
    assert_eq!(put.body, json!({"delete_message_seconds": 3_600}));
    let (t, _) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "unban",
        json!([user_opt(MEMBER)]),
    );
    wait_for("the unban", Duration::from_secs(20), || {
        w.fake.followups(&t).iter().any(|f| f.contains("unban"))
    });

    // Report message: a case for the moderators.
    let data = json!({"type": 3, "name": "Report message", "target_id": "55", "resolved": {"messages": {"55": {
        "id": "55", "channel_id": DESK, "content": "@everyone free SOL at scam.example",
        "author": {"id": "720000000000000007", "username": "scammer"}}}}});
    let (_, v) = w.interaction(2, STRANGER, &[], 0, data);
    let (_, r) = w.post(&v);
    assert_eq!(r["data"]["flags"], 64);
    assert!(
        r["data"]["content"].as_str().unwrap().contains("case #"),
        "{r}"
    );
    wait_for("the report in the mod log", Duration::from_secs(20), || {
        w.fake
            .titles(MODLOG)
            .iter()
            .any(|t| t.ends_with(": report"))
    });
    let log = w
        .fake
        .requests("POST", &format!("/channels/{MODLOG}/messages"));
    assert!(
        log.iter()
            .all(|r| r.body["allowed_mentions"] == json!({"parse": []}))
    );

    // Purge: only messages under two weeks old go to bulk delete.
    let now = now_ms();
    *w.fake.messages.lock().unwrap() = vec![
        snowflake_at(now - 60_000, 1),
        snowflake_at(now - 86_400_000, 2),
        snowflake_at(now - 20 * 86_400_000, 3),
    ];
    let (t, _) = w.command(
        MODERATOR,
        mods,
        MOD_PERMS,
        "purge",
        json!([int_opt("count", 3)]),
    );
    wait_for("the purge", Duration::from_secs(20), || {
        w.fake
            .followups(&t)
            .iter()
            .any(|f| f.contains("Deleted 2 messages"))
    });
    let listed = w
        .fake
        .requests("GET", &format!("/channels/{DESK}/messages"))
        .remove(0);
    assert_eq!(listed.query, "limit=3");
    let bulk = w
        .fake
        .requests("POST", &format!("/channels/{DESK}/messages/bulk-delete"))
        .remove(0);
    assert_eq!(bulk.body["messages"].as_array().unwrap().len(), 2);
    assert_eq!(*w.fake.unauthorized.lock().unwrap(), 0);
    assert_eq!(*w.fake.broken_rules.lock().unwrap(), 0);
}

#[test]
fn automod_rules_are_managed_through_discords_api() {
    let mut w = world();
    let manage: u64 = 1 << 5;
    let sub = |group: Option<&str>, name: &str, opts: Value| -> Value {
        let s = json!({"type": 1, "name": name, "options": opts});
        match group {
            Some(g) => json!([{"type": 2, "name": g, "options": [s]}]),
            None => json!([s]),
        }
    };
    let (t, _) = w.command(
        MODERATOR,
        &[MOD_ROLE],
        manage,
        "automod",
        sub(Some("keyword"), "add", json!([str_opt("word", "Rug Pull")])),
    );
    wait_for("the rule", Duration::from_secs(20), || {
        w.fake
            .followups(&t)
            .iter()
            .any(|f| f.contains("is blocked"))
    });
    let post = w
        .fake
        .requests("POST", &format!("/guilds/{GUILD}/auto-moderation/rules"))
        .remove(0);
    assert_eq!(post.body["trigger_type"], 1);
    assert_eq!(post.body["event_type"], 1);
    assert_eq!(
        post.body["trigger_metadata"]["keyword_filter"],
        json!(["rug pull"])
    );
    assert_eq!(
        post.body["actions"][1],
        json!({"type": 2, "metadata": {"channel_id": MODLOG}})
    );
    assert!(post.headers.contains_key("x-audit-log-reason"));
    let (t, _) = w.command(
        MODERATOR,
        &[MOD_ROLE],
        manage,
        "automod",
        sub(Some("keyword"), "add", json!([str_opt("word", "scam")])),
    );
    wait_for("the second word", Duration::from_secs(20), || {
        w.fake
            .followups(&t)
            .iter()
            .any(|f| f.contains("2 words blocked"))
    });
    assert_eq!(
        w.fake.rules.lock().unwrap()[0]["trigger_metadata"]["keyword_filter"],
        json!(["rug pull", "scam"])
    );
    let (t, _) = w.command(
        MODERATOR,
        &[MOD_ROLE],
        manage,
        "automod",
        sub(None, "mentions", json!([int_opt("limit", 5)])),
    );
    wait_for("the mention rule", Duration::from_secs(20), || {
        w.fake
            .followups(&t)
            .iter()
            .any(|f| f.contains("more than 5 mentions"))
    });
    assert!(
        w.fake
            .rules
            .lock()
            .unwrap()
            .iter()
            .any(|r| r["trigger_type"] == 5 && r["trigger_metadata"]["mention_total_limit"] == 5)
    );
    let (t, _) = w.command(
        MODERATOR,
        &[MOD_ROLE],
        manage,
        "automod",
        sub(Some("keyword"), "list", json!([])),
    );
    wait_for("the list", Duration::from_secs(20), || {
        w.fake
            .followups(&t)
            .iter()
            .any(|f| f.contains("`rug pull`, `scam`") && f.contains("Mention limit: 5"))
    });
    for word in ["scam", "rug pull"] {
        let (t, _) = w.command(
            MODERATOR,
            &[MOD_ROLE],
            manage,
            "automod",
            sub(Some("keyword"), "remove", json!([str_opt("word", word)])),
        );
        wait_for("a removal", Duration::from_secs(20), || {
            w.fake
                .followups(&t)
                .iter()
                .any(|f| f.contains("no longer blocked"))
        });
    }
    assert_eq!(
        w.fake
            .requests("DELETE", &format!("/guilds/{GUILD}/auto-moderation/rules/"))
            .len(),
        1,
        "the emptied rule is deleted"
    );
    // Without Manage Server: refused before anything runs.
    let (_, r) = w.command(
        MODERATOR,
        &[MOD_ROLE],
        MODERATE_MEMBERS,
        "automod",
        sub(Some("keyword"), "list", json!([])),
    );
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("lack the permission")
    );
}

#[test]
fn a_forged_or_stale_interaction_is_refused_with_401_before_the_plugin_runs() {
    let mut w = world();
    let (_, v) = w.interaction(
        2,
        TRADER,
        &[TRADER_ROLE],
        0,
        json!({"type": 1, "name": "status"}),
    );
    let body = v.to_string().into_bytes();
    let ts = (now_ms() / 1_000).to_string();
    let sign = |ts: &str, body: &[u8]| {
        let mut m = ts.as_bytes().to_vec();
        m.extend_from_slice(body);
        hex(&w.key.sign(&m).to_bytes())
    };
    // FACTS §6.1's vector verifies with the host's key: the signed bytes are exactly
    // timestamp ‖ body.
    let vector = br#"{"type":1,"id":"1","application_id":"2","token":"t","version":1}"#;
    assert_eq!(
        sign("1700000000", vector),
        "0f9e54b264347b4abf8a98448093023b92be156813d2f25d6df7151bbd0632ec668fd2e83ace7421c389b138783a8a5a3833d2805bcd2d84c5b452027c07460a"
    );
    let good = sign(&ts, &body);
    // A body changed after signing.
    let mut tampered = body.clone();
    tampered.push(b' ');
    assert_eq!(w.post_signed(&tampered, &good, &ts).0, 401);
    // Another key's signature.
    let forger = SigningKey::from_bytes(&[9; 32]);
    let mut m = ts.as_bytes().to_vec();
    m.extend_from_slice(&body);
    assert_eq!(
        w.post_signed(&body, &hex(&forger.sign(&m).to_bytes()), &ts)
            .0,
        401
    );
    // Garbage and missing signatures.
    assert_eq!(w.post_signed(&body, "zz", &ts).0, 401);
    assert_eq!(w.post_signed(&body, "", "").0, 401);
    // A correct signature over a timestamp an hour old: a replay.
    let old = (now_ms() / 1_000 - 3_600).to_string();
    assert_eq!(w.post_signed(&body, &sign(&old, &body), &old).0, 401);
    let st = w.host().status_of("discord").unwrap();
    assert_eq!(st.webhooks, 0, "the plugin saw none of them: {st:?}");
    assert_eq!(st.webhooks_refused, 5);
    // The genuine one passes.
    let (status, r) = w.post_signed(&body, &good, &ts);
    assert_eq!(status, 200);
    assert_eq!(r["data"]["embeds"][0]["title"], "Trading: active");
    // Signed but malformed: a clear 400 from the bot, which keeps running.
    for junk in [&b"not json"[..], b"{}", b"[]", br#"{"type":2}"#] {
        let ts = (now_ms() / 1_000).to_string();
        let (status, _) = w.post_signed(junk, &sign(&ts, junk), &ts);
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(junk));
    }
    let st = w.host().status_of("discord").unwrap();
    assert_eq!((st.faults, st.running), (0, true), "{st:?}");
    // Its memory is counted, within its limit (64 MiB by default).
    assert!(st.memory_bytes > 0 && st.memory_bytes <= 64 << 20, "{st:?}");
}

#[test]
fn a_429_is_waited_out_and_a_burst_of_alerts_is_coalesced_within_the_limits() {
    let w = world();
    wait_for("the start-up", Duration::from_secs(20), || {
        !w.fake.requests("PUT", "/applications/").is_empty()
    });
    // The first alert message meets a 429 asking for 1.5 s.
    w.fake.faults.lock().unwrap().push((
        "POST".into(),
        format!("/channels/{ALERTS}/messages"),
        429,
        json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}),
        vec![("x-ratelimit-scope".into(), "user".into())],
    ));
    // 60 alerts at once, each naming "@everyone".
    for i in 0..60 {
        w.host()
            .publish(&Event::Alert(format!("@everyone alert {i}")));
    }
    let ours = |w: &World| -> usize {
        w.fake
            .requests("POST", &format!("/channels/{ALERTS}/messages"))
            .iter()
            .flat_map(|r| r.body["embeds"].as_array().cloned().unwrap_or_default())
            .filter(|e| {
                e["description"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("@everyone alert")
            })
            .count()
    };
    wait_for("every alert", Duration::from_secs(60), || ours(&w) >= 60);
    let posts = w
        .fake
        .requests("POST", &format!("/channels/{ALERTS}/messages"));
    // One refused by the forced 429, then ten embeds a message.
    assert!(posts.len() <= 8, "{} messages for 60 alerts", posts.len());
    assert!(
        posts
            .iter()
            .all(|r| r.body["allowed_mentions"] == json!({"parse": []}))
    );
    assert!(
        posts
            .iter()
            .all(|r| r.body["embeds"].as_array().unwrap().len() <= 10)
    );
    // After the 429 the bot waited its retry_after.
    let gap = posts[1].at.duration_since(posts[0].at);
    assert!(gap >= Duration::from_millis(1_450), "{gap:?}");
    assert_eq!(
        *w.fake.violations.lock().unwrap(),
        0,
        "the bucket's headers were kept"
    );
    let descriptions = ours(&w);
    assert_eq!(descriptions, 60, "none lost, none twice");
}

#[test]
fn with_the_gateway_the_spam_filter_acts_joins_are_logged_and_a_dropped_connection_resumes() {
    let g = Arc::new(Gw::default());
    let w = world_with(true, Some(g.clone()), false);

    // IDENTIFY carries the token (filled in by the host) and the intents from config.
    wait_for("IDENTIFY", Duration::from_secs(20), || !g.ops(2).is_empty());
    let identify = g.ops(2).remove(0).2;
    assert_eq!(identify["d"]["token"], BOT_TOKEN);
    assert_eq!(identify["d"]["intents"], INTENTS);
    assert_eq!(identify["d"]["properties"]["browser"], "kestrel");
    wait_for("heartbeats", Duration::from_secs(20), || {
        g.ops(1).len() >= 2
    });

    // Four identical messages from a member: deleted in one bulk delete, the member timed
    // out, a case filed and logged.
    let now = now_ms();
    for i in 0..4 {
        g.dispatch(
            "MESSAGE_CREATE",
            json!({
                "id": snowflake_at(now, i), "channel_id": DESK, "guild_id": GUILD,
                "content": "FREE SOL claim now", "mentions": [],
                "author": {"id": MEMBER, "username": "spammer"}, "member": {"roles": []},
            }),
        );
    }
    // A trader saying the same is not filtered.
    for i in 10..14 {
        g.dispatch(
            "MESSAGE_CREATE",
            json!({
                "id": snowflake_at(now, i), "channel_id": DESK, "guild_id": GUILD,
                "content": "gm gm", "mentions": [],
                "author": {"id": TRADER, "username": "trader"}, "member": {"roles": [TRADER_ROLE]},
            }),
        );
    }
    wait_for("the bulk delete", Duration::from_secs(20), || {
        !w.fake
            .requests("POST", &format!("/channels/{DESK}/messages/bulk-delete"))
            .is_empty()
    });
    let bulk = w
        .fake
        .requests("POST", &format!("/channels/{DESK}/messages/bulk-delete"))
        .remove(0);
    assert_eq!(bulk.body["messages"].as_array().unwrap().len(), 4);
    wait_for("the timeout", Duration::from_secs(20), || {
        !w.fake
            .requests("PATCH", &format!("/guilds/{GUILD}/members/{MEMBER}"))
            .is_empty()
    });
    let patch = w
        .fake
        .requests("PATCH", &format!("/guilds/{GUILD}/members/{MEMBER}"))
        .remove(0);
    assert!(
        patch.headers["x-audit-log-reason"]
            .starts_with("spam%20filter%3A%20the%20same%20message%204%20times"),
        "{:?}",
        patch.headers
    );
    wait_for("the spam case", Duration::from_secs(20), || {
        w.fake.titles(MODLOG).iter().any(|t| t == "Case #1: spam")
    });

    // Joins and leaves go to the mod log.
    g.dispatch(
        "GUILD_MEMBER_ADD",
        json!({"guild_id": GUILD, "user": {"id": "730000000000000007", "username": "newcomer"}}),
    );
    g.dispatch(
        "GUILD_MEMBER_REMOVE",
        json!({"guild_id": GUILD, "user": {"id": MEMBER, "username": "spammer"}}),
    );
    wait_for("join and leave", Duration::from_secs(20), || {
        let t = w.fake.titles(MODLOG);
        t.iter().any(|t| t == "Member joined") && t.iter().any(|t| t == "Member left")
    });

    // The connection drops: the host resumes the session at resume_gateway_url, with the
    // last sequence number, and does not identify again. (On a loaded machine a late ACK may
    // have made it resume before: the RESUME looked at is the one after the drop.)
    let resumes_before = g.ops(6).len();
    let last_seq = g.seq.load(Relaxed);
    g.to_send.lock().unwrap().push(None);
    wait_for("RESUME", Duration::from_secs(20), || {
        g.ops(6).len() > resumes_before
    });
    let (_, path, resume) = g.ops(6).remove(resumes_before);
    assert_eq!(path, "/resume/");
    assert_eq!(resume["d"]["session_id"], "sess-1");
    assert_eq!(resume["d"]["token"], BOT_TOKEN);
    assert_eq!(resume["d"]["seq"], last_seq);

    // Heartbeats go unanswered: a zombie, closed with a code that keeps the session, and
    // resumed again.
    g.no_ack.store(true, Relaxed);
    wait_for("the zombie's close", Duration::from_secs(20), || {
        g.closes.lock().unwrap().contains(&4000)
    });
    g.no_ack.store(false, Relaxed);
    wait_for("a second RESUME", Duration::from_secs(20), || {
        g.ops(6).len() > resumes_before + 1
    });
    let stats = w.host().gateway_stats("discord").unwrap();
    assert_eq!(
        stats.identifies.load(Relaxed),
        1,
        "a session is resumed, never restarted"
    );
    assert!(stats.resumes.load(Relaxed) >= 2);
    assert_eq!(*w.fake.violations.lock().unwrap(), 0);
}

#[test]
fn launch_alerts_follow_the_snipers_own_rules() {
    let mut w = world();
    // Events reach a plugin once it runs and has subscribed.
    wait_for("the bot's start", Duration::from_secs(20), || {
        !w.fake.requests("PUT", "/applications/").is_empty()
    });
    // The sniper here skips names with "test coin": no alert for those.
    w.h.launch(0);
    let mint = kestrel_sim::cluster::seeded_keypair(11, "discord-launch", 0);
    kestrel_sim::scenario::launch_coin(
        &w.h.server.cluster,
        &w.h.creators[1],
        &mint,
        "Kestrel Moon",
        "MOON",
    )
    .unwrap();
    wait_for("the launch alert", Duration::from_secs(30), || {
        w.fake
            .titles(ALERTS)
            .iter()
            .any(|t| t == "Launch: Kestrel Moon (MOON)")
    });
    assert_eq!(
        w.host().status_of("discord").unwrap().launches_held,
        1,
        "the test coin was held back"
    );
    assert!(
        !w.fake
            .titles(ALERTS)
            .iter()
            .any(|t| t.contains("Test Coin")),
        "{:?}",
        w.fake.titles(ALERTS)
    );
}

#[test]
fn an_x_draft_is_edited_in_a_form_and_approved_from_discord_and_posted_once() {
    let mut w = world_with(true, None, true);
    let x = w.x.as_ref().unwrap().0.clone();
    wait_for("the X bot's account check", Duration::from_secs(60), || {
        x.seen
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.path == "/2/users/me")
    });
    let option = |v: &str| json!([{ "name": "command", "type": 3, "value": v }]);
    let (token, body) = w.command(
        TRADER,
        &[TRADER_ROLE],
        0,
        "x",
        option("new gm from the desk"),
    );
    assert_eq!(
        body["type"], 5,
        "deferred: the X bot answers through the token"
    );
    wait_for("the answer", Duration::from_secs(20), || {
        w.fake
            .followups(&token)
            .iter()
            .any(|f| f.contains("Draft #1 made"))
    });
    // The draft, in the approval channel, with its buttons.
    let ids = |w: &World| -> Vec<String> {
        w.fake
            .requests("POST", &format!("/channels/{X_CHANNEL}/messages"))
            .iter()
            .flat_map(|r| {
                r.body["components"][0]["components"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
            .collect()
    };
    wait_for("the draft in the channel", Duration::from_secs(20), || {
        !ids(&w).is_empty()
    });
    let shown = ids(&w);
    let codes: Vec<&str> = shown.iter().map(|b| &b[..6]).collect();
    assert_eq!(codes, ["x:a:1:", "x:e:1:", "x:r:1:", "x:n:1:"]);
    let (approve, edit) = (shown[0].clone(), shown[1].clone());
    let shown = w
        .fake
        .requests("POST", &format!("/channels/{X_CHANNEL}/messages"))[0]
        .body
        .clone();
    assert_eq!(shown["allowed_mentions"], json!({ "parse": [] }));
    // A member who is not an approver: acknowledged, then told no.
    let ack = w.press(STRANGER, &[], &approve);
    assert_eq!(ack["type"], 6);
    let stranger_token = format!("tok{}", w.next);
    wait_for("the refusal", Duration::from_secs(20), || {
        w.fake
            .followups(&stranger_token)
            .iter()
            .any(|f| f.contains("Only the X bot's approvers"))
    });
    // Edit opens a form; its text goes to the X bot, checked again.
    let form = w.press(TRADER, &[TRADER_ROLE], &edit);
    assert_eq!(form["type"], 9);
    assert_eq!(form["data"]["custom_id"], "x:edit:1");
    let data = json!({ "custom_id": "x:edit:1", "components": [{ "type": 1, "components": [{ "type": 4, "custom_id": "text", "value": "gm, edited in Discord" }] }] });
    let (edit_token, submit) = w.interaction(5, TRADER, &[TRADER_ROLE], 0, data);
    let (status, reply) = w.post(&submit);
    assert_eq!(
        (status, reply["type"].clone()),
        (200, json!(6)),
        "updates the post's message"
    );
    wait_for("the edit's answer", Duration::from_secs(20), || {
        w.fake
            .followups(&edit_token)
            .iter()
            .any(|f| f.contains("#1 edited: a draft again"))
    });
    // Approved twice: posted once.
    // The first words' button approves nothing now; the edited post's does, once.
    w.press(TRADER, &[TRADER_ROLE], &approve);
    let stale_token = format!("tok{}", w.next);
    wait_for("the stale button's answer", Duration::from_secs(20), || {
        w.fake
            .followups(&stale_token)
            .iter()
            .any(|f| f.contains("changed since it was shown"))
    });
    wait_for(
        "the edited post in the channel",
        Duration::from_secs(20),
        || ids(&w).len() > 4,
    );
    let approve = ids(&w)
        .into_iter()
        .rev()
        .find(|b| b.starts_with("x:a:1:"))
        .unwrap();
    w.press(TRADER, &[TRADER_ROLE], &approve);
    w.press(TRADER, &[TRADER_ROLE], &approve);
    wait_for("the post", Duration::from_secs(20), || {
        !x.posted_texts().is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(x.posted_texts(), ["gm, edited in Discord"]);
    assert_eq!(x.posts().len(), 1);
    assert!(x.bad_signatures.lock().unwrap().is_empty());
}
