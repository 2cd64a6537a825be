//! The moderation bot: `/warn`, `/timeout`, `/untimeout`, `/kick`, `/ban`, `/unban`,
//! `/purge`, `/case`, `/cases`, `/reason`, and "Report message". An action is acknowledged
//! at once (ephemeral, deferred) and run on the next tick: the guild's owner and roles are
//! checked first (never the owner, the bot itself, the moderator, or a member at or above the
//! moderator's top role), then Discord's route is called with the reason as
//! `X-Audit-Log-Reason`, then a numbered case is filed and posted to the mod log. Warns carry
//! points that escalate to a timeout, then a kick, by the strike policy.

use std::collections::HashMap;

use kestrel_plugin_sdk::{Level, WebhookResponse, clock, log};
use serde_json::{Value, json};

use crate::Discord;
use crate::cases::{self, Case};
use crate::embed::{Embed, GREY, ORANGE, RED};
use crate::interaction::{Interaction, Options, deferred, reply, strings};
use crate::jobs::{Job, Work};
use crate::rest::{Call, RestError};
use crate::text::{clip, duration, iso8601, parse_duration, snowflake_ms};

/// Discord's longest timeout: 28 days.
pub const MAX_TIMEOUT_SECS: u64 = 28 * 86_400;
/// Bulk delete refuses messages older than two weeks; a minute's margin.
const BULK_DELETE_AGE_MS: u64 = 14 * 86_400_000 - 60_000;
/// How long a guild's owner and roles are trusted before they are read again.
const GUILD_TTL_MS: u64 = 10 * 60 * 1_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Warn,
    Timeout(u64),
    Untimeout,
    Kick,
    Ban { delete_secs: u64 },
    Unban,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Warn => "warn",
            Action::Timeout(_) => "timeout",
            Action::Untimeout => "untimeout",
            Action::Kick => "kick",
            Action::Ban { .. } => "ban",
            Action::Unban => "unban",
        }
    }
}

/// Who acts: a member, or the bot itself (strikes, the spam filter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
    /// None: the bot, which the hierarchy check does not apply to.
    pub roles: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub guild: String,
    pub action: Action,
    pub target: String,
    pub target_name: String,
    /// The target's roles; none: not a member of the guild.
    pub target_roles: Option<Vec<String>>,
    pub by: Actor,
    pub reason: String,
    /// Filed as this kind of case ("spam" for the filter's timeouts), else the action's.
    pub case_kind: Option<&'static str>,
}

/// What the bot knows of a guild: its owner and its roles' positions.
pub struct Guild {
    pub owner: String,
    pub roles: HashMap<String, i64>,
    pub fetched_ms: u64,
}

impl Guild {
    fn top(&self, roles: &[String]) -> i64 {
        roles
            .iter()
            .filter_map(|r| self.roles.get(r))
            .copied()
            .max()
            .unwrap_or(0)
    }
}

/// Why a request may not go ahead, if it may not.
pub fn refusal(g: &Guild, bot: Option<&str>, r: &Request) -> Option<String> {
    if r.target == g.owner {
        return Some("the server owner cannot be moderated".into());
    }
    if Some(r.target.as_str()) == bot {
        return Some("I do not moderate myself".into());
    }
    if r.target == r.by.id {
        return Some("you cannot moderate yourself".into());
    }
    let needs_member = matches!(
        r.action,
        Action::Warn | Action::Timeout(_) | Action::Untimeout | Action::Kick
    );
    match (&r.target_roles, &r.by.roles) {
        (None, _) if needs_member => Some("they are not a member of this server".into()),
        (Some(target), Some(mine)) if r.by.id != g.owner && g.top(target) >= g.top(mine) => {
            Some("they hold a role at or above your top role".into())
        }
        _ => None,
    }
}

fn guild_of(bot: &mut Discord, guild: &str, now: u64) -> Result<(), RestError> {
    if bot
        .guilds
        .get(guild)
        .is_some_and(|g| now.saturating_sub(g.fetched_ms) < GUILD_TTL_MS)
    {
        return Ok(());
    }
    let v = bot
        .rest
        .send(Call::bot("GET", format!("/guilds/{guild}")), now)?;
    let roles = v["roles"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?.to_owned(), r["position"].as_i64()?)))
        .collect();
    bot.guilds.insert(
        guild.to_owned(),
        Guild {
            owner: v["owner_id"].as_str().unwrap_or("").to_owned(),
            roles,
            fetched_ms: now,
        },
    );
    Ok(())
}

