//! Address lookup tables: read once with `getMultipleAccounts` and kept, so assembling a swap
//! never waits on the network for them. A table's layout is the address-lookup-table
//! program's: a 56-byte header (type tag 1 for a live table, deactivation slot, …) and then
//! the addresses, 32 bytes each (solana-program address-lookup-table `state.rs`,
//! `LOOKUP_TABLE_META_SIZE`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use kestrel_pump::ids::ADDRESS_LOOKUP_TABLE_PROGRAM;
use solana_message::AddressLookupTableAccount;
use solana_pubkey::Pubkey;
use thiserror::Error;

use crate::rpc::{JsonRpc, RpcError};

const META_SIZE: usize = 56;
/// `getMultipleAccounts` takes at most this many keys.
const MAX_KEYS_PER_CALL: usize = 100;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LookupError {
    #[error("lookup table {0} does not exist")]
    Missing(Pubkey),
    #[error("{0} is not an address lookup table (owner {1})")]
    NotATable(Pubkey, Pubkey),
    #[error("lookup table {0} is malformed: {1}")]
    Malformed(Pubkey, String),
    #[error(transparent)]
    Rpc(#[from] RpcError),
}

/// Decodes one table account's data.
pub fn decode(key: Pubkey, data: &[u8]) -> Result<AddressLookupTableAccount, LookupError> {
    if data.len() < META_SIZE {
        return Err(LookupError::Malformed(
            key,
            format!("{} bytes, under the 56-byte header", data.len()),
        ));
    }
    let tag = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    if tag != 1 {
        return Err(LookupError::Malformed(
            key,
            format!("type tag {tag}, not a lookup table"),
        ));
    }
    let body = &data[META_SIZE..];
    if !body.len().is_multiple_of(32) {
        return Err(LookupError::Malformed(
            key,
            format!("{} address bytes, not a multiple of 32", body.len()),
        ));
    }
    let addresses = body
        .chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok().map(Pubkey::new_from_array))
        .collect();
    Ok(AddressLookupTableAccount { key, addresses })
}

/// Encodes a live table (the local cluster creates them; tests read them back).
pub fn encode(authority: Option<&Pubkey>, addresses: &[Pubkey]) -> Vec<u8> {
    let mut d = Vec::with_capacity(META_SIZE + 32 * addresses.len());
    d.extend_from_slice(&1u32.to_le_bytes());
    d.extend_from_slice(&u64::MAX.to_le_bytes()); // deactivation_slot: active
    d.extend_from_slice(&0u64.to_le_bytes()); // last_extended_slot
    d.push(0); // last_extended_slot_start_index
    match authority {
        Some(a) => {
            d.push(1);
            d.extend_from_slice(a.as_ref());
        }
        None => d.extend_from_slice(&[0; 33]),
    }
    d.extend_from_slice(&[0; 2]); // padding
    for a in addresses {
        d.extend_from_slice(a.as_ref());
    }
    d
}

/// Tables read so far, shared between the task that fetches and the code that signs.
#[derive(Clone, Default)]
pub struct LookupTables {
    cache: Arc<RwLock<HashMap<Pubkey, Arc<AddressLookupTableAccount>>>>,
}

impl LookupTables {
    /// Every table in `keys` if all are cached; `None` sends the caller to [`Self::fetch`].
    pub fn cached(&self, keys: &[Pubkey]) -> Option<Vec<AddressLookupTableAccount>> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .map(|k| cache.get(k).map(|t| (**t).clone()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the tables in `keys` not cached yet, then returns them all.
    pub async fn fetch(
        &self,
        rpc: &JsonRpc,
        keys: &[Pubkey],
    ) -> Result<Vec<AddressLookupTableAccount>, LookupError> {
        let missing: Vec<Pubkey> = {
            let cache = self
                .cache
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            keys.iter()
                .filter(|k| !cache.contains_key(k))
                .copied()
                .collect()
        };
        for chunk in missing.chunks(MAX_KEYS_PER_CALL) {
            let accounts = rpc.multiple_accounts(chunk).await?;
            let mut fresh = Vec::with_capacity(chunk.len());
            for (key, account) in chunk.iter().zip(accounts) {
                let (owner, data) = account.ok_or(LookupError::Missing(*key))?;
                if owner != ADDRESS_LOOKUP_TABLE_PROGRAM {
                    return Err(LookupError::NotATable(*key, owner));
                }
                fresh.push((*key, Arc::new(decode(*key, &data)?)));
            }
            self.cache
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend(fresh);
        }
        self.cached(keys)
            .ok_or_else(|| LookupError::Missing(keys.first().copied().unwrap_or_default()))
    }

    /// Forgets a table (it was extended or closed), so the next use reads it again.
    pub fn forget(&self, key: &Pubkey) {
        self.cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tables_round_trip_and_bad_data_is_an_error() {
        let key = Pubkey::new_unique();
        let addrs: Vec<Pubkey> = (0..5).map(|_| Pubkey::new_unique()).collect();
        let d = encode(Some(&Pubkey::new_unique()), &addrs);
        assert_eq!(decode(key, &d).unwrap().addresses, addrs);
        assert!(matches!(
            decode(key, &d[..40]),
            Err(LookupError::Malformed(..))
        ));
        assert!(matches!(
            decode(key, &d[..d.len() - 1]),
            Err(LookupError::Malformed(..))
        ));
        let mut uninit = d.clone();
        uninit[0] = 0;
        assert!(matches!(
            decode(key, &uninit),
            Err(LookupError::Malformed(..))
        ));
    }
}
