//! The plugin host. Chat and social bots are WebAssembly components (WIT packages
//! `kestrel:plugin@0.1.0` and `@0.2.0`, `plugins/wit/since_v*`; the host serves every version,
//! `wit/`) run by wasmtime, each on its own thread with its own `Store`, never on the
//! engine's pinned threads:
//!
//! - memory capped per plugin (`StoreLimits`), every call bounded by an epoch deadline;
//! - no filesystem, sockets, environment or arguments (WASI with nothing granted);
//! - capabilities from config, checked by the host on every call: HTTP to allow-listed hosts
//!   only (made by the host, with size and time limits; secrets attached and requests signed
//!   by the host), engine commands only if granted, the events it subscribed to and was
//!   allowed, topics it was granted, its own durable store within a quota;
//! - webhooks through the host's ingress, verified before the plugin sees them;
//! - bounded queues; a trap, a timeout or a panic marks the plugin faulted and restarts it with
//!   backoff, without touching other plugins or the engine; a changed `.wasm` file reloads.

pub mod config;
mod cpu_clock;
pub mod engine_api;
pub mod gateway;
pub mod host;
pub mod http;
mod imports;
mod ingress;
mod mailbox;
pub mod oauth1;
mod status;
pub mod storage;
mod supervisor;
mod text;
pub mod wit;

pub use config::{
    Grants, HostSettings, Inbound, PluginLimits, PluginSource, PluginSpec, Signer, Verify,
};
pub use engine_api::{EngineApi, Offline};
pub use host::{Compiled, HostError, PluginHost, PluginStatus};
pub use wit::latest;