fn member_path(r: &Request) -> String {
    format!("/guilds/{}/members/{}", r.guild, r.target)
}

/// Runs a request: the checks, Discord's route, the case, the mod log, the strikes. The
/// answer for the moderator, or a wait.
pub fn execute(bot: &mut Discord, r: &Request, now: u64) -> Result<String, RestError> {
    guild_of(bot, &r.guild, now)?;
    // A role the cached guild does not know (made since it was read) would count as the
    // lowest: read the guild again, and refuse if it is still unknown.
    let unknown = |g: &Guild| {
        r.target_roles
            .iter()
            .flatten()
            .chain(r.by.roles.iter().flatten())
            .any(|id| !g.roles.contains_key(id))
    };
    if bot.guilds.get(&r.guild).is_some_and(unknown) {
        bot.guilds.remove(&r.guild);
        guild_of(bot, &r.guild, now)?;
        if bot.guilds.get(&r.guild).is_some_and(unknown) {
            return Ok(
                "Not done: a role of theirs or yours is unknown to the bot; try again in a moment."
                    .into(),
            );
        }
    }
    let refused = bot
        .guilds
        .get(&r.guild)
        .and_then(|g| refusal(g, bot.me.as_deref(), r));
    if let Some(why) = refused {
        log::log(
            Level::Info,
            &format!(
                "{} refused for {} on {}: {why}",
                r.action.name(),
                r.by.id,
                r.target
            ),
        );
        return Ok(format!("Not done: {why}."));
    }
    let reason = format!(
        "{} (by {})",
        if r.reason.is_empty() {
            "no reason given"
        } else {
            &r.reason
        },
        r.by.name
    );
    let done = match &r.action {
        Action::Warn => Ok(Value::Null),
        Action::Timeout(secs) => {
            let body = json!({ "communication_disabled_until": iso8601(now + secs * 1_000) });
            bot.rest.send(
                Call::bot("PATCH", member_path(r))
                    .body(&body)
                    .reason(&reason),
                now,
            )
        }
        Action::Untimeout => {
            let body = json!({ "communication_disabled_until": null });
            bot.rest.send(
                Call::bot("PATCH", member_path(r))
                    .body(&body)
                    .reason(&reason),
                now,
            )
        }
        Action::Kick => bot
            .rest
            .send(Call::bot("DELETE", member_path(r)).reason(&reason), now),
        Action::Ban { delete_secs } => {
            let body = json!({ "delete_message_seconds": delete_secs });
            bot.rest.send(
                Call::bot("PUT", format!("/guilds/{}/bans/{}", r.guild, r.target))
                    .body(&body)
                    .reason(&reason),
                now,
            )
        }
        Action::Unban => bot.rest.send(
            Call::bot("DELETE", format!("/guilds/{}/bans/{}", r.guild, r.target)).reason(&reason),
            now,
        ),
    };
    match done {
        Ok(_) => {}
        Err(RestError::Refused {
            status, message, ..
        }) => {
            let hint = if status == 403 {
                " (the bot's role must be above the member's and hold the permission)"
            } else {
                ""
            };
            return Ok(format!("Discord refused: {message}{hint}."));
        }
        Err(e) => return Err(e),
    }
    match r.action {
        Action::Untimeout => cases::close(&r.guild, &r.target, "timeout"),
        Action::Unban => cases::close(&r.guild, &r.target, "ban"),
        _ => {}
    }
    let case = Case {
        n: 0,
        guild: r.guild.clone(),
        action: r.case_kind.unwrap_or(r.action.name()).to_owned(),
        target: r.target.clone(),
        target_name: r.target_name.clone(),
        moderator: r.by.id.clone(),
        moderator_name: r.by.name.clone(),
        reason: r.reason.clone(),
        duration_secs: match r.action {
            Action::Timeout(s) => Some(s),
            _ => None,
        },
        at_ms: now,
        active: matches!(
            r.action,
            Action::Warn | Action::Timeout(_) | Action::Ban { .. }
        ),
        points: if r.action == Action::Warn {
            bot.s.strikes.warn_points
        } else {
            0
        },
    };
    let case = match cases::open(case) {
        Ok(c) => c,
        Err(e) => {
            log::log(Level::Error, &e);
            return Ok(format!("Done, but the case was not filed: {e}."));
        }
    };
    modlog_case(bot, &case);
    let mut answer = format!("Case #{}: {}", case.n, case.line());
    if r.action == Action::Warn {
        answer.push_str(&escalate(bot, r, now));
    }
    Ok(answer)
}

