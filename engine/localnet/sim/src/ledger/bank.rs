//! The ledger: accounts, slots and blockhashes, and the transaction pipeline (verify, check
//! the blockhash and the fee payer, charge the fee, run, keep the results only on success,
//! record the status). One `Bank` is owned by the cluster behind a mutex.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use solana_hash::Hash;
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use kestrel_pump::ids;

use crate::ledger::account::{Account, rent_exempt_minimum};
use crate::ledger::error::{InstructionError, TransactionError};
use crate::ledger::genesis;
use crate::ledger::programs;
use crate::ledger::runtime::TxContext;
use crate::ledger::wire::{self, Parsed};

/// Mainnet: a blockhash is usable for 150 blocks after the one it names.
pub const MAX_PROCESSING_AGE: u64 = 150;
/// Slots from processed to finalized (mainnet: a root is ~32 slots behind the tip).
pub const FINALIZATION_DEPTH: u64 = 32;
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
pub const DEFAULT_CU_PER_INSTRUCTION: u64 = 200_000;
pub const MAX_CU_LIMIT: u64 = 1_400_000;
/// Slots a landed transaction stays queryable (2 minutes at 400 ms; mainnet's status cache is
/// about as long): past expiry of its blockhash, so duplicates are always caught.
pub const HISTORY_SLOTS: u64 = 300;
/// And at most this many, whatever the rate.
pub const MAX_HISTORY: usize = 50_000;
use kestrel_pump::ids::ADDRESS_LOOKUP_TABLE_PROGRAM;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

impl Commitment {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "processed" | "recent" | "single" => Some(Self::Processed),
            "confirmed" | "singleGossip" => Some(Self::Confirmed),
            "finalized" | "max" | "root" => Some(Self::Finalized),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processed => "processed",
            Self::Confirmed => "confirmed",
            Self::Finalized => "finalized",
        }
    }

    /// Slots between processing and reaching this level.
    pub fn lag(self) -> u64 {
        match self {
            Self::Processed => 0,
            Self::Confirmed => 1,
            Self::Finalized => FINALIZATION_DEPTH,
        }
    }
}

/// One landed transaction's compute-unit price and the accounts it locked for writing.
#[derive(Clone, Debug)]
pub struct FeeSample {
    pub slot: u64,
    /// Micro-lamports per compute unit.
    pub price: u64,
    pub writable: Vec<Pubkey>,
}

#[derive(Clone, Debug)]
struct BlockhashEntry {
    hash: Hash,
    block_height: u64,
}

/// A token balance as `getTransaction` meta reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBalance {
    pub account_index: u8,
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub program_id: Pubkey,
    pub amount: u64,
    pub decimals: u8,
}

/// A landed transaction: what getTransaction, getSignatureStatuses and the notifications tell.
#[derive(Clone, Debug)]
pub struct TxRecord {
    pub signature: Signature,
    pub slot: u64,
    pub block_time: i64,
    pub fee: u64,
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub account_keys: Vec<Pubkey>,
    pub writable: Vec<bool>,
    pub signer: Vec<bool>,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub pre_token_balances: Vec<TokenBalance>,
    pub post_token_balances: Vec<TokenBalance>,
    pub compute_units: u64,
    /// The transaction as it arrived (getTransaction re-reads it; a parsed copy costs more).
    pub raw: Vec<u8>,
    pub v0: bool,
}

/// Accounts a landed transaction changed, with their new state (for notifications).
pub type Changed = Vec<(Pubkey, Account)>;

/// The outcome of running a transaction without keeping it.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units: u64,
    pub accounts_after: Vec<(Pubkey, Account)>,
}

/// Why sendTransaction refused, before or instead of landing.
#[derive(Clone, Debug)]
pub enum SendError {
    /// Not a transaction (JSON-RPC invalid params).
    Invalid(String),
    SignatureVerification,
    /// Preflight ran it and it failed (JSON-RPC -32002 with the simulation).
    Preflight(Simulation),
}

