//! The cluster's first state: the programs it runs, pump.fun's Global account with the 24 fee
//! recipients pump.fun publishes (docs/protocol.md §1.4.2), and the recipients' wallets.

use kestrel_pump::ids::{
    BUYBACK_FEE_RECIPIENTS, FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS, USDC_MINT,
};
use std::collections::HashMap;

use sha2::{Digest, Sha256};
use solana_pubkey::Pubkey;

use kestrel_pump::discriminator::account as disc;
use kestrel_pump::ids;

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

/// USDC's decimals (its mint is `kestrel_pump::ids::USDC_MINT`); on this cluster the faucet
/// is its mint authority.
pub const USDC_DECIMALS: u8 = 6;
/// Where a USDC curve's virtual quote reserves start, in USDC base units ($4,000, about the
/// dollar value of a SOL curve's 30 virtual SOL). Mainnet's `Global.initial_virtual_quote_reserves`
/// is not in the public sources (docs/protocol.md §1.7): this figure is the cluster's own.
pub const INITIAL_VIRTUAL_QUOTE_RESERVES: u64 = 4_000_000_000;

/// The USDC mint, with `authority` minting (the cluster's faucet) or none.
pub fn usdc_mint_account(authority: Option<Pubkey>) -> Account {
    let m = crate::ledger::programs::token::Mint {
        mint_authority: authority,
        supply: 0,
        decimals: USDC_DECIMALS,
        is_initialized: true,
        freeze_authority: None,
    };
    let mut data = vec![0; crate::ledger::programs::token::MINT_LEN];
    m.pack(&mut data);
    Account::new(
        crate::ledger::account::rent_exempt_minimum(data.len()),
        data,
        ids::TOKEN_PROGRAM,
    )
}

/// Global's `fee_recipients[7]`: the normal list after its first entry, which is `fee_recipient`.
pub fn fee_recipients() -> [Pubkey; 7] {
    std::array::from_fn(|i| FEE_RECIPIENTS[i + 1])
}

pub fn buyback_fee_recipients() -> [Pubkey; 8] {
    BUYBACK_FEE_RECIPIENTS
}

/// Global's `reserved_fee_recipients[7]`: the reserved list after `reserved_fee_recipient`.
pub fn reserved_fee_recipients() -> [Pubkey; 7] {
    std::array::from_fn(|i| RESERVED_FEE_RECIPIENTS[i + 1])
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
    d.extend(FEE_RECIPIENTS[0].as_ref());
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
    d.extend(RESERVED_FEE_RECIPIENTS[0].as_ref());
    d.push(1); // mayhem_mode_enabled
    for k in reserved_fee_recipients() {
        d.extend(k.as_ref());
    }
    d.push(1); // is_cashback_enabled
    for k in buyback_fee_recipients() {
        d.extend(k.as_ref());
    }
    d.extend(crate::ledger::programs::pump::BUYBACK_SHARE_BPS.to_le_bytes());
    d.extend(INITIAL_VIRTUAL_QUOTE_RESERVES.to_le_bytes());
    // whitelisted_quote_mints: USDC (SOL is never listed: 6069 QuoteMintNotEligibleForWhitelist).
    d.extend(USDC_MINT.as_ref());
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
    for k in FEE_RECIPIENTS
        .into_iter()
        .chain(RESERVED_FEE_RECIPIENTS)
        .chain(BUYBACK_FEE_RECIPIENTS)
    {
        accounts.insert(k, Account::wallet(1_000_000_000));
        // Each recipient's USDC account, as on mainnet, so USDC trades can pay it.
        let ata = kestrel_pump::pda::associated_token_address(&k, &ids::TOKEN_PROGRAM, &USDC_MINT);
        let t = crate::ledger::programs::token::TokenAccount {
            mint: USDC_MINT,
            owner: k,
            amount: 0,
            delegate: None,
            state: 1,
            is_native: None,
            delegated_amount: 0,
            close_authority: None,
        };
        let mut data = vec![0; crate::ledger::programs::token::ACCOUNT_LEN];
        t.pack(&mut data);
        accounts.insert(
            ata,
            Account::new(
                crate::ledger::account::rent_exempt_minimum(data.len()),
                data,
                ids::TOKEN_PROGRAM,
            ),
        );
    }
    accounts.insert(USDC_MINT, usdc_mint_account(None));
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_pump::ids::{BUYBACK_FEE_RECIPIENT_0, FEE_RECIPIENT_0};

    #[test]
    fn global_decodes_with_every_field() {
        let d = global_account_data();
        assert_eq!(d.len(), 1045);
        let g = kestrel_decode::account::decode_global(&d).unwrap();
        assert_eq!(g.fee_recipient, FEE_RECIPIENT_0);
        assert_eq!(
            g.buyback_fee_recipients.unwrap()[0],
            BUYBACK_FEE_RECIPIENT_0
        );
        assert_eq!(g.initial_virtual_sol_reserves.0, 30_000_000_000);
        assert_eq!(g.whitelisted_quote_mints, Some([USDC_MINT]));
    }

    #[test]
    fn global_holds_the_24_published_fee_recipients_in_the_documented_order() {
        let g = kestrel_decode::account::decode_global(&global_account_data()).unwrap();
        let mut normal = vec![g.fee_recipient];
        normal.extend(g.fee_recipients.unwrap());
        let mut reserved = vec![g.reserved_fee_recipient.unwrap()];
        reserved.extend(g.reserved_fee_recipients.unwrap());
        let s = |l: &[Pubkey]| l.iter().map(Pubkey::to_string).collect::<Vec<_>>();
        // docs/protocol.md §1.4.2, rows #0..#7, copied by hand from the table.
        assert_eq!(
            s(&normal)[4],
            "AVmoTthdrX6tKt4nDjco2D775W2YK3sDhxPcMmzUAmTY"
        );
        assert_eq!(
            s(&normal)[7],
            "G5UZAVbAf46s7cKWoyKu8kYTip9DGTpbLZ2qa9Aq69dP"
        );
        assert_eq!(
            s(&reserved)[0],
            "GesfTA3X2arioaHp8bbKdjG9vJtskViWACZoYvxp4twS"
        );
        assert_eq!(
            s(&reserved)[7],
            "6AUH3WEHucYZyC61hqpqYUWVto5qA5hjHuNQ32GNnNxA"
        );
        assert_eq!(
            s(&g.buyback_fee_recipients.unwrap())[2],
            "GXPFM2caqTtQYC2cJ5yJRi9VDkpsYZXzYdwYpGnLmtDL"
        );
        assert_eq!(normal, FEE_RECIPIENTS);
        assert_eq!(reserved, RESERVED_FEE_RECIPIENTS);
        assert_eq!(g.buyback_fee_recipients.unwrap(), BUYBACK_FEE_RECIPIENTS);
        // The three sets are disjoint, and every entry is a real wallet at genesis.
        let mut all: Vec<Pubkey> = normal.iter().chain(&reserved).copied().collect();
        all.extend(BUYBACK_FEE_RECIPIENTS);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 24);
        let mut accounts = HashMap::new();
        install(&mut accounts);
        assert!(
            all.iter()
                .all(|k| accounts.get(k).is_some_and(|a| a.lamports > 0))
        );
    }
}
