//! The Telegram bot, compiled for wasm32-wasip2, inside the real plugin host, against a
//! Telegram Bot API fake at the network boundary (getUpdates with long-poll semantics,
//! sendMessage, editMessageText, answerCallbackQuery, setMyCommands, setWebhook,
//! deleteWebhook; 429 and 409 replies) and the engine on the local cluster: `/buy` makes a
//! real buy and the fill comes back to the chat that asked; a refused buy is told there too;
//! a user off the allow-list cannot trade; the sell and kill keyboards work through callback
//! queries; flood control and a conflicting poller are waited out; answers go before a
//! backlog of notices; forged and oversized input never wedges the bot; webhook mode takes
//! updates through the host's ingress, behind Telegram's secret header.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "harness/mod.rs"]
mod harness;

#[path = "bots/mod.rs"]
mod bots;

#[path = "telegram/api_fake.rs"]
mod api_fake;

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use api_fake::{Fake, TOKEN, api};
use harness::{Harness, wait_for};
use kestrel_engine::Engine;
use kestrel_plugin_bridge::RecentLaunches;
use kestrel_plugin_bridge::{EngineBridge, forward_events};
use kestrel_plugin_host::latest::EventKinds;
use kestrel_plugin_host::{
    Grants, HostSettings, PluginHost, PluginLimits, PluginSource, PluginSpec,
};
use kestrel_sim::faults::Faults;
use serde_json::json;

const OPERATOR: i64 = 42;
const STRANGER: i64 = 7;

struct World {
    h: Harness,
    engine: Engine,
    host: Arc<PluginHost>,
    fake: Arc<Fake>,
    recent: RecentLaunches,
}

/// The chat fills, exits, states and alerts go to (not the operator's own).
const DESK: i64 = -100;
const WEBHOOK_SECRET: &str = "wh-secret_1";

/// How a test's bot is set up.
#[derive(Default)]
struct Opts {
    /// Alerts to the operator's own chat rather than the desk's.
    alerts_to_operator: bool,
    /// Updates by webhook through the host's ingress.
    webhook: bool,
    /// Telegram's per-chat pace (production's 1000 ms); 50 ms when unset.
    chat_interval_ms: Option<u64>,
}

fn world() -> World {
    world_with(Opts::default())
}

fn world_with(opts: Opts) -> World {
    let h = Harness::new(Faults::default());
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new()
        .route("/{token}/{method}", axum::routing::post(api))
        .with_state(fake.clone());
    let base = format!("http://{}", bots::serve(&h.runtime, app));
    let (engine, rx, _) = bots::engine(&h);
    let recent = RecentLaunches::default();
    let bridge = bots::bridge(&h, &engine, recent.clone());
    let spec = PluginSpec {
        name: "telegram".into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::TELEGRAM),
        settings: [
            ("api_base", base.as_str()),
            ("allowed_users", &OPERATOR.to_string()),
            (
                "alert_chats",
                &if opts.alerts_to_operator {
                    OPERATOR
                } else {
                    DESK
                }
                .to_string(),
            ),
            // 0.01, 0.02 and 0.05 SOL: the last is above the guardian's cap (0.02 SOL).
            ("quick_buy_lamports", "10000000,20000000,50000000"),
            ("poll_timeout_secs", "1"),
            (
                "chat_interval_ms",
                &opts.chat_interval_ms.unwrap_or(50).to_string(),
            ),
        ]
        .into_iter()
        .chain(
            opts.webhook
                .then_some(("webhook_url", "https://bot.example.com/hooks/telegram")),
        )
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        grants: Grants {
            http_hosts: vec!["127.0.0.1".into()],
            secrets: vec![
                ("telegram_token".into(), TOKEN.into()),
                ("webhook_secret".into(), WEBHOOK_SECRET.into()),
            ],
            engine_commands: true,
            engine_views: true,
            events: EventKinds::all(),
            inbound: opts.webhook.then(|| {
                kestrel_plugin_host::Inbound::new(kestrel_plugin_host::Verify::HeaderSecret {
                    header: "X-Telegram-Bot-Api-Secret-Token".into(),
                    secret: WEBHOOK_SECRET.into(),
                })
            }),
            ..Grants::default()
        },
        limits: PluginLimits {
            tick: Duration::from_millis(50),
            ..PluginLimits::default()
        },
    };
    let host = Arc::new(
        PluginHost::start(
            vec![spec],
            Arc::new(bridge),
            &HostSettings {
                ingress: opts.webhook.then(|| "127.0.0.1:0".parse().unwrap()),
                ..HostSettings::default()
            },
        )
        .unwrap(),
    );
    let fwd = host.clone();
    let metrics = engine.metrics.clone();
    let seen = recent.clone();
    std::thread::spawn(move || {
        forward_events(
            rx,
            fwd,
            kestrel_model::QuotePrices::SOL_ONLY,
            seen,
            metrics,
            None,
        )
    });
    World {
        h,
        engine,
        host,
        fake,
        recent,
    }
}

