//! The book: open positions and buys in flight, owned by the strategy thread. It answers the
//! guardian's questions ([`Exposure`]) counting in-flight buys as if filled, so a launch seen
//! twice, or a burst of launches, can never overshoot a limit while transactions are pending.
//! A position counts in its coin's quote (lamports for SOL coins, USDC units for USDC ones);
//! realized PnL is kept per quote, and network fees are always SOL.

// Keyed per process, and faster than SipHash on the 32-byte keys every event looks up.
use foldhash::{HashMap, HashMapExt};

use kestrel_guardian::Exposure;
use kestrel_model::{PerQuote, Quote, SignatureText, Timestamp, TokenProgram};
use kestrel_pump::curve::{self, FeeRates, Reserves};
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

/// A held coin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub mint: Pubkey,
    /// What the coin is priced in: `cost`, the mark and its PnL count in it.
    pub quote: Quote,
    pub creator: Pubkey,
    pub bonding_curve: Pubkey,
    pub token_program: TokenProgram,
    pub is_cashback: bool,
    /// A mayhem-mode coin (its trades pay the reserved fee recipients).
    pub is_mayhem: bool,
    pub tokens: TokenAmount,
    /// Quote paid for `tokens`: curve price plus trading fees (network fees are kept apart).
    pub cost: QuoteAmount,
    pub opened_at: Timestamp,
    /// The curve as last seen (a trade or an account update), for the mark.
    pub mark: Reserves,
    /// The slot `mark` was seen at (0: not known, as after a restart).
    pub mark_slot: u64,
    /// The curve completed: it can no longer be sold on the curve.
    pub complete: bool,
    /// A sell is in flight.
    pub selling: bool,
}

impl Position {
    /// Takes `reserves`, seen by the feeds at `slot`, as the mark unless the mark is newer.
    /// Feed events arrive in order; a late one (an account update for an earlier slot) must
    /// not take the mark back in time.
    pub fn observe(&mut self, reserves: Reserves, slot: u64) {
        if slot >= self.mark_slot {
            self.mark = reserves;
            self.mark_slot = slot;
        }
    }

    /// Takes the curve a fill of ours left, if the feeds have shown nothing as new: a fill is
    /// read from the node after confirmation, often after the feeds delivered later trades.
    /// Taking it regardless put a dumped coin's mark back at its pre-dump price, and every
    /// sell after it was bounded by a curve that no longer existed: 6003 in a loop, each
    /// attempt paying its network fee.
    pub fn observe_fill(&mut self, reserves: Reserves, slot: u64) {
        if slot > self.mark_slot {
            self.mark = reserves;
            self.mark_slot = slot;
        }
    }

    /// What selling everything at the mark would pay in the quote, after fees (`None`: not
    /// sellable).
    pub fn value(&self, rates: FeeRates) -> Option<QuoteAmount> {
        if self.complete || self.tokens.0 == 0 {
            return None;
        }
        curve::sell_exact_tokens(&self.mark, self.tokens, rates)
            .ok()
            .and_then(|leg| leg.seller_receives())
    }

    /// Value minus cost, in the quote's units (negative for a loss).
    pub fn unrealized(&self, rates: FeeRates) -> i64 {
        let value = self.value(rates).unwrap_or(QuoteAmount::ZERO);
        signed(value.0) - signed(self.cost.0)
    }
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A buy sent and not yet filled or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingBuy {
    pub mint: Pubkey,
    pub quote: Quote,
    pub creator: Pubkey,
    pub bonding_curve: Pubkey,
    pub token_program: TokenProgram,
    pub is_cashback: bool,
    pub is_mayhem: bool,
    /// In the quote's units.
    pub spend: QuoteAmount,
    pub signature: Option<SignatureText>,
}

#[derive(Debug)]
pub struct Book {
    positions: HashMap<Pubkey, Position>,
    pending: HashMap<Pubkey, PendingBuy>,
    /// The wallet's SOL.
    wallet: Lamports,
    /// The wallet's USDC, once read from its token account.
    usdc_wallet: Option<QuoteAmount>,
    /// Realized PnL per quote, in its units.
    realized: PerQuote<i64>,
    network_fees: Lamports,
}

impl Book {
    /// Room for `capacity` positions and as many pending buys, so the decision path never
    /// grows a map.
    pub fn new(wallet: Lamports, capacity: usize) -> Self {
        Self {
            positions: HashMap::with_capacity(capacity),
            pending: HashMap::with_capacity(capacity),
            wallet,
            usdc_wallet: None,
            realized: PerQuote::default(),
            network_fees: Lamports::ZERO,
        }
    }

