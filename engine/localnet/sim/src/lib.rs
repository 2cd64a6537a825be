//! Kestrel's local cluster: a Solana-compatible JSON-RPC and PubSub server on loopback that
//! runs the programs a pump.fun trader touches natively, with mainnet's wire formats, fees,
//! errors and log lines. It is what `kestrel run` trades against by default, what the
//! integration tests talk to over real sockets, and the venue of the latency benchmark.
//!
//! Three layers, each using only the ones below it:
//!
//! - [`ledger`]: state and execution, knowing nothing of sockets: accounts, the bank (slots,
//!   blockhashes, the transaction pipeline), the runtime and the native programs, genesis,
//!   the PumpSwap pools and the migration of completed curves.
//! - the cluster: [`cluster`] (the bank behind its lock, the event broadcast, the faucet),
//!   with what it carries: [`faults`], [`bundles`] (Jito bundle outcomes) and [`tap`].
//! - [`services`]: what clients talk to: JSON-RPC, PubSub, the Jito block engine, the Jupiter
//!   router, and the replay of recorded frames.
//!
//! On top, [`server`] puts the services on sockets and runs the slot clock, and [`scenario`]
//! drives synthetic market activity through the cluster.

pub mod bundles;
pub mod cluster;
pub mod faults;
pub mod ledger;
pub mod scenario;
pub mod server;
pub mod services;
pub mod tap;

pub use server::{SimOptions, SimServer};
