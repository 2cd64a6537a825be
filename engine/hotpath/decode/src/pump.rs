//! pump.fun events (idl/pump.json). Each struct lists the IDL's fields in order; fields newer
//! than the oldest layout seen on mainnet are `Option`s (docs/protocol.md §1.2 gives the dates).

use kestrel_pump::discriminator::event as disc;
use kestrel_units::{Lamports, TokenAmount};
use serde::Serialize;
use solana_pubkey::Pubkey;

use crate::DecodeError;
use crate::borsh::Reader;
use crate::json;

/// A new coin (instructions `create` and `create_v2`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateEvent<'a> {
    pub name: &'a str,
    pub symbol: &'a str,
    pub uri: &'a str,
    #[serde(serialize_with = "json::pubkey")]
    pub mint: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub bonding_curve: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub user: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub creator: Pubkey,
    pub timestamp: i64,
    // 2025-05
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_token_reserves: Option<TokenAmount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_sol_reserves: Option<Lamports>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_token_reserves: Option<TokenAmount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_total_supply: Option<TokenAmount>,
    // 2025-11
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub token_program: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mayhem_mode: Option<bool>,
    // 2026-02
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_cashback_enabled: Option<bool>,
    // 2026-05
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_mint: Option<Pubkey>,
    /// In the quote mint's base units (lamports for SOL-paired coins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_quote_reserves: Option<u64>,
    /// Bytes after the last field we know: a layout newer than ours.
    #[serde(skip)]
    pub trailing_bytes: usize,
}

/// One pump.fun holder's share of the creator fee (TradeEvent, 2026-05).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Shareholder {
    #[serde(serialize_with = "json::pubkey")]
    pub address: Pubkey,
    pub share_bps: u16,
}

const SHAREHOLDER_SIZE: usize = 34;

/// A borrowed `Vec<Shareholder>`: decoded lazily, element by element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shareholders<'a>(&'a [u8]);

impl<'a> Shareholders<'a> {
    pub fn len(&self) -> usize {
        self.0.len() / SHAREHOLDER_SIZE
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Shareholder> + 'a {
        self.0.chunks_exact(SHAREHOLDER_SIZE).map(|chunk| {
            let mut address = [0u8; 32];
            let mut bps = [0u8; 2];
            let (a, b) = chunk.split_at(32);
            address.copy_from_slice(a);
            bps.copy_from_slice(b);
            Shareholder {
                address: Pubkey::new_from_array(address),
                share_bps: u16::from_le_bytes(bps),
            }
        })
    }
}

impl Serialize for Shareholders<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A buy or a sell on the curve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TradeEvent<'a> {
    #[serde(serialize_with = "json::pubkey")]
    pub mint: Pubkey,
    pub sol_amount: Lamports,
    pub token_amount: TokenAmount,
    pub is_buy: bool,
    #[serde(serialize_with = "json::pubkey")]
    pub user: Pubkey,
    pub timestamp: i64,
    pub virtual_sol_reserves: Lamports,
    pub virtual_token_reserves: TokenAmount,
    pub real_sol_reserves: Lamports,
    pub real_token_reserves: TokenAmount,
    // 2025-05
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee_recipient: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_basis_points: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<Lamports>,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub creator: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_fee_basis_points: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_fee: Option<Lamports>,
    // 2025-08
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_volume: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_unclaimed_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_claimed_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_sol_volume: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_timestamp: Option<i64>,
    // 2025-10
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ix_name: Option<&'a str>,
    // 2026-01
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mayhem_mode: Option<bool>,
    // 2026-02
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cashback_fee_basis_points: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cashback: Option<Lamports>,
    // 2026-05
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyback_fee_basis_points: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyback_fee: Option<Lamports>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shareholders: Option<Shareholders<'a>>,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_mint: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_amount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_quote_reserves: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_quote_reserves: Option<u64>,
    #[serde(skip)]
    pub trailing_bytes: usize,
}

/// The curve sold its last token (graduation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompleteEvent {
    #[serde(serialize_with = "json::pubkey")]
    pub user: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub mint: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub bonding_curve: Pubkey,
    pub timestamp: i64,
    // 2026-05
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_mint: Option<Pubkey>,
    #[serde(skip)]
    pub trailing_bytes: usize,
}

