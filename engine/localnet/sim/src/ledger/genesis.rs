//! The cluster's first state: the programs it runs, pump.fun's Global account with its fee
//! recipients (the published #0 entries first, deterministic keys after them), and the
//! recipients' wallets.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use solana_pubkey::Pubkey;

use kestrel_pump::discriminator::account as disc;
use kestrel_pump::ids::{self, BUYBACK_FEE_RECIPIENT_0, FEE_RECIPIENT_0};

use crate::ledger::account::Account;
use crate::ledger::programs::token::NATIVE_MINT_2022;

const BPF_LOADER_UPGRADEABLE: Pubkey =
    Pubkey::from_str_const("BPFLoaderUpgradeab1e11111111111111111111111");
const NATIVE_LOADER: Pubkey = Pubkey::from_str_const("NativeLoader1111111111111111111111111111111");
pub const SYSVAR_RENT: Pubkey =
    Pubkey::from_str_const("SysvarRent111111111111111111111111111111111");
pub const SYSVAR_CLOCK: Pubkey =
    Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");
const SYSVAR_OWNER: Pubkey = Pubkey::from_str_const("Sysvar1111111111111111111111111111111111111");

/// A deterministic key for the cluster's own parties (fee recipients, authorities).
pub fn derived_key(label: &str, i: u8) -> Pubkey {
    let mut h = Sha256::new();
    h.update(b"kestrel-sim ");
    h.update(label.as_bytes());
    h.update([i]);
    Pubkey::new_from_array(h.finalize().into())
}

pub fn fee_recipients() -> [Pubkey; 7] {
    let mut out = [FEE_RECIPIENT_0; 7];
    for (i, k) in out.iter_mut().enumerate().skip(1) {
        *k = derived_key("fee recipient", i as u8);
    }
    out
}

pub fn buyback_fee_recipients() -> [Pubkey; 8] {
    let mut out = [BUYBACK_FEE_RECIPIENT_0; 8];
    for (i, k) in out.iter_mut().enumerate().skip(1) {
        *k = derived_key("buyback fee recipient", i as u8);
    }
    out
}

pub fn reserved_fee_recipients() -> [Pubkey; 7] {
    let mut out = [Pubkey::default(); 7];
    for (i, k) in out.iter_mut().enumerate() {
        *k = derived_key("reserved fee recipient", i as u8);
    }
    out
}

/// Builtins and sysvars: never writable in a transaction.
pub fn is_reserved(key: &Pubkey) -> bool {
    [
        ids::SYSTEM_PROGRAM,
        ids::COMPUTE_BUDGET_PROGRAM,
        SYSVAR_RENT,
        SYSVAR_CLOCK,
        BPF_LOADER_UPGRADEABLE,
        NATIVE_LOADER,
    ]
    .contains(key)
}

/// Global, 1045 bytes, in the current layout (docs/protocol.md §1.3).
pub fn global_account_data() -> Vec<u8> {
    let mut d = disc::GLOBAL.to_vec();
    d.push(1); // initialized
    d.extend(derived_key("authority", 0).as_ref());
    d.extend(FEE_RECIPIENT_0.as_ref());
    for v in [
        1_073_000_000_000_000u64,
        30_000_000_000,
        793_100_000_000_000,
        1_000_000_000_000_000,
    ] {
        d.extend(v.to_le_bytes());
    }
    d.extend(crate::ledger::programs::pump::PROTOCOL_FEE_BPS.to_le_bytes());
    d.extend(derived_key("withdraw authority", 0).as_ref());
    d.push(1); // enable_migrate
    d.extend(15_000_001u64.to_le_bytes()); // pool_migration_fee
    d.extend(crate::ledger::programs::pump::CREATOR_FEE_BPS.to_le_bytes());
    for k in fee_recipients() {
        d.extend(k.as_ref());
    }
    d.extend(derived_key("set creator authority", 0).as_ref());
    d.extend(derived_key("admin set creator authority", 0).as_ref());
    d.push(1); // create_v2_enabled
    d.extend(derived_key("whitelist", 0).as_ref());
    d.extend(reserved_fee_recipients()[0].as_ref());
    d.push(0); // mayhem_mode_enabled
    for k in reserved_fee_recipients() {
        d.extend(k.as_ref());
    }
    d.push(1); // is_cashback_enabled
    for k in buyback_fee_recipients() {
        d.extend(k.as_ref());
    }
    d.extend(crate::ledger::programs::pump::BUYBACK_SHARE_BPS.to_le_bytes());
    d.extend(30_000_000_000u64.to_le_bytes()); // initial_virtual_quote_reserves
    d.extend(ids::WSOL_MINT.as_ref()); // whitelisted_quote_mints
    d
}

pub fn install(accounts: &mut HashMap<Pubkey, Account>) {
    for builtin in [ids::SYSTEM_PROGRAM, ids::COMPUTE_BUDGET_PROGRAM] {
        accounts.insert(builtin, Account::program(NATIVE_LOADER));
    }
    for program in [
        ids::TOKEN_PROGRAM,
        ids::TOKEN_2022_PROGRAM,
        ids::ASSOCIATED_TOKEN_PROGRAM,
        ids::PUMP_PROGRAM,
        ids::PUMP_AMM_PROGRAM,
        ids::PUMP_FEES_PROGRAM,
        ids::MAYHEM_PROGRAM,
        ids::METAPLEX_METADATA_PROGRAM,
    ] {
        accounts.insert(program, Account::program(BPF_LOADER_UPGRADEABLE));
    }
    for sysvar in [SYSVAR_RENT, SYSVAR_CLOCK] {
        accounts.insert(sysvar, Account::new(1_009_200, vec![0; 40], SYSVAR_OWNER));
    }
    // The native mints (wrapped SOL) of both token programs: 9 decimals, no authority.
    for (mint, program) in [
        (ids::WSOL_MINT, ids::TOKEN_PROGRAM),
        (NATIVE_MINT_2022, ids::TOKEN_2022_PROGRAM),
    ] {
        let m = crate::ledger::programs::token::Mint {
            mint_authority: None,
            supply: 0,
            decimals: 9,
            is_initialized: true,
            freeze_authority: None,
        };
        let mut data = vec![0; crate::ledger::programs::token::MINT_LEN];
        m.pack(&mut data);
        accounts.insert(
            mint,
            Account::new(
                crate::ledger::account::rent_exempt_minimum(data.len()),
                data,
                program,
            ),
        );
    }
    let global = global_account_data();
    accounts.insert(
        ids::GLOBAL,
        Account::new(
            crate::ledger::account::rent_exempt_minimum(global.len()),
            global,
            ids::PUMP_PROGRAM,
        ),
    );
    for k in fee_recipients()
        .into_iter()
        .chain(buyback_fee_recipients())
        .chain(reserved_fee_recipients())
    {
        accounts.insert(k, Account::wallet(1_000_000_000));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_decodes_with_every_field() {
        let d = global_account_data();
        assert_eq!(d.len(), 1045);
        let g = kestrel_decode::account::decode_global(&d).unwrap();
        assert_eq!(g.fee_recipient, FEE_RECIPIENT_0);
        assert_eq!(g.fee_recipients.unwrap()[0], FEE_RECIPIENT_0);
        assert_eq!(
            g.buyback_fee_recipients.unwrap()[0],
            BUYBACK_FEE_RECIPIENT_0
        );
        assert_eq!(g.initial_virtual_sol_reserves.0, 30_000_000_000);
        assert_eq!(g.whitelisted_quote_mints, Some([ids::WSOL_MINT]));
    }
}
