//! The guardian: the gate every intent passes before execution. It holds the trading state
//! (ACTIVE, REDUCING, HALTED) and the limits, and answers each intent with a distinct type:
//! an [`Approved`] intent, which only this crate can make, or a [`Refused`] one with a typed
//! reason. Execution takes only `Approved`, so nothing unapproved can reach it.

pub mod exits;
pub mod route;

use std::fmt;

use kestrel_model::{Intent, PerQuote, Quote, QuotePrices, Side, Timestamp};
use kestrel_units::{Bps, Lamports, QuoteAmount};
use solana_pubkey::Pubkey;
use strum::{EnumCount, EnumDiscriminants, EnumString, IntoStaticStr, VariantArray};

/// Whether the engine may open positions. Its names (the control plane's and the journal's)
/// are derived from the variants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, IntoStaticStr, EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum TradingState {
    /// Entries and exits.
    #[default]
    Active,
    /// Exits only, and everything is being sold (the kill switch's "sell all").
    Reducing,
    /// Exits only (the daily loss limit, or the kill switch's "stop").
    Halted,
    /// Exits only: the operator paused entries; `resume` undoes it (2026-12).
    Paused,
}

/// The limits, from config. They are set in SOL; a buy in another quote counts at
/// `prices` (the operator's configured price, not a feed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_sol_per_trade: Lamports,
    pub max_total_exposure: Lamports,
    pub max_open_positions: u32,
    pub max_exposure_per_creator: Lamports,
    /// SOL that stays in the wallet whatever happens (fees, rent, exits).
    pub sol_reserve: Lamports,
    pub max_slippage: Bps,
    /// Micro-lamports per compute unit.
    pub max_cu_price: u64,
    /// Realized losses in one UTC day that halt new entries (`None`: no limit).
    pub daily_loss_limit: Option<Lamports>,
    /// What other quotes count as in SOL, for these limits.
    pub prices: QuotePrices,
}

const DAY_NANOS: u64 = 86_400 * 1_000_000_000;

/// The UTC day `t` falls in, counted from the Unix epoch.
pub fn day_of(t: Timestamp) -> u64 {
    t.0 / DAY_NANOS
}

