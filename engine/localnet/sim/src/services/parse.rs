//! Instructions as the RPC's `jsonParsed` encoding shows them (solana-transaction-status's
//! `parse_instruction`): the programs it knows — system, SPL Token and Token-2022, the
//! associated-token program — as `{program, programId, parsed: {type, info}, stackHeight}`;
//! every other program, and any instruction a parser does not understand, partially decoded as
//! `{programId, accounts, data (base58), stackHeight}`.

use serde_json::{Value, json};
use solana_pubkey::Pubkey;

use kestrel_pump::ids::{
    ASSOCIATED_TOKEN_PROGRAM, SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};

use crate::services::encode::ui_amount;

/// One instruction, `accounts` already resolved to keys.
pub fn instruction(program: &Pubkey, accounts: &[Pubkey], data: &[u8]) -> Value {
    let parsed = match *program {
        SYSTEM_PROGRAM => system(accounts, data).map(|p| ("system", p)),
        TOKEN_PROGRAM => token(accounts, data).map(|p| ("spl-token", p)),
        TOKEN_2022_PROGRAM => token(accounts, data).map(|p| ("spl-token-2022", p)),
        ASSOCIATED_TOKEN_PROGRAM => {
            ata(accounts, data).map(|p| ("spl-associated-token-account", p))
        }
        _ => None,
    };
    match parsed {
        Some((name, parsed)) => json!({
            "program": name,
            "programId": program.to_string(),
            "parsed": parsed,
            "stackHeight": null,
        }),
        None => json!({
            "programId": program.to_string(),
            "accounts": accounts.iter().map(Pubkey::to_string).collect::<Vec<_>>(),
            "data": bs58::encode(data).into_string(),
            "stackHeight": null,
        }),
    }
}

fn key(accounts: &[Pubkey], i: usize) -> Option<String> {
    accounts.get(i).map(Pubkey::to_string)
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

fn pubkey_at(data: &[u8], at: usize) -> Option<String> {
    let b: [u8; 32] = data.get(at..at + 32)?.try_into().ok()?;
    Some(Pubkey::new_from_array(b).to_string())
}

fn typed(kind: &str, info: Value) -> Option<Value> {
    Some(json!({ "type": kind, "info": info }))
}

/// The system program (bincode: a u32 variant index, then its fields).
fn system(a: &[Pubkey], d: &[u8]) -> Option<Value> {
    let tag = u32::from_le_bytes(d.get(..4)?.try_into().ok()?);
    match tag {
        0 => typed(
            "createAccount",
            json!({
                "source": key(a, 0)?,
                "newAccount": key(a, 1)?,
                "lamports": u64_at(d, 4)?,
                "space": u64_at(d, 12)?,
                "owner": pubkey_at(d, 20)?,
            }),
        ),
        1 => typed(
            "assign",
            json!({ "account": key(a, 0)?, "owner": pubkey_at(d, 4)? }),
        ),
        2 => typed(
            "transfer",
            json!({ "source": key(a, 0)?, "destination": key(a, 1)?, "lamports": u64_at(d, 4)? }),
        ),
        8 => typed(
            "allocate",
            json!({ "account": key(a, 0)?, "space": u64_at(d, 4)? }),
        ),
        _ => None,
    }
}

/// SPL Token and Token-2022 (a u8 tag), the instructions the cluster's clients send.
fn token(a: &[Pubkey], d: &[u8]) -> Option<Value> {
    let amount = |at: usize| u64_at(d, at).map(|v| v.to_string());
    match *d.first()? {
        3 => typed(
            "transfer",
            json!({ "source": key(a, 0)?, "destination": key(a, 1)?, "authority": key(a, 2)?, "amount": amount(1)? }),
        ),
        7 => typed(
            "mintTo",
            json!({ "mint": key(a, 0)?, "account": key(a, 1)?, "mintAuthority": key(a, 2)?, "amount": amount(1)? }),
        ),
        8 => typed(
            "burn",
            json!({ "account": key(a, 0)?, "mint": key(a, 1)?, "authority": key(a, 2)?, "amount": amount(1)? }),
        ),
        9 => typed(
            "closeAccount",
            json!({ "account": key(a, 0)?, "destination": key(a, 1)?, "owner": key(a, 2)? }),
        ),
        12 => typed(
            "transferChecked",
            json!({
                "source": key(a, 0)?,
                "mint": key(a, 1)?,
                "destination": key(a, 2)?,
                "authority": key(a, 3)?,
                "tokenAmount": ui_amount(u64_at(d, 1)?, *d.get(9)?),
            }),
        ),
        17 => typed("syncNative", json!({ "account": key(a, 0)? })),
        18 => typed(
            "initializeAccount3",
            json!({ "account": key(a, 0)?, "mint": key(a, 1)?, "owner": pubkey_at(d, 1)? }),
        ),
        _ => None,
    }
}

/// The associated-token program: `create` (no data or 0) and `createIdempotent` (1).
fn ata(a: &[Pubkey], d: &[u8]) -> Option<Value> {
    let kind = match d.first() {
        None | Some(0) => "create",
        Some(1) => "createIdempotent",
        Some(_) => return None,
    };
    typed(
        kind,
        json!({
            "source": key(a, 0)?,
            "account": key(a, 1)?,
            "wallet": key(a, 2)?,
            "mint": key(a, 3)?,
            "systemProgram": key(a, 4)?,
            "tokenProgram": key(a, 5)?,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_system_transfer_is_parsed_and_an_unknown_program_is_partially_decoded() {
        let (from, to) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut data = 2u32.to_le_bytes().to_vec();
        data.extend(5_000u64.to_le_bytes());
        let v = instruction(&SYSTEM_PROGRAM, &[from, to], &data);
        assert_eq!(v["program"], "system");
        assert_eq!(v["parsed"]["type"], "transfer");
        assert_eq!(v["parsed"]["info"]["lamports"], 5_000);
        assert_eq!(v["parsed"]["info"]["destination"], to.to_string());

        let other = Pubkey::new_unique();
        let v = instruction(&other, &[from], &[1, 2, 3]);
        assert_eq!(v["programId"], other.to_string());
        assert_eq!(v["data"], bs58::encode([1, 2, 3]).into_string());
        assert_eq!(v["accounts"][0], from.to_string());
        assert!(v.get("parsed").is_none());

        // A system instruction the parser does not know falls back the same way.
        let v = instruction(&SYSTEM_PROGRAM, &[from], &9u32.to_le_bytes());
        assert!(v.get("parsed").is_none() && v["data"].is_string());
    }
}
