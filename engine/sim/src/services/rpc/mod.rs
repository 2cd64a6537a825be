//! JSON-RPC 2.0 over HTTP: the methods a trader's client calls, with mainnet's result shapes
//! and error codes.

use std::str::FromStr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use solana_hash::Hash;
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

use crate::cluster::Cluster;
use crate::ledger::account::{Account, rent_exempt_minimum};
use crate::ledger::bank::{Bank, Commitment, SendError, Simulation, TxRecord};
use crate::ledger::programs::token::{Mint, TokenAccount};
use crate::ledger::wire::{self, Encoding};
use crate::services::encode::{self, AccountEncoding, DataSlice};

pub const VERSION: &str = "4.2.2";
const FEATURE_SET: u32 = 3_294_202_862;

/// A JSON-RPC error object.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn parse_error() -> Self {
        Self {
            code: -32700,
            message: "Parse error".into(),
            data: None,
        }
    }
    pub fn invalid_request() -> Self {
        Self {
            code: -32600,
            message: "Invalid request".into(),
            data: None,
        }
    }
    pub fn method_not_found() -> Self {
        Self {
            code: -32601,
            message: "Method not found".into(),
            data: None,
        }
    }
    pub fn invalid_params(detail: impl AsRef<str>) -> Self {
        Self {
            code: -32602,
            message: format!("Invalid params: {}", detail.as_ref()),
            data: None,
        }
    }
    pub fn invalid_param(detail: impl AsRef<str>) -> Self {
        Self {
            code: -32602,
            message: format!("Invalid param: {}", detail.as_ref()),
            data: None,
        }
    }
    pub fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code, "message": self.message });
        if let Some(d) = &self.data {
            e["data"] = d.clone();
        }
        e
    }
}

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

fn param<'a>(params: &'a [Value], i: usize, what: &str) -> Result<&'a Value, RpcError> {
    params
        .get(i)
        .ok_or_else(|| RpcError::invalid_params(format!("missing {what}")))
}

fn str_param<'a>(params: &'a [Value], i: usize, what: &str) -> Result<&'a str, RpcError> {
    param(params, i, what)?
        .as_str()
        .ok_or_else(|| RpcError::invalid_params(format!("{what} must be a string")))
}

pub fn pubkey(s: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(s)
        .map_err(|_| RpcError::invalid_param(format!("`{s}` is not a base58 public key")))
}

fn config(params: &[Value], i: usize) -> Result<Map<String, Value>, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(RpcError::invalid_params("configuration must be an object")),
    }
}

fn commitment(cfg: &Map<String, Value>) -> Result<Commitment, RpcError> {
    match cfg.get("commitment") {
        None | Some(Value::Null) => Ok(Commitment::Finalized),
        Some(Value::String(s)) => Commitment::parse(s).ok_or_else(|| {
            RpcError::invalid_params(format!(
                "unknown variant `{s}`, expected one of `processed`, `confirmed`, `finalized`"
            ))
        }),
        Some(_) => Err(RpcError::invalid_params("commitment must be a string")),
    }
}

fn encoding(
    cfg: &Map<String, Value>,
    default: AccountEncoding,
) -> Result<AccountEncoding, RpcError> {
    match cfg.get("encoding").and_then(Value::as_str) {
        None => Ok(default),
        Some(s) => AccountEncoding::parse(s).map_err(RpcError::invalid_params),
    }
}

fn data_slice(cfg: &Map<String, Value>) -> Option<DataSlice> {
    let s = cfg.get("dataSlice")?;
    Some(DataSlice {
        offset: usize::try_from(s.get("offset")?.as_u64()?).ok()?,
        length: usize::try_from(s.get("length")?.as_u64()?).ok()?,
    })
}

fn context(slot: u64) -> Value {
    json!({ "slot": slot, "apiVersion": VERSION })
}

fn with_context(slot: u64, value: Value) -> Value {
    json!({ "context": context(slot), "value": value })
}

fn mint_decimals(bank: &Bank) -> impl Fn(&Pubkey) -> Option<u8> + '_ {
    move |mint| {
        bank.account(mint)
            .and_then(|a| Mint::unpack(&a.data))
            .map(|m| m.decimals)
    }
}

pub fn account_json(
    bank: &Bank,
    acc: &Account,
    enc: AccountEncoding,
    slice: Option<DataSlice>,
) -> Result<Value, RpcError> {
    encode::ui_account(acc, enc, slice, mint_decimals(bank)).map_err(|e| RpcError {
        code: -32600,
        message: e,
        data: None,
    })
}

