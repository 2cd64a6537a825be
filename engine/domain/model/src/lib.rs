//! The engine's vocabulary, shared by the strategies and the engine that runs them: what a
//! launch looks like to the decision path, what a strategy may ask for (an [`Intent`]), and
//! time as a value handed in rather than read from the system, so live, paper and backtest run
//! the same code.

use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM, USDC_MINT, WSOL_MINT};
use std::time::Duration;

use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_pubkey::Pubkey;

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
    pub virtual_sol_reserves: Lamports,
    pub real_token_reserves: TokenAmount,
    pub token_total_supply: TokenAmount,
    /// SOL the creator put into the curve in the create transaction, if they bought.
    pub creator_buy: Option<Lamports>,
    pub seen_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Spend this much SOL (fees included).
    Buy { spend: Lamports },
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
    /// SOL this intent puts at risk (zero for sells).
    pub fn spend(&self) -> Lamports {
        match self.side {
            Side::Buy { spend } => spend,
            Side::Sell { .. } => Lamports::ZERO,
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
    fn timestamps_measure_without_underflow() {
        let t = Timestamp(1_000);
        assert_eq!(
            t.plus(Duration::from_nanos(500)).since(t),
            Duration::from_nanos(500)
        );
        assert_eq!(t.since(Timestamp(2_000)), Duration::ZERO);
    }
}