impl World {
    /// Another bridge to the same engine and the same recent launches, to call its views as
    /// a plugin's calls reach them.
    fn bridge(&self) -> EngineBridge {
        bots::bridge(&self.h, &self.engine, self.recent.clone())
    }
}

fn said(fake: &Fake, chat: i64, needle: &str) -> bool {
    fake.sent_texts(chat).iter().any(|t| t.contains(needle))
}

#[test]
fn the_operator_trades_from_telegram_and_strangers_cannot() {
    let mut w = world();
    let mint = w.h.launch(0).to_string();

    // A stranger is refused politely, and nothing is bought.
    w.fake.message(STRANGER, &format!("/buy {mint} 0.05"));
    wait_for("the refusal", Duration::from_secs(20), || {
        said(&w.fake, STRANGER, "only takes orders from its operator")
    });
    assert_eq!(w.engine.metrics.bought.load(Relaxed), 0);

    // The operator buys; the fill comes back to the chat.
    w.fake.message(OPERATOR, "/help");
    wait_for("help", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "/positions")
    });
    // Over the guardian's per-trade limit (0.02 SOL here): never sent, and said why.
    w.fake.message(OPERATOR, &format!("/buy {mint} 0.05"));
    wait_for("the cap", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "above the guardian's cap of 0\\.02 SOL")
    });
    // The quick-buy keyboard offers only what the guardian allows.
    w.fake.message(OPERATOR, &format!("/buy {mint}"));
    wait_for("the buy keyboard", Duration::from_secs(20), || {
        !w.fake.buttons(OPERATOR).is_empty()
    });
    let amounts: Vec<String> = w
        .fake
        .buttons(OPERATOR)
        .iter()
        .map(|b| b.rsplit('|').next().unwrap().to_owned())
        .collect();
    assert_eq!(amounts, ["10000000", "20000000"]);
    assert_eq!(w.engine.metrics.bought.load(Relaxed), 0);
    w.fake.message(OPERATOR, &format!("/buy {mint} 0.02"));
    wait_for("the order", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "queued")
    });
    // The fill comes to the chat that asked, and to the desk; said once, in SOL, fees in.
    wait_for("the fill in the chat", Duration::from_secs(30), || {
        said(&w.fake, OPERATOR, "Bought") && said(&w.fake, DESK, "Bought")
    });
    assert!(said(&w.fake, OPERATOR, "fees in"));
    assert!(!said(&w.fake, OPERATOR, "fill follows"));
    assert_eq!(w.engine.metrics.bought.load(Relaxed), 1);
    // A buy the guardian refuses (the position is open already): the asker hears why.
    w.fake.message(OPERATOR, &format!("/buy {mint} 0.01"));
    wait_for(
        "the refusal in the asking chat",
        Duration::from_secs(20),
        || said(&w.fake, OPERATOR, "already open"),
    );
    let pos = mint.parse().unwrap();
    assert!(w.engine.positions.contains_key(&pos));
    assert!(
        w.h.token_balance(&w.engine.wallet, &pos) > 0,
        "a real buy on the cluster"
    );

    w.fake.message(OPERATOR, "/positions");
    wait_for("positions", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "1 open positions")
    });

    // The sell keyboard: 25 / 50 / 100 %, answered through a callback query.
    w.fake.message(OPERATOR, &format!("/sell {mint}"));
    wait_for("the sell keyboard", Duration::from_secs(20), || {
        w.fake.buttons(OPERATOR).iter().any(|b| b.starts_with("s|"))
    });
    let buttons = w.fake.buttons(OPERATOR);
    assert_eq!(buttons.len(), 3);
    assert!(buttons.iter().all(|b| b.len() <= 64));
    let all = buttons
        .iter()
        .find(|b| b.ends_with("|100"))
        .unwrap()
        .clone();
    w.fake.press(OPERATOR, &all);
    wait_for("the sale in the chat", Duration::from_secs(30), || {
        said(&w.fake, OPERATOR, "Sold")
    });
    assert!(said(&w.fake, OPERATOR, "realized"));
    assert!(!w.engine.positions.contains_key(&pos));
    assert!(
        w.fake
            .sent
            .lock()
            .unwrap()
            .iter()
            .any(|(m, b)| m == "answerCallbackQuery"
                && b["callback_query_id"] == json!(format!("cb{all}")))
    );

    // A stranger's button press does nothing either.
    w.fake.press(STRANGER, "k|s|1");
    wait_for("the second refusal", Duration::from_secs(20), || {
        w.fake
            .sent_texts(STRANGER)
            .iter()
            .filter(|t| t.contains("only takes orders"))
            .count()
            == 2
    });
    assert_eq!(w.engine.metrics.trading_state.load(Relaxed), 0);
    assert_eq!(
        *w.fake.bad_token.lock().unwrap(),
        0,
        "the host attached the token"
    );
    let st = w.host.status_of("telegram").unwrap();
    assert_eq!(st.faults, 0, "{st:?}");
    w.engine.stop();
    w.h.stop();
}

