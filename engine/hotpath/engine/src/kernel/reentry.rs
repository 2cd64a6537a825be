//! Re-entry: trades on mints we closed feed the re-entry strategy, which may buy back; a
//! position that closes starts being watched.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_exec::tx::MintInfo;
use kestrel_feed::Stamped;
use kestrel_model::{Clock, CurveTrade, Timestamp, mono_nanos};
use kestrel_pump::curve::Reserves;
use kestrel_reentry::{Closed, Decision as ReentryDecision, Price, Trade as ReentryTrade};

use crate::book::{PendingBuy, Position};
use crate::order::{Order, Venue, Why};

use super::{Held, Kernel, MintMeta, reserves_of_trade};

impl<C: Clock> Kernel<C> {
    /// A trade on a mint not held: re-entry's evidence, and maybe its entry.
    pub(super) fn on_watched_trade(&mut self, t: &CurveTrade, s: &Stamped) -> Option<Order> {
        let decision = self.reentry.on_trade(&ReentryTrade {
            mint: t.mint,
            user: t.user,
            is_buy: t.is_buy,
            quote_amount: t.quote_amount,
            price: Price {
                quote: t.virtual_quote_reserves,
                token: t.virtual_token_reserves,
            },
            at: self.clock.now(),
        })?;
        let intent = match decision {
            ReentryDecision::Pass(p) => {
                if let Some(c) = self.metrics.reentry_passes.get(p.index()) {
                    c.fetch_add(1, Relaxed);
                }
                return None;
            }
            ReentryDecision::Enter(intent) => intent,
        };
        let Some(meta) = self.watched.get(&t.mint).copied() else {
            self.reentry.entry_failed(&t.mint);
            return None;
        };
        let approved = match self.guardian.check(intent, &self.book) {
            Ok(a) => a,
            Err(refused) => {
                self.reentry.entry_failed(&t.mint);
                if let Some(c) = self.metrics.refused.get(refused.reason.index()) {
                    c.fetch_add(1, Relaxed);
                }
                return None;
            }
        };
        self.metrics.reentries.fetch_add(1, Relaxed);
        self.book.add_pending(PendingBuy {
            mint: t.mint,
            quote: meta.quote,
            creator: intent.creator,
            bonding_curve: meta.bonding_curve,
            token_program: meta.token_program,
            is_cashback: meta.is_cashback,
            is_mayhem: meta.is_mayhem,
            spend: intent.spend(),
            signature: None,
        });
        tracing::info!(mint = %t.mint, spend = %meta.quote.show(intent.spend()), "re-entering");
        let mint = MintInfo {
            mint: t.mint,
            quote: meta.quote,
            bonding_curve: meta.bonding_curve,
            creator: intent.creator,
            token_program: meta.token_program,
            is_cashback: meta.is_cashback,
            is_mayhem: meta.is_mayhem,
        };
        Some(self.order(
            Why::Reentry,
            approved,
            mint,
            reserves_of_trade(t),
            s.read_at,
            mono_nanos(),
            Venue::Curve,
        ))
    }

    /// A position closed: re-entry watches its mint from here.
    pub(super) fn close_for_reentry(
        &mut self,
        p: &Position,
        h: &Held,
        exit: Reserves,
        now: Timestamp,
    ) {
        if !self.reentry.config().enabled {
            return;
        }
        self.reentry.on_exit(Closed {
            mint: p.mint,
            quote: p.quote,
            creator: p.creator,
            high: h.high,
            exit: Price {
                quote: exit.virtual_quote,
                token: exit.virtual_token,
            },
            at: now,
        });
        if self.watched.len() >= self.watched.capacity() {
            let reentry = &self.reentry;
            self.watched.retain(|m, _| reentry.watching(m));
        }
        self.watched.insert(
            p.mint,
            MintMeta {
                quote: p.quote,
                bonding_curve: p.bonding_curve,
                token_program: p.token_program,
                is_cashback: p.is_cashback,
                is_mayhem: p.is_mayhem,
            },
        );
    }
}
