//! `topics`: a plugin publishes on a topic config lets it publish on; every other plugin
//! that receives the topic (asked for it and was granted it) gets the message in its queue,
//! without waiting (a full queue drops it for that plugin, counted). Bounded in size and
//! rate per publisher.

use std::sync::atomic::Ordering::Relaxed;

use crate::wit::latest::kestrel::plugin::topics;
use crate::wit::latest::{TopicError, TopicMessage};

use super::State;

impl State {
    fn refuse_topic(&mut self, e: TopicError, topic: &str) -> Result<(), TopicError> {
        self.ctx.counters.topics_denied.fetch_add(1, Relaxed);
        if self.may_log() {
            tracing::warn!(plugin = %self.ctx.name, topic = %crate::text::clip(topic, 64), "publication refused: {e:?}");
        }
        Err(e)
    }
}

impl topics::Host for State {
    fn publish(&mut self, topic: String, body: Vec<u8>) -> Result<(), TopicError> {
        if !self.ctx.grants.publish_topics.contains(&topic) {
            return self.refuse_topic(TopicError::NotGranted, &topic);
        }
        if body.len() > self.ctx.limits.topic_max_bytes {
            return self.refuse_topic(TopicError::TooLarge, &topic);
        }
        if !self.topic_rate.take() {
            return self.refuse_topic(TopicError::Busy, &topic);
        }
        self.ctx.counters.topics_published.fetch_add(1, Relaxed);
        let message = TopicMessage {
            topic,
            sender: self.ctx.name.clone(),
            body,
            sent_ms: super::clock::now_ms(),
        };
        self.ctx.mailboxes.deliver(&message);
        Ok(())
    }
}