pub struct Bank {
    accounts: HashMap<Pubkey, Account>,
    slot: u64,
    block_height: u64,
    blockhashes: VecDeque<BlockhashEntry>,
    seed: u64,
    genesis_unix: i64,
    slot_ms: u64,
    transactions: HashMap<Signature, Arc<TxRecord>>,
    /// Landing order, for forgetting old transactions.
    history: VecDeque<(u64, Signature)>,
    /// Recent landed transactions' priority fees, for getRecentPrioritizationFees.
    recent_fees: VecDeque<FeeSample>,
    pub transaction_count: u64,
    /// PumpSwap pools by base mint (see [`crate::ledger::pools`]).
    pub pools: crate::ledger::pools::Pools,
}

/// Outcome of landing a transaction (`Ok` even when it failed on chain: it still landed).
pub struct Landed {
    pub record: Arc<TxRecord>,
    pub changed: Changed,
}

impl Bank {
    pub fn new(seed: u64, slot_ms: u64, genesis_unix: i64) -> Self {
        let mut bank = Self {
            accounts: HashMap::new(),
            slot: 0,
            block_height: 0,
            blockhashes: VecDeque::new(),
            seed,
            genesis_unix,
            slot_ms,
            transactions: HashMap::new(),
            history: VecDeque::new(),
            recent_fees: VecDeque::new(),
            transaction_count: 0,
            pools: crate::ledger::pools::Pools::new(),
        };
        genesis::install(&mut bank.accounts);
        crate::ledger::pools::install(&mut bank.accounts);
        bank.push_blockhash();
        bank
    }

    fn push_blockhash(&mut self) {
        let mut h = Sha256::new();
        h.update(b"kestrel-sim blockhash");
        h.update(self.seed.to_le_bytes());
        h.update(self.slot.to_le_bytes());
        let hash = Hash::new_from_array(h.finalize().into());
        self.blockhashes.push_back(BlockhashEntry {
            hash,
            block_height: self.block_height,
        });
        while self.blockhashes.len() > 300 {
            self.blockhashes.pop_front();
        }
    }

    /// Moves to the next slot (one block per slot; no skipped slots).
    pub fn advance_slot(&mut self) {
        self.slot += 1;
        self.block_height += 1;
        self.push_blockhash();
        while self
            .recent_fees
            .front()
            .is_some_and(|f| f.slot + 150 < self.slot)
        {
            self.recent_fees.pop_front();
        }
        self.forget_old();
    }

    /// Like an RPC node without long-term storage, forget transactions past `HISTORY_SLOTS`
    /// or beyond `MAX_HISTORY`, so a busy cluster's memory stays flat.
    fn forget_old(&mut self) {
        while let Some(&(slot, sig)) = self.history.front() {
            if slot + HISTORY_SLOTS >= self.slot && self.history.len() <= MAX_HISTORY {
                break;
            }
            self.history.pop_front();
            self.transactions.remove(&sig);
        }
    }

    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// The highest slot that has reached `c`.
    pub fn slot_at(&self, c: Commitment) -> u64 {
        self.slot.saturating_sub(c.lag())
    }

    pub fn block_height(&self) -> u64 {
        self.block_height
    }

    pub fn block_height_at(&self, c: Commitment) -> u64 {
        self.block_height.saturating_sub(c.lag())
    }

    /// Unix time of a slot, from the genesis time and the slot clock.
    pub fn unix_time(&self, slot: u64) -> i64 {
        self.genesis_unix
            + i64::try_from(slot.saturating_mul(self.slot_ms) / 1000).unwrap_or(i64::MAX)
    }

    /// The newest blockhash visible at `c`, and the last block height it is valid at.
    pub fn latest_blockhash(&self, c: Commitment) -> (Hash, u64) {
        let height = self.block_height_at(c);
        let entry = self
            .blockhashes
            .iter()
            .rev()
            .find(|e| e.block_height <= height)
            .or(self.blockhashes.back());
        entry.map_or((Hash::default(), 0), |e| {
            (e.hash, e.block_height + MAX_PROCESSING_AGE)
        })
    }

    pub fn is_blockhash_valid(&self, hash: &Hash) -> bool {
        self.blockhashes
            .iter()
            .any(|e| e.hash == *hash && self.block_height <= e.block_height + MAX_PROCESSING_AGE)
    }

