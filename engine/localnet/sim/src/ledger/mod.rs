//! The ledger: the cluster's state and how transactions change it, with no notion of clients
//! or sockets. From the bottom: accounts, errors and the wire format of transactions; the
//! runtime, and the programs it runs (the bank hands it their entry point); genesis and the
//! PumpSwap pools; the bank, which runs the transaction pipeline; and the migration of
//! completed curves, which writes through the bank.

pub mod account;
pub mod bank;
pub mod error;
pub mod genesis;
pub mod migration;
pub mod pools;
pub mod programs;
pub mod runtime;
pub mod wire;
