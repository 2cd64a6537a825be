//! Re-entry: after a position is closed, keep watching its mint and buy back when momentum
//! confirms: the price breaks above a reference (the high while held, or the exit price) by
//! a margin, and within a window the net buy volume and the number of distinct buyers clear
//! their floors. A cooldown follows every exit, re-entries per mint are capped, and each
//! re-entry is sized from the last by a factor. Every pass has a typed reason. Volumes and
//! sizes are counted in the coin's own quote; the figures config sets in SOL are converted at
//! the configured price (`QuotePrices`) for a coin in another quote.
//!
//! Pure logic over events: time comes in with each call; the per-mint memory is fixed-size,
//! so watching a trade allocates nothing.

// Keyed per process, and faster than SipHash on the 32-byte keys every event looks up.
use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::time::Duration;

use kestrel_model::{Intent, Quote, QuotePrices, Side, Timestamp};
use kestrel_units::{Bps, Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;
use strum::{EnumCount, EnumDiscriminants, IntoStaticStr, VariantArray};

const WHOLE: u128 = 10_000;
/// Trades remembered per watched mint (the window's evidence).
const RECENT: usize = 64;

/// A spot price as the curve states it: `quote / token` (virtual reserves).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Price {
    pub quote: QuoteAmount,
    pub token: TokenAmount,
}

impl Price {
    /// `self ≥ other × (1 + margin)`, exactly.
    pub fn at_least_above(&self, other: &Price, margin: Bps) -> bool {
        let lhs = u128::from(self.quote.0) * u128::from(other.token.0) * WHOLE;
        let rhs =
            u128::from(other.quote.0) * u128::from(self.token.0) * (WHOLE + u128::from(margin.0));
        self.token.0 > 0 && other.token.0 > 0 && lhs >= rhs
    }

    /// The higher of two prices.
    pub fn max(self, other: Price) -> Price {
        if other.token.0 == 0 {
            return self;
        }
        if self.token.0 == 0 || other.at_least_above(&self, Bps(0)) {
            other
        } else {
            self
        }
    }
}

/// Which price the breakout is measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// The highest price seen while the position was held.
    PriorHigh,
    /// The price the position was closed at.
    ExitPrice,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReentryConfig {
    pub enabled: bool,
    pub reference: Reference,
    /// How far above the reference the price must be.
    pub breakout: Bps,
    /// Net buy volume (buys minus sells) within the window, in SOL (at `prices` for a coin in
    /// another quote).
    pub min_net_buy: Lamports,
    /// Distinct buyers within the window.
    pub min_buyers: u32,
    pub window: Duration,
    /// No re-entry this soon after an exit.
    pub cooldown: Duration,
    pub max_per_mint: u32,
    /// The first re-entry's size, in SOL (at `prices` for a coin in another quote).
    pub spend: Lamports,
    /// Each further re-entry is the previous one's size times this (10 000 = the same).
    pub size_scale: Bps,
    /// A mint is forgotten this long after its exit.
    pub watch_for: Duration,
    /// Mints watched at once; the oldest exit is dropped first.
    pub max_watched: usize,
    pub slippage: Bps,
    pub cu_price_micro_lamports: u64,
    /// What the SOL figures are in another quote (the operator's configured price).
    pub prices: QuotePrices,
}

impl Default for ReentryConfig {
    /// Off; the other figures are what a trader might start from.
    fn default() -> Self {
        Self {
            enabled: false,
            reference: Reference::PriorHigh,
            breakout: Bps(1_000),
            min_net_buy: Lamports(2_000_000_000),
            min_buyers: 3,
            window: Duration::from_secs(30),
            cooldown: Duration::from_secs(30),
            max_per_mint: 1,
            spend: Lamports(30_000_000),
            size_scale: Bps(5_000),
            watch_for: Duration::from_secs(1_800),
            max_watched: 256,
            slippage: Bps(1_500),
            cu_price_micro_lamports: 100_000,
            prices: QuotePrices::SOL_ONLY,
        }
    }
}

/// Why a trade on a watched mint did not lead to a re-entry. The index and name of each pass
/// come from [`PassKind`], derived from these variants in this order (counters are kept by
/// index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumDiscriminants)]
#[strum_discriminants(
    name(PassKind),
    vis(pub(crate)),
    derive(EnumCount, IntoStaticStr, VariantArray),
    strum(serialize_all = "snake_case")
)]
pub enum Pass {
    Cooldown,
    CapReached,
    BelowBreakout,
    ThinVolume { net: i64, min: QuoteAmount },
    FewBuyers { buyers: u32, min: u32 },
}

