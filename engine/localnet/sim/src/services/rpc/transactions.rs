//! Transactions: statuses, a landed transaction in the requested encoding, sending (with or
//! without preflight) and simulating.

use std::str::FromStr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use solana_signature::Signature;

use crate::cluster::Cluster;
use crate::ledger::bank::{Bank, Commitment, SendError, Simulation, TokenBalance, TxRecord};
use crate::ledger::wire::{self, Encoding};
use crate::services::encode::{self, AccountEncoding};
use crate::services::parse;
use crate::services::rpc::accounts::account_json;
use crate::services::rpc::context::with_context;
use crate::services::rpc::error::RpcError;
use crate::services::rpc::params::{commitment, config, param, pubkey, str_param};

/// `getSignatureStatuses`.
pub(super) fn get_signature_statuses(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let sigs = param(params, 0, "signatures")?
        .as_array()
        .ok_or_else(|| RpcError::invalid_params("signatures must be an array"))?;
    if sigs.len() > 256 {
        return Err(RpcError::invalid_params(
            "Too many inputs provided; max 256",
        ));
    }
    let bank = cluster.bank();
    let values = sigs
        .iter()
        .map(|s| {
            let s = s
                .as_str()
                .ok_or_else(|| RpcError::invalid_params("signatures must be strings"))?;
            let sig = Signature::from_str(s)
                .map_err(|_| RpcError::invalid_param(format!("`{s}` is not a base58 signature")))?;
            Ok(bank
                .transaction(&sig)
                .map_or(Value::Null, |r| status_json(&bank, r)))
        })
        .collect::<Result<Vec<_>, RpcError>>()?;
    Ok(with_context(bank.slot(), Value::Array(values)))
}

/// `getTransaction`.
pub(super) fn get_transaction(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
    let s = str_param(params, 0, "signature")?;
    let sig = Signature::from_str(s)
        .map_err(|_| RpcError::invalid_param(format!("`{s}` is not a base58 signature")))?;
    let cfg = match params.get(1) {
        Some(Value::String(enc)) => {
            let mut m = Map::new();
            m.insert("encoding".into(), json!(enc));
            m
        }
        _ => config(params, 1)?,
    };
    let c = commitment(&cfg)?;
    if c == Commitment::Processed {
        return Err(RpcError::invalid_params(
            "Method does not support commitment below `confirmed`",
        ));
    }
    let bank = cluster.bank();
    let Some(r) = bank.transaction(&sig).filter(|r| r.slot <= bank.slot_at(c)) else {
        return Ok(Value::Null);
    };
    let max_version = cfg
        .get("maxSupportedTransactionVersion")
        .and_then(Value::as_u64);
    if r.v0 && max_version.is_none() {
        return Err(RpcError {
                code: -32015,
                message: "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0".into(),
                data: None,
            });
    }
    let enc = cfg
        .get("encoding")
        .and_then(Value::as_str)
        .unwrap_or("json");
    transaction_json(r, enc, max_version.is_some())
}

fn status_json(bank: &Bank, r: &TxRecord) -> Value {
    let level = if bank.slot_at(Commitment::Finalized) >= r.slot {
        Commitment::Finalized
    } else if bank.slot_at(Commitment::Confirmed) >= r.slot {
        Commitment::Confirmed
    } else {
        Commitment::Processed
    };
    let confirmations =
        (level != Commitment::Finalized).then(|| bank.slot().saturating_sub(r.slot));
    let err = r.err.as_ref().map(|e| e.to_json());
    let status = match &err {
        None => json!({ "Ok": null }),
        Some(e) => json!({ "Err": e }),
    };
    json!({ "slot": r.slot, "confirmations": confirmations, "err": err, "status": status, "confirmationStatus": level.as_str() })
}

fn token_balances_json(list: &[TokenBalance]) -> Value {
    Value::Array(
        list.iter()
            .map(|b| {
                json!({
                    "accountIndex": b.account_index,
                    "mint": b.mint.to_string(),
                    "owner": b.owner.to_string(),
                    "programId": b.program_id.to_string(),
                    "uiTokenAmount": encode::ui_amount(b.amount, b.decimals),
                })
            })
            .collect(),
    )
}

