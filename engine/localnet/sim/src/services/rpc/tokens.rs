//! Token accounts: one account's balance, and an owner's accounts by mint or token program.

use std::sync::Arc;

use serde_json::{Value, json};

use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

use crate::cluster::Cluster;
use crate::ledger::account::Account;
use crate::ledger::programs::token::TokenAccount;
use crate::services::encode::{self, AccountEncoding};
use crate::services::rpc::accounts::{account_json, mint_decimals};
use crate::services::rpc::context::with_context;
use crate::services::rpc::error::RpcError;
use crate::services::rpc::params::{
    commitment, config, data_slice, encoding, param, pubkey, str_param,
};

fn token_account(acc: &Account) -> Option<TokenAccount> {
    if acc.owner != TOKEN_PROGRAM && acc.owner != TOKEN_2022_PROGRAM {
        return None;
    }
    TokenAccount::unpack(&acc.data).filter(|t| t.state != 0)
}

/// `getTokenAccountBalance`.
pub(super) fn get_token_account_balance(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
    let key = pubkey(str_param(params, 0, "pubkey")?)?;
    let c = commitment(&config(params, 1)?)?;
    let bank = cluster.bank();
    let acc = bank
        .account(&key)
        .ok_or_else(|| RpcError::invalid_param("could not find account"))?;
    let t = token_account(acc).ok_or_else(|| RpcError::invalid_param("not a Token account"))?;
    let decimals = mint_decimals(&bank)(&t.mint)
        .ok_or_else(|| RpcError::invalid_param("could not find mint"))?;
    Ok(with_context(
        bank.slot_at(c),
        encode::ui_amount(t.amount, decimals),
    ))
}

/// `getTokenAccountsByOwner`.
pub(super) fn get_token_accounts_by_owner(
    cluster: &Arc<Cluster>,
    params: &[Value],
) -> Result<Value, RpcError> {
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