/// `migrate` moved a completed curve's liquidity into a PumpSwap pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompletePumpAmmMigrationEvent {
    #[serde(serialize_with = "json::pubkey")]
    pub user: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub mint: Pubkey,
    pub mint_amount: TokenAmount,
    pub sol_amount: Lamports,
    pub pool_migration_fee: Lamports,
    #[serde(serialize_with = "json::pubkey")]
    pub bonding_curve: Pubkey,
    pub timestamp: i64,
    #[serde(serialize_with = "json::pubkey")]
    pub pool: Pubkey,
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_mint: Option<Pubkey>,
    #[serde(skip)]
    pub trailing_bytes: usize,
}

/// The pump.fun events Kestrel acts on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum PumpEvent<'a> {
    #[serde(rename = "CreateEvent")]
    Create(CreateEvent<'a>),
    #[serde(rename = "TradeEvent")]
    Trade(TradeEvent<'a>),
    #[serde(rename = "CompleteEvent")]
    Complete(CompleteEvent),
    #[serde(rename = "CompletePumpAmmMigrationEvent")]
    CompletePumpAmmMigration(CompletePumpAmmMigrationEvent),
}

impl PumpEvent<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => "CreateEvent",
            Self::Trade(_) => "TradeEvent",
            Self::Complete(_) => "CompleteEvent",
            Self::CompletePumpAmmMigration(_) => "CompletePumpAmmMigrationEvent",
        }
    }
}

fn discriminator(r: &mut Reader<'_>) -> Result<[u8; 8], DecodeError> {
    r.array::<8>("event discriminator")
}

/// Decodes one event from `disc ‖ borsh payload` (a `Program data:` payload). `Ok(None)` for the
/// program's other events, which Kestrel does not act on.
pub fn decode_event(data: &[u8]) -> Result<Option<PumpEvent<'_>>, DecodeError> {
    let mut r = Reader::new(data);
    let event = match discriminator(&mut r)? {
        disc::CREATE => {
            PumpEvent::Create(create_body(&mut r).map_err(|e| e.in_item("CreateEvent"))?)
        }
        disc::TRADE => PumpEvent::Trade(trade_body(&mut r).map_err(|e| e.in_item("TradeEvent"))?),
        disc::COMPLETE => {
            PumpEvent::Complete(complete_body(&mut r).map_err(|e| e.in_item("CompleteEvent"))?)
        }
        disc::COMPLETE_PUMP_AMM_MIGRATION => PumpEvent::CompletePumpAmmMigration(
            migration_body(&mut r).map_err(|e| e.in_item("CompletePumpAmmMigrationEvent"))?,
        ),
        _ => return Ok(None),
    };
    Ok(Some(event))
}

fn create_body<'a>(r: &mut Reader<'a>) -> Result<CreateEvent<'a>, DecodeError> {
    Ok(CreateEvent {
        name: r.str("name")?,
        symbol: r.str("symbol")?,
        uri: r.str("uri")?,
        mint: r.pubkey("mint")?,
        bonding_curve: r.pubkey("bonding_curve")?,
        user: r.pubkey("user")?,
        creator: r.pubkey("creator")?,
        timestamp: r.i64("timestamp")?,
        virtual_token_reserves: r.opt(|r| r.u64("virtual_token_reserves").map(TokenAmount))?,
        virtual_sol_reserves: r.opt(|r| r.u64("virtual_sol_reserves").map(Lamports))?,
        real_token_reserves: r.opt(|r| r.u64("real_token_reserves").map(TokenAmount))?,
        token_total_supply: r.opt(|r| r.u64("token_total_supply").map(TokenAmount))?,
        token_program: r.opt(|r| r.pubkey("token_program"))?,
        is_mayhem_mode: r.opt(|r| r.bool("is_mayhem_mode"))?,
        is_cashback_enabled: r.opt(|r| r.bool("is_cashback_enabled"))?,
        quote_mint: r.opt(|r| r.pubkey("quote_mint"))?,
        virtual_quote_reserves: r.opt(|r| r.u64("virtual_quote_reserves"))?,
        trailing_bytes: r.remaining(),
    })
}

