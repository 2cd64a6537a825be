//! A recent blockhash, refreshed in the background so signing never waits on the network.
//! Readers take a copy through a seqlock ([`crossbeam_utils::atomic::AtomicCell`]): no mutex,
//! no waiting on the writer.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_utils::atomic::AtomicCell;
use kestrel_model::mono_nanos;
use solana_hash::Hash;

use crate::rpc::JsonRpc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recent {
    pub hash: Hash,
    /// The block height after which a transaction using `hash` can no longer land.
    pub last_valid_block_height: u64,
    /// [`mono_nanos`] when it was fetched.
    pub fetched_at: u64,
}

#[derive(Default)]
pub struct BlockhashCache {
    cell: AtomicCell<Option<Recent>>,
}

impl BlockhashCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self) -> Option<Recent> {
        self.cell.load()
    }

    pub fn set(&self, r: Recent) {
        self.cell.store(Some(r));
    }

    /// Fetches now, then every `every`, from the first endpoint that answers. Failures keep
    /// the last good hash (it stays valid for ~60 s) and are logged.
    pub async fn refresh_forever(self: Arc<Self>, rpcs: Vec<JsonRpc>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.refresh(&rpcs).await;
        }
    }

    /// At start: refresh, retrying (after any Retry-After the RPC gives, at most 2 s) up to
    /// `attempts` times.
    pub async fn refresh_with_retries(&self, rpcs: &[JsonRpc], attempts: u32) -> bool {
        for attempt in 0..attempts {
            if self.refresh(rpcs).await {
                return true;
            }
            let wait = Duration::from_millis(200 * u64::from(attempt + 1));
            tokio::time::sleep(wait.min(Duration::from_secs(2))).await;
        }
        false
    }

    pub async fn refresh(&self, rpcs: &[JsonRpc]) -> bool {
        for rpc in rpcs {
            match rpc.latest_blockhash().await {
                Ok((hash, last_valid_block_height)) => {
                    self.set(Recent {
                        hash,
                        last_valid_block_height,
                        fetched_at: mono_nanos(),
                    });
                    return true;
                }
                Err(e) => tracing::warn!("getLatestBlockhash from {}: {e}", rpc.name()),
            }
        }
        false
    }
}
