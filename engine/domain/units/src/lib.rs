//! Money on the trading path is integers with their unit in the type: a lamport count can never be
//! added to a token amount by accident, and nothing here is a float.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

/// Lamports per SOL (1 SOL = 10^9 lamports).
pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;

/// An amount of SOL in lamports.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Lamports(pub u64);

/// An amount of an SPL token in its base units (pump.fun mints have 6 decimals).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TokenAmount(pub u64);

/// An amount of a bonding curve's quote mint in its base units: lamports for SOL-paired coins,
/// millionths of a USDC for USDC-paired ones (docs/protocol.md §1.7). Its own type because the
/// v2 instructions take limits in whichever mint the curve is quoted in, and calling a USDC
/// amount `Lamports` would make a 10^3 scaling mistake type-check.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct QuoteAmount(pub u64);

/// A rate in basis points (1 bps = 0.01 %).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Bps(pub u64);

macro_rules! integer_unit {
    ($t:ident) => {
        impl $t {
            pub const ZERO: Self = Self(0);

            pub const fn get(self) -> u64 {
                self.0
            }

            pub const fn checked_add(self, rhs: Self) -> Option<Self> {
                match self.0.checked_add(rhs.0) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            pub const fn checked_sub(self, rhs: Self) -> Option<Self> {
                match self.0.checked_sub(rhs.0) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            pub const fn saturating_sub(self, rhs: Self) -> Self {
                Self(self.0.saturating_sub(rhs.0))
            }
        }

        impl From<u64> for $t {
            fn from(v: u64) -> Self {
                Self(v)
            }
        }

        /// Panics on overflow in debug builds like `u64`; use `checked_add` where input is external.
        impl Add for $t {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl AddAssign for $t {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl Sub for $t {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }
    };
}

integer_unit!(Lamports);
integer_unit!(TokenAmount);
integer_unit!(Bps);
integer_unit!(QuoteAmount);

/// On a SOL-paired curve the quote amount is a lamport count.
impl From<Lamports> for QuoteAmount {
    fn from(v: Lamports) -> Self {
        Self(v.0)
    }
}

impl Lamports {
    /// Whole SOL, for configuration and display; exact, no floats.
    pub const fn from_sol(sol: u64) -> Option<Self> {
        match sol.checked_mul(LAMPORTS_PER_SOL) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }
}

/// Shows lamports as SOL with all nine decimals, trailing zeros trimmed (`1.5 SOL`).
impl fmt::Display for Lamports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / LAMPORTS_PER_SOL;
        let frac = self.0 % LAMPORTS_PER_SOL;
        if frac == 0 {
            return write!(f, "{whole} SOL");
        }
        let digits = format!("{frac:09}");
        write!(f, "{whole}.{} SOL", digits.trim_end_matches('0'))
    }
}

impl fmt::Display for TokenAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Base units with no unit name: which mint they count is the curve's `quote_mint`.
impl fmt::Display for QuoteAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Bps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bps", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lamports_display_is_exact_sol() {
        assert_eq!(Lamports(1_500_000_000).to_string(), "1.5 SOL");
        assert_eq!(Lamports(1).to_string(), "0.000000001 SOL");
        assert_eq!(Lamports(2 * LAMPORTS_PER_SOL).to_string(), "2 SOL");
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(Lamports(u64::MAX).checked_add(Lamports(1)), None);
        assert_eq!(Lamports(1).checked_sub(Lamports(2)), None);
        assert_eq!(Lamports::from_sol(u64::MAX), None);
        assert_eq!(
            TokenAmount(5).saturating_sub(TokenAmount(9)),
            TokenAmount::ZERO
        );
    }

    #[test]
    fn serializes_as_a_plain_integer() {
        assert_eq!(serde_json::to_string(&Lamports(42)).unwrap(), "42");
        let back: TokenAmount = serde_json::from_str("7").unwrap();
        assert_eq!(back, TokenAmount(7));
    }

    #[test]
    fn a_lamport_count_is_a_quote_amount_on_a_sol_curve() {
        assert_eq!(QuoteAmount::from(Lamports(1_234)), QuoteAmount(1_234));
        assert_eq!(QuoteAmount(5_000_000).to_string(), "5000000");
    }
}
