//! Restart: the journal's state put back (positions with their exit memory, orders in
//! flight, the guardian, re-entry watches), and reconciliation with the chain.

use kestrel_feed::Watch;
use kestrel_guardian::exits::{ExitReason, ExitTracker};
use kestrel_guardian::{Exposure, TradingState};
use kestrel_model::{Clock, CurveUpdate, Quote, Timestamp, TokenProgram, mono_nanos};
use kestrel_pump::curve::Reserves;
use kestrel_reentry::{Closed, Price};
use kestrel_store::{JournalState, ReconcileRecord, Record, TradeSide};
use kestrel_units::{QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

use crate::book::{PendingBuy, Position};
use crate::order::Why;

use super::{Held, Kernel, MintMeta};

impl<C: Clock> Kernel<C> {
    /// Puts the journal's state back after a restart: open positions with their exit
    /// memory, orders that were in flight (buys as pending, sells as selling, until recovery
    /// resolves them), the guardian's state and today's PnL, re-entry watches, and order
    /// numbering.
    pub fn restore(&mut self, st: &JournalState) {
        self.next_order = self.next_order.max(st.next_order_id);
        for r in &st.open {
            let token_program = TokenProgram::from_2022(r.token_2022);
            self.book.restore(Position {
                mint: r.mint,
                quote: r.quote,
                creator: r.creator,
                bonding_curve: r.bonding_curve,
                token_program,
                is_cashback: r.is_cashback,
                is_mayhem: r.is_mayhem,
                tokens: TokenAmount(r.tokens),
                cost: QuoteAmount(r.cost),
                opened_at: Timestamp(r.opened_ns),
                mark: reserves_of_mark(r.quote, r.mark_sol, r.mark_token),
                mark_slot: 0,
                complete: r.complete,
                selling: false,
            });
            self.held.insert(
                r.mint,
                Held {
                    tracker: ExitTracker {
                        peak_ratio: r.peak_ratio,
                        levels_done: r.levels_done,
                        ..ExitTracker::default()
                    },
                    high: Price {
                        quote: QuoteAmount(r.high_sol),
                        token: TokenAmount(r.high_token),
                    },
                    realized: r.realized,
                    reentries: r.reentries,
                    ..Held::default()
                },
            );
            if let Some(feed) = &self.feed {
                feed.watch(Watch::Account(r.bonding_curve));
            }
        }
        for o in &st.in_flight {
            match o.side {
                TradeSide::Buy => self.book.add_pending(PendingBuy {
                    mint: o.mint,
                    quote: o.quote,
                    creator: o.creator,
                    bonding_curve: o.bonding_curve,
                    token_program: TokenProgram::from_2022(o.token_2022),
                    is_cashback: o.is_cashback,
                    is_mayhem: o.is_mayhem,
                    spend: QuoteAmount(o.spend_lamports),
                    signature: o.sends.last().map(|s| s.signature),
                }),
                TradeSide::Sell => {
                    if let Some(p) = self.book.position_mut(&o.mint) {
                        p.selling = true;
                    }
                    if let Some(Why::Exit(ExitReason::TakeProfit { level })) =
                        Why::from_name(&o.why, o.level)
                        && let Some(h) = self.held.get_mut(&o.mint)
                    {
                        h.tracker.level_sent(level);
                    }
                }
            }
        }
        if let Some(state) = st.guardian.as_deref().and_then(TradingState::from_name) {
            self.guardian.set_state(state);
        }
        if self.guardian.restore_day(st.today.0, st.today.1).is_some() {
            self.record_state("daily_loss_limit");
        }
        if self.reentry.config().enabled {
            let watch_for = self.reentry.config().watch_for;
            let now = self.clock.now();
            // Oldest first, so the newest watches survive when there are too many.
            for r in st.closed.iter().rev() {
                let Some(closed) = r.closed_ns.map(Timestamp) else {
                    continue;
                };
                if now.since(closed) > watch_for || self.book.holds(&r.mint) {
                    continue;
                }
                self.reentry.restore(
                    Closed {
                        mint: r.mint,
                        quote: r.quote,
                        creator: r.creator,
                        high: Price {
                            quote: QuoteAmount(r.high_sol),
                            token: TokenAmount(r.high_token),
                        },
                        exit: Price {
                            quote: QuoteAmount(r.mark_sol),
                            token: TokenAmount(r.mark_token),
                        },
                        at: closed,
                    },
                    r.reentries,
                );
                self.watched.insert(
                    r.mint,
                    MintMeta {
                        quote: r.quote,
                        bonding_curve: r.bonding_curve,
                        token_program: TokenProgram::from_2022(r.token_2022),
                        is_cashback: r.is_cashback,
                        is_mayhem: r.is_mayhem,
                    },
                );
            }
        }
        self.publish(mono_nanos(), true);
    }

    /// Reconciliation: the chain holds `tokens` of `mint`. A held position follows the chain
    /// (logged and journaled); returns the journal's figure if they differed.
    pub fn reconcile(&mut self, mint: Pubkey, chain: TokenAmount) -> Option<TokenAmount> {
        let p = *self.book.position(&mint)?;
        if p.tokens == chain {
            return None;
        }
        let now = self.clock.now();
        self.book.set_tokens(&mint, chain);
        let action = if chain.0 == 0 {
            "closed: no tokens on chain"
        } else {
            "corrected to the chain"
        };
        tracing::warn!(%mint, journal = p.tokens.0, chain = chain.0, "reconciliation: {action}");
        self.record(Record::Reconcile(ReconcileRecord {
            mint,
            journal_tokens: p.tokens.0,
            chain_tokens: chain.0,
            action,
            at_ns: now.0,
        }));
        let rec = match self.book.position(&mint).copied() {
            Some(after) => self.position_record(&after, None),
            None => {
                self.held.remove(&mint);
                if let Some(feed) = &self.feed {
                    feed.unwatch(Watch::Account(p.bonding_curve));
                }
                self.position_record(&p, Some(now))
            }
        };
        self.record(Record::Position {
            position: rec,
            cause: "reconcile",
        });
        Some(p.tokens)
    }

    /// Reconciliation: the wallet holds tokens of a mint the journal knows nothing of. They
    /// are left alone (not ours to trade) and the mint is never bought.
    pub fn untracked(&mut self, mint: Pubkey, chain: TokenAmount) {
        tracing::warn!(%mint, tokens = chain.0, "reconciliation: the wallet holds tokens the journal does not know; not traded, never bought");
        self.guardian.blacklist_mint(mint);
        self.record(Record::Reconcile(ReconcileRecord {
            mint,
            journal_tokens: 0,
            chain_tokens: chain.0,
            action: "untracked: flagged, not traded",
            at_ns: self.clock.now().0,
        }));
    }

    /// The curve as the chain holds it now (recovery refreshes every held mark).
    pub fn refresh_curve(&mut self, c: &CurveUpdate) {
        self.on_curve(c);
    }
}

/// A journaled mark (virtual reserves): on a SOL curve the real reserves follow from pump.fun's
/// fixed offsets between virtual and real (docs/protocol.md §1's launch: 30 000 000 000
/// virtual vs 0 real lamports, 1 073 000 000 000 000 virtual vs 793 100 000 000 000 real
/// tokens), until recovery reads the curve itself from the chain. Another quote's curves
/// start at the Global account's own figure, which the journal does not hold: their real quote
/// is left at zero until that read.
fn reserves_of_mark(quote: Quote, virtual_quote: u64, virtual_token: u64) -> Reserves {
    const SOL_OFFSET: u64 = 30_000_000_000;
    const TOKEN_OFFSET: u64 = 279_900_000_000_000;
    let real_quote = match quote {
        Quote::Sol => virtual_quote.saturating_sub(SOL_OFFSET),
        Quote::Usdc | Quote::Other(_) => 0,
    };
    Reserves {
        virtual_token: TokenAmount(virtual_token),
        virtual_quote: QuoteAmount(virtual_quote),
        real_token: TokenAmount(virtual_token.saturating_sub(TOKEN_OFFSET)),
        real_quote: QuoteAmount(real_quote),
    }
}
