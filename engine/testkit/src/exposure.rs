//! A book that holds nothing, for tests and benches of the guardian alone: it reports a
//! wallet balance and no positions, no exposure, nothing held.

use kestrel_guardian::Exposure;
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;

/// An empty book over a wallet of `0` lamports.
pub struct EmptyBook(pub Lamports);

impl Exposure for EmptyBook {
    fn wallet_balance(&self) -> Lamports {
        self.0
    }
    fn open_positions(&self) -> u32 {
        0
    }
    fn total_exposure(&self) -> Lamports {
        Lamports::ZERO
    }
    fn creator_exposure(&self, _: &Pubkey) -> Lamports {
        Lamports::ZERO
    }
    fn holds(&self, _: &Pubkey) -> bool {
        false
    }
}
