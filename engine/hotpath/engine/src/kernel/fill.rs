//! Fills: a buy opens a position, a sell shrinks or closes one; the fill, its outcome and the
//! position it left are journaled as one record.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_feed::Watch;
use kestrel_guardian::exits::ExitReason;
use kestrel_model::{Clock, Timestamp, mono_nanos};
use kestrel_store::{FillRecord, PositionRecord, Record, TradeSide};
use kestrel_units::QuoteAmount;

use crate::book::Position;
use crate::order::{EngineEvent, Fill, Why};

use super::Kernel;
use super::SellFailures;

impl<C: Clock> Kernel<C> {
    pub(super) fn on_fill(&mut self, f: Fill) {
        let now = self.clock.now();
        let mut realized = 0;
        let mut closed = None;
        if f.is_buy {
            let Some(p) = self.book.pending_buy(&f.mint).copied() else {
                tracing::warn!(mint = %f.mint, "a buy filled that the book did not expect");
                self.emit(EngineEvent::Fill {
                    fill: f,
                    realized: None,
                });
                return;
            };
            let paid = f.quote_amount.checked_add(f.fees).unwrap_or(f.quote_amount);
            let pos = Position {
                mint: f.mint,
                quote: p.quote,
                creator: p.creator,
                bonding_curve: p.bonding_curve,
                token_program: p.token_program,
                is_cashback: p.is_cashback,
                is_mayhem: p.is_mayhem,
                tokens: f.tokens,
                cost: paid,
                opened_at: now,
                mark: f.reserves_after,
                mark_slot: f.slot,
                // A coin bought off its curve (a graduated curve's reserves are all zero).
                complete: f.reserves_after.virtual_token.0 == 0,
                selling: false,
            };
            self.book.fill_buy(pos, paid, f.network_fee);
            let reentries = self.reentry.entries_in(&f.mint);
            let h = self.held.entry(f.mint).or_default();
            h.reentries = reentries;
            h.dirty = true;
            self.metrics.bought.fetch_add(1, Relaxed);
            if let Some(feed) = &self.feed {
                feed.watch(Watch::Account(p.bonding_curve));
            }
            if let Some(r) = &self.routes
                && r.curve_via_jupiter
            {
                r.holdings.insert(f.mint, f.tokens.0);
            }
            tracing::info!(mint = %f.mint, tokens = f.tokens.0, paid = %p.quote.show(paid), why = f.why.name(), sig = %f.signature, "bought");
        } else {
            let received = f
                .quote_amount
                .checked_sub(f.fees)
                .unwrap_or(QuoteAmount::ZERO);
            let Some(before) = self.book.position(&f.mint).copied() else {
                tracing::warn!(mint = %f.mint, "a sell filled for a position the book does not hold");
                self.emit(EngineEvent::Fill {
                    fill: f,
                    realized: None,
                });
                return;
            };
            let pnl = self
                .book
                .fill_sell(&f.mint, before.quote, f.tokens, received, f.network_fee);
            realized = pnl;
            if let Some(p) = self.book.position_mut(&f.mint) {
                p.observe_fill(f.reserves_after, f.slot);
            }
            if let Some(h) = self.held.get_mut(&f.mint) {
                h.realized = h.realized.saturating_add(pnl);
                if matches!(f.why, Why::Exit(ExitReason::TakeProfit { .. })) {
                    h.tracker.level_filled();
                }
                h.failures = SellFailures::default();
                h.announced = None;
                h.dirty = true;
            }
            self.metrics.sold.fetch_add(1, Relaxed);
            // Realized PnL as the journal's daily figure states it (trading fees in), so a
            // restart restores exactly what the limit saw.
            if let Some(state) = self.guardian.record_realized(before.quote, pnl, now) {
                tracing::warn!(
                    state = state.name(),
                    "daily loss limit reached: no new entries until resumed"
                );
                self.record_state("daily_loss_limit");
            }
            if let Some(r) = &self.routes {
                match self.book.position(&f.mint) {
                    Some(p) if r.holdings.contains_key(&f.mint) => {
                        r.holdings.insert(f.mint, p.tokens.0);
                    }
                    None => {
                        r.holdings.remove(&f.mint);
                    }
                    Some(_) => {}
                }
            }
            if self.book.position(&f.mint).is_none() {
                closed = Some(before);
                if self.held.get(&f.mint).is_some_and(|h| h.graduated_flagged) {
                    self.metrics.graduated_held.fetch_sub(1, Relaxed);
                }
                if let Some(feed) = &self.feed {
                    feed.unwatch(Watch::Account(before.bonding_curve));
                }
            }
            tracing::info!(mint = %f.mint, tokens = f.tokens.0, received = %before.quote.show(received), pnl = %before.quote.show_signed(pnl), why = f.why.name(), "sold");
        }
        self.emit(EngineEvent::Fill {
            fill: f,
            realized: (!f.is_buy).then_some(realized),
        });
        let side = if f.is_buy {
            TradeSide::Buy
        } else {
            TradeSide::Sell
        };
        let fill = FillRecord {
            signature: f.signature,
            order_id: f.order,
            mint: f.mint,
            side,
            tokens: f.tokens.0,
            quote: f.quote,
            sol_lamports: f.quote_amount.0,
            fee_lamports: f.fees.0,
            network_fee: f.network_fee.0,
            wallet_delta: f.wallet_delta,
            realized,
            slot: f.slot,
            at_ns: now.0,
        };
        let position = match (closed, self.book.position(&f.mint).copied()) {
            (Some(before), _) => Some(self.position_record(&before, Some(now))),
            (None, Some(p)) => Some(self.position_record(&p, None)),
            (None, None) => None,
        };
        if let Some(position) = position {
            // One record: the fill, its outcome and the position it left commit together.
            self.record(Record::Fill {
                fill,
                position,
                cause: f.why.name(),
            });
        }
        match closed {
            Some(before) => {
                let h = self.held.remove(&f.mint).unwrap_or_default();
                self.close_for_reentry(&before, &h, f.reserves_after, now);
            }
            None => {
                if let Some(h) = self.held.get_mut(&f.mint) {
                    h.dirty = false;
                }
            }
        }
        self.publish(mono_nanos(), false);
    }

    pub(super) fn position_record(
        &self,
        p: &Position,
        closed: Option<Timestamp>,
    ) -> PositionRecord {
        let h = self.held.get(&p.mint).copied().unwrap_or_default();
        let open = closed.is_none();
        PositionRecord {
            mint: p.mint,
            creator: p.creator,
            bonding_curve: p.bonding_curve,
            token_2022: p.token_program.is_2022(),
            is_cashback: p.is_cashback,
            is_mayhem: p.is_mayhem,
            quote: p.quote,
            tokens: if open { p.tokens.0 } else { 0 },
            cost: if open { p.cost.0 } else { 0 },
            realized: h.realized,
            opened_ns: p.opened_at.0,
            peak_ratio: h.tracker.peak_ratio,
            levels_done: h.tracker.levels_done,
            reentries: h.reentries,
            mark_sol: p.mark.virtual_quote.0,
            mark_token: p.mark.virtual_token.0,
            high_sol: h.high.quote.0,
            high_token: h.high.token.0,
            complete: p.complete,
            closed_ns: closed.map(|t| t.0),
            updated_ns: self.clock.now().0,
        }
    }
}
