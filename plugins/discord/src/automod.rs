//! AutoMod rules kept from commands (`/automod keyword add|remove|list`, `/automod mentions
//! <limit>`) through Discord's AutoMod API (FACTS §6.5), so the server itself enforces them,
//! even while Kestrel is down. Kestrel owns two rules, found by name: a KEYWORD rule and a
//! MENTION_SPAM rule; each blocks the message and alerts the mod-log channel when there is one.

use kestrel_plugin_sdk::WebhookResponse;
use serde_json::{Value, json};

use crate::Discord;
use crate::interaction::{Interaction, Options, deferred, reply, strings};
use crate::jobs::{Job, Work};
use crate::rest::{Call, RestError};
use crate::text::clip;

pub const KEYWORD_RULE: &str = "Kestrel: blocked words";
pub const MENTION_RULE: &str = "Kestrel: mention spam";
const KEYWORD: u64 = 1;
const MENTION_SPAM: u64 = 5;
/// Discord's limits: 1000 keywords of at most 60 characters.
const MAX_KEYWORDS: usize = 1_000;
const MAX_KEYWORD_LEN: usize = 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Add(String),
    Remove(String),
    List,
    Mentions(u64),
}

pub fn command(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let Some(guild) = i.guild.clone() else {
        return reply("AutoMod works in a server.", true);
    };
    let word = o.str("word").map(str::to_lowercase).unwrap_or_default();
    let op = match o.sub().as_str() {
        "keyword add" | "keyword remove"
            if word.is_empty() || word.chars().count() > MAX_KEYWORD_LEN =>
        {
            return reply("A word or phrase of 1 to 60 characters.", true);
        }
        "keyword add" => Op::Add(word),
        "keyword remove" => Op::Remove(word),
        "keyword list" => Op::List,
        "mentions" => match o.int("limit").filter(|l| (1..=50).contains(l)) {
            Some(l) => Op::Mentions(l.unsigned_abs()),
            None => return reply("The limit is 1 to 50 mentions.", true),
        },
        _ => {
            return reply(
                "Use /automod keyword add|remove|list or /automod mentions.",
                true,
            );
        }
    };
    bot.jobs.push_back(Job::new(
        Some(i.token.clone()),
        Work::Automod {
            guild,
            op,
            by: i.user_name.clone(),
        },
    ));
    deferred(true)
}

fn actions(modlog: Option<&str>) -> Value {
    let mut a = vec![
        json!({ "type": 1, "metadata": { "custom_message": "Blocked by this server's rules." } }),
    ];
    if let Some(c) = modlog {
        a.push(json!({ "type": 2, "metadata": { "channel_id": c } }));
    }
    json!(a)
}

/// Runs an AutoMod change; the answer for the moderator.
pub fn execute(
    bot: &mut Discord,
    guild: &str,
    op: &Op,
    by: &str,
    now: u64,
) -> Result<String, RestError> {
    let rules_path = format!("/guilds/{guild}/auto-moderation/rules");
    let rules = bot.rest.send(Call::bot("GET", rules_path.clone()), now)?;
    let find = |name: &str, trigger: u64| -> Option<Value> {
        rules
            .as_array()?
            .iter()
            .find(|r| r["name"] == name && r["trigger_type"] == trigger)
            .cloned()
    };
    let reason = format!("AutoMod change by {by}");
    let modlog = bot.s.modlog_channel.clone();
    let send = |bot: &mut Discord, method: &'static str, path: String, body: Option<&Value>| {
        let mut c = Call::bot(method, path).reason(&reason);
        c.body = body;
        bot.rest.send(c, now)
    };
    let refused = |e: RestError| -> Result<String, RestError> {
        match e {
            RestError::Refused { message, .. } => Ok(format!("Discord refused: {message}.")),
            e => Err(e),
        }
    };
    match op {
        Op::List => {
            let words = find(KEYWORD_RULE, KEYWORD)
                .map(|r| strings(&r["trigger_metadata"]["keyword_filter"]))
                .unwrap_or_default();
            let mentions = find(MENTION_RULE, MENTION_SPAM)
                .and_then(|r| r["trigger_metadata"]["mention_total_limit"].as_u64());
            let list: Vec<String> = words.iter().map(|w| format!("`{}`", clip(w, 60))).collect();
            Ok(format!(
                "Blocked words ({}): {}\nMention limit: {}",
                list.len(),
                if list.is_empty() {
                    "none".to_owned()
                } else {
                    clip(&list.join(", "), 1_800)
                },
                mentions.map_or_else(|| "none".to_owned(), |m| m.to_string())
            ))
        }
        Op::Add(word) | Op::Remove(word) => {
            let rule = find(KEYWORD_RULE, KEYWORD);
            let mut words = rule
                .as_ref()
                .map(|r| strings(&r["trigger_metadata"]["keyword_filter"]))
                .unwrap_or_default();
            let adding = matches!(op, Op::Add(_));
            let had = words.contains(word);
            if adding == had {
                return Ok(format!(
                    "`{}` is {} on the list.",
                    clip(word, 60),
                    if had { "already" } else { "not" }
                ));
            }
            if adding {
                if words.len() >= MAX_KEYWORDS {
                    return Ok("The list holds Discord's most, 1000 words.".into());
                }
                words.push(word.clone());
            } else {
                words.retain(|w| w != word);
            }
            let r = match (rule, words.is_empty()) {
                (Some(r), true) => send(
                    bot,
                    "DELETE",
                    format!("{rules_path}/{}", r["id"].as_str().unwrap_or("")),
                    None,
                ),
                (Some(r), false) => {
                    let body = json!({ "trigger_metadata": { "keyword_filter": words } });
                    send(
                        bot,
                        "PATCH",
                        format!("{rules_path}/{}", r["id"].as_str().unwrap_or("")),
                        Some(&body),
                    )
                }
                (None, _) => {
                    let body = json!({
                        "name": KEYWORD_RULE, "event_type": 1, "trigger_type": KEYWORD,
                        "trigger_metadata": { "keyword_filter": words },
                        "actions": actions(modlog.as_deref()), "enabled": true,
                    });
                    send(bot, "POST", rules_path.clone(), Some(&body))
                }
            };
            match r {
                Ok(_) => Ok(format!(
                    "`{}` {}; {} words blocked. Discord enforces it.",
                    clip(word, 60),
                    if adding {
                        "is blocked"
                    } else {
                        "is no longer blocked"
                    },
                    words.len()
                )),
                Err(e) => refused(e),
            }
        }
        Op::Mentions(limit) => {
            let r = match find(MENTION_RULE, MENTION_SPAM) {
                Some(rule) => {
                    let body = json!({ "trigger_metadata": { "mention_total_limit": limit }, "enabled": true });
                    send(
                        bot,
                        "PATCH",
                        format!("{rules_path}/{}", rule["id"].as_str().unwrap_or("")),
                        Some(&body),
                    )
                }
                None => {
                    let body = json!({
                        "name": MENTION_RULE, "event_type": 1, "trigger_type": MENTION_SPAM,
                        "trigger_metadata": { "mention_total_limit": limit },
                        "actions": actions(modlog.as_deref()), "enabled": true,
                    });
                    send(bot, "POST", rules_path.clone(), Some(&body))
                }
            };
            match r {
                Ok(_) => Ok(format!(
                    "Messages with more than {limit} mentions are blocked. Discord enforces it."
                )),
                Err(e) => refused(e),
            }
        }
    }
}
