//! The execution thread's work: an approved order becomes a signed transaction. Everything
//! it needs is local (the blockhash cache, PDAs, the key), so this stage never waits on the
//! network. In paper mode the fill is simulated here on the curve at the observed reserves.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use kestrel_exec::BlockhashCache;
use kestrel_exec::Wallet;
use kestrel_exec::nonce::Nonce;
use kestrel_exec::recipients::{FeeRecipients, SharedRecipients};
use kestrel_exec::tx::{
    Budget, BuyTemplate, Compiled, FeeSettings, MintInfo, SignedTx, TradePlan, V0Error, V2Plan,
    compile_checked, with_slippage,
};
use kestrel_model::{Quote, Side, mono_nanos};
use kestrel_pump::curve;
use kestrel_pump::pda;
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::{FailReason, Fill, Order};
use crate::pipeline::fees::{implied_delta, network_fee};

/// A signed order, ready for the sender.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub order: Order,
    pub signed: SignedTx,
    /// The message, kept to re-sign with a fresh blockhash if this one expires unconfirmed.
    pub message: Arc<Compiled>,
    pub last_valid_block_height: u64,
    pub signed_at: u64,
    /// What the curve math expects (the paper fill).
    pub expected: Fill,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecSettings {
    pub fees: FeeSettings,
    pub buy_cu_limit: u32,
    pub sell_cu_limit: u32,
    /// Sign orders with nonces made ahead ([`Executor::make_nonce`]), when one is ready.
    pub nonces_ahead: bool,
}

/// Creators whose vaults are remembered; beyond it the cache starts over (a vault is one PDA
/// search, ~10 µs, and creators who launch again tend to do it soon).
const VAULT_CACHE: usize = 4_096;

/// Launches whose accounts were derived ahead; an order follows its launch within
/// microseconds or never, so a few recent ones are enough.
const WARM_PLANS: usize = 16;

/// Coins in another quote whose v2 accounts are remembered; beyond it the cache starts over.
const V2_PLANS: usize = 256;

/// Recipients' quote token accounts remembered: 24 recipients per quote mint.
const RECIPIENT_ATAS: usize = 64;

/// Nonces kept ready: more than a burst of launches within one idle gap needs. Each takes
/// about one signature's time to make.
const NONCE_POOL: usize = 16;

/// A launch made ready from the feed's hint while the strategy thread decided: its accounts,
/// and its buy compiled with the amounts left open.
struct Warm {
    mint: MintInfo,
    plan: TradePlan,
    buy: BuyTemplate,
}

/// The latest launches made ready, so an order for one of them only patches its amounts and
/// signs. A fixed ring of recent launches.
struct WarmPlans {
    slots: [Option<Warm>; WARM_PLANS],
    next: usize,
}

impl WarmPlans {
    fn new() -> Self {
        Self {
            slots: std::array::from_fn(|_| None),
            next: 0,
        }
    }

    /// What was made ready for exactly this launch (mint, curve, creator and token program
    /// all equal: a hint never stands in for different accounts).
    fn get(&self, m: &MintInfo) -> Option<&Warm> {
        self.slots.iter().flatten().find(|w| w.mint == *m)
    }

    fn put(&mut self, w: Warm) {
        self.slots[self.next] = Some(w);
        self.next = (self.next + 1) % WARM_PLANS;
    }
}

pub struct Executor {
    wallet: Arc<Wallet>,
    user_volume_accumulator: Pubkey,
    creator_vaults: HashMap<Pubkey, Pubkey>,
    warm: WarmPlans,
    /// The v2 accounts of recent coins quoted in anything but SOL (a dozen address searches
    /// each), so a coin's sells and a warmed buy reuse them.
    v2_plans: HashMap<Pubkey, (MintInfo, V2Plan)>,
    /// One-time nonces made ahead, spent by the next orders (see `kestrel_exec::nonce`).
    nonces: Vec<Nonce>,
    settings: ExecSettings,
    blockhash: Arc<BlockhashCache>,
    recorder: Recorder,
    metrics: Arc<Metrics>,
    /// The Jito tip every transaction carries when bundles are sent (lamports).
    tip: Option<u64>,
    /// The fee recipient sets in force (refreshed from Global by the control plane).
    recipients: SharedRecipients,
    /// Draws of recipients: `mix(seed + n)` for the n-th transaction.
    draw_seed: u64,
    draws: u64,
    /// Recipients' quote token accounts (one address search each), for v2 trades.
    recipient_atas: HashMap<(Pubkey, Pubkey), Pubkey>,
}

