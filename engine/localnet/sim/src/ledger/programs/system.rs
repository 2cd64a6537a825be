//! System program: create_account, assign, transfer, allocate (bincode u32 tags, as the real
//! program reads them).

use kestrel_pump::ids::SYSTEM_PROGRAM;
use solana_pubkey::Pubkey;

use super::args::{acct, read_pubkey, read_u64};
use crate::ledger::error::InstructionError;
use crate::ledger::runtime::TxContext;

/// SystemError::AccountAlreadyInUse
const ACCOUNT_ALREADY_IN_USE: u32 = 0;
/// SystemError::ResultWithNegativeLamports
const RESULT_WITH_NEGATIVE_LAMPORTS: u32 = 1;
const MAX_PERMITTED_DATA_LENGTH: u64 = 10 * 1024 * 1024;

pub fn process(
    ctx: &mut TxContext,
    accounts: &[usize],
    data: &[u8],
) -> Result<(), InstructionError> {
    ctx.consume(150)?;
    let tag = data
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(InstructionError::InvalidInstructionData)?;
    match tag {
        0 => {
            let lamports = read_u64(data, 4)?;
            let space = read_u64(data, 12)?;
            let owner = read_pubkey(data, 20)?;
            create_account(
                ctx,
                acct(accounts, 0)?,
                acct(accounts, 1)?,
                lamports,
                space,
                owner,
            )
        }
        1 => {
            let owner = read_pubkey(data, 4)?;
            let a = acct(accounts, 0)?;
            require_signer(ctx, a)?;
            assign(ctx, a, owner)
        }
        2 => transfer(
            ctx,
            acct(accounts, 0)?,
            acct(accounts, 1)?,
            read_u64(data, 4)?,
        ),
        8 => {
            let a = acct(accounts, 0)?;
            require_signer(ctx, a)?;
            allocate(ctx, a, read_u64(data, 4)?)
        }
        _ => Err(InstructionError::InvalidInstructionData),
    }
}

fn require_signer(ctx: &mut TxContext, i: usize) -> Result<(), InstructionError> {
    if ctx.is_signer(i) {
        return Ok(());
    }
    let key = ctx.key(i);
    ctx.log(format!("Program log: Account {key} must sign"));
    Err(InstructionError::MissingRequiredSignature)
}

pub fn transfer(
    ctx: &mut TxContext,
    from: usize,
    to: usize,
    lamports: u64,
) -> Result<(), InstructionError> {
    require_signer(ctx, from)?;
    let src = ctx.account(from)?;
    if !src.data.is_empty() {
        ctx.log("Transfer: `from` must not carry data");
        return Err(InstructionError::InvalidArgument);
    }
    if src.lamports < lamports {
        let have = src.lamports;
        ctx.log(format!(
            "Transfer: insufficient lamports {have}, need {lamports}"
        ));
        return Err(InstructionError::Custom(RESULT_WITH_NEGATIVE_LAMPORTS));
    }
    ctx.move_lamports(&SYSTEM_PROGRAM, from, to, lamports)
}

fn in_use(ctx: &TxContext, i: usize) -> Result<bool, InstructionError> {
    let a = ctx.account(i)?;
    Ok(a.lamports > 0 || !a.data.is_empty() || a.owner != SYSTEM_PROGRAM)
}

fn already_in_use(ctx: &mut TxContext, i: usize) -> InstructionError {
    let key = ctx.key(i);
    ctx.log(format!(
        "Create Account: account Address {{ address: {key}, base: None }} already in use"
    ));
    InstructionError::Custom(ACCOUNT_ALREADY_IN_USE)
}

pub fn create_account(
    ctx: &mut TxContext,
    from: usize,
    to: usize,
    lamports: u64,
    space: u64,
    owner: Pubkey,
) -> Result<(), InstructionError> {
    require_signer(ctx, from)?;
    require_signer(ctx, to)?;
    if in_use(ctx, to)? {
        return Err(already_in_use(ctx, to));
    }
    allocate(ctx, to, space)?;
    assign(ctx, to, owner)?;
    transfer(ctx, from, to, lamports)
}

fn allocate(ctx: &mut TxContext, i: usize, space: u64) -> Result<(), InstructionError> {
    let a = ctx.account(i)?;
    if !a.data.is_empty() || a.owner != SYSTEM_PROGRAM {
        return Err(already_in_use(ctx, i));
    }
    if space > MAX_PERMITTED_DATA_LENGTH {
        return Err(InstructionError::InvalidArgument);
    }
    let len = usize::try_from(space).map_err(|_| InstructionError::InvalidArgument)?;
    *ctx.data_mut(&SYSTEM_PROGRAM, i)? = vec![0; len];
    Ok(())
}

fn assign(ctx: &mut TxContext, i: usize, owner: Pubkey) -> Result<(), InstructionError> {
    if ctx.account(i)?.owner == owner {
        return Ok(());
    }
    if !ctx.is_writable(i) {
        return Err(InstructionError::ReadonlyDataModified);
    }
    let a = ctx
        .accounts
        .get_mut(i)
        .ok_or(InstructionError::NotEnoughAccountKeys)?;
    if a.owner != SYSTEM_PROGRAM {
        return Err(InstructionError::InvalidAccountOwner);
    }
    a.owner = owner;
    Ok(())
}

/// Instruction data builders, for the cluster's own scenario wallets and for tests.
pub mod ix {
    use solana_instruction::{AccountMeta, Instruction};
    use solana_pubkey::Pubkey;

    use kestrel_pump::ids::SYSTEM_PROGRAM;

    pub fn transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
        let mut data = 2u32.to_le_bytes().to_vec();
        data.extend(lamports.to_le_bytes());
        Instruction {
            program_id: SYSTEM_PROGRAM,
            accounts: vec![AccountMeta::new(*from, true), AccountMeta::new(*to, false)],
            data,
        }
    }
}
