//! The X bot's approval chat in Discord (with `x_channel` set): the posts the X bot publishes
//! (on `x_topic`) are shown in that channel with the buttons their state allows (Approve, Edit,
//! Reject, Post now, Delete from X); a press, an Edit form (a modal) or `/x <command>` is
//! published (on `x_actions_topic`) for the X bot, which decides, approvers included, and
//! answers; the answer edits the message that carried the button, or the deferred `/x`
//! reply, through the interaction's token (kept here, never sent to the X bot).

use std::collections::{HashMap, VecDeque};

use kestrel_plugin_sdk::{Level, TopicMessage, WebhookResponse, log, topics, xactions};
use serde_json::{Value, json};

use crate::interaction::{
    DEFERRED_UPDATE_MESSAGE, Interaction, MODAL, Options, buttons, deferred, message, reply,
    respond,
};
use crate::outbox::{Followup, TOKEN_LIFE_MS};
use crate::rest::{Call, RestError};
use crate::{Discord, text};

/// Interaction tokens waiting for the X bot's answer, at most.
const MAX_PENDING: usize = 256;
/// Channel messages waiting to be sent, at most.
const MAX_WAITING: usize = 100;
/// Discord's button styles: primary, secondary, success, danger.
const PRIMARY: u8 = 1;
const SECONDARY: u8 = 2;
const SUCCESS: u8 = 3;
const DANGER: u8 = 4;

pub struct XDesk {
    /// ref → (interaction token, when): the answers' way back.
    pending: HashMap<u64, (String, u64)>,
    next_ref: u64,
    /// Messages for the approval channel, sent on the tick.
    waiting: VecDeque<Value>,
}

impl XDesk {
    /// Refs start from the clock: an answer meant for a token from before a restart matches
    /// nothing now.
    pub fn seeded(now_ms: u64) -> Self {
        Self {
            pending: HashMap::new(),
            next_ref: now_ms,
            waiting: VecDeque::new(),
        }
    }
}

/// Discord's style for an action's button.
fn style(name: &str) -> u8 {
    match name {
        "approve" => SUCCESS,
        "reject" | "delete" => DANGER,
        "post_now" => PRIMARY,
        _ => SECONDARY,
    }
}

/// A post as message text and its row of buttons.
pub fn render(post: &Value, headline: Option<&str>) -> (String, Vec<Value>) {
    let s = |k: &str| post[k].as_str().unwrap_or("").to_owned();
    let id = post["id"].as_u64().unwrap_or(0);
    let mut lines = Vec::new();
    if let Some(h) = headline {
        lines.push(h.to_owned());
    }
    lines.push(format!(
        "**X post #{id}** · {} · {}",
        s("state"),
        s("source")
    ));
    lines.extend(s("text").lines().map(|l| format!("> {l}")));
    let mut facts = format!(
        "{}/280 · {}",
        post["weighted"].as_u64().unwrap_or(0),
        s("cost")
    );
    if let Some(at) = post["at"].as_str() {
        facts.push_str(&format!(" · {at}"));
    }
    lines.push(facts);
    for issue in post["issues"].as_array().into_iter().flatten() {
        lines.push(format!("⚠ {}", issue.as_str().unwrap_or("")));
    }
    if let Some(n) = post["note"].as_str() {
        lines.push(format!("ℹ {n}"));
    }
    if let Some(l) = post["link"].as_str() {
        lines.push(l.to_owned());
    }
    let row: Vec<(String, String, u8)> = post["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| xactions::by_name(a.as_str()?))
        .map(|a| {
            // The words' hash rides along: a press acts on what was shown.
            let hash = post["hash"].as_str().unwrap_or("");
            (
                a.label.to_owned(),
                format!("x:{}:{id}:{hash}", a.code),
                style(a.name),
            )
        })
        .collect();
    let components = if row.is_empty() {
        Vec::new()
    } else {
        vec![buttons(&row)]
    };
    (lines.join("\n"), components)
}

impl XDesk {
    /// Keeps a token for the answer; the ref the X bot echoes back.
    fn remember(&mut self, token: &str, now: u64) -> u64 {
        self.pending
            .retain(|_, (_, at)| now.saturating_sub(*at) < TOKEN_LIFE_MS);
        if self.pending.len() >= MAX_PENDING
            && let Some(oldest) = self
                .pending
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| *k)
        {
            self.pending.remove(&oldest);
        }
        self.next_ref += 1;
        self.pending.insert(self.next_ref, (token.to_owned(), now));
        self.next_ref
    }
}

fn publish(bot: &Discord, v: &Value) -> Result<(), String> {
    topics::publish(&bot.s.x_actions_topic, v.to_string().as_bytes())
        .map_err(|e| format!("the X bot's topic refused it: {e:?}"))
}

/// `/x [command]`: forwarded; the answer edits the deferred reply.
pub fn command(bot: &mut Discord, i: &Interaction, text: &str, now: u64) -> WebhookResponse {
    if bot.s.x_channel.is_none() {
        return reply(
            "The X bot's approval chat is not set up here (x_channel).",
            true,
        );
    }
    let r = bot.x.remember(&i.token, now);
    let v = json!({
        "action": "command",
        "text": text,
        "user": i.user,
        "ctx": { "via": "discord", "ref": r },
    });
    match publish(bot, &v) {
        Ok(()) => deferred(true),
        Err(e) => reply(&format!("Not sent: {e}"), true),
    }
}