impl Executor {
    pub fn new(
        wallet: Arc<Wallet>,
        settings: ExecSettings,
        blockhash: Arc<BlockhashCache>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let user_volume_accumulator = pda::user_volume_accumulator(&wallet.pubkey());
        Self {
            wallet,
            user_volume_accumulator,
            creator_vaults: HashMap::with_capacity(VAULT_CACHE),
            warm: WarmPlans::new(),
            v2_plans: HashMap::with_capacity(V2_PLANS),
            nonces: Vec::with_capacity(NONCE_POOL),
            settings,
            blockhash,
            recorder: Recorder::new(&[Stage::BuildSign]),
            metrics,
            tip: None,
            recipients: FeeRecipients::shared(),
            draw_seed: kestrel_exec::spread::spread_u64(),
            draws: 0,
            recipient_atas: HashMap::with_capacity(RECIPIENT_ATAS),
        }
    }

    /// The recipient sets this executor draws from (the engine's refresher writes to it).
    pub fn recipients(&self) -> SharedRecipients {
        self.recipients.clone()
    }

    /// Draws recipients from `seed` on (tests compare two executors' bytes).
    pub fn with_draw_seed(mut self, seed: u64) -> Self {
        self.draw_seed = seed;
        self
    }

    /// A fee recipient and a buyback recipient for the next transaction.
    fn draw(&mut self, is_mayhem: bool) -> (Pubkey, Pubkey) {
        self.draws += 1;
        let random = kestrel_exec::spread::mix(self.draw_seed.wrapping_add(self.draws));
        let sets = match self.recipients.read() {
            Ok(sets) => *sets,
            // A refresher that panicked mid-write: its last sets are whole (a copy).
            Err(poisoned) => *poisoned.into_inner(),
        };
        sets.draw(is_mayhem, random)
    }

    /// `plan` paying `recipients`, their quote token accounts remembered.
    fn v2_with(&mut self, plan: V2Plan, recipients: (Pubkey, Pubkey)) -> V2Plan {
        let i = plan.accounts.inputs;
        let mut ata = |owner: Pubkey| {
            if self.recipient_atas.len() >= RECIPIENT_ATAS {
                self.recipient_atas.clear();
            }
            *self
                .recipient_atas
                .entry((owner, i.quote_mint))
                .or_insert_with(|| {
                    pda::associated_token_address(&owner, &i.quote_token_program, &i.quote_mint)
                })
        };
        let atas = (ata(recipients.0), ata(recipients.1));
        plan.with_recipients(recipients, atas)
    }

    /// Every transaction also pays `lamports` to a Jito tip account (bundles need it).
    pub fn with_tip(mut self, lamports: u64) -> Self {
        self.tip = Some(lamports);
        self
    }

    pub fn wallet(&self) -> &Arc<Wallet> {
        &self.wallet
    }

    /// Makes a launch ready ahead of its order (the feed's hint, taken while the strategy
    /// thread decides): the PDA searches and the buy's compiling leave the order's critical
    /// path.
    pub fn warm(&mut self, m: MintInfo) {
        if m.quote != Quote::Sol {
            self.v2_plan(m);
            return;
        }
        if self.warm.get(&m).is_none() {
            let w = self.ready(m);
            self.warm.put(w);
        }
    }

    fn ready(&mut self, m: MintInfo) -> Warm {
        let plan = self.derive(m);
        Warm {
            mint: m,
            plan,
            buy: plan.buy_template(self.tip_instruction().as_ref()),
        }
    }

    /// The Jito tip every transaction carries when bundles are sent, to a random tip account.
    fn tip_instruction(&self) -> Option<solana_instruction::Instruction> {
        self.tip.map(|lamports| {
            kestrel_exec::jito::tip_instruction(
                &self.wallet.pubkey(),
                &kestrel_exec::jito::random_tip_account(),
                lamports,
            )
        })
    }

    /// Whether the nonce pool has room (and nonces are made ahead at all).
    pub fn wants_nonce(&self) -> bool {
        self.settings.nonces_ahead && self.nonces.len() < NONCE_POOL
    }

