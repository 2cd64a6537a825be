//! Execution reports: sent, filled, failed, balance. Failures release what the order
//! reserved (a pending buy, a position's selling flag, a take-profit level) and book the
//! network fee a failed transaction still paid.

use std::sync::atomic::Ordering::Relaxed;

use kestrel_model::Clock;
use kestrel_store::{CostRecord, OutcomeRecord, Record};
use solana_pubkey::Pubkey;

use crate::order::{ChainError, ExecReport, FailReason, Why};

use super::{Kernel, MAX_SELL_FAILURES, ROUTE_RETRY, SELL_RETRY};

impl<C: Clock> Kernel<C> {
    /// A report from execution.
    pub fn on_report(&mut self, r: ExecReport) {
        match r {
            ExecReport::Sent {
                mint,
                is_buy,
                signature,
                retries,
                ..
            } => {
                self.metrics.sends.fetch_add(1, Relaxed);
                self.metrics
                    .send_retries
                    .fetch_add(u64::from(retries), Relaxed);
                if is_buy {
                    self.book.set_pending_signature(&mint, signature);
                }
            }
            ExecReport::Filled(f) => self.on_fill(f),
            ExecReport::Failed {
                order,
                why,
                mint,
                is_buy,
                reason,
                landed,
            } => {
                tracing::warn!(%mint, is_buy, order, why = why.name(), "order failed: {reason}");
                if let FailReason::OnChain(e) = &reason {
                    self.metrics.count_chain_failure(e.program);
                }
                if let Some(l) = landed {
                    self.book.charge(l.network_fee);
                    self.metrics
                        .failed_tx_fees_lamports
                        .fetch_add(l.network_fee.0, Relaxed);
                    self.record(Record::Cost(CostRecord {
                        signature: l.signature,
                        order_id: order,
                        network_fee: l.network_fee.0,
                        wallet_delta: l.wallet_delta,
                        slot: l.slot,
                        at_ns: self.clock.now().0,
                    }));
                }
                self.record(Record::Outcome(OutcomeRecord {
                    order_id: order,
                    filled: false,
                    signature: None,
                    detail: reason.name(),
                    at_ns: self.clock.now().0,
                }));
                if is_buy {
                    self.alert(format!("buy of {mint} failed: {}", reason.detail()));
                } else if let FailReason::OnChain(e) = &reason {
                    self.sell_failed_on_chain(mint, e);
                }
                if is_buy {
                    self.metrics.buy_failures.fetch_add(1, Relaxed);
                    self.book.drop_pending(&mint);
                    if why == Why::Reentry {
                        self.reentry.entry_failed(&mint);
                    }
                } else {
                    self.metrics.sell_failures.fetch_add(1, Relaxed);
                    if let Some(p) = self.book.position_mut(&mint) {
                        p.selling = false;
                    }
                    let retry_at = self.clock.now().plus(ROUTE_RETRY);
                    if let Some(h) = self.held.get_mut(&mint) {
                        h.tracker.level_failed();
                        if h.graduated_flagged {
                            h.route_retry_at = retry_at;
                        }
                    }
                }
            }
            ExecReport::Balance(l) => self.book.set_wallet(l),
            ExecReport::QuoteBalance(q, amount) => self.book.set_quote_wallet(q, amount),
            ExecReport::Curve(c) => {
                self.on_curve(&c);
            }
        }
    }

    /// A sell of `mint` failed on chain: the next attempt waits (doubling), and after
    /// [`MAX_SELL_FAILURES`] in a row the kernel stops and tells the operator, once.
    fn sell_failed_on_chain(&mut self, mint: Pubkey, error: &ChainError) {
        let now = self.clock.now();
        let mark = self.book.position(&mint).map(|p| p.mark);
        let Some(h) = self.held.get_mut(&mint) else {
            return;
        };
        let f = &mut h.failures;
        f.count += 1;
        let backoff = SELL_RETRY.saturating_mul(1 << (f.count - 1).min(6));
        f.retry_at = now.plus(backoff);
        if f.count < MAX_SELL_FAILURES {
            return;
        }
        f.holding = mark;
        let count = f.count;
        tracing::warn!(%mint, count, "sell stopped after failing on chain: {error}; holding until the market moves or the operator sells");
        self.alert(format!(
            "sell of {mint} failed {count} times: {error}; holding; /sell to retry"
        ));
    }
}
