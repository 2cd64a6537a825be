//! Kestrel's market-data feeds: one or more Solana PubSub endpoints raced against each other.
//!
//! Each endpoint runs as a task on the feed's thread: it connects, subscribes (pump.fun logs,
//! slots, the bonding curves of held positions, our own signatures), decodes every frame into
//! owned events and hands them to the sink's [`Destination`]: the strategy thread's bounded
//! crossbeam queue (the pipeline layout), or the kernel run on this same thread (inline). The first copy of a transaction from any endpoint wins; later
//! copies are dropped by signature and counted as that endpoint's lag. A dropped endpoint
//! reconnects with jittered exponential backoff and resubscribes.
//!
//! Two clients read the sockets, chosen by config and benchmarked against each other:
//! - [`raw`]: Kestrel's own websocket reader; frames are parsed borrowing from the text.
//! - [`typed`]: solana-pubsub-client's `PubsubClient`, which parses into owned types first.

pub mod dedup;
pub mod extract;
pub mod raw;
pub mod sink;
pub mod stats;
pub mod typed;

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kestrel_model::{CurveTrade, CurveUpdate, LaunchEvent, SignatureText};
use solana_pubkey::Pubkey;
use tokio::sync::broadcast;

pub use dedup::Dedup;
pub use sink::{Destination, LaunchHook, Sink};
pub use stats::EndpointStats;

/// What the feeds tell the strategy thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedEvent {
    Launch(LaunchEvent),
    Trade(CurveTrade),
    Curve(CurveUpdate),
    Slot(u64),
    /// An endpoint connected (`up`) or dropped.
    Endpoint {
        index: u8,
        up: bool,
    },
}

/// A feed event with where and when it came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamped {
    pub event: FeedEvent,
    pub endpoint: u8,
    /// [`kestrel_model::mono_nanos`] when the frame's bytes were in hand.
    pub read_at: u64,
    /// When it was decoded into `event`.
    pub decoded_at: u64,
}

/// Our own transaction reached the commitment we asked for (or failed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureUpdate {
    pub signature: SignatureText,
    pub slot: u64,
    /// The transaction error as JSON text, if it failed.
    pub err: Option<String>,
    pub read_at: u64,
}

/// Which client reads the sockets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FeedClient {
    /// Kestrel's websocket reader with borrowed parsing.
    #[default]
    Raw,
    /// solana-pubsub-client.
    Pubsub,
}

#[derive(Clone, Debug)]
pub struct FeedConfig {
    /// PubSub endpoints (ws/wss): the URL with secrets expanded, and the name to print.
    pub endpoints: Vec<FeedEndpoint>,
    /// `processed`, `confirmed` or `finalized`.
    pub commitment: &'static str,
    /// Programs whose logs to watch (one logsSubscribe each: `mentions` takes one key).
    pub programs: Vec<Pubkey>,
    pub client: FeedClient,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Every frame received is also copied here (`kestrel run --record`); the raw client only.
    pub recorder: Option<kestrel_capture::Recorder>,
}

#[derive(Clone, Debug)]
pub struct FeedEndpoint {
    pub url: String,
    /// The URL with secrets removed, for logs and metrics.
    pub name: String,
}

/// A subscription the engine asks for while running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Watch {
    /// A bonding curve of a held position.
    Account(Pubkey),
    /// One of our transactions, until it reaches the commitment.
    Signature(SignatureText),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchCommand {
    Add(Watch),
    Remove(Watch),
}

/// The live set of watches, which every (re)connecting endpoint subscribes to.
#[derive(Default)]
pub(crate) struct Watches {
    pub(crate) set: Vec<Watch>,
}

/// How the engine adds and removes watches. Cheap to clone; usable from any thread.
#[derive(Clone)]
pub struct FeedHandle {
    watches: Arc<Mutex<Watches>>,
    commands: broadcast::Sender<WatchCommand>,
}

