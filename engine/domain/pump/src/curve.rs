//! Bonding-curve arithmetic (docs/protocol.md §1.5, from the official docs' `bondingCurve.ts`): constant
//! product on the virtual reserves, fees on the quote leg rounded up. Amounts on the quote side are
//! [`QuoteAmount`]: lamports on a SOL-quoted curve, USDC base units on a USDC-quoted one (the
//! program's math is the same for both since the 2026 upgrade, docs/protocol.md §1.7). All integer, all checked;
//! intermediate products are u128 so no input in range can overflow silently.

use kestrel_units::{Bps, QuoteAmount, TokenAmount};
use thiserror::Error;

const BPS_DENOMINATOR: u128 = 10_000;

/// The reserves a trade is priced against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reserves {
    pub virtual_token: TokenAmount,
    pub virtual_quote: QuoteAmount,
    pub real_token: TokenAmount,
    pub real_quote: QuoteAmount,
}

/// The fee rates that apply to one trade (tiered by market cap since 2025-09, so the caller
/// picks them from the fee config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeRates {
    pub protocol: Bps,
    pub creator: Bps,
}

impl FeeRates {
    pub const fn total(self) -> Bps {
        Bps(self.protocol.0.saturating_add(self.creator.0))
    }
}

/// The quote side of a trade, fees itemised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteLeg {
    /// What the curve itself takes or gives (`sol_amount`, or `quote_amount`, in the TradeEvent).
    pub curve: QuoteAmount,
    pub protocol_fee: QuoteAmount,
    pub creator_fee: QuoteAmount,
}

impl QuoteLeg {
    pub fn fees(&self) -> Option<QuoteAmount> {
        self.protocol_fee.checked_add(self.creator_fee)
    }
    /// A buyer pays curve + fees.
    pub fn buyer_pays(&self) -> Option<QuoteAmount> {
        self.curve.checked_add(self.fees()?)
    }
    /// A seller receives curve − fees.
    pub fn seller_receives(&self) -> Option<QuoteAmount> {
        self.curve.checked_sub(self.fees()?)
    }
}

#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum CurveError {
    #[error("the curve has no virtual reserves")]
    EmptyCurve,
    #[error("trade amount must be greater than zero")]
    ZeroAmount,
    #[error("asked for {requested} tokens but the curve holds {available}")]
    NotEnoughTokens { requested: u64, available: u64 },
    #[error("arithmetic overflow")]
    Overflow,
}

fn to_u64(v: u128) -> Result<u64, CurveError> {
    u64::try_from(v).map_err(|_| CurveError::Overflow)
}

/// Quote units the curve takes for exactly `tokens`: `floor(t·vSol/(vTok−t)) + 1`.
pub fn buy_quote_for_tokens(r: &Reserves, tokens: TokenAmount) -> Result<QuoteAmount, CurveError> {
    if tokens.0 == 0 {
        return Err(CurveError::ZeroAmount);
    }
    if tokens > r.real_token {
        return Err(CurveError::NotEnoughTokens {
            requested: tokens.0,
            available: r.real_token.0,
        });
    }
    let vtok = u128::from(r.virtual_token.0);
    let vsol = u128::from(r.virtual_quote.0);
    let t = u128::from(tokens.0);
    let denom = vtok
        .checked_sub(t)
        .filter(|d| *d > 0)
        .ok_or(CurveError::EmptyCurve)?;
    let sol = t.checked_mul(vsol).ok_or(CurveError::Overflow)? / denom + 1;
    Ok(QuoteAmount(to_u64(sol)?))
}

/// Tokens `quote` (net of fees) buys: `floor(s·vTok/(vSol+s))`, capped at the real reserves.
pub fn buy_tokens_for_quote(r: &Reserves, quote: QuoteAmount) -> Result<TokenAmount, CurveError> {
    if quote.0 == 0 {
        return Err(CurveError::ZeroAmount);
    }
    let vtok = u128::from(r.virtual_token.0);
    let vsol = u128::from(r.virtual_quote.0);
    let s = u128::from(quote.0);
    let denom = vsol.checked_add(s).ok_or(CurveError::Overflow)?;
    if vtok == 0 {
        return Err(CurveError::EmptyCurve);
    }
    let tokens = s.checked_mul(vtok).ok_or(CurveError::Overflow)? / denom;
    Ok(TokenAmount(to_u64(tokens)?.min(r.real_token.0)))
}

