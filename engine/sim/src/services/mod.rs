//! What clients talk to, each over the [`crate::cluster::Cluster`]: JSON-RPC, PubSub, a Jito
//! block engine, a Jupiter router, and the replay of recorded notification frames. Services
//! read and write the ledger only through the cluster, and never import one another except
//! for the RPC's shared error and parameter types.

pub mod encode;
pub mod jito;
pub mod jupiter;
pub mod pubsub;
pub mod replay;
pub mod rpc;
