//! The strategy thread's state and logic, as one owner (`&mut self`): the sniper, the
//! guardian and the book. Feed events and execution reports go in; approved orders come out.
//! The same kernel runs live, in paper mode and in the benches; it never reads a clock on
//! the decision path (times come from the events) and allocates nothing per event.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use dashmap::DashMap;
use kestrel_exec::tx::{MintInfo, token_program_id};
use kestrel_feed::{FeedEvent, FeedHandle, Stamped, Watch};
use kestrel_guardian::exits::{ExitReason, ExitRules, ExitTracker, Holding, Mark};
use kestrel_guardian::{Approved, Exposure, Guardian, TradingState};
use kestrel_model::{
    Clock, CurveUpdate, Intent, LaunchEvent, Side, Timestamp, TokenProgram, TradeEvent, mono_nanos,
};
use kestrel_pump::curve::{FeeRates, Reserves};
use kestrel_pump::ids::TOKEN_2022_PROGRAM;
use kestrel_reentry::{Closed, Decision as ReentryDecision, Price, Reentry, Trade as ReentryTrade};
use kestrel_sniper::{Decision, Sniper};
use kestrel_store::{
    CostRecord, FillRecord, Journal, JournalState, OutcomeRecord, PositionRecord, ReconcileRecord,
    Record, TradeSide,
};
use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_pubkey::Pubkey;

use crate::book::{Book, PendingBuy, Position};
use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::{Command, EngineEvent, ExecReport, Fill, Order, Route, Why};
use crate::routing::RouteHooks;

/// Exit settings the kernel needs for sells it is told to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SellSettings {
    pub slippage: Bps,
    pub cu_price_micro_lamports: u64,
}

pub struct Kernel<C: Clock> {
    sniper: Sniper,
    guardian: Guardian,
    reentry: Reentry,
    exits: ExitRules,
    book: Book,
    rates: FeeRates,
    sell: SellSettings,
    clock: C,
    metrics: Arc<Metrics>,
    recorder: Recorder,
    /// Read-only copies of the positions for the control plane.
    views: Arc<DashMap<Pubkey, Position>>,
    feed: Option<FeedHandle>,
    journal: Option<Journal>,
    /// Per held mint: the exit rules' memory and what re-entry will want at the close.
    held: HashMap<Pubkey, Held>,
    /// Mints closed and watched for re-entry: what a buy of one needs.
    watched: HashMap<Pubkey, MintMeta>,
    next_order: u64,
    /// Off-curve routing (`None`: graduated positions are flagged, not sold).
    routes: Option<RouteHooks>,
    /// Events for the control plane and plugins (`None`: nobody listens).
    events: Option<crossbeam_channel::Sender<EngineEvent>>,
}

/// Everything a kernel is made of.
pub struct KernelParts {
    pub sniper: Sniper,
    pub guardian: Guardian,
    pub reentry: Reentry,
    pub exits: ExitRules,
    pub book: Book,
    pub rates: FeeRates,
    pub sell: SellSettings,
    pub metrics: Arc<Metrics>,
    pub feed: Option<FeedHandle>,
    pub journal: Option<Journal>,
}

/// The kernel's memory of a held mint beyond the book.
#[derive(Clone, Copy, Debug, Default)]
struct Held {
    tracker: ExitTracker,
    /// The highest price seen while held (re-entry's prior high).
    high: Price,
    /// The creator has sold: sticky, so a failed exit is retried.
    creator_sold: bool,
    /// The operator has been told the curve completed.
    graduated_flagged: bool,
    /// Realized PnL of this position's sells.
    realized: i64,
    /// Re-entries made in this mint before this position.
    reentries: u32,
    /// Changed since the journal last saw it.
    dirty: bool,
    /// A failed off-curve exit is not tried again before this.
    route_retry_at: Timestamp,
}

/// Pause between attempts to sell a graduated position through the route.
const ROUTE_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
struct MintMeta {
    bonding_curve: Pubkey,
    token_program: TokenProgram,
    is_cashback: bool,
}

