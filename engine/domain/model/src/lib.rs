//! The engine's vocabulary, shared by the strategies and the engine that runs them: what a
//! launch looks like to the decision path, what a strategy may ask for (an [`Intent`]), and
//! time as a value handed in rather than read from the system, so live, paper and backtest run
//! the same code.

use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM, USDC_MINT, WSOL_MINT};
use std::time::Duration;

use kestrel_units::{Bps, Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

pub mod calendar;
pub mod event;
pub use event::{CurveTrade, CurveUpdate, InlineStr, LaunchEvent, SignatureText};

/// Nanoseconds since the Unix epoch, as the engine's clock reported them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub fn plus(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        )
    }

    /// Time from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// Nanoseconds on a monotonic clock since the process first asked: the stamps of the latency
/// histograms (never for strategy decisions, which take a [`Clock`]).
pub fn mono_nanos() -> u64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(std::time::Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The system clock, for live and paper runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The time now, without the trait in scope.
    pub fn now_ts(self) -> Timestamp {
        Clock::now(&self)
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Where strategies get the time: the system clock live, recorded time in a backtest.
pub trait Clock {
    fn now(&self) -> Timestamp;
}

/// The token program that owns a mint: the one spelling of it in memory. Its address is
/// [`TokenProgram::id`]; the journal stores it as a flag ([`TokenProgram::is_2022`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenProgram {
    /// SPL Token (`create`).
    Spl,
    /// Token-2022 (`create_v2`).
    Token2022,
}

impl TokenProgram {
    /// The program's address.
    pub const fn id(self) -> Pubkey {
        match self {
            Self::Spl => TOKEN_PROGRAM,
            Self::Token2022 => TOKEN_2022_PROGRAM,
        }
    }

    /// The program at `id`, if it is one of the two.
    pub fn of_id(id: &Pubkey) -> Option<Self> {
        [Self::Spl, Self::Token2022]
            .into_iter()
            .find(|p| p.id() == *id)
    }

    pub const fn is_2022(self) -> bool {
        matches!(self, Self::Token2022)
    }

    /// The program a journal flag names.
    pub const fn from_2022(token_2022: bool) -> Self {
        if token_2022 {
            Self::Token2022
        } else {
            Self::Spl
        }
    }
}

/// What a coin is priced in: its curve's quote mint (docs/protocol.md §1.7). Since May 2026 a
/// curve may be quoted in USDC; its reserves and amounts are then USDC base units, never
/// lamports, and only the v2 instructions trade it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quote {
    Sol,
    Usdc,
    Other(Pubkey),
}

impl Quote {
    /// The quote of a curve or event naming `mint`: SOL coins name the default key, WSOL, or
    /// (events from before the field existed) nothing.
    pub fn of_mint(mint: Option<Pubkey>) -> Self {
        match mint {
            None => Self::Sol,
            Some(m) if m == Pubkey::default() || m == WSOL_MINT => Self::Sol,
            Some(m) if m == USDC_MINT => Self::Usdc,
            Some(m) => Self::Other(m),
        }
    }

    /// A SOL curve's quote amount as the lamports it is; `None` for any other quote, so a
    /// USDC amount can never pass for lamports.
    pub fn lamports(self, amount: QuoteAmount) -> Option<Lamports> {
        match self {
            Self::Sol => Some(Lamports(amount.0)),
            Self::Usdc | Self::Other(_) => None,
        }
    }

    /// The quotes Kestrel trades and keeps books in.
    pub const TRADED: [Quote; 2] = [Quote::Sol, Quote::Usdc];

    /// Decimals of the quote mint: 9 for SOL, 6 for USDC (docs/protocol.md §1.7); other mints
    /// are not traded, and are shown in base units.
    pub fn decimals(self) -> u32 {
        match self {
            Self::Sol => 9,
            Self::Usdc => 6,
            Self::Other(_) => 0,
        }
    }

    /// The name shown beside an amount (`SOL`, `USDC`, or the mint).
    pub fn symbol(self) -> String {
        match self {
            Self::Sol => "SOL".to_owned(),
            Self::Usdc => "USDC".to_owned(),
            Self::Other(m) => m.to_string(),
        }
    }

    /// `amount` in whole units of this quote, exactly (`0.05 SOL`, `12.5 USDC`).
    pub fn show(self, amount: QuoteAmount) -> String {
        format!(
            "{} {}",
            decimal(i128::from(amount.0), self.decimals()),
            self.symbol()
        )
    }

