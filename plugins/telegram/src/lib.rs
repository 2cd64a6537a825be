//! Kestrel's Telegram bot, as a plugin. It long-polls `getUpdates` through the host (the bot
//! token is the host's secret `telegram_token`, written `{secret:telegram_token}` in the URL),
//! answers the operator's commands with the engine's commands and views, and pushes fills,
//! exits and guardian alerts to the operator's chats.
//!
//! Settings (from config): `api_base` (default `https://api.telegram.org`), `allowed_users`
//! (comma-separated Telegram user ids: only they may trade), `alert_chats` (default: the
//! allowed users' private chats), `quick_buy_lamports` (the buy keyboard's amounts, each at
//! most 1000 SOL),
//! `poll_timeout_secs` (long-poll wait, default 20), `chat_interval_ms` (least time between
//! two messages to one chat, default 1000: Telegram's per-chat limit).

pub mod command;
pub mod text;

use std::collections::{HashMap, VecDeque};

use kestrel_plugin_sdk::{
    CommandSpec, Event, EventKinds, HttpRequest, Inbound, Level, Plugin, Subscriptions, clock,
    http, kv, log,
};
use serde_json::{Value, json};

use command::Reply;

/// What one outgoing Bot API call is.
#[derive(Clone, Debug)]
struct Outgoing {
    chat: i64,
    method: &'static str,
    body: Value,
}

pub struct Telegram {
    api_base: String,
    settings: command::Settings,
    alert_chats: Vec<i64>,
    poll_timeout: u64,
    chat_interval_ms: u64,
    offset: i64,
    /// No Bot API call before this (429's retry_after, or a 409's pause).
    quiet_until_ms: u64,
    outbox: VecDeque<Outgoing>,
    last_sent: HashMap<i64, u64>,
    /// Chats waiting for the fill of a buy or sell they asked for: mint → chats.
    awaiting: HashMap<String, Vec<i64>>,
    /// Kill confirmations offered: nonce → chat.
    confirmations: command::Confirmations,
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
                .map_err(|_| format!("{what}: `{s}` is not a Telegram id"))
        })
        .collect()
}

impl Telegram {
    fn url(&self, method: &str) -> String {
        format!("{}/bot{{secret:telegram_token}}/{method}", self.api_base)
    }

    fn call(&self, method: &str, body: &Value, timeout_ms: u32) -> Result<Value, String> {
        let req = HttpRequest {
            method: "POST".into(),
            url: self.url(method),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            timeout_ms,
            signer: None,
        };
        let resp = http::send(&req).map_err(|e| format!("{method}: {e:?}"))?;
        let v: Value = serde_json::from_slice(&resp.body)
            .map_err(|e| format!("{method}: HTTP {}: not JSON ({e})", resp.status))?;
        Ok(v)
    }

    /// Queues a reply for `chat`: split into pages, each with the keyboard on its last page.
    fn queue(&mut self, chat: i64, reply: Reply) {
        match reply {
            Reply::Text { lines, keyboard } => {
                let pages = text::paginate(&lines, text::MAX_MESSAGE);
                let n = pages.len();
                for (i, page) in pages.into_iter().enumerate() {
                    let mut body =
                        json!({ "chat_id": chat, "text": page, "parse_mode": "MarkdownV2" });
                    if i + 1 == n
                        && let Some(k) = &keyboard
                    {
                        body["reply_markup"] = k.clone();
                    }
                    self.outbox.push_back(Outgoing {
                        chat,
                        method: "sendMessage",
                        body,
                    });
                }
            }
            Reply::Edit { message_id, lines } => {
                let text = lines.join("\n");
                self.outbox.push_back(Outgoing {
                    chat,
                    method: "editMessageText",
                    body: json!({ "chat_id": chat, "message_id": message_id, "text": text, "parse_mode": "MarkdownV2" }),
                });
            }
        }
    }

    /// Sends what the per-chat rate allows; stops at a 429 (and honours its retry_after).
    fn flush(&mut self, now: u64) {
        let mut kept = VecDeque::new();
        let mut sent_to: Vec<i64> = Vec::new();
        while let Some(o) = self.outbox.pop_front() {
            if now < self.quiet_until_ms {
                kept.push_back(o);
                continue;
            }
            let last = self.last_sent.get(&o.chat).copied().unwrap_or(0);
            // One per chat per flush, and no sooner than the chat's interval.
            if sent_to.contains(&o.chat)
                || now.saturating_sub(last) < self.chat_interval_ms && last != 0
            {
                kept.push_back(o);
                continue;
            }
            match self.call(o.method, &o.body, 10_000) {
                Ok(v) if v["ok"].as_bool() == Some(true) => {
                    self.last_sent.insert(o.chat, now);
                    sent_to.push(o.chat);
                }
                Ok(v) => {
                    if let Some(after) = v["parameters"]["retry_after"].as_u64() {
                        self.quiet_until_ms = now + after * 1_000;
                        log::log(
                            Level::Warn,
                            &format!("Telegram flood control: waiting {after} s"),
                        );
                        kept.push_back(o);
                    } else {
                        log::log(
                            Level::Warn,
                            &format!("{} refused: {}", o.method, v["description"]),
                        );
                    }
                }
                Err(e) => {
                    log::log(Level::Warn, &e);
                    kept.push_back(o);
                    break;
                }
            }
        }
        kept.extend(self.outbox.drain(..));
        self.outbox = kept;
    }

