//! Kestrel's X posting bot, as a plugin (`kestrel:plugin@0.2.0`, `wasm = "builtin:x"`).
//! It posts what the desk wants said: the operator's library on a schedule, LLM drafts from
//! the project's context notes, and posts made from engine events (a day's recap, a
//! position closed in profit, a trading-state change). Nothing leaves without passing the
//! safety checks (X's weighted length and 2026 rules, the deny list, disclaimers, no
//! repeats, the journal's figures) and without approval from the approval chat (Telegram or
//! Discord, over topics), unless the operator turned auto-approval on for its category.
//!
//! X requests are signed by the host's OAuth 1.0a signer; the LLM's key is a host secret:
//! the bot holds no credentials. Its durable store keeps the queue across restarts.
//!
//! Settings: see `settings.rs` and the README's "The X bot".

pub mod approvals;
pub mod calendar;
pub mod checks;
pub mod context;
pub mod cron;
pub mod entities;
pub mod events;
pub mod library;
pub mod llm;
pub mod post;
pub mod queue;
pub mod schedules;
pub mod settings;
pub mod store;
pub mod weighted;
pub mod xapi;

#[cfg(test)]
mod conformance;
mod tlds;

use kestrel_plugin_sdk::{
    Event, EventKinds, Level, Plugin, Subscriptions, TopicError, TopicMessage, clock, log, topics,
};

use queue::Queue;
use settings::Settings;

/// The topic the chat bots publish their users' actions on, unless settings name another.
pub const ACTIONS_TOPIC: &str = "x-actions";

pub struct XBot {
    q: Queue,
    actions_topic: String,
}

impl XBot {
    /// Publishes what waits for the approvals topic; keeps the rest when the host says busy.
    fn flush(&mut self) {
        while !self.q.outbox.is_empty() {
            let body = self.q.outbox[0].to_string().into_bytes();
            match topics::publish(&self.q.s.approvals_topic, &body) {
                Ok(()) => {
                    self.q.outbox.remove(0);
                }
                Err(TopicError::Busy) => return,
                Err(e) => {
                    log::log(
                        Level::Warn,
                        &format!("the approvals topic refused a message: {e:?}"),
                    );
                    self.q.outbox.remove(0);
                }
            }
        }
    }

    fn step(&mut self, now: u64) {
        self.q.check_account(now);
        self.q.read_mentions(now);
        self.q.run_schedules(now);
        if let Err(e) = self.q.assign(now) {
            self.q.alert(&format!("the queue could not be saved: {e}"));
        }
        self.q.send_due(now);
        self.q.prune(now);
        self.flush();
    }
}

impl Plugin for XBot {
    fn init(pairs: Vec<(String, String)>) -> Result<Self, String> {
        let s = Settings::parse(&pairs)?;
        library::seed(&s.library)?;
        let actions_topic = pairs
            .iter()
            .find(|(k, _)| k == "actions_topic")
            .map_or(ACTIONS_TOPIC.to_owned(), |(_, v)| v.trim().to_owned());
        let mut q = Queue::new(s);
        q.recover();
        Ok(Self { q, actions_topic })
    }

    fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            events: EventKinds::FILLS | EventKinds::STATES | EventKinds::DIGESTS,
            launch_filter: None,
            topics: vec![self.actions_topic.clone()],
        }
    }

    fn on_event(&mut self, e: Event) {
        let now = clock::now_ms();
        events::on_event(&mut self.q, &e, now);
        self.step(now);
    }

    fn on_topic(&mut self, m: TopicMessage) {
        let now = clock::now_ms();
        approvals::handle(&mut self.q, &m, now);
        self.step(now);
    }

    fn on_tick(&mut self, _now_ms: u64) {
        self.step(clock::now_ms());
    }
}

kestrel_plugin_sdk::register_plugin!(XBot);
