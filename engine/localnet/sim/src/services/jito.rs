//! A Jito-compatible block engine (docs/protocol.md §4) on `POST /api/v1/bundles`: `sendBundle` runs
//! the bundle at once, in order and atomically (all land, or nothing does, not even fees),
//! after checking what the block engine checks (1 to 5 signed transactions, a tip of at least
//! 1000 lamports to a tip account); `getBundleStatuses`, `getInflightBundleStatuses` and
//! `getTipAccounts` answer from what happened. The bundle id is the hex sha256 of the
//! transactions' first signatures joined by commas, as jito-solana's `derive_bundle_id`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kestrel_pump::ids::{
    JITO_MAX_BUNDLE_TXS, JITO_MIN_TIP_LAMPORTS, JITO_TIP_ACCOUNTS, SYSTEM_PROGRAM,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::bundles::Outcome;
use crate::cluster::Cluster;
use crate::ledger::bank::Commitment;
use crate::ledger::wire::{self, Parsed};
use crate::services::rpc::error::RpcError;

pub fn bundle_id(signatures: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(signatures.join(",").as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The lamports `p` tips to Jito: system transfers into a tip account.
fn tip_of(p: &Parsed) -> u64 {
    let keys = p.static_keys();
    p.tx.message
        .instructions()
        .iter()
        .filter(|ix| keys.get(usize::from(ix.program_id_index)) == Some(&SYSTEM_PROGRAM))
        .filter(|ix| ix.data.get(..4) == Some(&2u32.to_le_bytes()[..]))
        .filter(|ix| {
            ix.accounts
                .get(1)
                .and_then(|i| keys.get(usize::from(*i)))
                .is_some_and(|k| JITO_TIP_ACCOUNTS.contains(k))
        })
        .filter_map(|ix| Some(u64::from_le_bytes(ix.data.get(4..12)?.try_into().ok()?)))
        .sum()
}

fn invalid(message: impl Into<String>) -> RpcError {
    RpcError::invalid_params(message.into())
}

/// One JSON-RPC request to the bundles endpoint.
pub fn handle(cluster: &Cluster, method: &str, params: &Value) -> Result<Value, RpcError> {
    match method {
        "getTipAccounts" => Ok(json!(
            JITO_TIP_ACCOUNTS
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        )),
        "sendBundle" => send_bundle(cluster, params),
        "getBundleStatuses" => {
            let ids = ids(params)?;
            let bank = cluster.bank();
            let value: Vec<Value> = ids
                .iter()
                .map(|id| match cluster.bundles.get(id) {
                    Some(Outcome::Landed { slot, signatures }) => {
                        let level = if bank.slot_at(Commitment::Finalized) >= slot {
                            "finalized"
                        } else if bank.slot_at(Commitment::Confirmed) >= slot {
                            "confirmed"
                        } else {
                            "processed"
                        };
                        json!({ "bundle_id": id, "transactions": signatures, "slot": slot, "confirmation_status": level, "err": { "Ok": null } })
                    }
                    _ => Value::Null,
                })
                .collect();
            Ok(json!({ "context": { "slot": bank.slot() }, "value": value }))
        }
        "getInflightBundleStatuses" => {
            let ids = ids(params)?;
            let value: Vec<Value> = ids
                .iter()
                .map(|id| match cluster.bundles.get(id) {
                    Some(Outcome::Landed { slot, .. }) => {
                        json!({ "bundle_id": id, "status": "Landed", "landed_slot": slot })
                    }
                    Some(Outcome::Failed { .. }) => {
                        json!({ "bundle_id": id, "status": "Failed", "landed_slot": null })
                    }
                    None => json!({ "bundle_id": id, "status": "Invalid", "landed_slot": null }),
                })
                .collect();
            Ok(json!({ "context": { "slot": cluster.bank().slot() }, "value": value }))
        }
        _ => Err(RpcError::method_not_found()),
    }
}

fn ids(params: &Value) -> Result<Vec<String>, RpcError> {
    let list = params
        .get(0)
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("expected [[bundle ids]]"))?;
    if list.is_empty() || list.len() > JITO_MAX_BUNDLE_TXS {
        return Err(invalid(format!(
            "1 to {JITO_MAX_BUNDLE_TXS} bundle ids per request"
        )));
    }
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid("bundle ids are strings"))
        })
        .collect()
}

fn send_bundle(cluster: &Cluster, params: &Value) -> Result<Value, RpcError> {
    let list = params
        .get(0)
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("expected [[transactions], {encoding}]"))?;
    if list.is_empty() || list.len() > JITO_MAX_BUNDLE_TXS {
        return Err(invalid(format!(
            "bundle must hold 1 to {JITO_MAX_BUNDLE_TXS} transactions, not {}",
            list.len()
        )));
    }
    // The block engine's default encoding is base58.
    let base64 = match params
        .get(1)
        .and_then(|c| c.get("encoding"))
        .and_then(Value::as_str)
    {
        None | Some("base58") => false,
        Some("base64") => true,
        Some(other) => return Err(invalid(format!("unsupported encoding: {other}"))),
    };
    let mut txs = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let text = t
            .as_str()
            .ok_or_else(|| invalid(format!("transaction {i} is not a string")))?;
        let raw = if base64 {
            STANDARD
                .decode(text)
                .map_err(|e| invalid(format!("transaction {i}: invalid base64: {e}")))?
        } else {
            bs58::decode(text)
                .into_vec()
                .map_err(|e| invalid(format!("transaction {i}: invalid base58: {e}")))?
        };
        let p = wire::parse(raw).map_err(|e| invalid(format!("transaction {i}: {e}")))?;
        if !wire::verify(&p) {
            return Err(invalid(format!(
                "transaction {i}: signature verification failed"
            )));
        }
        txs.push(p);
    }
    let tip: u64 = txs.iter().map(tip_of).sum();
    if tip < JITO_MIN_TIP_LAMPORTS {
        return Err(invalid(format!(
            "bundle must tip at least {JITO_MIN_TIP_LAMPORTS} lamports to a tip account (tips {tip})"
        )));
    }
    let signatures: Vec<String> = txs.iter().map(|p| p.signature().to_string()).collect();
    if signatures
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len()
        != signatures.len()
    {
        return Err(invalid("bundle holds the same transaction twice"));
    }
    let id = bundle_id(&signatures);
    cluster
        .stats
        .transactions_received
        .fetch_add(txs.len() as u64, std::sync::atomic::Ordering::Relaxed);
    let outcome = {
        let mut bank = cluster.bank();
        match bank.land_bundle(txs) {
            Ok(landed) => {
                let slot = bank.slot();
                for l in landed {
                    cluster.publish_landed(&mut bank, l);
                }
                Outcome::Landed { slot, signatures }
            }
            Err((index, e)) => Outcome::Failed {
                index,
                error: e.message(),
            },
        }
    };
    if let Outcome::Failed { index, error } = &outcome {
        tracing::info!(bundle = %id, index, "bundle dropped: {error}");
    }
    cluster.bundles.remember(&id, outcome);
    Ok(json!(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_sha256_of_the_joined_signatures() {
        // sha256("a,b"), hex.
        assert_eq!(
            bundle_id(&["a".into(), "b".into()]),
            "1eb7c54d52831bbfe8942af0b1c56b7409523a59ed6ca99c1174fef7eb32c1b5"
        );
    }
}
