//! The X bot's approval chat in Telegram: posts the X bot publishes (on `x_topic`) are shown
//! in `x_chats` with the buttons their state allows (Approve, Edit, Reject, Post now,
//! Delete); a press, an `/x …` command or the reply to an edit prompt is published (on
//! `x_actions_topic`) for the X bot, which decides, approvers included, and answers. This
//! bot only shows and forwards: the X bot holds the queue and the list of approvers. It shows
//! only what the X plugin (`x_bot`, default `x`) sent, and an answer only in the chat that
//! asked: the X bot echoes a reference this bot made, never a chat id.

use std::collections::HashMap;

use kestrel_plugin_sdk::{Level, TopicMessage, log, topics, xactions};
use serde_json::{Value, json};

use crate::command::{Reply, button};
use crate::text::{clip, escape};

/// The prompt an Edit press sends; a reply to it is the new text.
const EDIT_PROMPT: &str = "Editing X post #";

pub struct XDesk {
    pub chats: Vec<i64>,
    pub topic: String,
    pub actions_topic: String,
    /// The X plugin's name: only its messages are shown.
    pub x_bot: String,
    /// ref → (chat, the message with the pressed button): where each answer goes.
    asked: HashMap<u64, (i64, Option<i64>)>,
    next_ref: u64,
}

/// Requests waiting for an answer, at most (the oldest are forgotten).
const MAX_ASKED: usize = 256;

/// What a message from the X bot asks of this bot.
pub enum Show {
    /// To every approval chat.
    All(Reply),
    /// To one chat (an answer), editing the message that carried the button if known.
    To(i64, Reply),
    Nothing,
}