impl Pass {
    pub const COUNT: usize = PassKind::COUNT;

    pub fn index(&self) -> usize {
        PassKind::from(self) as usize
    }

    pub fn name_at(index: usize) -> &'static str {
        PassKind::VARIANTS
            .get(index)
            .map_or("unknown", |&kind| kind.into())
    }
}

impl fmt::Display for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cooldown => f.write_str("still in the cooldown after the exit"),
            Self::CapReached => f.write_str("re-entries for this mint are used up"),
            Self::BelowBreakout => f.write_str("price has not broken out"),
            Self::ThinVolume { net, min } => {
                write!(f, "net buy volume {net} quote units, below {min}")
            }
            Self::FewBuyers { buyers, min } => write!(f, "{buyers} distinct buyers, below {min}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Enter(Intent),
    Pass(Pass),
}

/// A position just closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed {
    pub mint: Pubkey,
    pub quote: Quote,
    pub creator: Pubkey,
    pub high: Price,
    pub exit: Price,
    pub at: Timestamp,
}

/// A trade on some mint, as the feed saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trade {
    pub mint: Pubkey,
    pub user: Pubkey,
    pub is_buy: bool,
    /// What the curve took or paid, in the coin's quote.
    pub quote_amount: QuoteAmount,
    /// The curve after the trade.
    pub price: Price,
    pub at: Timestamp,
}

#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    at: Timestamp,
    user: Pubkey,
    /// Quote units in (+, a buy) or out (−, a sell).
    flow: i64,
}

#[derive(Clone, Debug)]
struct Watched {
    creator: Pubkey,
    quote: Quote,
    /// `min_net_buy` in this coin's quote.
    min_net_buy: QuoteAmount,
    /// `spend` in this coin's quote.
    base_spend: QuoteAmount,
    reference: Price,
    exited_at: Timestamp,
    entries: u32,
    next_spend: QuoteAmount,
    recent: [Recent; RECENT],
    /// Next slot to write in `recent` (a ring).
    head: usize,
    len: usize,
}

