//! A Jupiter-compatible router over the cluster's own pools (docs/protocol.md §3): `GET
//! /swap/v1/quote` and `POST /swap/v1/swap-instructions` with the real request and reply
//! shapes, so the engine's Jupiter client runs unchanged against it. Routes are direct: one
//! PumpSwap pool between SOL and a coin. ExactIn only (as Jupiter's v2 API). Errors come back
//! as Jupiter's `{"error", "errorCode"}` with HTTP 400.

use std::collections::HashMap;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kestrel_pump::amm;
use kestrel_pump::ids::{SYSTEM_PROGRAM, TOKEN_PROGRAM, WSOL_MINT};
use kestrel_pump::instruction::{
    ata_create_idempotent, set_compute_unit_limit, set_compute_unit_price,
};
use kestrel_pump::pda::associated_token_address;
use serde_json::{Value, json};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::cluster::Cluster;
use crate::ledger::pools::PoolInfo;

/// The label Jupiter gives PumpSwap routes.
pub const LABEL: &str = "Pump.fun Amm";
/// The compute-unit limit the router reports for a direct PumpSwap swap.
pub const SWAP_CU_LIMIT: u32 = 160_000;

/// An error reply: HTTP status and Jupiter's error object.
pub type Refusal = (u16, Value);

fn refuse(code: &str, message: impl Into<String>) -> Refusal {
    (400, json!({ "error": message.into(), "errorCode": code }))
}

fn key(q: &HashMap<String, String>, name: &str) -> Result<Pubkey, Refusal> {
    let v = q
        .get(name)
        .ok_or_else(|| refuse("INVALID_REQUEST", format!("{name} is required")))?;
    Pubkey::from_str(v).map_err(|_| {
        refuse(
            "INVALID_REQUEST",
            format!("{name}: `{v}` is not a public key"),
        )
    })
}

/// The pool for a pair, and whether the swap sells the coin (coin → SOL).
fn route(cluster: &Cluster, input: &Pubkey, output: &Pubkey) -> Result<(PoolInfo, bool), Refusal> {
    let bank = cluster.bank();
    let found = if *input == WSOL_MINT {
        bank.pools.get(output).map(|p| (*p, false))
    } else if *output == WSOL_MINT {
        bank.pools.get(input).map(|p| (*p, true))
    } else {
        None
    };
    found.ok_or_else(|| refuse("COULD_NOT_FIND_ANY_ROUTE", "Could not find any route"))
}

fn vault(cluster: &Cluster, k: &Pubkey) -> u64 {
    cluster
        .bank()
        .account(k)
        .and_then(|a| crate::ledger::programs::token::TokenAccount::unpack(&a.data))
        .map_or(0, |t| t.amount)
}

/// A fraction `num/den` as a decimal string with six places (Jupiter's `priceImpactPct`).
fn fraction(num: u128, den: u128) -> String {
    if den == 0 {
        return "0".into();
    }
    let ppm = num * 1_000_000 / den;
    format!("{}.{:06}", ppm / 1_000_000, ppm % 1_000_000)
}

