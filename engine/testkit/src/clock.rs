//! A clock the test moves by hand, shared between the test and the kernel that owns a copy.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use kestrel_model::{Clock, Timestamp};

/// Starts at a fixed, non-zero time (2026-01-01 00:00 UTC) so that "since" arithmetic is
/// never at the edge of zero; clones share one time.
#[derive(Clone, Debug)]
pub struct TestClock(Arc<AtomicU64>);

/// 2026-01-01T00:00:00Z in nanoseconds since the Unix epoch.
pub const START: Timestamp = Timestamp(1_767_225_600_000_000_000);

impl Default for TestClock {
    fn default() -> Self {
        Self(Arc::new(AtomicU64::new(START.0)))
    }
}

impl TestClock {
    /// Moves time forward by `d`.
    pub fn advance(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(ns, Relaxed);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Relaxed))
    }
}
