//! The programs the local cluster runs natively, and their entry point, [`dispatch`], which the
//! bank hands to the runtime.

pub mod args;
pub mod ata;
pub mod pump;
pub mod pump_amm;
pub mod system;
pub mod token;

use solana_pubkey::Pubkey;

use crate::ledger::error::InstructionError;
use crate::ledger::runtime::TxContext;
use kestrel_pump::ids;

pub fn dispatch(
    ctx: &mut TxContext,
    program: &Pubkey,
    accounts: &[usize],
    data: &[u8],
) -> Result<(), InstructionError> {
    match *program {
        ids::SYSTEM_PROGRAM => system::process(ctx, accounts, data),
        // Compute-budget instructions are read before execution; running them only costs.
        ids::COMPUTE_BUDGET_PROGRAM => ctx.consume(150),
        ids::TOKEN_PROGRAM | ids::TOKEN_2022_PROGRAM => {
            token::process(ctx, program, accounts, data)
        }
        ids::ASSOCIATED_TOKEN_PROGRAM => ata::process(ctx, accounts, data),
        ids::PUMP_PROGRAM => pump::process(ctx, accounts, data),
        ids::PUMP_AMM_PROGRAM => pump_amm::process(ctx, accounts, data),
        _ => Err(InstructionError::UnsupportedProgramId),
    }
}
