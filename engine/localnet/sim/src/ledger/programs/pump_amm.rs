//! PumpSwap, emulated: `sell` and `buy_exact_quote_in` on the cluster's constant-product pools
//! (made by `ledger::pools`), with the account lists and checks of idl/pump_amm.json, the
//! pool's vaults moved by token-program CPIs signed by the pool PDA, and Anchor's error lines.
//!
//! Choices where the public sources are silent (the closing note says so): fees come from the
//! cluster's GlobalConfig (20 bps to LP, 5 protocol, 5 coin creator by default: a cluster
//! setting, not a mainnet figure), all on the quote leg; no events are emitted; volume
//! accumulators are accepted as given and not tracked.

use kestrel_pump::amm::{self, Pool, PoolFees};
use kestrel_pump::error::PumpSwapError;
use kestrel_pump::ids::{PUMP_AMM_PROGRAM, PUMP_FEES_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use kestrel_pump::pda::associated_token_address;
use kestrel_units::Bps;
use solana_pubkey::Pubkey;

use super::args::acct;
use super::token::TokenAccount;
use crate::ledger::error::InstructionError;
use crate::ledger::runtime::TxContext;

/// GlobalConfig's discriminator (idl/pump_amm.json `accounts`).
pub const GLOBAL_CONFIG_DISC: [u8; 8] = [149, 8, 156, 202, 160, 252, 176, 217];
/// The fees the cluster's GlobalConfig carries unless configured otherwise.
pub const DEFAULT_FEES: PoolFees = PoolFees {
    lp: Bps(20),
    protocol: Bps(5),
    coin_creator: Bps(5),
};

/// What the program reads from GlobalConfig.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalConfig {
    pub fees: PoolFees,
    pub protocol_fee_recipients: [Pubkey; 8],
}

/// GlobalConfig in the IDL layout (admin, lp bps, protocol bps, disable flags, 8 recipients,
/// coin-creator bps, then fields this emulation leaves zero).
pub fn encode_global_config(admin: &Pubkey, c: &GlobalConfig) -> Vec<u8> {
    let mut d = GLOBAL_CONFIG_DISC.to_vec();
    d.extend_from_slice(admin.as_ref());
    d.extend_from_slice(&c.fees.lp.0.to_le_bytes());
    d.extend_from_slice(&c.fees.protocol.0.to_le_bytes());
    d.push(0); // disable_flags
    for r in &c.protocol_fee_recipients {
        d.extend_from_slice(r.as_ref());
    }
    d.extend_from_slice(&c.fees.coin_creator.0.to_le_bytes());
    // admin_set_coin_creator_authority, whitelist_pda, reserved_fee_recipient, mayhem flag,
    // reserved_fee_recipients[7], cashback flag, buyback_fee_recipients[8], buyback bps.
    d.extend_from_slice(&[0; 32 * 3 + 1 + 32 * 7 + 1 + 32 * 8 + 8]);
    d
}

pub fn decode_global_config(d: &[u8]) -> Option<GlobalConfig> {
    if d.get(..8)? != GLOBAL_CONFIG_DISC {
        return None;
    }
    let u = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
    };
    let mut recipients = [Pubkey::default(); 8];
    for (i, r) in recipients.iter_mut().enumerate() {
        let at = 57 + 32 * i;
        *r = Pubkey::new_from_array(d.get(at..at + 32)?.try_into().ok()?);
    }
    Some(GlobalConfig {
        fees: PoolFees {
            lp: Bps(u(40)?),
            protocol: Bps(u(48)?),
            coin_creator: Bps(u(313)?),
        },
        protocol_fee_recipients: recipients,
    })
}

fn thrown(ctx: &mut TxContext, e: PumpSwapError) -> InstructionError {
    let (n, name) = (e.code(), e.name());
    ctx.msg(format!(
        "AnchorError thrown in programs/pump-amm/src/lib.rs. Error Code: {name}. Error Number: {n}. Error Message: {e}."
    ));
    InstructionError::Custom(n)
}

fn caused_by(ctx: &mut TxContext, account: &str, e: PumpSwapError) -> InstructionError {
    let (n, name) = (e.code(), e.name());
    ctx.msg(format!(
        "AnchorError caused by account: {account}. Error Code: {name}. Error Number: {n}. Error Message: {e}."
    ));
    InstructionError::Custom(n)
}