/// After a warn: the member's points, and the timeout or kick they reach.
fn escalate(bot: &mut Discord, r: &Request, now: u64) -> String {
    let p = &bot.s.strikes;
    let points = cases::points(&r.guild, &r.target, now, p.decay_days);
    let next = if p.kick_at > 0 && points >= p.kick_at {
        Some(Action::Kick)
    } else if p.timeout_at > 0 && points >= p.timeout_at {
        Some(Action::Timeout(p.timeout_minutes.max(1) * 60))
    } else {
        None
    };
    let Some(action) = next else {
        return format!(" ({points} strike points)");
    };
    let what = action.name();
    bot.jobs.push_back(Job::new(
        None,
        Work::Moderate(Request {
            action,
            by: bot.as_actor(),
            reason: format!("{points} strike points (after case by {})", r.by.name),
            case_kind: None,
            ..r.clone()
        }),
    ));
    format!(" ({points} strike points: {what} follows)")
}

/// Posts a case to the mod log.
pub fn modlog_case(bot: &mut Discord, c: &Case) {
    let color = match c.action.as_str() {
        "ban" | "kick" | "spam" => RED,
        "warn" | "timeout" | "report" => ORANGE,
        _ => GREY,
    };
    let mut e = Embed::new(&format!("Case #{}: {}", c.n, c.action), color)
        .field(
            "Member",
            &format!("<@{}> ({})", c.target, clip(&c.target_name, 64)),
            true,
        )
        .field("By", &format!("<@{}>", c.moderator), true);
    if let Some(d) = c.duration_secs {
        e = e.field("Duration", &duration(d), true);
    }
    e = e
        .field(
            "Reason",
            if c.reason.is_empty() {
                "none given"
            } else {
                &c.reason
            },
            false,
        )
        .footer(&iso8601(c.at_ms));
    bot.modlog(e);
}

fn target(i: &Interaction, o: &Options) -> Option<(String, String, Option<Vec<String>>)> {
    let id = o
        .str("user")
        .filter(|u| crate::text::is_snowflake(u))?
        .to_owned();
    let roles = i.member(&id).map(|m| strings(&m["roles"]));
    Some((id.clone(), i.user_label(&id), roles))
}

fn queue(bot: &mut Discord, i: &Interaction, o: &Options, action: Action) -> WebhookResponse {
    let (Some(guild), Some((target, target_name, target_roles))) = (i.guild.clone(), target(i, o))
    else {
        return reply("Name a member of this server.", true);
    };
    let req = Request {
        guild,
        action,
        target,
        target_name,
        target_roles,
        by: Actor {
            id: i.user.clone(),
            name: i.user_name.clone(),
            roles: Some(i.roles.clone()),
        },
        reason: clip(o.str("reason").unwrap_or(""), cases::MAX_REASON),
        case_kind: None,
    };
    bot.jobs
        .push_back(Job::new(Some(i.token.clone()), Work::Moderate(req)));
    deferred(true)
}

pub fn warn(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    queue(bot, i, o, Action::Warn)
}

pub fn timeout(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    match o.str("duration").and_then(parse_duration) {
        Some(s) if s <= MAX_TIMEOUT_SECS => queue(bot, i, o, Action::Timeout(s)),
        Some(_) => reply("A timeout lasts at most 28 days.", true),
        None => reply("The duration is like 10m, 2h or 1d.", true),
    }
}

pub fn untimeout(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    queue(bot, i, o, Action::Untimeout)
}

pub fn kick(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    queue(bot, i, o, Action::Kick)
}

pub fn ban(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let delete_secs = o.int("delete_messages").unwrap_or(0).clamp(0, 604_800);
    queue(
        bot,
        i,
        o,
        Action::Ban {
            delete_secs: delete_secs.unsigned_abs(),
        },
    )
}

