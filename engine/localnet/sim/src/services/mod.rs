//! What clients talk to, each over the [`crate::cluster::Cluster`]: JSON-RPC, PubSub, a Jito
//! block engine, a Jupiter router, and the replay of recorded notification frames. Services
//! change the ledger only through the cluster, and share nothing with one another but the
//! account and instruction encodings ([`encode`], [`parse`]) and the RPC's error and parameter types.

pub mod encode;
pub mod jito;
pub mod jupiter;
pub mod parse;
pub mod pubsub;
pub mod replay;
pub mod rpc;
