//! Entries: a launch the sniper and the guardian approve becomes a buy, and so does an
//! operator's buy. Both reserve their spend in the book as a pending buy before the order
//! leaves, so the guardian counts it at once.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_exec::tx::MintInfo;
use kestrel_feed::Stamped;
use kestrel_model::{Clock, Intent, LaunchEvent, Side, mono_nanos};
use kestrel_pump::curve::Reserves;
use kestrel_sniper::Decision;
use kestrel_units::QuoteAmount;

use crate::book::PendingBuy;
use crate::metrics::Stage;
use crate::order::{Order, Venue, Why};

use super::{Kernel, LaunchOutcome, reserves_of_launch};

impl<C: Clock> Kernel<C> {
    pub(super) fn on_launch(&mut self, l: &LaunchEvent, s: &Stamped) -> Option<Order> {
        self.metrics.launches.fetch_add(1, Relaxed);
        let kind = crate::metrics::launch_kind(l.quote, l.is_mayhem_mode, l.is_cashback);
        if let Some(c) = self.metrics.launches_by_kind.get(kind) {
            c.fetch_add(1, Relaxed);
        }
        self.recorder
            .record(Stage::Decode, s.decoded_at.saturating_sub(s.read_at));
        let intent = match self.sniper.on_launch(&l.as_launch()) {
            Decision::Skip(reason) => {
                if let Some(c) = self.metrics.skipped.get(reason as usize) {
                    c.fetch_add(1, Relaxed);
                }
                self.last_launch = Some(LaunchOutcome::Skipped(reason));
                return None;
            }
            Decision::Buy(intent) => intent,
        };
        let approved = match self.guardian.check(intent, &self.book) {
            Ok(a) => a,
            Err(refused) => {
                if let Some(c) = self.metrics.refused.get(refused.reason.index()) {
                    c.fetch_add(1, Relaxed);
                }
                self.last_launch = Some(LaunchOutcome::Refused(refused.reason));
                return None;
            }
        };
        let mint = MintInfo::of_launch(l);
        self.book.add_pending(PendingBuy {
            mint: l.mint,
            quote: l.quote,
            creator: l.creator,
            bonding_curve: l.bonding_curve,
            token_program: l.token_program,
            is_cashback: l.is_cashback,
            is_mayhem: l.is_mayhem_mode,
            spend: intent.spend(),
            signature: None,
        });
        let decided_at = mono_nanos();
        self.recorder
            .record(Stage::Decide, decided_at.saturating_sub(s.read_at));
        self.last_launch = Some(LaunchOutcome::Bought {
            order: self.next_order,
        });
        Some(self.order(
            Why::Snipe,
            approved,
            mint,
            reserves_of_launch(l),
            s.read_at,
            decided_at,
            Venue::Curve,
        ))
    }

    /// An operator's buy: through the guardian like any entry, on the curve, or through the
    /// route for a coin off its curve.
    pub(super) fn operator_buy(
        &mut self,
        info: MintInfo,
        reserves: Reserves,
        complete: bool,
        spend: QuoteAmount,
    ) -> Option<Order> {
        let venue = match (&self.routes, complete) {
            (Some(_), true) => Venue::Jupiter,
            (None, true) => {
                tracing::warn!(mint = %info.mint, "operator buy refused: the curve completed and off-curve routing is off");
                self.alert(format!(
                    "buy of {} refused: its curve completed and routing is off",
                    info.mint
                ));
                return None;
            }
            (_, false) => Venue::Curve,
        };
        let intent = Intent {
            mint: info.mint,
            creator: info.creator,
            side: Side::Buy {
                quote: info.quote,
                spend,
            },
            max_slippage: self.sell.slippage,
            cu_price_micro_lamports: self.sell.cu_price_micro_lamports,
            created_at: self.clock.now(),
        };
        let approved = match self.guardian.check(intent, &self.book) {
            Ok(a) => a,
            Err(r) => {
                if let Some(c) = self.metrics.refused.get(r.reason.index()) {
                    c.fetch_add(1, Relaxed);
                }
                tracing::warn!(mint = %info.mint, "operator buy refused: {}", r.reason);
                self.alert(format!("buy of {} refused: {}", info.mint, r.reason));
                return None;
            }
        };
        self.book.add_pending(PendingBuy {
            mint: info.mint,
            quote: info.quote,
            creator: info.creator,
            bonding_curve: info.bonding_curve,
            token_program: info.token_program,
            is_cashback: info.is_cashback,
            is_mayhem: info.is_mayhem,
            spend,
            signature: None,
        });
        tracing::info!(mint = %info.mint, spend = %info.quote.show(spend), "operator buy");
        let t = mono_nanos();
        Some(self.order(Why::Operator, approved, info, reserves, t, t, venue))
    }
}
