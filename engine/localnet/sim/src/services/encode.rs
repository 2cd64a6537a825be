//! Accounts in the RPC's encodings: base64, base64+zstd (RpcClient's default), base58 (small
//! data only), jsonParsed for token accounts and mints (anything else falls back to base64, as
//! the RPC does).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use solana_pubkey::Pubkey;

use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

use crate::ledger::account::Account;
use crate::ledger::programs::token::{Mint, TokenAccount};

/// The RPC refuses base58 for data longer than this.
pub const MAX_BASE58_BYTES: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountEncoding {
    Base58,
    Base64,
    Base64Zstd,
    JsonParsed,
}

impl AccountEncoding {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "base58" | "binary" => Ok(Self::Base58),
            "base64" => Ok(Self::Base64),
            "jsonParsed" => Ok(Self::JsonParsed),
            "base64+zstd" => Ok(Self::Base64Zstd),
            other => Err(format!(
                "unknown variant `{other}`, expected one of `binary`, `base58`, `base64`, `jsonParsed`, `base64+zstd`"
            )),
        }
    }
}

/// `dataSlice`: part of the data.
#[derive(Clone, Copy, Debug, Default)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

pub fn ui_amount(amount: u64, decimals: u8) -> Value {
    let s = ui_amount_string(amount, decimals);
    json!({
        "amount": amount.to_string(),
        "decimals": decimals,
        "uiAmount": s.parse::<f64>().ok(),
        "uiAmountString": s,
    })
}

/// Exact decimal text of a token amount (`1.5`, `0.000001`).
pub fn ui_amount_string(amount: u64, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let digits = format!("{amount:0>width$}", width = usize::from(decimals) + 1);
    let (int, frac) = digits.split_at(digits.len() - usize::from(decimals));
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

fn parsed_token(acc: &Account, mint_decimals: impl Fn(&Pubkey) -> Option<u8>) -> Option<Value> {
    if acc.owner != TOKEN_PROGRAM && acc.owner != TOKEN_2022_PROGRAM {
        return None;
    }
    let program = if acc.owner == TOKEN_PROGRAM {
        "spl-token"
    } else {
        "spl-token-2022"
    };
    if let Some(t) = TokenAccount::unpack(&acc.data).filter(|t| t.state != 0) {
        let decimals = mint_decimals(&t.mint).unwrap_or(0);
        let mut info = json!({
            "isNative": t.is_native.is_some(),
            "mint": t.mint.to_string(),
            "owner": t.owner.to_string(),
            "state": if t.state == 2 { "frozen" } else { "initialized" },
            "tokenAmount": ui_amount(t.amount, decimals),
        });
        if let Some(d) = t.delegate {
            info["delegate"] = json!(d.to_string());
            info["delegatedAmount"] = ui_amount(t.delegated_amount, decimals);
        }
        if let Some(c) = t.close_authority {
            info["closeAuthority"] = json!(c.to_string());
        }
        if let Some(r) = t.is_native {
            info["rentExemptReserve"] = ui_amount(r, 9);
        }
        return Some(
            json!({ "program": program, "parsed": { "info": info, "type": "account" }, "space": acc.data.len() }),
        );
    }
    if acc.data.len() == crate::ledger::programs::token::MINT_LEN
        && let Some(m) = Mint::unpack(&acc.data).filter(|m| m.is_initialized)
    {
        let info = json!({
            "decimals": m.decimals,
            "freezeAuthority": m.freeze_authority.map(|k| k.to_string()),
            "isInitialized": true,
            "mintAuthority": m.mint_authority.map(|k| k.to_string()),
            "supply": m.supply.to_string(),
        });
        return Some(
            json!({ "program": program, "parsed": { "info": info, "type": "mint" }, "space": acc.data.len() }),
        );
    }
    None
}

/// One account as the RPC encodes it (`UiAccount`).
pub fn ui_account(
    acc: &Account,
    encoding: AccountEncoding,
    slice: Option<DataSlice>,
    mint_decimals: impl Fn(&Pubkey) -> Option<u8>,
) -> Result<Value, String> {
    let data = match slice {
        Some(s) => acc
            .data
            .get(
                s.offset.min(acc.data.len())
                    ..(s.offset.saturating_add(s.length)).min(acc.data.len()),
            )
            .unwrap_or_default(),
        None => &acc.data[..],
    };
    let data_json = match encoding {
        AccountEncoding::Base58 => {
            if data.len() > MAX_BASE58_BYTES {
                return Err("Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.".into());
            }
            json!([bs58::encode(data).into_string(), "base58"])
        }
        AccountEncoding::Base64 => json!([STANDARD.encode(data), "base64"]),
        AccountEncoding::Base64Zstd => {
            let packed = zstd::bulk::compress(data, 0).map_err(|e| format!("zstd: {e}"))?;
            json!([STANDARD.encode(packed), "base64+zstd"])
        }
        AccountEncoding::JsonParsed => match (slice, parsed_token(acc, mint_decimals)) {
            (None, Some(parsed)) => parsed,
            _ => json!([STANDARD.encode(data), "base64"]),
        },
    };
    Ok(json!({
        "data": data_json,
        "executable": acc.executable,
        "lamports": acc.lamports,
        "owner": acc.owner.to_string(),
        "rentEpoch": acc.rent_epoch,
        "space": acc.data.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_amount_strings_are_exact() {
        assert_eq!(ui_amount_string(1_500_000, 6), "1.5");
        assert_eq!(ui_amount_string(1, 6), "0.000001");
        assert_eq!(ui_amount_string(0, 6), "0");
        assert_eq!(ui_amount_string(123, 0), "123");
    }

    #[test]
    fn base58_is_refused_for_large_data() {
        let big = Account::new(1, vec![0; 200], Pubkey::default());
        assert!(ui_account(&big, AccountEncoding::Base58, None, |_| None).is_err());
        let small = Account::new(1, vec![1, 2, 3], Pubkey::default());
        let v = ui_account(&small, AccountEncoding::Base58, None, |_| None).unwrap();
        assert_eq!(v["data"][1], "base58");
    }
}
