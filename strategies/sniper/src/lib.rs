//! The sniper: on each launch, buy or skip. Filters by name and symbol patterns, creator lists,
//! token program, mayhem and cashback flags, the creator's own first buy, the market cap at
//! entry and a launches-per-minute limit; sizes every buy at a fixed amount of the coin's quote
//! (`buy_lamports` for SOL coins, `buy_usdc_units` for USDC ones). Thresholds set in SOL (the
//! creator's buy, the market cap) are compared in the coin's own quote at the configured price. Every skip has
//! a typed reason and is counted. The decision takes no locks and allocates nothing.

use std::time::Duration;

use kestrel_model::{Intent, Launch, PerQuote, Quote, QuotePrices, Side, Timestamp, TokenProgram};
use kestrel_pump::curve::{self, Reserves};
use kestrel_units::{Bps, Lamports, QuoteAmount};
use solana_pubkey::Pubkey;
use strum::{EnumCount, IntoStaticStr, VariantArray};

/// A case-insensitive substring pattern (ASCII case folded), matched without allocating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern(Vec<u8>);

impl Pattern {
    pub fn new(text: &str) -> Self {
        Self(text.bytes().map(|b| b.to_ascii_lowercase()).collect())
    }

    pub fn matches(&self, haystack: &str) -> bool {
        let needle = self.0.as_slice();
        if needle.is_empty() {
            return true;
        }
        haystack.as_bytes().windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
    }
}

/// How a yes/no property of a launch is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlagRule {
    #[default]
    Any,
    Require,
    Forbid,
}

impl FlagRule {
    fn allows(self, flag: bool) -> bool {
        match self {
            Self::Any => true,
            Self::Require => flag,
            Self::Forbid => !flag,
        }
    }
}

/// The creator's own buy in the create transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreatorBuyRule {
    /// Skip launches where the creator bought nothing.
    pub required: bool,
    pub min: Lamports,
    pub max: Lamports,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SniperConfig {
    /// The quotes it buys in (SOL by default): a coin priced in anything else is skipped,
    /// never sent an instruction for another quote.
    pub quote_mints: Vec<Quote>,
    pub name_allow: Vec<Pattern>,
    pub name_deny: Vec<Pattern>,
    pub symbol_allow: Vec<Pattern>,
    pub symbol_deny: Vec<Pattern>,
    /// Empty: any creator.
    pub creator_allow: Vec<Pubkey>,
    pub creator_deny: Vec<Pubkey>,
    /// None: either.
    pub token_program: Option<TokenProgram>,
    pub mayhem: FlagRule,
    pub cashback: FlagRule,
    pub creator_buy: Option<CreatorBuyRule>,
    /// Skip launches whose market cap at entry is above this (for a coin in another quote,
    /// at `prices`).
    pub max_market_cap: Option<Lamports>,
    /// At most this many buys in any 60 s (0: no limit).
    pub max_launches_per_minute: u32,
    /// The spend of one buy, in each quote's base units.
    pub buy_size: PerQuote<QuoteAmount>,
    /// What SOL thresholds are in another quote (the operator's configured price).
    pub prices: QuotePrices,
    pub slippage: Bps,
    pub cu_price_micro_lamports: u64,
}

/// Why a launch was skipped. Names, the count and the list of all reasons are derived from
/// these variants; the index is the declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumCount, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum SkipReason {
    NameDenied,
    NameNotAllowed,
    SymbolDenied,
    SymbolNotAllowed,
    CreatorDenied,
    CreatorNotAllowed,
    TokenProgram,
    Mayhem,
    Cashback,
    NoCreatorBuy,
    CreatorBuyTooSmall,
    CreatorBuyTooLarge,
    MarketCapTooHigh,
    RateLimited,
    /// Priced in a quote the sniper does not trade (`quote_mints`).
    QuoteMint,
}

impl SkipReason {
    pub const ALL: [SkipReason; <SkipReason as EnumCount>::COUNT] =
        match Self::VARIANTS.first_chunk() {
            Some(all) => *all,
            // The count and the variants are derived from the same list.
            None => panic!("SkipReason::VARIANTS is shorter than SkipReason::COUNT"),
        };

    pub fn name(self) -> &'static str {
        self.into()
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Buy(Intent),
    Skip(SkipReason),
}

const RATE_WINDOW: Duration = Duration::from_secs(60);

pub struct Sniper {
    cfg: SniperConfig,
    /// Times of the last buys, oldest first at `next` (a ring of `max_launches_per_minute`).
    recent_buys: Vec<Timestamp>,
    next: usize,
    skips: [u64; SkipReason::ALL.len()],
    buys: u64,
}

impl Sniper {
    pub fn new(mut cfg: SniperConfig) -> Self {
        cfg.creator_allow.sort_unstable();
        cfg.creator_deny.sort_unstable();
        let ring = cfg.max_launches_per_minute as usize;
        Self {
            cfg,
            recent_buys: Vec::with_capacity(ring),
            next: 0,
            skips: [0; SkipReason::ALL.len()],
            buys: 0,
        }
    }

