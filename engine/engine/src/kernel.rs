//! The strategy thread's state and logic, as one owner (`&mut self`): the sniper, the
//! guardian and the book. Feed events and execution reports go in; approved orders come out.
//! The same kernel runs live, in paper mode and in the benches; it never reads a clock on
//! the decision path (times come from the events) and allocates nothing per event.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use dashmap::DashMap;
use kestrel_exec::tx::MintInfo;
use kestrel_feed::{FeedEvent, FeedHandle, Stamped, Watch};
use kestrel_guardian::{Guardian, TradingState};
use kestrel_model::{
    Clock, CurveUpdate, Intent, LaunchEvent, Side, TokenProgram, TradeEvent, mono_nanos,
};
use kestrel_pump::curve::{FeeRates, Reserves};
use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use kestrel_sniper::{Decision, Sniper};
use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_pubkey::Pubkey;

use crate::book::{Book, PendingBuy, Position};
use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::{Command, ExecReport, Fill, Order};

/// Exit settings the kernel needs for sells it is told to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SellSettings {
    pub slippage: Bps,
    pub cu_price_micro_lamports: u64,
}

pub struct Kernel<C: Clock> {
    sniper: Sniper,
    guardian: Guardian,
    book: Book,
    rates: FeeRates,
    sell: SellSettings,
    clock: C,
    metrics: Arc<Metrics>,
    recorder: Recorder,
    /// Read-only copies of the positions for the control plane.
    views: Arc<DashMap<Pubkey, Position>>,
    feed: Option<FeedHandle>,
}

fn token_program_key(p: TokenProgram) -> Pubkey {
    match p {
        TokenProgram::Spl => TOKEN_PROGRAM,
        TokenProgram::Token2022 => TOKEN_2022_PROGRAM,
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
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sniper: Sniper,
        guardian: Guardian,
        book: Book,
        rates: FeeRates,
        sell: SellSettings,
        clock: C,
        metrics: Arc<Metrics>,
        feed: Option<FeedHandle>,
    ) -> Self {
        Self {
            sniper,
            guardian,
            book,
            rates,
            sell,
            clock,
            metrics,
            recorder: Recorder::new(&[Stage::Decode, Stage::Decide]),
            views: Arc::new(DashMap::new()),
            feed,
        }
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
                if let Some(p) = self.book.position_mut(&t.mint) {
                    p.mark = reserves_of_trade(t);
                }
                None
            }
            FeedEvent::Curve(c) => {
                let mint = self
                    .book
                    .positions()
                    .find(|p| p.bonding_curve == c.bonding_curve)
                    .map(|p| p.mint);
                if let Some(p) = mint.and_then(|m| self.book.position_mut(&m)) {
                    p.mark = reserves_of_curve(c);
                    p.complete = c.complete;
                }
                None
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
        let mint = MintInfo {
            mint: l.mint,
            bonding_curve: l.bonding_curve,
            creator: l.creator,
            token_program: token_program_key(l.token_program),
            is_cashback: l.is_cashback,
        };
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
        Some(Order {
            approved,
            mint,
            reserves: reserves_of_launch(l),
            read_at: s.read_at,
            decided_at,
        })
    }

    /// A report from execution. Returns nothing today; exits (the next issue) will answer
    /// fills with orders.
    pub fn on_report(&mut self, r: ExecReport) {
        match r {
            ExecReport::Sent {
                mint,
                is_buy,
                signature,
                retries,
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
                mint,
                is_buy,
                reason,
            } => {
                tracing::warn!(%mint, is_buy, "order failed: {reason}");
                if is_buy {
                    self.metrics.buy_failures.fetch_add(1, Relaxed);
                    self.book.drop_pending(&mint);
                } else if let Some(p) = self.book.position_mut(&mint) {
                    p.selling = false;
                }
            }
            ExecReport::Balance(l) => self.book.set_wallet(l),
        }
    }

    fn on_fill(&mut self, f: Fill) {
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
                opened_at: self.clock.now(),
                mark: f.reserves_after,
                complete: false,
                selling: false,
            };
            self.book.fill_buy(pos, paid, f.network_fee);
            self.metrics.bought.fetch_add(1, Relaxed);
            if let Some(feed) = &self.feed {
                feed.watch(Watch::Account(p.bonding_curve));
            }
            tracing::info!(mint = %f.mint, tokens = f.tokens.0, paid = %paid, sig = %f.signature, "bought");
        } else {
            let received = f.sol.checked_sub(f.fees).unwrap_or(Lamports::ZERO);
            let curve = self.book.position(&f.mint).map(|p| p.bonding_curve);
            let pnl = self
                .book
                .fill_sell(&f.mint, f.tokens, received, f.network_fee);
            if let Some(p) = self.book.position_mut(&f.mint) {
                p.mark = f.reserves_after;
            }
            self.metrics.sold.fetch_add(1, Relaxed);
            if self.book.position(&f.mint).is_none()
                && let (Some(feed), Some(curve)) = (&self.feed, curve)
            {
                feed.unwatch(Watch::Account(curve));
            }
            tracing::info!(mint = %f.mint, tokens = f.tokens.0, received = %received, pnl, "sold");
        }
        self.publish(mono_nanos(), true);
    }

    /// A command from the control plane; sells it leads to are pushed to `out`.
    pub fn on_command(&mut self, c: Command, out: &mut Vec<Order>) {
        match c {
            Command::Pause => self.guardian.set_state(TradingState::Halted),
            Command::Resume => self.guardian.set_state(TradingState::Active),
            Command::Kill { sell_all: false } => self.guardian.set_state(TradingState::Halted),
            Command::Kill { sell_all: true } => {
                self.guardian.set_state(TradingState::Reducing);
                let mints: Vec<Pubkey> = self.book.positions().map(|p| p.mint).collect();
                for mint in mints {
                    if let Some(o) = self.sell_order(mint, 100) {
                        out.push(o);
                    }
                }
            }
            Command::Sell { mint, percent } => {
                if let Some(o) = self.sell_order(mint, percent) {
                    out.push(o);
                }
            }
        }
        self.publish(mono_nanos(), true);
    }

    fn sell_order(&mut self, mint: Pubkey, percent: u8) -> Option<Order> {
        let p = *self.book.position(&mint)?;
        if p.selling || p.complete {
            if p.complete {
                tracing::warn!(%mint, "curve complete: cannot sell on the curve (needs the Jupiter route)");
            }
            return None;
        }
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
        let t = mono_nanos();
        Some(Order {
            approved,
            mint: MintInfo {
                mint,
                bonding_curve: p.bonding_curve,
                creator: p.creator,
                token_program: token_program_key(p.token_program),
                is_cashback: p.is_cashback,
            },
            reserves: p.mark,
            read_at: t,
            decided_at: t,
        })
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
    }
}