/// Quote units the curve pays for `tokens` before fees: `floor(t·vSol/(vTok+t))`.
pub fn sell_quote_for_tokens(r: &Reserves, tokens: TokenAmount) -> Result<QuoteAmount, CurveError> {
    if tokens.0 == 0 {
        return Err(CurveError::ZeroAmount);
    }
    let vtok = u128::from(r.virtual_token.0);
    let vsol = u128::from(r.virtual_quote.0);
    let t = u128::from(tokens.0);
    if vtok == 0 || vsol == 0 {
        return Err(CurveError::EmptyCurve);
    }
    let sol = t.checked_mul(vsol).ok_or(CurveError::Overflow)? / (vtok + t);
    Ok(QuoteAmount(to_u64(sol)?.min(r.real_quote.0)))
}

/// A fee on the quote leg: `ceil(amount·bps/10000)`.
pub fn fee(amount: QuoteAmount, rate: Bps) -> Result<QuoteAmount, CurveError> {
    let product = u128::from(amount.0)
        .checked_mul(u128::from(rate.0))
        .ok_or(CurveError::Overflow)?;
    Ok(QuoteAmount(to_u64(product.div_ceil(BPS_DENOMINATOR))?))
}

/// The quote leg of a buy of exactly `tokens`.
pub fn buy_exact_tokens(
    r: &Reserves,
    tokens: TokenAmount,
    rates: FeeRates,
) -> Result<QuoteLeg, CurveError> {
    let curve = buy_quote_for_tokens(r, tokens)?;
    Ok(QuoteLeg {
        curve,
        protocol_fee: fee(curve, rates.protocol)?,
        creator_fee: fee(curve, rates.creator)?,
    })
}

/// The quote leg of a sell of `tokens`.
pub fn sell_exact_tokens(
    r: &Reserves,
    tokens: TokenAmount,
    rates: FeeRates,
) -> Result<QuoteLeg, CurveError> {
    let curve = sell_quote_for_tokens(r, tokens)?;
    Ok(QuoteLeg {
        curve,
        protocol_fee: fee(curve, rates.protocol)?,
        creator_fee: fee(curve, rates.creator)?,
    })
}

/// What a gross quote budget leaves for the curve once fees are set aside:
/// `floor(gross·10000/(10000+total_bps))` (buy_exact_quote_in).
pub fn net_of_fees(gross: QuoteAmount, rates: FeeRates) -> Result<QuoteAmount, CurveError> {
    let denom = BPS_DENOMINATOR + u128::from(rates.total().0);
    let net = u128::from(gross.0)
        .checked_mul(BPS_DENOMINATOR)
        .ok_or(CurveError::Overflow)?
        / denom;
    Ok(QuoteAmount(to_u64(net)?))
}

/// A buy that spends at most `gross` quote units including fees (`buy_exact_sol_in`, or
/// `buy_exact_quote_in_v2`): the tokens it gets and the quote leg actually charged (never
/// more than `gross`).
pub fn buy_exact_quote_in(
    r: &Reserves,
    gross: QuoteAmount,
    rates: FeeRates,
) -> Result<(TokenAmount, QuoteLeg), CurveError> {
    let mut net = net_of_fees(gross, rates)?;
    // Fees round up and the exact-token cost adds a unit, so the first guess can overshoot
    // the budget by a few units; shrink the net by the overshoot until it fits.
    loop {
        let tokens = buy_tokens_for_quote(r, net)?;
        if tokens.0 == 0 {
            return Err(CurveError::ZeroAmount);
        }
        let leg = buy_exact_tokens(r, tokens, rates)?;
        let pays = leg.buyer_pays().ok_or(CurveError::Overflow)?;
        if pays <= gross {
            return Ok((tokens, leg));
        }
        net = net
            .checked_sub(pays - gross)
            .filter(|n| n.0 > 0)
            .ok_or(CurveError::ZeroAmount)?;
    }
}

