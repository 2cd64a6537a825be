//! Kestrel's Telegram bot, as a plugin (`kestrel:plugin@0.2.0`). It takes updates by long
//! polling `getUpdates` through the host, or, with `webhook_url` set, as webhooks through the
//! host's ingress (which checks Telegram's secret header first). The bot token is the host's
//! secret `telegram_token`, written `{secret:telegram_token}` in the URL. It answers the
//! operator's commands with the engine's commands and views, and tells the operator's chats of
//! fills, exits, state changes and alerts; the chat that asked for a buy or sell hears how it
//! ended, fill or refusal.
//!
//! Settings (from config): `api_base` (default `https://api.telegram.org`), `allowed_users`
//! (comma-separated Telegram user ids: only they may trade), `alert_chats` (default: the
//! allowed users' private chats), `quick_buy_lamports` (the buy keyboard's amounts, each at
//! most 1000 SOL; those above the guardian's per-buy cap are not offered),
//! `poll_timeout_secs` (long-poll wait, default 20), `chat_interval_ms` (least time between
//! two messages to one chat, default 1000: Telegram's per-chat limit), `webhook_url` (the
//! public URL of this bot's hook, `https://…/hooks/<name>`; set, the bot registers it with
//! `setWebhook` and the secret `webhook_secret`, and stops polling). With `x_chats` (chat
//! ids) it is also the X bot's approval chat (`xdesk.rs`): `x_topic` (default `x-approvals`)
//! is what it shows (from the plugin `x_bot`, default `x`), `x_actions_topic` (default
//! `x-actions`) where it forwards presses and `/x` commands.

pub mod api;
pub mod command;
pub mod outbox;
pub mod text;
pub mod xdesk;

use std::collections::HashMap;

use kestrel_plugin_sdk::{
    CommandSpec, Event, EventKinds, Inbound, Level, Plugin, Subscriptions, TopicMessage,
    WebhookRequest, WebhookResponse, clock, kv, log,
};
use serde_json::{Value, json};

use api::Api;
use command::Reply;
use outbox::Outbox;

/// Sends one flush makes at most, so a tick stays short.
const SENDS_PER_FLUSH: usize = 20;
/// How long to wait before trying a start-up call (setMyCommands, setWebhook) again.
const RETRY_MS: u64 = 30_000;

pub struct Telegram {
    api: Api,
    settings: command::Settings,
    alert_chats: Vec<i64>,
    poll_timeout: u64,
    /// Set: updates come as webhooks to this URL.
    webhook_url: Option<String>,
    offset: i64,
    outbox: Outbox,
    /// Chats waiting for how a buy or sell they asked for ends: mint → chats.
    awaiting: HashMap<String, Vec<i64>>,
    /// Kill confirmations offered: nonce → chat.
    confirmations: command::Confirmations,
    /// Start-up calls done, or when to try again: the command list, and the webhook set
    /// (or, when polling, removed).
    commands_set: Result<(), u64>,
    webhook_set: Result<(), u64>,
    /// The X bot's approval chat, when `x_chats` is set.
    x: Option<xdesk::XDesk>,
}

fn setting<'a>(s: &'a [(String, String)], key: &str) -> Option<&'a str> {
    s.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn ids(list: &str, what: &str) -> Result<Vec<i64>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| format!("{what}: `{}` is not a Telegram id", text::clip(s, 32)))
        })
        .collect()
}

impl Telegram {
    /// Sends what may go now: answers first, then notices; stops at a 429 (and honours its
    /// retry_after) or when the network fails.
    fn flush(&mut self) {
        for _ in 0..SENDS_PER_FLUSH {
            let now = clock::now_ms();
            let Some(o) = self.outbox.next(now) else {
                return;
            };
            match self.api.call(o.method, &o.body, 10_000) {
                Ok(v) if v["ok"].as_bool() == Some(true) => self.outbox.sent(&o, now),
                Ok(v) => {
                    if let Some(after) = v["parameters"]["retry_after"].as_u64() {
                        self.outbox.quiet_until_ms = now + after * 1_000;
                        log::log(
                            Level::Warn,
                            &format!("Telegram flood control: waiting {after} s"),
                        );
                        self.outbox.put_back(o);
                        return;
                    }
                    // Refused for good (a chat that blocked the bot, bad markup): dropped.
                    log::log(
                        Level::Warn,
                        &format!("{} refused: {}", o.method, v["description"]),
                    );
                    self.outbox.sent(&o, now);
                }
                Err(e) => {
                    log::log(Level::Warn, &e);
                    self.outbox.put_back(o);
                    return;
                }
            }
        }
    }

