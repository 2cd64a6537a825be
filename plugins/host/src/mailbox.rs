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
        }
    }

    pub(crate) fn status(&self) -> std::sync::MutexGuard<'_, PluginStatus> {
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
        match self.queue.try_send(work) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                Err(Undelivered::Full)
            }
            Err(TrySendError::Disconnected(_)) => Err(Undelivered::Gone),
        }
    }
}

/// Every plugin's mailbox, set once when the host has started them all.
#[derive(Default)]
pub(crate) struct Mailboxes {
    all: std::sync::OnceLock<Vec<Mailbox>>,
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
}
