//! SPL Token and Token-2022, the part a trader's transactions use: initialize (mint, account,
//! immutable owner), transfer, transfer_checked, mint_to, close_account, sync_native,
//! set_authority, get_account_data_size. Layouts are the programs' own (165-byte accounts,
//! 82-byte mints; Token-2022 accounts may carry extensions after byte 165).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use solana_pubkey::Pubkey;

use super::args::{acct, read_pubkey, read_u64};
use crate::ledger::account::rent_exempt_minimum;
use crate::ledger::error::InstructionError;
use crate::ledger::runtime::TxContext;
use kestrel_pump::ids::{TOKEN_2022_PROGRAM, WSOL_MINT};

pub const ACCOUNT_LEN: usize = 165;
pub const MINT_LEN: usize = 82;
/// A Token-2022 account with the ImmutableOwner extension, as the ATA program makes it:
/// 165 + account type (1) + TLV header (4).
pub const ACCOUNT_2022_IMMUTABLE_LEN: usize = 170;
/// Token-2022's wrapped-SOL mint.
pub const NATIVE_MINT_2022: Pubkey =
    Pubkey::from_str_const("9pan9bMn5HatX4EJdBwg9VgCa7Uz5HL8N1m5D3NdXejP");

/// TokenError codes (spl-token program/src/error.rs).
pub mod error {
    pub const INSUFFICIENT_FUNDS: u32 = 1;
    pub const MINT_MISMATCH: u32 = 3;
    pub const OWNER_MISMATCH: u32 = 4;
    pub const ALREADY_IN_USE: u32 = 6;
    pub const UNINITIALIZED_STATE: u32 = 9;
    pub const NON_NATIVE_HAS_BALANCE: u32 = 12;
    pub const INVALID_INSTRUCTION: u32 = 13;
    pub const ACCOUNT_FROZEN: u32 = 17;
    pub const MINT_DECIMALS_MISMATCH: u32 = 18;
    pub const NON_NATIVE_NOT_SUPPORTED: u32 = 19;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenAccount {
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub delegate: Option<Pubkey>,
    /// 0 uninitialized, 1 initialized, 2 frozen.
    pub state: u8,
    /// Rent reserve of a wrapped-SOL account.
    pub is_native: Option<u64>,
    pub delegated_amount: u64,
    pub close_authority: Option<Pubkey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mint {
    pub mint_authority: Option<Pubkey>,
    pub supply: u64,
    pub decimals: u8,
    pub is_initialized: bool,
    pub freeze_authority: Option<Pubkey>,
}

fn get<const N: usize>(d: &[u8], at: usize) -> Option<[u8; N]> {
    d.get(at..at + N)?.try_into().ok()
}

fn coption_key(d: &[u8], at: usize) -> Option<Option<Pubkey>> {
    let tag = u32::from_le_bytes(get(d, at)?);
    let key = Pubkey::new_from_array(get(d, at + 4)?);
    Some((tag == 1).then_some(key))
}

fn put_coption_key(d: &mut [u8], at: usize, v: Option<Pubkey>) {
    if let Some(slot) = d.get_mut(at..at + 36) {
        slot.fill(0);
        if let Some(k) = v {
            slot[..4].copy_from_slice(&1u32.to_le_bytes());
            slot[4..].copy_from_slice(k.as_ref());
        }
    }
}

impl TokenAccount {
    pub fn unpack(d: &[u8]) -> Option<Self> {
        if d.len() < ACCOUNT_LEN {
            return None;
        }
        let state = *d.get(108)?;
        let native_tag = u32::from_le_bytes(get(d, 109)?);
        Some(Self {
            mint: Pubkey::new_from_array(get(d, 0)?),
            owner: Pubkey::new_from_array(get(d, 32)?),
            amount: u64::from_le_bytes(get(d, 64)?),
            delegate: coption_key(d, 72)?,
            state,
            is_native: (native_tag == 1).then_some(u64::from_le_bytes(get(d, 113)?)),
            delegated_amount: u64::from_le_bytes(get(d, 121)?),
            close_authority: coption_key(d, 129)?,
        })
    }

    pub fn pack(&self, d: &mut [u8]) {
        if d.len() < ACCOUNT_LEN {
            return;
        }
        d[0..32].copy_from_slice(self.mint.as_ref());
        d[32..64].copy_from_slice(self.owner.as_ref());
        d[64..72].copy_from_slice(&self.amount.to_le_bytes());
        put_coption_key(d, 72, self.delegate);
        d[108] = self.state;
        d[109..121].fill(0);
        if let Some(reserve) = self.is_native {
            d[109..113].copy_from_slice(&1u32.to_le_bytes());
            d[113..121].copy_from_slice(&reserve.to_le_bytes());
        }
        d[121..129].copy_from_slice(&self.delegated_amount.to_le_bytes());
        put_coption_key(d, 129, self.close_authority);
    }
}

impl Mint {
    pub fn unpack(d: &[u8]) -> Option<Self> {
        if d.len() < MINT_LEN {
            return None;
        }
        Some(Self {
            mint_authority: coption_key(d, 0)?,
            supply: u64::from_le_bytes(get(d, 36)?),
            decimals: *d.get(44)?,
            is_initialized: *d.get(45)? == 1,
            freeze_authority: coption_key(d, 46)?,
        })
    }

    pub fn pack(&self, d: &mut [u8]) {
        if d.len() < MINT_LEN {
            return;
        }
        put_coption_key(d, 0, self.mint_authority);
        d[36..44].copy_from_slice(&self.supply.to_le_bytes());
        d[44] = self.decimals;
        d[45] = u8::from(self.is_initialized);
        put_coption_key(d, 46, self.freeze_authority);
    }
}

fn fail(ctx: &mut TxContext, code: u32, text: &str) -> InstructionError {
    ctx.msg(format!("Error: {text}"));
    InstructionError::Custom(code)
}

fn load_account(
    ctx: &TxContext,
    program: &Pubkey,
    i: usize,
) -> Result<TokenAccount, InstructionError> {
    let a = ctx.account(i)?;
    if a.owner != *program {
        return Err(InstructionError::IncorrectProgramId);
    }
    match TokenAccount::unpack(&a.data) {
        Some(t) if t.state != 0 => Ok(t),
        _ => Err(InstructionError::UninitializedAccount),
    }
}

fn load_mint(ctx: &TxContext, program: &Pubkey, i: usize) -> Result<Mint, InstructionError> {
    let a = ctx.account(i)?;
    if a.owner != *program {
        return Err(InstructionError::IncorrectProgramId);
    }
    match Mint::unpack(&a.data) {
        Some(m) if m.is_initialized => Ok(m),
        _ => Err(InstructionError::UninitializedAccount),
    }
}

fn store_account(
    ctx: &mut TxContext,
    program: &Pubkey,
    i: usize,
    t: &TokenAccount,
) -> Result<(), InstructionError> {
    t.pack(ctx.data_mut(program, i)?);
    Ok(())
}

fn store_mint(
    ctx: &mut TxContext,
    program: &Pubkey,
    i: usize,
    m: &Mint,
) -> Result<(), InstructionError> {
    m.pack(ctx.data_mut(program, i)?);
    Ok(())
}

/// The owner (or delegate) of `source` must sign.
fn check_authority(
    ctx: &mut TxContext,
    t: &TokenAccount,
    authority: usize,
) -> Result<(), InstructionError> {
    if ctx.key(authority) != t.owner {
        return Err(fail(ctx, error::OWNER_MISMATCH, "owner does not match"));
    }
    if !ctx.is_signer(authority) {
        return Err(InstructionError::MissingRequiredSignature);
    }
    Ok(())
}

pub fn process(
    ctx: &mut TxContext,
    program: &Pubkey,
    accounts: &[usize],
    data: &[u8],
) -> Result<(), InstructionError> {
    let Some((&tag, rest)) = data.split_first() else {
        return Err(fail(ctx, error::INVALID_INSTRUCTION, "Invalid instruction"));
    };
    match tag {
        1 | 16 | 18 => {
            let name = match tag {
                1 => "InitializeAccount",
                16 => "InitializeAccount2",
                _ => "InitializeAccount3",
            };
            ctx.msg(format!("Instruction: {name}"));
            ctx.consume(4214)?;
            let account = acct(accounts, 0)?;
            let mint = acct(accounts, 1)?;
            let owner = if tag == 1 {
                ctx.key(acct(accounts, 2)?)
            } else {
                read_pubkey(rest, 0)?
            };
            initialize_account(ctx, program, account, mint, owner)
        }
        3 | 12 => {
            let checked = tag == 12;
            ctx.msg(if checked {
                "Instruction: TransferChecked"
            } else {
                "Instruction: Transfer"
            });
            ctx.consume(if checked { 6200 } else { 4645 })?;
            let amount = read_u64(rest, 0)?;
            let (src, dst, auth) = if checked {
                (acct(accounts, 0)?, acct(accounts, 2)?, acct(accounts, 3)?)
            } else {
                (acct(accounts, 0)?, acct(accounts, 1)?, acct(accounts, 2)?)
            };
            if checked {
                let decimals = *rest
                    .get(8)
                    .ok_or(InstructionError::InvalidInstructionData)?;
                let mint_i = acct(accounts, 1)?;
                let mint = load_mint(ctx, program, mint_i)?;
                let s = load_account(ctx, program, src)?;
                if s.mint != ctx.key(mint_i) {
                    return Err(fail(
                        ctx,
                        error::MINT_MISMATCH,
                        "Account not associated with this Mint",
                    ));
                }
                if mint.decimals != decimals {
                    return Err(fail(
                        ctx,
                        error::MINT_DECIMALS_MISMATCH,
                        "decimals different from the Mint decimals",
                    ));
                }
            }
            transfer(ctx, program, src, dst, auth, amount)
        }
        7 => {
            ctx.msg("Instruction: MintTo");
            ctx.consume(4492)?;
            let amount = read_u64(rest, 0)?;
            mint_to(
                ctx,
                program,
                acct(accounts, 0)?,
                acct(accounts, 1)?,
                acct(accounts, 2)?,
                amount,
            )
        }
        9 => {
            ctx.msg("Instruction: CloseAccount");
            ctx.consume(2916)?;
            close_account(
                ctx,
                program,
                acct(accounts, 0)?,
                acct(accounts, 1)?,
                acct(accounts, 2)?,
            )
        }
        6 => {
            ctx.msg("Instruction: SetAuthority");
            ctx.consume(2911)?;
            set_authority(ctx, program, accounts, rest)
        }
        17 => {
            ctx.msg("Instruction: SyncNative");
            ctx.consume(3045)?;
            sync_native(ctx, program, acct(accounts, 0)?)
        }
        20 => {
            ctx.msg("Instruction: InitializeMint2");
            ctx.consume(2780)?;
            let decimals = *rest
                .first()
                .ok_or(InstructionError::InvalidInstructionData)?;
            let authority = read_pubkey(rest, 1)?;
            let freeze = match rest.get(33) {
                Some(1) => Some(read_pubkey(rest, 34)?),
                _ => None,
            };
            let mint = acct(accounts, 0)?;
            if Mint::unpack(&ctx.account(mint)?.data).is_some_and(|m| m.is_initialized) {
                return Err(fail(
                    ctx,
                    error::ALREADY_IN_USE,
                    "account or token already in use",
                ));
            }
            if ctx.account(mint)?.data.len() < MINT_LEN {
                return Err(InstructionError::InvalidAccountData);
            }
            let m = Mint {
                mint_authority: Some(authority),
                supply: 0,
                decimals,
                is_initialized: true,
                freeze_authority: freeze,
            };
            store_mint(ctx, program, mint, &m)
        }
        21 => {
            ctx.msg("Instruction: GetAccountDataSize");
            ctx.consume(1595)?;
            let len = if *program == TOKEN_2022_PROGRAM {
                ACCOUNT_2022_IMMUTABLE_LEN
            } else {
                ACCOUNT_LEN
            } as u64;
            ctx.log(format!(
                "Program return: {program} {}",
                STANDARD.encode(len.to_le_bytes())
            ));
            Ok(())
        }
        22 => {
            ctx.msg("Instruction: InitializeImmutableOwner");
            ctx.consume(1405)?;
            if *program != TOKEN_2022_PROGRAM {
                ctx.msg("Please upgrade to SPL Token 2022 for immutable owner support");
                return Ok(());
            }
            let a = acct(accounts, 0)?;
            let d = ctx.data_mut(program, a)?;
            if d.len() >= ACCOUNT_2022_IMMUTABLE_LEN {
                d[165] = 2; // AccountType::Account
                d[166..168].copy_from_slice(&7u16.to_le_bytes()); // ExtensionType::ImmutableOwner
                d[168..170].copy_from_slice(&0u16.to_le_bytes());
            }
            Ok(())
        }
        _ => Err(fail(ctx, error::INVALID_INSTRUCTION, "Invalid instruction")),
    }
}

fn initialize_account(
    ctx: &mut TxContext,
    program: &Pubkey,
    account: usize,
    mint: usize,
    owner: Pubkey,
) -> Result<(), InstructionError> {
    let a = ctx.account(account)?;
    if a.data.len() < ACCOUNT_LEN {
        return Err(InstructionError::InvalidAccountData);
    }
    if TokenAccount::unpack(&a.data).is_some_and(|t| t.state != 0) {
        return Err(fail(
            ctx,
            error::ALREADY_IN_USE,
            "account or token already in use",
        ));
    }
    let lamports = a.lamports;
    let data_len = a.data.len();
    let mint_key = ctx.key(mint);
    let native = mint_key == WSOL_MINT || mint_key == NATIVE_MINT_2022;
    let is_native = native.then_some(rent_exempt_minimum(data_len));
    if !native {
        load_mint(ctx, program, mint)?;
    }
    let t = TokenAccount {
        mint: mint_key,
        owner,
        amount: is_native.map_or(0, |reserve| lamports.saturating_sub(reserve)),
        delegate: None,
        state: 1,
        is_native,
        delegated_amount: 0,
        close_authority: None,
    };
    store_account(ctx, program, account, &t)
}

pub fn transfer(
    ctx: &mut TxContext,
    program: &Pubkey,
    src: usize,
    dst: usize,
    authority: usize,
    amount: u64,
) -> Result<(), InstructionError> {
    let mut s = load_account(ctx, program, src)?;
    let mut d = load_account(ctx, program, dst)?;
    if s.state == 2 || d.state == 2 {
        return Err(fail(ctx, error::ACCOUNT_FROZEN, "Account is frozen"));
    }
    if s.mint != d.mint {
        return Err(fail(
            ctx,
            error::MINT_MISMATCH,
            "Account not associated with this Mint",
        ));
    }
    check_authority(ctx, &s, authority)?;
    if s.amount < amount {
        return Err(fail(ctx, error::INSUFFICIENT_FUNDS, "insufficient funds"));
    }
    if src == dst {
        return Ok(());
    }
    s.amount -= amount;
    d.amount = d
        .amount
        .checked_add(amount)
        .ok_or(InstructionError::ArithmeticOverflow)?;
    store_account(ctx, program, src, &s)?;
    store_account(ctx, program, dst, &d)?;
    if s.is_native.is_some() {
        ctx.move_lamports(program, src, dst, amount)?;
    }
    Ok(())
}

pub fn mint_to(
    ctx: &mut TxContext,
    program: &Pubkey,
    mint: usize,
    dst: usize,
    authority: usize,
    amount: u64,
) -> Result<(), InstructionError> {
    let mut m = load_mint(ctx, program, mint)?;
    let mut d = load_account(ctx, program, dst)?;
    if d.mint != ctx.key(mint) {
        return Err(fail(
            ctx,
            error::MINT_MISMATCH,
            "Account not associated with this Mint",
        ));
    }
    match m.mint_authority {
        Some(a) if a == ctx.key(authority) && ctx.is_signer(authority) => {}
        Some(_) => return Err(fail(ctx, error::OWNER_MISMATCH, "owner does not match")),
        None => return Err(fail(ctx, 5, "the total supply of this token is fixed")),
    }
    m.supply = m
        .supply
        .checked_add(amount)
        .ok_or(InstructionError::ArithmeticOverflow)?;
    d.amount = d
        .amount
        .checked_add(amount)
        .ok_or(InstructionError::ArithmeticOverflow)?;
    store_mint(ctx, program, mint, &m)?;
    store_account(ctx, program, dst, &d)
}

fn close_account(
    ctx: &mut TxContext,
    program: &Pubkey,
    account: usize,
    dst: usize,
    authority: usize,
) -> Result<(), InstructionError> {
    let t = load_account(ctx, program, account)?;
    if t.is_native.is_none() && t.amount != 0 {
        return Err(fail(
            ctx,
            error::NON_NATIVE_HAS_BALANCE,
            "Non-native account can only be closed if its balance is zero",
        ));
    }
    let closer = t.close_authority.unwrap_or(t.owner);
    if ctx.key(authority) != closer {
        return Err(fail(ctx, error::OWNER_MISMATCH, "owner does not match"));
    }
    if !ctx.is_signer(authority) {
        return Err(InstructionError::MissingRequiredSignature);
    }
    let lamports = ctx.account(account)?.lamports;
    ctx.move_lamports(program, account, dst, lamports)?;
    ctx.data_mut(program, account)?.fill(0);
    Ok(())
}

fn sync_native(
    ctx: &mut TxContext,
    program: &Pubkey,
    account: usize,
) -> Result<(), InstructionError> {
    let mut t = load_account(ctx, program, account)?;
    let Some(reserve) = t.is_native else {
        return Err(fail(
            ctx,
            error::NON_NATIVE_NOT_SUPPORTED,
            "Instruction does not support non-native tokens",
        ));
    };
    let lamports = ctx.account(account)?.lamports;
    t.amount = lamports.saturating_sub(reserve);
    store_account(ctx, program, account, &t)
}

fn set_authority(
    ctx: &mut TxContext,
    program: &Pubkey,
    accounts: &[usize],
    rest: &[u8],
) -> Result<(), InstructionError> {
    let target = acct(accounts, 0)?;
    let current = acct(accounts, 1)?;
    let kind = *rest
        .first()
        .ok_or(InstructionError::InvalidInstructionData)?;
    let new = match rest.get(1) {
        Some(1) => Some(read_pubkey(rest, 2)?),
        _ => None,
    };
    if !ctx.is_signer(current) {
        return Err(InstructionError::MissingRequiredSignature);
    }
    if let Ok(mut m) = load_mint(ctx, program, target) {
        let slot = match kind {
            0 => &mut m.mint_authority,
            1 => &mut m.freeze_authority,
            _ => {
                return Err(fail(
                    ctx,
                    15,
                    "Account does not support specified authority type",
                ));
            }
        };
        if *slot != Some(ctx.key(current)) {
            return Err(fail(ctx, error::OWNER_MISMATCH, "owner does not match"));
        }
        *slot = new;
        return store_mint(ctx, program, target, &m);
    }
    let mut t = load_account(ctx, program, target)?;
    match kind {
        2 if t.owner == ctx.key(current) => {
            t.owner = new.ok_or(InstructionError::InvalidArgument)?
        }
        3 if t.close_authority.unwrap_or(t.owner) == ctx.key(current) => t.close_authority = new,
        2 | 3 => return Err(fail(ctx, error::OWNER_MISMATCH, "owner does not match")),
        _ => {
            return Err(fail(
                ctx,
                15,
                "Account does not support specified authority type",
            ));
        }
    }
    store_account(ctx, program, target, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_layout_round_trips() {
        let t = TokenAccount {
            mint: Pubkey::new_from_array([1; 32]),
            owner: Pubkey::new_from_array([2; 32]),
            amount: 42,
            delegate: None,
            state: 1,
            is_native: Some(2_039_280),
            delegated_amount: 0,
            close_authority: Some(Pubkey::new_from_array([3; 32])),
        };
        let mut d = vec![0; ACCOUNT_LEN];
        t.pack(&mut d);
        assert_eq!(TokenAccount::unpack(&d), Some(t));
        let m = Mint {
            mint_authority: None,
            supply: 7,
            decimals: 6,
            is_initialized: true,
            freeze_authority: None,
        };
        let mut d = vec![0; MINT_LEN];
        m.pack(&mut d);
        assert_eq!(Mint::unpack(&d), Some(m));
    }
}
