//! Where every endpoint's events go: deduplicated, stamped and handed on (to the strategy
//! thread's queue, or, inline, to the kernel on the reading thread itself), and our own
//! signatures' outcomes to the execution side.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crossbeam_channel::{Sender, TrySendError};
use kestrel_model::{LaunchEvent, SignatureText, mono_nanos};

use crate::dedup::{Arrival, Dedup};
use crate::extract::{Extracted, Extractor};
use crate::stats::EndpointStats;
use crate::{FeedEvent, SignatureUpdate, Stamped};

/// Told of each first-seen launch just before the strategy thread is, so that work every
/// bought launch needs (deriving its accounts) can start while the strategy decides.
pub type LaunchHook = Box<dyn Fn(&LaunchEvent) + Send + Sync>;

/// Where a sink hands each event. The pipeline's is the strategy thread's queue; the inline
/// layout's runs the kernel (and, for an order, signs and writes it) on the reading thread
/// before the next frame is read. Not `Send`: the feed's tasks run on one thread.
pub trait Destination {
    /// Hands `stamped` on; `Err` once the engine is closing.
    fn deliver(&self, stamped: Stamped, stats: Option<&EndpointStats>) -> Result<(), Closed>;
}

/// A full queue is counted, then waited on: market data is never dropped silently, and the
/// wait pushes back on the socket.
impl Destination for Sender<Stamped> {
    fn deliver(&self, stamped: Stamped, stats: Option<&EndpointStats>) -> Result<(), Closed> {
        match self.try_send(stamped) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(s)) => {
                if let Some(st) = stats {
                    st.queue_full.fetch_add(1, Relaxed);
                }
                self.send(s).map_err(|_| Closed)
            }
            Err(TrySendError::Disconnected(_)) => Err(Closed),
        }
    }
}

pub struct Sink {
    events: Box<dyn Destination>,
    launch_hook: Option<LaunchHook>,
    /// Async consumers (the confirmation tasks) wait on these.
    pub signatures: tokio::sync::mpsc::UnboundedSender<SignatureUpdate>,
    pub dedup: Arc<Dedup>,
    /// Highest slot forwarded, so each slot goes to the strategy once.
    max_slot: AtomicU64,
    /// `Some(offset)`: a replay, whose events are seen at their receive time plus `offset`
    /// (the capture's clock, so a replay decides as the recorded run did, and the same
    /// capture gives the same times); `None`: live, the system clock.
    capture_clock: Option<u64>,
}

/// Where and when a frame came in.
#[derive(Clone, Copy)]
pub struct Origin<'s> {
    pub endpoint: u8,
    pub stats: Option<&'s EndpointStats>,
    /// [`mono_nanos`] when its bytes were in hand.
    pub read_at: u64,
}

/// The strategy thread is gone: the engine is shutting down.
#[derive(Debug)]
pub struct Closed;

impl Sink {
    pub fn new(
        events: impl Destination + 'static,
        signatures: tokio::sync::mpsc::UnboundedSender<SignatureUpdate>,
    ) -> Self {
        Self {
            events: Box::new(events),
            launch_hook: None,
            signatures,
            dedup: Arc::new(Dedup::new()),
            max_slot: AtomicU64::new(0),
            capture_clock: None,
        }
    }

    /// Events are seen at `read_at + offset_ns` (a replay's wall time) instead of now.
    pub fn with_capture_clock(mut self, offset_ns: u64) -> Self {
        self.capture_clock = Some(offset_ns);
        self
    }

    pub fn with_launch_hook(mut self, hook: LaunchHook) -> Self {
        self.launch_hook = Some(hook);
        self
    }

    /// Hands an event over to its destination.
    pub fn send(&self, stamped: Stamped, stats: Option<&EndpointStats>) -> Result<(), Closed> {
        self.events.deliver(stamped, stats)
    }

    /// A transaction's logs from `from`: dropped if another endpoint delivered it first,
    /// else extracted and forwarded.
    pub fn transaction<'l>(
        &self,
        extractor: &mut Extractor,
        from: Origin<'_>,
        signature: SignatureText,
        slot: u64,
        lines: impl IntoIterator<Item = &'l str>,
    ) -> Result<(), Closed> {
        let Origin {
            endpoint,
            stats,
            read_at,
        } = from;
        match self.dedup.arrive(signature, endpoint, read_at) {
            Arrival::Duplicate { lag_ns, .. } => {
                if let Some(st) = stats {
                    st.duplicate(lag_ns);
                }
                return Ok(());
            }
            Arrival::First => {
                if let Some(st) = stats {
                    st.first.fetch_add(1, Relaxed);
                }
            }
        }
        let seen_at = match self.capture_clock {
            Some(offset) => kestrel_model::Timestamp(read_at.saturating_add(offset)),
            None => kestrel_model::SystemClock.now_ts(),
        };
        let mut result = Ok(());
        extractor.lines(lines, signature, slot, seen_at, &mut |e| {
            let event = match e {
                Extracted::Launch(l) => {
                    if let Some(hook) = &self.launch_hook {
                        hook(&l);
                    }
                    FeedEvent::Launch(l)
                }
                Extracted::Trade(t) => FeedEvent::Trade(t),
            };
            let stamped = Stamped {
                event,
                endpoint,
                read_at,
                decoded_at: self.decoded_at(read_at),
            };
            if result.is_ok() {
                result = self.send(stamped, stats);
            }
        });
        result
    }

    /// When a frame's events were decoded: now, live; in a replay its receive time, since a
    /// replay's decode time is not the live feed's (and reading the clock per event costs).
    fn decoded_at(&self, read_at: u64) -> u64 {
        match self.capture_clock {
            Some(_) => read_at,
            None => mono_nanos(),
        }
    }

    pub fn slot(&self, endpoint: u8, slot: u64, read_at: u64) -> Result<(), Closed> {
        if self.max_slot.fetch_max(slot, Relaxed) >= slot {
            return Ok(());
        }
        self.send(
            Stamped {
                event: FeedEvent::Slot(slot),
                endpoint,
                read_at,
                decoded_at: self.decoded_at(read_at),
            },
            None,
        )
    }

    pub fn signature(&self, update: SignatureUpdate) -> Result<(), Closed> {
        self.signatures.send(update).map_err(|_| Closed)
    }
}