impl TradingState {
    pub fn name(&self) -> &'static str {
        (*self).into()
    }

    pub fn from_name(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// The number the metrics publish (`kestrel_trading_state`): 0 active, 1 reducing,
    /// 2 halted, 3 paused. Append-only.
    pub fn code(self) -> u64 {
        match self {
            TradingState::Active => 0,
            TradingState::Reducing => 1,
            TradingState::Halted => 2,
            TradingState::Paused => 3,
        }
    }

    /// The state a published number stands for.
    pub fn from_code(code: u64) -> Option<Self> {
        [
            TradingState::Active,
            TradingState::Reducing,
            TradingState::Halted,
            TradingState::Paused,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// What the guardian needs to know of the book (positions held by the strategy thread).
pub trait Exposure {
    /// The wallet's SOL.
    fn wallet_balance(&self) -> Lamports;
    /// The wallet's holding of a quote other than SOL, when it is known.
    fn quote_balance(&self, quote: Quote) -> Option<QuoteAmount>;
    fn open_positions(&self) -> u32;
    /// `quote` at cost in open positions priced in it.
    fn total_exposure(&self, quote: Quote) -> QuoteAmount;
    fn creator_exposure(&self, creator: &Pubkey, quote: Quote) -> QuoteAmount;
    fn holds(&self, mint: &Pubkey) -> bool;
}

/// Why an intent was refused. The index and name of each reason come from [`ReasonKind`],
/// derived from these variants in this order (the counters are kept by index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumDiscriminants)]
#[strum_discriminants(
    name(ReasonKind),
    vis(pub(crate)),
    derive(EnumCount, IntoStaticStr, VariantArray),
    strum(serialize_all = "snake_case")
)]
pub enum Reason {
    Halted,
    Reducing,
    TradeTooLarge {
        spend: Lamports,
        max: Lamports,
    },
    TotalExposure {
        after: Lamports,
        max: Lamports,
    },
    TooManyPositions {
        open: u32,
        max: u32,
    },
    CreatorExposure {
        after: Lamports,
        max: Lamports,
    },
    Reserve {
        would_leave: Lamports,
        reserve: Lamports,
    },
    Slippage {
        asked: Bps,
        max: Bps,
    },
    CuPrice {
        asked: u64,
        max: u64,
    },
    BlacklistedMint,
    BlacklistedCreator,
    AlreadyHeld,
    NothingToSell,
    /// A buy in a quote with no configured SOL price (`[quotes]`): its size cannot be held to
    /// the limits.
    UnpricedQuote {
        quote: Quote,
    },
    /// A buy in a quote other than SOL larger than the wallet holds of it.
    QuoteBalance {
        quote: Quote,
        spend: QuoteAmount,
        holds: QuoteAmount,
    },
    /// The operator paused entries (2026-12; appended, so the counters' indices stay).
    Paused,
}

impl Reason {
    pub const COUNT: usize = ReasonKind::COUNT;

    /// A stable index, for counters.
    pub fn index(&self) -> usize {
        ReasonKind::from(self) as usize
    }

    pub fn name(&self) -> &'static str {
        ReasonKind::from(self).into()
    }

    /// The name of the reason with [`Reason::index`] `index`, for counters kept by index.
    pub fn name_at(index: usize) -> &'static str {
        ReasonKind::VARIANTS
            .get(index)
            .map_or("unknown", |&kind| kind.into())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Halted => f.write_str("trading is halted: exits only"),
            Self::Reducing => f.write_str("trading is reducing: exits only"),
            Self::Paused => f.write_str("trading is paused: exits only until resumed"),
            Self::TradeTooLarge { spend, max } => {
                write!(f, "trade of {spend} exceeds the {max} limit")
            }
            Self::TotalExposure { after, max } => {
                write!(f, "exposure would reach {after}, above {max}")
            }
            Self::TooManyPositions { open, max } => write!(f, "{open} positions open, limit {max}"),
            Self::CreatorExposure { after, max } => write!(
                f,
                "exposure to this creator would reach {after}, above {max}"
            ),
            Self::Reserve {
                would_leave,
                reserve,
            } => write!(f, "would leave {would_leave}, below the {reserve} reserve"),
            Self::Slippage { asked, max } => write!(f, "slippage {asked} above the {max} cap"),
            Self::CuPrice { asked, max } => {
                write!(f, "compute-unit price {asked} above the {max} cap")
            }
            Self::BlacklistedMint => f.write_str("mint is blacklisted"),
            Self::BlacklistedCreator => f.write_str("creator is blacklisted"),
            Self::AlreadyHeld => f.write_str("a position in this mint is already open"),
            Self::NothingToSell => f.write_str("no position in this mint"),
            Self::UnpricedQuote { quote } => write!(
                f,
                "no SOL price is configured for {} ([quotes]), so its size cannot be checked",
                quote.symbol()
            ),
            Self::QuoteBalance {
                quote,
                spend,
                holds,
            } => write!(
                f,
                "spends {} but the wallet holds {}",
                quote.show(*spend),
                quote.show(*holds)
            ),
        }
    }
}

/// An intent the guardian let through. Only [`Guardian::check`] makes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approved(Intent);

impl Approved {
    pub fn intent(&self) -> &Intent {
        &self.0
    }
}

/// An intent the guardian stopped, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub intent: Intent,
    pub reason: Reason,
}

#[derive(Clone, Debug)]
pub struct Guardian {
    limits: Limits,
    state: TradingState,
    /// Sorted, for allocation-free lookup on the decision path.
    blacklisted_mints: Vec<Pubkey>,
    blacklisted_creators: Vec<Pubkey>,
    refusals: [u64; Reason::COUNT],
    approvals: u64,
    /// The UTC day of `day_realized`.
    day: u64,
    /// Realized PnL so far today (lamports; negative is a loss).
    day_realized: i64,
}