    fn poll(&mut self) {
        let now = clock::now_ms();
        if now < self.outbox.quiet_until_ms {
            return;
        }
        let body = json!({
            "offset": self.offset,
            "timeout": self.poll_timeout,
            "allowed_updates": ["message", "callback_query"],
        });
        let timeout_ms = u32::try_from((self.poll_timeout + 10) * 1_000).unwrap_or(u32::MAX);
        let v = match self.api.call("getUpdates", &body, timeout_ms) {
            Ok(v) => v,
            Err(e) => {
                log::log(Level::Warn, &e);
                self.outbox.quiet_until_ms = now + 1_000;
                return;
            }
        };
        if v["ok"].as_bool() != Some(true) {
            let code = v["error_code"].as_i64().unwrap_or(0);
            let wait = match (code, v["parameters"]["retry_after"].as_u64()) {
                (_, Some(after)) => after * 1_000,
                // Another getUpdates or a webhook holds the bot: step back and try again.
                (409, None) => 5_000,
                _ => 2_000,
            };
            log::log(
                Level::Warn,
                &format!(
                    "getUpdates refused ({code}): {}; waiting {wait} ms",
                    v["description"]
                ),
            );
            self.outbox.quiet_until_ms = now + wait;
            return;
        }
        for u in v["result"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let Some(id) = u["update_id"].as_i64() else {
                continue;
            };
            if id < self.offset {
                continue;
            }
            // Confirmed before it is handled: an update that crashed the bot is not handed
            // to it again after the restart.
            self.offset = id + 1;
            let _ = kv::set("offset", &self.offset.to_le_bytes());
            self.update(u);
        }
    }

    fn update(&mut self, u: &Value) {
        if let Some(m) = u.get("message") {
            let (Some(chat), Some(user), Some(text)) = (
                m["chat"]["id"].as_i64(),
                m["from"]["id"].as_i64(),
                m["text"].as_str(),
            ) else {
                return;
            };
            if let Some(x) = &mut self.x {
                let forwarded = match x_command(text) {
                    Some(rest) => Some(x.command(chat, user, rest)),
                    None => m
                        .get("reply_to_message")
                        .and_then(|r| x.edit_reply(chat, user, r, text)),
                };
                if let Some(r) = forwarded {
                    if let Err(e) = r {
                        self.outbox.reply(
                            chat,
                            command::Reply::Text {
                                lines: vec![text::escape(&e)],
                                keyboard: None,
                            },
                        );
                    }
                    return;
                }
            }
            self.handle(chat, user, text, None);
        } else if let Some(q) = u.get("callback_query") {
            let (Some(id), Some(user), Some(data)) = (
                q["id"].as_str(),
                q["from"]["id"].as_i64(),
                q["data"].as_str(),
            ) else {
                return;
            };
            let chat = q["message"]["chat"]["id"].as_i64().unwrap_or(user);
            let message_id = q["message"]["message_id"].as_i64();
            let note = match &mut self.x {
                Some(x) if data.starts_with("x|") => {
                    let (note, show) = x.press(chat, user, message_id, data);
                    if let Some(r) = show {
                        self.outbox.reply(chat, r);
                    }
                    note
                }
                _ => self.handle(chat, user, data, message_id),
            };
            let body = json!({ "callback_query_id": id, "text": note });
            // Answered at once so the button stops spinning; not paced per chat.
            if let Err(e) = self.api.call("answerCallbackQuery", &body, 10_000) {
                log::log(Level::Warn, &e);
            }
        }
    }

    /// Handles a command or a button; returns a short note for a button's answer.
    fn handle(&mut self, chat: i64, user: i64, text: &str, message_id: Option<i64>) -> String {
        let action = command::parse(text, message_id);
        if !self.settings.allowed_users.contains(&user) {
            log::log(
                Level::Warn,
                &format!(
                    "refused user {user} in chat {chat}: not on the allow-list ({})",
                    command::name_of(&action)
                ),
            );
            self.outbox.reply(chat, command::refusal());
            return "Not allowed".into();
        }
        let (reply, note) = command::run(action, &self.settings, &mut self.confirmations, chat);
        if let Some(mint) = &reply.awaiting {
            let chats = self.awaiting.entry(mint.clone()).or_default();
            if !chats.contains(&chat) {
                chats.push(chat);
            }
        }
        // A button's answer replaces the message that carried the buttons, so a choice
        // cannot be pressed twice.
        let reply = match (reply.reply, message_id) {
            (
                Reply::Text {
                    lines,
                    keyboard: None,
                },
                Some(message_id),
            ) => Reply::Edit {
                message_id,
                lines,
                keyboard: None,
            },
            (r, _) => r,
        };
        self.outbox.reply(chat, reply);
        note
    }

