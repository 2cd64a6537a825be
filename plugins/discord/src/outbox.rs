//! What waits to be sent. Interaction follow-ups (edits of a deferred answer, messages to a
//! trader whose order filled) go first: their tokens die after 15 minutes and their routes
//! are exempt from the global limit. Then channel messages (alerts, the mod log): embeds wait
//! per channel and go out together, at most ten and 6000 characters a message, at most one
//! message per channel per `interval_ms`, so a burst of fills becomes a few messages and never
//! trips the rate limit. A full queue drops the oldest.

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use crate::embed::{Embed, take_message};
use crate::rest::{Call, Rest, RestError};

/// Embeds waiting per channel before the oldest are dropped.
const MAX_WAITING: usize = 200;
/// Follow-ups waiting before the oldest are dropped.
const MAX_FOLLOWUPS: usize = 100;
/// An interaction token serves follow-ups for 15 minutes; past 14 we stop trying.
pub const TOKEN_LIFE_MS: u64 = 14 * 60 * 1_000;
/// Messages one flush sends at most, so a tick stays short.
const SENDS_PER_FLUSH: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub enum Followup {
    /// Replace the deferred answer (`PATCH …/messages/@original`).
    Edit {
        token: String,
        data: Value,
        at_ms: u64,
    },
    /// A new message (`POST /webhooks/{app}/{token}`).
    Post {
        token: String,
        data: Value,
        at_ms: u64,
    },
}

#[derive(Default)]
pub struct Outbox {
    followups: VecDeque<Followup>,
    channels: Vec<(String, VecDeque<Embed>)>,
    last_sent: HashMap<String, u64>,
    /// Nothing goes to a channel before this (its bucket, or a failure's back-off).
    not_before: HashMap<String, u64>,
    pub interval_ms: u64,
}

impl Outbox {
    pub fn new(interval_ms: u64) -> Self {
        Self {
            interval_ms,
            ..Self::default()
        }
    }

    pub fn followup(&mut self, f: Followup) {
        if self.followups.len() >= MAX_FOLLOWUPS {
            self.followups.pop_front();
        }
        self.followups.push_back(f);
    }

    pub fn post(&mut self, channel: &str, e: Embed) {
        let i = match self.channels.iter().position(|(c, _)| c == channel) {
            Some(i) => i,
            None => {
                self.channels.push((channel.to_owned(), VecDeque::new()));
                self.channels.len() - 1
            }
        };
        let q = &mut self.channels[i].1;
        if q.len() >= MAX_WAITING {
            q.pop_front();
        }
        q.push_back(e);
    }

    pub fn waiting(&self) -> usize {
        self.followups.len() + self.channels.iter().map(|(_, q)| q.len()).sum::<usize>()
    }

    /// Sends what may go now. A follow-up whose token is gone (404) or too old is dropped;
    /// a channel that refuses (deleted, no access) is logged and its message dropped.
    pub fn flush(&mut self, rest: &mut Rest, now: u64, until: u64) {
        let mut sends = 0;
        let spent = || kestrel_plugin_sdk::clock::now_ms() >= until;
        while sends < SENDS_PER_FLUSH && !spent() {
            let Some(f) = self.followups.pop_front() else {
                break;
            };
            let (token, data, at_ms, method, path) = match &f {
                Followup::Edit { token, data, at_ms } => (
                    token,
                    data,
                    *at_ms,
                    "PATCH",
                    format!(
                        "/webhooks/{}/{token}/messages/@original",
                        rest.application_id
                    ),
                ),
                Followup::Post { token, data, at_ms } => (
                    token,
                    data,
                    *at_ms,
                    "POST",
                    format!("/webhooks/{}/{token}?wait=true", rest.application_id),
                ),
            };
            if now.saturating_sub(at_ms) > TOKEN_LIFE_MS || token.is_empty() {
                continue;
            }
            sends += 1;
            match rest.send(Call::interaction(method, path).body(data), now) {
                Ok(_) => {}
                Err(RestError::Wait(_)) => {
                    self.followups.push_front(f);
                    break;
                }
                Err(RestError::Transport(e)) => {
                    kestrel_plugin_sdk::log::log(kestrel_plugin_sdk::Level::Warn, &e);
                    self.followups.push_front(f);
                    break;
                }
                Err(e) => {
                    kestrel_plugin_sdk::log::log(
                        kestrel_plugin_sdk::Level::Warn,
                        &format!("a follow-up was dropped: {e}"),
                    );
                }
            }
        }
        for i in 0..self.channels.len() {
            if sends >= SENDS_PER_FLUSH || spent() {
                return;
            }
            let channel = self.channels[i].0.clone();
            let last = self.last_sent.get(&channel).copied().unwrap_or(0);
            let hold = self.not_before.get(&channel).copied().unwrap_or(0);
            if self.channels[i].1.is_empty()
                || now < hold
                || (last > 0 && now < last + self.interval_ms)
            {
                continue;
            }
            let embeds = take_message(&mut self.channels[i].1);
            let body = json!({
                "embeds": embeds.iter().map(Embed::to_json).collect::<Vec<_>>(),
                "allowed_mentions": { "parse": [] },
            });
            sends += 1;
            match rest.send(
                Call::bot("POST", format!("/channels/{channel}/messages")).body(&body),
                now,
            ) {
                Ok(_) => {
                    self.last_sent.insert(channel, now);
                }
                Err(RestError::Wait(at)) => {
                    self.not_before.insert(channel, at);
                    for e in embeds.into_iter().rev() {
                        self.channels[i].1.push_front(e);
                    }
                }
                Err(RestError::Transport(e)) => {
                    kestrel_plugin_sdk::log::log(kestrel_plugin_sdk::Level::Warn, &e);
                    self.not_before.insert(channel, now + 2_000);
                    for e in embeds.into_iter().rev() {
                        self.channels[i].1.push_front(e);
                    }
                }
                Err(e) => {
                    kestrel_plugin_sdk::log::log(
                        kestrel_plugin_sdk::Level::Warn,
                        &format!("a message to channel {channel} was dropped: {e}"),
                    );
                    // A channel that refuses is not asked again at once.
                    self.not_before.insert(channel, now + 30_000);
                }
            }
        }
    }
}