    pub fn account(&self, key: &Pubkey) -> Option<&Account> {
        self.accounts.get(key).filter(|a| a.lamports > 0)
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&Pubkey, &Account)> {
        self.accounts.iter().filter(|(_, a)| a.lamports > 0)
    }

    /// Sets an account directly (genesis, airdrops, tests).
    pub fn set_account(&mut self, key: Pubkey, account: Account) {
        self.accounts.insert(key, account);
    }

    pub fn transaction(&self, sig: &Signature) -> Option<&TxRecord> {
        self.transactions.get(sig).map(Arc::as_ref)
    }

    pub fn recent_prioritization_fees(&self) -> impl Iterator<Item = &FeeSample> {
        self.recent_fees.iter()
    }

    /// Credits `lamports` out of thin air, as a test validator's faucet does.
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Changed, String> {
        let acc = self
            .accounts
            .entry(*to)
            .or_insert_with(|| Account::wallet(0));
        let after = acc
            .lamports
            .checked_add(lamports)
            .ok_or("lamport overflow")?;
        if acc.data.is_empty() && after < rent_exempt_minimum(0) {
            return Err(format!(
                "airdrop of {lamports} lamports would leave the account below rent exemption ({})",
                rent_exempt_minimum(0)
            ));
        }
        acc.lamports = after;
        Ok(vec![(*to, acc.clone())])
    }

    /// Checks a parsed transaction the way sendTransaction does before running it.
    pub fn check(&self, p: &Parsed, sig_verify: bool) -> Result<(), SendError> {
        if sig_verify && !wire::verify(p) {
            return Err(SendError::SignatureVerification);
        }
        Ok(())
    }

    /// Runs a transaction and keeps the result: fee charged whatever happens once it is
    /// admitted; account changes kept only on success.
    pub fn land(&mut self, p: Parsed) -> Result<Landed, TransactionError> {
        let run = self.admit(&p)?;
        Ok(self.commit(p, run))
    }

    /// sendTransaction with preflight: runs the transaction once, and keeps it only if it
    /// succeeded; otherwise the run is the preflight failure and nothing changes.
    pub fn land_if_ok(&mut self, p: Parsed) -> Result<Landed, Simulation> {
        match self.admit(&p) {
            Ok(run) if run.err.is_none() => Ok(self.commit(p, run)),
            Ok(run) => Err(run.into_simulation()),
            Err(err) => Err(Simulation::rejected(err)),
        }
    }

    /// A Jito bundle: lands `txs` in order, all or nothing. The first that cannot run or
    /// fails undoes the ones before it, and nothing is kept, not even fees (docs/protocol.md §4).
    pub fn land_bundle(
        &mut self,
        txs: Vec<Parsed>,
    ) -> Result<Vec<Landed>, (usize, TransactionError)> {
        let mut undo: Vec<(Pubkey, Option<Account>)> = Vec::new();
        let mut landed: Vec<Landed> = Vec::with_capacity(txs.len());
        for (i, p) in txs.into_iter().enumerate() {
            let failed = match self.admit(&p) {
                Ok(run) => match run.err.clone() {
                    None => {
                        undo.extend(run.keys.iter().map(|k| (*k, self.accounts.get(k).cloned())));
                        landed.push(self.commit(p, run));
                        continue;
                    }
                    Some(e) => e,
                },
                Err(e) => e,
            };
            self.undo_bundle(undo, landed.len());
            return Err((i, failed));
        }
        Ok(landed)
    }

    fn undo_bundle(&mut self, undo: Vec<(Pubkey, Option<Account>)>, landed: usize) {
        for (key, before) in undo.into_iter().rev() {
            match before {
                Some(a) => self.accounts.insert(key, a),
                None => self.accounts.remove(&key),
            };
        }
        for _ in 0..landed {
            if let Some((_, sig)) = self.history.pop_back() {
                self.transactions.remove(&sig);
            }
            self.recent_fees.pop_back();
            self.transaction_count = self.transaction_count.saturating_sub(1);
        }
    }

