//! pump.fun, emulated: create, create_v2, buy, buy_exact_sol_in and sell with the account lists,
//! PDAs, fee recipients and remaining accounts of docs/protocol.md §1.4, and buy_v2,
//! buy_exact_quote_in_v2 and sell_v2 with the account tables of §1.7 (one trade implementation
//! behind both generations of account lists), the curve and fee math of §1.5
//! (shared with the engine through kestrel-pump), Anchor's error codes and log lines, and events
//! in the current IDL layout.
//!
//! Choices where the public sources are silent (each says so in the closing note):
//! - fees are flat at the 2026 bonding-curve tier: protocol 95 bps, creator 30 bps;
//! - the buyback fee is half of the protocol fee and goes to the buyback recipient (the total a
//!   trader pays is unchanged either way);
//! - mayhem coins (`create_v2` with `is_mayhem_mode`) are ordinary curves whose trades must pay
//!   a reserved fee recipient; the Mayhem program's own accounts are only checked by their seeds;
//! - USDC curves (create_v2 with USDC as quote mint) start at Global's
//!   `initial_virtual_quote_reserves`, the cluster's own figure (genesis.rs); their v2 trades move
//!   USDC between associated accounts, creating the recipients' and the creator vault's when
//!   missing; legacy instructions on them fail with 6063 UnsupportedQuoteMint;
//! - a v2 trade whose `quote_mint` is not the curve's (WSOL for SOL coins) fails with 2012
//!   ConstraintAddress on `quote_mint`; the public sources do not give mainnet's code;
//! - the runtime's rent rule applies to the creator vault like any account, so a creator's
//!   first coin needs its vault funded (the scenario creators do it in the create transaction).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kestrel_decode::account::{BondingCurve, Global, decode_bonding_curve, decode_global};
use kestrel_pump::curve::{self, FeeRates, Reserves};
use kestrel_pump::discriminator::{account as acct_disc, event as ev, instruction as ixd};
use kestrel_pump::error::PumpError;
use kestrel_pump::ids::{
    ASSOCIATED_TOKEN_PROGRAM, EVENT_AUTHORITY, FEE_CONFIG, GLOBAL, GLOBAL_VOLUME_ACCUMULATOR,
    MAYHEM_PROGRAM, METAPLEX_METADATA_PROGRAM, MINT_AUTHORITY, PUMP_FEES_PROGRAM, PUMP_PROGRAM,
    SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, WSOL_MINT,
};
use kestrel_pump::pda;
use kestrel_units::{Bps, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

use super::args::{acct, read_pubkey};
use super::token;
use crate::ledger::account::rent_exempt_minimum;
use crate::ledger::error::InstructionError;
use crate::ledger::runtime::TxContext;

pub const PROTOCOL_FEE_BPS: u64 = 95;
pub const CREATOR_FEE_BPS: u64 = 30;
/// Share of the protocol fee paid to the buyback recipient.
pub const BUYBACK_SHARE_BPS: u64 = 5_000;
/// Bonding curves are created at this size (real fresh curves are 151 bytes).
pub const BONDING_CURVE_LEN: usize = 151;
/// `buy_exact_quote_in_v2`'s discriminator (docs/protocol.md §1.1, VERIFIED there); kept here
/// rather than in kestrel-pump, which does not send it.
const BUY_EXACT_QUOTE_IN_V2: [u8; 8] = [194, 171, 28, 70, 104, 77, 91, 47];
const SYSVAR_RENT: Pubkey = Pubkey::from_str_const("SysvarRent111111111111111111111111111111111");

const RATES: FeeRates = FeeRates {
    protocol: Bps(PROTOCOL_FEE_BPS),
    creator: Bps(CREATOR_FEE_BPS),
};

/// An error raised by the program's own logic.
fn thrown(ctx: &mut TxContext, e: PumpError) -> InstructionError {
    let (n, name) = (e.code(), e.name());
    ctx.msg(format!(
        "AnchorError thrown in programs/pump/src/lib.rs. Error Code: {name}. Error Number: {n}. Error Message: {e}."
    ));
    InstructionError::Custom(n)
}

/// An account constraint violation, as Anchor reports it.
fn caused_by(ctx: &mut TxContext, account: &str, e: PumpError) -> InstructionError {
    let (n, name) = (e.code(), e.name());
    ctx.msg(format!(
        "AnchorError caused by account: {account}. Error Code: {name}. Error Number: {n}. Error Message: {e}."
    ));
    InstructionError::Custom(n)
}

fn seeds(
    ctx: &mut TxContext,
    account: &str,
    got: Pubkey,
    want: Pubkey,
) -> Result<(), InstructionError> {
    if got == want {
        return Ok(());
    }
    let e = caused_by(ctx, account, PumpError::ConstraintSeeds);
    ctx.msg("Left:");
    ctx.msg(got.to_string());
    ctx.msg("Right:");
    ctx.msg(want.to_string());
    Err(e)
}

fn address(
    ctx: &mut TxContext,
    account: &str,
    got: Pubkey,
    want: Pubkey,
    c: PumpError,
) -> Result<(), InstructionError> {
    if got == want {
        Ok(())
    } else {
        Err(caused_by(ctx, account, c))
    }
}

fn writable(ctx: &mut TxContext, account: &str, i: usize) -> Result<(), InstructionError> {
    if ctx.is_writable(i) {
        Ok(())
    } else {
        Err(caused_by(ctx, account, PumpError::ConstraintMut))
    }
}

fn signer(ctx: &mut TxContext, account: &str, i: usize) -> Result<(), InstructionError> {
    if ctx.is_signer(i) {
        Ok(())
    } else {
        Err(caused_by(ctx, account, PumpError::AccountNotSigner))
    }
}

pub fn process(
    ctx: &mut TxContext,
    accounts: &[usize],
    data: &[u8],
) -> Result<(), InstructionError> {
    let Some(disc) = data.get(..8).and_then(|d| <[u8; 8]>::try_from(d).ok()) else {
        return Err(thrown(ctx, PumpError::InstructionFallbackNotFound));
    };
    let args = data.get(8..).unwrap_or_default();
    match disc {
        ev::ANCHOR_EVENT_CPI_TAG => {
            // emit_cpi!: the program invoking itself so indexers see the event as instruction data.
            let authority = acct(accounts, 0)?;
            if ctx.key(authority) != EVENT_AUTHORITY || !ctx.is_signer(authority) {
                return Err(caused_by(
                    ctx,
                    "event_authority",
                    PumpError::ConstraintSeeds,
                ));
            }
            ctx.consume(2009)
        }
        ixd::CREATE => {
            ctx.msg("Instruction: Create");
            create(ctx, accounts, args, false)
        }
        ixd::CREATE_V2 => {
            ctx.msg("Instruction: CreateV2");
            create(ctx, accounts, args, true)
        }
        ixd::BUY => {
            ctx.msg("Instruction: Buy");
            let (amount, max_sol_cost) = two_u64(ctx, args)?;
            let kind = BuyKind::ExactTokens {
                amount,
                max_sol_cost,
            };
            buy(ctx, accounts, Version::V1, kind, "buy")
        }
        ixd::BUY_EXACT_SOL_IN => {
            ctx.msg("Instruction: BuyExactSolIn");
            let (spendable, min_tokens_out) = two_u64(ctx, args)?;
            let kind = BuyKind::ExactSolIn {
                spendable,
                min_tokens_out,
            };
            buy(ctx, accounts, Version::V1, kind, "buy_exact_sol_in")
        }
        ixd::SELL => {
            ctx.msg("Instruction: Sell");
            let amounts = two_u64(ctx, args)?;
            sell(ctx, accounts, Version::V1, amounts, "sell")
        }
        ixd::BUY_V2 => {
            ctx.msg("Instruction: BuyV2");
            let (amount, max_sol_cost) = two_u64(ctx, args)?;
            let kind = BuyKind::ExactTokens {
                amount,
                max_sol_cost,
            };
            buy(ctx, accounts, Version::V2, kind, "buy_v2")
        }
        BUY_EXACT_QUOTE_IN_V2 => {
            ctx.msg("Instruction: BuyExactQuoteInV2");
            let (spendable, min_tokens_out) = two_u64(ctx, args)?;
            let kind = BuyKind::ExactSolIn {
                spendable,
                min_tokens_out,
            };
            buy(ctx, accounts, Version::V2, kind, "buy_exact_quote_in_v2")
        }
        ixd::SELL_V2 => {
            ctx.msg("Instruction: SellV2");
            let amounts = two_u64(ctx, args)?;
            sell(ctx, accounts, Version::V2, amounts, "sell_v2")
        }
        _ => Err(thrown(ctx, PumpError::InstructionFallbackNotFound)),
    }
}

/// The two u64 arguments every trade instruction starts with.
fn two_u64(ctx: &mut TxContext, args: &[u8]) -> Result<(u64, u64), InstructionError> {
    Ok((arg_u64(ctx, args, 0)?, arg_u64(ctx, args, 8)?))
}

fn arg_u64(ctx: &mut TxContext, args: &[u8], at: usize) -> Result<u64, InstructionError> {
    match args.get(at..at + 8).and_then(|b| b.try_into().ok()) {
        Some(b) => Ok(u64::from_le_bytes(b)),
        None => Err(thrown(ctx, PumpError::InstructionDidNotDeserialize)),
    }
}

fn arg_str<'a>(
    ctx: &mut TxContext,
    args: &'a [u8],
    at: &mut usize,
) -> Result<&'a str, InstructionError> {
    let len =
        args.get(*at..*at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| thrown(ctx, PumpError::InstructionDidNotDeserialize))? as usize;
    let bytes = args
        .get(*at + 4..*at + 4 + len)
        .ok_or_else(|| thrown(ctx, PumpError::InstructionDidNotDeserialize))?;
    *at += 4 + len;
    std::str::from_utf8(bytes).map_err(|_| thrown(ctx, PumpError::InstructionDidNotDeserialize))
}

