//! A latency tap for the end-to-end benchmark: when a launch's create is published to
//! subscribers, and when a `sendTransaction` buying that mint arrives. Off unless a bench
//! installs it, so the cluster pays nothing for it otherwise.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use kestrel_decode::logs::{Item, LogDecoder};
use kestrel_decode::pump::PumpEvent;
use kestrel_pump::discriminator::instruction as disc;
use kestrel_pump::ids::PUMP_PROGRAM;
use solana_pubkey::Pubkey;

use crate::wire::Parsed;

#[derive(Default)]
pub struct LatencyTap {
    marks: Mutex<HashMap<Pubkey, Marks>>,
}

/// What the tap saw of one mint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub created: Option<Instant>,
    /// The first logsNotification carrying the create was written to a websocket.
    pub frame_written: Option<Instant>,
    /// The first buy of it that arrived.
    pub buy_received: Option<Instant>,
    pub buys_received: u32,
}

impl LatencyTap {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Pubkey, Marks>> {
        self.marks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A transaction landed and is being published: mark the launches it created.
    pub(crate) fn published(&self, logs: &[String], at: Instant) {
        if !logs
            .iter()
            .any(|l| l.starts_with("Program log: Instruction: Create"))
        {
            return;
        }
        let mut mints = Vec::new();
        LogDecoder::new().decode(logs.iter().map(String::as_str), |item| {
            if let Ok(d) = item
                && let Item::Pump(PumpEvent::Create(c)) = d.item
            {
                mints.push(c.mint);
            }
        });
        let mut m = self.lock();
        for mint in mints {
            m.entry(mint).or_default().created.get_or_insert(at);
        }
    }

    /// A logsNotification frame went out at `at`: mark the launches it carries.
    pub(crate) fn frame_written(&self, text: &str, at: Instant) {
        let Ok(kestrel_decode::frame::Frame::Logs(n)) = kestrel_decode::frame::parse_frame(text)
        else {
            return;
        };
        let mut mints = Vec::new();
        LogDecoder::new().decode(n.lines(), |item| {
            if let Ok(d) = item
                && let Item::Pump(PumpEvent::Create(c)) = d.item
            {
                mints.push(c.mint);
            }
        });
        let mut m = self.lock();
        for mint in mints {
            m.entry(mint).or_default().frame_written.get_or_insert(at);
        }
    }

    /// Per mint with all three marks: (published → frame written, frame written → buy
    /// received), in ns: the local cluster's share and the client's.
    pub fn split_ns(&self) -> Vec<(u64, u64)> {
        self.lock()
            .values()
            .filter_map(|m| {
                let (c, w, r) = (m.created?, m.frame_written?, m.buy_received?);
                let a = u64::try_from(w.checked_duration_since(c)?.as_nanos()).ok()?;
                let b = u64::try_from(r.checked_duration_since(w)?.as_nanos()).ok()?;
                Some((a, b))
            })
            .collect()
    }

    /// A `sendTransaction` arrived at `at`: mark the mints it buys on the curve.
    pub(crate) fn received(&self, p: &Parsed, at: Instant) {
        let keys = p.static_keys();
        let mut m = self.lock();
        for ix in p.tx.message.instructions() {
            if keys.get(usize::from(ix.program_id_index)) != Some(&PUMP_PROGRAM) {
                continue;
            }
            let is_buy =
                ix.data.starts_with(&disc::BUY) || ix.data.starts_with(&disc::BUY_EXACT_SOL_IN);
            let mint = ix.accounts.get(2).and_then(|i| keys.get(usize::from(*i)));
            if let (true, Some(mint)) = (is_buy, mint) {
                let e = m.entry(*mint).or_default();
                e.buy_received.get_or_insert(at);
                e.buys_received += 1;
            }
        }
    }

    pub fn marks(&self, mint: &Pubkey) -> Option<Marks> {
        self.lock().get(mint).copied()
    }

    /// Every mint with both marks: (create published → first buy received) in ns.
    pub fn latencies_ns(&self) -> Vec<u64> {
        self.lock()
            .values()
            .filter_map(|m| {
                let d = m.buy_received?.checked_duration_since(m.created?)?;
                u64::try_from(d.as_nanos()).ok()
            })
            .collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}