fn trade_body<'a>(r: &mut Reader<'a>) -> Result<TradeEvent<'a>, DecodeError> {
    Ok(TradeEvent {
        mint: r.pubkey("mint")?,
        sol_amount: Lamports(r.u64("sol_amount")?),
        token_amount: TokenAmount(r.u64("token_amount")?),
        is_buy: r.bool("is_buy")?,
        user: r.pubkey("user")?,
        timestamp: r.i64("timestamp")?,
        virtual_sol_reserves: Lamports(r.u64("virtual_sol_reserves")?),
        virtual_token_reserves: TokenAmount(r.u64("virtual_token_reserves")?),
        real_sol_reserves: Lamports(r.u64("real_sol_reserves")?),
        real_token_reserves: TokenAmount(r.u64("real_token_reserves")?),
        fee_recipient: r.opt(|r| r.pubkey("fee_recipient"))?,
        fee_basis_points: r.opt(|r| r.u64("fee_basis_points"))?,
        fee: r.opt(|r| r.u64("fee").map(Lamports))?,
        creator: r.opt(|r| r.pubkey("creator"))?,
        creator_fee_basis_points: r.opt(|r| r.u64("creator_fee_basis_points"))?,
        creator_fee: r.opt(|r| r.u64("creator_fee").map(Lamports))?,
        track_volume: r.opt(|r| r.bool("track_volume"))?,
        total_unclaimed_tokens: r.opt(|r| r.u64("total_unclaimed_tokens"))?,
        total_claimed_tokens: r.opt(|r| r.u64("total_claimed_tokens"))?,
        current_sol_volume: r.opt(|r| r.u64("current_sol_volume"))?,
        last_update_timestamp: r.opt(|r| r.i64("last_update_timestamp"))?,
        ix_name: r.opt(|r| r.str("ix_name"))?,
        mayhem_mode: r.opt(|r| r.bool("mayhem_mode"))?,
        cashback_fee_basis_points: r.opt(|r| r.u64("cashback_fee_basis_points"))?,
        cashback: r.opt(|r| r.u64("cashback").map(Lamports))?,
        buyback_fee_basis_points: r.opt(|r| r.u64("buyback_fee_basis_points"))?,
        buyback_fee: r.opt(|r| r.u64("buyback_fee").map(Lamports))?,
        shareholders: r.opt(|r| {
            r.vec_bytes(SHAREHOLDER_SIZE, "shareholders")
                .map(Shareholders)
        })?,
        quote_mint: r.opt(|r| r.pubkey("quote_mint"))?,
        quote_amount: r.opt(|r| r.u64("quote_amount"))?,
        virtual_quote_reserves: r.opt(|r| r.u64("virtual_quote_reserves"))?,
        real_quote_reserves: r.opt(|r| r.u64("real_quote_reserves"))?,
        trailing_bytes: r.remaining(),
    })
}

fn complete_body(r: &mut Reader<'_>) -> Result<CompleteEvent, DecodeError> {
    Ok(CompleteEvent {
        user: r.pubkey("user")?,
        mint: r.pubkey("mint")?,
        bonding_curve: r.pubkey("bonding_curve")?,
        timestamp: r.i64("timestamp")?,
        quote_mint: r.opt(|r| r.pubkey("quote_mint"))?,
        trailing_bytes: r.remaining(),
    })
}

fn migration_body(r: &mut Reader<'_>) -> Result<CompletePumpAmmMigrationEvent, DecodeError> {
    Ok(CompletePumpAmmMigrationEvent {
        user: r.pubkey("user")?,
        mint: r.pubkey("mint")?,
        mint_amount: TokenAmount(r.u64("mint_amount")?),
        sol_amount: Lamports(r.u64("sol_amount")?),
        pool_migration_fee: Lamports(r.u64("pool_migration_fee")?),
        bonding_curve: r.pubkey("bonding_curve")?,
        timestamp: r.i64("timestamp")?,
        pool: r.pubkey("pool")?,
        quote_mint: r.opt(|r| r.pubkey("quote_mint"))?,
        trailing_bytes: r.remaining(),
    })
}