    /// The checks before execution (blockhash, duplicate), then the execution itself.
    fn admit(&self, p: &Parsed) -> Result<Execution, TransactionError> {
        if !self.is_blockhash_valid(&p.blockhash()) {
            return Err(TransactionError::BlockhashNotFound);
        }
        if self.transactions.contains_key(&p.signature()) {
            return Err(TransactionError::AlreadyProcessed);
        }
        self.execute(p)
    }

    /// Keeps a run: the fee always, the account changes only if it succeeded.
    fn commit(&mut self, p: Parsed, run: Execution) -> Landed {
        let sig = p.signature();
        let Execution {
            keys,
            writable,
            signer,
            pre,
            post,
            logs,
            units,
            fee,
            err,
            payer_after_fee,
            priority_price,
        } = run;

        let mut changed = Vec::new();
        let final_accounts: Vec<Account> = if err.is_none() {
            post
        } else {
            let mut v = pre.clone();
            if let Some(payer) = v.first_mut() {
                *payer = payer_after_fee.clone();
            }
            v
        };
        for (i, key) in keys.iter().enumerate() {
            let (Some(before), Some(after)) = (pre.get(i), final_accounts.get(i)) else {
                continue;
            };
            if before != after {
                if after.lamports == 0 {
                    self.accounts.remove(key);
                } else {
                    self.accounts.insert(*key, after.clone());
                }
                changed.push((*key, after.clone()));
            }
        }
        let record = TxRecord {
            signature: sig,
            slot: self.slot,
            block_time: self.unix_time(self.slot),
            fee,
            err,
            logs,
            pre_balances: pre.iter().map(|a| a.lamports).collect(),
            post_balances: final_accounts.iter().map(|a| a.lamports).collect(),
            pre_token_balances: token_balances(&keys, &pre, self),
            post_token_balances: token_balances(&keys, &final_accounts, self),
            account_keys: keys,
            writable,
            signer,
            compute_units: units,
            v0: p.is_v0(),
            raw: p.raw,
        };
        let record = Arc::new(record);
        self.transactions.insert(sig, record.clone());
        self.history.push_back((self.slot, sig));
        self.forget_old();
        self.transaction_count += 1;
        let locked = record
            .account_keys
            .iter()
            .zip(&record.writable)
            .filter(|(_, w)| **w)
            .map(|(k, _)| *k)
            .collect();
        self.recent_fees.push_back(FeeSample {
            slot: self.slot,
            price: priority_price,
            writable: locked,
        });
        Landed { record, changed }
    }

    /// Runs a transaction against the current state without keeping anything.
    pub fn simulate(&self, p: &Parsed, replace_blockhash: bool) -> Simulation {
        let run = if replace_blockhash {
            self.execute(p)
        } else {
            self.admit(p)
        };
        match run {
            Ok(run) => run.into_simulation(),
            Err(err) => Simulation::rejected(err),
        }
    }

    fn resolve_keys(&self, p: &Parsed) -> Result<(Vec<Pubkey>, Vec<bool>), TransactionError> {
        let mut keys: Vec<Pubkey> = p.static_keys().to_vec();
        let mut writable: Vec<bool> = (0..keys.len())
            .map(|i| wire::header_writable(p, i))
            .collect();
        if let Some(lookups) = p.tx.message.address_table_lookups() {
            let mut loaded_w = Vec::new();
            let mut loaded_r = Vec::new();
            for l in lookups {
                let table = self
                    .account(&l.account_key)
                    .filter(|a| a.owner == ADDRESS_LOOKUP_TABLE_PROGRAM)
                    .ok_or(TransactionError::AddressLookupTableNotFound)?;
                let addrs: Vec<Pubkey> = table
                    .data
                    .get(56..)
                    .unwrap_or_default()
                    .chunks_exact(32)
                    .filter_map(|c| <[u8; 32]>::try_from(c).ok().map(Pubkey::new_from_array))
                    .collect();
                for i in &l.writable_indexes {
                    loaded_w.push(
                        *addrs
                            .get(usize::from(*i))
                            .ok_or(TransactionError::InvalidAccountIndex)?,
                    );
                }
                for i in &l.readonly_indexes {
                    loaded_r.push(
                        *addrs
                            .get(usize::from(*i))
                            .ok_or(TransactionError::InvalidAccountIndex)?,
                    );
                }
            }
            writable.extend(std::iter::repeat_n(true, loaded_w.len()));
            writable.extend(std::iter::repeat_n(false, loaded_r.len()));
            keys.extend(loaded_w);
            keys.extend(loaded_r);
        }
        // Programs and sysvars are never writable (the runtime demotes them).
        for (k, w) in keys.iter().zip(writable.iter_mut()) {
            if self.accounts.get(k).is_some_and(|a| a.executable) || genesis::is_reserved(k) {
                *w = false;
            }
        }
        Ok((keys, writable))
    }