#[test]
fn kill_asks_first_and_flood_control_and_conflicts_are_waited_out() {
    let w = world();
    // The first getUpdates meets another poller (409), the first sendMessage flood control.
    w.fake.faults.lock().unwrap().extend([
        (
            "getUpdates".to_owned(),
            409,
            json!({"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}),
        ),
        (
            "sendMessage".to_owned(),
            429,
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}),
        ),
    ]);
    w.fake.message(OPERATOR, "/kill");
    wait_for("the kill keyboard", Duration::from_secs(30), || {
        w.fake.buttons(OPERATOR).len() == 3
    });
    let b = w.fake.buttons(OPERATOR);
    let cancel = b.iter().find(|x| x.starts_with("x|")).unwrap().clone();
    w.fake.press(OPERATOR, &cancel);
    wait_for("cancelled", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Cancelled")
    });
    assert_eq!(
        w.engine.metrics.trading_state.load(Relaxed),
        0,
        "still active"
    );

    w.fake.message(OPERATOR, "/kill");
    wait_for("a second keyboard", Duration::from_secs(20), || {
        w.fake
            .buttons(OPERATOR)
            .iter()
            .any(|x| x.starts_with("k|h|") && !b.contains(x))
    });
    let halt = w
        .fake
        .buttons(OPERATOR)
        .into_iter()
        .find(|x| x.starts_with("k|h|"))
        .unwrap();
    // The old confirmation is spent.
    let stale = b.iter().find(|x| x.starts_with("k|h|")).unwrap().clone();
    w.fake.press(OPERATOR, &stale);
    wait_for("expired", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "expired")
    });
    assert_eq!(w.engine.metrics.trading_state.load(Relaxed), 0);
    w.fake.press(OPERATOR, &halt);
    wait_for("halted", Duration::from_secs(20), || {
        w.engine.metrics.trading_state.load(Relaxed) == 2
    });
    wait_for("the state pushed", Duration::from_secs(20), || {
        said(&w.fake, DESK, "Trading state: halted")
    });
    w.fake.message(OPERATOR, "/status");
    wait_for("status", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Trading: halted")
    });
    // A pause is told apart from a halt, and said once.
    w.fake.message(OPERATOR, "/resume");
    w.fake.message(OPERATOR, "/pause");
    wait_for("paused", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Paused: no new entries")
    });
    assert!(!said(&w.fake, OPERATOR, "Paused: paused"));
    w.fake.message(OPERATOR, "/status");
    wait_for("status paused", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Trading: paused")
    });
    assert_eq!(w.host.status_of("telegram").unwrap().faults, 0);
    w.engine.stop();
    w.h.stop();
}