impl Watched {
    /// Empties the ring. Entries are then `recent[..len]` until it wraps, then all of it.
    fn forget_trades(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

pub struct Reentry {
    cfg: ReentryConfig,
    own: Pubkey,
    watched: HashMap<Pubkey, Watched>,
    passes: [u64; Pass::COUNT],
    entries: u64,
}

impl Reentry {
    /// `own` is our wallet: our own trades are not momentum.
    pub fn new(cfg: ReentryConfig, own: Pubkey) -> Self {
        let cap = cfg.max_watched;
        Self {
            cfg,
            own,
            watched: HashMap::with_capacity(cap),
            passes: [0; Pass::COUNT],
            entries: 0,
        }
    }

    pub fn config(&self) -> &ReentryConfig {
        &self.cfg
    }

    pub fn watching(&self, mint: &Pubkey) -> bool {
        self.watched.contains_key(mint)
    }

    pub fn watched(&self) -> usize {
        self.watched.len()
    }

    pub fn passes(&self, index: usize) -> u64 {
        self.passes.get(index).copied().unwrap_or(0)
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Re-entries made so far in `mint`.
    pub fn entries_in(&self, mint: &Pubkey) -> u32 {
        self.watched.get(mint).map_or(0, |w| w.entries)
    }

    /// A position closed: watch its mint (again).
    pub fn on_exit(&mut self, c: Closed) {
        if !self.cfg.enabled || self.cfg.max_watched == 0 {
            return;
        }
        let reference = match self.cfg.reference {
            Reference::PriorHigh => c.high.max(c.exit),
            Reference::ExitPrice => c.exit,
        };
        // An unpriced quote: nothing to size a re-entry in, so it is not watched.
        let (Some(min_net_buy), Some(base_spend)) = (
            self.cfg.prices.in_quote(c.quote, self.cfg.min_net_buy),
            self.cfg.prices.in_quote(c.quote, self.cfg.spend),
        ) else {
            return;
        };
        if let Some(w) = self.watched.get_mut(&c.mint) {
            w.reference = reference;
            w.exited_at = c.at;
            w.forget_trades();
            return;
        }
        if self.watched.len() >= self.cfg.max_watched
            && let Some(oldest) = self
                .watched
                .iter()
                .min_by_key(|(m, w)| (w.exited_at, **m))
                .map(|(m, _)| *m)
        {
            self.watched.remove(&oldest);
        }
        self.watched.insert(
            c.mint,
            Watched {
                creator: c.creator,
                quote: c.quote,
                min_net_buy,
                base_spend,
                reference,
                exited_at: c.at,
                entries: 0,
                next_spend: base_spend,
                recent: [Recent::default(); RECENT],
                head: 0,
                len: 0,
            },
        );
    }

    /// Restores a mint's re-entry count (after a restart, from the journal).
    pub fn restore(&mut self, c: Closed, entries: u32) {
        self.on_exit(c);
        if let Some(w) = self.watched.get_mut(&c.mint) {
            w.entries = entries;
            w.next_spend = scaled(w.base_spend, self.cfg.size_scale, entries);
        }
    }

    /// A trade on any mint. `None` when the mint is not watched (most trades).
    pub fn on_trade(&mut self, t: &Trade) -> Option<Decision> {
        let cfg = &self.cfg;
        let w = self.watched.get_mut(&t.mint)?;
        if t.at.since(w.exited_at) > cfg.watch_for {
            self.watched.remove(&t.mint);
            return None;
        }
        if t.user != self.own {
            let flow = i64::try_from(t.quote_amount.0).unwrap_or(i64::MAX);
            w.recent[w.head] = Recent {
                at: t.at,
                user: t.user,
                flow: if t.is_buy { flow } else { -flow },
            };
            w.head = (w.head + 1) % RECENT;
            w.len = (w.len + 1).min(RECENT);
        }
        let decision = decide(cfg, w, t);
        match decision {
            Decision::Pass(p) => {
                if let Some(n) = self.passes.get_mut(p.index()) {
                    *n += 1;
                }
            }
            Decision::Enter(intent) => {
                w.entries += 1;
                w.next_spend = scaled(intent.spend(), cfg.size_scale, 1);
                // The evidence is spent: the next re-entry needs fresh momentum.
                w.forget_trades();
                self.entries += 1;
            }
        }
        Some(decision)
    }

    /// The re-entry buy failed: it does not count against the cap.
    pub fn entry_failed(&mut self, mint: &Pubkey) {
        if let Some(w) = self.watched.get_mut(mint) {
            w.entries = w.entries.saturating_sub(1);
            w.next_spend = scaled(w.base_spend, self.cfg.size_scale, w.entries);
        }
    }
}

fn scaled(base: QuoteAmount, scale: Bps, times: u32) -> QuoteAmount {
    let mut v = u128::from(base.0);
    for _ in 0..times {
        v = v * u128::from(scale.0) / WHOLE;
    }
    QuoteAmount(u64::try_from(v).unwrap_or(u64::MAX))
}

fn decide(cfg: &ReentryConfig, w: &Watched, t: &Trade) -> Decision {
    if w.entries >= cfg.max_per_mint {
        return Decision::Pass(Pass::CapReached);
    }
    if t.at.since(w.exited_at) < cfg.cooldown {
        return Decision::Pass(Pass::Cooldown);
    }
    if !t.price.at_least_above(&w.reference, cfg.breakout) {
        return Decision::Pass(Pass::BelowBreakout);
    }
    let since = Timestamp(t.at.0.saturating_sub(duration_nanos(cfg.window)));
    let in_window = || w.recent[..w.len].iter().filter(|r| r.at >= since);
    let net: i64 = in_window().map(|r| r.flow).sum();
    if net < i64::try_from(w.min_net_buy.0).unwrap_or(i64::MAX) {
        return Decision::Pass(Pass::ThinVolume {
            net,
            min: w.min_net_buy,
        });
    }
    // Distinct buyers: a quadratic scan over at most RECENT entries, without allocating.
    let mut distinct = 0u32;
    for (i, r) in w.recent[..w.len].iter().enumerate() {
        if r.at < since || r.flow <= 0 {
            continue;
        }
        let seen_before = w.recent[..i]
            .iter()
            .any(|o| o.at >= since && o.flow > 0 && o.user == r.user);
        if !seen_before {
            distinct += 1;
        }
    }
    if distinct < cfg.min_buyers {
        return Decision::Pass(Pass::FewBuyers {
            buyers: distinct,
            min: cfg.min_buyers,
        });
    }
    Decision::Enter(Intent {
        mint: t.mint,
        creator: w.creator,
        side: Side::Buy {
            quote: w.quote,
            spend: w.next_spend,
        },
        max_slippage: cfg.slippage,
        cu_price_micro_lamports: cfg.cu_price_micro_lamports,
        created_at: t.at,
    })
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
