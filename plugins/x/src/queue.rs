//! The post queue, the bot's one owner of state: posts are made (from the library, an LLM
//! draft, an engine event, the chat), checked, approved (by an approver, or by a rule the
//! operator set for the category), given a time (their schedule's slot, or the next free
//! slot: spaced from the others, within the daily cap), and sent when due, each once, within
//! X's limits and the day's spend cap.

use kestrel_plugin_sdk::{Level, log};
use serde_json::{Value, json};

use crate::calendar;
use crate::checks;
use crate::post::{Post, Source, State, content_hash, numbers};
use crate::settings::{Settings, usd};
use crate::store::{self, Store};
use crate::weighted;
use crate::xapi::{Api, Outcome};
use crate::{context, llm};

/// A slot missed by more than this (the bot was stopped) is skipped, not posted late.
pub(crate) const GRACE_MS: u64 = 30 * 60_000;
/// Sends whose outcome was unknown are tried again this many times.
const MAX_ATTEMPTS: u32 = 5;
/// Messages waiting for the topic, at most (the oldest go first when full).
const MAX_OUTBOX: usize = 200;
/// A send interrupted longer ago than this is not retried blind.
const STALE_SEND_MS: u64 = 6 * 3_600_000;
/// Drafts nobody acted on are dropped after this.
const DRAFT_LIFE_MS: u64 = 14 * 86_400_000;

/// The account the host's credentials post as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub name: String,
}

/// What to make a post from.
pub struct NewPost {
    pub text: String,
    pub category: String,
    pub source: Source,
    pub key: String,
    pub slot_ms: Option<u64>,
    /// Figures from the journal (event posts).
    pub facts: Vec<String>,
    pub reply_to: Option<String>,
}

pub struct Queue {
    pub s: Settings,
    pub store: Store,
    pub api: Api,
    pub account: Option<Account>,
    /// When to ask `GET /2/users/me` again (until it answers).
    pub me_due_ms: u64,
    /// Why posting stopped (a 401), until the operator resumes.
    pub stopped: Option<String>,
    /// No post before this instant (X's rate limits).
    pub hold_ms: u64,
    pub last_posted_ms: u64,
    /// Each schedule's next slot.
    pub next_slot: Vec<Option<u64>>,
    /// Messages for the approvals topic.
    pub outbox: Vec<Value>,
    /// The UTC day a spend-cap alert was last sent.
    spend_alerted: String,
    /// When the store is pruned next.
    prune_due_ms: u64,
    /// 429s in a row without a reset header.
    limited_streak: u32,
    mentions_due_ms: u64,
}

impl Queue {
    pub fn new(s: Settings) -> Self {
        let api = Api {
            base: s.api_base.clone(),
            signer: s.signer.clone(),
        };
        let next_slot = vec![None; s.schedules.len()];
        Self {
            s,
            store: Store::load(),
            api,
            account: None,
            me_due_ms: 0,
            stopped: store::get_json::<String>("auth"),
            hold_ms: store::get_u64("hold").unwrap_or(0),
            last_posted_ms: store::get_u64("last_posted").unwrap_or(0),
            next_slot,
            outbox: Vec::new(),
            spend_alerted: String::new(),
            prune_due_ms: 0,
            limited_streak: 0,
            mentions_due_ms: 0,
        }
    }

    pub fn publish(&mut self, v: Value) {
        if self.outbox.len() >= MAX_OUTBOX {
            self.outbox.remove(0);
        }
        self.outbox.push(v);
    }

    pub fn alert(&mut self, text: &str) {
        log::log(Level::Warn, text);
        self.publish(json!({ "kind": "alert", "text": text }));
    }