    /// A signed amount (PnL) in whole units of this quote (`-0.012 SOL`).
    pub fn show_signed(self, amount: i64) -> String {
        format!(
            "{} {}",
            decimal(i128::from(amount), self.decimals()),
            self.symbol()
        )
    }

    /// Parses config's spelling: `SOL`, `USDC` (any case), or a base58 mint.
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("sol") {
            return Some(Self::Sol);
        }
        if s.eq_ignore_ascii_case("usdc") {
            return Some(Self::Usdc);
        }
        s.parse::<Pubkey>().ok().map(|m| Self::of_mint(Some(m)))
    }
}

/// The operator's price of each traded quote in SOL, for the limits and thresholds that are
/// set in SOL (the guardian's caps, the daily loss limit, the sniper's market-cap ceiling):
/// a USDC amount counts as the lamports it would be at `usdc_per_sol`. A configured figure,
/// not a feed (`[quotes] usdc_per_sol`), shown wherever it is used. Integers only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotePrices {
    /// USDC base units one SOL is worth (150 USDC: 150_000_000); 0: not set, so USDC amounts
    /// have no SOL value and USDC is not traded.
    pub usdc_per_sol: QuoteAmount,
}

impl QuotePrices {
    /// Only SOL has a value: nothing else is priced.
    pub const SOL_ONLY: Self = Self {
        usdc_per_sol: QuoteAmount::ZERO,
    };

    /// `amount` of `quote` in lamports at the configured price (`None`: not priced).
    pub fn lamports(&self, quote: Quote, amount: QuoteAmount) -> Option<Lamports> {
        match quote {
            Quote::Sol => Some(Lamports(amount.0)),
            Quote::Usdc if self.usdc_per_sol.0 > 0 => {
                let v = u128::from(amount.0) * u128::from(kestrel_units::LAMPORTS_PER_SOL)
                    / u128::from(self.usdc_per_sol.0);
                Some(Lamports(u64::try_from(v).unwrap_or(u64::MAX)))
            }
            Quote::Usdc | Quote::Other(_) => None,
        }
    }

    /// A signed amount (PnL) of `quote` in lamports at the configured price (0: not priced).
    pub fn lamports_signed(&self, quote: Quote, amount: i64) -> i64 {
        let v = self
            .lamports(quote, QuoteAmount(amount.unsigned_abs()))
            .map_or(0, |l| i64::try_from(l.0).unwrap_or(i64::MAX));
        if amount < 0 { -v } else { v }
    }

    /// A SOL figure in `quote`'s units at the configured price (`None`: not priced).
    pub fn in_quote(&self, quote: Quote, lamports: Lamports) -> Option<QuoteAmount> {
        match quote {
            Quote::Sol => Some(QuoteAmount(lamports.0)),
            Quote::Usdc if self.usdc_per_sol.0 > 0 => {
                let v = u128::from(lamports.0) * u128::from(self.usdc_per_sol.0)
                    / u128::from(kestrel_units::LAMPORTS_PER_SOL);
                Some(QuoteAmount(u64::try_from(v).unwrap_or(u64::MAX)))
            }
            Quote::Usdc | Quote::Other(_) => None,
        }
    }
}

/// One figure per traded quote ([`Quote::TRADED`]): what the book and config keep per currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerQuote<T> {
    pub sol: T,
    pub usdc: T,
}

impl<T> PerQuote<T> {
    /// The figure for `quote` (`None`: a quote that is not traded).
    pub fn get(&self, quote: Quote) -> Option<&T> {
        match quote {
            Quote::Sol => Some(&self.sol),
            Quote::Usdc => Some(&self.usdc),
            Quote::Other(_) => None,
        }
    }

    pub fn get_mut(&mut self, quote: Quote) -> Option<&mut T> {
        match quote {
            Quote::Sol => Some(&mut self.sol),
            Quote::Usdc => Some(&mut self.usdc),
            Quote::Other(_) => None,
        }
    }

    /// Each traded quote with its figure.
    pub fn iter(&self) -> impl Iterator<Item = (Quote, &T)> {
        [(Quote::Sol, &self.sol), (Quote::Usdc, &self.usdc)].into_iter()
    }
}

