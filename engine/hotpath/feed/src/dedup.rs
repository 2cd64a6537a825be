//! First arrival wins: the signatures seen across all endpoints, with who saw each first and
//! when, so a later copy is dropped and its endpoint's lag behind the fastest is measured.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use kestrel_model::{SignatureText, mono_nanos};

/// How long a signature is remembered: far longer than any feed lags behind another, and
/// short enough that a busy feed (thousands of transactions a second) stays in tens of MB.
pub(crate) const KEEP: Duration = Duration::from_secs(60);

/// How often first arrivals older than [`KEEP`] are forgotten.
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Dedup {
    /// foldhash, seeded per process: every frame hashes its 88-byte signature here.
    seen: DashMap<SignatureText, (u8, u64), foldhash::fast::RandomState>,
}

/// The outcome for one copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    First,
    /// Seen before; `lag_ns` behind the first copy.
    Duplicate {
        lag_ns: u64,
        first_endpoint: u8,
    },
}

impl Dedup {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn arrive(&self, sig: SignatureText, endpoint: u8, at: u64) -> Arrival {
        match self.seen.entry(sig) {
            dashmap::Entry::Occupied(e) => {
                let (first_endpoint, first_at) = *e.get();
                Arrival::Duplicate {
                    lag_ns: at.saturating_sub(first_at),
                    first_endpoint,
                }
            }
            dashmap::Entry::Vacant(v) => {
                v.insert((endpoint, at));
                Arrival::First
            }
        }
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Forgets signatures older than `keep` (run off the hot path, every few seconds).
    pub fn prune(&self, now: u64, keep: Duration) {
        let keep = u64::try_from(keep.as_nanos()).unwrap_or(u64::MAX);
        self.seen
            .retain(|_, (_, at)| now.saturating_sub(*at) < keep);
    }
}

pub(crate) fn spawn_pruner(dedup: Arc<Dedup>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            dedup.prune(mono_nanos(), KEEP);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_copy_wins_and_later_copies_measure_lag() {
        let d = Dedup::new();
        let s = SignatureText::new("5abc");
        assert_eq!(d.arrive(s, 2, 1_000), Arrival::First);
        assert_eq!(
            d.arrive(s, 0, 1_700),
            Arrival::Duplicate {
                lag_ns: 700,
                first_endpoint: 2
            }
        );
        d.prune(10_000, Duration::from_nanos(5_000));
        assert!(d.is_empty());
        assert_eq!(d.arrive(s, 1, 20_000), Arrival::First);
    }
}