impl Guardian {
    pub fn new(
        limits: Limits,
        mut blacklisted_mints: Vec<Pubkey>,
        mut blacklisted_creators: Vec<Pubkey>,
    ) -> Self {
        blacklisted_mints.sort_unstable();
        blacklisted_creators.sort_unstable();
        Self {
            limits,
            state: TradingState::Active,
            blacklisted_mints,
            blacklisted_creators,
            refusals: [0; Reason::COUNT],
            approvals: 0,
            day: 0,
            day_realized: 0,
        }
    }

    /// Books a realized result (a sell's PnL in its quote's units, trading fees in; counted in
    /// SOL at the configured price). Returns the new state if the daily loss limit was reached
    /// just now: ACTIVE moves to HALTED (exits go on).
    pub fn record_realized(
        &mut self,
        quote: Quote,
        pnl: i64,
        now: Timestamp,
    ) -> Option<TradingState> {
        let today = day_of(now);
        if today != self.day {
            self.day = today;
            self.day_realized = 0;
        }
        let pnl = self.limits.prices.lamports_signed(quote, pnl);
        self.day_realized = self.day_realized.saturating_add(pnl);
        self.check_daily_loss()
    }

    /// Today's realized PnL per quote as the journal had it (after a restart), counted in
    /// SOL at the configured prices.
    pub fn restore_day(&mut self, day: u64, realized: PerQuote<i64>) -> Option<TradingState> {
        self.day = day;
        let prices = self.limits.prices;
        self.day_realized = realized
            .iter()
            .map(|(q, v)| prices.lamports_signed(q, *v))
            .fold(0i64, i64::saturating_add);
        self.check_daily_loss()
    }

    /// (UTC day, realized PnL that day).
    pub fn day_realized(&self) -> (u64, i64) {
        (self.day, self.day_realized)
    }

    fn check_daily_loss(&mut self) -> Option<TradingState> {
        let limit = self.limits.daily_loss_limit?;
        let lost = u64::try_from(self.day_realized.saturating_neg()).unwrap_or(0);
        // A pause does not hide the limit: reaching it halts, and a resume does not undo that.
        if matches!(self.state, TradingState::Active | TradingState::Paused)
            && limit.0 > 0
            && lost >= limit.0
        {
            self.state = TradingState::Halted;
            return Some(TradingState::Halted);
        }
        None
    }

    pub fn state(&self) -> TradingState {
        self.state
    }

    /// Moves to another state (the kill switch, the daily loss limit, resume).
    pub fn set_state(&mut self, state: TradingState) {
        self.state = state;
    }

