//! Kestrel's local cluster: a Solana-compatible JSON-RPC and PubSub server on loopback that
//! runs the programs a pump.fun trader touches natively, with mainnet's wire formats, fees,
//! errors and log lines. It is what `kestrel run` trades against by default, what the
//! integration tests talk to over real sockets, and the venue of the latency benchmark.

pub mod account;
pub mod bank;
pub mod cluster;
pub mod encode;
pub mod error;
pub mod faults;
pub mod genesis;
pub mod jito;
pub mod jupiter;
pub mod pools;
pub mod programs;
pub mod pubsub;
pub mod replay;
pub mod rpc;
pub mod runtime;
pub mod scenario;
pub mod server;
pub mod tap;
pub mod wire;

pub use server::{SimOptions, SimServer};
