//! The trading wallet: a Solana CLI keypair file (a JSON array of 64 bytes), refused unless
//! only its owner can read it. The key never leaves this type: no Debug, Display or serde of
//! the secret, and it is never handed to a plugin.

use std::fmt;
use std::path::{Path, PathBuf};

use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_signer::Signer;
use thiserror::Error;

use crate::nonce::{ExpandedKey, Nonce};

#[derive(Debug, Error)]
pub enum WalletError {
    #[error("{path}: cannot read the keypair file")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: the keypair file is readable by others (mode {mode:03o}); run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path}: not a Solana keypair file: {reason}")]
    Format { path: PathBuf, reason: String },
}

pub struct Wallet {
    keypair: Keypair,
    pubkey: Pubkey,
    /// For signatures with a nonce made ahead ([`Wallet::sign_with`]).
    expanded: ExpandedKey,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wallet({})", self.pubkey)
    }
}

impl Wallet {
    /// Reads a keypair file written by `solana-keygen new`.
    pub fn load(path: &Path) -> Result<Self, WalletError> {
        let io = |source| WalletError::Io {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        check_permissions(path, &meta)?;
        let text = std::fs::read_to_string(path).map_err(io)?;
        let format = |reason: String| WalletError::Format {
            path: path.to_owned(),
            reason,
        };
        let bytes: Vec<u8> = serde_json::from_str(text.trim())
            .map_err(|_| format("expected a JSON array of 64 numbers from 0 to 255".into()))?;
        if bytes.len() != 64 {
            return Err(format(format!("{} bytes, expected 64", bytes.len())));
        }
        let keypair = Keypair::try_from(bytes.as_slice())
            .map_err(|_| format("the public half does not match the secret half".into()))?;
        Ok(Self::from_keypair(keypair))
    }

    pub fn from_keypair(keypair: Keypair) -> Self {
        let pubkey = keypair.pubkey();
        let expanded = ExpandedKey::from_seed(keypair.secret_bytes(), pubkey.to_bytes());
        Self {
            keypair,
            pubkey,
            expanded,
        }
    }

    /// A fresh key that exists only in memory (the local cluster's throwaway wallet).
    pub fn ephemeral() -> Self {
        Self::from_keypair(Keypair::new())
    }

    pub fn pubkey(&self) -> Pubkey {
        self.pubkey
    }

    /// RFC 8032's deterministic signature.
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.keypair.sign_message(message)
    }

    /// A one-time nonce for [`Wallet::sign_with`] (most of a signature's cost, paid ahead;
    /// see [`crate::nonce`]), or `None` when the OS gives no randomness.
    pub fn nonce(&self) -> Option<Nonce> {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        self.expanded.nonce(clock)
    }

    /// Signs with a nonce made ahead by this wallet's [`Wallet::nonce`]; the nonce is spent.
    pub fn sign_with(&self, nonce: Nonce, message: &[u8]) -> Signature {
        self.expanded.sign(nonce, message)
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path, meta: &std::fs::Metadata) -> Result<(), WalletError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(WalletError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_: &Path, _: &std::fs::Metadata) -> Result<(), WalletError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn write_key(bytes: &str, mode: u32) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes.as_bytes()).unwrap();
        std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        f
    }

    fn key_json(k: &Keypair) -> String {
        serde_json::to_string(&k.to_bytes().to_vec()).unwrap()
    }

    #[test]
    fn loads_a_cli_keypair_file_and_hides_the_secret() {
        let k = Keypair::new();
        let f = write_key(&key_json(&k), 0o600);
        let w = Wallet::load(f.path()).unwrap();
        assert_eq!(w.pubkey(), k.pubkey());
        let debug = format!("{w:?}");
        assert_eq!(debug, format!("Wallet({})", k.pubkey()));
        let sig = w.sign(b"hello");
        assert!(sig.verify(k.pubkey().as_ref(), b"hello"));
    }

    #[test]
    fn refuses_a_key_others_can_read() {
        let k = Keypair::new();
        let f = write_key(&key_json(&k), 0o644);
        let e = Wallet::load(f.path()).unwrap_err();
        assert!(
            matches!(e, WalletError::Permissions { mode: 0o644, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("chmod 600"));
    }

    #[test]
    fn refuses_malformed_files_without_echoing_them() {
        for bad in ["[1,2,3]", "not json", "[300]", ""] {
            let f = write_key(bad, 0o600);
            let e = Wallet::load(f.path()).unwrap_err();
            assert!(matches!(e, WalletError::Format { .. }), "{bad}: {e}");
        }
        // A mismatched public half.
        let mut bytes = Keypair::new().to_bytes().to_vec();
        bytes[40] ^= 1;
        let f = write_key(&serde_json::to_string(&bytes).unwrap(), 0o600);
        assert!(matches!(
            Wallet::load(f.path()).unwrap_err(),
            WalletError::Format { .. }
        ));
        assert!(matches!(
            Wallet::load(Path::new("/nonexistent/id.json")).unwrap_err(),
            WalletError::Io { .. }
        ));
    }
}