fn lookups_json(lookups: &[solana_message::v0::MessageAddressTableLookup]) -> Value {
    Value::Array(
        lookups
            .iter()
            .map(|l| {
                json!({
                    "accountKey": l.account_key.to_string(),
                    "writableIndexes": l.writable_indexes,
                    "readonlyIndexes": l.readonly_indexes,
                })
            })
            .collect(),
    )
}

fn transaction_json(r: &TxRecord, enc: &str, versioned_client: bool) -> Result<Value, RpcError> {
    let parsed = wire::parse(r.raw.clone()).map_err(|e| RpcError {
        code: -32603,
        message: format!("stored transaction unreadable: {e}"),
        data: None,
    })?;
    let msg = &parsed.tx.message;
    let n_static = parsed.static_keys().len();
    let transaction = match enc {
        "json" => {
            let header = msg.header();
            let mut message = json!({
                "accountKeys": parsed.static_keys().iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "header": {
                    "numRequiredSignatures": header.num_required_signatures,
                    "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                    "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
                },
                "recentBlockhash": msg.recent_blockhash().to_string(),
                "instructions": msg.instructions().iter().map(|ix| json!({
                    "programIdIndex": ix.program_id_index,
                    "accounts": ix.accounts,
                    "data": bs58::encode(&ix.data).into_string(),
                    "stackHeight": null,
                })).collect::<Vec<_>>(),
            });
            if let Some(lookups) = msg.address_table_lookups() {
                message["addressTableLookups"] = lookups_json(lookups);
            }
            json!({ "signatures": parsed.tx.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "message": message })
        }
        "jsonParsed" => {
            // UiParsedMessage: keys as objects, instructions parsed where the program is known.
            let account_keys: Vec<Value> = r
                .account_keys
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    json!({
                        "pubkey": k.to_string(),
                        "writable": r.writable.get(i).copied().unwrap_or(false),
                        "signer": r.signer.get(i).copied().unwrap_or(false),
                        "source": if i < n_static { "transaction" } else { "lookupTable" },
                    })
                })
                .collect();
            let key = |i: u8| {
                r.account_keys
                    .get(usize::from(i))
                    .copied()
                    .unwrap_or_default()
            };
            let instructions: Vec<Value> = msg
                .instructions()
                .iter()
                .map(|ix| {
                    let keys: Vec<_> = ix.accounts.iter().map(|&i| key(i)).collect();
                    parse::instruction(&key(ix.program_id_index), &keys, &ix.data)
                })
                .collect();
            let mut message = json!({
                "accountKeys": account_keys,
                "recentBlockhash": msg.recent_blockhash().to_string(),
                "instructions": instructions,
            });
            if let Some(lookups) = msg.address_table_lookups() {
                message["addressTableLookups"] = lookups_json(lookups);
            }
            json!({ "signatures": parsed.tx.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "message": message })
        }
        "base64" => json!([STANDARD.encode(&r.raw), "base64"]),
        "base58" => json!([bs58::encode(&r.raw).into_string(), "base58"]),
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported encoding: {other}"
            )));
        }
    };
    let loaded_w: Vec<String> = r
        .account_keys
        .iter()
        .enumerate()
        .skip(n_static)
        .filter(|(i, _)| r.writable.get(*i).copied().unwrap_or(false))
        .map(|(_, k)| k.to_string())
        .collect();
    let loaded_r: Vec<String> = r
        .account_keys
        .iter()
        .enumerate()
        .skip(n_static)
        .filter(|(i, _)| !r.writable.get(*i).copied().unwrap_or(false))
        .map(|(_, k)| k.to_string())
        .collect();
    let err = r.err.as_ref().map(|e| e.to_json());
    let status = match &err {
        None => json!({ "Ok": null }),
        Some(e) => json!({ "Err": e }),
    };
    let mut out = json!({
        "slot": r.slot,
        "blockTime": r.block_time,
        "transaction": transaction,
        "meta": {
            "err": err,
            "status": status,
            "fee": r.fee,
            "preBalances": r.pre_balances,
            "postBalances": r.post_balances,
            "innerInstructions": [],
            "logMessages": r.logs,
            "preTokenBalances": token_balances_json(&r.pre_token_balances),
            "postTokenBalances": token_balances_json(&r.post_token_balances),
            "rewards": [],
            "loadedAddresses": { "writable": loaded_w, "readonly": loaded_r },
            "computeUnitsConsumed": r.compute_units,
        },
    });
    if enc == "jsonParsed"
        && let Some(meta) = out.get_mut("meta").and_then(Value::as_object_mut)
    {
        // The parsed meta leaves loadedAddresses out: the keys carry their source instead.
        meta.remove("loadedAddresses");
    }
    if versioned_client {
        out["version"] = if r.v0 { json!(0) } else { json!("legacy") };
    }
    Ok(out)
}