/// Market cap in quote units at the current price: `vSol·supply/vTok`.
pub fn market_cap(r: &Reserves, supply: TokenAmount) -> Result<QuoteAmount, CurveError> {
    if r.virtual_token.0 == 0 {
        return Err(CurveError::EmptyCurve);
    }
    let mc = u128::from(r.virtual_quote.0)
        .checked_mul(u128::from(supply.0))
        .ok_or(CurveError::Overflow)?
        / u128::from(r.virtual_token.0);
    Ok(QuoteAmount(to_u64(mc)?))
}

impl Reserves {
    /// The reserves after a buy of `tokens` for `curve_quote` (the curve leg, fees excluded).
    pub fn after_buy(
        &self,
        tokens: TokenAmount,
        curve_quote: QuoteAmount,
    ) -> Result<Self, CurveError> {
        let over = || CurveError::NotEnoughTokens {
            requested: tokens.0,
            available: self.real_token.0,
        };
        Ok(Self {
            virtual_token: self.virtual_token.checked_sub(tokens).ok_or_else(over)?,
            virtual_quote: self
                .virtual_quote
                .checked_add(curve_quote)
                .ok_or(CurveError::Overflow)?,
            real_token: self.real_token.checked_sub(tokens).ok_or_else(over)?,
            real_quote: self
                .real_quote
                .checked_add(curve_quote)
                .ok_or(CurveError::Overflow)?,
        })
    }

    /// The reserves after a sell of `tokens` for `curve_quote` (the curve leg, fees excluded).
    pub fn after_sell(
        &self,
        tokens: TokenAmount,
        curve_quote: QuoteAmount,
    ) -> Result<Self, CurveError> {
        Ok(Self {
            virtual_token: self
                .virtual_token
                .checked_add(tokens)
                .ok_or(CurveError::Overflow)?,
            virtual_quote: self
                .virtual_quote
                .checked_sub(curve_quote)
                .ok_or(CurveError::Overflow)?,
            real_token: self
                .real_token
                .checked_add(tokens)
                .ok_or(CurveError::Overflow)?,
            real_quote: self
                .real_quote
                .checked_sub(curve_quote)
                .ok_or(CurveError::Overflow)?,
        })
    }

