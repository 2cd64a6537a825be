//! Accounts: balances, one or many accounts in the requested encoding, and the rent minimum.

use std::sync::Arc;

use serde_json::{Value, json};
use solana_pubkey::Pubkey;

use crate::cluster::Cluster;
use crate::ledger::account::{Account, rent_exempt_minimum};
use crate::ledger::bank::Bank;
use crate::ledger::programs::token::Mint;
use crate::services::encode::{self, AccountEncoding, DataSlice};
use crate::services::rpc::context::with_context;
use crate::services::rpc::error::RpcError;
use crate::services::rpc::params::{
    commitment, config, data_slice, encoding, min_context_slot, param, pubkey, str_param,
};

pub(super) fn mint_decimals(bank: &Bank) -> impl Fn(&Pubkey) -> Option<u8> + '_ {
    move |mint| {
        bank.account(mint)
            .and_then(|a| Mint::unpack(&a.data))
            .map(|m| m.decimals)
    }
}

pub(super) fn account_json(
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

/// `getBalance`.
pub(super) fn get_balance(cluster: &Arc<Cluster>, params: &[Value]) -> Result<Value, RpcError> {
    let key = pubkey(str_param(params, 0, "pubkey")?)?;
    let cfg = config(params, 1)?;
    let c = commitment(&cfg)?;
    let bank = cluster.bank();
    Ok(with_context(
        bank.slot_at(c),
        json!(bank.account(&key).map_or(0, |a| a.lamports)),
    ))
}

/// `getAccountInfo`.
pub(super) fn get_account_info(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
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

/// `getMultipleAccounts`.
pub(super) fn get_multiple_accounts(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
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

/// `getMinimumBalanceForRentExemption`.
pub(super) fn get_minimum_balance_for_rent_exemption(
    _cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let len = param(params, 0, "data length")?
        .as_u64()
        .ok_or_else(|| RpcError::invalid_params("data length must be an integer"))?;
    let len =
        usize::try_from(len).map_err(|_| RpcError::invalid_params("data length too large"))?;
    Ok(json!(rent_exempt_minimum(len)))
}
