//! Fault injection, per run: the failures a trading engine must survive on mainnet, on demand.

use std::sync::Mutex;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to break. Rates are probabilities in 0..=1 (not money; floats are fine here).
#[derive(Debug, Default)]
pub struct Faults {
    /// Close every websocket connection this long after it opened (again and again).
    pub ws_drop_every: Option<Duration>,
    /// Chance, per notification, that the connection is dropped instead of sent to.
    pub ws_drop_chance: f64,
    /// Refuse new connections (RPC and websocket) in this window after start: (from, length).
    pub refuse_connections: Option<(Duration, Duration)>,
    /// Share of RPC requests answered with HTTP 429 and `Retry-After`.
    pub rpc_429_rate: f64,
    pub retry_after_secs: u64,
    /// Added to every notification.
    pub notify_delay: Duration,
    /// Share of notifications sent twice.
    pub notify_duplicate_rate: f64,
    /// Added to every RPC response.
    pub rpc_delay: Duration,
    rng: Option<Mutex<ChaCha8Rng>>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Seeds the dice so a faulty run repeats.
    pub fn seeded(mut self, seed: u64) -> Self {
        self.rng = Some(Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0xFA17)));
        self
    }

    /// True with probability `rate`.
    pub fn roll(&self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        if rate >= 1.0 {
            return true;
        }
        match &self.rng {
            Some(rng) => rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .random_bool(rate),
            None => rand::rng().random_bool(rate),
        }
    }

    /// Whether a connection arriving `since_start` after start is refused.
    pub fn refusing(&self, since_start: Duration) -> bool {
        self.refuse_connections
            .is_some_and(|(from, len)| since_start >= from && since_start < from + len)
    }
}
