//! The cluster's PumpSwap pools: what the ledger knows of each (its key, its state, its lookup
//! table), PumpSwap's GlobalConfig and fee recipients as genesis writes them, and the account
//! layouts a pool is made of. Pools come from migrated curves (see `ledger::migration`) or
//! the sim config. Each pool gets an address lookup table holding the accounts every swap on
//! it shares, as the tables Jupiter routes with do.

use std::collections::HashMap;

use kestrel_pump::amm::{self, Pool, SwapAccounts};
use kestrel_pump::ids::{
    ADDRESS_LOOKUP_TABLE_PROGRAM, JITO_TIP_ACCOUNTS, PUMP_AMM_PROGRAM, TOKEN_2022_PROGRAM,
    TOKEN_PROGRAM, WSOL_MINT,
};
use kestrel_pump::pda::associated_token_address;
use solana_pubkey::Pubkey;

use crate::ledger::account::{Account, rent_exempt_minimum};
use crate::ledger::genesis::derived_key;
use crate::ledger::programs::pump_amm::{self, DEFAULT_FEES, GlobalConfig};
use crate::ledger::programs::token::{self, Mint, TokenAccount};

/// A pool the cluster knows, by its base mint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolInfo {
    pub key: Pubkey,
    pub pool: Pool,
    pub base_token_program: Pubkey,
    pub table: Pubkey,
}

impl PoolInfo {
    /// Every account of `user` swapping on this pool.
    pub fn accounts(&self, user: Pubkey) -> SwapAccounts {
        SwapAccounts::derive(
            self.key,
            &self.pool,
            user,
            self.base_token_program,
            protocol_fee_recipients()[0],
        )
    }
}

/// Pools by base mint.
pub type Pools = HashMap<Pubkey, PoolInfo>;

pub fn protocol_fee_recipients() -> [Pubkey; 8] {
    std::array::from_fn(|i| derived_key("amm protocol fee recipient", i as u8))
}

pub fn global_config() -> GlobalConfig {
    GlobalConfig {
        fees: DEFAULT_FEES,
        protocol_fee_recipients: protocol_fee_recipients(),
    }
}

/// A token account as the token program lays it out (Token-2022 with the immutable-owner
/// extension, as the associated token program makes them).
pub fn token_account(program: &Pubkey, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Account {
    let len = if *program == TOKEN_2022_PROGRAM {
        token::ACCOUNT_2022_IMMUTABLE_LEN
    } else {
        token::ACCOUNT_LEN
    };
    let reserve = rent_exempt_minimum(len);
    let native = *mint == WSOL_MINT;
    let mut data = vec![0; len];
    TokenAccount {
        mint: *mint,
        owner: *owner,
        amount,
        delegate: None,
        state: 1,
        is_native: native.then_some(reserve),
        delegated_amount: 0,
        close_authority: None,
    }
    .pack(&mut data);
    if *program == TOKEN_2022_PROGRAM {
        data[165] = 2; // AccountType::Account
        data[166..168].copy_from_slice(&7u16.to_le_bytes()); // ImmutableOwner
    }
    let lamports = if native { reserve + amount } else { reserve };
    Account::new(lamports, data, *program)
}

/// PumpSwap's GlobalConfig, the protocol fee recipients with their WSOL accounts, and the
/// Jito tip accounts (rent-exempt, so a 1000-lamport tip can land on them).
pub fn install(accounts: &mut HashMap<Pubkey, Account>) {
    let config = pump_amm::encode_global_config(&derived_key("amm admin", 0), &global_config());
    accounts.insert(
        amm::global_config(),
        Account::new(rent_exempt_minimum(config.len()), config, PUMP_AMM_PROGRAM),
    );
    for r in protocol_fee_recipients() {
        accounts.insert(r, Account::wallet(1_000_000_000));
        accounts.insert(
            associated_token_address(&r, &TOKEN_PROGRAM, &WSOL_MINT),
            token_account(&TOKEN_PROGRAM, &WSOL_MINT, &r, 0),
        );
    }
    accounts.insert(
        ADDRESS_LOOKUP_TABLE_PROGRAM,
        Account::program(Pubkey::from_str_const(
            "NativeLoader1111111111111111111111111111111",
        )),
    );
    for tip in JITO_TIP_ACCOUNTS {
        accounts.insert(tip, Account::wallet(rent_exempt_minimum(0)));
    }
}

/// A lookup table account: the 56-byte header of a live table, then the addresses.
pub fn lookup_table(authority: &Pubkey, addresses: &[Pubkey]) -> Account {
    let mut d = Vec::with_capacity(56 + 32 * addresses.len());
    d.extend_from_slice(&1u32.to_le_bytes()); // ProgramState::LookupTable
    d.extend_from_slice(&u64::MAX.to_le_bytes()); // deactivation_slot: never
    d.extend_from_slice(&0u64.to_le_bytes()); // last_extended_slot
    d.push(0); // last_extended_slot_start_index
    d.push(1);
    d.extend_from_slice(authority.as_ref());
    d.extend_from_slice(&[0; 2]);
    for a in addresses {
        d.extend_from_slice(a.as_ref());
    }
    Account::new(
        rent_exempt_minimum(d.len()),
        d,
        ADDRESS_LOOKUP_TABLE_PROGRAM,
    )
}

/// A new SPL mint with `supply` minted and no authority left (a config pool's coin).
pub fn mint_account(supply: u64, decimals: u8) -> Account {
    let mut data = vec![0; token::MINT_LEN];
    Mint {
        mint_authority: None,
        supply,
        decimals,
        is_initialized: true,
        freeze_authority: None,
    }
    .pack(&mut data);
    Account::new(rent_exempt_minimum(data.len()), data, TOKEN_PROGRAM)
}