    pub fn wallet(&self) -> Lamports {
        self.wallet
    }

    /// Positions (and pending buys) the maps hold without growing.
    pub fn capacity(&self) -> usize {
        self.positions.capacity()
    }

    /// Puts back a position the journal held (recovery).
    pub fn restore(&mut self, p: Position) {
        self.positions.insert(p.mint, p);
    }

    /// The chain holds `tokens` of a position (reconciliation): the book follows, with the
    /// cost scaled to what is left. Returns the position's token count before; at zero the
    /// position is gone.
    pub fn set_tokens(&mut self, mint: &Pubkey, tokens: TokenAmount) -> Option<TokenAmount> {
        let p = self.positions.get_mut(mint)?;
        let before = p.tokens;
        if tokens.0 == 0 {
            self.positions.remove(mint);
            return Some(before);
        }
        if tokens.0 < before.0 {
            p.cost = QuoteAmount(
                u64::try_from(u128::from(p.cost.0) * u128::from(tokens.0) / u128::from(before.0))
                    .unwrap_or(p.cost.0),
            );
        }
        p.tokens = tokens;
        Some(before)
    }

    /// A transaction that landed and failed still paid its fee.
    pub fn charge(&mut self, network_fee: Lamports) {
        self.wallet = self
            .wallet
            .checked_sub(network_fee)
            .unwrap_or(Lamports::ZERO);
        self.network_fees = self
            .network_fees
            .checked_add(network_fee)
            .unwrap_or(self.network_fees);
    }

    /// Realized PnL carried over from before a restart.
    pub fn set_realized(&mut self, realized: PerQuote<i64>, network_fees: Lamports) {
        self.realized = realized;
        self.network_fees = network_fees;
    }

    /// The chain's figure replaces ours (a periodic balance read).
    pub fn set_wallet(&mut self, lamports: Lamports) {
        self.wallet = lamports;
    }

    /// The chain's figure for the wallet's holding of `quote` (its token account) replaces
    /// ours. SOL is [`Book::set_wallet`]; other quotes are not kept.
    pub fn set_quote_wallet(&mut self, quote: Quote, amount: QuoteAmount) {
        if quote == Quote::Usdc {
            self.usdc_wallet = Some(amount);
        }
    }

    /// The wallet's holding of `quote` as last read and booked since (`None`: not known).
    pub fn quote_wallet(&self, quote: Quote) -> Option<QuoteAmount> {
        match quote {
            Quote::Sol => Some(QuoteAmount::from(self.wallet)),
            Quote::Usdc => self.usdc_wallet,
            Quote::Other(_) => None,
        }
    }

    /// Moves the wallet's holding of `quote` by `paid` out and `received` in.
    fn book_quote(&mut self, quote: Quote, paid: QuoteAmount, received: QuoteAmount) {
        match quote {
            Quote::Sol => {
                self.wallet = Lamports(
                    self.wallet
                        .0
                        .saturating_sub(paid.0)
                        .saturating_add(received.0),
                );
            }
            Quote::Usdc => {
                self.usdc_wallet = self
                    .usdc_wallet
                    .map(|w| QuoteAmount(w.0.saturating_sub(paid.0).saturating_add(received.0)));
            }
            Quote::Other(_) => {}
        }
    }

    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.values()
    }

