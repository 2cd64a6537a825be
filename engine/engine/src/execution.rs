//! The execution thread's work: an approved order becomes a signed transaction. Everything
//! it needs is local (the blockhash cache, PDAs, the key), so this stage never waits on the
//! network. In paper mode the fill is simulated here on the curve at the observed reserves.

use std::collections::HashMap;
use std::sync::Arc;

use kestrel_exec::BlockhashCache;
use kestrel_exec::Wallet;
use kestrel_exec::tx::{self, Budget, FeeSettings, SignedTx, TradePlan, with_slippage};
use kestrel_model::{Side, mono_nanos};
use kestrel_pump::curve;
use kestrel_pump::pda;
use kestrel_units::{Lamports, TokenAmount};
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;

use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::{FailReason, Fill, Order};

/// Network fee of one signature (lamports), as every cluster charges it.
pub const BASE_FEE_PER_SIGNATURE: u64 = 5_000;

/// A signed order, ready for the sender.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub order: Order,
    pub signed: SignedTx,
    /// Kept to re-sign with a fresh blockhash if this one expires unconfirmed.
    pub instructions: Vec<Instruction>,
    /// A routed (v0) transaction's compiled message, re-signed in place of `instructions`.
    pub compiled: Option<Arc<kestrel_exec::tx::CompiledV0>>,
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
}

/// Creators whose vaults are remembered; beyond it the cache starts over (a vault is one PDA
/// search, ~10 µs, and creators who launch again tend to do it soon).
const VAULT_CACHE: usize = 4_096;

pub struct Executor {
    wallet: Arc<Wallet>,
    user_volume_accumulator: Pubkey,
    creator_vaults: HashMap<Pubkey, Pubkey>,
    settings: ExecSettings,
    blockhash: Arc<BlockhashCache>,
    recorder: Recorder,
    metrics: Arc<Metrics>,
    /// The Jito tip every transaction carries when bundles are sent (lamports).
    tip: Option<u64>,
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
            settings,
            blockhash,
            recorder: Recorder::new(&[Stage::BuildSign]),
            metrics,
            tip: None,
        }
    }

    /// Every transaction also pays `lamports` to a Jito tip account (bundles need it).
    pub fn with_tip(mut self, lamports: u64) -> Self {
        self.tip = Some(lamports);
        self
    }

    pub fn wallet(&self) -> &Arc<Wallet> {
        &self.wallet
    }

    /// Builds and signs `order`.
    pub fn prepare(&mut self, order: &Order) -> Result<Prepared, FailReason> {
        let recent = self.blockhash.get().ok_or(FailReason::NoBlockhash)?;
        let intent = order.approved.intent();
        let creator = order.mint.creator;
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
        let plan = TradePlan::derive_with_vault(
            self.wallet.pubkey(),
            self.user_volume_accumulator,
            order.mint,
            &self.settings.fees,
            vault,
        );
        let rates = self.settings.fees.rates;
        let r = &order.reserves;
        let cu_price = intent.cu_price_micro_lamports;
        let curve_err = |e: curve::CurveError| FailReason::Curve(e.to_string());
        let (instructions, tokens, leg, after, cu_limit) = match intent.side {
            Side::Buy { spend } => {
                let (tokens, leg) = curve::buy_exact_sol_in(r, spend, rates).map_err(curve_err)?;
                let min_out = TokenAmount(with_slippage(tokens.0, intent.max_slippage));
                let budget = Budget {
                    cu_limit: self.settings.buy_cu_limit,
                    cu_price,
                };
                let after = r.after_buy(tokens, leg.curve).map_err(curve_err)?;
                let ixs = plan.buy(spend, min_out, budget).to_vec();
                (ixs, tokens, leg, after, budget.cu_limit)
            }
            Side::Sell { tokens } => {
                let leg = curve::sell_exact_tokens(r, tokens, rates).map_err(curve_err)?;
                let receives = leg.seller_receives().unwrap_or(Lamports::ZERO);
                let min_sol = Lamports(with_slippage(receives.0, intent.max_slippage));
                let budget = Budget {
                    cu_limit: self.settings.sell_cu_limit,
                    cu_price,
                };
                let after = r.after_sell(tokens, leg.curve).map_err(curve_err)?;
                let ixs = plan.sell(tokens, min_sol, budget).to_vec();
                (ixs, tokens, leg, after, budget.cu_limit)
            }
        };
        let mut instructions = instructions;
        if let Some(tip) = self.tip {
            instructions.push(kestrel_exec::jito::tip_instruction(
                &self.wallet.pubkey(),
                &kestrel_exec::jito::random_tip_account(),
                tip,
            ));
        }
        let signed = tx::sign(&self.wallet, &instructions, recent.hash);
        let signed_at = mono_nanos();
        self.recorder
            .record(Stage::BuildSign, signed_at.saturating_sub(order.read_at));
        self.recorder.maybe_publish(&self.metrics, signed_at, false);
        let fees = leg.fees().unwrap_or(Lamports::ZERO);
        let network = Lamports(network_fee(cu_limit, cu_price));
        let expected = Fill {
            order: order.id,
            why: order.why,
            wallet_delta: crate::dispatch::implied_delta(intent.is_buy(), leg.curve, fees, network),
            mint: order.mint.mint,
            is_buy: intent.is_buy(),
            tokens,
            sol: leg.curve,
            fees,
            network_fee: network,
            reserves_after: after,
            signature: signed.signature_text,
            slot: 0,
        };
        Ok(Prepared {
            order: *order,
            signed,
            instructions,
            compiled: None,
            last_valid_block_height: recent.last_valid_block_height,
            signed_at,
            expected,
        })
    }

    pub fn publish(&mut self, now: u64, force: bool) {
        self.recorder.maybe_publish(&self.metrics, now, force);
    }
}

/// Base fee plus priority fee: `ceil(cu_limit × price / 1e6)` micro-lamports → lamports.
pub fn network_fee(cu_limit: u32, cu_price_micro_lamports: u64) -> u64 {
    let micro = u128::from(cu_limit) * u128::from(cu_price_micro_lamports);
    let priority = u64::try_from(micro.div_ceil(1_000_000)).unwrap_or(u64::MAX);
    BASE_FEE_PER_SIGNATURE.saturating_add(priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_fee_rounds_the_priority_fee_up() {
        assert_eq!(network_fee(200_000, 0), 5_000);
        assert_eq!(network_fee(200_000, 1), 5_001);
        assert_eq!(network_fee(100_000, 50_000), 10_000);
    }
}
