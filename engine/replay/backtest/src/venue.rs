//! The simulated venue: where a backtest's orders land. It knows each coin's curve as the
//! capture last showed it (launches, trades, curve accounts) and the fee tier its last trade
//! was charged. An order lands the latency model's slots after the event that made it, and
//! then the program's own checks apply: a completed curve refuses it (6005), a buy below its
//! minimum tokens (6042) or a sell below its minimum proceeds (6003) fails, and a failed
//! transaction still pays its network fee. Fills are priced on the curve as it stood when the
//! order landed, with the math the live engine signs with (`kestrel_pump::curve`).
//!
//! The venue is a price-taker: our fills do not move the recorded market (the next recorded
//! trade states the curve as it was without us). Its stated error is the band: the fills the
//! same order would have had at every curve state within the latency model's window.

// Keyed per process, and faster than SipHash on the 32-byte keys every event looks up.
use foldhash::{HashMap, HashMapExt};

use kestrel_engine::kernel::{reserves_of_curve, reserves_of_launch, reserves_of_trade};
use kestrel_engine::order::{
    ChainError, ExecReport, FailReason, Fill, Landed, Order, Venue as OrderVenue,
};
use kestrel_engine::pipeline::fees::{implied_delta, network_fee};
use kestrel_exec::tx::with_slippage;
use kestrel_feed::FeedEvent;
use kestrel_model::{Side, SignatureText};
use kestrel_pump::curve::{self, FeeRates, Reserves};
use kestrel_pump::error::PumpError;
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

use crate::latency::{Latency, mix};

/// How the venue treats orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueSettings {
    pub latency: Latency,
    /// Share of transactions that never land, in bps (drawn per order, the same every run).
    pub expire_bps: u64,
    /// Compute-unit limits, for each transaction's network fee.
    pub buy_cu_limit: u32,
    pub sell_cu_limit: u32,
    /// The fee tier before a coin's first recorded trade states its own.
    pub rates: FeeRates,
}

/// A coin's curve as last recorded.
#[derive(Clone, Copy, Debug)]
struct Market {
    reserves: Reserves,
    complete: bool,
    /// The tier its last trade was charged.
    rates: Option<FeeRates>,
    /// The slot it was last stated at, and its curve account (from its launch).
    slot: u64,
    bonding_curve: Option<Pubkey>,
}

/// A coin quiet this many slots (about ten minutes of mainnet's) is forgotten unless held or
/// bought: a long capture's million launches do not pile up.
pub const FORGET_AFTER_SLOTS: u64 = 1_500;

#[derive(Clone, Copy, Debug)]
struct Pending {
    order: Order,
    land_slot: u64,
}

/// The fills one buy would have had across its latency window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    pub order: u64,
    pub mint: Pubkey,
    spend: QuoteAmount,
    from_slot: u64,
    to_slot: u64,
    /// Fewest and most tokens.
    pub tokens: Option<(u64, u64)>,
}

impl Band {
    fn include(&mut self, r: &Reserves, rates: FeeRates) {
        if let Ok((t, _)) = curve::buy_exact_quote_in(r, self.spend, rates) {
            self.tokens = Some(match self.tokens {
                Some((lo, hi)) => (lo.min(t.0), hi.max(t.0)),
                None => (t.0, t.0),
            });
        }
    }
}

pub struct Venue {
    settings: VenueSettings,
    markets: HashMap<Pubkey, Market>,
    curves: HashMap<Pubkey, Pubkey>,
    /// In the order they were sent; settled by (slot, order id).
    pending: Vec<Pending>,
    bands: Vec<Band>,
}

