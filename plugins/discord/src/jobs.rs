//! Work acknowledged to Discord at once and done on the next tick: anything that calls
//! Discord or reads the chain, which may take longer than Discord's 3-second deadline. A job
//! held by a rate limit waits at the front of the queue; its answer replaces the deferred
//! response through the interaction's token (good for 15 minutes).

use kestrel_plugin_sdk::{Level, clock, log};

use crate::interaction::message;
use crate::moderation::{self, Request};
use crate::outbox::{Followup, TOKEN_LIFE_MS};
use crate::rest::RestError;
use crate::spam::Hit;
use crate::{Discord, automod, desk};

/// Jobs one tick runs at most.
const PER_TICK: usize = 4;
/// Jobs held at once; beyond, a new one is refused.
pub const MAX_JOBS: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Work {
    Price(String),
    Moderate(Request),
    Purge {
        guild: String,
        channel: String,
        count: u64,
        by: String,
        reason: String,
    },
    Automod {
        guild: String,
        op: automod::Op,
        by: String,
    },
    Spam(Hit),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The interaction to answer; none for the bot's own work (strikes, spam).
    pub token: Option<String>,
    pub at_ms: u64,
    pub work: Work,
    /// Times the network failed it; it is dropped after [`MAX_TRIES`].
    pub tries: u32,
}

const MAX_TRIES: u32 = 30;

impl Job {
    pub fn new(token: Option<String>, work: Work) -> Self {
        Self {
            token,
            at_ms: clock::now_ms(),
            work,
            tries: 0,
        }
    }
}

/// Runs what may run now, until the tick's time is spent (`until`, ms since the epoch).
pub fn run(bot: &mut Discord, now: u64, until: u64) {
    for _ in 0..PER_TICK {
        if clock::now_ms() >= until {
            return;
        }
        let Some(job) = bot.jobs.pop_front() else {
            return;
        };
        if job.token.is_some() && now.saturating_sub(job.at_ms) > TOKEN_LIFE_MS {
            log::log(
                Level::Warn,
                &format!("dropped a job older than its token: {:?}", job.work),
            );
            continue;
        }
        let done: Result<(String, Vec<serde_json::Value>), RestError> = match &job.work {
            Work::Price(mint) => Ok(match desk::price_embed(mint) {
                Ok(e) => (String::new(), vec![e.to_json()]),
                Err(e) => (format!("No price: {e}"), Vec::new()),
            }),
            Work::Moderate(r) => moderation::execute(bot, r, now).map(|a| (a, Vec::new())),
            Work::Purge {
                channel,
                count,
                by,
                reason,
                ..
            } => moderation::execute_purge(bot, channel, *count, by, reason, now)
                .map(|a| (a, Vec::new())),
            Work::Automod { guild, op, by } => {
                automod::execute(bot, guild, op, by, now).map(|a| (a, Vec::new()))
            }
            Work::Spam(hit) => crate::spam::execute(bot, hit, now).map(|a| (a, Vec::new())),
        };
        let (text, embeds) = match done {
            Ok(answer) => answer,
            Err(RestError::Wait(_)) => {
                bot.jobs.push_front(job);
                return;
            }
            Err(RestError::Transport(e)) if job.tries + 1 < MAX_TRIES => {
                log::log(Level::Warn, &e);
                bot.jobs.push_front(Job {
                    tries: job.tries + 1,
                    ..job
                });
                return;
            }
            Err(e) => (format!("Not done: {e}"), Vec::new()),
        };
        match job.token {
            Some(token) => bot.outbox.followup(Followup::Edit {
                token,
                data: message(&text, embeds, Vec::new(), false),
                at_ms: job.at_ms,
            }),
            None => log::log(Level::Info, &text),
        }
    }
}
