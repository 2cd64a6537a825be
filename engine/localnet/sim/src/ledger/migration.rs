//! Pools made while the cluster runs. A bonding curve that completes is migrated by the
//! cluster at once, as pump.fun's migration authority does on mainnet a moment later: its SOL
//! (less the Global's `pool_migration_fee`) and its remaining tokens move into the canonical
//! pool `["pool", 0, pool_authority(mint), mint, wsol]` and the curve's reserves go to zero
//! (docs/protocol.md §1.3, §1.5). The state is written through the bank directly, like genesis: the
//! emulated `migrate` instruction is not part of this cluster.

use kestrel_decode::account::decode_bonding_curve;
use kestrel_pump::amm::{self, Pool};
use kestrel_pump::ids::{
    PUMP_AMM_PROGRAM, PUMP_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, WSOL_MINT,
};
use kestrel_pump::pda::{self, associated_token_address};
use kestrel_units::TokenAmount;
use solana_pubkey::Pubkey;

use crate::ledger::account::{Account, rent_exempt_minimum};
use crate::ledger::bank::{Bank, Changed};
use crate::ledger::genesis::derived_key;
use crate::ledger::pools::{PoolInfo, lookup_table, protocol_fee_recipients, token_account};
use crate::ledger::programs::pump::encode_curve;
use crate::ledger::programs::token::TokenAccount;

/// Lamports the migration keeps (Global `pool_migration_fee`, docs/protocol.md §1.3).
pub const POOL_MIGRATION_FEE: u64 = 15_000_001;

/// What a new pool starts with.
#[derive(Clone, Copy, Debug)]
pub struct NewPool {
    pub index: u16,
    pub creator: Pubkey,
    pub base_mint: Pubkey,
    pub base_token_program: Pubkey,
    pub coin_creator: Pubkey,
    pub base_amount: u64,
    pub quote_lamports: u64,
}

/// Writes a pool, its two vaults, the coin creator's WSOL vault and the pool's lookup table.
pub fn create(bank: &mut Bank, p: &NewPool) -> Result<(PoolInfo, Changed), String> {
    if p.base_amount == 0 || p.quote_lamports == 0 {
        return Err("a pool needs both reserves above zero".into());
    }
    if bank.pools.contains_key(&p.base_mint) {
        return Err(format!("{} already has a pool", p.base_mint));
    }
    let (key, bump) = pda::find_program_address(
        &[
            b"pool",
            &p.index.to_le_bytes(),
            p.creator.as_ref(),
            p.base_mint.as_ref(),
            WSOL_MINT.as_ref(),
        ],
        &PUMP_AMM_PROGRAM,
    );
    let base_vault = associated_token_address(&key, &p.base_token_program, &p.base_mint);
    let quote_vault = associated_token_address(&key, &TOKEN_PROGRAM, &WSOL_MINT);
    let pool = Pool {
        pool_bump: bump,
        index: p.index,
        creator: p.creator,
        base_mint: p.base_mint,
        quote_mint: WSOL_MINT,
        lp_mint: pda::find_program_address(&[b"pool_lp_mint", key.as_ref()], &PUMP_AMM_PROGRAM).0,
        pool_base_token_account: base_vault,
        pool_quote_token_account: quote_vault,
        lp_supply: 0,
        coin_creator: p.coin_creator,
        is_mayhem_mode: false,
        is_cashback_coin: false,
        // The cluster's pools start with their whole quote in the vault; the field is laid
        // out and counted in every swap and quote, as on mainnet.
        virtual_quote_reserves: 0,
    };
    let data = pool.encode();
    let info = PoolInfo {
        key,
        pool,
        base_token_program: p.base_token_program,
        table: derived_key(&format!("lookup table {key}"), 0),
    };
    let creator_vault = info.accounts(Pubkey::default()).coin_creator_vault_ata;
    let mut changed: Changed = vec![
        (
            key,
            Account::new(rent_exempt_minimum(data.len()), data, PUMP_AMM_PROGRAM),
        ),
        (
            base_vault,
            token_account(&p.base_token_program, &p.base_mint, &key, p.base_amount),
        ),
        (
            quote_vault,
            token_account(&TOKEN_PROGRAM, &WSOL_MINT, &key, p.quote_lamports),
        ),
        (
            info.table,
            lookup_table(
                &derived_key("amm admin", 0),
                &info.accounts(Pubkey::default()).shared(),
            ),
        ),
    ];
    if bank.account(&creator_vault).is_none() {
        let authority = amm::coin_creator_vault_authority(&p.coin_creator);
        changed.push((
            creator_vault,
            token_account(&TOKEN_PROGRAM, &WSOL_MINT, &authority, 0),
        ));
    }
    for (k, a) in &changed {
        bank.set_account(*k, a.clone());
    }
    bank.pools.insert(p.base_mint, info);
    Ok((info, changed))
}