    fn poll(&mut self, now: u64) {
        if now < self.quiet_until_ms {
            return;
        }
        let body = json!({
            "offset": self.offset,
            "timeout": self.poll_timeout,
            "allowed_updates": ["message", "callback_query"],
        });
        let timeout_ms = u32::try_from((self.poll_timeout + 10) * 1_000).unwrap_or(u32::MAX);
        let v = match self.call("getUpdates", &body, timeout_ms) {
            Ok(v) => v,
            Err(e) => {
                log::log(Level::Warn, &e);
                self.quiet_until_ms = now + 1_000;
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
            self.quiet_until_ms = now + wait;
            return;
        }
        let updates = v["result"].as_array().cloned().unwrap_or_default();
        for u in updates {
            if let Some(id) = u["update_id"].as_i64() {
                self.offset = self.offset.max(id + 1);
            }
            self.update(&u);
        }
        let _ = kv::set("offset", &self.offset.to_le_bytes());
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
            let note = self.handle(chat, user, data, message_id);
            let body = json!({ "callback_query_id": id, "text": note });
            // Answered at once so the button stops spinning; not paced per chat.
            if let Err(e) = self.call("answerCallbackQuery", &body, 10_000) {
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
            self.queue(chat, command::refusal());
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
            ) => Reply::Edit { message_id, lines },
            (r, _) => r,
        };
        self.queue(chat, reply);
        note
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
                        .ok_or_else(|| format!("quick_buy_lamports: `{v}` is not an amount"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![100_000_000, 250_000_000, 500_000_000],
        };
        let num = |key: &str, default: u64| -> Result<u64, String> {
            setting(&s, key).map_or(Ok(default), |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("{key}: `{v}` is not a number"))
            })
        };
        let offset = kv::get("offset")
            .ok()
            .flatten()
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, i64::from_le_bytes);
        Ok(Self {
            api_base: setting(&s, "api_base")
                .unwrap_or("https://api.telegram.org")
                .trim_end_matches('/')
                .to_owned(),
            settings: command::Settings {
                allowed_users,
                quick_buy,
            },
            alert_chats,
            poll_timeout: num("poll_timeout_secs", 20)?.min(50),
            chat_interval_ms: num("chat_interval_ms", 1_000)?,
            offset,
            quiet_until_ms: 0,
            outbox: VecDeque::new(),
            last_sent: HashMap::new(),
            awaiting: HashMap::new(),
            confirmations: command::Confirmations::default(),
        })
    }

    fn commands(&self) -> Vec<CommandSpec> {
        command::HELP
            .iter()
            .map(|(n, d)| CommandSpec {
                name: (*n).into(),
                description: (*d).into(),
            })
            .collect()
    }

    fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            events: EventKinds::FILLS | EventKinds::EXITS | EventKinds::STATES | EventKinds::ALERTS,
            launch_filter: None,
            topics: Vec::new(),
        }
    }

    fn on_message(&mut self, m: Inbound) -> Vec<String> {
        // A message the host hands over (no Telegram traffic): the replies as plain lines.
        let Ok(user) = m.user.parse::<i64>() else {
            return vec!["unknown user".into()];
        };
        let chat = m.chat.parse::<i64>().unwrap_or(user);
        let before = self.outbox.len();
        self.handle(chat, user, &m.text, None);
        self.outbox
            .drain(before..)
            .filter_map(|o| o.body["text"].as_str().map(str::to_owned))
            .collect()
    }

    fn on_event(&mut self, e: Event) {
        let (lines, mint) = command::event_lines(&e);
        let mut chats = self.alert_chats.clone();
        if let Some(m) = &mint
            && let Some(waiting) = self.awaiting.remove(m)
        {
            for c in waiting {
                if !chats.contains(&c) {
                    chats.push(c);
                }
            }
        }
        for c in chats {
            self.queue(
                c,
                Reply::Text {
                    lines: lines.clone(),
                    keyboard: None,
                },
            );
        }
    }

    fn on_tick(&mut self, _now_ms: u64) {
        let now = clock::now_ms();
        self.flush(now);
        self.poll(now);
        self.flush(clock::now_ms());
    }
}

kestrel_plugin_sdk::register_plugin!(Telegram);