    pub fn position(&self, mint: &Pubkey) -> Option<&Position> {
        self.positions.get(mint)
    }

    pub fn position_mut(&mut self, mint: &Pubkey) -> Option<&mut Position> {
        self.positions.get_mut(mint)
    }

    pub fn pending(&self) -> impl Iterator<Item = &PendingBuy> {
        self.pending.values()
    }

    /// Realized PnL per quote, in its units.
    pub fn realized(&self) -> PerQuote<i64> {
        self.realized
    }

    pub fn network_fees(&self) -> Lamports {
        self.network_fees
    }

    pub fn add_pending(&mut self, p: PendingBuy) {
        self.pending.insert(p.mint, p);
    }

    pub fn set_pending_signature(&mut self, mint: &Pubkey, sig: SignatureText) {
        if let Some(p) = self.pending.get_mut(mint) {
            p.signature = Some(sig);
        }
    }

    /// The buy failed or expired: its spend is free again.
    pub fn drop_pending(&mut self, mint: &Pubkey) -> Option<PendingBuy> {
        self.pending.remove(mint)
    }

    pub fn pending_buy(&self, mint: &Pubkey) -> Option<&PendingBuy> {
        self.pending.get(mint)
    }

    /// A buy filled: `tokens` for `paid` in the coin's quote (curve + trading fees), plus the
    /// network fee in SOL.
    pub fn fill_buy(&mut self, mut pos: Position, paid: QuoteAmount, network_fee: Lamports) {
        self.pending.remove(&pos.mint);
        self.book_quote(pos.quote, paid, QuoteAmount::ZERO);
        self.wallet = self.wallet.saturating_sub(network_fee);
        self.network_fees = self
            .network_fees
            .checked_add(network_fee)
            .unwrap_or(self.network_fees);
        match self.positions.get_mut(&pos.mint) {
            Some(p) => {
                p.tokens = TokenAmount(p.tokens.0.saturating_add(pos.tokens.0));
                p.cost = p.cost.checked_add(paid).unwrap_or(p.cost);
                p.observe_fill(pos.mark, pos.mark_slot);
            }
            None => {
                pos.cost = paid;
                self.positions.insert(pos.mint, pos);
            }
        }
    }

    /// A sell filled: `tokens` sold for `received` in `quote` (after trading fees). Realizes
    /// the cost of the tokens sold, pro rata; returns the realized PnL of this sell, in the
    /// quote's units.
    pub fn fill_sell(
        &mut self,
        mint: &Pubkey,
        quote: Quote,
        tokens: TokenAmount,
        received: QuoteAmount,
        network_fee: Lamports,
    ) -> i64 {
        self.book_quote(quote, QuoteAmount::ZERO, received);
        self.wallet = self.wallet.saturating_sub(network_fee);
        self.network_fees = self
            .network_fees
            .checked_add(network_fee)
            .unwrap_or(self.network_fees);
        let Some(p) = self.positions.get_mut(mint) else {
            return 0;
        };
        p.selling = false;
        let sold = tokens.0.min(p.tokens.0);
        // cost × sold / held, in u128: the share of the cost these tokens carried.
        let cost_share = if p.tokens.0 == 0 {
            p.cost.0
        } else {
            u64::try_from(u128::from(p.cost.0) * u128::from(sold) / u128::from(p.tokens.0))
                .unwrap_or(p.cost.0)
        };
        p.tokens = TokenAmount(p.tokens.0 - sold);
        p.cost = QuoteAmount(p.cost.0.saturating_sub(cost_share));
        let pnl = signed(received.0) - signed(cost_share);
        if let Some(r) = self.realized.get_mut(p.quote) {
            *r = r.saturating_add(pnl);
        }
        if p.tokens.0 == 0 {
            self.positions.remove(mint);
        }
        pnl
    }