impl Default for FeedHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedHandle {
    /// A handle with no watches yet; [`start`] gives it to the endpoints. Made before the
    /// feed starts, so the kernel and execution can hold it first.
    pub fn new() -> Self {
        let (commands, _) = broadcast::channel(4096);
        Self {
            watches: Arc::new(Mutex::new(Watches::default())),
            commands,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Watches> {
        self.watches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Subscribes every endpoint to `w` (now, and again after each reconnect).
    pub fn watch(&self, w: Watch) {
        let mut g = self.lock();
        if !g.set.contains(&w) {
            g.set.push(w);
            let _ = self.commands.send(WatchCommand::Add(w));
        }
    }

    pub fn unwatch(&self, w: Watch) {
        let mut g = self.lock();
        let before = g.set.len();
        g.set.retain(|x| *x != w);
        if g.set.len() != before {
            let _ = self.commands.send(WatchCommand::Remove(w));
        }
    }

    pub(crate) fn current(&self) -> Vec<Watch> {
        self.lock().set.clone()
    }

    pub(crate) fn is_watched(&self, w: &Watch) -> bool {
        self.lock().set.contains(w)
    }

    pub(crate) fn subscribe_commands(&self) -> broadcast::Receiver<WatchCommand> {
        self.commands.subscribe()
    }
}

/// The running feeds.
pub struct Feed {
    pub handle: FeedHandle,
    pub stats: Arc<Vec<EndpointStats>>,
}

/// Starts one task per endpoint on the current thread's [`tokio::task::LocalSet`] (the sink's
/// destination may be the kernel itself, which never leaves its thread).
pub fn start(cfg: FeedConfig, sink: Sink, handle: FeedHandle) -> Feed {
    let stats: Arc<Vec<EndpointStats>> = Arc::new(
        cfg.endpoints
            .iter()
            .map(|e| EndpointStats::new(e.name.clone()))
            .collect(),
    );
    let sink = Rc::new(sink);
    dedup::spawn_pruner(sink.dedup.clone());
    for (i, endpoint) in cfg.endpoints.iter().enumerate() {
        let index = u8::try_from(i).unwrap_or(u8::MAX);
        let ctx = EndpointContext {
            index,
            url: endpoint.url.clone(),
            cfg: cfg.clone(),
            sink: sink.clone(),
            stats: stats.clone(),
            handle: handle.clone(),
        };
        match cfg.client {
            FeedClient::Raw => {
                tokio::task::spawn_local(raw::run(ctx));
            }
            FeedClient::Pubsub => {
                tokio::task::spawn_local(typed::run(ctx));
            }
        }
    }
    Feed { handle, stats }
}

pub(crate) struct EndpointContext {
    pub(crate) index: u8,
    pub(crate) url: String,
    pub(crate) cfg: FeedConfig,
    pub(crate) sink: Rc<Sink>,
    pub(crate) stats: Arc<Vec<EndpointStats>>,
    pub(crate) handle: FeedHandle,
}

impl EndpointContext {
    pub(crate) fn stats(&self) -> Option<&EndpointStats> {
        self.stats.get(usize::from(self.index))
    }
}

/// Jittered exponential backoff: each wait is random in [d/2, d], d doubling up to `max`.
pub(crate) struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Self {
            next: min,
            min,
            max,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.next = self.min;
    }

    pub(crate) fn next_wait(&mut self) -> Duration {
        use rand::Rng;
        let d = self.next;
        self.next = (d * 2).min(self.max);
        let half = d / 2;
        half + rand::rng().random_range(Duration::ZERO..=half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_jittered_and_caps() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let waits: Vec<_> = (0..8).map(|_| b.next_wait()).collect();
        assert!(waits[0] >= Duration::from_millis(50) && waits[0] <= Duration::from_millis(100));
        assert!(waits[7] >= Duration::from_millis(500) && waits[7] <= Duration::from_secs(1));
        b.reset();
        assert!(b.next_wait() <= Duration::from_millis(100));
    }

    #[test]
    fn watches_are_kept_once_and_removed() {
        let h = FeedHandle::new();
        let w = Watch::Account(Pubkey::new_unique());
        h.watch(w);
        h.watch(w);
        assert_eq!(h.current(), vec![w]);
        h.unwatch(w);
        assert!(h.current().is_empty());
    }
}