/// A post as lines (MarkdownV2) and its buttons.
pub fn render(post: &Value, headline: Option<&str>) -> (Vec<String>, Option<Value>) {
    let s = |k: &str| post[k].as_str().unwrap_or("").to_owned();
    let id = post["id"].as_u64().unwrap_or(0);
    let mut lines = Vec::new();
    if let Some(h) = headline {
        lines.push(escape(h));
    }
    lines.push(format!(
        "*{}* · {} · {}",
        escape(&format!("X post #{id}")),
        escape(&s("state")),
        escape(&s("source"))
    ));
    lines.push(escape(&s("text")));
    let mut facts = format!(
        "{}/280 · {}",
        post["weighted"].as_u64().unwrap_or(0),
        s("cost")
    );
    if let Some(at) = post["at"].as_str() {
        facts.push_str(&format!(" · {at}"));
    }
    lines.push(escape(&facts));
    for issue in post["issues"].as_array().into_iter().flatten() {
        lines.push(escape(&format!("⚠ {}", issue.as_str().unwrap_or(""))));
    }
    if let Some(n) = post["note"].as_str() {
        lines.push(escape(&format!("ℹ {n}")));
    }
    if let Some(l) = post["link"].as_str() {
        lines.push(escape(l));
    }
    let buttons: Vec<Value> = post["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| xactions::by_name(a.as_str()?))
        .map(|a| {
            // Approve and Post now carry the words' hash: they act on what was shown.
            let hash = post["hash"].as_str().unwrap_or("");
            button(a.label, format!("x|{}|{id}|{hash}", a.code))
        })
        .collect();
    let keyboard = (!buttons.is_empty()).then(|| json!({ "inline_keyboard": [buttons] }));
    (lines, keyboard)
}

impl XDesk {
    pub fn new(
        chats: Vec<i64>,
        topic: String,
        actions_topic: String,
        x_bot: String,
        seed: u64,
    ) -> Self {
        Self {
            chats,
            topic,
            actions_topic,
            x_bot,
            asked: HashMap::new(),
            // From the clock: a reference from before a restart matches nothing now.
            next_ref: seed,
        }
    }

    fn remember(&mut self, chat: i64, message_id: Option<i64>) -> u64 {
        if self.asked.len() >= MAX_ASKED
            && let Some(&oldest) = self.asked.keys().min()
        {
            self.asked.remove(&oldest);
        }
        self.next_ref = self.next_ref.wrapping_add(1);
        self.asked.insert(self.next_ref, (chat, message_id));
        self.next_ref
    }

    fn publish(&self, v: &Value) -> Result<(), String> {
        topics::publish(&self.actions_topic, v.to_string().as_bytes())
            .map_err(|e| format!("the X bot's topic refused it: {e:?}"))
    }

    /// `/x <command>` from a chat: forwarded. The answer comes back as a message.
    pub fn command(&mut self, chat: i64, user: i64, text: &str) -> Result<(), String> {
        let r = self.remember(chat, None);
        self.publish(&json!({
            "action": "command",
            "text": text,
            "user": user.to_string(),
            "ctx": { "via": "telegram", "ref": r },
        }))
    }

    /// A press of `x|<code>|<id>`; the note for the button's answer, and what to show now
    /// (the edit prompt).
    pub fn press(
        &mut self,
        chat: i64,
        user: i64,
        message_id: Option<i64>,
        data: &str,
    ) -> (String, Option<Reply>) {
        let mut parts = data.split('|').skip(1);
        let (Some(action), Some(id)) = (
            parts.next().and_then(xactions::by_code).map(|a| a.name),
            parts.next().and_then(|i| i.parse::<u64>().ok()),
        ) else {
            return ("Unknown button".into(), None);
        };
        let hash = parts.next().unwrap_or("");
        if action == "edit" {
            let prompt = Reply::Text {
                lines: vec![escape(&format!(
                    "{EDIT_PROMPT}{id}: reply to this message with the new text."
                ))],
                keyboard: Some(json!({
                    "force_reply": true,
                    "input_field_placeholder": format!("New text for #{id}"),
                })),
            };
            return ("Reply with the new text".into(), Some(prompt));
        }
        let r = self.remember(chat, message_id);
        let v = json!({
            "action": action,
            "id": id,
            "hash": hash,
            "user": user.to_string(),
            "ctx": { "via": "telegram", "ref": r },
        });
        match self.publish(&v) {
            Ok(()) => ("Sent to the X bot".into(), None),
            Err(e) => {
                log::log(Level::Warn, &e);
                ("The X bot is busy: try again".into(), None)
            }
        }
    }

    /// A reply to an edit prompt: the id from the prompt, the text from the reply.
    pub fn edit_reply(
        &mut self,
        chat: i64,
        user: i64,
        replied_to: &Value,
        text: &str,
    ) -> Option<Result<(), String>> {
        if replied_to["from"]["is_bot"].as_bool() != Some(true) {
            return None;
        }
        let prompt = replied_to["text"].as_str()?;
        let id: u64 = prompt
            .strip_prefix(EDIT_PROMPT)?
            .split(':')
            .next()?
            .parse()
            .ok()?;
        let r = self.remember(chat, None);
        Some(self.publish(&json!({
            "action": "edit",
            "id": id,
            "text": text,
            "user": user.to_string(),
            "ctx": { "via": "telegram", "ref": r },
        })))
    }

    /// What the X bot said, as Telegram should show it.
    pub fn shown(&mut self, m: &TopicMessage) -> Show {
        if m.topic != self.topic || m.sender != self.x_bot {
            return Show::Nothing;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&m.body) else {
            log::log(
                Level::Warn,
                "a message from the X bot that is not JSON: ignored",
            );
            return Show::Nothing;
        };
        match v["kind"].as_str() {
            Some("post") => {
                let (lines, keyboard) = render(&v["post"], None);
                Show::All(Reply::Text { lines, keyboard })
            }
            Some("alert") => Show::All(Reply::Text {
                lines: vec![escape(&format!(
                    "X bot: {}",
                    clip(v["text"].as_str().unwrap_or(""), 3000)
                ))],
                keyboard: None,
            }),
            Some("answer") if v["to"]["via"].as_str() == Some("telegram") => {
                let Some((chat, message_id)) =
                    v["to"]["ref"].as_u64().and_then(|r| self.asked.remove(&r))
                else {
                    return Show::Nothing;
                };
                let said = v["text"].as_str().unwrap_or("");
                let reply = if v["post"].is_object() {
                    let (lines, keyboard) = render(&v["post"], Some(said));
                    match message_id {
                        Some(message_id) => Reply::Edit {
                            message_id,
                            lines,
                            keyboard,
                        },
                        None => Reply::Text { lines, keyboard },
                    }
                } else {
                    Reply::Text {
                        lines: said.lines().map(escape).collect(),
                        keyboard: None,
                    }
                };
                Show::To(chat, reply)
            }
            _ => Show::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post() -> Value {
        json!({
            "id": 12, "hash": "1a2b3c4d", "state": "draft", "text": "gm. desk is live!", "source": "library gm/one",
            "weighted": 17, "cost": "$0.015", "at": null, "issues": [], "note": null,
            "link": null, "actions": ["approve", "edit", "reject", "post_now"],
        })
    }

    #[test]
    fn a_draft_shows_its_text_escaped_and_four_buttons() {
        let (lines, keyboard) = render(&post(), None);
        assert_eq!(lines[0], "*X post \\#12* · draft · library gm/one");
        assert_eq!(lines[1], "gm\\. desk is live\\!");
        let k = keyboard.unwrap();
        let datas: Vec<&str> = k["inline_keyboard"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["callback_data"].as_str().unwrap())
            .collect();
        assert_eq!(
            datas,
            [
                "x|a|12|1a2b3c4d",
                "x|e|12|1a2b3c4d",
                "x|r|12|1a2b3c4d",
                "x|n|12|1a2b3c4d"
            ]
        );
    }

    #[test]
    fn a_post_with_no_actions_has_no_keyboard_and_shows_its_issues() {
        let mut p = post();
        p["actions"] = json!([]);
        p["issues"] = json!(["2 cashtags ($A, $B): X allows one a post"]);
        let (lines, keyboard) = render(&p, Some("Not done"));
        assert!(keyboard.is_none());
        assert!(lines.iter().any(|l| l.starts_with("⚠ 2 cashtags")));
        assert_eq!(lines[0], "Not done");
    }
}
