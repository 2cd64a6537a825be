//! Reading a request's positional parameters and its configuration object, refusing what the
//! RPC refuses with the errors it gives.

use std::str::FromStr;

use serde_json::{Map, Value, json};
use solana_pubkey::Pubkey;

use crate::ledger::bank::Commitment;
use crate::services::encode::{AccountEncoding, DataSlice};
use crate::services::rpc::error::RpcError;

pub fn param<'a>(params: &'a [Value], i: usize, what: &str) -> Result<&'a Value, RpcError> {
    params
        .get(i)
        .ok_or_else(|| RpcError::invalid_params(format!("missing {what}")))
}

pub fn str_param<'a>(params: &'a [Value], i: usize, what: &str) -> Result<&'a str, RpcError> {
    param(params, i, what)?
        .as_str()
        .ok_or_else(|| RpcError::invalid_params(format!("{what} must be a string")))
}

pub fn pubkey(s: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(s)
        .map_err(|_| RpcError::invalid_param(format!("`{s}` is not a base58 public key")))
}

pub fn config(params: &[Value], i: usize) -> Result<Map<String, Value>, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(RpcError::invalid_params("configuration must be an object")),
    }
}

pub fn commitment(cfg: &Map<String, Value>) -> Result<Commitment, RpcError> {
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

pub fn encoding(
    cfg: &Map<String, Value>,
    default: AccountEncoding,
) -> Result<AccountEncoding, RpcError> {
    match cfg.get("encoding").and_then(Value::as_str) {
        None => Ok(default),
        Some(s) => AccountEncoding::parse(s).map_err(RpcError::invalid_params),
    }
}

pub fn data_slice(cfg: &Map<String, Value>) -> Option<DataSlice> {
    let s = cfg.get("dataSlice")?;
    Some(DataSlice {
        offset: usize::try_from(s.get("offset")?.as_u64()?).ok()?,
        length: usize::try_from(s.get("length")?.as_u64()?).ok()?,
    })
}

pub fn min_context_slot(cfg: &Map<String, Value>, slot: u64) -> Result<(), RpcError> {
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