    /// Makes one nonce for a later order, when the pool has room: about one signature's work,
    /// for an idle moment. Returns whether one was made.
    pub fn make_nonce(&mut self) -> bool {
        if !self.wants_nonce() {
            return false;
        }
        match self.wallet.nonce() {
            Some(n) => {
                self.nonces.push(n);
                true
            }
            None => false,
        }
    }

    /// The v2 accounts of a coin in another quote, derived once (a hint never stands in for
    /// different accounts: the whole `MintInfo` must match).
    fn v2_plan(&mut self, m: MintInfo) -> V2Plan {
        if let Some((info, plan)) = self.v2_plans.get(&m.mint)
            && *info == m
        {
            return *plan;
        }
        if self.v2_plans.len() >= V2_PLANS {
            self.v2_plans.clear();
        }
        let plan = V2Plan::derive(self.wallet.pubkey(), m);
        self.v2_plans.insert(m.mint, (m, plan));
        plan
    }

    fn derive(&mut self, m: MintInfo) -> TradePlan {
        let creator = m.creator;
        let vault = match self.creator_vaults.get(&creator) {
            Some(v) => *v,
            None => {
                if self.creator_vaults.len() >= VAULT_CACHE {
                    self.creator_vaults.clear();
                }
                let v = pda::creator_vault(&creator);
                self.creator_vaults.insert(creator, v);
                v
            }
        };
        TradePlan::derive_with_vault(self.wallet.pubkey(), self.user_volume_accumulator, m, vault)
    }

    /// Builds and signs `order`.
    pub fn prepare(&mut self, order: &Order) -> Result<Prepared, FailReason> {
        let recent = self.blockhash.get().ok_or(FailReason::NoBlockhash)?;
        let intent = order.approved.intent();
        let is_warm = if order.coin.quote == Quote::Sol {
            self.warm.get(&order.coin).is_some()
        } else {
            self.v2_plans
                .get(&order.coin.mint)
                .is_some_and(|(info, _)| *info == order.coin)
        };
        let counter = if is_warm {
            &self.metrics.curve_plans_warm
        } else {
            &self.metrics.curve_plans_derived
        };
        counter.fetch_add(1, Relaxed);
        let rates = self.settings.fees.rates;
        let r = &order.reserves;
        let cu_price = intent.cu_price_micro_lamports;
        let curve_err = |e: curve::CurveError| FailReason::Curve(e.to_string());
        let quote = order.coin.quote;
        let v2 = quote != Quote::Sol;
        let too_large = |e: V0Error| FailReason::Curve(e.to_string());
        let (message, tokens, leg, after, cu_limit) = match intent.side {
            Side::Buy { spend, .. } => {
                let (tokens, leg) =
                    curve::buy_exact_quote_in(r, spend, rates).map_err(curve_err)?;
                let min_out = TokenAmount(with_slippage(tokens.0, intent.max_slippage));
                let budget = Budget {
                    cu_limit: self.settings.buy_cu_limit,
                    cu_price,
                };
                let after = r.after_buy(tokens, leg.curve).map_err(curve_err)?;
                let recipients = self.draw(order.coin.is_mayhem);
                let message = if v2 {
                    // A coin in another quote: `buy_exact_quote_in_v2`, the same math.
                    let plan = self.v2_plan(order.coin);
                    let plan = self.v2_with(plan, recipients);
                    let mut ixs = plan.buy(spend, min_out, budget).to_vec();
                    ixs.extend(self.tip_instruction());
                    compile_checked(&self.wallet.pubkey(), &ixs).map_err(too_large)?
                } else {
                    // A SOL coin's quote amount is its lamports.
                    let lamports = Lamports(spend.0);
                    match self.warm.get(&order.coin) {
                        Some(w) => w.buy.fill(lamports, min_out, budget, recipients),
                        None => {
                            let w = self.ready(order.coin);
                            w.buy.fill(lamports, min_out, budget, recipients)
                        }
                    }
                };
                (message, tokens, leg, after, budget.cu_limit)
            }
            Side::Sell { tokens } => {
                let leg = curve::sell_exact_tokens(r, tokens, rates).map_err(curve_err)?;
                let receives = leg.seller_receives().unwrap_or(QuoteAmount::ZERO);
                let min_out = QuoteAmount(with_slippage(receives.0, intent.max_slippage));
                let budget = Budget {
                    cu_limit: self.settings.sell_cu_limit,
                    cu_price,
                };
                let after = r.after_sell(tokens, leg.curve).map_err(curve_err)?;
                let recipients = self.draw(order.coin.is_mayhem);
                let mut ixs = if v2 {
                    let plan = self.v2_plan(order.coin);
                    self.v2_with(plan, recipients)
                        .sell(tokens, min_out, budget)
                        .to_vec()
                } else {
                    let plan = match self.warm.get(&order.coin) {
                        Some(w) => w.plan,
                        None => self.derive(order.coin),
                    };
                    // A SOL coin's quote amount is its lamports.
                    plan.with_recipients(recipients)
                        .sell(tokens, Lamports(min_out.0), budget)
                        .to_vec()
                };
                ixs.extend(self.tip_instruction());
                let message = compile_checked(&self.wallet.pubkey(), &ixs).map_err(too_large)?;
                (message, tokens, leg, after, budget.cu_limit)
            }
        };
        let by_instruction = match (v2, intent.is_buy()) {
            (false, true) => &self.metrics.signed_buy_exact_sol_in,
            (false, false) => &self.metrics.signed_sell,
            (true, true) => &self.metrics.signed_buy_exact_quote_in_v2,
            (true, false) => &self.metrics.signed_sell_v2,
        };
        by_instruction.fetch_add(1, Relaxed);
        let nonce = self.nonces.pop();
        let counter = if nonce.is_some() {
            &self.metrics.signed_nonce_ahead
        } else {
            &self.metrics.signed_deterministic
        };
        counter.fetch_add(1, Relaxed);
        let signed = message.sign_with(&self.wallet, nonce, recent.hash);
        let signed_at = mono_nanos();
        // Recorded only: publishing copies histograms, which has no place between signing
        // and the wire (the execution loop publishes in its idle turns).
        self.recorder
            .record(Stage::BuildSign, signed_at.saturating_sub(order.read_at));
        let fees = leg.fees().unwrap_or(QuoteAmount::ZERO);
        let network = Lamports(network_fee(cu_limit, cu_price));
        let expected = Fill {
            order: order.id,
            why: order.why,
            wallet_delta: implied_delta(intent.is_buy(), quote, leg.curve, fees, network),
            mint: order.coin.mint,
            is_buy: intent.is_buy(),
            tokens,
            quote,
            quote_amount: leg.curve,
            fees,
            network_fee: network,
            reserves_after: after,
            signature: signed.signature_text,
            slot: 0,
        };
        Ok(Prepared {
            order: *order,
            signed,
            message: Arc::new(message),
            last_valid_block_height: recent.last_valid_block_height,
            signed_at,
            expected,
        })
    }