/// The journal's flag back to the program.
fn token_program_of(token_2022: bool) -> TokenProgram {
    if token_2022 {
        TokenProgram::Token2022
    } else {
        TokenProgram::Spl
    }
}

fn reserves_of_launch(l: &LaunchEvent) -> Reserves {
    Reserves {
        virtual_token: l.virtual_token_reserves,
        virtual_sol: l.virtual_sol_reserves,
        real_token: l.real_token_reserves,
        real_sol: l.real_sol_reserves,
    }
}

/// A journaled mark (virtual reserves): the real reserves follow from pump.fun's fixed offsets
/// between virtual and real (FACTS.md §1's launch: 30 000 000 000 virtual vs 0 real lamports,
/// 1 073 000 000 000 000 virtual vs 793 100 000 000 000 real tokens), until recovery reads the
/// curve itself from the chain.
fn reserves_of_mark(virtual_sol: u64, virtual_token: u64) -> Reserves {
    const SOL_OFFSET: u64 = 30_000_000_000;
    const TOKEN_OFFSET: u64 = 279_900_000_000_000;
    Reserves {
        virtual_token: TokenAmount(virtual_token),
        virtual_sol: Lamports(virtual_sol),
        real_token: TokenAmount(virtual_token.saturating_sub(TOKEN_OFFSET)),
        real_sol: Lamports(virtual_sol.saturating_sub(SOL_OFFSET)),
    }
}

fn reserves_of_trade(t: &TradeEvent) -> Reserves {
    Reserves {
        virtual_token: t.virtual_token_reserves,
        virtual_sol: t.virtual_sol_reserves,
        real_token: t.real_token_reserves,
        real_sol: t.real_sol_reserves,
    }
}

fn reserves_of_curve(c: &CurveUpdate) -> Reserves {
    Reserves {
        virtual_token: c.virtual_token_reserves,
        virtual_sol: c.virtual_sol_reserves,
        real_token: c.real_token_reserves,
        real_sol: c.real_sol_reserves,
    }
}

impl<C: Clock> Kernel<C> {
    pub fn new(parts: KernelParts, clock: C) -> Self {
        let capacity = parts.book.capacity();
        Self {
            sniper: parts.sniper,
            guardian: parts.guardian,
            reentry: parts.reentry,
            exits: parts.exits,
            book: parts.book,
            rates: parts.rates,
            sell: parts.sell,
            clock,
            metrics: parts.metrics,
            recorder: Recorder::new(&[Stage::Decode, Stage::Decide]),
            views: Arc::new(DashMap::new()),
            feed: parts.feed,
            journal: parts.journal,
            held: HashMap::with_capacity(capacity),
            watched: HashMap::with_capacity(capacity),
            next_order: 1,
            routes: None,
            events: None,
        }
    }

    /// Sends fills, exits, state changes and alerts to `tx` (dropped when it is full).
    pub fn with_events(mut self, tx: crossbeam_channel::Sender<EngineEvent>) -> Self {
        self.events = Some(tx);
        self
    }

    /// Turns on off-curve exits: graduated positions (and, if asked, every position) sell
    /// through the route, and `hooks.holdings` tells the quote refresher what is held.
    pub fn with_routes(mut self, hooks: RouteHooks) -> Self {
        self.routes = Some(hooks);
        self
    }

    pub fn reentry(&self) -> &Reentry {
        &self.reentry
    }

    pub fn book(&self) -> &Book {
        &self.book
    }

    pub fn guardian(&self) -> &Guardian {
        &self.guardian
    }

    pub fn sniper(&self) -> &Sniper {
        &self.sniper
    }

    pub fn views(&self) -> Arc<DashMap<Pubkey, Position>> {
        self.views.clone()
    }