#[test]
fn answers_go_before_a_backlog_of_notices_and_no_update_wedges_the_bot() {
    // At production's pace of one message a second per chat, so that notices arriving one
    // by one on a slow machine still wait for each other.
    let w = world_with(Opts {
        alerts_to_operator: true,
        chat_interval_ms: Some(1_000),
        ..Opts::default()
    });
    wait_for("the command list", Duration::from_secs(20), || {
        w.fake.setup_calls.lock().unwrap().iter().any(|(m, b, _)| {
            m == "setMyCommands" && b["commands"].as_array().is_some_and(|c| c.len() == 11)
        })
    });
    // Polling: any webhook left over is removed at start too (right after the command list).
    wait_for("deleteWebhook", Duration::from_secs(20), || {
        w.fake
            .setup_calls
            .lock()
            .unwrap()
            .iter()
            .any(|(m, _, _)| m == "deleteWebhook")
    });
    // A backlog: 30 distinct alerts and the same exit notice five times, then a command.
    let before = w.fake.sent_texts(OPERATOR).len();
    for i in 0..30 {
        w.host
            .publish(&kestrel_plugin_host::latest::Event::Alert(format!(
                "backlog {i}"
            )));
    }
    for _ in 0..5 {
        w.host.publish(&kestrel_plugin_host::latest::Event::Exit(
            kestrel_plugin_host::latest::Exit {
                mint: "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P".into(),
                reason: "stop_loss".into(),
            },
        ));
    }
    w.fake.message(OPERATOR, "/status");
    wait_for("the answer", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Trading: active")
    });
    wait_for("the backlog", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "backlog 29")
    });
    let texts = w.fake.sent_texts(OPERATOR)[before..].to_vec();
    let answer_at = texts
        .iter()
        .position(|t| t.contains("Trading: active"))
        .unwrap();
    // At most the one notice message already on its way went first; the 30 alerts went
    // together, not one message each.
    assert!(answer_at <= 1, "{texts:#?}");
    // 35 notices and one answer: a handful of messages at most (notices arriving across a
    // few ticks go in a few batches), never one each.
    assert!(texts.len() <= 6, "{texts:#?}");
    let exits: usize = texts.iter().map(|t| t.matches("Exit of").count()).sum();
    assert_eq!(exits, 1, "the same exit is told once: {texts:#?}");

    // Forged button data with text that is not ASCII, and a 5,000-character command.
    w.fake.press(OPERATOR, &format!("b|{}|100", "é".repeat(31)));
    w.fake
        .press(OPERATOR, "s|ééééééééééééééééééééééééééééééééééé|50");
    w.fake.message(OPERATOR, &format!("/{}", "x".repeat(5_000)));
    wait_for("the unknown command", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Unknown command")
    });
    let unknown: Vec<String> = w
        .fake
        .sent_texts(OPERATOR)
        .into_iter()
        .filter(|t| t.contains("Unknown command"))
        .collect();
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].len() < 200, "{}", unknown[0]);
    // Still answering, never faulted.
    w.fake.message(OPERATOR, "/help");
    wait_for("help after", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "/positions")
    });
    let st = w.host.status_of("telegram").unwrap();
    assert_eq!(st.faults, 0, "{st:?}");
    w.engine.stop();
    w.h.stop();
}