fn load_global(ctx: &mut TxContext, i: usize) -> Result<Global, InstructionError> {
    seeds(ctx, "global", ctx.key(i), GLOBAL)?;
    let a = ctx.account(i)?;
    if a.owner != PUMP_PROGRAM {
        return Err(caused_by(
            ctx,
            "global",
            PumpError::AccountOwnedByWrongProgram,
        ));
    }
    decode_global(&a.data).map_err(|_| caused_by(ctx, "global", PumpError::AccountNotInitialized))
}

fn load_curve(ctx: &mut TxContext, i: usize) -> Result<BondingCurve, InstructionError> {
    let a = ctx.account(i)?;
    if a.lamports == 0 {
        return Err(caused_by(
            ctx,
            "bonding_curve",
            PumpError::AccountNotInitialized,
        ));
    }
    if a.owner != PUMP_PROGRAM {
        return Err(caused_by(
            ctx,
            "bonding_curve",
            PumpError::AccountOwnedByWrongProgram,
        ));
    }
    decode_bonding_curve(&a.data)
        .map_err(|_| caused_by(ctx, "bonding_curve", PumpError::AccountNotInitialized))
}

/// Writes a curve in the current layout, keeping the account's size.
fn store_curve(ctx: &mut TxContext, i: usize, c: &BondingCurve) -> Result<(), InstructionError> {
    let d = ctx.data_mut(&PUMP_PROGRAM, i)?;
    let bytes = encode_curve(c);
    if d.len() < bytes.len() {
        d.resize(bytes.len(), 0);
    }
    d[..bytes.len()].copy_from_slice(&bytes);
    Ok(())
}

/// BondingCurve in the 115-byte layout (docs/protocol.md §1.3).
pub fn encode_curve(c: &BondingCurve) -> Vec<u8> {
    let mut d = acct_disc::BONDING_CURVE.to_vec();
    d.extend(c.virtual_token_reserves.0.to_le_bytes());
    d.extend(c.virtual_quote_reserves.to_le_bytes());
    d.extend(c.real_token_reserves.0.to_le_bytes());
    d.extend(c.real_quote_reserves.to_le_bytes());
    d.extend(c.token_total_supply.0.to_le_bytes());
    d.push(u8::from(c.complete));
    d.extend(c.creator.unwrap_or_default().as_ref());
    d.push(u8::from(c.is_mayhem_mode.unwrap_or(false)));
    d.push(u8::from(c.is_cashback_coin.unwrap_or(false)));
    d.extend(c.quote_mint.unwrap_or_default().as_ref());
    d
}

fn reserves(c: &BondingCurve) -> Reserves {
    Reserves {
        virtual_token: c.virtual_token_reserves,
        virtual_quote: QuoteAmount(c.virtual_quote_reserves),
        real_token: c.real_token_reserves,
        real_quote: QuoteAmount(c.real_quote_reserves),
    }
}

fn set_reserves(c: &mut BondingCurve, r: &Reserves) {
    c.virtual_token_reserves = r.virtual_token;
    c.virtual_quote_reserves = r.virtual_quote.0;
    c.real_token_reserves = r.real_token;
    c.real_quote_reserves = r.real_quote.0;
}

/// Indices of a trade's accounts, validated.
struct TradeAccounts {
    fee_recipient: usize,
    bonding_curve: usize,
    associated_bonding_curve: usize,
    associated_user: usize,
    user: usize,
    token_program: usize,
    creator_vault: usize,
    event_authority: usize,
    buyback: usize,
    curve: BondingCurve,
    mint: Pubkey,
    quote: Quote,
}

/// How the quote leg moves: native SOL, or a token (USDC) between associated accounts.
#[derive(Clone, Copy)]
enum Quote {
    Sol,
    Token(QuoteTokenAccounts),
}

/// The quote-token accounts of a v2 trade on a non-SOL curve (docs/protocol.md §1.7 rows).
#[derive(Clone, Copy)]
struct QuoteTokenAccounts {
    mint: usize,
    program: usize,
    system_program: usize,
    fee_recipient: usize,
    buyback: usize,
    curve: usize,
    user: usize,
    creator_vault: usize,
}