/// `v` base units as a decimal with `decimals` places, trailing zeros trimmed; integers only.
fn decimal(v: i128, decimals: u32) -> String {
    let scale = 10i128.pow(decimals);
    let sign = if v < 0 { "-" } else { "" };
    let (whole, frac) = (v.abs() / scale, v.abs() % scale);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// A launch as the decision path sees it: decoded from the CreateEvent (and, when the creator
/// bought in the same transaction, its TradeEvent), borrowing name and symbol from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Launch<'a> {
    pub mint: Pubkey,
    /// What the curve is priced in.
    pub quote: Quote,
    pub bonding_curve: Pubkey,
    pub creator: Pubkey,
    pub name: &'a str,
    pub symbol: &'a str,
    pub token_program: TokenProgram,
    pub is_mayhem_mode: bool,
    pub is_cashback: bool,
    /// Reserves after everything in the create transaction (the creator's own buy included).
    pub virtual_token_reserves: TokenAmount,
    pub virtual_quote_reserves: QuoteAmount,
    pub real_token_reserves: TokenAmount,
    pub token_total_supply: TokenAmount,
    /// Quote units the creator put into the curve in the create transaction, if they bought.
    pub creator_buy: Option<QuoteAmount>,
    pub seen_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Spend this much of the curve's quote (fees included): lamports on a SOL curve, USDC
    /// base units on a USDC one.
    Buy { quote: Quote, spend: QuoteAmount },
    /// Sell this many tokens.
    Sell { tokens: TokenAmount },
}

/// What a strategy asks for. Nothing acts on an intent until the guardian approves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intent {
    pub mint: Pubkey,
    pub creator: Pubkey,
    pub side: Side,
    /// Worst acceptable price move against us.
    pub max_slippage: Bps,
    /// Priority fee, micro-lamports per compute unit.
    pub cu_price_micro_lamports: u64,
    pub created_at: Timestamp,
}

impl Intent {
    /// What this intent puts at risk, in its quote's units (zero for sells).
    pub fn spend(&self) -> QuoteAmount {
        match self.side {
            Side::Buy { spend, .. } => spend,
            Side::Sell { .. } => QuoteAmount::ZERO,
        }
    }

    pub fn is_buy(&self) -> bool {
        matches!(self.side, Side::Buy { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_amounts_show_in_their_own_decimals_and_only_sol_is_lamports() {
        assert_eq!(Quote::Sol.show(QuoteAmount(50_000_000)), "0.05 SOL");
        assert_eq!(Quote::Usdc.show(QuoteAmount(12_500_000)), "12.5 USDC");
        assert_eq!(Quote::Usdc.show_signed(-1_250_000), "-1.25 USDC");
        assert_eq!(Quote::Sol.show_signed(-7), "-0.000000007 SOL");
        assert_eq!(Quote::Sol.lamports(QuoteAmount(5)), Some(Lamports(5)));
        assert_eq!(Quote::Usdc.lamports(QuoteAmount(5)), None);
    }

    #[test]
    fn a_usdc_amount_has_a_sol_value_only_at_a_configured_price() {
        let at_150 = QuotePrices {
            usdc_per_sol: QuoteAmount(150_000_000),
        };
        assert_eq!(
            at_150.lamports(Quote::Usdc, QuoteAmount(15_000_000)),
            Some(Lamports(100_000_000))
        );
        assert_eq!(
            at_150.lamports_signed(Quote::Usdc, -15_000_000),
            -100_000_000
        );
        assert_eq!(
            at_150.in_quote(Quote::Usdc, Lamports(1_000_000_000)),
            Some(QuoteAmount(150_000_000))
        );
        assert_eq!(
            QuotePrices::SOL_ONLY.lamports(Quote::Usdc, QuoteAmount(1)),
            None
        );
        assert_eq!(
            QuotePrices::SOL_ONLY.lamports(Quote::Sol, QuoteAmount(7)),
            Some(Lamports(7))
        );
        let other = Quote::Other(Pubkey::new_from_array([3; 32]));
        assert_eq!(at_150.lamports(other, QuoteAmount(1)), None);
        assert_eq!(PerQuote { sol: 1, usdc: 2 }.get(other), None);
    }

    #[test]
    fn timestamps_measure_without_underflow() {
        let t = Timestamp(1_000);
        assert_eq!(
            t.plus(Duration::from_nanos(500)).since(t),
            Duration::from_nanos(500)
        );
        assert_eq!(t.since(Timestamp(2_000)), Duration::ZERO);
    }
}