#[test]
fn in_webhook_mode_updates_come_through_the_ingress_behind_the_secret_header() {
    let w = world_with(Opts {
        webhook: true,
        ..Opts::default()
    });
    wait_for("setWebhook", Duration::from_secs(20), || {
        w.fake
            .setup_calls
            .lock()
            .unwrap()
            .iter()
            .any(|(m, _, _)| m == "setWebhook")
    });
    let (_, _, query) = w
        .fake
        .setup_calls
        .lock()
        .unwrap()
        .iter()
        .find(|(m, _, _)| m == "setWebhook")
        .cloned()
        .unwrap();
    // The secret token was filled in by the host; the URL is the configured one.
    assert!(
        query.contains(&format!("secret_token={WEBHOOK_SECRET}")),
        "{query}"
    );
    assert!(
        query.contains("url=https%3A%2F%2Fbot.example.com%2Fhooks%2Ftelegram"),
        "{query}"
    );
    let hook = format!("http://{}/hooks/telegram", w.host.ingress_addr().unwrap());
    let update = json!({ "update_id": 1, "message": {
        "message_id": 1, "date": 0, "text": "/status",
        "from": { "id": OPERATOR, "is_bot": false, "first_name": "T" },
        "chat": { "id": OPERATOR, "type": "private" },
    }});
    let post = |secret: &str| {
        w.h.runtime.block_on(async {
            reqwest::Client::new()
                .post(&hook)
                .header("X-Telegram-Bot-Api-Secret-Token", secret)
                .json(&update)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    assert_eq!(post("wrong"), 401);
    assert_eq!(post(WEBHOOK_SECRET), 200);
    // Another path under the bot's hook is not its hook.
    let other = w.h.runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{hook}/other"))
            .header("X-Telegram-Bot-Api-Secret-Token", WEBHOOK_SECRET)
            .json(&update)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(other, 404);
    wait_for("the answer", Duration::from_secs(20), || {
        said(&w.fake, OPERATOR, "Trading: active")
    });
    assert_eq!(
        w.fake
            .sent_texts(OPERATOR)
            .iter()
            .filter(|t| t.contains("Trading"))
            .count(),
        1,
        "the forged update was never handled"
    );
    let st = w.host.status_of("telegram").unwrap();
    assert_eq!(
        (st.webhooks, st.webhooks_refused, st.faults),
        (2, 1, 0),
        "{st:?}"
    );
    w.engine.stop();
    w.h.stop();
}

#[test]
fn a_plugin_sees_a_coins_curve_from_the_chain_and_the_launches_the_engine_saw() {
    use kestrel_plugin_host::EngineApi as _;
    let mut w = world();
    let mint = w.h.launch(0).to_string();
    let bridge = w.bridge();
    wait_for("the launch in the view", Duration::from_secs(20), || {
        bridge.recent_launches(10).iter().any(|l| l.mint == mint)
    });
    let l = bridge
        .recent_launches(10)
        .into_iter()
        .find(|l| l.mint == mint)
        .unwrap();
    assert_eq!((l.symbol.as_str(), l.quote.as_str()), ("TEST", "SOL"));
    assert!(l.name.starts_with("Test Coin"));
    assert!(l.market_cap_lamports > 0 && l.seen_ms > 0, "{l:?}");
    let c = bridge.curve(&mint).unwrap();
    assert_eq!((c.quote.as_str(), c.complete), ("SOL", false));
    assert!(
        c.virtual_token_reserves > 0 && c.virtual_quote_reserves > 0,
        "{c:?}"
    );
    // The spot price and the market cap agree: the cap is the price of the whole supply.
    assert_eq!(c.market_cap_lamports, c.market_cap);
    assert!(c.price_per_billion > 0);
    // Not a coin: refused, clearly.
    let e = bridge
        .curve("So11111111111111111111111111111111111111112")
        .unwrap_err();
    assert!(format!("{e:?}").contains("not a pump.fun coin"), "{e:?}");
    w.engine.stop();
    w.h.stop();
}
