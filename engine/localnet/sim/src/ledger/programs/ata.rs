//! Associated Token Account program: create and create_idempotent, with the CPIs (and so the
//! log lines) of the real program.

use kestrel_pump::ids::{SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use kestrel_pump::pda::associated_token_address;

use super::args::acct;
use super::token;
use crate::ledger::account::rent_exempt_minimum;
use crate::ledger::error::InstructionError;
use crate::ledger::runtime::TxContext;

pub fn process(
    ctx: &mut TxContext,
    accounts: &[usize],
    data: &[u8],
) -> Result<(), InstructionError> {
    let idempotent = match data.first() {
        None | Some(0) => false,
        Some(1) => true,
        Some(_) => return Err(InstructionError::InvalidInstructionData),
    };
    ctx.msg(if idempotent {
        "CreateIdempotent"
    } else {
        "Create"
    });
    let payer = acct(accounts, 0)?;
    let ata = acct(accounts, 1)?;
    let wallet = acct(accounts, 2)?;
    let mint = acct(accounts, 3)?;
    let system = acct(accounts, 4)?;
    let token_program_i = acct(accounts, 5)?;
    let token_program = ctx.key(token_program_i);
    if ctx.key(system) != SYSTEM_PROGRAM {
        return Err(InstructionError::IncorrectProgramId);
    }
    if token_program != TOKEN_PROGRAM && token_program != TOKEN_2022_PROGRAM {
        return Err(InstructionError::IncorrectProgramId);
    }
    let expected = associated_token_address(&ctx.key(wallet), &token_program, &ctx.key(mint));
    if ctx.key(ata) != expected {
        ctx.msg("Error: Associated address does not match seed derivation");
        return Err(InstructionError::InvalidSeeds);
    }
    if idempotent {
        let existing = ctx.account(ata)?;
        if existing.owner == token_program
            && let Some(t) = token::TokenAccount::unpack(&existing.data)
            && t.state != 0
        {
            ctx.consume(4_200)?;
            if t.owner != ctx.key(wallet) || t.mint != ctx.key(mint) {
                ctx.msg("Error: Associated token account owner does not match");
                return Err(InstructionError::Custom(0));
            }
            return Ok(());
        }
    }
    if ctx.account(mint)?.owner != token_program {
        return Err(InstructionError::IncorrectProgramId);
    }
    ctx.consume(8_000)?;
    ctx.invoke(token_program, &[mint], &[21], &[])?;
    let len = if token_program == TOKEN_2022_PROGRAM {
        token::ACCOUNT_2022_IMMUTABLE_LEN
    } else {
        token::ACCOUNT_LEN
    };
    let rent = rent_exempt_minimum(len);
    // CreateAccount(lamports, space, owner), signed by the ATA's own seeds.
    let mut create = 0u32.to_le_bytes().to_vec();
    create.extend(rent.to_le_bytes());
    create.extend((len as u64).to_le_bytes());
    create.extend(token_program.as_ref());
    let ata_key = ctx.key(ata);
    ctx.invoke(SYSTEM_PROGRAM, &[payer, ata], &create, &[ata_key])?;
    ctx.msg("Initialize the associated token account");
    ctx.invoke(token_program, &[ata], &[22], &[])?;
    let mut init = vec![18u8];
    init.extend(ctx.key(wallet).as_ref());
    ctx.invoke(token_program, &[ata, mint], &init, &[])
}

/// Instruction builders.
pub mod ix {
    use solana_instruction::Instruction;
    use solana_pubkey::Pubkey;

    use kestrel_pump::instruction::ata_create_idempotent;
    use kestrel_pump::pda::associated_token_address;

    /// `create_idempotent` of `wallet`'s account for `mint` under `token_program`.
    pub fn create_idempotent(
        payer: &Pubkey,
        wallet: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Instruction {
        let ata = associated_token_address(wallet, token_program, mint);
        ata_create_idempotent(payer, &ata, wallet, mint, token_program)
    }
}
