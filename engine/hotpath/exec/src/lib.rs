//! Execution: from an approved intent to a transaction on the wire, and back to a fill.
//!
//! - [`wallet`]: the Solana CLI keypair file, permission-checked, never printed; [`nonce`]
//!   signatures whose costly half is done before the message exists.
//! - [`tx`]: the buy and sell transactions (compute budget, ATA create-idempotent, pump.fun
//!   instruction) with every account derived locally, signed.
//! - [`blockhash`]: a recent blockhash kept fresh in the background, read without waiting.
//! - [`rpc`]: a small JSON-RPC client (reads, statuses, fills) that honours 429 Retry-After.
//! - [`send`]: `sendTransaction` to every send endpoint at once over warm connections.
//! - [`jupiter`]: the Jupiter Swap API client (quote, swap-instructions), [`lookup`] the
//!   address lookup tables its routes use, [`swap`] a route signed as our own v0 transaction.
//! - [`jito`]: bundles to the Jito block engine, their statuses, the tip.

pub mod blockhash;
pub mod http1;
pub mod jito;
mod jsonrpc;
pub mod jupiter;
pub mod lookup;
pub mod nonce;
pub mod recipients;
pub mod rpc;
pub mod send;
pub mod spread;
pub mod swap;
pub mod tx;
pub mod wallet;

pub use blockhash::{BlockhashCache, Recent};
pub use rpc::{JsonRpc, RpcError};
pub use send::{Broadcaster, SendReport, Written};
pub use tx::{SignedTx, TradePlan};
pub use wallet::{Wallet, WalletError};
