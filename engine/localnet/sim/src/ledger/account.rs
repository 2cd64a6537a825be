//! Accounts as the ledger keeps them, and the rent rule every account must satisfy.

use solana_pubkey::Pubkey;

use kestrel_pump::ids::SYSTEM_PROGRAM;

/// One account: what `getAccountInfo` returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub lamports: u64,
    pub data: Vec<u8>,
    pub owner: Pubkey,
    pub executable: bool,
    pub rent_epoch: u64,
}

/// Mainnet's rent: 3480 lamports per byte-year, exempt at two years, 128 bytes of overhead.
pub const fn rent_exempt_minimum(data_len: usize) -> u64 {
    (128u64.saturating_add(data_len as u64)).saturating_mul(3480 * 2)
}

/// Rent epoch of rent-exempt accounts since rent collection ended (u64::MAX on mainnet).
pub const RENT_EPOCH_EXEMPT: u64 = u64::MAX;

impl Account {
    pub fn new(lamports: u64, data: Vec<u8>, owner: Pubkey) -> Self {
        Self {
            lamports,
            data,
            owner,
            executable: false,
            rent_epoch: RENT_EPOCH_EXEMPT,
        }
    }

    /// A wallet: system-owned, no data.
    pub fn wallet(lamports: u64) -> Self {
        Self::new(lamports, Vec::new(), SYSTEM_PROGRAM)
    }

    /// A program account (for `getAccountInfo` on a program id).
    pub fn program(owner: Pubkey) -> Self {
        Self {
            lamports: 1_141_440,
            data: vec![0; 36],
            owner,
            executable: true,
            rent_epoch: RENT_EPOCH_EXEMPT,
        }
    }

    /// Empty accounts do not exist: they are garbage-collected at the end of a transaction.
    pub fn is_empty(&self) -> bool {
        self.lamports == 0
    }

    /// An account satisfies rent if it is empty or holds at least the exempt minimum.
    pub fn is_rent_exempt(&self) -> bool {
        self.lamports == 0 || self.lamports >= rent_exempt_minimum(self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rent_matches_mainnet_figures() {
        assert_eq!(rent_exempt_minimum(0), 890_880);
        assert_eq!(rent_exempt_minimum(165), 2_039_280);
        assert_eq!(rent_exempt_minimum(82), 1_461_600);
    }
}