pub fn quote(cluster: &Cluster, q: &HashMap<String, String>) -> Result<Value, Refusal> {
    let input = key(q, "inputMint")?;
    let output = key(q, "outputMint")?;
    if input == output {
        return Err(refuse(
            "CIRCULAR_ARBITRAGE_IS_DISABLED",
            "inputMint and outputMint are the same",
        ));
    }
    let amount: u64 = q
        .get("amount")
        .ok_or_else(|| refuse("INVALID_REQUEST", "amount is required"))?
        .parse()
        .map_err(|_| refuse("INVALID_REQUEST", "amount must be an integer in base units"))?;
    if amount == 0 {
        return Err(refuse(
            "INVALID_REQUEST",
            "amount must be greater than zero",
        ));
    }
    let slippage_bps: u16 = match q.get("slippageBps") {
        None => 50,
        Some(s) => s
            .parse()
            .ok()
            .filter(|b| *b <= 10_000)
            .ok_or_else(|| refuse("INVALID_REQUEST", "slippageBps must be 0..=10000"))?,
    };
    if q.get("swapMode").is_some_and(|m| m != "ExactIn") {
        return Err(refuse(
            "NOT_SUPPORTED",
            "only ExactIn swaps are routed here",
        ));
    }
    let (pool, sells) = route(cluster, &input, &output)?;
    let fees = crate::ledger::pools::global_config().fees;
    let base = vault(cluster, &pool.pool.pool_base_token_account);
    // Vault plus the pool's virtual quote, as the program prices (docs/protocol.md §1.7).
    let quote_reserve = pool
        .pool
        .quote_reserve(vault(cluster, &pool.pool.pool_quote_token_account));
    let (out, fee, impact) = if sells {
        let leg = amm::sell_quote(amount, base, quote_reserve, fees)
            .ok_or_else(|| refuse("COULD_NOT_FIND_ANY_ROUTE", "pool cannot take this amount"))?;
        (
            leg.curve - leg.fees(),
            leg.fees(),
            fraction(u128::from(amount), u128::from(base) + u128::from(amount)),
        )
    } else {
        let (tokens, leg) = amm::buy_base(amount, base, quote_reserve, fees)
            .ok_or_else(|| refuse("COULD_NOT_FIND_ANY_ROUTE", "pool cannot fill this amount"))?;
        (
            tokens,
            leg.fees(),
            fraction(
                u128::from(leg.curve),
                u128::from(quote_reserve) + u128::from(leg.curve),
            ),
        )
    };
    let threshold = (u128::from(out) * u128::from(10_000 - slippage_bps) / 10_000) as u64;
    let slot = cluster.bank().slot();
    Ok(json!({
        "inputMint": input.to_string(),
        "inAmount": amount.to_string(),
        "outputMint": output.to_string(),
        "outAmount": out.to_string(),
        "otherAmountThreshold": threshold.to_string(),
        "swapMode": "ExactIn",
        "slippageBps": slippage_bps,
        "platformFee": null,
        "priceImpactPct": impact,
        "routePlan": [{
            "swapInfo": {
                "ammKey": pool.key.to_string(),
                "label": LABEL,
                "inputMint": input.to_string(),
                "outputMint": output.to_string(),
                "inAmount": amount.to_string(),
                "outAmount": out.to_string(),
                "feeAmount": fee.to_string(),
                "feeMint": WSOL_MINT.to_string(),
            },
            "percent": 100,
            "bps": 10_000,
        }],
        "contextSlot": slot,
        "timeTaken": 0.0004,
    }))
}

fn ix_json(ix: &Instruction) -> Value {
    json!({
        "programId": ix.program_id.to_string(),
        "accounts": ix.accounts.iter().map(|a| json!({
            "pubkey": a.pubkey.to_string(),
            "isSigner": a.is_signer,
            "isWritable": a.is_writable,
        })).collect::<Vec<_>>(),
        "data": STANDARD.encode(&ix.data),
    })
}

fn system_transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&lamports.to_le_bytes());
    Instruction {
        program_id: SYSTEM_PROGRAM,
        accounts: vec![AccountMeta::new(*from, true), AccountMeta::new(*to, false)],
        data,
    }
}

/// SPL Token `SyncNative` (17).
fn sync_native(account: &Pubkey) -> Instruction {
    Instruction {
        program_id: TOKEN_PROGRAM,
        accounts: vec![AccountMeta::new(*account, false)],
        data: vec![17],
    }
}

/// SPL Token `CloseAccount` (9): the rent and any wrapped SOL go back to `owner`.
fn close_account(account: &Pubkey, owner: &Pubkey) -> Instruction {
    Instruction {
        program_id: TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(*account, false),
            AccountMeta::new(*owner, false),
            AccountMeta::new_readonly(*owner, true),
        ],
        data: vec![9],
    }
}