    /// The post as the approval chats show it, with the actions its state allows.
    pub fn view(&self, p: &Post) -> Value {
        let actions: &[&str] = match p.state {
            State::Draft if p.issues.is_empty() => &["approve", "edit", "reject", "post_now"],
            State::Draft => &["edit", "reject"],
            State::Approved | State::Scheduled => &["post_now", "edit", "reject"],
            State::Posted if p.tweet_id.is_some() && p.note.as_deref() != Some("deleted") => {
                &["delete"]
            }
            _ => &[],
        };
        let link = match (&p.tweet_id, &self.account) {
            (Some(id), Some(a)) => Some(format!("https://x.com/{}/status/{id}", a.username)),
            (Some(id), None) => Some(format!("https://x.com/i/status/{id}")),
            _ => None,
        };
        json!({
            "id": p.id,
            // The start of the words' hash: a button carries it, so it approves these words.
            "hash": p.hash.get(..8).unwrap_or(""),
            "state": p.state.name(),
            "text": p.text,
            "category": p.category,
            "source": match &p.source {
                Source::Library { entry } => format!("library {}/{entry}", p.category),
                Source::Event => "engine event".into(),
                Source::Llm { model, context } => format!("LLM {model}, context v{context}"),
                Source::Manual => "written in chat".into(),
            },
            "weighted": weighted::length(&p.text),
            "cost": usd(checks::cost(p, &self.s)),
            "at": p.at_ms.map(|t| calendar::show(t, &self.s.zone)),
            "at_ms": p.at_ms,
            "link": link,
            "issues": p.issues,
            "note": p.note,
            "approved_by": p.approved_by,
            "actions": actions,
        })
    }

    pub fn announce(&mut self, p: &Post) {
        let v = self.view(p);
        self.publish(json!({ "kind": "post", "post": v }));
    }

