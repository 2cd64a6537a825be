//! The pump.fun program seen from a client, in the manner of solana-program's interface crates:
//! addresses, discriminators, PDA derivation, the bonding-curve arithmetic and the programs'
//! errors, all as free functions over plain values. Every constant carries its source (docs/protocol.md §1).

pub mod amm;
pub mod curve;
pub mod discriminator;
pub mod error;
pub mod fee_recipient;
pub mod ids;
pub mod instruction;
pub mod oncurve;
pub mod pda;

pub use solana_pubkey::Pubkey;
