//! Why the engine could not start (or recover): one error type for `Engine::start` and
//! recovery, which both report through it.

use std::net::SocketAddr;

use solana_pubkey::Pubkey;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("cannot start a runtime thread: {0}")]
    Runtime(std::io::Error),
    #[error("no RPC endpoint answered getLatestBlockhash ({0})")]
    NoBlockhash(String),
    #[error("cannot read the wallet balance: {0}")]
    Balance(String),
    #[error("cannot bind the control port {addr}: {source}")]
    Control {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("bad setting: {0}")]
    Setting(String),
    #[error(transparent)]
    Journal(#[from] kestrel_store::StoreError),
    #[error("journal {path} belongs to wallet {journal}, but this run trades wallet {wallet}")]
    JournalWallet {
        path: String,
        journal: Pubkey,
        wallet: Pubkey,
    },
    #[error("recovery: {0}")]
    Recovery(String),
}
