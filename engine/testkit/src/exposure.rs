//! A book that holds nothing, for tests and benches of the guardian alone: it reports a
//! wallet balance and no positions, no exposure, nothing held.

use kestrel_guardian::Exposure;
use kestrel_model::Quote;
use kestrel_units::{Lamports, QuoteAmount};
use solana_pubkey::Pubkey;

/// An empty book over a wallet of `0` lamports.
pub struct EmptyBook(pub Lamports);

impl Exposure for EmptyBook {
    fn wallet_balance(&self) -> Lamports {
        self.0
    }
    fn quote_balance(&self, _: Quote) -> Option<QuoteAmount> {
        None
    }
    fn open_positions(&self) -> u32 {
        0
    }
    fn total_exposure(&self, _: Quote) -> QuoteAmount {
        QuoteAmount::ZERO
    }
    fn creator_exposure(&self, _: &Pubkey, _: Quote) -> QuoteAmount {
        QuoteAmount::ZERO
    }
    fn holds(&self, _: &Pubkey) -> bool {
        false
    }
}