fn expect_key(
    ctx: &mut TxContext,
    account: &str,
    got: Pubkey,
    want: Pubkey,
    c: PumpSwapError,
) -> Result<(), InstructionError> {
    if got == want {
        Ok(())
    } else {
        Err(caused_by(ctx, account, c))
    }
}

pub fn process(
    ctx: &mut TxContext,
    accounts: &[usize],
    data: &[u8],
) -> Result<(), InstructionError> {
    let Some(disc) = data.get(..8).and_then(|d| <[u8; 8]>::try_from(d).ok()) else {
        return Err(thrown(ctx, PumpSwapError::InstructionFallbackNotFound));
    };
    let arg = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(
            data.get(8 + at..16 + at)?.try_into().ok()?,
        ))
    };
    match disc {
        amm::ix::SELL => {
            ctx.msg("Instruction: Sell");
            let (Some(base_in), Some(min_out)) = (arg(0), arg(8)) else {
                return Err(thrown(ctx, PumpSwapError::InstructionDidNotDeserialize));
            };
            sell(ctx, accounts, base_in, min_out)
        }
        amm::ix::BUY_EXACT_QUOTE_IN => {
            ctx.msg("Instruction: BuyExactQuoteIn");
            let (Some(spend), Some(min_base)) = (arg(0), arg(8)) else {
                return Err(thrown(ctx, PumpSwapError::InstructionDidNotDeserialize));
            };
            buy_exact_quote_in(ctx, accounts, spend, min_base)
        }
        _ => Err(thrown(ctx, PumpSwapError::InstructionFallbackNotFound)),
    }
}

/// The accounts of a swap, checked against the pool and the config.
struct Swap {
    pool_key: Pubkey,
    /// The pool's quote beyond its vault (2026-07): swaps price on vault + this.
    pool: Pool,
    fees: PoolFees,
    i: [usize; 19],
}

// Positions in the IDL account list shared by `sell` and `buy_exact_quote_in`.
const POOL: usize = 0;
const USER: usize = 1;
const CONFIG: usize = 2;
const BASE_MINT: usize = 3;
const QUOTE_MINT: usize = 4;
const USER_BASE: usize = 5;
const USER_QUOTE: usize = 6;
const POOL_BASE: usize = 7;
const POOL_QUOTE: usize = 8;
const FEE_RECIPIENT: usize = 9;
const FEE_RECIPIENT_ATA: usize = 10;
const BASE_PROGRAM: usize = 11;
const QUOTE_PROGRAM: usize = 12;
const PROGRAM: usize = 16;
const CREATOR_VAULT_ATA: usize = 17;
const CREATOR_VAULT_AUTHORITY: usize = 18;