    fn refusals(&mut self, p: &Post) -> Vec<String> {
        checks::check(p, &self.s, &self.store)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Makes a post (once per key), checks it, approves it if its category is auto-approved
    /// and it passes, and shows it to the approvers.
    pub fn make(&mut self, n: NewPost, now: u64) -> Result<Post, String> {
        self.store.now_ms = now;
        let mut p = Post {
            hash: content_hash(&n.text),
            text: n.text,
            category: n.category,
            source: n.source,
            key: n.key,
            created_ms: now,
            slot_ms: n.slot_ms,
            reply_to: n.reply_to,
            facts: n.facts,
            ..Post::default()
        };
        p.issues = self.refusals(&p);
        if p.issues.is_empty() && self.s.auto_approves(&p.category) {
            p.state = State::Approved;
            p.approved_by = Some("auto-approval".into());
        }
        let (p, created) = self.store.create(p)?;
        // An auto-approved post is shown once it has its time.
        if created && p.state == State::Draft {
            self.announce(&p);
        }
        Ok(p)
    }

    /// An approver's approval: a draft that passes the checks becomes approved. `shown` is
    /// the start of the content hash of the words the approver saw (a button carries it): if
    /// the post changed since, nothing is approved.
    pub fn approve(
        &mut self,
        id: u64,
        who: &str,
        shown: Option<&str>,
        now: u64,
    ) -> Result<Post, String> {
        let mut p = self.live(id)?;
        same_words(&p, shown)?;
        match p.state {
            State::Draft => {}
            State::Approved | State::Scheduled => {
                return Err(format!("#{id} is already approved{}", self.when(&p)));
            }
            _ => return Err(format!("#{id} is {} already", p.state.name())),
        }
        self.store.now_ms = now;
        p.issues = self.refusals(&p);
        if !p.issues.is_empty() {
            self.store.save(&p)?;
            return Err(format!("#{id} fails its checks: {}", p.issues.join("; ")));
        }
        p.state = State::Approved;
        p.approved_by = Some(who.into());
        self.store.save(&p)?;
        self.assign(now)?;
        Ok(self.store.get(id).unwrap_or(p))
    }

    /// Approves if needed and sends at once (not spaced; X's limits and the caps still hold).
    pub fn post_now(
        &mut self,
        id: u64,
        who: &str,
        shown: Option<&str>,
        now: u64,
    ) -> Result<Post, String> {
        let p = self.live(id)?;
        same_words(&p, shown)?;
        if p.state == State::Draft {
            self.approve(id, who, shown, now)?;
        }
        let mut p = self.live(id)?;
        if !matches!(p.state, State::Approved | State::Scheduled) {
            return Err(format!("#{id} is {}", p.state.name()));
        }
        p.state = State::Scheduled;
        p.now = true;
        p.at_ms = Some(now);
        self.store.save(&p)?;
        self.send_due(now);
        Ok(self.store.get(id).unwrap_or(p))
    }

    pub fn reject(&mut self, id: u64, who: &str) -> Result<Post, String> {
        let mut p = self.live(id)?;
        settled(&p)?;
        p.state = State::Rejected;
        p.note = Some(format!("rejected by {who}"));
        self.store.save(&p)?;
        Ok(p)
    }

    /// New words: checked again, and a draft again (approval is for the words approved).
    pub fn edit(&mut self, id: u64, text: &str, who: &str, now: u64) -> Result<Post, String> {
        let mut p = self.live(id)?;
        settled(&p)?;
        let text = text.trim();
        p.text = text.to_owned();
        p.hash = content_hash(text);
        p.state = State::Draft;
        p.approved_by = None;
        p.at_ms = None;
        p.now = false;
        p.note = Some(format!("edited by {who}"));
        self.store.now_ms = now;
        p.issues = self.refusals(&p);
        self.store.save(&p)?;
        // Every approval chat sees the new words (a button showing the old ones no longer
        // approves anything: its hash does not match).
        self.announce(&p);
        Ok(p)
    }

    /// Deletes our post from X.
    pub fn delete(&mut self, id: u64, who: &str, now: u64) -> Result<Post, String> {
        let mut p = self.store.get(id).ok_or_else(|| format!("no post #{id}"))?;
        let (Some(tweet), State::Posted) = (p.tweet_id.clone(), p.state) else {
            return Err(format!("#{id} is not on X"));
        };
        if p.note.as_deref() == Some("deleted") {
            return Err(format!("#{id} was deleted already"));
        }
        let utc = calendar::utc_day(now);
        if Store::spend(&utc)?.x_micros + self.s.prices.delete > self.s.spend_cap {
            return Err(format!(
                "today's X spend cap of {} is reached; a delete costs {}",
                usd(self.s.spend_cap),
                usd(self.s.prices.delete)
            ));
        }
        match self.api.delete(&tweet, now) {
            Outcome::Done(_) => {
                let price = self.s.prices.delete;
                Store::add_spend(&utc, |s| {
                    s.x_micros += price;
                    s.deletes += 1;
                })?;
                p.note = Some("deleted".into());
                self.store.save(&p)?;
                log::log(
                    Level::Info,
                    &format!("post #{id} ({tweet}) deleted by {who}"),
                );
                Ok(p)
            }
            Outcome::Limited { until_ms, .. } => Err(match until_ms {
                Some(u) => format!(
                    "X's limit: try again after {}",
                    calendar::show(u, &self.s.zone)
                ),
                None => "X's limit: try again later".into(),
            }),
            Outcome::Unauthorized(d) => Err(format!("X refused the credentials: {d}")),
            Outcome::Refused(_, d) | Outcome::Unknown(d) => {
                Err(format!("X did not delete it: {d}"))
            }
            Outcome::Duplicate => Err("X did not delete it".into()),
        }
    }

    fn live(&self, id: u64) -> Result<Post, String> {
        match self.store.get(id) {
            Some(p) if !p.state.is_final() => Ok(p),
            Some(p) => Err(format!(
                "#{id} is {}{}",
                p.state.name(),
                p.note.map(|n| format!(" ({n})")).unwrap_or_default()
            )),
            None => Err(format!("no post #{id}")),
        }
    }

    fn when(&self, p: &Post) -> String {
        p.at_ms
            .map(|t| format!(", scheduled for {}", calendar::show(t, &self.s.zone)))
            .unwrap_or_default()
    }

    /// The first time at or after `t` that is spaced from the last post and from every
    /// scheduled one, on a day with room under the cap.
    pub fn free_slot(&self, mut t: u64, except: u64) -> u64 {
        let spacing = self.s.spacing_ms;
        for _ in 0..1_000 {
            if self.last_posted_ms > 0 && t < self.last_posted_ms + spacing {
                t = self.last_posted_ms + spacing;
                continue;
            }
            if let Some(q) = self.store.live.values().find(|q| {
                q.id != except
                    && q.state == State::Scheduled
                    && q.at_ms.is_some_and(|a| a.abs_diff(t) < spacing)
            }) {
                t = q.at_ms.unwrap_or(t) + spacing;
                continue;
            }
            let day = calendar::local_day(t, &self.s.zone);
            let scheduled = self
                .store
                .live
                .values()
                .filter(|q| q.id != except && q.state == State::Scheduled)
                .filter(|q| {
                    q.at_ms
                        .is_some_and(|a| calendar::local_day(a, &self.s.zone) == day)
                })
                .count() as u64;
            // A store that cannot say counts the day as full.
            let posted = Store::posts_on(&day).unwrap_or(u64::MAX);
            if posted.saturating_add(scheduled) >= u64::from(self.s.daily_cap) {
                match calendar::next_day_start(t, &self.s.zone) {
                    Some(next) => {
                        t = next;
                        continue;
                    }
                    None => return t,
                }
            }
            return t;
        }
        t
    }

    /// Approved posts get their time: their slot if it is still ahead, else the next free one.
    pub fn assign(&mut self, now: u64) -> Result<(), String> {
        let approved: Vec<Post> = self
            .store
            .live
            .values()
            .filter(|p| p.state == State::Approved)
            .cloned()
            .collect();
        for mut p in approved {
            let from = p.slot_ms.filter(|&s| s > now).unwrap_or(now);
            p.at_ms = Some(self.free_slot(from, p.id));
            p.state = State::Scheduled;
            self.store.save(&p)?;
            self.announce(&p);
        }
        Ok(())
    }

    /// Sends the post that is due, if X's limits, the spacing, the cap and the spend allow.
    pub fn send_due(&mut self, now: u64) {
        if self.stopped.is_some() || now < self.hold_ms {
            return;
        }
        let Some(mut p) = self
            .store
            .live
            .values()
            .filter(|p| p.state == State::Scheduled && p.at_ms.is_some_and(|a| a <= now))
            .min_by_key(|p| (!p.now, p.at_ms, p.id))
            .cloned()
        else {
            return;
        };
        // Its time passed while the bot was stopped: it does not go late. An uncertain send
        // is settled first (X's duplicate check says whether it is there).
        if !p.now && !p.uncertain && p.at_ms.is_some_and(|a| now > a.saturating_add(GRACE_MS)) {
            p.state = State::Draft;
            p.approved_by = None;
            p.note = Some(format!(
                "missed its time ({}) while the bot was stopped: approve it again to post it",
                calendar::show(p.at_ms.unwrap_or(now), &self.s.zone)
            ));
            p.at_ms = None;
            let _ = self.store.save(&p);
            self.announce(&p);
            return;
        }
        if !p.now
            && self.last_posted_ms > 0
            && now < self.last_posted_ms.saturating_add(self.s.spacing_ms)
        {
            return;
        }
        let day = calendar::local_day(now, &self.s.zone);
        let utc = calendar::utc_day(now);
        // A store that cannot say how much went out today sends nothing.
        let (posted, spend) = match (Store::posts_on(&day), Store::spend(&utc)) {
            (Ok(n), Ok(s)) => (n, s),
            (Err(e), _) | (_, Err(e)) => {
                log::log(Level::Error, &format!("#{} waits: {e}", p.id));
                return;
            }
        };
        if posted >= u64::from(self.s.daily_cap) {
            p.at_ms = Some(self.free_slot(now, p.id));
            p.note = Some(format!(
                "the daily cap of {} posts was reached",
                self.s.daily_cap
            ));
            let _ = self.store.save(&p);
            self.announce(&p);
            return;
        }
        let cost = checks::cost(&p, &self.s);
        let spent = spend.x_micros;
        if spent + cost > self.s.spend_cap {
            // It waits for the next UTC day (X bills by UTC day), keeping its place.
            if let Some(next) = calendar::next_day_start(now, &jiff::tz::TimeZone::UTC) {
                p.at_ms = Some(next);
                p.note = Some(format!(
                    "waits for the spend cap to reset ({})",
                    calendar::show(next, &self.s.zone)
                ));
                let _ = self.store.save(&p);
            }
            if self.spend_alerted != utc {
                self.spend_alerted = utc.clone();
                self.alert(&format!(
                    "X spend cap reached: {} of {} spent today (UTC); #{} ({}) waits for tomorrow",
                    usd(spent),
                    usd(self.s.spend_cap),
                    p.id,
                    usd(cost)
                ));
            }
            return;
        }
        // The last look: anything posted since approval (the same words, say) stops it here.
        self.store.now_ms = now;
        let issues = self.refusals(&p);
        if !issues.is_empty() {
            p.state = State::Draft;
            p.issues = issues;
            p.note = Some("refused by the checks before sending".into());
            let _ = self.store.save(&p);
            self.announce(&p);
            return;
        }
        p.state = State::Sending;
        p.attempts += 1;
        if let Err(e) = self.store.save(&p) {
            // Not recorded as sending: not sent.
            self.alert(&format!("#{} not sent: {e}", p.id));
            return;
        }
        let (outcome, headers) = self.api.post(&p.text, p.reply_to.as_deref(), now);
        self.settle(p, outcome, &headers, cost, now);
    }

    fn settle(
        &mut self,
        mut p: Post,
        outcome: Outcome,
        headers: &[(String, String)],
        cost: u64,
        now: u64,
    ) {
        let ambiguous_before = p.uncertain;
        match outcome {
            Outcome::Done(data) => {
                self.limited_streak = 0;
                let Some(id) = data["id"].as_str().map(str::to_owned) else {
                    // 2xx without an id: posted, but we cannot name it.
                    self.posted(&mut p, None, cost, now);
                    return;
                };
                self.posted(&mut p, Some(id), cost, now);
                if let Some(until) = crate::xapi::hold_until(headers, 201, now) {
                    self.hold(until);
                }
            }
            Outcome::Duplicate if ambiguous_before => {
                // Our earlier attempt did reach X: the words are there.
                p.note = Some(
                    "posted (an earlier attempt reached X; X's duplicate check confirms it)".into(),
                );
                self.posted(&mut p, None, 0, now);
            }
            Outcome::Duplicate => {
                let _ = self.store.mark_posted(&p.hash, now);
                p.state = State::Failed;
                p.note = Some(
                    "X refused it as a duplicate of a post already on the account; not retried"
                        .into(),
                );
                self.finish(&p);
            }
            Outcome::Limited { until_ms, capped } => {
                // X said when (its reset headers); else the usage cap lasts the UTC day, and a
                // bare 429 waits a minute, doubling while they repeat (at most an hour).
                let until_ms = match (until_ms, capped) {
                    (Some(u), _) => u,
                    (None, true) => calendar::next_day_start(now, &jiff::tz::TimeZone::UTC)
                        .unwrap_or(now + 3_600_000),
                    (None, false) => now + (60_000u64 << self.limited_streak.min(6)).min(3_600_000),
                };
                let first = self.limited_streak == 0;
                self.limited_streak += 1;
                p.state = State::Scheduled;
                p.note = Some(format!(
                    "X's {} limit: waits until {}",
                    if capped { "usage cap" } else { "rate" },
                    calendar::show(until_ms, &self.s.zone)
                ));
                p.attempts = p.attempts.saturating_sub(1);
                let _ = self.store.save(&p);
                self.hold(until_ms);
                if !(first || capped) {
                    return;
                }
                self.alert(&format!(
                    "X said 429 ({}): the queue waits until {}",
                    if capped {
                        "usage cap exceeded"
                    } else {
                        "rate limit"
                    },
                    calendar::show(until_ms, &self.s.zone)
                ));
            }
            Outcome::Unauthorized(detail) => {
                p.state = State::Scheduled;
                p.attempts = p.attempts.saturating_sub(1);
                let _ = self.store.save(&p);
                let why = format!("X refused the credentials (401: {detail})");
                let _ = store::set_json("auth", &why);
                self.stopped = Some(why.clone());
                self.alert(&format!(
                    "{why}: posting stopped. Fix the signer's keys, then send /x resume."
                ));
            }
            Outcome::Refused(status, detail) => {
                p.state = State::Failed;
                p.note = Some(format!("X refused it (HTTP {status}): {detail}"));
                self.finish(&p);
            }
            Outcome::Unknown(why) => {
                p.uncertain = true;
                if p.attempts >= MAX_ATTEMPTS {
                    p.state = State::Failed;
                    p.note = Some(format!(
                        "gave up after {} attempts ({why}); it may be on X: check the account",
                        p.attempts
                    ));
                    self.finish(&p);
                    return;
                }
                let backoff = 30_000u64 << p.attempts.min(5);
                p.state = State::Scheduled;
                p.at_ms = Some(now + backoff.min(600_000));
                p.note = Some(format!(
                    "outcome unknown ({why}): tried again later; X's duplicate check keeps a second copy out"
                ));
                let _ = self.store.save(&p);
            }
        }
    }

    fn posted(&mut self, p: &mut Post, tweet: Option<String>, cost: u64, now: u64) {
        p.state = State::Posted;
        p.tweet_id = tweet;
        p.posted_ms = Some(now);
        p.now = false;
        p.uncertain = false;
        self.last_posted_ms = now;
        let writes = [
            self.store.mark_posted(&p.hash, now),
            Store::count_post(&calendar::local_day(now, &self.s.zone)),
            Store::add_spend(&calendar::utc_day(now), |s| {
                s.x_micros += cost;
                s.posts += 1;
            })
            .map(|_| ()),
            store::set_u64("last_posted", now),
        ];
        // It is on X whatever the store says; the operator hears when the record is short.
        if let Some(Err(e)) = writes.into_iter().find(Result::is_err) {
            self.alert(&format!(
                "#{} is posted, but its record is incomplete: {e}",
                p.id
            ));
        }
        self.finish(p);
    }

    fn finish(&mut self, p: &Post) {
        if let Err(e) = self.store.save(p) {
            log::log(Level::Error, &format!("#{}: {e}", p.id));
        }
        self.announce(p);
    }

    fn hold(&mut self, until: u64) {
        if until > self.hold_ms {
            self.hold_ms = until;
            let _ = store::set_u64("hold", until);
        }
    }

    pub fn resume(&mut self) -> Result<(), String> {
        if self.stopped.take().is_none() {
            return Err("posting is not stopped".into());
        }
        store::delete("auth")?;
        self.me_due_ms = 0;
        Ok(())
    }

    /// Posts left `Sending` by a restart: X may have them. Tried again, where X's duplicate
    /// check stops a second copy.
    pub fn recover(&mut self) {
        let stuck: Vec<Post> = self
            .store
            .live
            .values()
            .filter(|p| p.state == State::Sending)
            .cloned()
            .collect();
        let now = kestrel_plugin_sdk::clock::now_ms();
        for mut p in stuck {
            p.uncertain = true;
            if p.at_ms
                .is_some_and(|a| now.saturating_sub(a) > STALE_SEND_MS)
            {
                // Too long ago for X's duplicate check to be relied on: a person decides.
                p.state = State::Failed;
                p.note = Some(
                    "the bot stopped while sending it, long ago; it may be on X: check the account"
                        .into(),
                );
            } else {
                p.state = State::Scheduled;
                p.note = Some("outcome unknown (the bot stopped while sending): tried again; X's duplicate check keeps a second copy out".into());
            }
            let _ = self.store.save(&p);
        }
    }

    /// Asks X whose credentials the host holds, until it answers.
    pub fn check_account(&mut self, now: u64) {
        if self.account.is_some() || now < self.me_due_ms || self.stopped.is_some() {
            return;
        }
        match self.api.me(now) {
            Outcome::Done(d) => {
                let a = Account {
                    id: d["id"].as_str().unwrap_or("").to_owned(),
                    username: d["username"].as_str().unwrap_or("").to_owned(),
                    name: d["name"].as_str().unwrap_or("").to_owned(),
                };
                log::log(
                    Level::Info,
                    &format!("posting as @{} ({})", a.username, a.id),
                );
                let price = self.s.prices.read;
                let _ = Store::add_spend(&calendar::utc_day(now), |s| {
                    s.x_micros += price;
                    s.reads += 1;
                });
                self.account = Some(a);
            }
            Outcome::Unauthorized(d) => {
                let why = format!("X refused the credentials (401: {d})");
                self.stopped = Some(why.clone());
                let _ = store::set_json("auth", &why);
                self.alert(&format!(
                    "{why}: posting stopped. Fix the signer's keys, then send /x resume."
                ));
            }
            Outcome::Limited { until_ms, .. } => self.me_due_ms = until_ms.unwrap_or(now + 60_000),
            other => {
                log::log(Level::Warn, &format!("GET /2/users/me: {other:?}"));
                self.me_due_ms = now + 60_000;
            }
        }
    }

    /// Hourly: forgets final posts and hashes older than the dedupe window (a week at least).
    pub fn prune(&mut self, now: u64) {
        if now < self.prune_due_ms {
            return;
        }
        self.prune_due_ms = now + 3_600_000;
        let keep = self.s.dedupe_days.max(7).saturating_mul(86_400_000);
        let stale: Vec<Post> = self
            .store
            .live
            .values()
            .filter(|p| p.state == State::Draft && now.saturating_sub(p.created_ms) > DRAFT_LIFE_MS)
            .cloned()
            .collect();
        for mut p in stale {
            p.state = State::Rejected;
            p.note = Some("expired: no approver acted on it in 14 days".into());
            let _ = self.store.save(&p);
        }
        let n = self.store.prune(now, keep);
        if n > 0 {
            log::log(Level::Info, &format!("store: {n} old keys forgotten"));
        }
    }

    /// Reads who mentioned us (they summoned us: we may reply to them).
    pub fn read_mentions(&mut self, now: u64) {
        if self.s.mentions_poll_ms == 0 || now < self.mentions_due_ms || self.stopped.is_some() {
            return;
        }
        let Some(me) = self.account.clone() else {
            return;
        };
        self.mentions_due_ms = now + self.s.mentions_poll_ms;
        // A read of up to 20 posts must fit under the day's cap, or it waits for tomorrow.
        let utc = calendar::utc_day(now);
        let room =
            Store::spend(&utc).map(|s| s.x_micros + self.s.prices.read * 20 <= self.s.spend_cap);
        if room != Ok(true) {
            return;
        }
        let since = store::get_json::<String>("mentions_since");
        let Outcome::Done(v) = self.api.mentions(&me.id, since.as_deref(), now) else {
            return;
        };
        let empty = Vec::new();
        let users = v["includes"]["users"].as_array().unwrap_or(&empty);
        let posts = v["data"].as_array().unwrap_or(&empty);
        for m in posts.iter().take(100) {
            let (Some(id), Some(author)) = (m["id"].as_str(), m["author_id"].as_str()) else {
                continue;
            };
            if let Some(u) = users.iter().find(|u| u["id"].as_str() == Some(author))
                && let Some(name) = u["username"].as_str()
            {
                let _ = self.store.record_summons(name, id, now);
            }
        }
        let price = self.s.prices.read;
        // X bills the posts a read returns.
        let n = u32::try_from(posts.len()).unwrap_or(u32::MAX);
        let _ = Store::add_spend(&utc, |s| {
            s.x_micros = s
                .x_micros
                .saturating_add(price.saturating_mul(u64::from(n)));
            s.reads = s.reads.saturating_add(n);
        });
        if let Some(newest) = v["meta"]["newest_id"].as_str() {
            let _ = store::set_json("mentions_since", &newest.to_owned());
        }
    }

    /// An LLM draft from the active context notes, counted and capped, then checked.
    pub fn draft(
        &mut self,
        subject: Option<&str>,
        key: String,
        slot: Option<u64>,
        now: u64,
    ) -> Result<Post, String> {
        let Some(cfg) = self.s.llm.clone() else {
            return Err("no LLM is configured (llm_base, llm_model)".into());
        };
        let utc = calendar::utc_day(now);
        let spent = Store::spend(&utc)?.llm_micros;
        if spent >= cfg.daily_cap {
            return Err(format!(
                "the LLM's daily cap of {} is spent ({} today)",
                usd(cfg.daily_cap),
                usd(spent)
            ));
        }
        let (version, notes) = context::notes();
        let disclaimer = self
            .s
            .needs_disclaimer("llm")
            .then(|| self.s.disclaimer.clone());
        let c = llm::draft(&cfg, &notes, subject, disclaimer.as_deref())?;
        let u = c.usage;
        Store::add_spend(&utc, |s| {
            s.llm_micros = s.llm_micros.saturating_add(u.cost);
            s.llm_requests = s.llm_requests.saturating_add(1);
            s.prompt_tokens = s.prompt_tokens.saturating_add(u.prompt_tokens);
            s.completion_tokens = s.completion_tokens.saturating_add(u.completion_tokens);
        })?;
        self.make(
            NewPost {
                text: c.text?,
                category: "llm".into(),
                source: Source::Llm {
                    model: cfg.model.clone(),
                    context: version,
                },
                key,
                slot_ms: slot,
                facts: Vec::new(),
                reply_to: None,
            },
            now,
        )
    }

    /// A post made from an engine event: the figures it quotes are the journal's.
    pub fn event_post(&mut self, kind: &str, values: &[(&str, String)], key: String, now: u64) {
        if !self.s.events.iter().any(|e| e == kind) {
            return;
        }
        let template = self.s.templates.get(kind).cloned().unwrap_or_default();
        let mut text = crate::settings::fill(&template, values);
        if self.s.needs_disclaimer(kind) {
            text = format!("{text} {}", self.s.disclaimer);
        }
        // The figures the text may quote: the event's (signs kept; a coin's name carries none,
        // events.rs keeps its letters only), and those the operator wrote into the template
        // and the disclaimer.
        let mut facts: Vec<String> = values.iter().flat_map(|(_, v)| numbers(v)).collect();
        facts.extend(numbers(&template));
        facts.extend(numbers(&self.s.disclaimer));
        let n = NewPost {
            text,
            category: kind.into(),
            source: Source::Event,
            key,
            slot_ms: None,
            facts,
            reply_to: None,
        };
        if let Err(e) = self.make(n, now) {
            self.alert(&format!("a {kind} post could not be made: {e}"));
        }
    }
}

/// The words the approver saw (`shown`, the start of their hash) are the post's words now.
fn same_words(p: &Post, shown: Option<&str>) -> Result<(), String> {
    match shown {
        Some(h) if h.len() < 8 || !p.hash.starts_with(h) => Err(format!(
            "#{} changed since it was shown to you; its words now are shown",
            p.id
        )),
        _ => Ok(()),
    }
}

/// Edits and rejections wait until a send's outcome is known.
fn settled(p: &Post) -> Result<(), String> {
    if p.state == State::Sending || p.uncertain {
        return Err(format!(
            "#{} may already be on X (a send's outcome is unknown); it is being settled",
            p.id
        ));
    }
    Ok(())
}