    /// One feed event. Returns the order to execute, if the event led to one.
    pub fn on_feed(&mut self, s: &Stamped) -> Option<Order> {
        match &s.event {
            FeedEvent::Launch(l) => self.on_launch(l, s),
            FeedEvent::Trade(t) => {
                self.metrics.trades.fetch_add(1, Relaxed);
                match self.book.position_mut(&t.mint) {
                    Some(p) => {
                        p.mark = reserves_of_trade(t);
                        let creator_sold = !t.is_buy && t.user == p.creator;
                        self.evaluate_exit(t.mint, creator_sold)
                    }
                    None => self.on_watched_trade(t, s),
                }
            }
            FeedEvent::Curve(c) => {
                let mint = self.on_curve(c)?;
                self.evaluate_exit(mint, false)
            }
            FeedEvent::Slot(slot) => {
                self.metrics.slot.fetch_max(*slot, Relaxed);
                None
            }
            FeedEvent::Endpoint { index, up } => {
                tracing::info!(endpoint = index, up, "feed endpoint");
                None
            }
        }
    }

    fn on_launch(&mut self, l: &LaunchEvent, s: &Stamped) -> Option<Order> {
        self.metrics.launches.fetch_add(1, Relaxed);
        self.recorder
            .record(Stage::Decode, s.decoded_at.saturating_sub(s.read_at));
        let intent = match self.sniper.on_launch(&l.as_launch()) {
            Decision::Skip(reason) => {
                if let Some(c) = self.metrics.skipped.get(reason as usize) {
                    c.fetch_add(1, Relaxed);
                }
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
                return None;
            }
        };
        let mint = MintInfo::of_launch(l);
        self.book.add_pending(PendingBuy {
            mint: l.mint,
            creator: l.creator,
            bonding_curve: l.bonding_curve,
            token_program: l.token_program,
            is_cashback: l.is_cashback,
            spend: intent.spend(),
            signature: None,
        });
        let decided_at = mono_nanos();
        self.recorder
            .record(Stage::Decide, decided_at.saturating_sub(s.read_at));
        Some(self.order(
            Why::Snipe,
            approved,
            mint,
            reserves_of_launch(l),
            s.read_at,
            decided_at,
            Route::Curve,
        ))
    }

    /// Numbers an order and journals its intent (before execution can see it).
    #[allow(clippy::too_many_arguments)]
    fn order(
        &mut self,
        why: Why,
        approved: Approved,
        mint: MintInfo,
        reserves: Reserves,
        read_at: u64,
        decided_at: u64,
        route: Route,
    ) -> Order {
        let id = self.next_order;
        self.next_order += 1;
        let order = Order {
            id,
            why,
            approved,
            mint,
            reserves,
            read_at,
            decided_at,
            route,
        };
        self.record(Record::Order(order.record()));
        order
    }

    fn record(&self, r: Record) {
        if let Some(j) = &self.journal {
            j.record(r);
        }
    }

    fn record_state(&self, cause: &'static str) {
        self.emit(EngineEvent::State(self.guardian.state()));
        self.record(Record::Guardian {
            state: self.guardian.state().name(),
            cause,
            at_ns: self.clock.now().0,
        });
    }

    /// A curve account update: the mark of the position on it. Returns its mint.
    fn on_curve(&mut self, c: &CurveUpdate) -> Option<Pubkey> {
        let mint = self
            .book
            .positions()
            .find(|p| p.bonding_curve == c.bonding_curve)
            .map(|p| p.mint)?;
        let p = self.book.position_mut(&mint)?;
        p.mark = reserves_of_curve(c);
        p.complete = c.complete;
        Some(mint)
    }

