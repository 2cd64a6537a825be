//! The approval chat's side of the bot, over topics: the chat bots (Telegram, Discord) show
//! what the bot publishes on its approvals topic (`{"kind":"post"}` a post with the actions
//! its state allows, `{"kind":"answer"}` the answer to one of theirs, `{"kind":"alert"}`)
//! and publish what their users do (`{"action":"approve","id":12,"user":"42","ctx":{…}}`,
//! or `{"action":"command","text":"queue",…}` for `/x queue`). Who acts is the sending
//! plugin (the host stamps it) and its user: `telegram:42`; only configured approvers may
//! change anything. The `/x` commands are one table.

use kestrel_plugin_sdk::{Level, TopicMessage, log};
use serde_json::{Value, json};

use crate::calendar;
use crate::post::{Source, State, content_hash};
use crate::queue::{NewPost, Queue};
use crate::settings::usd;
use crate::store::Store;
use crate::{context, library};

/// What a command gets: its arguments, who asks, when.
pub struct Call<'a> {
    pub args: &'a str,
    pub who: &'a str,
    pub now: u64,
}

/// A command's answer: text, and the post it concerns (shown with its buttons).
pub struct Answer {
    pub text: String,
    pub post: Option<u64>,
}

fn text(t: impl Into<String>) -> Result<Answer, String> {
    Ok(Answer {
        text: t.into(),
        post: None,
    })
}

fn about(id: u64, t: impl Into<String>) -> Result<Answer, String> {
    Ok(Answer {
        text: t.into(),
        post: Some(id),
    })
}

pub struct Command {
    pub name: &'static str,
    pub usage: &'static str,
    /// Approvers only (everything but help: the queue's drafts are the desk's business).
    pub approver: bool,
    pub run: fn(&mut Queue, &Call<'_>) -> Result<Answer, String>,
}

/// Every `/x` command.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "help",
        usage: "help: these commands",
        approver: false,
        run: help,
    },
    Command {
        name: "status",
        usage: "status: the account, the queue, today's spend",
        approver: true,
        run: status,
    },
    Command {
        name: "queue",
        usage: "queue: posts waiting",
        approver: true,
        run: queue,
    },
    Command {
        name: "schedule",
        usage: "schedule [days]: the slots ahead (7 days)",
        approver: true,
        run: schedule,
    },
    Command {
        name: "new",
        usage: "new <text>: a post written here (a draft)",
        approver: true,
        run: new,
    },
    Command {
        name: "reply",
        usage: "reply <post id on X> <text>: a reply (only to a post that summoned us)",
        approver: true,
        run: reply,
    },
    Command {
        name: "draft",
        usage: "draft [subject]: an LLM draft",
        approver: true,
        run: draft,
    },
    Command {
        name: "edit",
        usage: "edit <id> <text>: new words (checked again)",
        approver: true,
        run: edit,
    },
    Command {
        name: "approve",
        usage: "approve <id>",
        approver: true,
        run: approve,
    },
    Command {
        name: "reject",
        usage: "reject <id>",
        approver: true,
        run: reject,
    },
    Command {
        name: "now",
        usage: "now <id>: post at once",
        approver: true,
        run: post_now,
    },
    Command {
        name: "delete",
        usage: "delete <id>: delete our post from X",
        approver: true,
        run: delete,
    },
    Command {
        name: "library",
        usage: "library [category] | add <category> <text> | remove <category>/<name>",
        approver: true,
        run: library_cmd,
    },
    Command {
        name: "context",
        usage: "context | add <note> | remove <n> | approve <version> | rollback",
        approver: true,
        run: context_cmd,
    },
    Command {
        name: "resume",
        usage: "resume: post again after X refused the credentials",
        approver: true,
        run: resume,
    },
];

/// The post number: the first word of `s` (`12`, `#12`; a button adds its hash after it).
fn id_of(s: &str) -> Result<u64, String> {
    let first = s.split_whitespace().next().unwrap_or("");
    first.trim_start_matches('#').parse().map_err(|_| {
        format!(
            "`{}` is not a post number",
            s.chars().take(20).collect::<String>()
        )
    })
}

