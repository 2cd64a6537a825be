//! Host bindings of the `plugin` world, generated from the frozen WIT.

wasmtime::component::bindgen!({
    path: "../wit/since_v0.1.0",
    world: "plugin",
});

// The world's own `use` puts command-spec, event, event-kinds and inbound at this level.
pub use kestrel::plugin::types::{
    CommandError, EngineStatus, Fill, HttpError, HttpRequest, HttpResponse, Level, PnlReport,
    Position,
};