fn check(ctx: &mut TxContext, accounts: &[usize], total: usize) -> Result<Swap, InstructionError> {
    if accounts.len() < total {
        return Err(thrown(ctx, PumpSwapError::AccountNotEnoughKeys));
    }
    let mut i = [0usize; 19];
    for (n, slot) in i.iter_mut().enumerate() {
        *slot = acct(accounts, n)?;
    }
    let key = |ctx: &TxContext, n: usize| ctx.key(i[n]);
    // Fee config and fee program close the list in both instructions.
    let fee_program = acct(accounts, total - 1)?;
    let fee_program_key = ctx.key(fee_program);
    expect_key(
        ctx,
        "fee_program",
        fee_program_key,
        PUMP_FEES_PROGRAM,
        PumpSwapError::ConstraintAddress,
    )?;
    let fee_config = ctx.key(acct(accounts, total - 2)?);
    expect_key(
        ctx,
        "fee_config",
        fee_config,
        amm::fee_config(),
        PumpSwapError::ConstraintSeeds,
    )?;
    let program = key(ctx, PROGRAM);
    expect_key(
        ctx,
        "program",
        program,
        PUMP_AMM_PROGRAM,
        PumpSwapError::ConstraintAddress,
    )?;

    let pool_acc = ctx.account(i[POOL])?;
    if pool_acc.lamports == 0 {
        return Err(caused_by(ctx, "pool", PumpSwapError::AccountNotInitialized));
    }
    if pool_acc.owner != PUMP_AMM_PROGRAM {
        return Err(caused_by(
            ctx,
            "pool",
            PumpSwapError::AccountOwnedByWrongProgram,
        ));
    }
    let Some(pool) = Pool::decode(&pool_acc.data) else {
        return Err(caused_by(ctx, "pool", PumpSwapError::AccountNotInitialized));
    };
    if !ctx.is_writable(i[POOL]) {
        return Err(caused_by(ctx, "pool", PumpSwapError::ConstraintMut));
    }
    if !ctx.is_signer(i[USER]) {
        return Err(caused_by(ctx, "user", PumpSwapError::AccountNotSigner));
    }
    let config_key = key(ctx, CONFIG);
    expect_key(
        ctx,
        "global_config",
        config_key,
        amm::global_config(),
        PumpSwapError::ConstraintSeeds,
    )?;
    let config_acc = ctx.account(i[CONFIG])?;
    let config = (config_acc.owner == PUMP_AMM_PROGRAM)
        .then(|| decode_global_config(&config_acc.data))
        .flatten();
    let Some(config) = config else {
        return Err(caused_by(
            ctx,
            "global_config",
            PumpSwapError::AccountNotInitialized,
        ));
    };
    let (base_mint, quote_mint) = (key(ctx, BASE_MINT), key(ctx, QUOTE_MINT));
    expect_key(
        ctx,
        "base_mint",
        base_mint,
        pool.base_mint,
        PumpSwapError::ConstraintAddress,
    )?;
    expect_key(
        ctx,
        "quote_mint",
        quote_mint,
        pool.quote_mint,
        PumpSwapError::ConstraintAddress,
    )?;
    let pool_base = key(ctx, POOL_BASE);
    expect_key(
        ctx,
        "pool_base_token_account",
        pool_base,
        pool.pool_base_token_account,
        PumpSwapError::InvalidPoolBaseTokenAccount,
    )?;
    let pool_quote = key(ctx, POOL_QUOTE);
    expect_key(
        ctx,
        "pool_quote_token_account",
        pool_quote,
        pool.pool_quote_token_account,
        PumpSwapError::InvalidPoolQuoteTokenAccount,
    )?;
    let recipient = key(ctx, FEE_RECIPIENT);
    if recipient == Pubkey::default() || !config.protocol_fee_recipients.contains(&recipient) {
        return Err(thrown(ctx, PumpSwapError::InvalidProtocolFeeRecipient));
    }
    let quote_program = key(ctx, QUOTE_PROGRAM);
    let base_program = key(ctx, BASE_PROGRAM);
    for (name, p) in [
        ("base_token_program", base_program),
        ("quote_token_program", quote_program),
    ] {
        if p != TOKEN_PROGRAM && p != TOKEN_2022_PROGRAM {
            return Err(caused_by(ctx, name, PumpSwapError::ConstraintAddress));
        }
    }
    let fee_ata = key(ctx, FEE_RECIPIENT_ATA);
    expect_key(
        ctx,
        "protocol_fee_recipient_token_account",
        fee_ata,
        associated_token_address(&recipient, &quote_program, &quote_mint),
        PumpSwapError::ConstraintSeeds,
    )?;
    let vault_authority = amm::coin_creator_vault_authority(&pool.coin_creator);
    let got_authority = key(ctx, CREATOR_VAULT_AUTHORITY);
    expect_key(
        ctx,
        "coin_creator_vault_authority",
        got_authority,
        vault_authority,
        PumpSwapError::ConstraintSeeds,
    )?;
    let vault_ata = key(ctx, CREATOR_VAULT_ATA);
    expect_key(
        ctx,
        "coin_creator_vault_ata",
        vault_ata,
        associated_token_address(&vault_authority, &quote_program, &quote_mint),
        PumpSwapError::ConstraintSeeds,
    )?;
    Ok(Swap {
        pool_key: ctx.key(i[POOL]),
        pool,
        fees: config.fees,
        i,
    })
}

fn vault_amount(ctx: &mut TxContext, i: usize, name: &str) -> Result<u64, InstructionError> {
    match TokenAccount::unpack(&ctx.account(i)?.data) {
        Some(t) if t.state == 1 => Ok(t.amount),
        _ => Err(caused_by(ctx, name, PumpSwapError::AccountNotInitialized)),
    }
}

fn transfer(
    ctx: &mut TxContext,
    program: usize,
    from: usize,
    to: usize,
    authority: usize,
    amount: u64,
    pool_signs: Option<Pubkey>,
) -> Result<(), InstructionError> {
    if amount == 0 {
        return Ok(());
    }
    let program = ctx.key(program);
    let mut data = vec![3u8];
    data.extend_from_slice(&amount.to_le_bytes());
    let signers: Vec<Pubkey> = pool_signs.into_iter().collect();
    ctx.invoke(program, &[from, to, authority], &data, &signers)
}

