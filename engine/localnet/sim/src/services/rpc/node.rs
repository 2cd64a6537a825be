//! The node's own methods: health, version, identity, counts, and the faucet.

use std::sync::Arc;

use serde_json::{Value, json};
use solana_hash::Hash;

use crate::cluster::Cluster;
use crate::services::rpc::context::VERSION;
use crate::services::rpc::error::RpcError;
use crate::services::rpc::params::{param, pubkey, str_param};

const FEATURE_SET: u32 = 3_294_202_862;

/// `getHealth`.
pub(super) fn get_health(_cluster: &Arc<Cluster>, _params: &[Value]) -> Result<Value, RpcError> {
    Ok(json!("ok"))
}

/// `getVersion`.
pub(super) fn get_version(_cluster: &Arc<Cluster>, _params: &[Value]) -> Result<Value, RpcError> {
    Ok(json!({ "solana-core": VERSION, "feature-set": FEATURE_SET }))
}

/// `getTransactionCount`.
pub(super) fn get_transaction_count(
    cluster: &Arc<Cluster>,
    _params: &[Value],
) -> Result<Value, RpcError> {
    Ok(json!(cluster.bank().transaction_count))
}

/// `getGenesisHash`.
pub(super) fn get_genesis_hash(
    _cluster: &Arc<Cluster>,
    _params: &[Value],
) -> Result<Value, RpcError> {
    Ok(json!(Hash::new_from_array([7; 32]).to_string()))
}

/// `getIdentity`.
pub(super) fn get_identity(_cluster: &Arc<Cluster>, _params: &[Value]) -> Result<Value, RpcError> {
    Ok(json!({ "identity": crate::ledger::genesis::derived_key("identity", 0).to_string() }))
}

/// `requestAirdrop`.
pub(super) fn request_airdrop(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
    let key = pubkey(str_param(params, 0, "pubkey")?)?;
    let lamports = param(params, 1, "lamports")?
        .as_u64()
        .ok_or_else(|| RpcError::invalid_params("lamports must be an integer"))?;
    // The cluster's extension: `{"mint": <USDC>}` in the config airdrops that many USDC base
    // units to the wallet's USDC account instead (a real node ignores the key).
    let mint = params
        .get(2)
        .and_then(|c| c.get("mint"))
        .and_then(Value::as_str);
    let landed = match mint {
        None => cluster.airdrop(&key, lamports),
        Some(m) if m == kestrel_pump::ids::USDC_MINT.to_string() => {
            cluster.airdrop_usdc(&key, lamports)
        }
        Some(m) => {
            return Err(RpcError::invalid_params(format!(
                "the faucet airdrops SOL or USDC, not {m}"
            )));
        }
    };
    landed.map(|s| json!(s.to_string())).map_err(|e| RpcError {
        code: -32600,
        message: e,
        data: None,
    })
}
