//! pump.fun accounts (idl/pump.json; offsets in docs/protocol.md §1.3). Anchor accounts are zero-padded
//! to their allocated size and older ones are shorter, so a field is read only when it fits
//! whole (`Reader::opt`): a short tail is an older layout, not corruption.

use kestrel_pump::discriminator::account as disc;
use kestrel_units::{Lamports, TokenAmount};
use serde::Serialize;
use solana_pubkey::Pubkey;

use crate::borsh::Reader;
use crate::json;
use crate::{DecodeError, ErrorKind};

/// The smallest bonding curve on mainnet: 5 u64 and `complete` (2025-04 layout).
pub const BONDING_CURVE_MIN_LEN: usize = 49;

/// `["bonding-curve", mint]`: the curve's reserves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BondingCurve {
    pub virtual_token_reserves: TokenAmount,
    /// Named virtual_sol_reserves before quote mints existed; lamports for SOL-paired coins.
    pub virtual_quote_reserves: u64,
    pub real_token_reserves: TokenAmount,
    pub real_quote_reserves: u64,
    pub token_total_supply: TokenAmount,
    pub complete: bool,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub creator: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mayhem_mode: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_cashback_coin: Option<bool>,
    /// `Pubkey::default()` for SOL-paired coins.
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_mint: Option<Pubkey>,
    /// The account's data length, for telling layouts apart.
    #[serde(skip)]
    pub data_len: usize,
}

impl BondingCurve {
    /// True when the coin trades against SOL (no quote mint, or the default key).
    pub fn is_sol_paired(&self) -> bool {
        self.quote_mint.is_none_or(|m| m == Pubkey::default())
    }

    /// Virtual SOL reserves, when the curve is SOL-paired.
    pub fn virtual_sol_reserves(&self) -> Option<Lamports> {
        self.is_sol_paired()
            .then_some(Lamports(self.virtual_quote_reserves))
    }
}

/// The pump.fun `Global` account: program-wide parameters and fee recipients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Global {
    pub initialized: bool,
    #[serde(serialize_with = "json::pubkey")]
    pub authority: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub fee_recipient: Pubkey,
    pub initial_virtual_token_reserves: TokenAmount,
    pub initial_virtual_sol_reserves: Lamports,
    pub initial_real_token_reserves: TokenAmount,
    pub token_total_supply: TokenAmount,
    pub fee_basis_points: u64,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub withdraw_authority: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_migrate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_migration_fee: Option<Lamports>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_fee_basis_points: Option<u64>,
    #[serde(
        serialize_with = "json::opt_pubkeys",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee_recipients: Option<[Pubkey; 7]>,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub set_creator_authority: Option<Pubkey>,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub admin_set_creator_authority: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_v2_enabled: Option<bool>,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub whitelist_pda: Option<Pubkey>,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub reserved_fee_recipient: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mayhem_mode_enabled: Option<bool>,
    #[serde(
        serialize_with = "json::opt_pubkeys",
        skip_serializing_if = "Option::is_none"
    )]
    pub reserved_fee_recipients: Option<[Pubkey; 7]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_cashback_enabled: Option<bool>,
    #[serde(
        serialize_with = "json::opt_pubkeys",
        skip_serializing_if = "Option::is_none"
    )]
    pub buyback_fee_recipients: Option<[Pubkey; 8]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyback_basis_points: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_virtual_quote_reserves: Option<u64>,
    #[serde(
        serialize_with = "json::opt_pubkeys",
        skip_serializing_if = "Option::is_none"
    )]
    pub whitelisted_quote_mints: Option<[Pubkey; 1]>,
    #[serde(skip)]
    pub data_len: usize,
}

/// The pump.fun accounts Kestrel reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "account")]
pub enum Account {
    BondingCurve(BondingCurve),
    /// Boxed: a Global is over a kilobyte and rarely decoded.
    Global(Box<Global>),
}

/// Which layout to expect, when the caller knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    BondingCurve,
    Global,
}

impl AccountKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::BondingCurve => "BondingCurve",
            Self::Global => "Global",
        }
    }
}

/// Decodes account data by its discriminator.
pub fn decode_account(data: &[u8]) -> Result<Account, DecodeError> {
    let found = Reader::new(data).array::<8>("account discriminator")?;
    match found {
        disc::BONDING_CURVE => decode_bonding_curve(data).map(Account::BondingCurve),
        disc::GLOBAL => decode_global(data).map(|g| Account::Global(Box::new(g))),
        _ => Err(DecodeError::new(
            ErrorKind::UnknownDiscriminator {
                what: "pump.fun account",
                found,
            },
            0,
        )),
    }
}