fn min_context_slot(cfg: &Map<String, Value>, slot: u64) -> Result<(), RpcError> {
    if let Some(min) = cfg.get("minContextSlot").and_then(Value::as_u64)
        && slot < min
    {
        return Err(RpcError {
            code: -32016,
            message: "Minimum context slot has not been reached".into(),
            data: Some(json!({ "contextSlot": slot })),
        });
    }
    Ok(())
}

fn call(cluster: &Arc<Cluster>, method: &str, params: &[Value]) -> Result<Value, RpcError> {
    match method {
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({ "solana-core": VERSION, "feature-set": FEATURE_SET })),
        "getTransactionCount" => Ok(json!(cluster.bank().transaction_count)),
        "getGenesisHash" => Ok(json!(Hash::new_from_array([7; 32]).to_string())),
        "getIdentity" => Ok(
            json!({ "identity": crate::ledger::genesis::derived_key("identity", 0).to_string() }),
        ),
        "getSlot" => {
            let c = commitment(&config(params, 0)?)?;
            Ok(json!(cluster.bank().slot_at(c)))
        }
        "getBlockHeight" => {
            let c = commitment(&config(params, 0)?)?;
            Ok(json!(cluster.bank().block_height_at(c)))
        }
        "getEpochInfo" => {
            let bank = cluster.bank();
            let c = commitment(&config(params, 0)?)?;
            let slot = bank.slot_at(c);
            Ok(
                json!({ "absoluteSlot": slot, "blockHeight": bank.block_height_at(c), "epoch": slot / 432_000, "slotIndex": slot % 432_000, "slotsInEpoch": 432_000, "transactionCount": bank.transaction_count }),
            )
        }
        "getLatestBlockhash" => {
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
        "isBlockhashValid" => {
            let text = str_param(params, 0, "blockhash")?;
            let hash = Hash::from_str(text).map_err(|_| {
                RpcError::invalid_param(format!("`{text}` is not a base58 blockhash"))
            })?;
            let c = commitment(&config(params, 1)?)?;
            let bank = cluster.bank();
            Ok(with_context(
                bank.slot_at(c),
                json!(bank.is_blockhash_valid(&hash)),
            ))
        }
        "getBalance" => {
            let key = pubkey(str_param(params, 0, "pubkey")?)?;
            let cfg = config(params, 1)?;
            let c = commitment(&cfg)?;
            let bank = cluster.bank();
            Ok(with_context(
                bank.slot_at(c),
                json!(bank.account(&key).map_or(0, |a| a.lamports)),
            ))
        }
        "getAccountInfo" => {
            let key = pubkey(str_param(params, 0, "pubkey")?)?;
            let cfg = config(params, 1)?;
            let c = commitment(&cfg)?;
            let enc = encoding(&cfg, AccountEncoding::Base58)?;
            let bank = cluster.bank();
            let slot = bank.slot_at(c);
            min_context_slot(&cfg, slot)?;
            let value = match bank.account(&key) {
                Some(acc) => account_json(&bank, acc, enc, data_slice(&cfg))?,
                None => Value::Null,
            };
            Ok(with_context(slot, value))
        }
        "getMultipleAccounts" => {
            let keys = param(params, 0, "pubkeys")?
                .as_array()
                .ok_or_else(|| RpcError::invalid_params("pubkeys must be an array"))?;
            if keys.len() > 100 {
                return Err(RpcError::invalid_params(
                    "Too many inputs provided; max 100",
                ));
            }
            let keys = keys
                .iter()
                .map(|k| {
                    k.as_str()
                        .ok_or_else(|| RpcError::invalid_params("pubkeys must be strings"))
                        .and_then(pubkey)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let cfg = config(params, 1)?;
            let c = commitment(&cfg)?;
            let enc = encoding(&cfg, AccountEncoding::Base64)?;
            let bank = cluster.bank();
            let values = keys
                .iter()
                .map(|k| {
                    bank.account(k).map_or(Ok(Value::Null), |a| {
                        account_json(&bank, a, enc, data_slice(&cfg))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(with_context(bank.slot_at(c), Value::Array(values)))
        }
        "getMinimumBalanceForRentExemption" => {
            let len = param(params, 0, "data length")?
                .as_u64()
                .ok_or_else(|| RpcError::invalid_params("data length must be an integer"))?;
            let len = usize::try_from(len)
                .map_err(|_| RpcError::invalid_params("data length too large"))?;
            Ok(json!(rent_exempt_minimum(len)))
        }
        "getTokenAccountBalance" => {
            let key = pubkey(str_param(params, 0, "pubkey")?)?;
            let c = commitment(&config(params, 1)?)?;
            let bank = cluster.bank();
            let acc = bank
                .account(&key)
                .ok_or_else(|| RpcError::invalid_param("could not find account"))?;
            let t =
                token_account(acc).ok_or_else(|| RpcError::invalid_param("not a Token account"))?;
            let decimals = mint_decimals(&bank)(&t.mint)
                .ok_or_else(|| RpcError::invalid_param("could not find mint"))?;
            Ok(with_context(
                bank.slot_at(c),
                encode::ui_amount(t.amount, decimals),
            ))
        }
        "getTokenAccountsByOwner" => {
            let owner = pubkey(str_param(params, 0, "owner")?)?;
            let filter = param(params, 1, "filter")?;
            let (mint, program) = if let Some(m) = filter.get("mint").and_then(Value::as_str) {
                (Some(pubkey(m)?), None)
            } else if let Some(p) = filter.get("programId").and_then(Value::as_str) {
                let p = pubkey(p)?;
                if p != TOKEN_PROGRAM && p != TOKEN_2022_PROGRAM {
                    return Err(RpcError::invalid_param("unrecognized Token program id"));
                }
                (None, Some(p))
            } else {
                return Err(RpcError::invalid_params(
                    "filter must be {\"mint\": …} or {\"programId\": …}",
                ));
            };
            let cfg = config(params, 2)?;
            let c = commitment(&cfg)?;
            let enc = encoding(&cfg, AccountEncoding::Base64)?;
            let bank = cluster.bank();
            let mut out = Vec::new();
            for (key, acc) in bank.accounts() {
                let Some(t) = token_account(acc) else {
                    continue;
                };
                if t.owner != owner
                    || mint.is_some_and(|m| m != t.mint)
                    || program.is_some_and(|p| p != acc.owner)
                {
                    continue;
                }
                out.push(json!({ "pubkey": key.to_string(), "account": account_json(&bank, acc, enc, data_slice(&cfg))? }));
            }
            Ok(with_context(bank.slot_at(c), Value::Array(out)))
        }
        "getSignatureStatuses" => {
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
                    let sig = Signature::from_str(s).map_err(|_| {
                        RpcError::invalid_param(format!("`{s}` is not a base58 signature"))
                    })?;
                    Ok(bank
                        .transaction(&sig)
                        .map_or(Value::Null, |r| status_json(&bank, r)))
                })
                .collect::<Result<Vec<_>, RpcError>>()?;
            Ok(with_context(bank.slot(), Value::Array(values)))
        }
        "getTransaction" => {
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
        "getRecentPrioritizationFees" => {
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
            let mut per_slot: std::collections::BTreeMap<u64, u64> =
                std::collections::BTreeMap::new();
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
        "requestAirdrop" => {
            let key = pubkey(str_param(params, 0, "pubkey")?)?;
            let lamports = param(params, 1, "lamports")?
                .as_u64()
                .ok_or_else(|| RpcError::invalid_params("lamports must be an integer"))?;
            cluster
                .airdrop(&key, lamports)
                .map(|s| json!(s.to_string()))
                .map_err(|e| RpcError {
                    code: -32600,
                    message: e,
                    data: None,
                })
        }
        "sendTransaction" => send_transaction(cluster, params),
        "simulateTransaction" => simulate_transaction(cluster, params),
        _ => Err(RpcError::method_not_found()),
    }
}

fn token_account(acc: &Account) -> Option<TokenAccount> {
    if acc.owner != TOKEN_PROGRAM && acc.owner != TOKEN_2022_PROGRAM {
        return None;
    }
    TokenAccount::unpack(&acc.data).filter(|t| t.state != 0)
}

pub fn status_json(bank: &Bank, r: &TxRecord) -> Value {
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

fn token_balances_json(list: &[crate::ledger::bank::TokenBalance]) -> Value {
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
                message["addressTableLookups"] = Value::Array(
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
                );
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

fn send_transaction(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
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

fn simulate_transaction(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
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
}
