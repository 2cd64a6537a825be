//! The ledger: the cluster's state and how transactions change it, with no notion of clients
//! or sockets. Lower modules first: accounts and errors, the wire format of transactions, the
//! runtime and the programs it runs, genesis and the PumpSwap pools, the bank that runs the
//! pipeline, and the migration of completed curves, which writes through the bank.

pub mod account;
pub mod bank;
pub mod error;
pub mod genesis;
pub mod pools;
pub mod programs;
pub mod runtime;
pub mod wire;
