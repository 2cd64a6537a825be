//! Publishing: histograms, gauges and position views for the control plane, and peaks
//! that moved written to the journal; rate-limited, off the decision path.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_model::{Clock, Quote};
use kestrel_store::Record;
use solana_pubkey::Pubkey;

use crate::order::EngineEvent;

use super::Kernel;

impl<C: Clock> Kernel<C> {
    /// Publishes histograms, gauges and position views (rate-limited unless `force`).
    pub fn publish(&mut self, now: u64, force: bool) {
        self.recorder.maybe_publish(&self.metrics, now, force);
        let m = &self.metrics;
        let open = self.book.positions().count() as u64;
        m.open_positions.store(open, Relaxed);
        let exposure = |q| -> u64 {
            self.book
                .positions()
                .filter(|p| p.quote == q)
                .map(|p| p.cost.0)
                .sum()
        };
        m.exposure_lamports.store(exposure(Quote::Sol), Relaxed);
        m.exposure_usdc_units.store(exposure(Quote::Usdc), Relaxed);
        let (realized, unrealized) = (self.book.realized(), self.book.unrealized(self.rates));
        m.realized_pnl_lamports.store(realized.sol, Relaxed);
        m.unrealized_pnl_lamports.store(unrealized.sol, Relaxed);
        m.realized_pnl_usdc_units.store(realized.usdc, Relaxed);
        m.unrealized_pnl_usdc_units.store(unrealized.usdc, Relaxed);
        m.wallet_lamports.store(self.book.wallet().0, Relaxed);
        m.trading_state.store(self.guardian.state().code(), Relaxed);
        if force || self.views.len() != self.book.positions().count() {
            self.views.retain(|k, _| self.book.position(k).is_some());
        }
        for p in self.book.positions() {
            self.views.insert(p.mint, *p);
        }
        // Peaks and highs moved since the journal last saw them (a restart resumes trailing
        // stops from here).
        if self.journal.is_some() && self.held.values().any(|h| h.dirty) {
            let dirty: Vec<Pubkey> = self
                .held
                .iter()
                .filter(|(_, h)| h.dirty)
                .map(|(m, _)| *m)
                .collect();
            for mint in dirty {
                if let Some(p) = self.book.position(&mint).copied() {
                    let rec = self.position_record(&p, None);
                    self.record(Record::Position {
                        position: rec,
                        cause: "mark",
                    });
                }
                if let Some(h) = self.held.get_mut(&mint) {
                    h.dirty = false;
                }
            }
        }
    }

    pub(super) fn record_state(&self, cause: &'static str) {
        self.emit(EngineEvent::State(self.guardian.state()));
        self.record(Record::Guardian {
            state: self.guardian.state().name(),
            cause,
            at_ns: self.clock.now().0,
        });
    }
}
