//! An instruction's arguments as the native programs read them: its accounts by position, and
//! the fixed-width fields of its data. Apart from the programs' entry point, so a program that
//! reads its arguments does not import the dispatcher that calls it.

use solana_pubkey::Pubkey;

use crate::ledger::error::InstructionError;

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