    /// Never buy `mint` (found in the wallet without a journal record, say).
    pub fn blacklist_mint(&mut self, mint: Pubkey) {
        if let Err(i) = self.blacklisted_mints.binary_search(&mint) {
            self.blacklisted_mints.insert(i, mint);
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Refusals so far, by reason.
    pub fn refusals(&self, reason: &Reason) -> u64 {
        self.refusals.get(reason.index()).copied().unwrap_or(0)
    }

    pub fn approvals(&self) -> u64 {
        self.approvals
    }

    /// The gate. No locks, no allocation.
    // The refused intent comes back by value: boxing it would allocate on the decision path.
    #[allow(clippy::result_large_err)]
    pub fn check(&mut self, intent: Intent, book: &impl Exposure) -> Result<Approved, Refused> {
        match self.reason(&intent, book) {
            None => {
                self.approvals += 1;
                Ok(Approved(intent))
            }
            Some(reason) => {
                if let Some(n) = self.refusals.get_mut(reason.index()) {
                    *n += 1;
                }
                Err(Refused { intent, reason })
            }
        }
    }

    fn reason(&self, intent: &Intent, book: &impl Exposure) -> Option<Reason> {
        let l = &self.limits;
        if intent.max_slippage > l.max_slippage {
            return Some(Reason::Slippage {
                asked: intent.max_slippage,
                max: l.max_slippage,
            });
        }
        if intent.cu_price_micro_lamports > l.max_cu_price {
            return Some(Reason::CuPrice {
                asked: intent.cu_price_micro_lamports,
                max: l.max_cu_price,
            });
        }
        let spend = match intent.side {
            // Exits go on in every state.
            Side::Sell { .. } => {
                return (!book.holds(&intent.mint)).then_some(Reason::NothingToSell);
            }
            Side::Buy { quote, spend } => (quote, spend),
        };
        let (quote, spend_units) = spend;
        match self.state {
            TradingState::Active => {}
            TradingState::Reducing => return Some(Reason::Reducing),
            TradingState::Halted => return Some(Reason::Halted),
            TradingState::Paused => return Some(Reason::Paused),
        }
        if self.blacklisted_mints.binary_search(&intent.mint).is_ok() {
            return Some(Reason::BlacklistedMint);
        }
        if self
            .blacklisted_creators
            .binary_search(&intent.creator)
            .is_ok()
        {
            return Some(Reason::BlacklistedCreator);
        }
        if book.holds(&intent.mint) {
            return Some(Reason::AlreadyHeld);
        }
        let Some(spend) = l.prices.lamports(quote, spend_units) else {
            return Some(Reason::UnpricedQuote { quote });
        };
        if spend > l.max_sol_per_trade {
            return Some(Reason::TradeTooLarge {
                spend,
                max: l.max_sol_per_trade,
            });
        }
        if book.open_positions() >= l.max_open_positions {
            return Some(Reason::TooManyPositions {
                open: book.open_positions(),
                max: l.max_open_positions,
            });
        }
        let total = self
            .in_sol(|q| book.total_exposure(q))
            .checked_add(spend)
            .unwrap_or(Lamports(u64::MAX));
        if total > l.max_total_exposure {
            return Some(Reason::TotalExposure {
                after: total,
                max: l.max_total_exposure,
            });
        }
        let creator = self
            .in_sol(|q| book.creator_exposure(&intent.creator, q))
            .checked_add(spend)
            .unwrap_or(Lamports(u64::MAX));
        if creator > l.max_exposure_per_creator {
            return Some(Reason::CreatorExposure {
                after: creator,
                max: l.max_exposure_per_creator,
            });
        }
        // A SOL buy spends the wallet's SOL; any other quote spends its own token account
        // and only network fees in SOL.
        let left = match quote {
            Quote::Sol => book.wallet_balance().saturating_sub(spend),
            Quote::Usdc | Quote::Other(_) => book.wallet_balance(),
        };
        if left < l.sol_reserve {
            return Some(Reason::Reserve {
                would_leave: left,
                reserve: l.sol_reserve,
            });
        }
        if quote != Quote::Sol
            && let Some(holds) = book.quote_balance(quote)
            && holds < spend_units
        {
            return Some(Reason::QuoteBalance {
                quote,
                spend: spend_units,
                holds,
            });
        }
        None
    }

    /// A per-quote figure of the book summed in SOL at the configured prices (a quote with no
    /// price has no positions: its buys are refused).
    fn in_sol(&self, per_quote: impl Fn(Quote) -> QuoteAmount) -> Lamports {
        Quote::TRADED
            .iter()
            .filter_map(|&q| self.limits.prices.lamports(q, per_quote(q)))
            .fold(Lamports::ZERO, |a, b| {
                a.checked_add(b).unwrap_or(Lamports(u64::MAX))
            })
    }
}

#[cfg(test)]
mod tests {
    use kestrel_model::Timestamp;
    use kestrel_units::TokenAmount;

    use super::*;

    const SOL: u64 = 1_000_000_000;

    struct Book {
        balance: u64,
        usdc: Option<u64>,
        open: u32,
        exposure: u64,
        usdc_exposure: u64,
        creator: u64,
        held: Option<Pubkey>,
    }

    impl Exposure for Book {
        fn wallet_balance(&self) -> Lamports {
            Lamports(self.balance)
        }
        fn quote_balance(&self, quote: Quote) -> Option<QuoteAmount> {
            (quote == Quote::Usdc)
                .then_some(self.usdc.map(QuoteAmount))
                .flatten()
        }
        fn open_positions(&self) -> u32 {
            self.open
        }
        fn total_exposure(&self, quote: Quote) -> QuoteAmount {
            match quote {
                Quote::Sol => QuoteAmount(self.exposure),
                Quote::Usdc => QuoteAmount(self.usdc_exposure),
                Quote::Other(_) => QuoteAmount::ZERO,
            }
        }
        fn creator_exposure(&self, _: &Pubkey, quote: Quote) -> QuoteAmount {
            match quote {
                Quote::Sol => QuoteAmount(self.creator),
                Quote::Usdc | Quote::Other(_) => QuoteAmount::ZERO,
            }
        }
        fn holds(&self, mint: &Pubkey) -> bool {
            self.held == Some(*mint)
        }
    }

    fn limits() -> Limits {
        Limits {
            max_sol_per_trade: Lamports(SOL),
            max_total_exposure: Lamports(5 * SOL),
            max_open_positions: 3,
            max_exposure_per_creator: Lamports(2 * SOL),
            sol_reserve: Lamports(SOL / 2),
            max_slippage: Bps(1_500),
            max_cu_price: 1_000_000,
            daily_loss_limit: Some(Lamports(SOL)),
            // 100 USDC per SOL.
            prices: QuotePrices {
                usdc_per_sol: QuoteAmount(100_000_000),
            },
        }
    }

    fn empty() -> Book {
        Book {
            balance: 10 * SOL,
            usdc: None,
            open: 0,
            exposure: 0,
            usdc_exposure: 0,
            creator: 0,
            held: None,
        }
    }

    fn buy(spend: u64) -> Intent {
        Intent {
            mint: Pubkey::new_from_array([1; 32]),
            creator: Pubkey::new_from_array([2; 32]),
            side: Side::Buy {
                quote: Quote::Sol,
                spend: QuoteAmount(spend),
            },
            max_slippage: Bps(1_000),
            cu_price_micro_lamports: 100_000,
            created_at: Timestamp(0),
        }
    }

    fn refused(g: &mut Guardian, i: Intent, book: &Book) -> Reason {
        g.check(i, book).unwrap_err().reason
    }

    #[test]
    fn a_sound_buy_is_approved_and_keeps_its_intent() {
        let mut g = Guardian::new(limits(), vec![], vec![]);
        let a = g.check(buy(SOL / 10), &empty()).unwrap();
        assert_eq!(a.intent().spend(), QuoteAmount(SOL / 10));
        assert_eq!(g.approvals(), 1);
    }

    #[test]
    fn every_rule_refuses_when_it_should() {
        let mut g = Guardian::new(
            limits(),
            vec![Pubkey::new_from_array([9; 32])],
            vec![Pubkey::new_from_array([8; 32])],
        );
        let e = empty();
        assert!(matches!(
            refused(&mut g, buy(2 * SOL), &e),
            Reason::TradeTooLarge { .. }
        ));
        assert!(matches!(
            refused(&mut g, buy(SOL / 10), &Book { open: 3, ..empty() }),
            Reason::TooManyPositions { open: 3, max: 3 }
        ));
        assert!(matches!(
            refused(
                &mut g,
                buy(SOL),
                &Book {
                    exposure: 4 * SOL + 1,
                    ..empty()
                }
            ),
            Reason::TotalExposure { .. }
        ));
        assert!(matches!(
            refused(
                &mut g,
                buy(SOL),
                &Book {
                    creator: SOL + 1,
                    ..empty()
                }
            ),
            Reason::CreatorExposure { .. }
        ));
        assert!(matches!(
            refused(
                &mut g,
                buy(SOL),
                &Book {
                    balance: SOL + SOL / 4,
                    ..empty()
                }
            ),
            Reason::Reserve { .. }
        ));
        let mut slippy = buy(SOL / 10);
        slippy.max_slippage = Bps(2_000);
        assert!(matches!(
            refused(&mut g, slippy, &e),
            Reason::Slippage { .. }
        ));
        let mut pricey = buy(SOL / 10);
        pricey.cu_price_micro_lamports = 2_000_000;
        assert!(matches!(
            refused(&mut g, pricey, &e),
            Reason::CuPrice { .. }
        ));
        let mut bad_mint = buy(SOL / 10);
        bad_mint.mint = Pubkey::new_from_array([9; 32]);
        assert_eq!(refused(&mut g, bad_mint, &e), Reason::BlacklistedMint);
        let mut bad_creator = buy(SOL / 10);
        bad_creator.creator = Pubkey::new_from_array([8; 32]);
        assert_eq!(refused(&mut g, bad_creator, &e), Reason::BlacklistedCreator);
        let held = Book {
            held: Some(Pubkey::new_from_array([1; 32])),
            ..empty()
        };
        assert_eq!(refused(&mut g, buy(SOL / 10), &held), Reason::AlreadyHeld);
        assert_eq!(g.refusals(&Reason::AlreadyHeld), 1);
        assert_eq!(g.approvals(), 0);
    }

    /// A USDC buy of `units` base units.
    fn buy_usdc(units: u64) -> Intent {
        Intent {
            side: Side::Buy {
                quote: Quote::Usdc,
                spend: QuoteAmount(units),
            },
            ..buy(0)
        }
    }

    #[test]
    fn a_usdc_buy_is_held_to_the_sol_limits_at_the_configured_price() {
        let mut g = Guardian::new(limits(), vec![], vec![]);
        // 100 USDC is 1 SOL at 100 USDC/SOL: at the per-trade cap, not over it.
        assert!(g.check(buy_usdc(100_000_000), &empty()).is_ok());
        assert_eq!(
            refused(&mut g, buy_usdc(100_000_001), &empty()),
            Reason::TradeTooLarge {
                spend: Lamports(SOL + 10),
                max: Lamports(SOL)
            }
        );
        // USDC positions count toward total exposure beside SOL ones: 4.5 SOL + 0.6 SOL > 5.
        let mixed = Book {
            exposure: 4 * SOL,
            usdc_exposure: 50_000_000,
            ..empty()
        };
        assert!(matches!(
            refused(&mut g, buy_usdc(60_000_000), &mixed),
            Reason::TotalExposure { .. }
        ));
        // A USDC buy spends no SOL, so the SOL reserve only needs the wallet to stay above it.
        let low_sol = Book {
            balance: SOL / 2 + 1,
            ..empty()
        };
        assert!(g.check(buy_usdc(50_000_000), &low_sol).is_ok());
        // It cannot spend more USDC than the wallet holds, when that is known.
        let poor = Book {
            usdc: Some(10_000_000),
            ..empty()
        };
        assert_eq!(
            refused(&mut g, buy_usdc(20_000_000), &poor),
            Reason::QuoteBalance {
                quote: Quote::Usdc,
                spend: QuoteAmount(20_000_000),
                holds: QuoteAmount(10_000_000)
            }
        );
        // Without a configured price a USDC buy cannot be sized, so it is refused.
        let mut unpriced = Guardian::new(
            Limits {
                prices: QuotePrices::SOL_ONLY,
                ..limits()
            },
            vec![],
            vec![],
        );
        assert_eq!(
            refused(&mut unpriced, buy_usdc(1), &empty()),
            Reason::UnpricedQuote { quote: Quote::Usdc }
        );
        // A USDC loss counts toward the daily limit at the price: -100 USDC is -1 SOL.
        assert_eq!(
            g.record_realized(Quote::Usdc, -100_000_000, Timestamp(1)),
            Some(TradingState::Halted)
        );
    }

    #[test]
    fn reducing_and_halted_allow_exits_only() {
        let mut g = Guardian::new(limits(), vec![], vec![]);
        let mint = Pubkey::new_from_array([1; 32]);
        let sell = Intent {
            side: Side::Sell {
                tokens: TokenAmount(5),
            },
            ..buy(0)
        };
        let holding = Book {
            held: Some(mint),
            open: 1,
            ..empty()
        };
        for (state, reason) in [
            (TradingState::Reducing, Reason::Reducing),
            (TradingState::Halted, Reason::Halted),
            (TradingState::Paused, Reason::Paused),
        ] {
            g.set_state(state);
            assert_eq!(refused(&mut g, buy(SOL / 10), &empty()), reason);
            assert!(
                g.check(sell, &holding).is_ok(),
                "exits go on when {state:?}"
            );
        }
        assert_eq!(refused(&mut g, sell, &empty()), Reason::NothingToSell);
        g.set_state(TradingState::Active);
        assert!(g.check(buy(SOL / 10), &empty()).is_ok());
    }

    #[test]
    fn reasons_have_stable_names_and_messages() {
        assert_eq!(Reason::Halted.name(), "halted");
        assert_eq!(
            Reason::UnpricedQuote { quote: Quote::Usdc }.to_string(),
            "no SOL price is configured for USDC ([quotes]), so its size cannot be checked"
        );
        let r = Reason::Reserve {
            would_leave: Lamports(SOL / 4),
            reserve: Lamports(SOL / 2),
        };
        assert_eq!(
            r.to_string(),
            "would leave 0.25 SOL, below the 0.5 SOL reserve"
        );
    }

    #[test]
    fn refusal_and_state_names_are_the_ones_counters_and_the_control_plane_use() {
        let names: Vec<&str> = (0..Reason::COUNT).map(Reason::name_at).collect();
        assert_eq!(
            names,
            [
                "halted",
                "reducing",
                "trade_too_large",
                "total_exposure",
                "too_many_positions",
                "creator_exposure",
                "reserve",
                "slippage",
                "cu_price",
                "blacklisted_mint",
                "blacklisted_creator",
                "already_held",
                "nothing_to_sell",
                "unpriced_quote",
                "quote_balance",
                "paused",
            ]
        );
        assert_eq!(Reason::name_at(Reason::COUNT), "unknown");
        let cap = Reason::CuPrice { asked: 2, max: 1 };
        assert_eq!((cap.index(), cap.name()), (8, "cu_price"));
        for (state, name) in [
            (TradingState::Active, "active"),
            (TradingState::Reducing, "reducing"),
            (TradingState::Halted, "halted"),
            (TradingState::Paused, "paused"),
        ] {
            assert_eq!(state.name(), name);
            assert_eq!(TradingState::from_name(name), Some(state));
            assert_eq!(TradingState::from_code(state.code()), Some(state));
        }
        assert_eq!(TradingState::from_code(4), None);
        assert_eq!(TradingState::from_name("Active"), None);
    }

    #[test]
    fn the_daily_loss_limit_halts_entries_and_resets_the_next_day() {
        let mut g = Guardian::new(limits(), vec![], vec![]);
        let day = 20_000 * DAY_NANOS;
        assert_eq!(
            g.record_realized(Quote::Sol, -600_000_000, Timestamp(day)),
            None
        );
        assert_eq!(
            g.record_realized(Quote::Sol, 300_000_000, Timestamp(day + 1)),
            None
        );
        // -0.3 SOL net so far; another -0.7 SOL reaches the 1 SOL limit.
        assert_eq!(
            g.record_realized(Quote::Sol, -700_000_000, Timestamp(day + 2)),
            Some(TradingState::Halted)
        );
        assert_eq!(g.state(), TradingState::Halted);
        assert_eq!(g.day_realized(), (20_000, -1_000_000_000));
        // A new day starts from zero; the halt stays until resumed.
        assert_eq!(
            g.record_realized(Quote::Sol, -1, Timestamp(day + DAY_NANOS)),
            None
        );
        assert_eq!(g.day_realized(), (20_001, -1));
        assert_eq!(g.state(), TradingState::Halted);
        // A restart that finds today's losses over the limit halts again.
        g.set_state(TradingState::Active);
        assert_eq!(
            g.restore_day(
                20_001,
                PerQuote {
                    sol: -(SOL as i64),
                    usdc: -100_000_000
                }
            ),
            Some(TradingState::Halted)
        );
    }
}
