//! Execution: from an approved intent to a transaction on the wire, and back to a fill.
//!
//! - [`wallet`]: the Solana CLI keypair file, permission-checked, never printed.
//! - [`tx`]: the buy and sell transactions (compute budget, ATA create-idempotent, pump.fun
//!   instruction) with every account derived locally, signed.
//! - [`blockhash`]: a recent blockhash kept fresh in the background, read without waiting.
//! - [`rpc`]: a small JSON-RPC client (reads, statuses, fills) that honours 429 Retry-After.
//! - [`send`]: `sendTransaction` to every send endpoint at once over warm connections.

pub mod blockhash;
pub mod rpc;
pub mod send;
pub mod tx;
pub mod wallet;

pub use blockhash::{BlockhashCache, Recent};
pub use rpc::{JsonRpc, RpcError};
pub use send::{Broadcaster, SendReport};
pub use tx::{SignedTx, TradePlan};
pub use wallet::{Wallet, WalletError};