    pub fn skipped(&self, reason: SkipReason) -> u64 {
        self.skips.get(reason.index()).copied().unwrap_or(0)
    }

    pub fn buys(&self) -> u64 {
        self.buys
    }

    /// Buy or skip. Counts the outcome.
    pub fn on_launch(&mut self, launch: &Launch<'_>) -> Decision {
        match self.screen(launch) {
            Some(reason) => {
                if let Some(n) = self.skips.get_mut(reason.index()) {
                    *n += 1;
                }
                Decision::Skip(reason)
            }
            None => {
                self.record_buy(launch.seen_at);
                self.buys += 1;
                Decision::Buy(Intent {
                    mint: launch.mint,
                    creator: launch.creator,
                    side: Side::Buy {
                        quote: launch.quote,
                        spend: self
                            .cfg
                            .buy_size
                            .get(launch.quote)
                            .copied()
                            .unwrap_or_default(),
                    },
                    max_slippage: self.cfg.slippage,
                    cu_price_micro_lamports: self.cfg.cu_price_micro_lamports,
                    created_at: launch.seen_at,
                })
            }
        }
    }

    /// Why the sniper's rules would skip `l`, if they would: every filter, without the
    /// per-minute buy cap (which depends on what was bought) or counting anything. What the
    /// bots' launch alerts are screened by.
    pub fn screen(&self, l: &Launch<'_>) -> Option<SkipReason> {
        let c = &self.cfg;
        // A quote it trades, with a buy size in it.
        if !c.quote_mints.contains(&l.quote)
            || c.buy_size.get(l.quote).is_none_or(|size| size.0 == 0)
        {
            return Some(SkipReason::QuoteMint);
        }
        if c.name_deny.iter().any(|p| p.matches(l.name)) {
            return Some(SkipReason::NameDenied);
        }
        if !c.name_allow.is_empty() && !c.name_allow.iter().any(|p| p.matches(l.name)) {
            return Some(SkipReason::NameNotAllowed);
        }
        if c.symbol_deny.iter().any(|p| p.matches(l.symbol)) {
            return Some(SkipReason::SymbolDenied);
        }
        if !c.symbol_allow.is_empty() && !c.symbol_allow.iter().any(|p| p.matches(l.symbol)) {
            return Some(SkipReason::SymbolNotAllowed);
        }
        if c.creator_deny.binary_search(&l.creator).is_ok() {
            return Some(SkipReason::CreatorDenied);
        }
        if !c.creator_allow.is_empty() && c.creator_allow.binary_search(&l.creator).is_err() {
            return Some(SkipReason::CreatorNotAllowed);
        }
        if c.token_program.is_some_and(|p| p != l.token_program) {
            return Some(SkipReason::TokenProgram);
        }
        if !c.mayhem.allows(l.is_mayhem_mode) {
            return Some(SkipReason::Mayhem);
        }
        if !c.cashback.allows(l.is_cashback) {
            return Some(SkipReason::Cashback);
        }
        // SOL thresholds in the coin's quote (an unpriced quote has no buy size: skipped above).
        let in_quote = |sol: Lamports| c.prices.in_quote(l.quote, sol).unwrap_or(QuoteAmount(0));
        if let Some(rule) = c.creator_buy {
            match l.creator_buy {
                None if rule.required => return Some(SkipReason::NoCreatorBuy),
                Some(b) if b < in_quote(rule.min) => return Some(SkipReason::CreatorBuyTooSmall),
                Some(b) if b > in_quote(rule.max) => return Some(SkipReason::CreatorBuyTooLarge),
                _ => {}
            }
        }
        if let Some(ceiling) = c.max_market_cap {
            let r = Reserves {
                virtual_token: l.virtual_token_reserves,
                virtual_quote: l.virtual_quote_reserves,
                real_token: l.real_token_reserves,
                real_quote: QuoteAmount::ZERO,
            };
            // A curve whose cap cannot be computed is not one to buy.
            if curve::market_cap(&r, l.token_total_supply).map_or(true, |mc| mc > in_quote(ceiling))
            {
                return Some(SkipReason::MarketCapTooHigh);
            }
        }
        if self.rate_limited(l.seen_at) {
            return Some(SkipReason::RateLimited);
        }
        None
    }

    fn rate_limited(&self, now: Timestamp) -> bool {
        let cap = self.cfg.max_launches_per_minute as usize;
        if cap == 0 || self.recent_buys.len() < cap {
            return false;
        }
        // Full ring: the oldest of the last `cap` buys must have left the window.
        self.recent_buys
            .get(self.next)
            .is_some_and(|oldest| now.since(*oldest) < RATE_WINDOW)
    }

    fn record_buy(&mut self, at: Timestamp) {
        let cap = self.cfg.max_launches_per_minute as usize;
        if cap == 0 {
            return;
        }
        if self.recent_buys.len() < cap {
            self.recent_buys.push(at);
        } else if let Some(slot) = self.recent_buys.get_mut(self.next) {
            *slot = at;
            self.next = (self.next + 1) % cap;
        }
    }
}

#[cfg(test)]
mod tests;
