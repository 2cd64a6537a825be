//! The cluster as the services see it: the bank behind a mutex, the slot clock, the faucet, and
//! a broadcast of everything that happens (slots, landed transactions, accounts the cluster
//! changed itself, replayed frames) for the PubSub side. It sits between the ledger below and
//! the services above, so the events it carries are defined here, not by their senders.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::sync::broadcast;

use crate::faults::Faults;
use crate::ledger::bank::{Bank, Changed, Commitment, SendError, TxRecord};
use crate::ledger::error::TransactionError;
use crate::ledger::programs::system;
use crate::ledger::wire::{self, Parsed};

/// Lamports the faucet starts with (500 million SOL).
const FAUCET_LAMPORTS: u64 = 500_000_000 * 1_000_000_000;

#[derive(Clone, Debug)]
pub enum Event {
    Slot { slot: u64, parent: u64, root: u64 },
    Landed(Arc<LandedEvent>),
    Accounts(Arc<AccountsEvent>),
    Replay(Arc<ReplayFrame>),
}

/// One recorded notification, as the replay sends it to subscribers (here, with the events,
/// so the cluster does not depend on the replay service that reads recordings).
#[derive(Debug)]
pub struct ReplayFrame {
    pub method: String,
    pub result: Value,
}

#[derive(Debug)]
pub struct LandedEvent {
    pub record: Arc<TxRecord>,
    pub changed: Changed,
    /// The logsNotification `value` as JSON, written once however many subscribers get it.
    logs_value: std::sync::OnceLock<String>,
}

impl LandedEvent {
    pub fn new(record: Arc<TxRecord>, changed: Changed) -> Self {
        Self {
            record,
            changed,
            logs_value: std::sync::OnceLock::new(),
        }
    }

    /// `{"signature":…,"err":…,"logs":[…]}`, in mainnet's key order.
    pub fn logs_value(&self) -> &str {
        self.logs_value.get_or_init(|| {
            #[derive(serde::Serialize)]
            struct LogsValue<'a> {
                signature: String,
                err: Option<serde_json::Value>,
                logs: &'a [String],
            }
            let r = &self.record;
            serde_json::to_string(&LogsValue {
                signature: r.signature.to_string(),
                err: r.err.as_ref().map(|e| e.to_json()),
                logs: &r.logs,
            })
            // Strings and a JSON value always serialize.
            .unwrap_or_default()
        })
    }
}

/// Accounts the cluster itself changed, outside any transaction.
#[derive(Debug)]
pub struct AccountsEvent {
    pub slot: u64,
    pub changed: Changed,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub transactions_received: AtomicU64,
    pub transactions_landed: AtomicU64,
    pub notifications_sent: AtomicU64,
    pub rpc_requests: AtomicU64,
}

pub struct Cluster {
    bank: Mutex<Bank>,
    events: broadcast::Sender<Event>,
    faucet: Keypair,
    pub faults: Faults,
    pub stats: Stats,
    /// Jito bundles seen, for their statuses.
    pub bundles: crate::bundles::Bundles,
    pub slot_ms: u64,
    seed: u64,
    tap: std::sync::OnceLock<Arc<crate::tap::LatencyTap>>,
}

impl Cluster {
    pub fn new(seed: u64, slot_ms: u64, genesis_unix: i64, faults: Faults) -> Arc<Self> {
        let mut bank = Bank::new(seed, slot_ms, genesis_unix);
        let faucet = seeded_keypair(seed, "faucet", 0);
        bank.set_account(
            faucet.pubkey(),
            crate::ledger::account::Account::wallet(FAUCET_LAMPORTS),
        );
        // The faucet mints USDC (requestAirdrop with a `mint`).
        bank.set_account(
            kestrel_pump::ids::USDC_MINT,
            crate::ledger::genesis::usdc_mint_account(Some(faucet.pubkey())),
        );
        // Slow subscribers lag and skip rather than hold the cluster's memory.
        let (events, _) = broadcast::channel(1 << 13);
        Arc::new(Self {
            bank: Mutex::new(bank),
            events,
            faucet,
            faults,
            stats: Stats::default(),
            bundles: crate::bundles::Bundles::default(),
            slot_ms,
            seed,
            tap: std::sync::OnceLock::new(),
        })
    }

    /// Installs the end-to-end benchmark's latency tap (once).
    pub fn install_tap(&self, tap: Arc<crate::tap::LatencyTap>) {
        let _ = self.tap.set(tap);
    }

