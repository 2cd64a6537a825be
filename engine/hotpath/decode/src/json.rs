//! Serde helpers for the JSON form of decoded items: keys as base58 strings.

use serde::Serializer;
use serde::ser::SerializeSeq;
use solana_pubkey::Pubkey;

pub fn pubkey<S: Serializer>(key: &Pubkey, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(key)
}

pub fn opt_pubkey<S: Serializer>(key: &Option<Pubkey>, s: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(k) => s.collect_str(k),
        None => s.serialize_none(),
    }
}

pub fn opt_pubkeys<S: Serializer, const N: usize>(
    keys: &Option<[Pubkey; N]>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match keys {
        None => s.serialize_none(),
        Some(keys) => {
            let mut seq = s.serialize_seq(Some(N))?;
            for k in keys {
                seq.serialize_element(&k.to_string())?;
            }
            seq.end()
        }
    }
}