    fn execute(&self, p: &Parsed) -> Result<Execution, TransactionError> {
        let (keys, writable) = self.resolve_keys(p)?;
        let n_sig = usize::from(p.tx.message.header().num_required_signatures);
        let signer: Vec<bool> = (0..keys.len()).map(|i| i < n_sig).collect();
        let pre: Vec<Account> = keys
            .iter()
            .map(|k| {
                self.account(k)
                    .cloned()
                    .unwrap_or_else(|| Account::wallet(0))
            })
            .collect();

        // Programs must exist.
        for ix in p.tx.message.instructions() {
            let program = keys
                .get(usize::from(ix.program_id_index))
                .ok_or(TransactionError::InvalidAccountIndex)?;
            if !self.account(program).is_some_and(|a| a.executable) {
                return Err(TransactionError::ProgramAccountNotFound);
            }
        }

        // Compute budget and the fee.
        let budget = compute_budget(p, &keys);
        let fee = LAMPORTS_PER_SIGNATURE * n_sig as u64 + budget.priority_fee();
        let payer = pre.first().ok_or(TransactionError::AccountNotFound)?;
        if !writable.first().copied().unwrap_or(false) {
            return Err(TransactionError::InvalidAccountForFee);
        }
        if payer.lamports == 0 {
            return Err(TransactionError::AccountNotFound);
        }
        if payer.owner != ids::SYSTEM_PROGRAM || !payer.data.is_empty() {
            return Err(TransactionError::InvalidAccountForFee);
        }
        if payer.lamports < fee {
            return Err(TransactionError::InsufficientFundsForFee);
        }
        let mut payer_after_fee = payer.clone();
        payer_after_fee.lamports -= fee;
        if payer_after_fee.lamports > 0 && payer_after_fee.lamports < rent_exempt_minimum(0) {
            return Err(TransactionError::InsufficientFundsForFee);
        }

        let mut working = pre.clone();
        if let Some(first) = working.first_mut() {
            *first = payer_after_fee.clone();
        }
        let mut ctx = TxContext::new(
            keys.clone(),
            signer.clone(),
            writable.clone(),
            working,
            budget.limit,
            self.slot,
            self.unix_time(self.slot),
            programs::dispatch,
        );
        let mut err = budget.error.clone();
        if err.is_none() {
            for (i, ix) in p.tx.message.instructions().iter().enumerate() {
                let accounts: Vec<usize> = ix.accounts.iter().map(|a| usize::from(*a)).collect();
                let index = u8::try_from(i).unwrap_or(u8::MAX);
                if let Err(e) =
                    ctx.execute_top(index, usize::from(ix.program_id_index), &accounts, &ix.data)
                {
                    err = Some(TransactionError::InstructionError(index, e));
                    break;
                }
            }
        }
        if err.is_none() {
            err = rent_violation(&pre, &ctx.accounts, &writable);
        }
        let units = ctx.cu_used;
        Ok(Execution {
            keys,
            writable,
            signer,
            pre,
            post: ctx.accounts,
            logs: ctx.logs,
            units,
            fee,
            err,
            payer_after_fee,
            priority_price: budget.price,
        })
    }
}

struct Execution {
    keys: Vec<Pubkey>,
    writable: Vec<bool>,
    signer: Vec<bool>,
    pre: Vec<Account>,
    post: Vec<Account>,
    logs: Vec<String>,
    units: u64,
    fee: u64,
    err: Option<TransactionError>,
    payer_after_fee: Account,
    priority_price: u64,
}

