//! Exits: the rules that close a held position, evaluated on every trade or account update of
//! its mint (and on the clock, for the hold time). Pure logic over integers: the price is the
//! curve's spot price `virtual_quote / virtual_token`, compared with the position's average
//! entry price `cost / tokens` (fees included, so +0 % means "sold at spot, we get back what we
//! paid per token") by cross-multiplication in u128, never through floats.

use std::fmt;
use std::time::Duration;

use kestrel_units::{Bps, QuoteAmount, TokenAmount};
use strum::{
    EnumCount, EnumDiscriminants, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr,
    VariantArray,
};

/// 100 % in basis points.
const WHOLE: u128 = 10_000;

/// A take-profit level: at `gain` above the entry price, sell `percent` of what is held then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TakeProfit {
    pub gain: Bps,
    pub percent: u8,
}

/// A trailing stop: armed once the price is `arm` above entry, it fires when the price falls
/// `trail` below the highest price seen since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailing {
    pub arm: Bps,
    pub trail: Bps,
}

/// The exit rules, from config. Each is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExitRules {
    /// Sorted by gain, lowest first; at most 8 levels.
    pub take_profit: Vec<TakeProfit>,
    /// Sell everything once the price is this far below entry.
    pub stop_loss: Option<Bps>,
    pub trailing: Option<Trailing>,
    pub max_hold: Option<Duration>,
    /// Sell everything when the coin's creator sells any of theirs.
    pub creator_sells: bool,
    /// Sell everything once the quote in the curve has fallen this far below its peak since entry.
    pub liquidity_drain: Option<Bps>,
}

/// Levels beyond this are refused by [`ExitRules::validate`] (a `u8` bitmask tracks them).
pub const MAX_TAKE_PROFIT_LEVELS: usize = 8;

impl ExitRules {
    /// Checks the rules make sense; the message names the offending rule.
    pub fn validate(&mut self) -> Result<(), String> {
        if self.take_profit.len() > MAX_TAKE_PROFIT_LEVELS {
            return Err(format!(
                "take_profit: {} levels, at most {MAX_TAKE_PROFIT_LEVELS}",
                self.take_profit.len()
            ));
        }
        for tp in &self.take_profit {
            if tp.percent == 0 || tp.percent > 100 {
                return Err(format!(
                    "take_profit at +{}: sell percent {} is not within 1..=100",
                    tp.gain, tp.percent
                ));
            }
            if tp.gain.0 == 0 {
                return Err("take_profit: a level at +0 % would sell at once".into());
            }
        }
        self.take_profit.sort_by_key(|t| t.gain);
        if let Some(sl) = self.stop_loss
            && (sl.0 == 0 || sl.0 >= 10_000)
        {
            return Err(format!("stop_loss: {sl} is not within (0 %, 100 %)"));
        }
        if let Some(t) = self.trailing
            && (t.trail.0 == 0 || t.trail.0 >= 10_000)
        {
            return Err(format!(
                "trailing: trail {} is not within (0 %, 100 %)",
                t.trail
            ));
        }
        if let Some(d) = self.liquidity_drain
            && (d.0 == 0 || d.0 > 10_000)
        {
            return Err(format!("liquidity_drain: {d} is not within (0 %, 100 %]"));
        }
        Ok(())
    }
}

/// Why a position is being sold. The index, name and parse of each reason come from
/// [`ExitReasonKind`], derived from these variants in this order (counters are kept by index,
/// the journal stores names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumDiscriminants, EnumIter)]
#[strum_discriminants(
    name(ExitReasonKind),
    vis(pub(crate)),
    derive(EnumCount, IntoStaticStr, EnumString, VariantArray),
    strum(serialize_all = "snake_case")
)]
pub enum ExitReason {
    /// Take-profit level `level` (0-based, in ascending gain).
    TakeProfit {
        level: u8,
    },
    StopLoss,
    TrailingStop,
    MaxHold,
    CreatorSold,
    LiquidityDrained,
    /// The kill switch (REDUCING).
    Kill,
    /// An operator's sell command.
    Manual,
    /// The curve completed: the position leaves through the off-curve (Jupiter) route.
    Graduated,
}

impl ExitReason {
    pub const COUNT: usize = ExitReasonKind::COUNT;

    pub fn index(&self) -> usize {
        ExitReasonKind::from(self) as usize
    }

