//! Every running plugin's mailbox: its bounded queue of work and what its thread shares with
//! the rest of the host. The host's event publishing, the topics between plugins and the
//! ingress all deliver through here, by the same rule: never wait; a full queue drops the
//! work for that plugin and counts it.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::status::PluginStatus;
use crate::wit::latest::{
    Event, Inbound, LaunchFilter, TopicMessage, WebhookRequest, WebhookResponse,
};

/// What a plugin's thread is handed.
pub(crate) enum Work {
    Event(Event),
    Message(Inbound, SyncSender<Vec<String>>),
    /// A webhook and where its answer goes (none: the plugin's version has no webhooks).
    Webhook(
        WebhookRequest,
        tokio::sync::oneshot::Sender<Option<WebhookResponse>>,
    ),
    Topic(TopicMessage),
    Stop,
}

/// What the plugin asked for at its last start, within its grants.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    pub(crate) topics: Vec<String>,
    pub(crate) launch_filter: Option<LaunchFilter>,
    /// Launches delivered in the current minute, and when it began.
    pub(crate) launch_window: Option<(Instant, u32)>,
}

/// What the host and a plugin's thread share.
pub(crate) struct Shared {
    pub(crate) status: Mutex<PluginStatus>,
    /// The event kinds it asked for and was granted (latest `EventKinds` bits), once started.
    pub(crate) wants: AtomicU8,
    pub(crate) wanted: Mutex<Wanted>,
    /// The host is stopping: leave at the next chance, whatever is queued.
    pub(crate) stopping: AtomicBool,
    /// Work dropped because its queue was full.
    pub(crate) dropped: AtomicU64,
    /// The ingress's and the launch gate's counts (see `PluginStatus`).
    pub(crate) webhooks: AtomicU64,
    pub(crate) webhooks_refused: AtomicU64,
    pub(crate) webhooks_late: AtomicU64,
    pub(crate) launches_held: AtomicU64,
    /// CPU time its calls computed, ns.
    pub(crate) cpu_ns: AtomicU64,
    /// Work waiting in its queue.
    pub(crate) queued: AtomicU64,
}

impl Shared {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            status: Mutex::new(PluginStatus {
                name: name.to_owned(),
                ..PluginStatus::default()
            }),
            wants: AtomicU8::new(0),
            wanted: Mutex::new(Wanted::default()),
            stopping: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            webhooks: AtomicU64::new(0),
            webhooks_refused: AtomicU64::new(0),
            webhooks_late: AtomicU64::new(0),
            launches_held: AtomicU64::new(0),
            cpu_ns: AtomicU64::new(0),
            queued: AtomicU64::new(0),
        }
    }

    pub(crate) fn status(&self) -> std::sync::MutexGuard<'_, PluginStatus> {
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One piece of work left the queue.
    pub(crate) fn took_one(&self) {
        let _ = self
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |q| {
                Some(q.saturating_sub(1))
            });
    }

    pub(crate) fn wanted(&self) -> std::sync::MutexGuard<'_, Wanted> {
        self.wanted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(crate) struct Mailbox {
    pub(crate) name: String,
    pub(crate) queue: SyncSender<Work>,
    pub(crate) shared: Arc<Shared>,
}

/// Why a delivery did not happen.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Undelivered {
    /// The queue was full: dropped and counted.
    Full,
    /// The plugin's thread is gone.
    Gone,
}

impl Mailbox {
    /// Queues `work` without waiting.
    pub(crate) fn offer(&self, work: Work) -> Result<(), Undelivered> {
        // Counted before it can be taken, so the plugin's thread never takes it from zero.
        self.shared.queued.fetch_add(1, Ordering::Relaxed);
        let undo = || {
            self.shared.queued.fetch_sub(1, Ordering::Relaxed);
        };
        match self.queue.try_send(work) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                undo();
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                Err(Undelivered::Full)
            }
            Err(TrySendError::Disconnected(_)) => {
                undo();
                Err(Undelivered::Gone)
            }
        }
    }
}

/// Copies of a topic's messages for the host's owner (the dashboard), dropped when full.
type Tap = (String, std::sync::mpsc::SyncSender<TopicMessage>);

/// Every plugin's mailbox, set once when the host has started them all, and the topics'
/// taps.
#[derive(Default)]
pub(crate) struct Mailboxes {
    all: std::sync::OnceLock<Vec<Mailbox>>,
    taps: Mutex<Vec<Tap>>,
}

impl Mailboxes {
    pub(crate) fn set(&self, all: Vec<Mailbox>) {
        let _ = self.all.set(all);
    }

    pub(crate) fn all(&self) -> &[Mailbox] {
        self.all.get().map_or(&[], Vec::as_slice)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Mailbox> {
        self.all().iter().find(|m| m.name == name)
    }

    /// Hands a topic's message to every plugin that receives the topic (not its sender) and to
    /// the taps on it, without waiting: a full queue drops it for that receiver.
    pub(crate) fn deliver(&self, message: &TopicMessage) {
        for m in self.all() {
            if m.name == message.sender || !m.shared.wanted().topics.contains(&message.topic) {
                continue;
            }
            // A full queue is counted on the receiver; the publisher carries on.
            let _ = m.offer(Work::Topic(message.clone()));
        }
        let mut taps = self
            .taps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        taps.retain(|(topic, tx)| {
            *topic != message.topic
                || !matches!(
                    tx.try_send(message.clone()),
                    Err(std::sync::mpsc::TrySendError::Disconnected(_))
                )
        });
    }

    /// Copies of `topic`'s messages from now on.
    pub(crate) fn tap(&self, topic: &str) -> std::sync::mpsc::Receiver<TopicMessage> {
        let (tx, rx) = std::sync::mpsc::sync_channel(256);
        self.taps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((topic.to_owned(), tx));
        rx
    }
}