/// Who pays or is paid on the quote leg.
#[derive(Clone, Copy)]
enum Party {
    User,
    Curve,
    FeeRecipient,
    Buyback,
    CreatorVault,
}

impl TradeAccounts {
    /// The account that holds `party`'s quote: its wallet for SOL, its quote token account else.
    fn quote_account(&self, party: Party) -> usize {
        match (self.quote, party) {
            (Quote::Sol, Party::User) => self.user,
            (Quote::Sol, Party::Curve) => self.bonding_curve,
            (Quote::Sol, Party::FeeRecipient) => self.fee_recipient,
            (Quote::Sol, Party::Buyback) => self.buyback,
            (Quote::Sol, Party::CreatorVault) => self.creator_vault,
            (Quote::Token(q), Party::User) => q.user,
            (Quote::Token(q), Party::Curve) => q.curve,
            (Quote::Token(q), Party::FeeRecipient) => q.fee_recipient,
            (Quote::Token(q), Party::Buyback) => q.buyback,
            (Quote::Token(q), Party::CreatorVault) => q.creator_vault,
        }
    }
}

/// Moves `amount` of the quote from the user (signing) or the curve (its PDA signing) to `to`.
fn quote_transfer(
    ctx: &mut TxContext,
    t: &TradeAccounts,
    from: Party,
    to: Party,
    amount: u64,
) -> Result<(), InstructionError> {
    if amount == 0 {
        return Ok(());
    }
    let (src, dst) = (t.quote_account(from), t.quote_account(to));
    match (t.quote, from) {
        (Quote::Sol, Party::Curve) => ctx.move_lamports(&PUMP_PROGRAM, src, dst, amount),
        (Quote::Sol, _) => system_transfer(ctx, src, dst, amount),
        (Quote::Token(q), _) => {
            let program = ctx.key(q.program);
            let (authority, signers) = match from {
                Party::Curve => (t.bonding_curve, vec![ctx.key(t.bonding_curve)]),
                _ => (t.user, vec![]),
            };
            let mut data = vec![3u8];
            data.extend(amount.to_le_bytes());
            ctx.invoke(program, &[src, dst, authority], &data, &signers)
        }
    }
}