/// The `/x` command's handler (the commands table's entry).
pub fn x_command(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let text = o.str("command").unwrap_or("help").to_owned();
    command(bot, i, &text, kestrel_plugin_sdk::clock::now_ms())
}

/// A button `x:<code>:<id>`: Edit opens a form; the others are forwarded, and the message
/// they sit on is edited when the X bot answers.
pub fn press(bot: &mut Discord, i: &Interaction, now: u64) -> WebhookResponse {
    let mut parts = i.custom_id().split(':').skip(1);
    let (code, id) = (
        parts.next(),
        parts.next().and_then(|n| n.parse::<u64>().ok()),
    );
    let hash = parts.next().unwrap_or("");
    let Some(id) = id else {
        return reply("That button is not one of this bot's.", true);
    };
    if code == Some("e") {
        return respond(
            MODAL,
            Some(json!({
                "custom_id": format!("x:edit:{id}"),
                "title": format!("Edit X post #{id}"),
                "components": [{ "type": 1, "components": [{
                    "type": 4, "custom_id": "text", "style": 2, "label": "New text",
                    "required": true, "max_length": 4000,
                }]}],
            })),
        );
    }
    let Some(action) = code
        .and_then(xactions::by_code)
        .map(|a| a.name)
        .filter(|n| *n != "edit")
    else {
        return reply("That button is not one of this bot's.", true);
    };
    let r = bot.x.remember(&i.token, now);
    let v = json!({
        "action": action,
        "id": id,
        "hash": hash,
        "user": i.user,
        "ctx": { "via": "discord", "ref": r },
    });
    match publish(bot, &v) {
        Ok(()) => respond(DEFERRED_UPDATE_MESSAGE, None),
        Err(e) => reply(&format!("Not sent: {e}"), true),
    }
}

/// The Edit form, submitted: the new text goes to the X bot, checked again there.
pub fn edit_submitted(bot: &mut Discord, i: &Interaction, now: u64) -> WebhookResponse {
    let Some(id) = i
        .custom_id()
        .strip_prefix("x:edit:")
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return reply("That form is not one of this bot's.", true);
    };
    let text = i.data["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|c| c["custom_id"] == "text")
        .and_then(|c| c["value"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let r = bot.x.remember(&i.token, now);
    let v = json!({
        "action": "edit",
        "id": id,
        "text": text,
        "user": i.user,
        "ctx": { "via": "discord", "ref": r },
    });
    // The form came from the post's Edit button: the answer updates that message.
    match publish(bot, &v) {
        Ok(()) => respond(DEFERRED_UPDATE_MESSAGE, None),
        Err(e) => reply(&format!("Not sent: {e}"), true),
    }
}

/// What the X bot said: posts and alerts to the channel, answers through their tokens.
pub fn on_topic(bot: &mut Discord, m: &TopicMessage) {
    if m.sender != bot.s.x_bot {
        return;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&m.body) else {
        log::log(
            Level::Warn,
            "a message from the X bot that is not JSON: ignored",
        );
        return;
    };
    match v["kind"].as_str() {
        Some("post") => {
            let (content, components) = render(&v["post"], None);
            queue(bot, message(&content, Vec::new(), components, false));
        }
        Some("alert") => {
            let said = format!(
                "X bot: {}",
                text::clip(v["text"].as_str().unwrap_or(""), 1_900)
            );
            queue(bot, message(&said, Vec::new(), Vec::new(), false));
        }
        Some("answer") if v["to"]["via"] == "discord" => {
            let Some((token, at_ms)) = v["to"]["ref"]
                .as_u64()
                .and_then(|r| bot.x.pending.remove(&r))
            else {
                return;
            };
            let said = v["text"].as_str().unwrap_or("");
            let data = if v["post"].is_object() {
                let (content, components) = render(&v["post"], Some(said));
                message(&content, Vec::new(), components, false)
            } else {
                message(said, Vec::new(), Vec::new(), false)
            };
            bot.outbox.followup(Followup::Edit { token, data, at_ms });
        }
        _ => {}
    }
}

fn queue(bot: &mut Discord, data: Value) {
    if bot.x.waiting.len() >= MAX_WAITING {
        bot.x.waiting.pop_front();
    }
    bot.x.waiting.push_back(data);
}

/// Sends what waits for the approval channel, until a rate limit says wait.
pub fn flush(bot: &mut Discord, now: u64) {
    let Some(channel) = bot.s.x_channel.clone() else {
        return;
    };
    while let Some(data) = bot.x.waiting.pop_front() {
        let path = format!("/channels/{channel}/messages");
        match bot.rest.send(Call::bot("POST", path).body(&data), now) {
            Ok(_) => {}
            Err(RestError::Wait(_)) => {
                bot.x.waiting.push_front(data);
                return;
            }
            Err(e) => log::log(Level::Warn, &format!("the X approval channel: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_shows_as_a_quote_with_four_styled_buttons() {
        let post = json!({
            "id": 3, "hash": "0badcafe", "state": "draft", "text": "gm\nthe desk", "source": "library gm/one",
            "weighted": 12, "cost": "$0.015", "issues": [], "actions": ["approve", "edit", "reject", "post_now"],
        });
        let (content, components) = render(&post, None);
        assert_eq!(
            content,
            "**X post #3** · draft · library gm/one\n> gm\n> the desk\n12/280 · $0.015"
        );
        let ids: Vec<String> = components[0]["components"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            ids,
            [
                "x:a:3:0badcafe",
                "x:e:3:0badcafe",
                "x:r:3:0badcafe",
                "x:n:3:0badcafe"
            ]
        );
    }
}