pub fn swap_instructions(cluster: &Cluster, body: &[u8]) -> Result<Value, Refusal> {
    let req: Value = serde_json::from_slice(body)
        .map_err(|e| refuse("INVALID_REQUEST", format!("body is not JSON: {e}")))?;
    let user = req
        .get("userPublicKey")
        .and_then(Value::as_str)
        .and_then(|s| Pubkey::from_str(s).ok())
        .ok_or_else(|| refuse("INVALID_REQUEST", "userPublicKey is required"))?;
    let quote = req
        .get("quoteResponse")
        .filter(|q| q.is_object())
        .ok_or_else(|| refuse("INVALID_REQUEST", "quoteResponse is required"))?;
    let field = |name: &str| -> Result<String, Refusal> {
        quote
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                refuse(
                    "INVALID_REQUEST",
                    format!("quoteResponse.{name} is missing"),
                )
            })
    };
    let input = Pubkey::from_str(&field("inputMint")?)
        .map_err(|_| refuse("INVALID_REQUEST", "quoteResponse.inputMint"))?;
    let output = Pubkey::from_str(&field("outputMint")?)
        .map_err(|_| refuse("INVALID_REQUEST", "quoteResponse.outputMint"))?;
    let amount: u64 = field("inAmount")?
        .parse()
        .map_err(|_| refuse("INVALID_REQUEST", "quoteResponse.inAmount"))?;
    let threshold: u64 = field("otherAmountThreshold")?
        .parse()
        .map_err(|_| refuse("INVALID_REQUEST", "quoteResponse.otherAmountThreshold"))?;
    let wrap = req
        .get("wrapAndUnwrapSol")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let price = req
        .get("computeUnitPriceMicroLamports")
        .and_then(Value::as_u64);
    let (pool, sells) = route(cluster, &input, &output)?;
    let accounts = pool.accounts(user);
    let wsol_ata = associated_token_address(&user, &TOKEN_PROGRAM, &WSOL_MINT);

    let mut setup = vec![
        ata_create_idempotent(
            &user,
            &accounts.user_base_token_account,
            &user,
            &pool.pool.base_mint,
            &pool.base_token_program,
        ),
        ata_create_idempotent(&user, &wsol_ata, &user, &WSOL_MINT, &TOKEN_PROGRAM),
    ];
    let swap = if sells {
        amm::sell(&accounts, amount, threshold)
    } else {
        if wrap {
            setup.push(system_transfer(&user, &wsol_ata, amount));
            setup.push(sync_native(&wsol_ata));
        }
        amm::buy_exact_quote_in(&accounts, amount, threshold)
    };
    let cleanup = wrap.then(|| close_account(&wsol_ata, &user));
    let mut budget = vec![set_compute_unit_limit(SWAP_CU_LIMIT)];
    if let Some(p) = price {
        budget.push(set_compute_unit_price(p));
    }
    let priority = price.map_or(0, |p| {
        (u128::from(p) * u128::from(SWAP_CU_LIMIT)).div_ceil(1_000_000) as u64
    });
    Ok(json!({
        "tokenLedgerInstruction": null,
        "computeBudgetInstructions": budget.iter().map(ix_json).collect::<Vec<_>>(),
        "setupInstructions": setup.iter().map(ix_json).collect::<Vec<_>>(),
        "swapInstruction": ix_json(&swap),
        "cleanupInstruction": cleanup.as_ref().map(ix_json),
        "otherInstructions": [],
        "addressLookupTableAddresses": [pool.table.to_string()],
        "prioritizationFeeLamports": priority,
        "computeUnitLimit": SWAP_CU_LIMIT,
        "prioritizationType": { "computeBudget": { "microLamports": price.unwrap_or(0), "estimatedMicroLamports": price.unwrap_or(0) } },
        "simulationSlot": null,
        "dynamicSlippageReport": null,
        "simulationError": null,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_print_six_places() {
        assert_eq!(fraction(1, 4), "0.250000");
        assert_eq!(fraction(1, 3), "0.333333");
        assert_eq!(fraction(0, 3), "0.000000");
        assert_eq!(fraction(1, 0), "0");
    }
}