/// A non-SOL trade pays the rent of the quote accounts it credits that do not exist yet
/// (docs/protocol.md §1.7: `buy_v2` pays ATA rent for missing rows 7, 17 and 21).
fn create_quote_accounts(ctx: &mut TxContext, t: &TradeAccounts) -> Result<(), InstructionError> {
    let Quote::Token(q) = t.quote else {
        return Ok(());
    };
    for (ata, owner) in [
        (q.fee_recipient, t.fee_recipient),
        (q.buyback, t.buyback),
        (q.creator_vault, t.creator_vault),
    ] {
        if ctx.account(ata)?.lamports == 0 {
            ctx.invoke(
                ASSOCIATED_TOKEN_PROGRAM,
                &[t.user, ata, owner, q.mint, q.system_program, q.program],
                &[1],
                &[],
            )?;
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Buy,
    Sell,
}

/// The legacy account lists (docs/protocol.md §1.4, §1.4.1): 16 (buy) or 14 (sell) IDL accounts,
/// then the remaining ones.
fn check_trade_v1(
    ctx: &mut TxContext,
    accounts: &[usize],
    side: Side,
) -> Result<TradeAccounts, InstructionError> {
    let is_buy = side == Side::Buy;
    let fixed = if is_buy { 16 } else { 14 };
    if accounts.len() < fixed {
        return Err(thrown(ctx, PumpError::AccountNotEnoughKeys));
    }
    let a = |n: usize| accounts.get(n).copied().unwrap_or_default();
    // Sell swaps creator_vault and token_program (docs/protocol.md §1.4).
    let (token_i, vault_i) = if is_buy { (8, 9) } else { (9, 8) };
    let global = load_global(ctx, a(0))?;
    let mint = ctx.key(a(2));
    let user = ctx.key(a(6));
    let token_program = ctx.key(a(token_i));

    writable(ctx, "fee_recipient", a(1))?;
    seeds(
        ctx,
        "bonding_curve",
        ctx.key(a(3)),
        pda::bonding_curve(&mint),
    )?;
    writable(ctx, "bonding_curve", a(3))?;
    let curve = load_curve(ctx, a(3))?;
    check_token_program(ctx, "token_program", token_program, a(2))?;
    seeds(
        ctx,
        "associated_bonding_curve",
        ctx.key(a(4)),
        pda::associated_bonding_curve(&ctx.key(a(3)), &token_program, &mint),
    )?;
    writable(ctx, "associated_bonding_curve", a(4))?;
    writable(ctx, "associated_user", a(5))?;
    signer(ctx, "user", a(6))?;
    writable(ctx, "user", a(6))?;
    program_id(ctx, "system_program", a(7), SYSTEM_PROGRAM)?;
    seeds(
        ctx,
        "creator_vault",
        ctx.key(a(vault_i)),
        pda::creator_vault(&curve.creator.unwrap_or_default()),
    )?;
    writable(ctx, "creator_vault", a(vault_i))?;
    seeds(ctx, "event_authority", ctx.key(a(10)), EVENT_AUTHORITY)?;
    program_id(ctx, "program", a(11), PUMP_PROGRAM)?;
    let (fee_config_i, fee_program_i) = if is_buy {
        seeds(
            ctx,
            "global_volume_accumulator",
            ctx.key(a(12)),
            GLOBAL_VOLUME_ACCUMULATOR,
        )?;
        seeds(
            ctx,
            "user_volume_accumulator",
            ctx.key(a(13)),
            pda::user_volume_accumulator(&user),
        )?;
        writable(ctx, "user_volume_accumulator", a(13))?;
        (14, 15)
    } else {
        (12, 13)
    };
    seeds(ctx, "fee_config", ctx.key(a(fee_config_i)), FEE_CONFIG)?;
    program_id(ctx, "fee_program", a(fee_program_i), PUMP_FEES_PROGRAM)?;
    if !curve_quote_is_sol(&curve) {
        // Legacy instructions move native SOL only (docs/protocol.md §1.7).
        return Err(thrown(ctx, PumpError::UnsupportedQuoteMint));
    }
    check_fee_recipient(ctx, &global, &curve, a(1))?;

    // Remaining accounts: [user_volume_accumulator for cashback sells], bonding_curve_v2, buyback.
    let mut next = fixed;
    if !is_buy && curve.is_cashback_coin.unwrap_or(false) {
        let Some(&uva) = accounts.get(next) else {
            return Err(thrown(ctx, PumpError::NotEnoughRemainingAccounts));
        };
        seeds(
            ctx,
            "user_volume_accumulator",
            ctx.key(uva),
            pda::user_volume_accumulator(&user),
        )?;
        next += 1;
    }
    let (Some(&v2), Some(&buyback)) = (accounts.get(next), accounts.get(next + 1)) else {
        return Err(thrown(ctx, PumpError::NotEnoughRemainingAccounts));
    };
    seeds(
        ctx,
        "bonding_curve_v2",
        ctx.key(v2),
        pda::bonding_curve_v2(&mint),
    )?;
    check_buyback_recipient(ctx, &global, buyback)?;
    check_user_token_account(ctx, a(5), token_program, mint, user)?;
    if curve.complete {
        return Err(thrown(ctx, PumpError::BondingCurveComplete));
    }
    Ok(TradeAccounts {
        fee_recipient: a(1),
        bonding_curve: a(3),
        associated_bonding_curve: a(4),
        associated_user: a(5),
        user: a(6),
        token_program: a(token_i),
        creator_vault: a(vault_i),
        event_authority: a(10),
        buyback,
        curve,
        mint,
        quote: Quote::Sol,
    })
}

/// The v2 account lists of docs/protocol.md §1.7 (IDL-PUMP `buy_v2`, `buy_exact_quote_in_v2`:
/// 27; `sell_v2`: 26, without `global_volume_accumulator`), checked in the IDL's order as Anchor
/// does. For SOL coins the `associated_quote_*` accounts are only checked by their seeds.
fn check_trade_v2(
    ctx: &mut TxContext,
    accounts: &[usize],
    side: Side,
) -> Result<TradeAccounts, InstructionError> {
    let is_buy = side == Side::Buy;
    if accounts.len() < if is_buy { 27 } else { 26 } {
        return Err(thrown(ctx, PumpError::AccountNotEnoughKeys));
    }
    let a = |n: usize| accounts.get(n).copied().unwrap_or_default();
    // Rows after 18 shift by one on sells, which have no global_volume_accumulator.
    let tail = |n: usize| if is_buy { a(n) } else { a(n - 1) };
    let global = load_global(ctx, a(0))?;
    let (mint, quote_mint) = (ctx.key(a(1)), ctx.key(a(2)));
    let (base_program, quote_program) = (ctx.key(a(3)), ctx.key(a(4)));
    check_token_program(ctx, "base_token_program", base_program, a(1))?;
    if quote_program != TOKEN_PROGRAM {
        return Err(caused_by(
            ctx,
            "quote_token_program",
            PumpError::InvalidProgramId,
        ));
    }
    program_id(
        ctx,
        "associated_token_program",
        a(5),
        ASSOCIATED_TOKEN_PROGRAM,
    )?;
    let quote_ata =
        |owner: &Pubkey| pda::associated_token_address(owner, &quote_program, &quote_mint);
    writable(ctx, "fee_recipient", a(6))?;
    seeds(
        ctx,
        "associated_quote_fee_recipient",
        ctx.key(a(7)),
        quote_ata(&ctx.key(a(6))),
    )?;
    writable(ctx, "associated_quote_fee_recipient", a(7))?;
    writable(ctx, "buyback_fee_recipient", a(8))?;
    seeds(
        ctx,
        "associated_quote_buyback_fee_recipient",
        ctx.key(a(9)),
        quote_ata(&ctx.key(a(8))),
    )?;
    writable(ctx, "associated_quote_buyback_fee_recipient", a(9))?;
    let curve_key = ctx.key(a(10));
    seeds(ctx, "bonding_curve", curve_key, pda::bonding_curve(&mint))?;
    writable(ctx, "bonding_curve", a(10))?;
    let curve = load_curve(ctx, a(10))?;
    let want_quote = if curve_quote_is_sol(&curve) {
        WSOL_MINT
    } else {
        curve.quote_mint.unwrap_or_default()
    };
    address(
        ctx,
        "quote_mint",
        quote_mint,
        want_quote,
        PumpError::ConstraintAddress,
    )?;
    seeds(
        ctx,
        "associated_base_bonding_curve",
        ctx.key(a(11)),
        pda::associated_bonding_curve(&curve_key, &base_program, &mint),
    )?;
    writable(ctx, "associated_base_bonding_curve", a(11))?;
    seeds(
        ctx,
        "associated_quote_bonding_curve",
        ctx.key(a(12)),
        quote_ata(&curve_key),
    )?;
    writable(ctx, "associated_quote_bonding_curve", a(12))?;
    let user = ctx.key(a(13));
    signer(ctx, "user", a(13))?;
    writable(ctx, "user", a(13))?;
    check_user_token_account(ctx, a(14), base_program, mint, user)?;
    writable(ctx, "associated_base_user", a(14))?;
    seeds(
        ctx,
        "associated_quote_user",
        ctx.key(a(15)),
        quote_ata(&user),
    )?;
    writable(ctx, "associated_quote_user", a(15))?;
    let vault = ctx.key(a(16));
    seeds(
        ctx,
        "creator_vault",
        vault,
        pda::creator_vault(&curve.creator.unwrap_or_default()),
    )?;
    writable(ctx, "creator_vault", a(16))?;
    seeds(
        ctx,
        "associated_creator_vault",
        ctx.key(a(17)),
        quote_ata(&vault),
    )?;
    writable(ctx, "associated_creator_vault", a(17))?;
    seeds(
        ctx,
        "sharing_config",
        ctx.key(a(18)),
        pda::sharing_config(&mint),
    )?;
    if is_buy {
        seeds(
            ctx,
            "global_volume_accumulator",
            ctx.key(a(19)),
            GLOBAL_VOLUME_ACCUMULATOR,
        )?;
    }
    let uva = pda::user_volume_accumulator(&user);
    seeds(ctx, "user_volume_accumulator", ctx.key(tail(20)), uva)?;
    writable(ctx, "user_volume_accumulator", tail(20))?;
    seeds(
        ctx,
        "associated_user_volume_accumulator",
        ctx.key(tail(21)),
        quote_ata(&uva),
    )?;
    writable(ctx, "associated_user_volume_accumulator", tail(21))?;
    seeds(ctx, "fee_config", ctx.key(tail(22)), FEE_CONFIG)?;
    program_id(ctx, "fee_program", tail(23), PUMP_FEES_PROGRAM)?;
    program_id(ctx, "system_program", tail(24), SYSTEM_PROGRAM)?;
    seeds(ctx, "event_authority", ctx.key(tail(25)), EVENT_AUTHORITY)?;
    program_id(ctx, "program", tail(26), PUMP_PROGRAM)?;
    let quote = if curve_quote_is_sol(&curve) {
        Quote::Sol
    } else {
        Quote::Token(QuoteTokenAccounts {
            mint: a(2),
            program: a(4),
            system_program: tail(24),
            fee_recipient: a(7),
            buyback: a(9),
            curve: a(12),
            user: a(15),
            creator_vault: a(17),
        })
    };

    check_fee_recipient(ctx, &global, &curve, a(6))?;
    check_buyback_recipient(ctx, &global, a(8))?;
    if curve.complete {
        return Err(thrown(ctx, PumpError::BondingCurveComplete));
    }
    Ok(TradeAccounts {
        fee_recipient: a(6),
        bonding_curve: a(10),
        associated_bonding_curve: a(11),
        associated_user: a(14),
        user: a(13),
        token_program: a(3),
        creator_vault: a(16),
        event_authority: tail(25),
        buyback: a(8),
        curve,
        mint,
        quote,
    })
}

/// A SOL-quoted curve: `quote_mint` unset or `Pubkey::default()` (docs/protocol.md §1.3).
fn curve_quote_is_sol(c: &BondingCurve) -> bool {
    c.quote_mint.is_none_or(|q| q == Pubkey::default())
}

fn program_id(
    ctx: &mut TxContext,
    account: &str,
    i: usize,
    want: Pubkey,
) -> Result<(), InstructionError> {
    address(ctx, account, ctx.key(i), want, PumpError::InvalidProgramId)
}

/// The mint's token program: SPL Token or Token-2022, and the mint's owner.
fn check_token_program(
    ctx: &mut TxContext,
    account: &str,
    token_program: Pubkey,
    mint_i: usize,
) -> Result<(), InstructionError> {
    if token_program != TOKEN_PROGRAM && token_program != TOKEN_2022_PROGRAM {
        return Err(caused_by(ctx, account, PumpError::InvalidProgramId));
    }
    if ctx.account(mint_i)?.owner != token_program {
        return Err(caused_by(
            ctx,
            "mint",
            PumpError::AccountOwnedByWrongProgram,
        ));
    }
    Ok(())
}

/// The fee recipient comes from Global's normal list, or its reserved list for mayhem coins
/// (docs/protocol.md §1.4.2); anything else is 6000 NotAuthorized.
fn check_fee_recipient(
    ctx: &mut TxContext,
    global: &Global,
    curve: &BondingCurve,
    i: usize,
) -> Result<(), InstructionError> {
    let fee_recipient = ctx.key(i);
    let allowed = if curve.is_mayhem_mode.unwrap_or(false) {
        global.reserved_fee_recipient == Some(fee_recipient)
            || global
                .reserved_fee_recipients
                .is_some_and(|l| l.contains(&fee_recipient))
    } else {
        global.fee_recipient == fee_recipient
            || global
                .fee_recipients
                .is_some_and(|l| l.contains(&fee_recipient))
    };
    if allowed {
        Ok(())
    } else {
        Err(thrown(ctx, PumpError::NotAuthorized))
    }
}

/// The buyback recipient comes from Global's buyback list: else 6057.
fn check_buyback_recipient(
    ctx: &mut TxContext,
    global: &Global,
    i: usize,
) -> Result<(), InstructionError> {
    let key = ctx.key(i);
    if !global
        .buyback_fee_recipients
        .is_some_and(|l| l.contains(&key))
    {
        return Err(thrown(ctx, PumpError::BuybackFeeRecipientNotAuthorized));
    }
    writable(ctx, "buyback_fee_recipient", i)
}

/// The user's token account must exist and be theirs, for this mint.
fn check_user_token_account(
    ctx: &mut TxContext,
    i: usize,
    token_program: Pubkey,
    mint: Pubkey,
    user: Pubkey,
) -> Result<(), InstructionError> {
    let ua = ctx.account(i)?;
    if ua.owner != token_program || ua.lamports == 0 {
        return Err(caused_by(
            ctx,
            "associated_user",
            PumpError::AccountNotInitialized,
        ));
    }
    match token::TokenAccount::unpack(&ua.data) {
        Some(t) if t.mint != mint => Err(caused_by(
            ctx,
            "associated_user",
            PumpError::ConstraintTokenMint,
        )),
        Some(t) if t.owner != user => Err(caused_by(
            ctx,
            "associated_user",
            PumpError::ConstraintTokenOwner,
        )),
        Some(_) => Ok(()),
        None => Err(caused_by(
            ctx,
            "associated_user",
            PumpError::AccountNotInitialized,
        )),
    }
}

enum BuyKind {
    ExactTokens { amount: u64, max_sol_cost: u64 },
    ExactSolIn { spendable: u64, min_tokens_out: u64 },
}

/// Splits the protocol fee between the fee recipient and the buyback recipient.
fn split_protocol_fee(fee: QuoteAmount) -> (QuoteAmount, QuoteAmount) {
    let buyback = QuoteAmount(fee.0 * BUYBACK_SHARE_BPS / 10_000);
    (QuoteAmount(fee.0 - buyback.0), buyback)
}

fn system_transfer(
    ctx: &mut TxContext,
    from: usize,
    to: usize,
    lamports: u64,
) -> Result<(), InstructionError> {
    if lamports == 0 {
        return Ok(());
    }
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend(lamports.to_le_bytes());
    ctx.invoke(SYSTEM_PROGRAM, &[from, to], &data, &[])
}

fn token_transfer(
    ctx: &mut TxContext,
    t: &TradeAccounts,
    from: usize,
    to: usize,
    authority: usize,
    amount: u64,
    pda_signer: Option<Pubkey>,
) -> Result<(), InstructionError> {
    let program = ctx.key(t.token_program);
    let mut data = vec![3u8];
    data.extend(amount.to_le_bytes());
    let signers: Vec<Pubkey> = pda_signer.into_iter().collect();
    ctx.invoke(program, &[from, to, authority], &data, &signers)
}

/// Which generation of account list an instruction takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    /// `buy`, `buy_exact_sol_in`, `sell`: IDL accounts, then remaining accounts (§1.4.1).
    V1,
    /// `buy_v2`, `buy_exact_quote_in_v2`, `sell_v2` (§1.7).
    V2,
}

fn check_trade(
    ctx: &mut TxContext,
    accounts: &[usize],
    side: Side,
    version: Version,
) -> Result<TradeAccounts, InstructionError> {
    match version {
        Version::V1 => check_trade_v1(ctx, accounts, side),
        Version::V2 => check_trade_v2(ctx, accounts, side),
    }
}

/// Every buy: the account list of its version, then one trade.
fn buy(
    ctx: &mut TxContext,
    accounts: &[usize],
    version: Version,
    kind: BuyKind,
    ix_name: &str,
) -> Result<(), InstructionError> {
    ctx.consume(28_000)?;
    let t = check_trade(ctx, accounts, Side::Buy, version)?;
    let r = reserves(&t.curve);
    let (tokens, leg) = match kind {
        BuyKind::ExactTokens {
            amount,
            max_sol_cost,
        } => {
            if amount == 0 {
                return Err(thrown(ctx, PumpError::BuyZeroAmount));
            }
            if amount > r.real_token.0 {
                return Err(thrown(ctx, PumpError::NotEnoughTokensToBuy));
            }
            let leg = curve::buy_exact_tokens(&r, TokenAmount(amount), RATES)
                .map_err(|_| thrown(ctx, PumpError::Overflow))?;
            let total = leg
                .buyer_pays()
                .ok_or_else(|| thrown(ctx, PumpError::Overflow))?;
            if total.0 > max_sol_cost {
                ctx.msg(format!(
                    "sol_cost: {}, max_sol_cost: {max_sol_cost}",
                    total.0
                ));
                return Err(thrown(ctx, PumpError::TooMuchSolRequired));
            }
            (TokenAmount(amount), leg)
        }
        BuyKind::ExactSolIn {
            spendable,
            min_tokens_out,
        } => {
            if spendable == 0 {
                return Err(thrown(ctx, PumpError::BuyZeroAmount));
            }
            let (tokens, leg) = curve::buy_exact_quote_in(&r, QuoteAmount(spendable), RATES)
                .map_err(|_| thrown(ctx, PumpError::BuySlippageBelowMinTokensOut))?;
            if tokens.0 < min_tokens_out {
                ctx.msg(format!(
                    "tokens_out: {}, min_tokens_out: {min_tokens_out}",
                    tokens.0
                ));
                return Err(thrown(ctx, PumpError::BuySlippageBelowMinTokensOut));
            }
            (tokens, leg)
        }
    };
    let bc_key = ctx.key(t.bonding_curve);
    token_transfer(
        ctx,
        &t,
        t.associated_bonding_curve,
        t.associated_user,
        t.bonding_curve,
        tokens.0,
        Some(bc_key),
    )?;
    let (fee_to_recipient, buyback_fee) = split_protocol_fee(leg.protocol_fee);
    create_quote_accounts(ctx, &t)?;
    for (to, amount) in [
        (Party::Curve, leg.curve),
        (Party::FeeRecipient, fee_to_recipient),
        (Party::Buyback, buyback_fee),
        (Party::CreatorVault, leg.creator_fee),
    ] {
        quote_transfer(ctx, &t, Party::User, to, amount.0)?;
    }

    let after = r
        .after_buy(tokens, leg.curve)
        .map_err(|_| thrown(ctx, PumpError::Overflow))?;
    let mut c = t.curve.clone();
    set_reserves(&mut c, &after);
    if after.is_exhausted() {
        c.complete = true;
    }
    store_curve(ctx, t.bonding_curve, &c)?;
    let trade = Trade {
        sol: leg.curve,
        tokens,
        is_buy: true,
        fee: leg.protocol_fee,
        buyback_fee,
        creator_fee: leg.creator_fee,
        ix_name,
    };
    emit(ctx, t.event_authority, &trade_event(ctx, &t, &c, &trade))?;
    if c.complete {
        emit(ctx, t.event_authority, &complete_event(ctx, &t))?;
    }
    Ok(())
}

/// Every sell: the account list of its version, then one trade.
fn sell(
    ctx: &mut TxContext,
    accounts: &[usize],
    version: Version,
    (amount, min_sol_output): (u64, u64),
    ix_name: &str,
) -> Result<(), InstructionError> {
    ctx.consume(24_000)?;
    let t = check_trade(ctx, accounts, Side::Sell, version)?;
    if amount == 0 {
        return Err(thrown(ctx, PumpError::SellZeroAmount));
    }
    let r = reserves(&t.curve);
    let leg = curve::sell_exact_tokens(&r, TokenAmount(amount), RATES)
        .map_err(|_| thrown(ctx, PumpError::Overflow))?;
    let proceeds = leg.seller_receives().unwrap_or_default();
    if proceeds.0 < min_sol_output {
        ctx.msg(format!(
            "sol_output: {}, min_sol_output: {min_sol_output}",
            proceeds.0
        ));
        return Err(thrown(ctx, PumpError::TooLittleSolReceived));
    }
    token_transfer(
        ctx,
        &t,
        t.associated_user,
        t.associated_bonding_curve,
        t.user,
        amount,
        None,
    )?;
    let (fee_to_recipient, buyback_fee) = split_protocol_fee(leg.protocol_fee);
    create_quote_accounts(ctx, &t)?;
    for (to, amount) in [
        (Party::User, proceeds),
        (Party::FeeRecipient, fee_to_recipient),
        (Party::Buyback, buyback_fee),
        (Party::CreatorVault, leg.creator_fee),
    ] {
        quote_transfer(ctx, &t, Party::Curve, to, amount.0)?;
    }
    let after = r
        .after_sell(TokenAmount(amount), leg.curve)
        .map_err(|_| thrown(ctx, PumpError::Overflow))?;
    let mut c = t.curve.clone();
    set_reserves(&mut c, &after);
    store_curve(ctx, t.bonding_curve, &c)?;
    let trade = Trade {
        sol: leg.curve,
        tokens: TokenAmount(amount),
        is_buy: false,
        fee: leg.protocol_fee,
        buyback_fee,
        creator_fee: leg.creator_fee,
        ix_name,
    };
    emit(ctx, t.event_authority, &trade_event(ctx, &t, &c, &trade))
}

struct Trade<'a> {
    /// The quote leg, in the curve's quote units (lamports for SOL coins).
    sol: QuoteAmount,
    tokens: TokenAmount,
    is_buy: bool,
    fee: QuoteAmount,
    buyback_fee: QuoteAmount,
    creator_fee: QuoteAmount,
    ix_name: &'a str,
}

