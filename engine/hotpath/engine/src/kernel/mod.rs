//! The strategy thread's state and logic, as one owner (`&mut self`): the sniper, the
//! guardian and the book. Feed events and execution reports go in; approved orders come out.
//! The same kernel runs live, in paper mode and in the benches; it never reads a clock on
//! the decision path (times come from the events) and allocates nothing per event.
//!
//! One file per job, each an `impl` block on [`Kernel`]:
//!
//! | file | input | what it does |
//! |---|---|---|
//! | `entry.rs` | a launch, an operator's buy | sniper → guardian → a buy order |
//! | `exit.rs` | a trade or curve update of a held mint, the timer | exit rules → a sell |
//! | `sell.rs` | (exits, kill switch, operator) | one way to make a sell order |
//! | `reentry.rs` | a trade on a closed mint, a close | re-entry's evidence and buy-back |
//! | `report.rs` | an execution report | sent, failed (releases what the order held), balance |
//! | `fill.rs` | a fill | opens, shrinks or closes a position; journals it |
//! | `command.rs` | an operator command | state changes, kill-switch and manual sells |
//! | `restore.rs` | the journal after a restart, the chain | positions back, reconciliation |
//! | `publish.rs` | (idle turns) | metrics, views, marks to the journal |
//!
//! What each input produces, and why it differs:
//! - a feed event ([`Kernel::on_feed`]) leads to at most one order (an event concerns one
//!   mint, and a mint has at most one order in flight), so it returns `Option<Order>`: the
//!   hot path moves it to execution without touching a buffer;
//! - the timer and commands ([`Kernel::on_timer`], [`Kernel::on_command`]) may sell every
//!   position at once, so they push to `out`, a buffer the strategy thread owns and reuses
//!   (no allocation per tick);
//! - execution reports and restore produce no orders, only state: what follows a report
//!   (a retried exit, say) comes from the next event or tick, after the book has changed.

mod command;
mod entry;
mod exit;
mod fill;
mod publish;
mod reentry;
mod report;
mod restore;
mod sell;

// Keyed per process, and faster than SipHash on the 32-byte keys every event looks up.
use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use dashmap::DashMap;
use kestrel_exec::tx::MintInfo;
use kestrel_feed::{FeedEvent, FeedHandle, Stamped};
use kestrel_guardian::exits::{ExitReason, ExitRules, ExitTracker};
use kestrel_guardian::{Approved, Guardian};
use kestrel_model::{Clock, CurveTrade, CurveUpdate, LaunchEvent, Quote, Timestamp, TokenProgram};
use kestrel_pump::curve::{FeeRates, Reserves};
use kestrel_reentry::{Price, Reentry};
use kestrel_sniper::Sniper;
use kestrel_store::{Journal, Record};
use kestrel_units::Bps;
use solana_pubkey::Pubkey;

use crate::book::{Book, Position};
use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::{EngineEvent, Order, Venue, Why};
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
    /// What the last launch came to (the backtest's decision log reads it).
    last_launch: Option<LaunchOutcome>,
}

/// What the kernel did with a launch: bought, skipped by the sniper, refused by the
/// guardian. Kept for the last launch only, a copy, so the hot path pays a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaunchOutcome {
    Bought { order: u64 },
    Skipped(kestrel_sniper::SkipReason),
    Refused(kestrel_guardian::Reason),
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

/// The decision side of a config, as types: what a kernel decides with. The live engine and
/// the backtest build their kernels from it ([`Strategy::parts`]).
#[derive(Clone, Debug)]
pub struct Strategy {
    pub sniper: kestrel_sniper::SniperConfig,
    pub limits: kestrel_guardian::Limits,
    pub blacklisted_mints: Vec<Pubkey>,
    pub blacklisted_creators: Vec<Pubkey>,
    pub exits: ExitRules,
    pub reentry: kestrel_reentry::ReentryConfig,
    pub sell: SellSettings,
    /// The fees trades are priced at (the bonding-curve tier).
    pub rates: FeeRates,
}