fn help(_: &mut Queue, _: &Call<'_>) -> Result<Answer, String> {
    text(
        COMMANDS
            .iter()
            .map(|c| format!("/x {}", c.usage))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn status(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let account = match (&q.account, &q.stopped) {
        (_, Some(why)) => format!("Posting stopped: {why}"),
        (Some(a), None) => format!("Posting as @{} ({})", a.username, a.name),
        (None, None) => "Account not confirmed yet (GET /2/users/me)".into(),
    };
    let count = |st: State| q.store.live.values().filter(|p| p.state == st).count();
    let day = calendar::local_day(c.now, &q.s.zone);
    let spend = Store::spend(&calendar::utc_day(c.now))?;
    let posted = Store::posts_on(&day)?;
    let mut lines = vec![
        account,
        format!(
            "Queue: {} drafts, {} scheduled; {} of {} posts today ({})",
            count(State::Draft),
            count(State::Scheduled) + count(State::Approved),
            posted,
            q.s.daily_cap,
            q.s.zone_name
        ),
        format!(
            "X spend today (UTC): {} of {} ({} posts, {} deletes, {} reads)",
            usd(spend.x_micros),
            usd(q.s.spend_cap),
            spend.posts,
            spend.deletes,
            spend.reads
        ),
    ];
    if q.s.llm.is_some() {
        lines.push(format!(
            "LLM today: {} requests, {} + {} tokens, {}",
            spend.llm_requests,
            spend.prompt_tokens,
            spend.completion_tokens,
            usd(spend.llm_micros)
        ));
    }
    if q.hold_ms > c.now {
        lines.push(format!(
            "X's limits: waiting until {}",
            calendar::show(q.hold_ms, &q.s.zone)
        ));
    }
    text(lines.join("\n"))
}

fn queue(q: &mut Queue, _: &Call<'_>) -> Result<Answer, String> {
    let mut posts: Vec<_> = q.store.live.values().collect();
    posts.sort_by_key(|p| (p.at_ms.unwrap_or(u64::MAX), p.id));
    if posts.is_empty() {
        return text("The queue is empty.");
    }
    text(
        posts
            .iter()
            .map(|p| {
                format!(
                    "#{} {}{} [{}]: {}",
                    p.id,
                    p.state.name(),
                    p.at_ms
                        .map(|t| format!(" {}", calendar::show(t, &q.s.zone)))
                        .unwrap_or_default(),
                    p.category,
                    p.text.chars().take(60).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn schedule(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let days = match c.args.trim() {
        "" => 7,
        d => d
            .parse::<u64>()
            .ok()
            .filter(|d| (1..=31).contains(d))
            .ok_or("days: 1 to 31")?,
    };
    let slots = q.upcoming(c.now, days);
    if slots.is_empty() {
        return text("No schedules (settings: schedule).");
    }
    text(format!(
        "The next {days} days ({}):\n{}",
        q.s.zone_name,
        slots.join("\n")
    ))
}

fn new(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let body = c.args.trim();
    if body.is_empty() {
        return Err("usage: /x new <text>".into());
    }
    let key = format!(
        "manual:{}:{}",
        c.now,
        content_hash(body).get(..12).unwrap_or("")
    );
    let p = q.make(
        NewPost {
            text: body.into(),
            category: "manual".into(),
            source: Source::Manual,
            key,
            slot_ms: None,
            facts: Vec::new(),
            reply_to: None,
        },
        c.now,
    )?;
    about(p.id, format!("Draft #{} made.", p.id))
}

fn reply(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let (to, body) = c
        .args
        .trim()
        .split_once(char::is_whitespace)
        .ok_or("usage: /x reply <post id on X> <text>")?;
    // X's ids are 1 to 19 digits (FACTS §7.1).
    if to.is_empty() || to.len() > 19 || !to.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{}` is not an X post id",
            to.chars().take(24).collect::<String>()
        ));
    }
    let key = format!("reply:{to}:{}", content_hash(body).get(..12).unwrap_or(""));
    let p = q.make(
        NewPost {
            text: body.trim().into(),
            category: "reply".into(),
            source: Source::Manual,
            key,
            slot_ms: None,
            facts: Vec::new(),
            reply_to: Some(to.to_owned()),
        },
        c.now,
    )?;
    about(p.id, format!("Reply draft #{} made.", p.id))
}

fn draft(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let subject = Some(c.args.trim()).filter(|s| !s.is_empty());
    let p = q.draft(subject, format!("llm:{}", c.now), None, c.now)?;
    about(p.id, format!("LLM draft #{}.", p.id))
}

fn edit(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let (id, body) = c
        .args
        .trim()
        .split_once(char::is_whitespace)
        .ok_or("usage: /x edit <id> <text>")?;
    let id = id_of(id)?;
    let p = q.edit(id, body, c.who, c.now)?;
    if p.issues.is_empty() {
        about(
            id,
            format!("#{id} edited: a draft again, waiting for approval."),
        )
    } else {
        about(
            id,
            format!(
                "#{id} edited, but it fails its checks: {}",
                p.issues.join("; ")
            ),
        )
    }
}

/// `<id> [hash]`: a button adds the start of the hash of the words it showed.
fn id_and_hash(args: &str) -> Result<(u64, Option<&str>), String> {
    let mut words = args.split_whitespace();
    let id = id_of(words.next().unwrap_or(""))?;
    Ok((id, words.next()))
}

/// A refusal because the words changed since they were shown: the answer shows them now.
fn changed(id: u64, e: String) -> Result<Answer, String> {
    if e.contains("changed since it was shown") {
        about(id, format!("Not done: {e}"))
    } else {
        Err(e)
    }
}

fn approve(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let (id, shown) = id_and_hash(c.args)?;
    let p = match q.approve(id, c.who, shown, c.now) {
        Ok(p) => p,
        Err(e) => return changed(id, e),
    };
    let at = p
        .at_ms
        .map(|t| format!(", scheduled for {}", calendar::show(t, &q.s.zone)))
        .unwrap_or_default();
    about(id, format!("#{id} approved by {}{at}.", c.who))
}

fn reject(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let id = id_of(c.args)?;
    q.reject(id, c.who)?;
    about(id, format!("#{id} rejected by {}.", c.who))
}

fn post_now(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let (id, shown) = id_and_hash(c.args)?;
    let p = match q.post_now(id, c.who, shown, c.now) {
        Ok(p) => p,
        Err(e) => return changed(id, e),
    };
    let said = match p.state {
        State::Posted => format!("#{id} posted."),
        _ => format!(
            "#{id} is {}{}.",
            p.state.name(),
            p.note.map(|n| format!(": {n}")).unwrap_or_default()
        ),
    };
    about(id, said)
}

fn delete(q: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let id = id_of(c.args)?;
    q.delete(id, c.who, c.now)?;
    about(id, format!("#{id} deleted from X by {}.", c.who))
}

fn resume(q: &mut Queue, _: &Call<'_>) -> Result<Answer, String> {
    q.resume()?;
    text("Posting resumes; the account is checked again first.")
}

fn library_cmd(_: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let args = c.args.trim();
    let (verb, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    match verb {
        "add" => {
            let (category, body) = rest
                .trim()
                .split_once(char::is_whitespace)
                .ok_or("usage: /x library add <category> <text>")?;
            let name = library::add(category, body)?;
            text(format!("Added {category}/{name}."))
        }
        "remove" => {
            let (category, name) = rest
                .trim()
                .split_once('/')
                .ok_or("usage: /x library remove <category>/<name>")?;
            library::remove(category, name)?;
            text(format!("Removed {category}/{name}."))
        }
        category => {
            let entries = library::list(Some(category).filter(|c| !c.is_empty()));
            if entries.is_empty() {
                return text("The library is empty.");
            }
            text(
                entries
                    .iter()
                    .map(|(c, n, e)| {
                        format!(
                            "{c}/{n} (used {}×): {}",
                            e.uses,
                            e.text.chars().take(60).collect::<String>()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        }
    }
}

fn context_cmd(_: &mut Queue, c: &Call<'_>) -> Result<Answer, String> {
    let args = c.args.trim();
    let (verb, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    match verb {
        "add" => {
            let v = context::add(rest, c.who, c.now)?;
            text(format!(
                "Context v{} made ({}); /x context approve {} makes it the one drafts use.",
                v.n, v.change, v.n
            ))
        }
        "remove" => {
            let k = rest
                .trim()
                .parse()
                .map_err(|_| "usage: /x context remove <note number>")?;
            let v = context::remove(k, c.who, c.now)?;
            text(format!(
                "Context v{} made ({}); approve it to use it.",
                v.n, v.change
            ))
        }
        "approve" => {
            let n = rest
                .trim()
                .trim_start_matches('v')
                .parse()
                .map_err(|_| "usage: /x context approve <version>")?;
            let v = context::approve(n, c.who)?;
            text(format!(
                "Context v{} is active: {} notes.",
                v.n,
                v.notes.len()
            ))
        }
        "rollback" => {
            let v = context::rollback()?;
            text(format!(
                "Rolled back: context v{} is active again ({} notes).",
                v.n,
                v.notes.len()
            ))
        }
        "" | "list" => {
            let (active, notes) = context::notes();
            let mut lines = vec![format!("Active: v{active}")];
            lines.extend(
                notes
                    .iter()
                    .enumerate()
                    .map(|(k, n)| format!("  {}. {n}", k + 1)),
            );
            for v in context::list(10) {
                let mark = if v.n == active {
                    "active"
                } else if v.approved_by.is_some() {
                    "approved before"
                } else {
                    "pending"
                };
                lines.push(format!("v{} ({mark}) by {}: {}", v.n, v.by, v.change));
            }
            text(lines.join("\n"))
        }
        other => Err(format!("`{other}`: add, remove, approve, rollback or list")),
    }
}

const NOT_APPROVER: &str = "Only the X bot's approvers may do that.";

/// An action from a chat bot; what to publish back is queued on `q`.
pub fn handle(q: &mut Queue, m: &TopicMessage, now: u64) {
    let Ok(v) = serde_json::from_slice::<Value>(&m.body) else {
        log::log(
            Level::Warn,
            &format!("a message from {} that is not JSON: ignored", m.sender),
        );
        return;
    };
    let user = match &v["user"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            log::log(
                Level::Warn,
                &format!("an action from {} without a user: ignored", m.sender),
            );
            return;
        }
    };
    let who = format!("{}:{user}", m.sender);
    let action = v["action"].as_str().unwrap_or("");
    let (name, args) = match action {
        "command" => {
            let t = v["text"].as_str().unwrap_or("").trim();
            let (n, a) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
            (
                if n.is_empty() {
                    "help".to_owned()
                } else {
                    n.to_lowercase()
                },
                a.to_owned(),
            )
        }
        "approve" | "reject" | "delete" | "post_now" => {
            let name = if action == "post_now" { "now" } else { action };
            // The hash is 8 hex digits, or nothing.
            let hash = v["hash"]
                .as_str()
                .filter(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .unwrap_or("");
            (name.to_owned(), format!("{} {hash}", v["id"]))
        }
        "edit" => (
            "edit".to_owned(),
            format!("{} {}", v["id"], v["text"].as_str().unwrap_or("")),
        ),
        other => {
            log::log(
                Level::Warn,
                &format!("unknown action `{other}` from {}", m.sender),
            );
            return;
        }
    };
    let before = q.outbox.len();
    let result = match COMMANDS.iter().find(|c| c.name == name) {
        None => Err(format!("`/x {name}` is not a command; /x help lists them")),
        Some(c) if c.approver && !q.s.approvers.contains(&who) => {
            log::log(
                Level::Warn,
                &format!("refused /x {name} for {who}: not an approver"),
            );
            Err(NOT_APPROVER.into())
        }
        Some(c) => {
            let call = Call {
                args: &args,
                who: &who,
                now,
            };
            (c.run)(q, &call)
        }
    };
    let (answer, post) = match result {
        Ok(a) => (a.text, a.post),
        Err(e) => (format!("Not done: {e}"), None),
    };
    // A command's or an edit's answer is words; the post itself is announced to every
    // approval chat. A button's answer replaces the message that carried it: it shows the
    // post as it is now, and the announcements made meanwhile would repeat it.
    let post = post.filter(|_| !matches!(action, "command" | "edit"));
    if let Some(id) = post {
        let mut k = 0;
        q.outbox.retain(|m| {
            k += 1;
            k <= before || !(m["kind"] == "post" && m["post"]["id"] == id)
        });
    }
    let post = post.and_then(|id| q.store.get(id)).map(|p| q.view(&p));
    q.publish(
        json!({ "kind": "answer", "to": v["ctx"], "user": user, "text": answer, "post": post }),
    );
}
