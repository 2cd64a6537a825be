//! Ed25519 signatures whose nonce is made before the message exists.
//!
//! An Ed25519 signature (RFC 8032 §5.1.6) is `R ‖ S` with `R = r·B` and
//! `S = r + H(R ‖ A ‖ M)·a mod ℓ`. The scalar multiplication `r·B` and the compression of `R`
//! are most of its cost, and neither depends on the message except through `r`. RFC 8032
//! takes `r = H(prefix ‖ M)` so that a bad random source can never repeat a nonce; here `r`
//! is drawn ahead, so when an order comes only two hashes and a multiply-add remain.
//! Verifiers cannot tell the difference: any `r` gives a valid signature.
//!
//! What keeps the key safe, since two signatures with one `r` give the key away:
//! - [`Nonce`] is neither `Clone` nor `Copy`, and signing takes it by value: one nonce signs
//!   once. It is zeroed when dropped.
//! - `r` is hedged: `H(domain ‖ prefix ‖ 32 bytes from the OS ‖ counter ‖ clock)`. The
//!   secret `prefix` keeps `r` unpredictable even if the OS random source were broken, and the
//!   per-wallet counter and clock keep it from repeating within a process and across restarts.
//!   If the OS refuses randomness, no nonce is made and signing falls back to RFC 8032.

use std::sync::atomic::{AtomicU64, Ordering};

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use solana_signature::Signature;
use zeroize::Zeroize;

/// Separates these nonces' hash input from any other use of the key material.
const DOMAIN: &[u8] = b"kestrel/ed25519-nonce-ahead/v1";

/// The secret scalar `a` and the nonce prefix, expanded once from the 32-byte seed
/// (RFC 8032 §5.1.5). Zeroed when dropped.
pub(crate) struct ExpandedKey {
    scalar: Scalar,
    prefix: [u8; 32],
    public: [u8; 32],
    made: AtomicU64,
}

impl Drop for ExpandedKey {
    fn drop(&mut self) {
        self.scalar.zeroize();
        self.prefix.zeroize();
    }
}

/// A one-time nonce `r` and its commitment `R = r·B`, made ahead of the message it signs.
pub struct Nonce {
    r: Scalar,
    commitment: [u8; 32],
}

impl Drop for Nonce {
    fn drop(&mut self) {
        self.r.zeroize();
    }
}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nonce(..)")
    }
}

impl ExpandedKey {
    pub(crate) fn from_seed(seed: &[u8; 32], public: [u8; 32]) -> Self {
        let mut h: [u8; 64] = Sha512::digest(seed).into();
        let mut lower = [0u8; 32];
        lower.copy_from_slice(&h[..32]);
        // Clamping (RFC 8032 §5.1.5 step 2); the scalar is then taken mod ℓ, as ed25519-dalek
        // does, which changes nothing since B has order ℓ.
        lower[0] &= 248;
        lower[31] &= 127;
        lower[31] |= 64;
        let scalar = Scalar::from_bytes_mod_order(lower);
        let mut prefix = [0u8; 32];
        prefix.copy_from_slice(&h[32..]);
        h.zeroize();
        lower.zeroize();
        Self {
            scalar,
            prefix,
            public,
            made: AtomicU64::new(0),
        }
    }

    /// A fresh hedged nonce, or `None` when the OS gives no randomness.
    pub(crate) fn nonce(&self, clock: u64) -> Option<Nonce> {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).ok()?;
        let count = self.made.fetch_add(1, Ordering::Relaxed);
        let mut h = Sha512::new();
        h.update(DOMAIN);
        h.update(self.prefix);
        h.update(random);
        h.update(count.to_le_bytes());
        h.update(clock.to_le_bytes());
        random.zeroize();
        Some(self.nonce_from_hash(h))
    }

    fn nonce_from_hash(&self, h: Sha512) -> Nonce {
        let mut wide: [u8; 64] = h.finalize().into();
        let r = Scalar::from_bytes_mod_order_wide(&wide);
        wide.zeroize();
        let commitment = (&r * ED25519_BASEPOINT_TABLE).compress().to_bytes();
        Nonce { r, commitment }
    }

    /// `R ‖ S` with `S = r + H(R ‖ A ‖ M)·a`: two hashes of the message and a multiply-add.
    pub(crate) fn sign(&self, nonce: Nonce, message: &[u8]) -> Signature {
        let mut h = Sha512::new();
        h.update(nonce.commitment);
        h.update(self.public);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let s = k * self.scalar + nonce.r;
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&nonce.commitment);
        bytes[32..].copy_from_slice(s.as_bytes());
        Signature::from(bytes)
    }

    /// RFC 8032's own nonce for `message`, `H(prefix ‖ M)`: with it [`ExpandedKey::sign`]
    /// must give the reference signature byte for byte.
    #[cfg(test)]
    pub(crate) fn rfc8032_nonce(&self, message: &[u8]) -> Nonce {
        let mut h = Sha512::new();
        h.update(self.prefix);
        h.update(message);
        self.nonce_from_hash(h)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use solana_keypair::Keypair;
    use solana_signer::Signer;

    fn expanded(k: &Keypair) -> ExpandedKey {
        ExpandedKey::from_seed(k.secret_bytes(), k.pubkey().to_bytes())
    }

    #[test]
    fn with_rfc8032s_nonce_the_signature_is_the_reference_one() {
        for seed in 0u8..32 {
            let k = Keypair::new_from_array([seed; 32]);
            let key = expanded(&k);
            for len in [0usize, 1, 64, 480, 1232] {
                let msg: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed)).collect();
                let ours = key.sign(key.rfc8032_nonce(&msg), &msg);
                assert_eq!(ours, k.sign_message(&msg), "seed {seed} len {len}");
            }
        }
    }

    #[test]
    fn nonces_made_ahead_sign_verifiably_and_never_repeat() {
        let k = Keypair::new();
        let key = expanded(&k);
        let mut seen = std::collections::HashSet::new();
        for i in 0..200u64 {
            let n = key.nonce(7).unwrap();
            assert!(seen.insert(n.commitment), "a commitment repeated at {i}");
            let msg = i.to_le_bytes().repeat(60);
            let sig = key.sign(n, &msg);
            assert!(sig.verify(k.pubkey().as_ref(), &msg), "{i}");
            // Not the deterministic signature: the nonce was drawn, not derived from M.
            assert_ne!(sig, k.sign_message(&msg));
            let mut other = msg.clone();
            other[0] ^= 1;
            assert!(!sig.verify(k.pubkey().as_ref(), &other));
        }
    }

    #[test]
    fn a_nonce_prints_nothing_of_itself() {
        let key = expanded(&Keypair::new());
        assert_eq!(format!("{:?}", key.nonce(0).unwrap()), "Nonce(..)");
    }
}
