//! What the bot does with the gateway's events, when the operator enables the gateway (the
//! host holds the connection and its token, and publishes each dispatch on the topic
//! `discord-gateway` as `{"t": <event name>, "d": <payload>}`): a spam filter over message
//! creates (repeated messages, link and invite floods, mass mentions) that deletes the
//! messages and times the member out, and join/leave lines in the mod log.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::Discord;
use crate::cases;
use crate::embed::{Embed, GREEN, GREY};
use crate::interaction::strings;
use crate::moderation::{self, Action, Request};
use crate::rest::{Call, RestError};
use crate::settings::Spam;
use crate::text::{clip, iso8601};

/// The topic the host publishes gateway dispatches on.
pub const TOPIC: &str = "discord-gateway";
/// Members tracked at once; the least recent go first.
const MAX_TRACKED: usize = 5_000;
/// Messages remembered per member.
const MAX_HISTORY: usize = 32;

#[derive(Clone, Debug)]
struct Seen {
    at_ms: u64,
    hash: u64,
    link: bool,
    channel: String,
    id: String,
}

/// A member the filter caught: the messages to delete and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub guild: String,
    pub user: String,
    pub user_name: String,
    pub roles: Vec<String>,
    /// (channel, message) to delete.
    pub messages: Vec<(String, String)>,
    pub why: String,
}

#[derive(Default)]
pub struct Filter {
    history: HashMap<(String, String), VecDeque<Seen>>,
}

/// FNV-1a over the message's text, trimmed and lower-cased: identical messages collide.
fn hash(text: &str) -> u64 {
    text.trim()
        .to_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

fn has_link(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "http://",
        "https://",
        "discord.gg/",
        "discord.com/invite/",
        "www.",
    ]
    .iter()
    .any(|p| t.contains(p))
}

impl Filter {
    /// Looks at one MESSAGE_CREATE; a hit when a rule is broken.
    pub fn message(&mut self, p: &Spam, d: &Value, now: u64) -> Option<Hit> {
        if d["author"]["bot"].as_bool() == Some(true) || d["webhook_id"].is_string() {
            return None;
        }
        let guild = d["guild_id"].as_str()?.to_owned();
        let user = d["author"]["id"].as_str()?.to_owned();
        let channel = d["channel_id"].as_str()?.to_owned();
        let id = d["id"].as_str()?.to_owned();
        let content = d["content"].as_str().unwrap_or("");
        let mentions = d["mentions"].as_array().map_or(0, Vec::len)
            + d["mention_roles"].as_array().map_or(0, Vec::len)
            + usize::from(d["mention_everyone"].as_bool() == Some(true));
        if self.history.len() >= MAX_TRACKED
            && !self.history.contains_key(&(guild.clone(), user.clone()))
        {
            // Forget whoever spoke least recently.
            let oldest = self
                .history
                .iter()
                .min_by_key(|(_, h)| h.back().map_or(0, |s| s.at_ms))
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.history.remove(&k);
            }
        }
        let key = (guild.clone(), user.clone());
        let h = self.history.entry(key.clone()).or_default();
        let window = p.window_secs.saturating_mul(1_000);
        while h
            .front()
            .is_some_and(|s| now.saturating_sub(s.at_ms) > window)
        {
            h.pop_front();
        }
        if h.len() >= MAX_HISTORY {
            h.pop_front();
        }
        let seen = Seen {
            at_ms: now,
            hash: hash(content),
            link: has_link(content),
            channel,
            id,
        };
        let repeats = h.iter().filter(|s| s.hash == seen.hash).count() + 1;
        let links = h.iter().filter(|s| s.link).count() + usize::from(seen.link);
        let why = if p.mention_count > 0 && mentions >= p.mention_count {
            Some(format!("{mentions} mentions in one message"))
        } else if p.repeat_count > 0 && !content.trim().is_empty() && repeats >= p.repeat_count {
            Some(format!(
                "the same message {repeats} times in {} s",
                p.window_secs
            ))
        } else if p.link_count > 0 && seen.link && links >= p.link_count {
            Some(format!(
                "{links} messages with links in {} s",
                p.window_secs
            ))
        } else {
            None
        };
        let Some(why) = why else {
            h.push_back(seen);
            return None;
        };
        h.push_back(seen);
        let messages = h.drain(..).map(|s| (s.channel, s.id)).collect();
        self.history.remove(&key);
        Some(Hit {
            guild,
            user,
            user_name: d["author"]["username"].as_str().unwrap_or("").to_owned(),
            roles: strings(&d["member"]["roles"]),
            messages,
            why,
        })
    }
}