/// Migrates `mint`'s bonding curve if it completed and still holds its reserves: `None` when
/// there is nothing to do.
pub fn migrate(bank: &mut Bank, mint: &Pubkey) -> Result<Option<(PoolInfo, Changed)>, String> {
    let curve_key = pda::bonding_curve(mint);
    let Some(curve_acc) = bank.account(&curve_key).cloned() else {
        return Ok(None);
    };
    let curve = decode_bonding_curve(&curve_acc.data).map_err(|e| e.to_string())?;
    if !curve.complete || bank.pools.contains_key(mint) {
        return Ok(None);
    }
    if curve.quote_mint.is_some_and(|q| q != Pubkey::default()) {
        // Only SOL curves migrate here: a completed USDC curve stays complete, unmigrated.
        return Ok(None);
    }
    let token_program = bank
        .account(mint)
        .map(|a| a.owner)
        .filter(|o| *o == TOKEN_PROGRAM || *o == TOKEN_2022_PROGRAM)
        .ok_or_else(|| format!("{mint}: no mint account"))?;
    let abc = pda::associated_bonding_curve(&curve_key, &token_program, mint);
    let mut abc_acc = bank
        .account(&abc)
        .cloned()
        .ok_or("no associated bonding curve")?;
    let mut held =
        TokenAccount::unpack(&abc_acc.data).ok_or("associated bonding curve unreadable")?;
    let sol = curve.real_quote_reserves;
    let to_pool = sol.saturating_sub(POOL_MIGRATION_FEE);
    if held.amount == 0 || to_pool == 0 {
        return Ok(None);
    }
    let (info, mut changed) = create(
        bank,
        &NewPool {
            index: 0,
            creator: amm::pool_authority(mint),
            base_mint: *mint,
            base_token_program: token_program,
            coin_creator: curve.creator.unwrap_or_default(),
            base_amount: held.amount,
            quote_lamports: to_pool,
        },
    )?;
    // The curve gives up its SOL (the fee to the protocol's fee recipient) and its tokens.
    let mut c = curve.clone();
    c.virtual_token_reserves = TokenAmount(0);
    c.virtual_quote_reserves = 0;
    c.real_token_reserves = TokenAmount(0);
    c.real_quote_reserves = 0;
    let mut curve_after = curve_acc.clone();
    curve_after.lamports = curve_acc.lamports.saturating_sub(sol);
    let bytes = encode_curve(&c);
    if curve_after.data.len() < bytes.len() {
        curve_after.data.resize(bytes.len(), 0);
    }
    curve_after.data[..bytes.len()].copy_from_slice(&bytes);
    held.amount = 0;
    held.pack(&mut abc_acc.data);
    let fee_to = protocol_fee_recipients()[0];
    let mut fee_acc = bank
        .account(&fee_to)
        .cloned()
        .unwrap_or_else(|| Account::wallet(0));
    fee_acc.lamports += sol - to_pool;
    for (k, a) in [(curve_key, curve_after), (abc, abc_acc), (fee_to, fee_acc)] {
        bank.set_account(k, a.clone());
        changed.push((k, a));
    }
    Ok(Some((info, changed)))
}

/// Mints of completed curves among `changed` (what a landed trade may have finished): a
/// curve holds no mint, so it is found through the curve's own token account, which the
/// completing buy changed too.
pub fn completed_curves(changed: &Changed) -> Vec<Pubkey> {
    changed
        .iter()
        .filter(|(_, a)| a.owner == PUMP_PROGRAM)
        .filter(|(_, a)| {
            decode_bonding_curve(&a.data).is_ok_and(|c| c.complete && c.real_quote_reserves > 0)
        })
        .filter_map(|(curve, _)| {
            // The curve's base token account: a USDC curve also owns a USDC account.
            changed.iter().find_map(|(_, a)| {
                let t = TokenAccount::unpack(&a.data)?;
                (t.owner == *curve && pda::bonding_curve(&t.mint) == *curve).then_some(t.mint)
            })
        })
        .collect()
}
