//! Transactions as they arrive: base64 or base58 text → bytes → a verified, sanitized
//! transaction with its account privileges resolved.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bincode::Options as _;
use solana_hash::Hash;
use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// Mainnet's packet size: the most a serialized transaction may take.
pub const PACKET_DATA_SIZE: usize = 1232;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Base58,
    Base64,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "base58" => Some(Self::Base58),
            "base64" => Some(Self::Base64),
            _ => None,
        }
    }
}

/// Why bytes are not a transaction, worded as the RPC words it (JSON-RPC invalid params).
pub fn decode(text: &str, encoding: Encoding) -> Result<Vec<u8>, String> {
    const TYPE: &str = "solana_transaction::versioned::VersionedTransaction";
    let (bytes, max_encoded) = match encoding {
        Encoding::Base58 => (
            bs58::decode(text)
                .into_vec()
                .map_err(|e| format!("invalid base58 encoding: {e}"))?,
            1683,
        ),
        Encoding::Base64 => (
            STANDARD
                .decode(text)
                .map_err(|e| format!("invalid base64 encoding: {e}"))?,
            1644,
        ),
    };
    if text.len() > max_encoded || bytes.len() > PACKET_DATA_SIZE {
        let name = if encoding == Encoding::Base58 {
            "base58"
        } else {
            "base64"
        };
        return Err(format!(
            "{name} encoded {TYPE} too large: {} bytes (max: encoded/raw {max_encoded}/{PACKET_DATA_SIZE})",
            text.len()
        ));
    }
    Ok(bytes)
}

/// A transaction with everything the bank needs to run it.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub tx: VersionedTransaction,
    /// The bytes the signatures sign.
    pub message_bytes: Vec<u8>,
    pub raw: Vec<u8>,
}

impl Parsed {
    pub fn signature(&self) -> Signature {
        self.tx.signatures.first().copied().unwrap_or_default()
    }

    pub fn blockhash(&self) -> Hash {
        *self.tx.message.recent_blockhash()
    }

    pub fn static_keys(&self) -> &[Pubkey] {
        self.tx.message.static_account_keys()
    }

    pub fn is_v0(&self) -> bool {
        matches!(self.tx.message, VersionedMessage::V0(_))
    }
}

/// Deserializes (as the RPC does: fixed-int bincode, bounded) and sanitizes.
pub fn parse(raw: Vec<u8>) -> Result<Parsed, String> {
    let tx: VersionedTransaction = bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize(&raw)
        .map_err(|e| {
            format!(
                "failed to deserialize solana_transaction::versioned::VersionedTransaction: {e}"
            )
        })?;
    let sig_len = short_vec_len(&raw).ok_or("failed to deserialize: bad signature count")?;
    let message_start = sig_len.0 + sig_len.1 * 64;
    let message_bytes = raw
        .get(message_start..)
        .ok_or("truncated transaction")?
        .to_vec();
    sanitize(&tx)?;
    Ok(Parsed {
        tx,
        message_bytes,
        raw,
    })
}

/// (bytes taken by the compact-u16 length, the length).
fn short_vec_len(b: &[u8]) -> Option<(usize, usize)> {
    let mut len = 0usize;
    for i in 0..3 {
        let byte = *b.get(i)?;
        len |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((i + 1, len));
        }
    }
    None
}

fn sanitize(tx: &VersionedTransaction) -> Result<(), String> {
    let bad = || {
        "invalid transaction: Transaction failed to sanitize accounts offsets correctly".to_owned()
    };
    let header = tx.message.header();
    let keys = tx.message.static_account_keys();
    let n_sig = usize::from(header.num_required_signatures);
    if tx.signatures.len() != n_sig || n_sig == 0 || n_sig > keys.len() {
        return Err(bad());
    }
    if usize::from(header.num_readonly_signed_accounts) >= n_sig {
        return Err(bad());
    }
    if n_sig + usize::from(header.num_readonly_unsigned_accounts) > keys.len() {
        return Err(bad());
    }
    let lookups: usize = tx
        .message
        .address_table_lookups()
        .map(|l| {
            l.iter()
                .map(|t| t.writable_indexes.len() + t.readonly_indexes.len())
                .sum()
        })
        .unwrap_or(0);
    let total = keys.len() + lookups;
    if total > 256 {
        return Err(bad());
    }
    for ix in tx.message.instructions() {
        let program = usize::from(ix.program_id_index);
        // The fee payer cannot be a program, and programs must be static keys.
        if program == 0 || program >= keys.len() {
            return Err(bad());
        }
        if ix.accounts.iter().any(|a| usize::from(*a) >= total) {
            return Err(bad());
        }
    }
    let mut seen = std::collections::HashSet::new();
    if !keys.iter().all(|k| seen.insert(*k)) {
        return Err("invalid transaction: Transaction contains a duplicate account".into());
    }
    Ok(())
}

/// Every signature checked against its key over the message bytes.
pub fn verify(p: &Parsed) -> bool {
    p.tx.signatures
        .iter()
        .zip(p.static_keys())
        .all(|(sig, key)| sig.verify(key.as_ref(), &p.message_bytes))
}

/// Is static key `i` writable by the header (before demotion of programs)?
pub fn header_writable(p: &Parsed, i: usize) -> bool {
    let h = p.tx.message.header();
    let n_sig = usize::from(h.num_required_signatures);
    let n = p.static_keys().len();
    if i < n_sig {
        i < n_sig - usize::from(h.num_readonly_signed_accounts)
    } else {
        i < n - usize::from(h.num_readonly_unsigned_accounts)
    }
}