pub fn unban(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    queue(bot, i, o, Action::Unban)
}

pub fn purge(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let (Some(guild), Some(channel)) = (i.guild.clone(), i.channel.clone()) else {
        return reply("Purge works in a server's channel.", true);
    };
    let count = o.int("count").unwrap_or(0);
    if !(1..=100).contains(&count) {
        return reply("Purge takes 1 to 100 messages.", true);
    }
    bot.jobs.push_back(Job::new(
        Some(i.token.clone()),
        Work::Purge {
            guild,
            channel,
            count: count.unsigned_abs(),
            by: i.user.clone(),
            reason: clip(o.str("reason").unwrap_or(""), cases::MAX_REASON),
        },
    ));
    deferred(true)
}

/// Deletes the channel's last `count` messages that bulk delete accepts.
pub fn execute_purge(
    bot: &mut Discord,
    channel: &str,
    count: u64,
    by: &str,
    reason: &str,
    now: u64,
) -> Result<String, RestError> {
    let list = bot.rest.send(
        Call::bot("GET", format!("/channels/{channel}/messages?limit={count}")),
        now,
    )?;
    let ids: Vec<String> = list
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        // Pinned messages stay: a purge clears chatter, not the channel's notices.
        .filter(|m| m["pinned"].as_bool() != Some(true))
        .filter_map(|m| m["id"].as_str())
        .filter(|id| snowflake_ms(id).is_some_and(|t| now.saturating_sub(t) < BULK_DELETE_AGE_MS))
        .map(str::to_owned)
        .collect();
    let why = format!(
        "purge by {by}{}{}",
        if reason.is_empty() { "" } else { ": " },
        reason
    );
    let r = match ids.len() {
        0 => {
            return Ok("Nothing to delete: messages older than two weeks cannot be purged.".into());
        }
        1 => bot.rest.send(
            Call::bot("DELETE", format!("/channels/{channel}/messages/{}", ids[0])).reason(&why),
            now,
        ),
        _ => {
            let body = json!({ "messages": ids });
            bot.rest.send(
                Call::bot("POST", format!("/channels/{channel}/messages/bulk-delete"))
                    .body(&body)
                    .reason(&why),
                now,
            )
        }
    };
    match r {
        Ok(_) => {
            bot.modlog(
                Embed::new(&format!("Purged {} messages", ids.len()), GREY)
                    .field("Channel", &format!("<#{channel}>"), true)
                    .field("By", &format!("<@{by}>"), true)
                    .field(
                        "Reason",
                        if reason.is_empty() {
                            "none given"
                        } else {
                            reason
                        },
                        false,
                    )
                    .footer(&iso8601(now)),
            );
            Ok(format!("Deleted {} messages.", ids.len()))
        }
        Err(RestError::Refused { message, .. }) => Ok(format!("Discord refused: {message}.")),
        Err(e) => Err(e),
    }
}

pub fn case(_: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let (Some(guild), Some(n)) = (
        i.guild.as_deref(),
        o.int("number").and_then(|n| u64::try_from(n).ok()),
    ) else {
        return reply("Name a case number.", true);
    };
    match cases::get(guild, n) {
        Some(c) => reply(&c.line(), true),
        None => reply(&format!("There is no case #{n}."), true),
    }
}

pub fn cases(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let (Some(guild), Some((target, name, _))) = (i.guild.as_deref(), target(i, o)) else {
        return reply("Name a member.", true);
    };
    let list = cases::of_user(guild, &target, 15);
    if list.is_empty() {
        return reply(&format!("{} has no cases.", clip(&name, 64)), true);
    }
    let points = cases::points(guild, &target, clock::now_ms(), bot.s.strikes.decay_days);
    let mut text = format!("Cases of <@{target}> ({points} strike points now):");
    for c in &list {
        text.push('\n');
        text.push_str(&c.line());
    }
    reply(&text, true)
}