/// The program error a failed order stands for, as the node reports it.
fn on_chain(order: &Order, e: PumpError, fee: Lamports, slot: u64) -> ExecReport {
    let intent = order.approved.intent();
    let raw = format!(r#"{{"InstructionError":[2,{{"Custom":{}}}]}}"#, e.code());
    ExecReport::Failed {
        order: order.id,
        why: order.why,
        mint: intent.mint,
        is_buy: intent.is_buy(),
        reason: FailReason::OnChain(ChainError::new(raw, OrderVenue::Curve)),
        landed: Some(Landed {
            signature: signature(order.id),
            network_fee: fee,
            wallet_delta: -i64::try_from(fee.0).unwrap_or(i64::MAX),
            slot,
        }),
    }
}

/// A backtest order's signature: its id, so reports and the JSON name it.
pub fn signature(order: u64) -> SignatureText {
    SignatureText::new(&format!("backtest-{order}"))
}

impl Venue {
    pub fn new(settings: VenueSettings) -> Self {
        Self {
            settings,
            markets: HashMap::new(),
            curves: HashMap::new(),
            pending: Vec::new(),
            bands: Vec::new(),
        }
    }

    /// A recorded event: the curve it states. Bands of buys whose window it falls in take
    /// the curve before and after it.
    pub fn observe(&mut self, e: &FeedEvent) {
        let (mint, slot, reserves, complete, rates) = match e {
            FeedEvent::Launch(l) => {
                self.curves.insert(l.bonding_curve, l.mint);
                if let Some(m) = self.markets.get_mut(&l.mint) {
                    m.bonding_curve = Some(l.bonding_curve);
                }
                (l.mint, l.slot, reserves_of_launch(l), false, None)
            }
            FeedEvent::Trade(t) => {
                let rates = t
                    .fee_bps
                    .map(|(protocol, creator)| FeeRates { protocol, creator });
                let complete = t.real_token_reserves.0 == 0;
                (t.mint, t.slot, reserves_of_trade(t), complete, rates)
            }
            FeedEvent::Curve(c) => {
                let Some(mint) = self.curves.get(&c.bonding_curve).copied() else {
                    return;
                };
                (mint, c.slot, reserves_of_curve(c), c.complete, None)
            }
            FeedEvent::Slot(_) | FeedEvent::Endpoint { .. } => return,
        };
        let before = self.markets.get(&mint).copied();
        let curve = match e {
            FeedEvent::Launch(l) => Some(l.bonding_curve),
            FeedEvent::Curve(c) => Some(c.bonding_curve),
            _ => None,
        };
        let m = self.markets.entry(mint).or_insert(Market {
            reserves,
            complete,
            rates,
            slot,
            bonding_curve: curve,
        });
        m.reserves = reserves;
        m.complete = complete;
        m.slot = m.slot.max(slot);
        if curve.is_some() {
            m.bonding_curve = curve;
        }
        if rates.is_some() {
            m.rates = rates;
        }
        let now_rates = m.rates.unwrap_or(self.settings.rates);
        for b in self.bands.iter_mut().filter(|b| b.mint == mint) {
            if (b.from_slot..=b.to_slot).contains(&slot) {
                if let Some(before) = before {
                    b.include(&before.reserves, now_rates);
                }
                b.include(&reserves, now_rates);
            }
        }
    }

    /// An order sent at `slot`: it lands the model's latency later. Returns the report of
    /// its sending.
    pub fn submit(&mut self, order: Order, slot: u64) -> ExecReport {
        let intent = order.approved.intent();
        let latency = self.settings.latency.draw(order.id, &intent.mint);
        if let Side::Buy { spend, .. } = intent.side {
            let (lo, hi) = self.settings.latency.window();
            self.bands.push(Band {
                order: order.id,
                mint: intent.mint,
                spend,
                from_slot: slot.saturating_add(lo),
                to_slot: slot.saturating_add(hi),
                tokens: None,
            });
        }
        self.pending.push(Pending {
            order,
            land_slot: slot.saturating_add(latency),
        });
        ExecReport::Sent {
            order: order.id,
            mint: intent.mint,
            is_buy: intent.is_buy(),
            signature: signature(order.id),
            retries: 0,
        }
    }

    /// Forgets coins quiet for [`FORGET_AFTER_SLOTS`] before `slot`, except those `keep`
    /// names (held, being bought) and those with an order in flight or a band open.
    pub fn forget_quiet(&mut self, slot: u64, keep: impl Fn(&Pubkey) -> bool) {
        let before = slot.saturating_sub(FORGET_AFTER_SLOTS);
        let busy: Vec<Pubkey> = self
            .pending
            .iter()
            .map(|p| p.order.approved.intent().mint)
            .chain(self.bands.iter().map(|b| b.mint))
            .collect();
        let curves = &mut self.curves;
        self.markets.retain(|mint, m| {
            let stay = m.slot >= before || keep(mint) || busy.contains(mint);
            if !stay && let Some(c) = m.bonding_curve {
                curves.remove(&c);
            }
            stay
        });
    }

    /// Coins whose curve the venue holds.
    pub fn markets(&self) -> usize {
        self.markets.len()
    }

    /// Orders in flight.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Lands every order due by `slot`, in slot then order-id order, against the curves as
    /// recorded so far. Also returns the bands whose window closed.
    pub fn settle(&mut self, slot: u64) -> (Vec<ExecReport>, Vec<Band>) {
        let mut due: Vec<Pending> = Vec::new();
        self.pending.retain(|p| {
            if p.land_slot <= slot {
                due.push(*p);
                false
            } else {
                true
            }
        });
        due.sort_by_key(|p| (p.land_slot, p.order.id));
        let reports = due
            .iter()
            .map(|p| self.land(&p.order, p.land_slot))
            .collect();
        let mut closed = Vec::new();
        let markets = &self.markets;
        let default_rates = self.settings.rates;
        self.bands.retain(|b| {
            if b.to_slot < slot {
                let mut b = *b;
                if b.tokens.is_none()
                    && let Some(m) = markets.get(&b.mint)
                {
                    b.include(&m.reserves, m.rates.unwrap_or(default_rates));
                }
                closed.push(b);
                false
            } else {
                true
            }
        });
        (reports, closed)
    }

    /// Bands still open at the end of the capture, closed with the curve as last recorded.
    pub fn close_bands(&mut self) -> Vec<Band> {
        let default_rates = self.settings.rates;
        let mut out = std::mem::take(&mut self.bands);
        for b in &mut out {
            if b.tokens.is_none()
                && let Some(m) = self.markets.get(&b.mint)
            {
                b.include(&m.reserves, m.rates.unwrap_or(default_rates));
            }
        }
        out
    }

    fn land(&self, o: &Order, slot: u64) -> ExecReport {
        let intent = o.approved.intent();
        if o.venue != OrderVenue::Curve {
            return o.failed(FailReason::Route(
                "a backtest has no route off the curve".into(),
            ));
        }
        let expired = u128::from(mix(o.id.rotate_left(17), &intent.mint) % 10_000)
            < u128::from(self.settings.expire_bps);
        if expired {
            return o.failed(FailReason::Expired);
        }
        let (cu_limit, min_out) = match intent.side {
            Side::Buy { spend, .. } => (
                self.settings.buy_cu_limit,
                // What the live engine signs: the tokens expected at the curve it judged.
                curve::buy_exact_quote_in(&o.reserves, spend, self.settings.rates)
                    .map_or(0, |(t, _)| with_slippage(t.0, intent.max_slippage)),
            ),
            Side::Sell { tokens } => (
                self.settings.sell_cu_limit,
                curve::sell_exact_tokens(&o.reserves, tokens, self.settings.rates)
                    .ok()
                    .and_then(|l| l.seller_receives())
                    .map_or(0, |r| with_slippage(r.0, intent.max_slippage)),
            ),
        };
        let fee = Lamports(network_fee(cu_limit, intent.cu_price_micro_lamports));
        let (reserves, complete, rates) = match self.markets.get(&intent.mint) {
            Some(m) => (
                m.reserves,
                m.complete,
                m.rates.unwrap_or(self.settings.rates),
            ),
            None => (o.reserves, false, self.settings.rates),
        };
        if complete {
            return on_chain(o, PumpError::BondingCurveComplete, fee, slot);
        }
        let quote = o.coin.quote;
        let (tokens, leg, after) = match intent.side {
            Side::Buy { spend, .. } => {
                let Ok((tokens, leg)) = curve::buy_exact_quote_in(&reserves, spend, rates) else {
                    return on_chain(o, PumpError::BuySlippageBelowMinTokensOut, fee, slot);
                };
                if tokens.0 < min_out {
                    return on_chain(o, PumpError::BuySlippageBelowMinTokensOut, fee, slot);
                }
                let Ok(after) = reserves.after_buy(tokens, leg.curve) else {
                    return on_chain(o, PumpError::NotEnoughTokensToBuy, fee, slot);
                };
                (tokens, leg, after)
            }
            Side::Sell { tokens } => {
                let Ok(leg) = curve::sell_exact_tokens(&reserves, tokens, rates) else {
                    return on_chain(o, PumpError::Overflow, fee, slot);
                };
                if leg.seller_receives().unwrap_or(QuoteAmount::ZERO).0 < min_out {
                    return on_chain(o, PumpError::TooLittleSolReceived, fee, slot);
                }
                let Ok(after) = reserves.after_sell(tokens, leg.curve) else {
                    return on_chain(o, PumpError::Overflow, fee, slot);
                };
                (tokens, leg, after)
            }
        };
        let fees = leg.fees().unwrap_or(QuoteAmount::ZERO);
        ExecReport::Filled(Fill {
            order: o.id,
            why: o.why,
            mint: intent.mint,
            is_buy: intent.is_buy(),
            tokens: TokenAmount(tokens.0),
            quote,
            quote_amount: leg.curve,
            fees,
            network_fee: fee,
            wallet_delta: implied_delta(intent.is_buy(), quote, leg.curve, fees, fee),
            reserves_after: after,
            signature: signature(o.id),
            slot,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use kestrel_engine::order::FailReason;
    use kestrel_model::{CurveTrade, LaunchEvent};
    use kestrel_testkit::TestDefault;
    use kestrel_testkit::clock::TestClock;
    use kestrel_testkit::frames::{launch_and_trade, stamped};
    use kestrel_testkit::kernel::TestKernel;
    use kestrel_units::Bps;

    const RATES: FeeRates = FeeRates {
        protocol: Bps(95),
        creator: Bps(30),
    };

    fn venue(slots: Vec<u64>) -> Venue {
        Venue::new(VenueSettings {
            latency: Latency::new(slots).unwrap(),
            expire_bps: 0,
            buy_cu_limit: 120_000,
            sell_cu_limit: 100_000,
            rates: RATES,
        })
    }

    /// The real launch and a buy order the sniper and guardian approved for it.
    fn launch_and_order() -> (LaunchEvent, CurveTrade, Order) {
        let (launch, mut trade) = launch_and_trade().unwrap();
        // The fixture's own tier (2025-07) is left out unless a test states one.
        trade.fee_bps = None;
        let mut k = TestKernel {
            rates: RATES,
            ..TestKernel::test_default()
        }
        .build(TestClock::default());
        let order = k.on_feed(&stamped(FeedEvent::Launch(launch))).unwrap();
        (launch, trade, order)
    }

    /// A trade on the launch's curve that leaves it at `r`, at `slot`.
    fn trade_to(mut t: CurveTrade, r: Reserves, slot: u64) -> FeedEvent {
        t.slot = slot;
        t.virtual_token_reserves = r.virtual_token;
        t.virtual_quote_reserves = r.virtual_quote;
        t.real_token_reserves = r.real_token;
        t.real_quote_reserves = r.real_quote;
        FeedEvent::Trade(t)
    }

    #[test]
    fn a_buy_lands_after_its_latency_at_the_curve_of_that_moment() {
        let (launch, trade, order) = launch_and_order();
        let mut v = venue(vec![2]);
        v.observe(&FeedEvent::Launch(launch));
        assert!(matches!(
            v.submit(order, launch.slot),
            ExecReport::Sent { .. }
        ));
        // Someone buys first, in the next slot: the price goes up 1 %.
        let r0 = order.reserves;
        let r1 = Reserves {
            virtual_quote: QuoteAmount(r0.virtual_quote.0 * 101 / 100),
            virtual_token: TokenAmount(r0.virtual_token.0 * 100 / 101),
            ..r0
        };
        assert!(v.settle(launch.slot + 1).0.is_empty(), "not due yet");
        v.observe(&trade_to(trade, r1, launch.slot + 1));
        let (reports, _) = v.settle(launch.slot + 2);
        let [ExecReport::Filled(f)] = reports.as_slice() else {
            panic!("{reports:?}")
        };
        let Side::Buy { spend, .. } = order.approved.intent().side else {
            panic!()
        };
        let (tokens, leg) = curve::buy_exact_quote_in(&r1, spend, RATES).unwrap();
        assert_eq!((f.tokens, f.quote_amount), (tokens, leg.curve));
        assert_eq!(f.slot, launch.slot + 2);
        assert_eq!(
            f.network_fee,
            Lamports(network_fee(
                120_000,
                order.approved.intent().cu_price_micro_lamports
            ))
        );
        assert_eq!(f.reserves_after, r1.after_buy(tokens, leg.curve).unwrap());
    }

    #[test]
    fn a_buy_the_market_ran_away_from_fails_as_the_program_does_and_pays_its_fee() {
        let (launch, trade, order) = launch_and_order();
        let mut v = venue(vec![1]);
        v.observe(&FeedEvent::Launch(launch));
        v.submit(order, launch.slot);
        // The price doubles before it lands: far past the order's slippage bound.
        let r0 = order.reserves;
        let r1 = Reserves {
            virtual_quote: QuoteAmount(r0.virtual_quote.0 * 2),
            virtual_token: TokenAmount(r0.virtual_token.0 / 2),
            ..r0
        };
        v.observe(&trade_to(trade, r1, launch.slot));
        let (reports, _) = v.settle(launch.slot + 1);
        let [
            ExecReport::Failed {
                reason: FailReason::OnChain(e),
                landed: Some(l),
                ..
            },
        ] = reports.as_slice()
        else {
            panic!("{reports:?}")
        };
        assert_eq!(e.program, Some(PumpError::BuySlippageBelowMinTokensOut));
        assert!(l.network_fee.0 > 0 && l.wallet_delta == -i64::try_from(l.network_fee.0).unwrap());
    }

    #[test]
    fn a_completed_curve_refuses_the_order_and_the_fee_tier_comes_from_the_coins_trades() {
        let (launch, mut trade, order) = launch_and_order();
        let mut v = venue(vec![0]);
        v.observe(&FeedEvent::Launch(launch));
        // The coin's last trade was charged a higher tier: the fill pays it.
        trade.fee_bps = Some((Bps(200), Bps(50)));
        v.observe(&trade_to(trade, order.reserves, launch.slot));
        v.submit(order, launch.slot);
        let (reports, _) = v.settle(launch.slot);
        let [ExecReport::Filled(f)] = reports.as_slice() else {
            panic!("{reports:?}")
        };
        let Side::Buy { spend, .. } = order.approved.intent().side else {
            panic!()
        };
        let tier = FeeRates {
            protocol: Bps(200),
            creator: Bps(50),
        };
        let (tokens, leg) = curve::buy_exact_quote_in(&order.reserves, spend, tier).unwrap();
        assert_eq!((f.tokens, f.fees), (tokens, leg.fees().unwrap()));
        // Then the curve completes: the next order is refused with 6005.
        let (launch2, trade2, order2) = launch_and_order();
        let mut v = venue(vec![0]);
        v.observe(&FeedEvent::Launch(launch2));
        let done = Reserves {
            real_token: TokenAmount(0),
            ..order2.reserves
        };
        v.observe(&trade_to(trade2, done, launch2.slot));
        v.submit(order2, launch2.slot);
        let (reports, _) = v.settle(launch2.slot);
        let [
            ExecReport::Failed {
                reason: FailReason::OnChain(e),
                ..
            },
        ] = reports.as_slice()
        else {
            panic!("{reports:?}")
        };
        assert_eq!(e.program, Some(PumpError::BondingCurveComplete));
    }

    #[test]
    fn a_buys_band_spans_every_curve_state_in_its_latency_window() {
        let (launch, trade, order) = launch_and_order();
        let mut v = venue(vec![1, 3]);
        v.observe(&FeedEvent::Launch(launch));
        v.submit(order, launch.slot);
        let r0 = order.reserves;
        let up = |pct: u64| Reserves {
            virtual_quote: QuoteAmount(r0.virtual_quote.0 * (100 + pct) / 100),
            virtual_token: TokenAmount(r0.virtual_token.0 * 100 / (100 + pct)),
            ..r0
        };
        // Slot +1 (in the window), +2 (in), +5 (past it: not in the band).
        v.observe(&trade_to(trade, up(1), launch.slot + 1));
        v.observe(&trade_to(trade, up(2), launch.slot + 2));
        let (_, bands) = v.settle(launch.slot + 4);
        v.observe(&trade_to(trade, up(50), launch.slot + 5));
        assert!(v.settle(launch.slot + 5).1.is_empty(), "closed once");
        let [band] = bands.as_slice() else {
            panic!("{bands:?}")
        };
        let Side::Buy { spend, .. } = order.approved.intent().side else {
            panic!()
        };
        let at = |r: Reserves| curve::buy_exact_quote_in(&r, spend, RATES).unwrap().0.0;
        assert_eq!(band.tokens, Some((at(up(2)), at(r0))));
    }

    #[test]
    fn expiring_orders_are_drawn_the_same_way_every_run_and_cost_nothing() {
        let (launch, _, order) = launch_and_order();
        let outcomes = |bps| {
            let mut v = Venue::new(VenueSettings {
                expire_bps: bps,
                ..venue(vec![0]).settings
            });
            v.observe(&FeedEvent::Launch(launch));
            v.submit(order, launch.slot);
            v.settle(launch.slot).0
        };
        assert!(matches!(
            outcomes(10_000).as_slice(),
            [ExecReport::Failed {
                reason: FailReason::Expired,
                landed: None,
                ..
            }]
        ));
        assert!(matches!(outcomes(0).as_slice(), [ExecReport::Filled(_)]));
        assert_eq!(outcomes(5_000), outcomes(5_000));
    }
}
