//! The replay's clock: the capture's time, moved by the driver as each record is handed on.
//! The kernel reads it as it reads the system clock live, so its timed rules (max hold,
//! re-entry windows, the daily loss limit's day) run on recorded time.

use std::cell::Cell;
use std::rc::Rc;

use kestrel_model::{Clock, Timestamp};

/// Clones share one time; it never goes back.
#[derive(Clone, Debug, Default)]
pub struct ReplayClock(Rc<Cell<u64>>);

impl ReplayClock {
    /// Moves to `ns` (Unix epoch nanoseconds), unless that is earlier than now.
    pub fn advance_to(&self, ns: u64) {
        if ns > self.0.get() {
            self.0.set(ns);
        }
    }
}

impl Clock for ReplayClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.get())
    }
}