    pub fn name(&self) -> &'static str {
        ExitReasonKind::from(self).into()
    }

    pub fn name_at(index: usize) -> &'static str {
        ExitReasonKind::VARIANTS
            .get(index)
            .map_or("unknown", |&kind| kind.into())
    }

    /// Parses [`ExitReason::name`] back (the journal stores names); take-profit levels need
    /// the level, given apart.
    pub fn from_name(name: &str, level: u8) -> Option<Self> {
        let kind: ExitReasonKind = name.parse().ok()?;
        // The variants with their fields at zero; the only field is the take-profit level.
        let mut reason = Self::iter().find(|r| ExitReasonKind::from(r) == kind)?;
        if let Self::TakeProfit { level: at } = &mut reason {
            *at = level;
        }
        Some(reason)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TakeProfit { level } => write!(f, "take-profit level {}", level + 1),
            Self::StopLoss => f.write_str("stop-loss"),
            Self::TrailingStop => f.write_str("trailing stop"),
            Self::MaxHold => f.write_str("max hold time"),
            Self::CreatorSold => f.write_str("the creator sold"),
            Self::LiquidityDrained => f.write_str("liquidity drained"),
            Self::Kill => f.write_str("kill switch"),
            Self::Manual => f.write_str("operator's sell"),
            Self::Graduated => f.write_str("graduated off the curve"),
        }
    }
}

/// A sell the rules call for: `percent` of the current holding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    pub reason: ExitReason,
    pub percent: u8,
}

/// The curve as last seen, for the mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub virtual_quote: QuoteAmount,
    pub virtual_token: TokenAmount,
    /// Quote actually in the curve (what sellers are paid from).
    pub real_quote: QuoteAmount,
}

/// What a position holds, for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holding {
    pub tokens: TokenAmount,
    /// What those tokens cost, fees included.
    pub cost: QuoteAmount,
    pub held_for: Duration,
}

/// The price at the mark relative to the entry price, in basis points (10 000 = unchanged).
/// `None` when either side is zero (nothing held, or an empty curve).
pub fn price_ratio_bps(mark: &Mark, holding: &Holding) -> Option<u64> {
    // (vs / vt) / (cost / tokens) = vs·tokens / (vt·cost)
    let num = u128::from(mark.virtual_quote.0) * u128::from(holding.tokens.0) * WHOLE;
    let den = u128::from(mark.virtual_token.0) * u128::from(holding.cost.0);
    if den == 0 || holding.tokens.0 == 0 {
        return None;
    }
    Some(u64::try_from(num / den).unwrap_or(u64::MAX))
}

/// Per-position memory of the rules: the peak price and curve quote since entry, and which
/// take-profit levels have sold. Fixed size: tracking allocates nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExitTracker {
    /// Highest price ratio seen (bps of entry).
    pub peak_ratio: u64,
    /// Most quote seen in the curve.
    pub peak_real_quote: QuoteAmount,
    /// Bit `i` set: take-profit level `i` has filled.
    pub levels_done: u8,
    /// A sell for this level is in flight (its bit is set when it fills).
    pub level_in_flight: Option<u8>,
}

impl ExitTracker {
    /// Folds in a new mark and says whether a rule fires. Full exits (stop-loss, creator,
    /// liquidity, hold time, trailing) come before partial take-profits.
    pub fn evaluate(
        &mut self,
        rules: &ExitRules,
        mark: &Mark,
        holding: &Holding,
        creator_sold: bool,
    ) -> Option<Exit> {
        let ratio = price_ratio_bps(mark, holding);
        if let Some(r) = ratio {
            self.peak_ratio = self.peak_ratio.max(r);
        }
        self.peak_real_quote = self.peak_real_quote.max(mark.real_quote);
        let all = |reason| {
            Some(Exit {
                reason,
                percent: 100,
            })
        };
        if creator_sold && rules.creator_sells {
            return all(ExitReason::CreatorSold);
        }
        if let Some(drain) = rules.liquidity_drain {
            // real_quote ≤ peak × (1 − drain)
            let floor = u128::from(self.peak_real_quote.0) * (WHOLE - u128::from(drain.0)) / WHOLE;
            if self.peak_real_quote.0 > 0 && u128::from(mark.real_quote.0) <= floor {
                return all(ExitReason::LiquidityDrained);
            }
        }
        if let (Some(sl), Some(r)) = (rules.stop_loss, ratio)
            && u128::from(r) <= WHOLE - u128::from(sl.0)
        {
            return all(ExitReason::StopLoss);
        }
        if let (Some(t), Some(r)) = (rules.trailing, ratio)
            && u128::from(self.peak_ratio) >= WHOLE + u128::from(t.arm.0)
            && u128::from(r) * WHOLE
                <= u128::from(self.peak_ratio) * (WHOLE - u128::from(t.trail.0))
        {
            return all(ExitReason::TrailingStop);
        }
        if let Some(max) = rules.max_hold
            && holding.held_for >= max
        {
            return all(ExitReason::MaxHold);
        }
        if self.level_in_flight.is_some() {
            return None;
        }
        let r = ratio?;
        // The highest level reached that has not sold yet; lower unsold levels are subsumed.
        let level = rules
            .take_profit
            .iter()
            .enumerate()
            .rev()
            .find(|(_, tp)| u128::from(r) >= WHOLE + u128::from(tp.gain.0))
            .map(|(i, tp)| (i, *tp))?;
        let (i, tp) = level;
        let bit = 1u8 << (i as u8 & 7);
        if self.levels_done & bit != 0 {
            return None;
        }
        Some(Exit {
            reason: ExitReason::TakeProfit { level: i as u8 },
            percent: tp.percent,
        })
    }

