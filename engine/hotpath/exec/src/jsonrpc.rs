//! The JSON-RPC 2.0 reply envelope, one type for every JSON-RPC server Kestrel reads: Solana
//! RPC nodes, `sendTransaction` endpoints and Jito's block engines (docs/protocol.md §2, §4).

use serde::Deserialize;

/// `{"jsonrpc":"2.0","result":…,"id":…}` or `{"jsonrpc":"2.0","error":{…},"id":…}`.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    pub(crate) result: Option<T>,
    pub(crate) error: Option<ErrorObject>,
}

/// The error object of a reply.
#[derive(Deserialize)]
pub(crate) struct ErrorObject {
    pub(crate) code: i64,
    pub(crate) message: String,
}
