//! `clock`: the wall clock.

use crate::wit::latest::kestrel::plugin::clock;

use super::State;

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl clock::Host for State {
    fn now_ms(&mut self) -> u64 {
        now_ms()
    }
}