    /// The start-up calls: the command list, and the webhook if there is one. Each is tried
    /// again later if it failed.
    fn start_up(&mut self, now: u64) {
        if matches!(self.commands_set, Err(at) if now >= at) {
            let commands: Vec<Value> = self
                .command_list()
                .into_iter()
                .map(|(n, d)| json!({ "command": n, "description": d }))
                .collect();
            self.commands_set = self.settled(
                "setMyCommands",
                self.api
                    .call("setMyCommands", &json!({ "commands": commands }), 10_000),
                now,
            );
        }
        if matches!(self.webhook_set, Err(at) if now >= at) {
            let r = match &self.webhook_url {
                Some(url) => {
                    let query = format!(
                        "url={}&secret_token={{secret:webhook_secret}}&allowed_updates={}",
                        kestrel_plugin_sdk::percent::encode(url),
                        kestrel_plugin_sdk::percent::encode(r#"["message","callback_query"]"#)
                    );
                    self.api.call_query("setWebhook", &query, 10_000)
                }
                // Polling: a webhook left from an earlier run would make every getUpdates a
                // 409.
                None => self.api.call("deleteWebhook", &json!({}), 10_000),
            };
            let what = if self.webhook_url.is_some() {
                "setWebhook"
            } else {
                "deleteWebhook"
            };
            self.webhook_set = self.settled(what, r, now);
        }
    }

    fn settled(&self, what: &str, r: Result<Value, String>, now: u64) -> Result<(), u64> {
        match r {
            Ok(v) if v["ok"].as_bool() == Some(true) => Ok(()),
            Ok(v) => {
                log::log(
                    Level::Warn,
                    &format!("{what} refused: {}", v["description"]),
                );
                Err(now + RETRY_MS)
            }
            Err(e) => {
                log::log(Level::Warn, &e);
                Err(now + RETRY_MS)
            }
        }
    }

    /// The commands this bot answers: the desk's, and `/x` when it is the X bot's chat.
    fn command_list(&self) -> Vec<(&'static str, &'static str)> {
        let mut list = command::HELP.to_vec();
        if self.x.is_some() {
            list.push(("x", "The X bot: /x help"));
        }
        list
    }

    /// The chats a notice about `mint` goes to: the alert chats and those waiting on it
    /// (who stop waiting).
    fn audience(&mut self, mint: Option<&str>) -> Vec<i64> {
        let mut chats = self.alert_chats.clone();
        if let Some(m) = mint
            && let Some(waiting) = self.awaiting.remove(m)
        {
            for c in waiting {
                if !chats.contains(&c) {
                    chats.push(c);
                }
            }
        }
        chats
    }
}

/// The arguments of an `/x` command (`/x queue`, `/x@Bot queue`), if it is one.
fn x_command(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let (first, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    let cmd = first.split('@').next().unwrap_or(first);
    cmd.eq_ignore_ascii_case("/x").then_some(rest.trim())
}

/// The path the host hands over for `webhook_url`: what follows `/hooks/<plugin>` in it
/// (`https://bot.example.com/hooks/telegram` → `/`).
fn hook_path(webhook_url: &str) -> String {
    let path = webhook_url
        .split_once("://")
        .map_or(webhook_url, |(_, rest)| rest)
        .split_once('/')
        .map_or("", |(_, p)| p);
    let path = path.split(['?', '#']).next().unwrap_or("");
    match path.split_once("hooks/") {
        Some((_, after)) => match after.split_once('/') {
            Some((_, tail)) => format!("/{tail}"),
            None => "/".into(),
        },
        None => "/".into(),
    }
}

impl Plugin for Telegram {
    fn init(s: Vec<(String, String)>) -> Result<Self, String> {
        let allowed_users = ids(setting(&s, "allowed_users").unwrap_or(""), "allowed_users")?;
        let alert_chats = match setting(&s, "alert_chats") {
            Some(list) if !list.trim().is_empty() => ids(list, "alert_chats")?,
            _ => allowed_users.clone(),
        };
        let quick_buy = match setting(&s, "quick_buy_lamports") {
            Some(list) => list
                .split(',')
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|l| (1..=command::MAX_QUICK_BUY).contains(l))
                        .ok_or_else(|| {
                            format!(
                                "quick_buy_lamports: `{}` is not an amount",
                                text::clip(v, 32)
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![100_000_000, 250_000_000, 500_000_000],
        };
        let num = |key: &str, default: u64| -> Result<u64, String> {
            setting(&s, key).map_or(Ok(default), |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("{key}: `{}` is not a number", text::clip(v, 32)))
            })
        };
        let offset = kv::get("offset")
            .ok()
            .flatten()
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, i64::from_le_bytes);
        let webhook_url = setting(&s, "webhook_url")
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        if let Some(u) = &webhook_url
            && !u.starts_with("https://")
        {
            return Err(format!(
                "webhook_url: `{}` must be https (Telegram calls only https hooks)",
                text::clip(u, 64)
            ));
        }
        let x_chats = ids(setting(&s, "x_chats").unwrap_or(""), "x_chats")?;
        let x = (!x_chats.is_empty()).then(|| {
            xdesk::XDesk::new(
                x_chats,
                setting(&s, "x_topic")
                    .unwrap_or("x-approvals")
                    .trim()
                    .to_owned(),
                setting(&s, "x_actions_topic")
                    .unwrap_or("x-actions")
                    .trim()
                    .to_owned(),
                setting(&s, "x_bot").unwrap_or("x").trim().to_owned(),
                clock::now_ms(),
            )
        });
        Ok(Self {
            api: Api {
                base: setting(&s, "api_base")
                    .unwrap_or("https://api.telegram.org")
                    .trim_end_matches('/')
                    .to_owned(),
            },
            settings: command::Settings {
                allowed_users,
                quick_buy,
            },
            alert_chats,
            poll_timeout: num("poll_timeout_secs", 20)?.min(50),
            webhook_url,
            offset,
            outbox: Outbox::new(num("chat_interval_ms", 1_000)?),
            awaiting: HashMap::new(),
            confirmations: command::Confirmations::default(),
            commands_set: Err(0),
            webhook_set: Err(0),
            x,
        })
    }

    fn commands(&self) -> Vec<CommandSpec> {
        self.command_list()
            .into_iter()
            .map(|(n, d)| CommandSpec {
                name: n.into(),
                description: d.into(),
            })
            .collect()
    }

    fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            events: EventKinds::FILLS
                | EventKinds::EXITS
                | EventKinds::STATES
                | EventKinds::ALERTS
                | EventKinds::DIGESTS,
            launch_filter: None,
            topics: self.x.iter().map(|x| x.topic.clone()).collect(),
        }
    }

    fn on_topic(&mut self, m: TopicMessage) {
        let Some(x) = &mut self.x else {
            return;
        };
        match x.shown(&m) {
            xdesk::Show::All(reply) => {
                for c in x.chats.clone() {
                    self.outbox.reply(c, reply.clone());
                }
            }
            xdesk::Show::To(chat, reply) => self.outbox.reply(chat, reply),
            xdesk::Show::Nothing => {}
        }
        self.flush();
    }

    fn on_message(&mut self, m: Inbound) -> Vec<String> {
        // A message the host hands over (no Telegram traffic): the replies as plain lines.
        let Ok(user) = m.user.parse::<i64>() else {
            return vec!["unknown user".into()];
        };
        let chat = m.chat.parse::<i64>().unwrap_or(user);
        let mut scratch = Outbox::new(0);
        std::mem::swap(&mut scratch, &mut self.outbox);
        self.handle(chat, user, &m.text, None);
        std::mem::swap(&mut scratch, &mut self.outbox);
        let mut out = Vec::new();
        while let Some(o) = scratch.next(0) {
            out.extend(o.body["text"].as_str().map(str::to_owned));
            scratch.sent(&o, 0);
        }
        out
    }

    fn on_event(&mut self, e: Event) {
        let (lines, mint) = command::event_lines(&e);
        // An alert about a buy or sell a chat asked for goes to that chat too.
        let about = match (&e, mint) {
            (Event::Alert(a), None) => self
                .awaiting
                .keys()
                .find(|m| a.contains(m.as_str()))
                .cloned(),
            (_, m) => m,
        };
        let now = clock::now_ms();
        for c in self.audience(about.as_deref()) {
            self.outbox.notice(c, &lines, now);
        }
    }

    fn on_tick(&mut self, _now_ms: u64) {
        self.start_up(clock::now_ms());
        self.flush();
        if self.webhook_url.is_none() {
            self.poll();
            self.flush();
        }
    }

    fn on_webhook(&mut self, r: WebhookRequest) -> WebhookResponse {
        let ok = |status: u16| WebhookResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{}".to_vec(),
        };
        let Some(url) = &self.webhook_url else {
            return kestrel_plugin_sdk::not_found();
        };
        if r.path != hook_path(url) {
            return kestrel_plugin_sdk::not_found();
        }
        // Telegram resends what is not answered 2xx: an update that cannot be read is
        // answered 200 all the same, and logged, so it is not sent again forever.
        match serde_json::from_slice::<Value>(&r.body) {
            Ok(u) if u.is_object() => self.update(&u),
            _ => log::log(Level::Warn, "a webhook body that is not an update: ignored"),
        }
        ok(200)
    }
}

kestrel_plugin_sdk::register_plugin!(Telegram);
