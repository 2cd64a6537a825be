//! JSON-RPC 2.0 over HTTP: the methods a trader's client calls, with mainnet's result shapes
//! and error codes. This file reads the request envelope and finds the method in [`METHODS`];
//! each method is one handler, in a file per family (node, slots, accounts, tokens,
//! transactions), over the shared [`params`], [`context`] and [`error`].

mod accounts;
pub mod context;
pub mod error;
mod node;
pub mod params;
mod slots;
mod tokens;
mod transactions;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::services::rpc::error::RpcError;

/// One request object → one response object (`None` for a notification without id).
pub fn handle_request(cluster: &Arc<Cluster>, req: &Value) -> Option<Value> {
    let Some(obj) = req.as_object() else {
        return Some(response(Value::Null, Err(RpcError::invalid_request())));
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    let valid_id = matches!(id, Value::Null | Value::Number(_) | Value::String(_));
    let method = obj.get("method").and_then(Value::as_str);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") || method.is_none() || !valid_id {
        return Some(response(
            if valid_id { id } else { Value::Null },
            Err(RpcError::invalid_request()),
        ));
    }
    let params = obj.get("params").cloned().unwrap_or(Value::Null);
    let params = match params {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        _ => {
            return Some(response(
                id,
                Err(RpcError::invalid_params("`params` should be an array")),
            ));
        }
    };
    let result = call(cluster, method.unwrap_or_default(), &params);
    Some(response(id, result))
}

fn response(id: Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(v) => json!({ "jsonrpc": "2.0", "result": v, "id": id }),
        Err(e) => json!({ "jsonrpc": "2.0", "error": e.to_json(), "id": id }),
    }
}

/// One method: the positional parameters in, the `result` or the error out.
type Handler = fn(&Arc<Cluster>, &[Value]) -> Result<Value, RpcError>;

/// Every method the cluster answers, by its JSON-RPC name.
const METHODS: &[(&str, Handler)] = &[
    ("getHealth", node::get_health),
    ("getVersion", node::get_version),
    ("getTransactionCount", node::get_transaction_count),
    ("getGenesisHash", node::get_genesis_hash),
    ("getIdentity", node::get_identity),
    ("getSlot", slots::get_slot),
    ("getBlockHeight", slots::get_block_height),
    ("getEpochInfo", slots::get_epoch_info),
    ("getLatestBlockhash", slots::get_latest_blockhash),
    ("isBlockhashValid", slots::is_blockhash_valid),
    ("getBalance", accounts::get_balance),
    ("getAccountInfo", accounts::get_account_info),
    ("getMultipleAccounts", accounts::get_multiple_accounts),
    (
        "getMinimumBalanceForRentExemption",
        accounts::get_minimum_balance_for_rent_exemption,
    ),
    ("getTokenAccountBalance", tokens::get_token_account_balance),
    (
        "getTokenAccountsByOwner",
        tokens::get_token_accounts_by_owner,
    ),
    ("getSignatureStatuses", transactions::get_signature_statuses),
    ("getTransaction", transactions::get_transaction),
    (
        "getRecentPrioritizationFees",
        slots::get_recent_prioritization_fees,
    ),
    ("requestAirdrop", node::request_airdrop),
    ("sendTransaction", transactions::send_transaction),
    ("simulateTransaction", transactions::simulate_transaction),
];

fn call(cluster: &Arc<Cluster>, method: &str, params: &[Value]) -> Result<Value, RpcError> {
    match METHODS.iter().find(|(name, _)| *name == method) {
        Some((_, handler)) => handler(cluster, params),
        None => Err(RpcError::method_not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::Faults;

    /// Every method with hostile parameters answers with a result or a JSON-RPC error.
    #[test]
    fn hostile_params_never_panic() {
        let cluster = Cluster::new(1, 400, 0, Faults::none());
        let methods = [
            "getHealth",
            "getVersion",
            "getSlot",
            "getBlockHeight",
            "getEpochInfo",
            "getLatestBlockhash",
            "isBlockhashValid",
            "getBalance",
            "getAccountInfo",
            "getMultipleAccounts",
            "getMinimumBalanceForRentExemption",
            "getTokenAccountBalance",
            "getTokenAccountsByOwner",
            "getSignatureStatuses",
            "getTransaction",
            "getRecentPrioritizationFees",
            "requestAirdrop",
            "sendTransaction",
            "simulateTransaction",
            "getTransactionCount",
        ];
        let key = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P";
        let hostile = [
            json!([]),
            json!([null]),
            json!([1, 2, 3]),
            json!(["x"]),
            json!([key]),
            json!([key, "base64"]),
            json!([key, { "encoding": "nonsense", "commitment": "maybe" }]),
            json!([key, { "mint": "bad" }]),
            json!([key, { "programId": key }]),
            json!([vec![key; 300]]),
            json!([u64::MAX]),
            json!([-1]),
            json!(["AAAA", { "encoding": "base64", "skipPreflight": true }]),
            json!([std::iter::repeat_n('A', 5000).collect::<String>(), { "encoding": "base64" }]),
            json!([key, { "dataSlice": { "offset": u64::MAX, "length": u64::MAX } }]),
            json!([key, u64::MAX]),
            json!([{ "deeply": { "nested": [[[[]]]] } }]),
        ];
        for m in methods {
            for p in &hostile {
                let req = json!({ "jsonrpc": "2.0", "id": 1, "method": m, "params": p });
                let out = handle_request(&cluster, &req).expect("a response");
                assert!(
                    out.get("result").is_some() ^ out.get("error").is_some(),
                    "{m} {p}: {out}"
                );
            }
        }
        for bad in [
            json!(1),
            json!("x"),
            json!({ "jsonrpc": "1.0", "method": "getSlot", "id": 1 }),
            json!({ "jsonrpc": "2.0", "method": 5, "id": 1 }),
            json!({ "jsonrpc": "2.0", "method": "getSlot", "id": [1] }),
            json!({ "jsonrpc": "2.0", "method": "getSlot", "id": 1, "params": 7 }),
        ] {
            let out = handle_request(&cluster, &bad).expect("a response");
            assert!(
                out["error"]["code"]
                    .as_i64()
                    .is_some_and(|c| c == -32600 || c == -32602),
                "{bad}: {out}"
            );
        }
    }

    #[test]
    fn each_method_has_one_handler() {
        for (i, (name, _)) in METHODS.iter().enumerate() {
            assert!(
                METHODS[i + 1..].iter().all(|(other, _)| other != name),
                "{name} twice"
            );
        }
    }
}