/// TradeEvent in the current (2026-05) IDL layout.
fn trade_event(ctx: &TxContext, t: &TradeAccounts, c: &BondingCurve, tr: &Trade<'_>) -> Vec<u8> {
    let mut d = ev::TRADE.to_vec();
    d.extend(t.mint.as_ref());
    d.extend(tr.sol.0.to_le_bytes());
    d.extend(tr.tokens.0.to_le_bytes());
    d.push(u8::from(tr.is_buy));
    d.extend(ctx.key(t.user).as_ref());
    d.extend(ctx.unix_timestamp.to_le_bytes());
    d.extend(c.virtual_quote_reserves.to_le_bytes());
    d.extend(c.virtual_token_reserves.0.to_le_bytes());
    d.extend(c.real_quote_reserves.to_le_bytes());
    d.extend(c.real_token_reserves.0.to_le_bytes());
    d.extend(ctx.key(t.fee_recipient).as_ref());
    d.extend(PROTOCOL_FEE_BPS.to_le_bytes());
    d.extend(tr.fee.0.to_le_bytes());
    d.extend(c.creator.unwrap_or_default().as_ref());
    d.extend(CREATOR_FEE_BPS.to_le_bytes());
    d.extend(tr.creator_fee.0.to_le_bytes());
    d.push(0); // track_volume
    for v in [0u64, 0, 0] {
        d.extend(v.to_le_bytes()); // total_unclaimed_tokens, total_claimed_tokens, current_sol_volume
    }
    d.extend(ctx.unix_timestamp.to_le_bytes()); // last_update_timestamp
    d.extend((tr.ix_name.len() as u32).to_le_bytes());
    d.extend(tr.ix_name.as_bytes());
    d.push(u8::from(c.is_mayhem_mode.unwrap_or(false)));
    d.extend(0u64.to_le_bytes()); // cashback_fee_basis_points
    d.extend(0u64.to_le_bytes()); // cashback
    d.extend(BUYBACK_SHARE_BPS.to_le_bytes());
    d.extend(tr.buyback_fee.0.to_le_bytes());
    d.extend(0u32.to_le_bytes()); // shareholders
    d.extend(c.quote_mint.unwrap_or_default().as_ref());
    d.extend(tr.sol.0.to_le_bytes()); // quote_amount
    d.extend(c.virtual_quote_reserves.to_le_bytes());
    d.extend(c.real_quote_reserves.to_le_bytes());
    d
}

