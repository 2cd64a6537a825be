//! A Jupiter route signed as our own transaction: Jupiter's compute-budget instructions are
//! dropped for ours (limit and price from config), its setup, swap and cleanup instructions
//! are kept in order, a Jito tip goes last when the order is bound for a bundle, and the
//! message is compiled to v0 against the route's lookup tables (read once and cached; see
//! [`crate::lookup`]).

use kestrel_pump::instruction::{set_compute_unit_limit, set_compute_unit_price};
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_message::AddressLookupTableAccount;

use crate::jupiter::{Quote, SwapInstructions};
use crate::tx::{self, Budget, Compiled, SignedTx, V0Error};
use crate::wallet::Wallet;

/// Everything needed to sign a swap without asking the network: the quote, its instructions
/// and their lookup tables.
#[derive(Clone, Debug, PartialEq)]
pub struct SwapPlan {
    pub quote: Quote,
    pub instructions: SwapInstructions,
    pub tables: Vec<AddressLookupTableAccount>,
}

/// The instruction list of the transaction: our budget, the route, the tip.
pub fn instructions(
    s: &SwapInstructions,
    budget: Budget,
    tip: Option<Instruction>,
) -> Vec<Instruction> {
    let mut out = Vec::with_capacity(3 + s.setup.len() + s.other.len() + 3);
    out.push(set_compute_unit_limit(budget.cu_limit));
    out.push(set_compute_unit_price(budget.cu_price));
    out.extend(s.body().cloned());
    out.extend(tip);
    out
}

/// Compiles `plan` once (the quote refresher does this ahead of an exit), so the exit only
/// patches in a blockhash and signs.
pub fn compile(
    payer: &solana_pubkey::Pubkey,
    plan: &SwapPlan,
    budget: Budget,
    tip: Option<Instruction>,
) -> Result<Compiled, V0Error> {
    let ixs = instructions(&plan.instructions, budget, tip);
    tx::compile_v0(payer, &ixs, &plan.tables)
}

/// Signs `plan` with `blockhash`.
pub fn sign(
    wallet: &Wallet,
    plan: &SwapPlan,
    budget: Budget,
    tip: Option<Instruction>,
    blockhash: Hash,
) -> Result<SignedTx, V0Error> {
    let ixs = instructions(&plan.instructions, budget, tip);
    tx::sign_v0(wallet, &ixs, &plan.tables, blockhash)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use kestrel_pump::ids::COMPUTE_BUDGET_PROGRAM;
    use solana_pubkey::Pubkey;

    #[test]
    fn our_budget_replaces_jupiters_and_the_tip_goes_last() {
        let wallet = Wallet::from_keypair(solana_keypair::Keypair::new());
        let swap = Instruction {
            program_id: Pubkey::new_unique(),
            accounts: vec![solana_instruction::AccountMeta::new(wallet.pubkey(), true)],
            data: vec![1, 2, 3],
        };
        let s = SwapInstructions {
            token_ledger: None,
            compute_budget: vec![
                set_compute_unit_limit(1_400_000),
                set_compute_unit_price(999_999),
            ],
            setup: vec![],
            swap: swap.clone(),
            cleanup: None,
            other: vec![],
            lookup_tables: vec![],
            compute_unit_limit: None,
        };
        let tip = crate::jito::tip_instruction(
            &wallet.pubkey(),
            &kestrel_pump::ids::JITO_TIP_ACCOUNTS[0],
            5_000,
        );
        let ixs = instructions(
            &s,
            Budget {
                cu_limit: 150_000,
                cu_price: 7,
            },
            Some(tip.clone()),
        );
        assert_eq!(ixs.len(), 4);
        assert_eq!(ixs[0], set_compute_unit_limit(150_000));
        assert_eq!(ixs[1], set_compute_unit_price(7));
        assert_eq!(ixs[2], swap);
        assert_eq!(ixs[3], tip);
        assert_eq!(
            ixs.iter()
                .filter(|i| i.program_id == COMPUTE_BUDGET_PROGRAM)
                .count(),
            2
        );
    }
}