    /// Unrealized PnL per quote, at the marks.
    pub fn unrealized(&self, rates: FeeRates) -> PerQuote<i64> {
        let mut out = PerQuote::<i64>::default();
        for p in self.positions.values() {
            if let Some(u) = out.get_mut(p.quote) {
                *u = u.saturating_add(p.unrealized(rates));
            }
        }
        out
    }

    /// Pending buys' spend in `quote`.
    fn pending_in(&self, quote: Quote) -> u64 {
        self.pending
            .values()
            .filter(|p| p.quote == quote)
            .map(|p| p.spend.0)
            .sum()
    }
}

impl Exposure for Book {
    fn wallet_balance(&self) -> Lamports {
        Lamports(self.wallet.0.saturating_sub(self.pending_in(Quote::Sol)))
    }

    fn quote_balance(&self, quote: Quote) -> Option<QuoteAmount> {
        self.quote_wallet(quote)
            .map(|w| QuoteAmount(w.0.saturating_sub(self.pending_in(quote))))
    }

    fn open_positions(&self) -> u32 {
        u32::try_from(self.positions.len() + self.pending.len()).unwrap_or(u32::MAX)
    }

    fn total_exposure(&self, quote: Quote) -> QuoteAmount {
        let held: u64 = self
            .positions
            .values()
            .filter(|p| p.quote == quote)
            .map(|p| p.cost.0)
            .sum();
        QuoteAmount(held.saturating_add(self.pending_in(quote)))
    }

    fn creator_exposure(&self, creator: &Pubkey, quote: Quote) -> QuoteAmount {
        let held: u64 = self
            .positions
            .values()
            .filter(|p| p.creator == *creator && p.quote == quote)
            .map(|p| p.cost.0)
            .sum();
        let pending: u64 = self
            .pending
            .values()
            .filter(|p| p.creator == *creator && p.quote == quote)
            .map(|p| p.spend.0)
            .sum();
        QuoteAmount(held.saturating_add(pending))
    }

