//! PumpSwap (pump_amm) events: a new pool (idl/pump_amm.json).

use kestrel_pump::discriminator::event as disc;
use serde::Serialize;
use solana_pubkey::Pubkey;

use crate::DecodeError;
use crate::borsh::Reader;
use crate::json;

/// A PumpSwap pool was created: by `migrate` for a graduated pump.fun coin, or by anyone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatePoolEvent {
    pub timestamp: i64,
    pub index: u16,
    #[serde(serialize_with = "json::pubkey")]
    pub creator: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub base_mint: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub quote_mint: Pubkey,
    pub base_mint_decimals: u8,
    pub quote_mint_decimals: u8,
    pub base_amount_in: u64,
    pub quote_amount_in: u64,
    pub pool_base_amount: u64,
    pub pool_quote_amount: u64,
    pub minimum_liquidity: u64,
    pub initial_liquidity: u64,
    pub lp_token_amount_out: u64,
    pub pool_bump: u8,
    #[serde(serialize_with = "json::pubkey")]
    pub pool: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub lp_mint: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub user_base_token_account: Pubkey,
    #[serde(serialize_with = "json::pubkey")]
    pub user_quote_token_account: Pubkey,
    // Appended later (creator fees in 2025, mayhem mode in 2025-11).
    #[serde(
        serialize_with = "json::opt_pubkey",
        skip_serializing_if = "Option::is_none"
    )]
    pub coin_creator: Option<Pubkey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mayhem_mode: Option<bool>,
    #[serde(skip)]
    pub trailing_bytes: usize,
}

/// PumpSwap events Kestrel acts on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum PumpAmmEvent {
    #[serde(rename = "CreatePoolEvent")]
    CreatePool(CreatePoolEvent),
}

/// Decodes one PumpSwap `Program data:` payload; `Ok(None)` for events Kestrel ignores
/// (PumpSwap's BuyEvent, SellEvent, …).
pub fn decode_event(data: &[u8]) -> Result<Option<PumpAmmEvent>, DecodeError> {
    let mut r = Reader::new(data);
    if r.array::<8>("event discriminator")? != disc::PUMP_AMM_CREATE_POOL {
        return Ok(None);
    }
    create_pool_body(&mut r)
        .map(|e| Some(PumpAmmEvent::CreatePool(e)))
        .map_err(|e| e.in_item("CreatePoolEvent"))
}

fn create_pool_body(r: &mut Reader<'_>) -> Result<CreatePoolEvent, DecodeError> {
    Ok(CreatePoolEvent {
        timestamp: r.i64("timestamp")?,
        index: r.u16("index")?,
        creator: r.pubkey("creator")?,
        base_mint: r.pubkey("base_mint")?,
        quote_mint: r.pubkey("quote_mint")?,
        base_mint_decimals: r.u8("base_mint_decimals")?,
        quote_mint_decimals: r.u8("quote_mint_decimals")?,
        base_amount_in: r.u64("base_amount_in")?,
        quote_amount_in: r.u64("quote_amount_in")?,
        pool_base_amount: r.u64("pool_base_amount")?,
        pool_quote_amount: r.u64("pool_quote_amount")?,
        minimum_liquidity: r.u64("minimum_liquidity")?,
        initial_liquidity: r.u64("initial_liquidity")?,
        lp_token_amount_out: r.u64("lp_token_amount_out")?,
        pool_bump: r.u8("pool_bump")?,
        pool: r.pubkey("pool")?,
        lp_mint: r.pubkey("lp_mint")?,
        user_base_token_account: r.pubkey("user_base_token_account")?,
        user_quote_token_account: r.pubkey("user_quote_token_account")?,
        coin_creator: r.opt(|r| r.pubkey("coin_creator"))?,
        is_mayhem_mode: r.opt(|r| r.bool("is_mayhem_mode"))?,
        trailing_bytes: r.remaining(),
    })
}
