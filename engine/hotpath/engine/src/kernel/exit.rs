//! Exits: a held mint's mark moves (a trade, a curve update, the timer) and the exit rules
//! decide whether to sell and how much; graduated coins leave through the route.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_guardian::TradingState;
use kestrel_guardian::exits::{ExitReason, Holding, Mark};
use kestrel_model::{Clock, CurveUpdate};
use kestrel_reentry::Price;
use solana_pubkey::Pubkey;

use crate::order::{Order, Why};

use super::{Kernel, reserves_of_curve};

impl<C: Clock> Kernel<C> {
    /// A curve account update: the mark of the position on it. Returns its mint.
    pub(super) fn on_curve(&mut self, c: &CurveUpdate) -> Option<Pubkey> {
        let mint = self
            .book
            .positions()
            .find(|p| p.bonding_curve == c.bonding_curve)
            .map(|p| p.mint)?;
        let p = self.book.position_mut(&mint)?;
        p.observe(reserves_of_curve(c), c.slot);
        // The creator the curve names now: sells pay the vault derived from it (a creator
        // delegated to fee sharing changes it; a vault from a stale creator is 2006).
        if let Some(creator) = c.creator
            && creator != p.creator
            && c.slot >= p.mark_slot
        {
            tracing::info!(%mint, old = %p.creator, new = %creator, "the curve's creator changed");
            p.creator = creator;
        }
        p.complete = c.complete;
        Some(mint)
    }

    /// Runs the exit rules on a held mint after its mark moved.
    pub(super) fn evaluate_exit(&mut self, mint: Pubkey, creator_sold: bool) -> Option<Order> {
        let p = *self.book.position(&mint)?;
        let now = self.clock.now();
        let held = self.held.entry(mint).or_default();
        held.creator_sold |= creator_sold;
        let price = Price {
            quote: p.mark.virtual_quote,
            token: p.mark.virtual_token,
        };
        let high = held.high.max(price);
        if high != held.high {
            held.high = high;
            held.dirty = true;
        }
        if p.selling {
            return None;
        }
        if p.complete {
            let first = !held.graduated_flagged;
            held.graduated_flagged = true;
            let retry_at = held.route_retry_at;
            let Some(routes) = &self.routes else {
                if first {
                    self.metrics.graduated_held.fetch_add(1, Relaxed);
                    tracing::warn!(%mint, tokens = p.tokens.0, "curve complete: this position cannot be sold on the curve, and off-curve routing is off ([route] enabled = false)");
                }
                return None;
            };
            if first {
                self.metrics.graduated_held.fetch_add(1, Relaxed);
                routes.holdings.insert(mint, p.tokens.0);
                tracing::info!(%mint, tokens = p.tokens.0, "curve complete: the position now exits through the Jupiter route");
            }
            let reducing = self.guardian.state() == TradingState::Reducing;
            if !(routes.sell_on_graduation || reducing) || now < retry_at {
                return None;
            }
            let why = if reducing {
                ExitReason::Kill
            } else {
                ExitReason::Graduated
            };
            return self.sell_order(mint, 100, Why::Exit(why));
        }
        if self.guardian.state() == TradingState::Reducing {
            return self.sell_order(mint, 100, Why::Exit(ExitReason::Kill));
        }
        let mark = Mark {
            virtual_quote: p.mark.virtual_quote,
            virtual_token: p.mark.virtual_token,
            real_quote: p.mark.real_quote,
        };
        let holding = Holding {
            tokens: p.tokens,
            cost: p.cost,
            held_for: now.since(p.opened_at),
        };
        let peak = held.tracker.peak_ratio;
        let exit = held
            .tracker
            .evaluate(&self.exits, &mark, &holding, held.creator_sold);
        held.dirty |= held.tracker.peak_ratio != peak;
        let e = exit?;
        if let ExitReason::TakeProfit { level } = e.reason {
            held.tracker.level_sent(level);
        }
        let order = self.sell_order(mint, e.percent, Why::Exit(e.reason));
        if order.is_none()
            && let Some(h) = self.held.get_mut(&mint)
        {
            h.tracker.level_failed();
        }
        order
    }

    /// Time-driven work, every few hundred milliseconds: hold-time exits, and REDUCING's
    /// sells retried until everything is sold. Orders go to `out`.
    pub fn on_timer(&mut self, out: &mut Vec<Order>) {
        // Graduated coins get no more curve updates: the timer drives their exits (and their
        // retries), also for positions restored complete after a restart.
        let graduated_exits = self.routes.as_ref().is_some_and(|r| r.sell_on_graduation)
            && self.book.positions().any(|p| p.complete);
        if self.exits.max_hold.is_none()
            && self.guardian.state() != TradingState::Reducing
            && !graduated_exits
        {
            return;
        }
        let mut mints: Vec<Pubkey> = self.book.positions().map(|p| p.mint).collect();
        // In mint order, not the map's: the same book makes the same orders (backtests are
        // byte-identical run to run).
        mints.sort_unstable();
        for mint in mints {
            if let Some(o) = self.evaluate_exit(mint, false) {
                out.push(o);
            }
        }
    }
}