/// Deletes the caught messages, then times the member out through the moderation path (so
/// the owner and higher roles are spared, and a case is filed).
pub fn execute(bot: &mut Discord, hit: &Hit, now: u64) -> Result<String, RestError> {
    let mut by_channel: Vec<(String, Vec<String>)> = Vec::new();
    for (c, m) in &hit.messages {
        match by_channel.iter_mut().find(|(ch, _)| ch == c) {
            Some((_, ids)) => ids.push(m.clone()),
            None => by_channel.push((c.clone(), vec![m.clone()])),
        }
    }
    let reason = format!("spam filter: {}", hit.why);
    for (channel, ids) in &by_channel {
        let r = if ids.len() == 1 {
            bot.rest.send(
                Call::bot("DELETE", format!("/channels/{channel}/messages/{}", ids[0]))
                    .reason(&reason),
                now,
            )
        } else {
            let body = serde_json::json!({ "messages": ids });
            bot.rest.send(
                Call::bot("POST", format!("/channels/{channel}/messages/bulk-delete"))
                    .body(&body)
                    .reason(&reason),
                now,
            )
        };
        match r {
            Ok(_) | Err(RestError::Refused { .. }) | Err(RestError::Gone) => {}
            Err(e) => return Err(e),
        }
    }
    let minutes = bot.s.spam.timeout_minutes;
    if minutes == 0 {
        return Ok(format!("spam from {} deleted: {}", hit.user, hit.why));
    }
    let req = Request {
        guild: hit.guild.clone(),
        action: Action::Timeout(minutes * 60),
        target: hit.user.clone(),
        target_name: hit.user_name.clone(),
        target_roles: Some(hit.roles.clone()),
        by: bot.as_actor(),
        reason,
        case_kind: Some("spam"),
    };
    moderation::execute(bot, &req, now)
}

/// One gateway dispatch, as the host published it.
pub fn on_gateway(bot: &mut Discord, body: &[u8], now: u64) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let d = &v["d"];
    match v["t"].as_str() {
        Some("MESSAGE_CREATE") => {
            if d["author"]["id"].as_str().is_some()
                && d["author"]["id"].as_str() == bot.me.as_deref()
            {
                return;
            }
            // Traders and moderators (`moderator_roles`) are not filtered.
            let roles = strings(&d["member"]["roles"]);
            if bot
                .s
                .is_trader(d["author"]["id"].as_str().unwrap_or(""), &roles)
                || roles.iter().any(|r| bot.s.moderator_roles.contains(r))
            {
                return;
            }
            if let Some(hit) = bot.spam.message(&bot.s.spam, d, now)
                && bot.jobs.len() < crate::jobs::MAX_JOBS
            {
                bot.jobs
                    .push_back(crate::jobs::Job::new(None, crate::jobs::Work::Spam(hit)));
            }
        }
        Some(t @ ("GUILD_MEMBER_ADD" | "GUILD_MEMBER_REMOVE")) => {
            let joined = t == "GUILD_MEMBER_ADD";
            let u = &d["user"];
            let id = u["id"].as_str().unwrap_or("?");
            let mut e = Embed::new(
                if joined {
                    "Member joined"
                } else {
                    "Member left"
                },
                if joined { GREEN } else { GREY },
            )
            .field(
                "Member",
                &format!(
                    "<@{id}> ({})",
                    clip(u["username"].as_str().unwrap_or(""), 64)
                ),
                true,
            )
            .footer(&iso8601(now));
            if joined && let Some(created) = crate::text::snowflake_ms(id) {
                e = e.field("Account made", &iso8601(created)[..10], true);
            }
            if let Some(g) = d["guild_id"].as_str() {
                let n = cases::of_user(g, id, 100).len();
                if n > 0 {
                    e = e.field("Cases", &n.to_string(), true);
                }
            }
            bot.modlog(e);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn policy() -> Spam {
        Spam {
            repeat_count: 3,
            link_count: 3,
            mention_count: 5,
            window_secs: 30,
            timeout_minutes: 10,
        }
    }

    fn msg(id: u32, text: &str, mentions: usize) -> Value {
        json!({
            "id": id.to_string(), "channel_id": "c", "guild_id": "g", "content": text,
            "author": { "id": "u", "username": "spammer" },
            "mentions": (0..mentions).map(|i| json!({ "id": i.to_string() })).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn the_third_identical_message_is_caught_with_all_three() {
        let mut f = Filter::default();
        assert!(f.message(&policy(), &msg(1, "BUY NOW", 0), 0).is_none());
        assert!(f.message(&policy(), &msg(2, "hello", 0), 1_000).is_none());
        assert!(
            f.message(&policy(), &msg(3, "buy now ", 0), 2_000)
                .is_none()
        );
        let hit = f
            .message(&policy(), &msg(4, "Buy now", 0), 3_000)
            .unwrap_or_else(|| panic!("caught"));
        assert_eq!(hit.messages.len(), 4);
        assert!(hit.why.contains("same message 3 times"));
        // Outside the window, repeats do not add up.
        let mut f = Filter::default();
        for (i, t) in [0, 40_000, 80_000].into_iter().enumerate() {
            assert!(f.message(&policy(), &msg(i as u32, "gm", 0), t).is_none());
        }
    }

    #[test]
    fn link_floods_and_mass_mentions_are_caught_and_bots_are_not_filtered() {
        let mut f = Filter::default();
        assert!(
            f.message(&policy(), &msg(1, "see https://a.example", 0), 0)
                .is_none()
        );
        assert!(
            f.message(&policy(), &msg(2, "join discord.gg/xyz", 0), 1)
                .is_none()
        );
        assert!(
            f.message(&policy(), &msg(3, "www.b.example", 0), 2)
                .is_some()
        );
        assert!(f.message(&policy(), &msg(4, "hi all", 5), 3).is_some());
        let mut bot_msg = msg(5, "x", 50);
        bot_msg["author"]["bot"] = json!(true);
        assert!(f.message(&policy(), &bot_msg, 4).is_none());
        assert!(f.message(&policy(), &json!({"content": 5}), 5).is_none());
    }
}