    /// A take-profit sell for `level` was sent.
    pub fn level_sent(&mut self, level: u8) {
        self.level_in_flight = Some(level);
    }

    /// The in-flight take-profit sell filled: that level and every lower one are done.
    pub fn level_filled(&mut self) {
        if let Some(l) = self.level_in_flight.take() {
            let upto = (1u16 << (u16::from(l.min(7)) + 1)) - 1;
            self.levels_done |= u8::try_from(upto).unwrap_or(u8::MAX);
        }
    }

    /// The in-flight take-profit sell failed: the level may fire again.
    pub fn level_failed(&mut self) {
        self.level_in_flight = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOL: u64 = 1_000_000_000;

    /// A curve whose spot price is `num/den` times the entry price of `holding()`.
    fn mark(num: u64, den: u64) -> Mark {
        // holding: 1_000 tokens for 1_000 lamports → entry 1 lamport/token.
        Mark {
            virtual_quote: QuoteAmount(num * 1_000_000),
            virtual_token: TokenAmount(den * 1_000_000),
            real_quote: QuoteAmount(10 * SOL),
        }
    }

    fn holding() -> Holding {
        Holding {
            tokens: TokenAmount(1_000),
            cost: QuoteAmount(1_000),
            held_for: Duration::from_secs(1),
        }
    }

    fn rules() -> ExitRules {
        let mut r = ExitRules {
            take_profit: vec![
                TakeProfit {
                    gain: Bps(10_000),
                    percent: 50,
                },
                TakeProfit {
                    gain: Bps(5_000),
                    percent: 25,
                },
            ],
            stop_loss: Some(Bps(3_000)),
            trailing: Some(Trailing {
                arm: Bps(20_000),
                trail: Bps(2_000),
            }),
            max_hold: Some(Duration::from_secs(600)),
            creator_sells: true,
            liquidity_drain: Some(Bps(5_000)),
        };
        r.validate().unwrap();
        r
    }

    #[test]
    fn the_ratio_compares_spot_with_the_average_entry_price() {
        assert_eq!(price_ratio_bps(&mark(3, 2), &holding()), Some(15_000));
        assert_eq!(price_ratio_bps(&mark(1, 1), &holding()), Some(10_000));
        let empty = Holding {
            tokens: TokenAmount(0),
            ..holding()
        };
        assert_eq!(price_ratio_bps(&mark(1, 1), &empty), None);
    }

    #[test]
    fn nothing_fires_at_entry() {
        let mut t = ExitTracker::default();
        assert_eq!(t.evaluate(&rules(), &mark(1, 1), &holding(), false), None);
    }

    #[test]
    fn take_profit_levels_fire_in_order_once_each() {
        let r = rules();
        let mut t = ExitTracker::default();
        // +49 %: nothing; +50 %: level 0 (sorted by gain) sells 25 %.
        assert_eq!(t.evaluate(&r, &mark(149, 100), &holding(), false), None);
        let e = t.evaluate(&r, &mark(150, 100), &holding(), false).unwrap();
        assert_eq!(
            e,
            Exit {
                reason: ExitReason::TakeProfit { level: 0 },
                percent: 25
            }
        );
        t.level_sent(0);
        // In flight: no second order.
        assert_eq!(t.evaluate(&r, &mark(160, 100), &holding(), false), None);
        t.level_filled();
        assert_eq!(t.evaluate(&r, &mark(160, 100), &holding(), false), None);
        let e = t.evaluate(&r, &mark(200, 100), &holding(), false).unwrap();
        assert_eq!(
            e,
            Exit {
                reason: ExitReason::TakeProfit { level: 1 },
                percent: 50
            }
        );
        t.level_sent(1);
        t.level_filled();
        assert_eq!(t.evaluate(&r, &mark(210, 100), &holding(), false), None);
    }

    #[test]
    fn a_failed_take_profit_may_fire_again() {
        let r = rules();
        let mut t = ExitTracker::default();
        assert!(t.evaluate(&r, &mark(150, 100), &holding(), false).is_some());
        t.level_sent(0);
        t.level_failed();
        assert!(t.evaluate(&r, &mark(150, 100), &holding(), false).is_some());
    }

    #[test]
    fn a_jump_past_two_levels_sells_the_higher_and_marks_both_done() {
        let r = rules();
        let mut t = ExitTracker::default();
        let e = t.evaluate(&r, &mark(250, 100), &holding(), false).unwrap();
        assert_eq!(e.reason, ExitReason::TakeProfit { level: 1 });
        t.level_sent(1);
        t.level_filled();
        assert_eq!(t.levels_done, 0b11);
    }

    #[test]
    fn stop_loss_fires_at_the_threshold_not_before() {
        let r = rules();
        let mut t = ExitTracker::default();
        assert_eq!(t.evaluate(&r, &mark(71, 100), &holding(), false), None);
        let e = t.evaluate(&r, &mark(70, 100), &holding(), false).unwrap();
        assert_eq!(
            e,
            Exit {
                reason: ExitReason::StopLoss,
                percent: 100
            }
        );
    }

    #[test]
    fn trailing_stop_arms_then_follows_the_peak() {
        let mut r = rules();
        r.take_profit.clear();
        let mut t = ExitTracker::default();
        // Not armed at +150 %: a 20 % fall from there does nothing.
        assert_eq!(t.evaluate(&r, &mark(250, 100), &holding(), false), None);
        assert_eq!(t.evaluate(&r, &mark(200, 100), &holding(), false), None);
        // Armed at +200 %; peak 4×; 20 % below it is 3.2×.
        assert_eq!(t.evaluate(&r, &mark(400, 100), &holding(), false), None);
        assert_eq!(t.evaluate(&r, &mark(321, 100), &holding(), false), None);
        let e = t.evaluate(&r, &mark(320, 100), &holding(), false).unwrap();
        assert_eq!(e.reason, ExitReason::TrailingStop);
    }

    #[test]
    fn max_hold_creator_and_liquidity_exits_sell_everything() {
        let r = rules();
        let mut t = ExitTracker::default();
        let old = Holding {
            held_for: Duration::from_secs(600),
            ..holding()
        };
        assert_eq!(
            t.evaluate(&r, &mark(1, 1), &old, false).unwrap().reason,
            ExitReason::MaxHold
        );
        let e = t.evaluate(&r, &mark(1, 1), &holding(), true).unwrap();
        assert_eq!(
            e,
            Exit {
                reason: ExitReason::CreatorSold,
                percent: 100
            }
        );
        // Peak 10 SOL in the curve; 5 SOL is a 50 % drain.
        let mut drained = mark(1, 1);
        drained.real_quote = QuoteAmount(5 * SOL + 1);
        assert_eq!(t.evaluate(&r, &drained, &holding(), false), None);
        drained.real_quote = QuoteAmount(5 * SOL);
        assert_eq!(
            t.evaluate(&r, &drained, &holding(), false).unwrap().reason,
            ExitReason::LiquidityDrained
        );
    }

    #[test]
    fn rules_off_never_fire() {
        let r = ExitRules::default();
        let mut t = ExitTracker::default();
        let old = Holding {
            held_for: Duration::from_secs(1_000_000),
            ..holding()
        };
        for m in [mark(1, 100), mark(100, 1)] {
            assert_eq!(t.evaluate(&r, &m, &old, true), None);
        }
    }

    #[test]
    fn bad_rules_are_refused_with_the_rule_named() {
        let mut r = rules();
        r.take_profit[0].percent = 0;
        assert!(r.validate().unwrap_err().contains("take_profit"));
        let mut r = rules();
        r.stop_loss = Some(Bps(10_000));
        assert!(r.validate().unwrap_err().contains("stop_loss"));
    }

    #[test]
    fn reason_names_round_trip() {
        for i in 0..ExitReason::COUNT {
            let r = ExitReason::from_name(ExitReason::name_at(i), 3).unwrap();
            assert_eq!(r.index(), i);
        }
    }

    #[test]
    fn exit_names_are_the_ones_the_journal_stores() {
        let names: Vec<&str> = (0..ExitReason::COUNT).map(ExitReason::name_at).collect();
        assert_eq!(
            names,
            [
                "take_profit",
                "stop_loss",
                "trailing_stop",
                "max_hold",
                "creator_sold",
                "liquidity_drained",
                "kill",
                "manual",
                "graduated",
            ]
        );
        assert_eq!(ExitReason::name_at(ExitReason::COUNT), "unknown");
        assert_eq!(
            ExitReason::from_name("take_profit", 2),
            Some(ExitReason::TakeProfit { level: 2 })
        );
        assert_eq!(ExitReason::from_name("kill", 2), Some(ExitReason::Kill));
        assert_eq!(ExitReason::from_name("snipe", 0), None);
        assert_eq!(ExitReason::TakeProfit { level: 5 }.name(), "take_profit");
    }
}