/// Decodes account data that must be of `kind`.
pub fn decode_account_as(data: &[u8], kind: AccountKind) -> Result<Account, DecodeError> {
    match kind {
        AccountKind::BondingCurve => decode_bonding_curve(data).map(Account::BondingCurve),
        AccountKind::Global => decode_global(data).map(|g| Account::Global(Box::new(g))),
    }
}

fn expect_disc(
    r: &mut Reader<'_>,
    expected: [u8; 8],
    name: &'static str,
) -> Result<(), DecodeError> {
    let found = r.array::<8>("account discriminator")?;
    if found == expected {
        Ok(())
    } else {
        Err(DecodeError::new(
            ErrorKind::WrongDiscriminator {
                expected: name,
                found,
            },
            0,
        ))
    }
}

pub fn decode_bonding_curve(data: &[u8]) -> Result<BondingCurve, DecodeError> {
    bonding_curve(data).map_err(|e| e.in_item("BondingCurve"))
}

fn bonding_curve(data: &[u8]) -> Result<BondingCurve, DecodeError> {
    let mut r = Reader::new(data);
    expect_disc(&mut r, disc::BONDING_CURVE, "BondingCurve")?;
    Ok(BondingCurve {
        virtual_token_reserves: TokenAmount(r.u64("virtual_token_reserves")?),
        virtual_quote_reserves: r.u64("virtual_quote_reserves")?,
        real_token_reserves: TokenAmount(r.u64("real_token_reserves")?),
        real_quote_reserves: r.u64("real_quote_reserves")?,
        token_total_supply: TokenAmount(r.u64("token_total_supply")?),
        complete: r.bool("complete")?,
        creator: r.opt(|r| r.pubkey("creator"))?,
        is_mayhem_mode: r.opt(|r| r.bool("is_mayhem_mode"))?,
        is_cashback_coin: r.opt(|r| r.bool("is_cashback_coin"))?,
        quote_mint: r.opt(|r| r.pubkey("quote_mint"))?,
        data_len: data.len(),
    })
}

fn pubkeys<const N: usize>(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<[Pubkey; N], DecodeError> {
    let mut out = [Pubkey::default(); N];
    for key in &mut out {
        *key = r.pubkey(what)?;
    }
    Ok(out)
}

pub fn decode_global(data: &[u8]) -> Result<Global, DecodeError> {
    global(data).map_err(|e| e.in_item("Global"))
}

fn global(data: &[u8]) -> Result<Global, DecodeError> {
    let mut r = Reader::new(data);
    expect_disc(&mut r, disc::GLOBAL, "Global")?;
    Ok(Global {
        initialized: r.bool("initialized")?,
        authority: r.pubkey("authority")?,
        fee_recipient: r.pubkey("fee_recipient")?,
        initial_virtual_token_reserves: TokenAmount(r.u64("initial_virtual_token_reserves")?),
        initial_virtual_sol_reserves: Lamports(r.u64("initial_virtual_sol_reserves")?),
        initial_real_token_reserves: TokenAmount(r.u64("initial_real_token_reserves")?),
        token_total_supply: TokenAmount(r.u64("token_total_supply")?),
        fee_basis_points: r.u64("fee_basis_points")?,
        withdraw_authority: r.opt(|r| r.pubkey("withdraw_authority"))?,
        enable_migrate: r.opt(|r| r.bool("enable_migrate"))?,
        pool_migration_fee: r.opt(|r| r.u64("pool_migration_fee").map(Lamports))?,
        creator_fee_basis_points: r.opt(|r| r.u64("creator_fee_basis_points"))?,
        fee_recipients: r.opt(|r| pubkeys(r, "fee_recipients"))?,
        set_creator_authority: r.opt(|r| r.pubkey("set_creator_authority"))?,
        admin_set_creator_authority: r.opt(|r| r.pubkey("admin_set_creator_authority"))?,
        create_v2_enabled: r.opt(|r| r.bool("create_v2_enabled"))?,
        whitelist_pda: r.opt(|r| r.pubkey("whitelist_pda"))?,
        reserved_fee_recipient: r.opt(|r| r.pubkey("reserved_fee_recipient"))?,
        mayhem_mode_enabled: r.opt(|r| r.bool("mayhem_mode_enabled"))?,
        reserved_fee_recipients: r.opt(|r| pubkeys(r, "reserved_fee_recipients"))?,
        is_cashback_enabled: r.opt(|r| r.bool("is_cashback_enabled"))?,
        buyback_fee_recipients: r.opt(|r| pubkeys(r, "buyback_fee_recipients"))?,
        buyback_basis_points: r.opt(|r| r.u64("buyback_basis_points"))?,
        initial_virtual_quote_reserves: r.opt(|r| r.u64("initial_virtual_quote_reserves"))?,
        whitelisted_quote_mints: r.opt(|r| pubkeys(r, "whitelisted_quote_mints"))?,
        data_len: data.len(),
    })
}
