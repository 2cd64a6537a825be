//! The plugin host. Chat and social bots are WebAssembly components (WIT package
//! `kestrel:plugin@0.1.0`, `plugins/wit/since_v0.1.0`) run by wasmtime, each on its own thread
//! with its own `Store`, never on the engine's pinned threads:
//!
//! - memory capped per plugin (`StoreLimits`), every call bounded by an epoch deadline;
//! - no filesystem, sockets, environment or arguments (WASI with nothing granted);
//! - capabilities from config, checked by the host on every call: HTTP to allow-listed hosts
//!   only (made by the host, with size and time limits; secrets attached by the host), engine
//!   commands only if granted, the events it subscribed to and was allowed;
//! - bounded queues; a trap, a timeout or a panic marks the plugin faulted and restarts it with
//!   backoff, without touching other plugins or the engine; a changed `.wasm` file reloads.

pub mod bindings;
pub mod config;
pub mod engine_api;
pub mod host;
pub mod http;
mod imports;
mod status;
mod supervisor;

pub use config::{Grants, PluginLimits, PluginSource, PluginSpec};
pub use engine_api::{EngineApi, Offline};
pub use host::{Compiled, HostError, PluginHost, PluginStatus};