fn complete_event(ctx: &TxContext, t: &TradeAccounts) -> Vec<u8> {
    let mut d = ev::COMPLETE.to_vec();
    d.extend(ctx.key(t.user).as_ref());
    d.extend(t.mint.as_ref());
    d.extend(ctx.key(t.bonding_curve).as_ref());
    d.extend(ctx.unix_timestamp.to_le_bytes());
    d.extend(t.curve.quote_mint.unwrap_or_default().as_ref());
    d
}

/// `emit!` then `emit_cpi!`: the `Program data:` line, and the self-invoke carrying the event.
fn emit(ctx: &mut TxContext, event_authority: usize, event: &[u8]) -> Result<(), InstructionError> {
    ctx.log(format!("Program data: {}", STANDARD.encode(event)));
    let mut data = ev::ANCHOR_EVENT_CPI_TAG.to_vec();
    data.extend_from_slice(event);
    ctx.invoke(PUMP_PROGRAM, &[event_authority], &data, &[EVENT_AUTHORITY])
}

fn create(
    ctx: &mut TxContext,
    accounts: &[usize],
    args: &[u8],
    v2: bool,
) -> Result<(), InstructionError> {
    ctx.consume(60_000)?;
    let fixed = if v2 { 16 } else { 14 };
    if accounts.len() < fixed {
        return Err(thrown(ctx, PumpError::AccountNotEnoughKeys));
    }
    let a = |n: usize| accounts.get(n).copied().unwrap_or_default();
    let mut at = 0;
    let name = arg_str(ctx, args, &mut at)?.to_owned();
    let symbol = arg_str(ctx, args, &mut at)?.to_owned();
    let uri = arg_str(ctx, args, &mut at)?.to_owned();
    let creator =
        read_pubkey(args, at).map_err(|_| thrown(ctx, PumpError::InstructionDidNotDeserialize))?;
    at += 32;
    let mayhem = v2 && args.get(at) == Some(&1);
    let cashback = v2 && args.get(at + 1) == Some(&1);
    if name.len() > 32 {
        return Err(thrown(ctx, PumpError::NameTooLong));
    }
    if symbol.len() > 10 {
        return Err(thrown(ctx, PumpError::SymbolTooLong));
    }
    if uri.len() > 200 {
        return Err(thrown(ctx, PumpError::UriTooLong));
    }

    let (mint_i, mint_auth_i, curve_i, abc_i, global_i) = (a(0), a(1), a(2), a(3), a(4));
    let (user_i, system_i, token_i, ata_prog_i, event_i, program_i) = if v2 {
        (a(5), a(6), a(7), a(8), a(14), a(15))
    } else {
        (a(7), a(8), a(9), a(10), a(12), a(13))
    };
    let token_program = if v2 {
        TOKEN_2022_PROGRAM
    } else {
        TOKEN_PROGRAM
    };
    let mint = ctx.key(mint_i);
    signer(ctx, "mint", mint_i)?;
    writable(ctx, "mint", mint_i)?;
    seeds(ctx, "mint_authority", ctx.key(mint_auth_i), MINT_AUTHORITY)?;
    seeds(
        ctx,
        "bonding_curve",
        ctx.key(curve_i),
        pda::bonding_curve(&mint),
    )?;
    writable(ctx, "bonding_curve", curve_i)?;
    seeds(
        ctx,
        "associated_bonding_curve",
        ctx.key(abc_i),
        pda::associated_bonding_curve(&ctx.key(curve_i), &token_program, &mint),
    )?;
    let global = load_global(ctx, global_i)?;
    if mayhem && global.mayhem_mode_enabled != Some(true) {
        return Err(thrown(ctx, PumpError::MayhemModeDisabled));
    }
    signer(ctx, "user", user_i)?;
    writable(ctx, "user", user_i)?;
    address(
        ctx,
        "system_program",
        ctx.key(system_i),
        SYSTEM_PROGRAM,
        PumpError::InvalidProgramId,
    )?;
    address(
        ctx,
        "token_program",
        ctx.key(token_i),
        token_program,
        PumpError::InvalidProgramId,
    )?;
    address(
        ctx,
        "associated_token_program",
        ctx.key(ata_prog_i),
        ASSOCIATED_TOKEN_PROGRAM,
        PumpError::InvalidProgramId,
    )?;
    seeds(ctx, "event_authority", ctx.key(event_i), EVENT_AUTHORITY)?;
    address(
        ctx,
        "program",
        ctx.key(program_i),
        PUMP_PROGRAM,
        PumpError::InvalidProgramId,
    )?;
    if v2 {
        address(
            ctx,
            "mayhem_program_id",
            ctx.key(a(9)),
            MAYHEM_PROGRAM,
            PumpError::ConstraintAddress,
        )?;
        // The Mayhem accounts, by the IDL's seeds under the Mayhem program.
        let mayhem_pda = |seeds: &[&[u8]]| pda::find_program_address(seeds, &MAYHEM_PROGRAM).0;
        seeds(
            ctx,
            "global_params",
            ctx.key(a(10)),
            mayhem_pda(&[b"global-params"]),
        )?;
        seeds(
            ctx,
            "sol_vault",
            ctx.key(a(11)),
            mayhem_pda(&[b"sol-vault"]),
        )?;
        seeds(
            ctx,
            "mayhem_state",
            ctx.key(a(12)),
            mayhem_pda(&[b"mayhem-state", mint.as_ref()]),
        )?;
    } else {
        address(
            ctx,
            "mpl_token_metadata",
            ctx.key(a(5)),
            METAPLEX_METADATA_PROGRAM,
            PumpError::ConstraintAddress,
        )?;
        address(
            ctx,
            "rent",
            ctx.key(a(11)),
            SYSVAR_RENT,
            PumpError::ConstraintAddress,
        )?;
        let metadata = pda::metadata(&mint);
        seeds(ctx, "metadata", ctx.key(a(6)), metadata)?;
    }

    // create_v2's optional quote accounts, all or none (docs/protocol.md §1.4): quote_mint,
    // associated_quote_bonding_curve, quote_token_program. WSOL (or none) makes a SOL coin.
    let quote = if v2 && accounts.len() > 16 {
        let (Some(&qm), Some(&aqbc), Some(&qp)) =
            (accounts.get(16), accounts.get(17), accounts.get(18))
        else {
            return Err(thrown(ctx, PumpError::NotEnoughRemainingAccounts));
        };
        let quote_mint = ctx.key(qm);
        if quote_mint == WSOL_MINT {
            None
        } else {
            if !global
                .whitelisted_quote_mints
                .is_some_and(|l| l.contains(&quote_mint))
            {
                return Err(thrown(ctx, PumpError::QuoteMintNotWhitelisted));
            }
            if mayhem {
                return Err(thrown(ctx, PumpError::MayhemModeQuoteMintNotAllowed));
            }
            if ctx.key(qp) != TOKEN_PROGRAM {
                return Err(thrown(ctx, PumpError::InvalidQuoteTokenProgram));
            }
            let want =
                pda::associated_token_address(&ctx.key(curve_i), &TOKEN_PROGRAM, &quote_mint);
            if ctx.key(aqbc) != want {
                return Err(thrown(ctx, PumpError::InvalidAssociatedQuoteBondingCurve));
            }
            Some((quote_mint, qm, aqbc, qp))
        }
    } else {
        None
    };

    // The mint: created by the user's key, initialised with the program's mint authority.
    let mut create = 0u32.to_le_bytes().to_vec();
    create.extend(rent_exempt_minimum(token::MINT_LEN).to_le_bytes());
    create.extend((token::MINT_LEN as u64).to_le_bytes());
    create.extend(token_program.as_ref());
    ctx.invoke(SYSTEM_PROGRAM, &[user_i, mint_i], &create, &[])?;
    let mut init_mint = vec![20u8, 6];
    init_mint.extend(MINT_AUTHORITY.as_ref());
    init_mint.push(0);
    ctx.invoke(token_program, &[mint_i], &init_mint, &[])?;

    // The bonding curve account (Anchor `init`), signed by its seeds.
    let curve_key = ctx.key(curve_i);
    let mut create_curve = 0u32.to_le_bytes().to_vec();
    create_curve.extend(rent_exempt_minimum(BONDING_CURVE_LEN).to_le_bytes());
    create_curve.extend((BONDING_CURVE_LEN as u64).to_le_bytes());
    create_curve.extend(PUMP_PROGRAM.as_ref());
    ctx.invoke(
        SYSTEM_PROGRAM,
        &[user_i, curve_i],
        &create_curve,
        &[curve_key],
    )?;

    // Its token account, through the ATA program.
    ctx.invoke(
        ASSOCIATED_TOKEN_PROGRAM,
        &[user_i, abc_i, curve_i, mint_i, system_i, token_i],
        &[0],
        &[],
    )?;

    // A non-SOL curve holds its quote in its own associated account.
    if let Some((_, qm, aqbc, qp)) = quote {
        ctx.invoke(
            ASSOCIATED_TOKEN_PROGRAM,
            &[user_i, aqbc, curve_i, qm, system_i, qp],
            &[0],
            &[],
        )?;
    }

    if !v2 {
        metaplex_create_metadata(ctx, a(6), user_i, &name, &symbol, &uri)?;
    }

    // The whole supply to the curve's account, then no more minting.
    let mut mint_to = vec![7u8];
    mint_to.extend(global.token_total_supply.0.to_le_bytes());
    ctx.invoke(
        token_program,
        &[mint_i, abc_i, mint_auth_i],
        &mint_to,
        &[MINT_AUTHORITY],
    )?;
    ctx.invoke(
        token_program,
        &[mint_i, mint_auth_i],
        &[6, 0, 0],
        &[MINT_AUTHORITY],
    )?;

    let c = BondingCurve {
        virtual_token_reserves: global.initial_virtual_token_reserves,
        virtual_quote_reserves: match quote {
            None => global.initial_virtual_sol_reserves.0,
            Some(_) => global.initial_virtual_quote_reserves.unwrap_or_default(),
        },
        real_token_reserves: global.initial_real_token_reserves,
        real_quote_reserves: 0,
        token_total_supply: global.token_total_supply,
        complete: false,
        creator: Some(creator),
        is_mayhem_mode: Some(mayhem),
        is_cashback_coin: Some(cashback),
        quote_mint: Some(quote.map_or_else(Pubkey::default, |q| q.0)),
        data_len: BONDING_CURVE_LEN,
    };
    store_curve(ctx, curve_i, &c)?;

    let mut e = ev::CREATE.to_vec();
    for s in [&name, &symbol, &uri] {
        e.extend((s.len() as u32).to_le_bytes());
        e.extend(s.as_bytes());
    }
    e.extend(mint.as_ref());
    e.extend(curve_key.as_ref());
    e.extend(ctx.key(user_i).as_ref());
    e.extend(creator.as_ref());
    e.extend(ctx.unix_timestamp.to_le_bytes());
    e.extend(c.virtual_token_reserves.0.to_le_bytes());
    e.extend(c.virtual_quote_reserves.to_le_bytes());
    e.extend(c.real_token_reserves.0.to_le_bytes());
    e.extend(c.token_total_supply.0.to_le_bytes());
    e.extend(token_program.as_ref());
    e.push(u8::from(mayhem));
    e.push(u8::from(cashback));
    e.extend(c.quote_mint.unwrap_or_default().as_ref());
    e.extend(c.virtual_quote_reserves.to_le_bytes());
    emit(ctx, event_i, &e)
}