    fn holds(&self, mint: &Pubkey) -> bool {
        self.positions.contains_key(mint) || self.pending.contains_key(mint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_units::Bps;

    const RATES: FeeRates = FeeRates {
        protocol: Bps(95),
        creator: Bps(30),
    };

    fn position(mint: Pubkey, creator: Pubkey, tokens: u64) -> Position {
        Position {
            mint,
            quote: Quote::Sol,
            creator,
            bonding_curve: Pubkey::new_unique(),
            token_program: TokenProgram::Spl,
            is_cashback: false,
            is_mayhem: false,
            tokens: TokenAmount(tokens),
            cost: QuoteAmount::ZERO,
            opened_at: Timestamp(0),
            mark: Reserves {
                virtual_token: TokenAmount(1_073_000_000_000_000),
                virtual_quote: QuoteAmount(30_000_000_000),
                real_token: TokenAmount(793_100_000_000_000),
                // Enough SOL in the curve to pay a seller.
                real_quote: QuoteAmount(1_000_000_000),
            },
            mark_slot: 0,
            complete: false,
            selling: false,
        }
    }

    #[test]
    fn pending_buys_count_as_exposure_until_they_fill_or_fail() {
        let mut b = Book::new(Lamports(10_000_000_000), 8);
        let (mint, creator) = (Pubkey::new_unique(), Pubkey::new_unique());
        b.add_pending(PendingBuy {
            mint,
            quote: Quote::Sol,
            creator,
            bonding_curve: Pubkey::new_unique(),
            token_program: TokenProgram::Spl,
            is_cashback: false,
            is_mayhem: false,
            spend: QuoteAmount(1_000_000_000),
            signature: None,
        });
        assert!(b.holds(&mint));
        assert_eq!(b.open_positions(), 1);
        assert_eq!(b.total_exposure(Quote::Sol), QuoteAmount(1_000_000_000));
        assert_eq!(b.total_exposure(Quote::Usdc), QuoteAmount::ZERO);
        assert_eq!(
            b.creator_exposure(&creator, Quote::Sol),
            QuoteAmount(1_000_000_000)
        );
        assert_eq!(b.wallet_balance(), Lamports(9_000_000_000));
        b.drop_pending(&mint);
        assert!(!b.holds(&mint));
        assert_eq!(b.wallet_balance(), Lamports(10_000_000_000));
    }

    #[test]
    fn a_round_trip_realizes_to_the_lamport() {
        let mut b = Book::new(Lamports(10_000_000_000), 8);
        let mint = Pubkey::new_unique();
        b.fill_buy(
            position(mint, Pubkey::new_unique(), 1_000),
            QuoteAmount(500),
            Lamports(5_000),
        );
        assert_eq!(b.wallet(), Lamports(10_000_000_000 - 500 - 5_000));
        // Sell half for 300: realized 300 − 250.
        let sol = Quote::Sol;
        assert_eq!(
            b.fill_sell(
                &mint,
                sol,
                TokenAmount(500),
                QuoteAmount(300),
                Lamports(5_000)
            ),
            50
        );
        assert_eq!(
            b.position(&mint).map(|p| (p.tokens, p.cost)),
            Some((TokenAmount(500), QuoteAmount(250)))
        );
        // The rest for 200: realized −50; the position closes.
        assert_eq!(
            b.fill_sell(
                &mint,
                sol,
                TokenAmount(500),
                QuoteAmount(200),
                Lamports(5_000)
            ),
            -50
        );
        assert!(b.position(&mint).is_none());
        assert_eq!(b.realized().sol, 0);
        assert_eq!(b.network_fees(), Lamports(15_000));
        assert_eq!(
            b.wallet(),
            Lamports(10_000_000_000 - 500 + 300 + 200 - 15_000)
        );
    }

    #[test]
    fn marks_value_positions_after_fees() {
        let mut b = Book::new(Lamports(0), 8);
        let mint = Pubkey::new_unique();
        // 35,000 tokens at the opening price are worth just under 1,000 lamports gross.
        b.fill_buy(
            position(mint, Pubkey::new_unique(), 35_000_000),
            QuoteAmount(1_000),
            Lamports(0),
        );
        let p = b.position(&mint).copied();
        let v = p.and_then(|p| p.value(RATES)).map(|l| l.0).unwrap_or(0);
        assert!(v > 900 && v < 1_000, "{v}");
        assert!(
            b.unrealized(RATES).sol < 0,
            "fees make a flat round trip a loss"
        );
    }

    #[test]
    fn a_usdc_position_books_usdc_and_pays_only_network_fees_in_sol() {
        let mut b = Book::new(Lamports(1_000_000_000), 8);
        b.set_quote_wallet(Quote::Usdc, QuoteAmount(100_000_000));
        let mint = Pubkey::new_unique();
        let usdc = Position {
            quote: Quote::Usdc,
            ..position(mint, Pubkey::new_unique(), 1_000)
        };
        b.fill_buy(usdc, QuoteAmount(20_000_000), Lamports(5_000));
        assert_eq!(b.wallet(), Lamports(1_000_000_000 - 5_000));
        assert_eq!(b.quote_wallet(Quote::Usdc), Some(QuoteAmount(80_000_000)));
        assert_eq!(b.total_exposure(Quote::Usdc), QuoteAmount(20_000_000));
        assert_eq!(b.total_exposure(Quote::Sol), QuoteAmount::ZERO);
        let pnl = b.fill_sell(
            &mint,
            Quote::Usdc,
            TokenAmount(1_000),
            QuoteAmount(25_000_000),
            Lamports(5_000),
        );
        assert_eq!(pnl, 5_000_000);
        assert_eq!(
            b.realized(),
            PerQuote {
                sol: 0,
                usdc: 5_000_000
            }
        );
        assert_eq!(b.quote_wallet(Quote::Usdc), Some(QuoteAmount(105_000_000)));
        assert_eq!(b.wallet(), Lamports(1_000_000_000 - 10_000));
    }
}
