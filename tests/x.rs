//! The X bot, compiled for wasm32-wasip2, inside the real plugin host, with the Telegram bot
//! as its approval chat, against fakes at the network boundary: X API v2 (which verifies
//! every request's OAuth 1.0a signature with its own code), an OpenAI-compatible server and
//! the Telegram Bot API. A scheduled post goes out at its time, once; a draft approved from
//! Telegram is posted once however often Approve is pressed; duplicates are caught before
//! sending, and X's own duplicate refusal is final; posts that break X's 2026 rules are
//! refused with their reason; a 429 holds the queue until its reset; a 401 stops posting;
//! LLM drafts use the approved context and are counted; an engine event becomes a post.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "harness/mod.rs"]
mod harness;

#[path = "bots/mod.rs"]
mod bots;

#[path = "telegram/api_fake.rs"]
mod telegram_fake;

#[path = "x/api_fake.rs"]
mod x_fake;

#[path = "x/llm_fake.rs"]
mod llm_fake;

#[path = "x/bot.rs"]
mod x_bot;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::{Harness, wait_for};
use kestrel_plugin_host::{
    EngineApi, Grants, HostSettings, Offline, PluginHost, PluginLimits, PluginSource, PluginSpec,
};
use kestrel_sim::faults::Faults;
use llm_fake::LlmFake;
use serde_json::json;
use telegram_fake::Fake as Telegram;
use x_fake::XFake;

const OPERATOR: i64 = 42;
const STRANGER: i64 = 7;

struct World {
    _rt: tokio::runtime::Runtime,
    host: Arc<PluginHost>,
    x: Arc<XFake>,
    tg: Arc<Telegram>,
    llm: Arc<LlmFake>,
}

fn serve(rt: &tokio::runtime::Runtime, app: axum::Router) -> String {
    format!("http://{}", bots::serve(rt, app))
}

/// The X bot (approvers: the operator on Telegram) and the Telegram bot showing its posts
/// to the operator; `extra` settings for the X bot on top of the tests' defaults.
fn world(extra: &[(&str, &str)], engine: Arc<dyn EngineApi>) -> World {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let x = Arc::new(XFake::default());
    let tg = Arc::new(Telegram::default());
    let llm = Arc::new(LlmFake::default());
    let x_base = serve(&rt, x_fake::router(x.clone()));
    let llm_base = serve(&rt, llm_fake::router(llm.clone()));
    let tg_base = serve(
        &rt,
        axum::Router::new()
            .route("/{token}/{method}", axum::routing::post(telegram_fake::api))
            .with_state(tg.clone()),
    );
    let xbot = x_bot::spec(&x_base, &llm_base, "telegram:42", extra);
    let limits = PluginLimits {
        tick: Duration::from_millis(100),
        ..PluginLimits::default()
    };
    let telegram = PluginSpec {
        name: "telegram".into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::TELEGRAM),
        settings: [
            ("api_base", tg_base.as_str()),
            ("allowed_users", "42"),
            ("x_chats", "42"),
            ("poll_timeout_secs", "1"),
            ("chat_interval_ms", "20"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        grants: Grants {
            http_hosts: vec!["127.0.0.1".into()],
            secrets: vec![("telegram_token".into(), telegram_fake::TOKEN.into())],
            publish_topics: vec!["x-actions".into()],
            subscribe_topics: vec!["x-approvals".into()],
            ..Grants::default()
        },
        limits,
    };
    let host = Arc::new(
        PluginHost::start(vec![xbot, telegram], engine, &HostSettings::default()).unwrap(),
    );
    let w = World {
        _rt: rt,
        host,
        x,
        tg,
        llm,
    };
    // Both bots are up (they subscribed) before the test speaks: the Telegram bot's
    // command list and the X bot's account check.
    wait_for("both bots to start", Duration::from_secs(60), || {
        !w.tg.setup_calls.lock().unwrap().is_empty()
            && w.x
                .seen
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.path == "/2/users/me")
    });
    w
}

impl World {
    fn said(&self, chat: i64, needle: &str) -> bool {
        self.tg.sent_texts(chat).iter().any(|t| t.contains(needle))
    }

    fn wait_said(&self, chat: i64, needle: &str) {
        wait_for(
            &format!("Telegram to say `{needle}`"),
            Duration::from_secs(20),
            || self.said(chat, needle),
        );
    }