pub fn reason(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let (Some(guild), Some(n), Some(text)) = (
        i.guild.as_deref(),
        o.int("case").and_then(|n| u64::try_from(n).ok()),
        o.str("text").filter(|t| !t.is_empty()),
    ) else {
        return reply("Name a case and the new reason.", true);
    };
    let Some(mut c) = cases::get(guild, n) else {
        return reply(&format!("There is no case #{n}."), true);
    };
    c.reason = clip(text, cases::MAX_REASON);
    if let Err(e) = cases::save(&c) {
        return reply(&format!("Not saved: {e}"), true);
    }
    bot.modlog(
        Embed::new(&format!("Case #{n}: reason changed"), GREY)
            .field("Reason", &c.reason, false)
            .field("By", &format!("<@{}>", i.user), true),
    );
    reply(&format!("Case #{n} now reads: {}", c.line()), true)
}

/// "Report message": files a report case against the message's author for the moderators.
pub fn report(bot: &mut Discord, i: &Interaction, _: &Options) -> WebhookResponse {
    let Some(guild) = i.guild.clone() else {
        return reply("Reports work in a server.", true);
    };
    let target_id = i.data["target_id"].as_str().unwrap_or("");
    let m = &i.data["resolved"]["messages"][target_id];
    let Some(author) = m["author"]["id"].as_str().map(str::to_owned) else {
        return reply("That message could not be read.", true);
    };
    let channel = m["channel_id"]
        .as_str()
        .or(i.channel.as_deref())
        .unwrap_or("");
    let link = format!("https://discord.com/channels/{guild}/{channel}/{target_id}");
    let content = clip(m["content"].as_str().unwrap_or(""), 300);
    let case = Case {
        n: 0,
        guild,
        action: "report".into(),
        target: author.clone(),
        target_name: m["author"]["username"].as_str().unwrap_or("").to_owned(),
        moderator: i.user.clone(),
        moderator_name: i.user_name.clone(),
        reason: format!("reported message {link}: {content}"),
        duration_secs: None,
        at_ms: clock::now_ms(),
        active: true,
        points: 0,
    };
    match cases::open(case) {
        Ok(c) => {
            modlog_case(bot, &c);
            reply(
                &format!("Thank you: the moderators have it as case #{}.", c.n),
                true,
            )
        }
        Err(e) => reply(&format!("The report was not filed: {e}"), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guild() -> Guild {
        Guild {
            owner: "1".into(),
            roles: [
                ("admin".into(), 10),
                ("mod".into(), 5),
                ("member".into(), 1),
            ]
            .into(),
            fetched_ms: 0,
        }
    }

    fn req(target: &str, target_roles: Option<&[&str]>, by: &str, by_roles: &[&str]) -> Request {
        let v = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Request {
            guild: "g".into(),
            action: Action::Timeout(60),
            target: target.into(),
            target_name: String::new(),
            target_roles: target_roles.map(v),
            by: Actor {
                id: by.into(),
                name: String::new(),
                roles: Some(v(by_roles)),
            },
            reason: String::new(),
            case_kind: None,
        }
    }

    #[test]
    fn the_owner_the_bot_oneself_and_higher_roles_are_refused() {
        let g = guild();
        let bot = Some("99");
        assert!(
            refusal(&g, bot, &req("1", Some(&[]), "5", &["admin"])).is_some(),
            "owner"
        );
        assert!(
            refusal(&g, bot, &req("99", Some(&[]), "5", &["admin"])).is_some(),
            "bot"
        );
        assert!(
            refusal(&g, bot, &req("5", Some(&[]), "5", &["admin"])).is_some(),
            "self"
        );
        assert!(
            refusal(&g, bot, &req("7", Some(&["mod"]), "5", &["mod"])).is_some(),
            "equal role"
        );
        assert!(
            refusal(&g, bot, &req("7", Some(&["admin"]), "5", &["mod"])).is_some(),
            "higher role"
        );
        assert!(
            refusal(&g, bot, &req("7", None, "5", &["mod"])).is_some(),
            "not a member"
        );
        assert_eq!(
            refusal(&g, bot, &req("7", Some(&["member"]), "5", &["mod"])),
            None
        );
        // The owner may act on anyone below them.
        assert_eq!(
            refusal(&g, bot, &req("7", Some(&["admin"]), "1", &[])),
            None
        );
        // A ban needs no membership.
        let mut ban = req("7", None, "5", &["mod"]);
        ban.action = Action::Ban { delete_secs: 0 };
        assert_eq!(refusal(&g, bot, &ban), None);
    }
}