fn decode_tx_param(params: &[Value], cfg: &Map<String, Value>) -> Result<wire::Parsed, RpcError> {
    let text = str_param(params, 0, "transaction")?;
    let enc = match cfg.get("encoding").and_then(Value::as_str) {
        None => Encoding::Base58,
        Some(e) => Encoding::parse(e).ok_or_else(|| {
            RpcError::invalid_params(format!(
                "unsupported encoding: {e}. Supported encodings: base58, base64"
            ))
        })?,
    };
    let raw = wire::decode(text, enc).map_err(RpcError::invalid_params)?;
    wire::parse(raw).map_err(RpcError::invalid_params)
}

fn simulation_json(sim: &Simulation, accounts: Option<Value>) -> Value {
    json!({
        "err": sim.err.as_ref().map(|e| e.to_json()),
        "logs": sim.logs,
        "accounts": accounts,
        "unitsConsumed": sim.units,
        "returnData": null,
        "innerInstructions": null,
        "replacementBlockhash": null,
        "loadedAccountsDataSize": 0,
        "fee": null,
        "preBalances": null,
        "postBalances": null,
        "preTokenBalances": null,
        "postTokenBalances": null,
    })
}

pub(super) fn send_transaction(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let arrived = std::time::Instant::now();
    let cfg = config(params, 1)?;
    let p = decode_tx_param(params, &cfg)?;
    if let Some(tap) = cluster.tap() {
        tap.received(&p, arrived);
    }
    let skip = cfg
        .get("skipPreflight")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match cluster.submit(p, skip) {
        Ok(sig) => Ok(json!(sig.to_string())),
        Err(SendError::Invalid(e)) => Err(RpcError::invalid_params(e)),
        Err(SendError::SignatureVerification) => Err(RpcError {
            code: -32003,
            message: "Transaction signature verification failure".into(),
            data: None,
        }),
        Err(SendError::Preflight(sim)) => {
            let msg = sim.err.as_ref().map(|e| e.message()).unwrap_or_default();
            Err(RpcError {
                code: -32002,
                message: format!("Transaction simulation failed: {msg}"),
                data: Some(simulation_json(&sim, None)),
            })
        }
    }
}

pub(super) fn simulate_transaction(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let cfg = config(params, 1)?;
    let sig_verify = cfg
        .get("sigVerify")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let replace = cfg
        .get("replaceRecentBlockhash")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if sig_verify && replace {
        return Err(RpcError::invalid_params(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    let p = decode_tx_param(params, &cfg)?;
    if sig_verify && !wire::verify(&p) {
        return Err(RpcError {
            code: -32003,
            message: "Transaction signature verification failure".into(),
            data: None,
        });
    }
    let bank = cluster.bank();
    let sim = bank.simulate(&p, replace);
    let accounts = match cfg.get("accounts") {
        Some(a) => {
            let enc = match a.get("encoding").and_then(Value::as_str) {
                None => AccountEncoding::Base64,
                Some(e) => AccountEncoding::parse(e).map_err(RpcError::invalid_params)?,
            };
            let addrs = a
                .get("addresses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut out = Vec::new();
            for addr in addrs {
                let key = pubkey(addr.as_str().unwrap_or_default())?;
                let after = sim
                    .accounts_after
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, a)| a)
                    .or_else(|| bank.account(&key));
                out.push(match after {
                    Some(acc) if acc.lamports > 0 => account_json(&bank, acc, enc, None)?,
                    _ => Value::Null,
                });
            }
            Some(Value::Array(out))
        }
        None => None,
    };
    let mut value = simulation_json(&sim, accounts);
    if replace {
        let (hash, last_valid) = bank.latest_blockhash(Commitment::Processed);
        value["replacementBlockhash"] =
            json!({ "blockhash": hash.to_string(), "lastValidBlockHeight": last_valid });
    }
    Ok(with_context(bank.slot(), value))
}
