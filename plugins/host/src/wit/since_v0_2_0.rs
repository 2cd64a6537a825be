//! `kestrel:plugin@0.2.0` (`plugins/wit/since_v0.2.0`), the latest version: its host
//! bindings. The host implements these imports (`imports/`); every older version's imports
//! are converted into these.

wasmtime::component::bindgen!({
    path: "../wit/since_v0.2.0",
    world: "plugin",
});

// The world's own `use` puts command-spec, event, subscriptions, inbound and the webhook and
// topic records at this level; the rest are in `types`.
pub use kestrel::plugin::types::{
    CommandError, CurveView, Digest, EngineStatus, EventKinds, Exit, Fill, HttpError, HttpRequest,
    HttpResponse, KvError, Launch, LaunchFilter, Level, PnlReport, Position, TopicError,
};
