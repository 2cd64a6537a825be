//! Slots, block heights, epochs, blockhashes, and the recent priority fees per slot.

use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Value, json};
use solana_hash::Hash;

use crate::cluster::Cluster;
use crate::services::rpc::context::with_context;
use crate::services::rpc::error::RpcError;
use crate::services::rpc::params::{commitment, config, min_context_slot, pubkey, str_param};

/// `getSlot`.
pub(super) fn get_slot(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
    let c = commitment(&config(params, 0)?)?;
    Ok(json!(cluster.bank().slot_at(c)))
}

/// `getBlockHeight`.
pub(super) fn get_block_height(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let c = commitment(&config(params, 0)?)?;
    Ok(json!(cluster.bank().block_height_at(c)))
}

/// `getEpochInfo`.
pub(super) fn get_epoch_info(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
    let bank = cluster.bank();
    let c = commitment(&config(params, 0)?)?;
    let slot = bank.slot_at(c);
    Ok(
        json!({ "absoluteSlot": slot, "blockHeight": bank.block_height_at(c), "epoch": slot / 432_000, "slotIndex": slot % 432_000, "slotsInEpoch": 432_000, "transactionCount": bank.transaction_count }),
    )
}

/// `getLatestBlockhash`.
pub(super) fn get_latest_blockhash(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let cfg = config(params, 0)?;
    let c = commitment(&cfg)?;
    let bank = cluster.bank();
    let slot = bank.slot_at(c);
    min_context_slot(&cfg, slot)?;
    let (hash, last_valid) = bank.latest_blockhash(c);
    Ok(with_context(
        slot,
        json!({ "blockhash": hash.to_string(), "lastValidBlockHeight": last_valid }),
    ))
}

/// `isBlockhashValid`.
pub(super) fn is_blockhash_valid(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let text = str_param(params, 0, "blockhash")?;
    let hash = Hash::from_str(text)
        .map_err(|_| RpcError::invalid_param(format!("`{text}` is not a base58 blockhash")))?;
    let c = commitment(&config(params, 1)?)?;
    let bank = cluster.bank();
    Ok(with_context(
        bank.slot_at(c),
        json!(bank.is_blockhash_valid(&hash)),
    ))
}

/// `getRecentPrioritizationFees`.
pub(super) fn get_recent_prioritization_fees(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    // Per slot, the lowest price paid; with addresses, among transactions that wrote
    // any of them (as the RPC reports it).
    let addrs = match params.first() {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.len() <= 128 => a
            .iter()
            .map(|k| {
                k.as_str()
                    .ok_or_else(|| RpcError::invalid_params("addresses must be strings"))
                    .and_then(pubkey)
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(RpcError::invalid_params(
                "addresses must be an array of at most 128 keys",
            ));
        }
    };
    let bank = cluster.bank();
    let mut per_slot: std::collections::BTreeMap<u64, u64> = std::collections::BTreeMap::new();
    for f in bank.recent_prioritization_fees() {
        if !addrs.is_empty() && !f.writable.iter().any(|k| addrs.contains(k)) {
            continue;
        }
        let e = per_slot.entry(f.slot).or_insert(u64::MAX);
        *e = (*e).min(f.price);
    }
    Ok(Value::Array(
        per_slot
            .into_iter()
            .map(|(slot, fee)| json!({ "slot": slot, "prioritizationFee": fee }))
            .collect(),
    ))
}