impl Execution {
    fn into_simulation(self) -> Simulation {
        let after = if self.err.is_none() {
            self.post
        } else {
            self.pre
        };
        Simulation {
            err: self.err,
            logs: self.logs,
            units: self.units,
            accounts_after: self.keys.into_iter().zip(after).collect(),
        }
    }
}

impl Simulation {
    /// Refused before it ran.
    fn rejected(err: TransactionError) -> Self {
        Self {
            err: Some(err),
            logs: Vec::new(),
            units: 0,
            accounts_after: Vec::new(),
        }
    }
}

/// What the compute-budget instructions asked for.
struct Budget {
    limit: u64,
    /// Micro-lamports per compute unit.
    price: u64,
    error: Option<TransactionError>,
}

impl Budget {
    fn priority_fee(&self) -> u64 {
        let micro = u128::from(self.price) * u128::from(self.limit);
        u64::try_from(micro.div_ceil(1_000_000)).unwrap_or(u64::MAX)
    }
}

fn compute_budget(p: &Parsed, keys: &[Pubkey]) -> Budget {
    let mut limit = None;
    let mut price = 0u64;
    let mut error = None;
    let mut others = 0u64;
    for (i, ix) in p.tx.message.instructions().iter().enumerate() {
        if keys.get(usize::from(ix.program_id_index)) != Some(&ids::COMPUTE_BUDGET_PROGRAM) {
            others += 1;
            continue;
        }
        let bad = || {
            TransactionError::InstructionError(
                u8::try_from(i).unwrap_or(u8::MAX),
                InstructionError::InvalidInstructionData,
            )
        };
        match ix.data.first() {
            Some(2) => match ix.data.get(1..5).and_then(|b| b.try_into().ok()) {
                Some(b) => limit = Some(u64::from(u32::from_le_bytes(b))),
                None => error = Some(bad()),
            },
            Some(3) => match ix.data.get(1..9).and_then(|b| b.try_into().ok()) {
                Some(b) => price = u64::from_le_bytes(b),
                None => error = Some(bad()),
            },
            Some(1 | 4) => {}
            _ => error = Some(bad()),
        }
    }
    let limit = limit
        .unwrap_or(DEFAULT_CU_PER_INSTRUCTION * others)
        .min(MAX_CU_LIMIT);
    Budget {
        limit,
        price,
        error,
    }
}

/// The runtime's rent rule: no account may end a transaction rent-paying (0 < lamports <
/// exempt minimum) unless it already was, with the same size and no more lamports.
fn rent_violation(
    pre: &[Account],
    post: &[Account],
    writable: &[bool],
) -> Option<TransactionError> {
    for (i, (before, after)) in pre.iter().zip(post).enumerate() {
        if !writable.get(i).copied().unwrap_or(false) || before == after {
            continue;
        }
        let paying = |a: &Account| a.lamports > 0 && a.lamports < rent_exempt_minimum(a.data.len());
        if paying(after)
            && !(paying(before)
                && before.data.len() == after.data.len()
                && after.lamports <= before.lamports)
        {
            return Some(TransactionError::InsufficientFundsForRent {
                account_index: u8::try_from(i).unwrap_or(u8::MAX),
            });
        }
    }
    None
}

fn token_balances(keys: &[Pubkey], accounts: &[Account], bank: &Bank) -> Vec<TokenBalance> {
    use crate::ledger::programs::token::{Mint, TokenAccount};
    let mut out = Vec::new();
    for (i, (key, acc)) in keys.iter().zip(accounts).enumerate() {
        let _ = key;
        if acc.owner != ids::TOKEN_PROGRAM && acc.owner != ids::TOKEN_2022_PROGRAM {
            continue;
        }
        let Some(t) = TokenAccount::unpack(&acc.data).filter(|t| t.state != 0) else {
            continue;
        };
        let decimals = bank
            .account(&t.mint)
            .and_then(|m| Mint::unpack(&m.data))
            .map_or(0, |m| m.decimals);
        out.push(TokenBalance {
            account_index: u8::try_from(i).unwrap_or(u8::MAX),
            mint: t.mint,
            owner: t.owner,
            program_id: acc.owner,
            amount: t.amount,
            decimals,
        });
    }
    out
}
