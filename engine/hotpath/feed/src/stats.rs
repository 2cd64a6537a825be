//! Per-endpoint counters, written by the endpoint's task and read by the status line and
//! `/metrics` (relaxed atomics: counters, not synchronisation).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

pub struct EndpointStats {
    /// The URL with secrets removed.
    pub name: String,
    pub connected: AtomicBool,
    pub frames: AtomicU64,
    /// Transactions this endpoint delivered before any other.
    pub first: AtomicU64,
    pub duplicates: AtomicU64,
    /// Sum and maximum of how far behind the first copy this endpoint's duplicates came.
    pub lag_ns_total: AtomicU64,
    pub lag_ns_max: AtomicU64,
    pub disconnects: AtomicU64,
    pub connect_failures: AtomicU64,
    pub bad_frames: AtomicU64,
    /// Times the strategy queue was full when this endpoint had an event for it.
    pub queue_full: AtomicU64,
}

impl EndpointStats {
    pub fn new(name: String) -> Self {
        Self {
            name,
            connected: AtomicBool::new(false),
            frames: AtomicU64::new(0),
            first: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            lag_ns_total: AtomicU64::new(0),
            lag_ns_max: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            connect_failures: AtomicU64::new(0),
            bad_frames: AtomicU64::new(0),
            queue_full: AtomicU64::new(0),
        }
    }

    pub(crate) fn duplicate(&self, lag_ns: u64) {
        self.duplicates.fetch_add(1, Relaxed);
        self.lag_ns_total.fetch_add(lag_ns, Relaxed);
        self.lag_ns_max.fetch_max(lag_ns, Relaxed);
    }

    /// Mean lag behind the fastest endpoint over this endpoint's duplicates, in µs.
    pub fn mean_lag_us(&self) -> u64 {
        let n = self.duplicates.load(Relaxed);
        if n == 0 {
            return 0;
        }
        self.lag_ns_total.load(Relaxed) / n / 1_000
    }
}