    /// The callback data of every button sent or edited into `chat`, latest last.
    fn buttons(&self, chat: i64) -> Vec<String> {
        self.tg
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, b)| b["chat_id"] == json!(chat))
            .flat_map(|(_, b)| {
                b["reply_markup"]["inline_keyboard"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                    .filter_map(|k| k["callback_data"].as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Presses the button `x|<code>|<id>` as last shown in the operator's chat (with the hash
    /// of the words it showed), as `who`; if none was shown, the data as typed (a stale or
    /// forged button).
    fn press(&self, who: i64, data: &str) {
        let shown = self
            .buttons(OPERATOR)
            .into_iter()
            .rev()
            .find(|b| b.starts_with(&format!("{data}|")));
        self.tg
            .press(who, &shown.unwrap_or_else(|| data.to_owned()));
    }

    fn no_bad_signatures(&self) {
        let bad = self.x.bad_signatures.lock().unwrap();
        assert!(bad.is_empty(), "every X request signed right: {bad:?}");
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn a_scheduled_post_goes_out_at_its_time_once() {
    // A slot 8 s ahead, as a cron line with seconds, in UTC.
    let slot = unix_now() + 8;
    let (h, m, s) = ((slot / 3600) % 24, (slot / 60) % 60, slot % 60);
    let line = format!("{s} {m} {h} * * * library:gm");
    let w = world(
        &[
            ("schedule", &line),
            ("auto_approve", "gm"),
            ("lead_minutes", "0"),
            ("post.gm.one", "gm, the desk is live"),
            ("post.gm.two", "gm again from the desk"),
        ],
        Arc::new(Offline),
    );
    wait_for("the scheduled post", Duration::from_secs(30), || {
        !w.x.posts().is_empty()
    });
    let first = w.x.posts()[0].clone();
    let at = first.at.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(at >= slot, "posted at {at}, its slot is {slot}");
    assert_eq!(first.status, 201);
    // The library rotates: the first entry by name, and never twice for one slot.
    assert_eq!(first.body, json!({"text": "gm, the desk is live"}));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(w.x.posts().len(), 1, "one post for one slot");
    // The approval chat was told: the post, with its link.
    w.wait_said(OPERATOR, "x\\.com/kestrel\\_desk/status/");
    w.no_bad_signatures();
}

#[test]
fn a_draft_approved_from_telegram_posts_once_even_if_approve_is_pressed_twice() {
    let w = world(&[], Arc::new(Offline));
    w.tg.message(OPERATOR, "/x new The desk is live for the day.");
    w.wait_said(OPERATOR, "X post \\#1");
    // The draft's own keyboard: Approve, Edit, Reject, Post now, each with the words' hash.
    let keyboard = w.tg.buttons(OPERATOR);
    let codes: Vec<&str> = keyboard.iter().map(|b| &b[..6]).collect();
    assert_eq!(codes, ["x|a|1|", "x|e|1|", "x|r|1|", "x|n|1|"]);
    assert!(keyboard.iter().all(|b| b.len() == 14), "{keyboard:?}");
    // Not an approver: refused, nothing posted.
    w.press(STRANGER, "x|a|1");
    w.wait_said(STRANGER, "Only the X bot's approvers may do that");
    assert!(w.x.posts().is_empty());
    // The operator presses Approve twice.
    w.press(OPERATOR, "x|a|1");
    w.press(OPERATOR, "x|a|1");
    wait_for("the post", Duration::from_secs(20), || {
        !w.x.posts().is_empty()
    });
    w.wait_said(OPERATOR, "is posted");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(w.x.posted_texts(), ["The desk is live for the day."]);
    assert_eq!(w.x.posts().len(), 1, "posted once");
    // Delete from X, from the button the posted message carries.
    assert!(w.buttons(OPERATOR).iter().any(|b| b.starts_with("x|d|1|")));
    w.press(OPERATOR, "x|d|1");
    w.wait_said(OPERATOR, "deleted from X");
    assert!(
        w.x.seen
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.method == "DELETE" && s.path.starts_with("/2/tweets/18"))
    );
    w.no_bad_signatures();
}

#[test]
fn an_edit_from_telegram_is_checked_again_and_needs_approval_again() {
    let w = world(&[], Arc::new(Offline));
    w.tg.message(OPERATOR, "/x new first words");
    w.wait_said(OPERATOR, "X post \\#1");
    // The Approve button as first shown, over the first words.
    let first_approve = w.tg.buttons(OPERATOR)[0].clone();
    w.press(OPERATOR, "x|e|1");
    w.wait_said(
        OPERATOR,
        "Editing X post \\#1: reply to this message with the new text",
    );
    let reply = |text: &str| {
        w.tg.push(json!({ "message": {
            "message_id": 5, "date": 0, "text": text,
            "from": { "id": OPERATOR, "is_bot": false, "first_name": "T" },
            "chat": { "id": OPERATOR, "type": "private" },
            "reply_to_message": {
                "message_id": 4, "date": 0,
                "from": { "id": 1, "is_bot": true, "first_name": "Kestrel" },
                "chat": { "id": OPERATOR, "type": "private" },
                "text": "Editing X post #1: reply to this message with the new text.",
            },
        }}));
    };
    reply("$SOL and $JUP edited words");
    w.wait_said(OPERATOR, "\\#1 edited, but it fails its checks: 2 cashtags");
    reply("better words");
    w.wait_said(OPERATOR, "\\#1 edited: a draft again, waiting for approval");
    assert!(w.x.posts().is_empty(), "an edit is not an approval");
    // A button still showing the first words approves nothing: the message shows the new ones.
    w.tg.press(OPERATOR, &first_approve);
    w.wait_said(OPERATOR, "Not done: \\#1 changed since it was shown to you");
    assert!(w.x.posts().is_empty());
    w.press(OPERATOR, "x|a|1");
    wait_for("the edited post", Duration::from_secs(20), || {
        !w.x.posts().is_empty()
    });
    assert_eq!(w.x.posted_texts(), ["better words"]);
    w.no_bad_signatures();
}

#[test]
fn a_duplicate_is_caught_before_sending_and_x_s_duplicate_refusal_is_not_retried() {
    let w = world(&[], Arc::new(Offline));
    w.tg.message(OPERATOR, "/x new hello world");
    w.wait_said(OPERATOR, "X post \\#1");
    w.press(OPERATOR, "x|n|1");
    wait_for("the first post", Duration::from_secs(20), || {
        w.x.posted_texts().len() == 1
    });
    // The same words again (case and spacing aside): refused here, no Approve button.
    w.tg.message(OPERATOR, "/x new Hello   World");
    w.wait_said(OPERATOR, "the same words were posted in the last 30 days");
    assert!(!w.buttons(OPERATOR).iter().any(|b| b.starts_with("x|a|2|")));
    w.press(OPERATOR, "x|n|2");
    w.wait_said(OPERATOR, "fails its checks");
    // Words X already has (posted by hand): X says duplicate, once, and it is final.
    w.x.texts
        .lock()
        .unwrap()
        .push("posted by hand earlier".into());
    w.tg.message(OPERATOR, "/x new posted by hand earlier");
    w.wait_said(OPERATOR, "X post \\#3");
    w.press(OPERATOR, "x|n|3");
    w.wait_said(OPERATOR, "duplicate of a post already on the account");
    std::thread::sleep(Duration::from_secs(3));
    let tries =
        w.x.posts()
            .iter()
            .filter(|p| p.body["text"] == "posted by hand earlier")
            .count();
    assert_eq!(tries, 1, "a duplicate is never retried");
    assert_eq!(w.x.posts().len(), 2);
    w.no_bad_signatures();
}

#[test]
fn posts_breaking_x_s_2026_rules_are_refused_with_their_reason() {
    let w = world(&[("mentions_poll_secs", "1")], Arc::new(Offline));
    w.tg.message(OPERATOR, &format!("/x new {}", "a".repeat(300)));
    w.wait_said(OPERATOR, "too long: 300 of 280 weighted characters");
    w.tg.message(OPERATOR, "/x new $SOL and $BONK are moving");
    w.wait_said(
        OPERATOR,
        "2 cashtags \\($SOL, $BONK\\): X allows one a post",
    );
    w.tg.message(OPERATOR, "/x reply 1234567890 thanks for the mention");
    w.wait_said(
        OPERATOR,
        "replies to post 1234567890, whose author did not summon us",
    );
    w.tg.message(OPERATOR, "/x new thanks @stranger");
    w.wait_said(OPERATOR, "mentions @stranger, who did not summon us");
    for id in 1..=4 {
        w.press(OPERATOR, &format!("x|a|{id}"));
    }
    wait_for("four refusals", Duration::from_secs(20), || {
        w.tg.sent_texts(OPERATOR)
            .iter()
            .filter(|t| t.contains("fails its checks"))
            .count()
            == 4
    });
    assert!(w.x.posts().is_empty(), "nothing refused reaches X");
    // Someone who did mention us: the reply is allowed, as a reply.
    w.x.mentions
        .lock()
        .unwrap()
        .push(("1900000000000000555".into(), "99".into(), "friend".into()));
    wait_for("the mentions read", Duration::from_secs(20), || {
        w.x.seen
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.path.ends_with("/mentions") && s.status == 200)
    });
    std::thread::sleep(Duration::from_millis(1500));
    w.tg.message(OPERATOR, "/x reply 1900000000000000555 thanks @friend");
    w.wait_said(OPERATOR, "Reply draft \\#5");
    w.press(OPERATOR, "x|n|5");
    wait_for("the reply", Duration::from_secs(20), || {
        !w.x.posts().is_empty()
    });
    assert_eq!(
        w.x.posts()[0].body,
        json!({"text": "thanks @friend", "reply": {"in_reply_to_tweet_id": "1900000000000000555"}})
    );
    w.no_bad_signatures();
}

#[test]
fn a_429_holds_the_queue_until_its_reset() {
    let w = world(&[], Arc::new(Offline));
    let reset = unix_now() + 5;
    w.x.force(
        "POST",
        "/2/tweets",
        429,
        &[
            ("x-rate-limit-limit", "100".into()),
            ("x-rate-limit-remaining", "0".into()),
            ("x-rate-limit-reset", reset.to_string()),
        ],
        json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}),
    );
    w.tg.message(OPERATOR, "/x new first words of the day");
    w.wait_said(OPERATOR, "X post \\#1");
    w.press(OPERATOR, "x|n|1");
    w.wait_said(OPERATOR, "the queue waits until");
    wait_for("the post after the reset", Duration::from_secs(30), || {
        w.x.posted_texts().len() == 1
    });
    let posts = w.x.posts();
    assert_eq!(
        posts.len(),
        2,
        "the 429, then one post after the reset: {posts:?}"
    );
    let at = posts[1].at.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(at >= reset, "sent at {at}, before the reset {reset}");
    w.no_bad_signatures();
}

#[test]
fn a_401_stops_posting_and_alerts_until_the_operator_resumes() {
    let w = world(&[], Arc::new(Offline));
    w.x.force(
        "POST",
        "/2/tweets",
        401,
        &[],
        json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
    );
    w.tg.message(OPERATOR, "/x new words that wait");
    w.wait_said(OPERATOR, "X post \\#1");
    w.press(OPERATOR, "x|n|1");
    w.wait_said(OPERATOR, "posting stopped");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(w.x.posts().len(), 1, "no retry while stopped");
    w.tg.message(OPERATOR, "/x resume");
    wait_for("the post after resume", Duration::from_secs(20), || {
        w.x.posted_texts().len() == 1
    });
    w.no_bad_signatures();
}

#[test]
fn llm_drafts_use_the_approved_context_and_are_checked_and_counted() {
    let w = world(&[], Arc::new(Offline));
    w.tg.message(OPERATOR, "/x context add We ship the v2 router on Friday.");
    w.wait_said(OPERATOR, "Context v1 made");
    w.tg.message(OPERATOR, "/x context approve 1");
    w.wait_said(OPERATOR, "Context v1 is active");
    w.llm
        .answers
        .lock()
        .unwrap()
        .push("The v2 router ships Friday.".into());
    w.tg.message(OPERATOR, "/x draft the router");
    w.wait_said(OPERATOR, "LLM gpt\\-test, context v1");
    let req = w.llm.requests.lock().unwrap()[0].clone();
    assert_eq!(req["model"], "gpt-test");
    assert_eq!(req["response_format"]["json_schema"]["strict"], true);
    let system = req["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("- We ship the v2 router on Friday."),
        "{system}"
    );
    assert!(
        req["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("the router")
    );
    // A draft that breaks the rules is shown with its reasons, like any post.
    w.llm
        .answers
        .lock()
        .unwrap()
        .push("Buy $SOL and $BONK now".into());
    w.tg.message(OPERATOR, "/x draft");
    w.wait_said(OPERATOR, "2 cashtags");
    w.tg.message(OPERATOR, "/x status");
    w.wait_said(OPERATOR, "LLM today: 2 requests, 840 \\+ 70 tokens");
    // Versions: a second note, approved, rolled back.
    w.tg.message(OPERATOR, "/x context add Second note.");
    w.wait_said(OPERATOR, "Context v2 made");
    w.tg.message(OPERATOR, "/x context approve 2");
    w.wait_said(OPERATOR, "Context v2 is active: 2 notes");
    w.tg.message(OPERATOR, "/x context rollback");
    w.wait_said(OPERATOR, "context v1 is active again");
    assert_eq!(
        *w.llm.bad_keys.lock().unwrap(),
        0,
        "the host attached the key"
    );
    assert!(w.x.posts().is_empty(), "drafts wait for approval");
}

#[test]
fn an_engine_state_change_becomes_a_post_when_the_operator_opted_in() {
    let h = Harness::new(Faults::default());
    let (engine, rx, _) = bots::engine(&h);
    let recent = kestrel_plugin_bridge::RecentLaunches::default();
    let bridge = Arc::new(bots::bridge(&h, &engine, recent.clone()));
    let w = world(
        &[("events", "state"), ("auto_approve", "state")],
        bridge.clone(),
    );
    let fwd = w.host.clone();
    let metrics = engine.metrics.clone();
    std::thread::spawn(move || {
        kestrel_plugin_bridge::forward_events(
            rx,
            fwd,
            kestrel_model::QuotePrices::SOL_ONLY,
            recent,
            metrics,
            None,
        )
    });
    bridge.pause().unwrap();
    wait_for("the state post", Duration::from_secs(30), || {
        !w.x.posted_texts().is_empty()
    });
    assert_eq!(w.x.posted_texts(), ["Trading is paused."]);
    w.no_bad_signatures();
}