    /// A curve graduates when its real token reserves reach zero.
    pub const fn is_exhausted(&self) -> bool {
        self.real_token.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A fresh curve (official docs snapshot: 1.073e15 / 30 SOL / 7.931e14).
    const FRESH: Reserves = Reserves {
        virtual_token: TokenAmount(1_073_000_000_000_000),
        virtual_quote: QuoteAmount(30_000_000_000),
        real_token: TokenAmount(793_100_000_000_000),
        real_quote: QuoteAmount(0),
    };
    const RATES_2025_07: FeeRates = FeeRates {
        protocol: Bps(95),
        creator: Bps(5),
    };

    // tests/fixtures/pump/test_vectors.json: the first buy of the "Hawk Tuah" launch, 2025-07-26.
    #[test]
    fn reproduces_the_real_first_buy() {
        let leg = buy_exact_tokens(&FRESH, TokenAmount(176_856_457_560), RATES_2025_07).unwrap();
        assert_eq!(leg.curve, QuoteAmount(4_945_544));
        assert_eq!(leg.protocol_fee, QuoteAmount(46_983));
        assert_eq!(leg.creator_fee, QuoteAmount(2_473));
        let after = FRESH
            .after_buy(TokenAmount(176_856_457_560), leg.curve)
            .unwrap();
        assert_eq!(after.virtual_quote, QuoteAmount(30_004_945_544));
        assert_eq!(after.virtual_token, TokenAmount(1_072_823_143_542_440));
        assert_eq!(after.real_quote, QuoteAmount(4_945_544));
        assert_eq!(after.real_token, TokenAmount(792_923_143_542_440));
    }

    // docs/protocol.md §1.5: s = 69,135,801 net lamports buys 2,467,071,716,458 tokens (REAL).
    #[test]
    fn reproduces_the_real_sol_in_buy() {
        assert_eq!(
            buy_tokens_for_quote(&FRESH, QuoteAmount(69_135_801)).unwrap(),
            TokenAmount(2_467_071_716_458)
        );
    }

    #[test]
    fn fee_rounds_up() {
        assert_eq!(fee(QuoteAmount(1), Bps(95)).unwrap(), QuoteAmount(1));
        assert_eq!(fee(QuoteAmount(10_000), Bps(95)).unwrap(), QuoteAmount(95));
        assert_eq!(fee(QuoteAmount(10_001), Bps(95)).unwrap(), QuoteAmount(96));
        assert_eq!(fee(QuoteAmount(0), Bps(95)).unwrap(), QuoteAmount(0));
    }

    #[test]
    fn net_of_fees_matches_the_docs_formula() {
        let rates = FeeRates {
            protocol: Bps(95),
            creator: Bps(30),
        };
        // floor(1e9 * 10000 / 10125)
        assert_eq!(
            net_of_fees(QuoteAmount(1_000_000_000), rates).unwrap(),
            QuoteAmount(987_654_320)
        );
    }

    #[test]
    fn buying_more_than_the_curve_holds_is_refused() {
        let err = buy_quote_for_tokens(&FRESH, TokenAmount(FRESH.real_token.0 + 1)).unwrap_err();
        assert!(matches!(err, CurveError::NotEnoughTokens { .. }));
        // Buying with SOL caps at the real reserves instead.
        let all = buy_tokens_for_quote(&FRESH, QuoteAmount(1_000_000_000_000)).unwrap();
        assert_eq!(all, FRESH.real_token);
    }

    #[test]
    fn market_cap_of_a_fresh_curve() {
        // 30 SOL * 1e15 / 1.073e15 = 27.958993476 SOL
        assert_eq!(
            market_cap(&FRESH, TokenAmount(1_000_000_000_000_000)).unwrap(),
            QuoteAmount(27_958_993_476)
        );
    }

    proptest! {
        // Whatever the amount, a buy-then-sell round trip never returns more SOL than it paid:
        // the curve cannot be drained by rounding.
        #[test]
        fn round_trip_never_profits(tokens in 1u64..793_100_000_000_000) {
            let leg = buy_exact_tokens(&FRESH, TokenAmount(tokens), RATES_2025_07).unwrap();
            let after = FRESH.after_buy(TokenAmount(tokens), leg.curve).unwrap();
            let back = sell_exact_tokens(&after, TokenAmount(tokens), RATES_2025_07).unwrap();
            prop_assert!(back.curve <= leg.curve);
            prop_assert!(back.seller_receives().unwrap() < leg.buyer_pays().unwrap());
        }

        #[test]
        fn exact_sol_in_stays_within_budget(gross in 10_000u64..100_000_000_000) {
            let (tokens, leg) = buy_exact_quote_in(&FRESH, QuoteAmount(gross), RATES_2025_07).unwrap();
            prop_assert!(leg.buyer_pays().unwrap() <= QuoteAmount(gross));
            prop_assert!(tokens <= FRESH.real_token);
        }

        #[test]
        fn no_input_panics(vt in any::<u64>(), vs in any::<u64>(), rt in any::<u64>(),
                           rs in any::<u64>(), amt in any::<u64>(), bps in any::<u64>()) {
            let r = Reserves {
                virtual_token: TokenAmount(vt), virtual_quote: QuoteAmount(vs),
                real_token: TokenAmount(rt), real_quote: QuoteAmount(rs),
            };
            let rates = FeeRates { protocol: Bps(bps), creator: Bps(bps) };
            let _ = buy_exact_tokens(&r, TokenAmount(amt), rates);
            let _ = sell_exact_tokens(&r, TokenAmount(amt), rates);
            let _ = buy_tokens_for_quote(&r, QuoteAmount(amt));
            let _ = net_of_fees(QuoteAmount(amt), rates);
            let _ = market_cap(&r, TokenAmount(amt));
        }
    }
}