    pub fn tap(&self) -> Option<&Arc<crate::tap::LatencyTap>> {
        self.tap.get()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn bank(&self) -> MutexGuard<'_, Bank> {
        // A panic while holding the lock would be a bug in the bank; keep serving regardless.
        self.bank
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn publish(&self, event: Event) {
        let _ = self.events.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// One slot passes: a new block and blockhash.
    pub fn tick(&self) {
        let mut bank = self.bank();
        bank.advance_slot();
        let slot = bank.slot();
        let _ = self.events.send(Event::Slot {
            slot,
            parent: slot.saturating_sub(1),
            root: slot.saturating_sub(Commitment::Finalized.lag()),
        });
    }

    /// sendTransaction: preflight unless skipped, then land. With `skip_preflight`, what mainnet
    /// would drop (bad signature, stale blockhash, duplicate, unpayable fee) is dropped silently
    /// and only the signature comes back.
    pub fn submit(&self, p: Parsed, skip_preflight: bool) -> Result<Signature, SendError> {
        self.stats
            .transactions_received
            .fetch_add(1, Ordering::Relaxed);
        let sig = p.signature();
        let verified = wire::verify(&p);
        {
            let mut bank = self.bank();
            // Published under the lock, so subscribers see transactions and slots in order.
            if skip_preflight {
                if verified && let Ok(l) = bank.land(p) {
                    self.publish_landed(&mut bank, l);
                }
            } else {
                if !verified {
                    return Err(SendError::SignatureVerification);
                }
                // Run once: a failure is the preflight answer and changes nothing.
                let landed = bank.land_if_ok(p).map_err(SendError::Preflight)?;
                self.publish_landed(&mut bank, landed);
            }
        }
        Ok(sig)
    }

    /// Publishes a landed transaction, then migrates any curve it completed.
    pub(crate) fn publish_landed(&self, bank: &mut Bank, landed: crate::ledger::bank::Landed) {
        let completed = crate::ledger::migration::completed_curves(&landed.changed);
        self.publish_one(landed);
        for mint in completed {
            match crate::ledger::migration::migrate(bank, &mint) {
                Ok(Some((info, changed))) => {
                    tracing::info!(%mint, pool = %info.key, "curve complete: migrated to a PumpSwap pool");
                    let _ = self.events.send(Event::Accounts(Arc::new(AccountsEvent {
                        slot: bank.slot(),
                        changed,
                    })));
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(%mint, "migration failed: {e}"),
            }
        }
    }

    fn publish_one(&self, landed: crate::ledger::bank::Landed) {
        if landed.record.err.is_none() {
            self.stats
                .transactions_landed
                .fetch_add(1, Ordering::Relaxed);
        }
        if let Some(tap) = self.tap.get() {
            tap.published(&landed.record, std::time::Instant::now());
        }
        let _ = self.events.send(Event::Landed(Arc::new(LandedEvent::new(
            landed.record,
            landed.changed,
        ))));
    }

    /// Lands a transaction built by the cluster itself (faucet, scenario wallets).
    pub fn submit_own(&self, tx: &Transaction) -> Result<Signature, TransactionError> {
        let versioned = solana_transaction::versioned::VersionedTransaction::from(tx.clone());
        let raw = bincode::serialize(&versioned).map_err(|_| TransactionError::SanitizeFailure)?;
        let p = wire::parse(raw).map_err(|_| TransactionError::SanitizeFailure)?;
        let sig = p.signature();
        let mut bank = self.bank();
        let landed = bank.land(p)?;
        let err = landed.record.err.clone();
        self.publish_landed(&mut bank, landed);
        err.map_or(Ok(sig), Err)
    }

    pub fn latest_blockhash(&self) -> Hash {
        self.bank().latest_blockhash(Commitment::Processed).0
    }

    /// requestAirdrop: a real transfer from the faucet, so it has a signature, logs and status.
    pub fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<Signature, String> {
        if lamports == 0 {
            return Err("airdrop amount must be greater than zero".into());
        }
        let blockhash = self.latest_blockhash();
        let ix = system::ix::transfer(&self.faucet.pubkey(), to, lamports);
        let tx = Transaction::new_signed_with_payer(
            &[ix],
            Some(&self.faucet.pubkey()),
            &[&self.faucet],
            blockhash,
        );
        self.submit_own(&tx)
            .map_err(|e| format!("airdrop failed: {}", e.message()))
    }
}

impl Cluster {
    /// requestAirdrop of USDC: the owner's USDC account made if missing, then a real `MintTo`
    /// signed by the faucet, USDC's mint authority on this cluster.
    pub fn airdrop_usdc(&self, owner: &Pubkey, amount: u64) -> Result<Signature, String> {
        use kestrel_pump::ids::TOKEN_PROGRAM;
        use kestrel_pump::ids::USDC_MINT;
        if amount == 0 {
            return Err("airdrop amount must be greater than zero".into());
        }
        let faucet = self.faucet.pubkey();
        let ata = kestrel_pump::pda::associated_token_address(owner, &TOKEN_PROGRAM, &USDC_MINT);
        let create = crate::ledger::programs::ata::ix::create_idempotent(
            &faucet,
            owner,
            &USDC_MINT,
            &TOKEN_PROGRAM,
        );
        let mut data = vec![7u8];
        data.extend(amount.to_le_bytes());
        let mint_to = solana_instruction::Instruction {
            program_id: TOKEN_PROGRAM,
            accounts: vec![
                solana_instruction::AccountMeta::new(USDC_MINT, false),
                solana_instruction::AccountMeta::new(ata, false),
                solana_instruction::AccountMeta::new_readonly(faucet, true),
            ],
            data,
        };
        let tx = Transaction::new_signed_with_payer(
            &[create, mint_to],
            Some(&faucet),
            &[&self.faucet],
            self.latest_blockhash(),
        );
        self.submit_own(&tx)
            .map_err(|e| format!("airdrop failed: {}", e.message()))
    }
}

/// A keypair the cluster derives from its seed, so runs repeat.
pub fn seeded_keypair(seed: u64, label: &str, i: u64) -> Keypair {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"kestrel-sim keypair ");
    h.update(seed.to_le_bytes());
    h.update(label.as_bytes());
    h.update(i.to_le_bytes());
    let secret: [u8; 32] = h.finalize().into();
    Keypair::new_from_array(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_are_forgotten_after_the_history_window() {
        let cluster = Cluster::new(3, 400, 0, Faults::none());
        let sig = cluster
            .airdrop(&Pubkey::new_unique(), 1_000_000_000)
            .unwrap();
        assert!(cluster.bank().transaction(&sig).is_some());
        for _ in 0..crate::ledger::bank::HISTORY_SLOTS {
            cluster.tick();
        }
        assert!(
            cluster.bank().transaction(&sig).is_some(),
            "kept through the window"
        );
        cluster.tick();
        assert!(
            cluster.bank().transaction(&sig).is_none(),
            "forgotten after it"
        );
    }
}
