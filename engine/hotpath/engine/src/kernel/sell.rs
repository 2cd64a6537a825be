//! Sell orders: one way to turn "sell this share of that mint" into an approved order, for
//! exits, the kill switch and the operator alike (route chosen, guardian checked, the
//! position marked selling so no second sell overlaps it).

use std::sync::atomic::Ordering::Relaxed;

use kestrel_exec::tx::MintInfo;
use kestrel_guardian::exits::ExitReason;
use kestrel_model::{Clock, Intent, Side, mono_nanos};
use kestrel_units::{Bps, TokenAmount};
use solana_pubkey::Pubkey;

use crate::order::{EngineEvent, Order, Venue, Why};

use super::{Kernel, SellFailures};

impl<C: Clock> Kernel<C> {
    pub(super) fn sell_order(&mut self, mint: Pubkey, percent: u8, why: Why) -> Option<Order> {
        let p = *self.book.position(&mint)?;
        if p.selling {
            return None;
        }
        let now = self.clock.now();
        let failures = {
            let f = &mut self.held.entry(mint).or_default().failures;
            // The operator's own sell, or a market that moved since the kernel stopped, starts
            // afresh; otherwise a stopped position waits, and a failed one waits its turn.
            let moved = f.holding.is_some_and(|m| m != p.mark);
            if why == Why::Exit(ExitReason::Manual) || moved {
                *f = SellFailures::default();
            }
            if f.holding.is_some() || now < f.retry_at {
                return None;
            }
            f.count
        };
        let venue = match &self.routes {
            Some(r) if p.complete || r.curve_via_jupiter => Venue::Jupiter,
            _ if p.complete => {
                tracing::warn!(%mint, "curve complete: cannot sell on the curve, and off-curve routing is off");
                return None;
            }
            _ => Venue::Curve,
        };
        let pct = u128::from(percent.min(100));
        let tokens = u64::try_from(u128::from(p.tokens.0) * pct / 100).unwrap_or(p.tokens.0);
        if tokens == 0 {
            return None;
        }
        let intent = Intent {
            mint,
            creator: p.creator,
            side: Side::Sell {
                tokens: TokenAmount(tokens),
            },
            max_slippage: self.sell_slippage(failures),
            cu_price_micro_lamports: self.sell.cu_price_micro_lamports,
            created_at: now,
        };
        let approved = match self.guardian.check(intent, &self.book) {
            Ok(a) => a,
            Err(r) => {
                if let Some(c) = self.metrics.refused.get(r.reason.index()) {
                    c.fetch_add(1, Relaxed);
                }
                tracing::warn!(%mint, "sell refused: {}", r.reason);
                return None;
            }
        };
        if let Some(pm) = self.book.position_mut(&mint) {
            pm.selling = true;
        }
        if let Why::Exit(reason) = why {
            if let Some(c) = self.metrics.exits.get(reason.index()) {
                c.fetch_add(1, Relaxed);
            }
            let held = self.held.entry(mint).or_default();
            let first = held.announced != Some(reason);
            held.announced = Some(reason);
            if reason != ExitReason::Manual && first {
                self.emit(EngineEvent::Exit { mint, reason });
            }
        }
        tracing::info!(%mint, percent, why = why.name(), "selling");
        let t = mono_nanos();
        let info = MintInfo {
            mint,
            quote: p.quote,
            bonding_curve: p.bonding_curve,
            creator: p.creator,
            token_program: p.token_program,
            is_cashback: p.is_cashback,
            is_mayhem: p.is_mayhem,
        };
        Some(self.order(why, approved, info, p.mark, t, t, venue))
    }

    /// A sell's slippage after `failures` failed on chain in a row: half the configured
    /// slippage wider per failure, never past the guardian's cap (which would refuse it).
    fn sell_slippage(&self, failures: u32) -> Bps {
        let base = self.sell.slippage.0;
        let widened = base.saturating_add((base / 2).saturating_mul(u64::from(failures)));
        let cap = self.guardian.limits().max_slippage.0.max(base);
        Bps(widened.min(cap))
    }
}