    /// Runs the exit rules on a held mint after its mark moved.
    fn evaluate_exit(&mut self, mint: Pubkey, creator_sold: bool) -> Option<Order> {
        let p = *self.book.position(&mint)?;
        let now = self.clock.now();
        let held = self.held.entry(mint).or_default();
        held.creator_sold |= creator_sold;
        let price = Price {
            sol: p.mark.virtual_sol,
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
            virtual_sol: p.mark.virtual_sol,
            virtual_token: p.mark.virtual_token,
            real_sol: p.mark.real_sol,
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
        let mints: Vec<Pubkey> = self.book.positions().map(|p| p.mint).collect();
        for mint in mints {
            if let Some(o) = self.evaluate_exit(mint, false) {
                out.push(o);
            }
        }
    }

    /// A trade on a mint not held: re-entry's evidence, and maybe its entry.
    fn on_watched_trade(&mut self, t: &TradeEvent, s: &Stamped) -> Option<Order> {
        let decision = self.reentry.on_trade(&ReentryTrade {
            mint: t.mint,
            user: t.user,
            is_buy: t.is_buy,
            sol: t.sol_amount,
            price: Price {
                sol: t.virtual_sol_reserves,
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
            creator: intent.creator,
            bonding_curve: meta.bonding_curve,
            token_program: meta.token_program,
            is_cashback: meta.is_cashback,
            spend: intent.spend(),
            signature: None,
        });
        tracing::info!(mint = %t.mint, spend = %intent.spend(), "re-entering");
        let mint = MintInfo {
            mint: t.mint,
            bonding_curve: meta.bonding_curve,
            creator: intent.creator,
            token_program: token_program_id(meta.token_program),
            is_cashback: meta.is_cashback,
        };
        Some(self.order(
            Why::Reentry,
            approved,
            mint,
            reserves_of_trade(t),
            s.read_at,
            mono_nanos(),
            Route::Curve,
        ))
    }

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
                if let Some(l) = landed {
                    self.book.charge(l.network_fee);
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
        }
    }

    fn position_record(&self, p: &Position, closed: Option<Timestamp>) -> PositionRecord {
        let h = self.held.get(&p.mint).copied().unwrap_or_default();
        let open = closed.is_none();
        PositionRecord {
            mint: p.mint,
            creator: p.creator,
            bonding_curve: p.bonding_curve,
            token_2022: p.token_program == TokenProgram::Token2022,
            is_cashback: p.is_cashback,
            tokens: if open { p.tokens.0 } else { 0 },
            cost: if open { p.cost.0 } else { 0 },
            realized: h.realized,
            opened_ns: p.opened_at.0,
            peak_ratio: h.tracker.peak_ratio,
            levels_done: h.tracker.levels_done,
            reentries: h.reentries,
            mark_sol: p.mark.virtual_sol.0,
            mark_token: p.mark.virtual_token.0,
            high_sol: h.high.sol.0,
            high_token: h.high.token.0,
            complete: p.complete,
            closed_ns: closed.map(|t| t.0),
            updated_ns: self.clock.now().0,
        }
    }

    fn on_fill(&mut self, f: Fill) {
        self.emit(EngineEvent::Fill(f));
        let now = self.clock.now();
        let mut realized = 0;
        let mut closed = None;
        if f.is_buy {
            let Some(p) = self.book.pending_buy(&f.mint).copied() else {
                tracing::warn!(mint = %f.mint, "a buy filled that the book did not expect");
                return;
            };
            let paid = f.sol.checked_add(f.fees).unwrap_or(f.sol);
            let pos = Position {
                mint: f.mint,
                creator: p.creator,
                bonding_curve: p.bonding_curve,
                token_program: p.token_program,
                is_cashback: p.is_cashback,
                tokens: f.tokens,
                cost: paid,
                opened_at: now,
                mark: f.reserves_after,
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
            tracing::info!(mint = %f.mint, tokens = f.tokens.0, paid = %paid, why = f.why.name(), sig = %f.signature, "bought");
        } else {
            let received = f.sol.checked_sub(f.fees).unwrap_or(Lamports::ZERO);
            let Some(before) = self.book.position(&f.mint).copied() else {
                tracing::warn!(mint = %f.mint, "a sell filled for a position the book does not hold");
                return;
            };
            let pnl = self
                .book
                .fill_sell(&f.mint, f.tokens, received, f.network_fee);
            realized = pnl;
            if let Some(p) = self.book.position_mut(&f.mint) {
                p.mark = f.reserves_after;
            }
            if let Some(h) = self.held.get_mut(&f.mint) {
                h.realized = h.realized.saturating_add(pnl);
                if matches!(f.why, Why::Exit(ExitReason::TakeProfit { .. })) {
                    h.tracker.level_filled();
                }
                h.dirty = true;
            }
            self.metrics.sold.fetch_add(1, Relaxed);
            // Realized PnL as the journal's daily figure states it (trading fees in), so a
            // restart restores exactly what the limit saw.
            if let Some(state) = self.guardian.record_realized(pnl, now) {
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
            tracing::info!(mint = %f.mint, tokens = f.tokens.0, received = %received, pnl, why = f.why.name(), "sold");
        }
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
            sol_lamports: f.sol.0,
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
        self.publish(mono_nanos(), true);
    }

    /// A position closed: re-entry watches its mint from here.
    fn close_for_reentry(&mut self, p: &Position, h: &Held, exit: Reserves, now: Timestamp) {
        if !self.reentry.config().enabled {
            return;
        }
        self.reentry.on_exit(Closed {
            mint: p.mint,
            creator: p.creator,
            high: h.high,
            exit: Price {
                sol: exit.virtual_sol,
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
                bonding_curve: p.bonding_curve,
                token_program: p.token_program,
                is_cashback: p.is_cashback,
            },
        );
    }

    /// A command from the control plane; sells it leads to are pushed to `out`.
    pub fn on_command(&mut self, c: Command, out: &mut Vec<Order>) {
        let before = self.guardian.state();
        match c {
            Command::Pause => self.guardian.set_state(TradingState::Halted),
            Command::Resume => self.guardian.set_state(TradingState::Active),
            Command::Kill { sell_all: false } => self.guardian.set_state(TradingState::Halted),
            Command::Kill { sell_all: true } => {
                self.guardian.set_state(TradingState::Reducing);
                let mints: Vec<Pubkey> = self.book.positions().map(|p| p.mint).collect();
                for mint in mints {
                    if let Some(o) = self.sell_order(mint, 100, Why::Exit(ExitReason::Kill)) {
                        out.push(o);
                    }
                }
            }
            Command::Sell { mint, percent } => {
                if let Some(o) = self.sell_order(mint, percent, Why::Exit(ExitReason::Manual)) {
                    out.push(o);
                }
            }
            Command::Buy {
                info,
                reserves,
                complete,
                spend,
            } => {
                if let Some(o) = self.operator_buy(info, reserves, complete, spend) {
                    out.push(o);
                }
            }
        }
        if self.guardian.state() != before {
            self.record_state(match c {
                Command::Pause => "command: pause",
                Command::Resume => "command: resume",
                Command::Kill { sell_all: true } => "command: kill, sell all",
                _ => "command: kill",
            });
        }
        self.publish(mono_nanos(), true);
    }

    /// An operator's buy: through the guardian like any entry, on the curve, or through the
    /// route for a coin off its curve.
    fn operator_buy(
        &mut self,
        info: MintInfo,
        reserves: Reserves,
        complete: bool,
        spend: Lamports,
    ) -> Option<Order> {
        let route = match (&self.routes, complete) {
            (Some(_), true) => Route::Jupiter,
            (None, true) => {
                tracing::warn!(mint = %info.mint, "operator buy refused: the curve completed and off-curve routing is off");
                self.alert(format!(
                    "buy of {} refused: its curve completed and routing is off",
                    info.mint
                ));
                return None;
            }
            (_, false) => Route::Curve,
        };
        let intent = Intent {
            mint: info.mint,
            creator: info.creator,
            side: Side::Buy { spend },
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
            creator: info.creator,
            bonding_curve: info.bonding_curve,
            token_program: if info.token_program == TOKEN_2022_PROGRAM {
                TokenProgram::Token2022
            } else {
                TokenProgram::Spl
            },
            is_cashback: info.is_cashback,
            spend,
            signature: None,
        });
        tracing::info!(mint = %info.mint, spend = %spend, "operator buy");
        let t = mono_nanos();
        Some(self.order(Why::Operator, approved, info, reserves, t, t, route))
    }

    /// Tells the control plane and plugins, without waiting.
    fn emit(&self, e: EngineEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.try_send(e);
        }
    }

    fn alert(&self, text: String) {
        if self.events.is_some() {
            self.emit(EngineEvent::Alert(text));
        }
    }

    fn sell_order(&mut self, mint: Pubkey, percent: u8, why: Why) -> Option<Order> {
        let p = *self.book.position(&mint)?;
        if p.selling {
            return None;
        }
        let route = match &self.routes {
            Some(r) if p.complete || r.curve_via_jupiter => Route::Jupiter,
            _ if p.complete => {
                tracing::warn!(%mint, "curve complete: cannot sell on the curve, and off-curve routing is off");
                return None;
            }
            _ => Route::Curve,
        };
        let pct = u128::from(percent.min(100));
        let tokens = u64::try_from(u128::from(p.tokens.0) * pct / 100).unwrap_or(p.tokens.0);
        if tokens == 0 {
            return None;
        }
        let now = self.clock.now();
        let intent = Intent {
            mint,
            creator: p.creator,
            side: Side::Sell {
                tokens: TokenAmount(tokens),
            },
            max_slippage: self.sell.slippage,
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
            if reason != ExitReason::Manual {
                self.emit(EngineEvent::Exit { mint, reason });
            }
        }
        tracing::info!(%mint, percent, why = why.name(), "selling");
        let t = mono_nanos();
        let info = MintInfo {
            mint,
            bonding_curve: p.bonding_curve,
            creator: p.creator,
            token_program: token_program_id(p.token_program),
            is_cashback: p.is_cashback,
        };
        Some(self.order(why, approved, info, p.mark, t, t, route))
    }

    /// Puts the journal's state back after a restart: open positions with their exit
    /// memory, orders that were in flight (buys as pending, sells as selling, until recovery
    /// resolves them), the guardian's state and today's PnL, re-entry watches, and order
    /// numbering.
    pub fn restore(&mut self, st: &JournalState) {
        self.next_order = self.next_order.max(st.next_order_id);
        for r in &st.open {
            let token_program = token_program_of(r.token_2022);
            self.book.restore(Position {
                mint: r.mint,
                creator: r.creator,
                bonding_curve: r.bonding_curve,
                token_program,
                is_cashback: r.is_cashback,
                tokens: TokenAmount(r.tokens),
                cost: Lamports(r.cost),
                opened_at: Timestamp(r.opened_ns),
                mark: reserves_of_mark(r.mark_sol, r.mark_token),
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
                        sol: Lamports(r.high_sol),
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
                    creator: o.creator,
                    bonding_curve: o.bonding_curve,
                    token_program: token_program_of(o.token_2022),
                    is_cashback: o.is_cashback,
                    spend: Lamports(o.spend_lamports),
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
                        creator: r.creator,
                        high: Price {
                            sol: Lamports(r.high_sol),
                            token: TokenAmount(r.high_token),
                        },
                        exit: Price {
                            sol: Lamports(r.mark_sol),
                            token: TokenAmount(r.mark_token),
                        },
                        at: closed,
                    },
                    r.reentries,
                );
                self.watched.insert(
                    r.mint,
                    MintMeta {
                        bonding_curve: r.bonding_curve,
                        token_program: token_program_of(r.token_2022),
                        is_cashback: r.is_cashback,
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

    /// Publishes histograms, gauges and position views (rate-limited unless `force`).
    pub fn publish(&mut self, now: u64, force: bool) {
        self.recorder.maybe_publish(&self.metrics, now, force);
        let m = &self.metrics;
        let open = self.book.positions().count() as u64;
        m.open_positions.store(open, Relaxed);
        let exposure: u64 = self.book.positions().map(|p| p.cost.0).sum();
        m.exposure_lamports.store(exposure, Relaxed);
        m.realized_pnl_lamports.store(self.book.realized(), Relaxed);
        m.unrealized_pnl_lamports
            .store(self.book.unrealized(self.rates), Relaxed);
        m.wallet_lamports.store(self.book.wallet().0, Relaxed);
        m.trading_state.store(
            match self.guardian.state() {
                TradingState::Active => 0,
                TradingState::Reducing => 1,
                TradingState::Halted => 2,
            },
            Relaxed,
        );
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
}
