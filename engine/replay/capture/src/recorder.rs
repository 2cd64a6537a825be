//! The feeds' side of recording: a frame is copied into a bounded queue and the feed goes on
//! (never a wait, never a write on its thread); a thread of its own compresses and appends.
//! A full queue drops the frame and counts it: the capture says it is incomplete rather than
//! slow the hot path down.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError};

use crate::{Header, Record, WriteError, Writer};

/// Frames waiting for the writer, at most: 650,000 frames a second at one drain per
/// [`DRAIN_EVERY`].
const QUEUE: usize = 65_536;
/// The writer drains the queue and makes what it took durable this often.
const DRAIN_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
pub struct RecorderStats {
    pub recorded: AtomicU64,
    /// Frames the full queue dropped.
    pub dropped: AtomicU64,
    /// Write errors (the recording stops at the first).
    pub failed: AtomicU64,
}

/// A handle the feeds hold. Cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    tx: Sender<Record>,
    pub stats: Arc<RecorderStats>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

/// The writing side: stop it to make the capture complete.
pub struct Recording {
    stop: Option<Sender<Record>>,
    thread: Option<JoinHandle<Result<u64, WriteError>>>,
    pub stats: Arc<RecorderStats>,
}

impl Recorder {
    /// Starts recording into `path` (rotated past `max_bytes`; 0: never).
    pub fn start(
        path: &Path,
        header: Header,
        max_bytes: u64,
    ) -> Result<(Self, Recording), WriteError> {
        Self::start_with(path, header, max_bytes, || {})
    }

    /// [`Recorder::start`], with `on_thread` run first on the writer's thread (the engine
    /// lowers its priority there, so compressing never preempts the hot thread).
    pub fn start_with(
        path: &Path,
        header: Header,
        max_bytes: u64,
        on_thread: fn(),
    ) -> Result<(Self, Recording), WriteError> {
        let writer = Writer::create(path, header, max_bytes)?;
        let (tx, rx) = crossbeam_channel::bounded(QUEUE);
        let stats = Arc::new(RecorderStats::default());
        let s = stats.clone();
        let thread = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                on_thread();
                write_all(writer, rx, &s)
            })
            .map_err(|e| WriteError::Io(path.to_owned(), e))?;
        Ok((
            Self {
                tx: tx.clone(),
                stats: stats.clone(),
            },
            Recording {
                stop: Some(tx),
                thread: Some(thread),
                stats,
            },
        ))
    }

    /// A frame as received: copied and queued, never waited on.
    pub fn frame(&self, endpoint: usize, at_ns: u64, text: &str) {
        self.offer(Record::Frame {
            endpoint: u16::try_from(endpoint).unwrap_or(u16::MAX),
            at_ns,
            text: text.as_bytes().to_vec(),
        });
    }

    /// A request sent to the endpoint (a subscription).
    pub fn sent(&self, endpoint: usize, at_ns: u64, text: &str) {
        self.offer(Record::Sent {
            endpoint: u16::try_from(endpoint).unwrap_or(u16::MAX),
            at_ns,
            text: text.as_bytes().to_vec(),
        });
    }

    /// The endpoint connected (again): a new session's subscriptions follow.
    pub fn connected(&self, endpoint: usize, at_ns: u64) {
        self.offer(Record::Connected {
            endpoint: u16::try_from(endpoint).unwrap_or(u16::MAX),
            at_ns,
        });
    }

    pub fn slot(&self, endpoint: usize, at_ns: u64, slot: u64) {
        self.offer(Record::Slot {
            endpoint: u16::try_from(endpoint).unwrap_or(u16::MAX),
            at_ns,
            slot,
        });
    }

    fn offer(&self, r: Record) {
        match self.tx.try_send(r) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.stats.dropped.fetch_add(1, Relaxed);
            }
        }
    }
}

fn write_all(
    mut w: Writer,
    rx: Receiver<Record>,
    stats: &RecorderStats,
) -> Result<u64, WriteError> {
    let fail = |e: WriteError| {
        stats.failed.fetch_add(1, Relaxed);
        e
    };
    loop {
        // Asleep between drains, never blocked on the queue: a blocked receiver would make
        // every frame's send wake this thread, a cost paid on the feed's (the hot) thread.
        std::thread::sleep(DRAIN_EVERY);
        loop {
            match rx.try_recv() {
                Ok(r) => {
                    w.push(&r).map_err(fail)?;
                    stats.recorded.fetch_add(1, Relaxed);
                }
                Err(TryRecvError::Empty) => break,
                // Every sender gone: the session is over.
                Err(TryRecvError::Disconnected) => {
                    w.flush().map_err(fail)?;
                    return Ok(w.records);
                }
            }
        }
        w.flush().map_err(fail)?;
    }
}

impl Recording {
    /// Stops once the feeds' handles are dropped, and writes out what is queued; the records
    /// written.
    pub fn finish(mut self) -> Result<u64, WriteError> {
        self.stop.take();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) | None => Ok(self.stats.recorded.load(Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reader;

    #[test]
    fn frames_recorded_from_several_threads_all_reach_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.kcap");
        let header = Header {
            endpoints: vec!["a".into(), "b".into()],
            started_ms: 0,
            writer: "test".into(),
            wallet: None,
        };
        let (rec, recording) = Recorder::start(&p, header, 0).unwrap();
        let threads: Vec<_> = (0..2)
            .map(|e| {
                let rec = rec.clone();
                std::thread::spawn(move || {
                    for i in 0..1_000u64 {
                        rec.frame(e, i, "{\"frame\":1}");
                        rec.slot(e, i, i);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(rec);
        assert_eq!(recording.finish().unwrap(), 4_000);
        assert_eq!(
            Reader::open(&p).unwrap().filter(Result::is_ok).count(),
            4_000
        );
    }
}
