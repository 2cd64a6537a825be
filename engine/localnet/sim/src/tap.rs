//! A latency tap for the end-to-end benchmark: when a launch's create is published to
//! subscribers, and when a `sendTransaction` buying that mint arrives. Off unless a bench
//! installs it, so the cluster pays nothing for it otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kestrel_decode::logs::{Item, LogDecoder};
use kestrel_decode::pump::PumpEvent;
use kestrel_pump::discriminator::instruction as disc;
use kestrel_pump::ids::PUMP_PROGRAM;
use solana_pubkey::Pubkey;

use crate::ledger::bank::TxRecord;
use crate::ledger::wire::Parsed;

#[derive(Default)]
pub struct LatencyTap {
    marks: Mutex<HashMap<Pubkey, Marks>>,
    /// Creates published and frames written, not yet decoded. Decoding waits until the marks
    /// are read, so the tap adds next to nothing to the path it measures (the cluster runs
    /// its publishing and its RPC on one thread in the benchmark).
    unread: Mutex<Unread>,
}

#[derive(Default)]
struct Unread {
    published: Vec<(Arc<TxRecord>, Instant)>,
    written: Vec<(String, Instant)>,
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

fn relock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The mints a transaction's log lines create.
fn created_mints<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<Pubkey> {
    let mut mints = Vec::new();
    LogDecoder::new().decode(lines, |item| {
        if let Ok(d) = item
            && let Item::Pump(PumpEvent::Create(c)) = d.item
        {
            mints.push(c.mint);
        }
    });
    mints
}

impl LatencyTap {
    pub fn new() -> Self {
        Self::default()
    }

    /// The marks, with everything seen so far decoded into them (in the order seen, so the
    /// first publish and the first frame of a mint are the ones kept).
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Pubkey, Marks>> {
        let unread = std::mem::take(&mut *relock(&self.unread));
        let mut m = relock(&self.marks);
        for (record, at) in unread.published {
            for mint in created_mints(record.logs.iter().map(String::as_str)) {
                m.entry(mint).or_default().created.get_or_insert(at);
            }
        }
        for (text, at) in unread.written {
            if let Ok(kestrel_decode::frame::Frame::Logs(n)) =
                kestrel_decode::frame::parse_frame(&text)
            {
                for mint in created_mints(n.lines()) {
                    m.entry(mint).or_default().frame_written.get_or_insert(at);
                }
            }
        }
        m
    }

    /// A transaction landed and is being published at `at`: kept if it creates a launch.
    pub(crate) fn published(&self, record: &Arc<TxRecord>, at: Instant) {
        if record
            .logs
            .iter()
            .any(|l| l.starts_with("Program log: Instruction: Create"))
        {
            relock(&self.unread).published.push((record.clone(), at));
        }
    }

    /// A logsNotification frame carrying a create went out at `at`.
    pub(crate) fn frame_written(&self, text: String, at: Instant) {
        relock(&self.unread).written.push((text, at));
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
        let mut m = relock(&self.marks);
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
        *relock(&self.unread) = Unread::default();
        relock(&self.marks).clear();
    }
}