impl Strategy {
    /// A kernel's parts: `own` is the wallet (re-entry leaves its trades out), the book
    /// starts at `balance` with room for `capacity` positions; no journal, no feed (the
    /// caller adds its own).
    pub fn parts(
        self,
        own: Pubkey,
        balance: kestrel_units::Lamports,
        metrics: Arc<Metrics>,
    ) -> KernelParts {
        let capacity = usize::try_from(self.limits.max_open_positions)
            .unwrap_or(64)
            .clamp(8, 4096)
            * 2;
        KernelParts {
            sniper: Sniper::new(self.sniper),
            guardian: Guardian::new(
                self.limits,
                self.blacklisted_mints,
                self.blacklisted_creators,
            ),
            reentry: Reentry::new(self.reentry, own),
            exits: self.exits,
            book: Book::new(balance, capacity),
            rates: self.rates,
            sell: self.sell,
            metrics,
            feed: None,
            journal: None,
        }
    }
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
    /// Sells of this position that failed on chain, and what follows from them.
    failures: SellFailures,
    /// The exit last announced to the operator (each exit is told once, not once per try).
    announced: Option<ExitReason>,
    /// A failed off-curve exit is not tried again before this.
    route_retry_at: Timestamp,
}

/// A position's sells that failed on chain, in a row. Each failure delays the next attempt
/// (doubling from a slot's time) and widens its slippage within the guardian's cap; after
/// [`MAX_SELL_FAILURES`] the kernel stops, tells the operator once, and holds until the
/// market moves (a new mark) or the operator sells by hand.
#[derive(Clone, Copy, Debug, Default)]
struct SellFailures {
    count: u32,
    /// No attempt before this.
    retry_at: Timestamp,
    /// Stopped: the mark at the time; a different mark means the market moved.
    holding: Option<Reserves>,
}

/// Failed sells in a row before the kernel stops trying by itself.
const MAX_SELL_FAILURES: u32 = 5;

/// The first retry's delay (about a slot); each further one doubles it.
const SELL_RETRY: std::time::Duration = std::time::Duration::from_millis(400);

/// Pause between attempts to sell a graduated position through the route.
const ROUTE_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
struct MintMeta {
    quote: Quote,
    bonding_curve: Pubkey,
    token_program: TokenProgram,
    is_cashback: bool,
    is_mayhem: bool,
}

/// The curve a launch states (the kernel's entries and the backtest's venue price on it).
pub fn reserves_of_launch(l: &LaunchEvent) -> Reserves {
    Reserves {
        virtual_token: l.virtual_token_reserves,
        virtual_quote: l.virtual_quote_reserves,
        real_token: l.real_token_reserves,
        real_quote: l.real_quote_reserves,
    }
}

/// The curve a trade left.
pub fn reserves_of_trade(t: &CurveTrade) -> Reserves {
    Reserves {
        virtual_token: t.virtual_token_reserves,
        virtual_quote: t.virtual_quote_reserves,
        real_token: t.real_token_reserves,
        real_quote: t.real_quote_reserves,
    }
}

/// The curve an account notification states.
pub fn reserves_of_curve(c: &CurveUpdate) -> Reserves {
    Reserves {
        virtual_token: c.virtual_token_reserves,
        virtual_quote: c.virtual_quote_reserves,
        real_token: c.real_token_reserves,
        real_quote: c.real_quote_reserves,
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
            last_launch: None,
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

    /// What the last launch the kernel saw came to (`None` before the first).
    pub fn last_launch(&self) -> Option<LaunchOutcome> {
        self.last_launch
    }

    /// The fee rates sells and the book's marks are priced at.
    pub fn rates(&self) -> FeeRates {
        self.rates
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
                        p.observe(reserves_of_trade(t), t.slot);
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

    /// Numbers an order and journals its intent (before execution can see it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn order(
        &mut self,
        why: Why,
        approved: Approved,
        mint: MintInfo,
        reserves: Reserves,
        read_at: u64,
        decided_at: u64,
        venue: Venue,
    ) -> Order {
        let id = self.next_order;
        self.next_order += 1;
        let order = Order {
            id,
            why,
            approved,
            coin: mint,
            reserves,
            read_at,
            decided_at,
            venue,
        };
        self.record(Record::Order(order.record()));
        order
    }

    pub(super) fn record(&self, r: Record) {
        if let Some(j) = &self.journal {
            j.record(r);
        }
    }

    /// Tells the control plane and plugins, without waiting.
    pub(super) fn emit(&self, e: EngineEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.try_send(e);
        }
    }

    /// Tells plugins of a launch. Called after the engine acted on the frame (its order, if
    /// any, is on its way), so the hand-off never delays a send.
    pub fn announce(&self, s: &Stamped) {
        if let FeedEvent::Launch(l) = &s.event {
            self.emit(EngineEvent::Launch(*l));
        }
    }

    pub(super) fn alert(&self, text: String) {
        if self.events.is_some() {
            self.emit(EngineEvent::Alert(text));
        }
    }
}
