//! The programs the local cluster runs natively.

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

/// The instruction's `n`th account as a transaction account index.
pub fn acct(accounts: &[usize], n: usize) -> Result<usize, InstructionError> {
    accounts
        .get(n)
        .copied()
        .ok_or(InstructionError::NotEnoughAccountKeys)
}

pub fn read_u64(data: &[u8], at: usize) -> Result<u64, InstructionError> {
    data.get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or(InstructionError::InvalidInstructionData)
}

pub fn read_pubkey(data: &[u8], at: usize) -> Result<Pubkey, InstructionError> {
    data.get(at..at + 32)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(Pubkey::new_from_array)
        .ok_or(InstructionError::InvalidInstructionData)
}