    pub fn publish(&mut self, now: u64, force: bool) {
        self.recorder.maybe_publish(&self.metrics, now, force);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::book::Book;
    use crate::order::{Venue, Why};
    use kestrel_exec::Recent;
    use kestrel_guardian::{Guardian, Limits};
    use kestrel_model::{Intent, Timestamp};
    use kestrel_pump::curve::Reserves;
    use kestrel_testkit::TestDefault;

    use kestrel_units::Bps;
    use solana_hash::Hash;
    use solana_keypair::Keypair;

    fn executor(wallet: &Arc<Wallet>) -> Executor {
        executor_with(wallet, false)
    }

    fn executor_with(wallet: &Arc<Wallet>, nonces_ahead: bool) -> Executor {
        let blockhash = Arc::new(BlockhashCache::new());
        blockhash.set(Recent {
            hash: Hash::new_from_array([7; 32]),
            last_valid_block_height: 1_000,
            fetched_at: 0,
        });
        Executor::new(
            wallet.clone(),
            ExecSettings {
                fees: FeeSettings::default(),
                buy_cu_limit: 120_000,
                sell_cu_limit: 100_000,
                nonces_ahead,
            },
            blockhash,
            Arc::new(Metrics::new()),
        )
        // The same draws in every executor of a test, so their bytes compare.
        .with_draw_seed(7)
    }

    fn buy_order(m: MintInfo) -> Order {
        let spend = kestrel_testkit::TEST_BUY;
        let mut guardian = Guardian::new(Limits::test_default(), vec![], vec![]);
        let intent = Intent {
            mint: m.mint,
            creator: m.creator,
            side: Side::Buy {
                quote: m.quote,
                spend: match m.quote {
                    Quote::Sol => QuoteAmount::from(spend),
                    // 1.5 USDC, the same 0.01 SOL at 150 USDC a SOL.
                    _ => kestrel_testkit::TEST_BUY_USDC,
                },
            },
            max_slippage: Bps(1_000),
            cu_price_micro_lamports: 1_000,
            created_at: Timestamp(0),
        };
        let approved = guardian
            .check(intent, &Book::new(Lamports(1_000_000_000_000), 16))
            .unwrap();
        Order {
            id: 1,
            why: Why::Snipe,
            approved,
            coin: m,
            reserves: Reserves {
                virtual_token: TokenAmount(1_073_000_000_000_000),
                virtual_quote: match m.quote {
                    Quote::Sol => QuoteAmount(30_000_000_000),
                    _ => QuoteAmount(4_000_000_000),
                },
                real_token: TokenAmount(793_100_000_000_000),
                real_quote: QuoteAmount(0),
            },
            read_at: 0,
            decided_at: 0,
            venue: Venue::Curve,
        }
    }

    fn launch(n: u8) -> MintInfo {
        MintInfo {
            mint: Pubkey::new_from_array([n; 32]),
            quote: Quote::Sol,
            bonding_curve: Pubkey::new_from_array([n ^ 0xff; 32]),
            creator: Pubkey::new_from_array([n.wrapping_add(1); 32]),
            token_program: kestrel_model::TokenProgram::Spl,
            is_cashback: false,
            is_mayhem: false,
        }
    }

    #[test]
    fn a_hinted_launch_signs_the_same_transaction_from_its_warm_accounts() {
        let wallet = Arc::new(Wallet::from_keypair(Keypair::new_from_array([4; 32])));
        let m = launch(1);
        let mut cold = executor(&wallet);
        let expected = cold.prepare(&buy_order(m)).unwrap();
        assert_eq!(cold.metrics.curve_plans_derived.load(Relaxed), 1);

        let mut warmed = executor(&wallet);
        warmed.warm(m);
        // Later launches do not push it out before its order comes.
        for n in 2..8 {
            warmed.warm(launch(n));
        }
        let got = warmed.prepare(&buy_order(m)).unwrap();
        assert_eq!(warmed.metrics.curve_plans_warm.load(Relaxed), 1);
        assert_eq!(warmed.metrics.curve_plans_derived.load(Relaxed), 0);
        assert_eq!(got.signed.send_body, expected.signed.send_body);
        assert_eq!(got.message, expected.message);
    }

    #[test]
    fn orders_spend_nonces_made_ahead_once_each_then_sign_deterministically() {
        let wallet = Arc::new(Wallet::from_keypair(Keypair::new_from_array([4; 32])));
        let mut off = executor(&wallet);
        assert!(!off.wants_nonce() && !off.make_nonce());

        let mut ex = executor_with(&wallet, true);
        let mut made = 0;
        while ex.make_nonce() {
            made += 1;
        }
        assert_eq!(made, NONCE_POOL);
        let mut cold = executor(&wallet);
        let mut seen = std::collections::HashSet::new();
        for n in 0..=(NONCE_POOL as u8) {
            let m = launch(n);
            ex.warm(m);
            let got = ex.prepare(&buy_order(m)).unwrap();
            let reference = cold.prepare(&buy_order(m)).unwrap();
            // The same message either way; the signature verifies over it.
            assert_eq!(got.message, reference.message);
            assert_eq!(got.signed.wire[65..], reference.signed.wire[65..]);
            assert!(
                got.signed
                    .signature
                    .verify(wallet.pubkey().as_ref(), &got.signed.wire[65..])
            );
            assert!(seen.insert(got.signed.signature), "{n}");
            // Once the pool is spent, the deterministic signature.
            let deterministic = usize::from(n) >= NONCE_POOL;
            assert_eq!(got.signed == reference.signed, deterministic, "{n}");
        }
        assert_eq!(
            ex.metrics.signed_nonce_ahead.load(Relaxed),
            NONCE_POOL as u64
        );
        assert_eq!(ex.metrics.signed_deterministic.load(Relaxed), 1);
        assert!(ex.wants_nonce());
    }

    #[test]
    fn a_hint_never_stands_in_for_other_accounts() {
        let wallet = Arc::new(Wallet::from_keypair(Keypair::new_from_array([4; 32])));
        let m = launch(1);
        let mut ex = executor(&wallet);
        ex.warm(m);
        // Same mint, another creator (so another creator vault): derived afresh.
        let other = MintInfo {
            creator: Pubkey::new_from_array([99; 32]),
            ..m
        };
        let got = ex.prepare(&buy_order(other)).unwrap();
        assert_eq!(ex.metrics.curve_plans_warm.load(Relaxed), 0);
        assert_eq!(ex.metrics.curve_plans_derived.load(Relaxed), 1);
        let mut cold = executor(&wallet);
        assert_eq!(
            got.signed.send_body,
            cold.prepare(&buy_order(other)).unwrap().signed.send_body
        );
        // A ring of recent launches: the oldest is forgotten, and derived again.
        for n in 2..=(WARM_PLANS as u8 + 1) {
            ex.warm(launch(n));
        }
        ex.prepare(&buy_order(m)).unwrap();
        assert_eq!(ex.metrics.curve_plans_derived.load(Relaxed), 2);
    }

    #[test]
    fn a_usdc_coin_is_bought_and_sold_with_the_v2_instructions_and_never_a_sol_one() {
        let wallet = Arc::new(Wallet::from_keypair(Keypair::new_from_array([4; 32])));
        let m = MintInfo {
            quote: Quote::Usdc,
            ..launch(3)
        };
        let mut ex = executor(&wallet);
        ex.warm(m);
        let buy = ex.prepare(&buy_order(m)).unwrap();
        use kestrel_pump::discriminator::instruction as disc;
        // The instruction's data in the signed bytes: its discriminator then its arguments.
        let data_after = |p: &Prepared, d: [u8; 8]| {
            let w = &p.signed.wire;
            w.windows(8)
                .position(|x| x == d)
                .map(|at| w[at + 8..at + 16].to_vec())
        };
        assert_eq!(
            data_after(&buy, disc::BUY_EXACT_QUOTE_IN_V2),
            Some(1_500_000u64.to_le_bytes().to_vec()),
            "the spend in USDC base units, as the intent said"
        );
        assert_eq!(data_after(&buy, disc::BUY_EXACT_SOL_IN), None);
        assert_eq!(buy.expected.quote, Quote::Usdc);
        assert_eq!(ex.metrics.signed_buy_exact_quote_in_v2.load(Relaxed), 1);
        assert_eq!(ex.metrics.signed_buy_exact_sol_in.load(Relaxed), 0);
        assert_eq!(ex.metrics.curve_plans_warm.load(Relaxed), 1);
        // A SOL buy of the same size moves SOL; this one only the network fee.
        assert_eq!(
            buy.expected.wallet_delta,
            -i64::try_from(buy.expected.network_fee.0).unwrap()
        );

        // The sell: sell_v2.
        let mut sell = buy_order(m);
        let mut guardian = Guardian::new(Limits::test_default(), vec![], vec![]);
        let mut book = Book::new(Lamports(1_000_000_000_000), 16);
        book.restore(crate::book::Position {
            mint: m.mint,
            quote: Quote::Usdc,
            creator: m.creator,
            bonding_curve: m.bonding_curve,
            token_program: m.token_program,
            is_cashback: false,
            is_mayhem: false,
            tokens: buy.expected.tokens,
            cost: QuoteAmount(1_500_000),
            opened_at: Timestamp(0),
            mark: buy.expected.reserves_after,
            mark_slot: 0,
            complete: false,
            selling: false,
        });
        sell.reserves = buy.expected.reserves_after;
        sell.approved = guardian
            .check(
                Intent {
                    side: Side::Sell {
                        tokens: buy.expected.tokens,
                    },
                    ..*sell.approved.intent()
                },
                &book,
            )
            .unwrap();
        let sold = ex.prepare(&sell).unwrap();
        assert!(data_after(&sold, disc::SELL_V2).is_some());
        assert_eq!(data_after(&sold, disc::SELL), None);
        assert_eq!(ex.metrics.signed_sell_v2.load(Relaxed), 1);
        assert_eq!(ex.metrics.signed_sell.load(Relaxed), 0);
    }
}