fn sell(
    ctx: &mut TxContext,
    accounts: &[usize],
    base_in: u64,
    min_quote_out: u64,
) -> Result<(), InstructionError> {
    ctx.consume(38_000)?;
    let s = check(ctx, accounts, 21)?;
    if base_in == 0 {
        return Err(thrown(ctx, PumpSwapError::ZeroBaseAmount));
    }
    let i = s.i;
    let pool_base = vault_amount(ctx, i[POOL_BASE], "pool_base_token_account")?;
    let pool_quote = s.pool.quote_reserve(vault_amount(
        ctx,
        i[POOL_QUOTE],
        "pool_quote_token_account",
    )?);
    let Some(leg) = amm::sell_quote(base_in, pool_base, pool_quote, s.fees) else {
        return Err(thrown(ctx, PumpSwapError::ZeroQuoteAmount));
    };
    let out = leg.curve - leg.fees();
    if out < min_quote_out {
        ctx.msg(format!(
            "quote_amount_out: {out}, min_quote_amount_out: {min_quote_out}"
        ));
        return Err(thrown(ctx, PumpSwapError::ExceededSlippage));
    }
    transfer(
        ctx,
        i[BASE_PROGRAM],
        i[USER_BASE],
        i[POOL_BASE],
        i[USER],
        base_in,
        None,
    )?;
    let pool = Some(s.pool_key);
    transfer(
        ctx,
        i[QUOTE_PROGRAM],
        i[POOL_QUOTE],
        i[USER_QUOTE],
        i[POOL],
        out,
        pool,
    )?;
    transfer(
        ctx,
        i[QUOTE_PROGRAM],
        i[POOL_QUOTE],
        i[FEE_RECIPIENT_ATA],
        i[POOL],
        leg.protocol_fee,
        pool,
    )?;
    transfer(
        ctx,
        i[QUOTE_PROGRAM],
        i[POOL_QUOTE],
        i[CREATOR_VAULT_ATA],
        i[POOL],
        leg.coin_creator_fee,
        pool,
    )?;
    // The LP fee stays in the pool, deepening it.
    Ok(())
}

fn buy_exact_quote_in(
    ctx: &mut TxContext,
    accounts: &[usize],
    spendable: u64,
    min_base_out: u64,
) -> Result<(), InstructionError> {
    ctx.consume(42_000)?;
    let s = check(ctx, accounts, 23)?;
    if spendable == 0 {
        return Err(thrown(ctx, PumpSwapError::ZeroQuoteAmount));
    }
    let i = s.i;
    let pool_base = vault_amount(ctx, i[POOL_BASE], "pool_base_token_account")?;
    let pool_quote = s.pool.quote_reserve(vault_amount(
        ctx,
        i[POOL_QUOTE],
        "pool_quote_token_account",
    )?);
    let Some((base, leg)) = amm::buy_base(spendable, pool_base, pool_quote, s.fees) else {
        return Err(thrown(ctx, PumpSwapError::TooLittlePoolTokenLiquidity));
    };
    if base < min_base_out {
        ctx.msg(format!(
            "base_amount_out: {base}, min_base_amount_out: {min_base_out}"
        ));
        return Err(thrown(ctx, PumpSwapError::ExceededSlippage));
    }
    transfer(
        ctx,
        i[QUOTE_PROGRAM],
        i[USER_QUOTE],
        i[POOL_QUOTE],
        i[USER],
        leg.curve + leg.lp_fee,
        None,
    )?;
    transfer(
        ctx,
        i[QUOTE_PROGRAM],
        i[USER_QUOTE],
        i[FEE_RECIPIENT_ATA],
        i[USER],
        leg.protocol_fee,
        None,
    )?;
    transfer(
        ctx,
        i[QUOTE_PROGRAM],
        i[USER_QUOTE],
        i[CREATOR_VAULT_ATA],
        i[USER],
        leg.coin_creator_fee,
        None,
    )?;
    transfer(
        ctx,
        i[BASE_PROGRAM],
        i[POOL_BASE],
        i[USER_BASE],
        i[POOL],
        base,
        Some(s.pool_key),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn global_config_round_trips() {
        let c = GlobalConfig {
            fees: DEFAULT_FEES,
            protocol_fee_recipients: std::array::from_fn(|_| Pubkey::new_unique()),
        };
        let d = encode_global_config(&Pubkey::new_unique(), &c);
        assert_eq!(decode_global_config(&d), Some(c));
        assert_eq!(decode_global_config(&d[..100]), None);
    }
}