/// Metaplex's CreateMetadataAccountsV3, reduced to what a client reads: the account exists,
/// owned by the metadata program, funded by the user, holding name, symbol and uri.
fn metaplex_create_metadata(
    ctx: &mut TxContext,
    metadata_i: usize,
    payer_i: usize,
    name: &str,
    symbol: &str,
    uri: &str,
) -> Result<(), InstructionError> {
    const LEN: usize = 679;
    let mut data = vec![4u8]; // Key::MetadataV1
    data.extend([0u8; 64]); // update authority, mint (not emulated)
    for s in [name, symbol, uri] {
        data.extend((s.len() as u32).to_le_bytes());
        data.extend(s.as_bytes());
    }
    data.resize(LEN, 0);
    ctx.emulated_frame(METAPLEX_METADATA_PROGRAM, 36_000, |ctx| {
        ctx.msg("IX: Create Metadata Accounts v3");
        system_transfer(ctx, payer_i, metadata_i, rent_exempt_minimum(LEN))?;
        let acc = ctx
            .accounts
            .get_mut(metadata_i)
            .ok_or(InstructionError::NotEnoughAccountKeys)?;
        acc.data = data;
        acc.owner = METAPLEX_METADATA_PROGRAM;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_error_lines_keep_mainnet_wording() {
        let mut ctx = TxContext::new(vec![], vec![], vec![], vec![], 0, 0, 0, |_, _, _, _| Ok(()));
        let e = thrown(&mut ctx, PumpError::TooLittleSolReceived);
        assert_eq!(e, InstructionError::Custom(6003));
        let e = caused_by(&mut ctx, "mint", PumpError::ConstraintSeeds);
        assert_eq!(e, InstructionError::Custom(2006));
        // Anchor ends the line with its own period, after the message's: mainnet prints two.
        assert_eq!(
            ctx.logs,
            [
                "Program log: AnchorError thrown in programs/pump/src/lib.rs. Error Code: TooLittleSolReceived. Error Number: 6003. Error Message: slippage: Too little SOL received to sell the given amount of tokens..",
                "Program log: AnchorError caused by account: mint. Error Code: ConstraintSeeds. Error Number: 2006. Error Message: A seeds constraint was violated.",
            ]
        );
    }
}
