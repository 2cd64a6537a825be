//! Kestrel's console: what the operator sees and says while the engine runs, on the control
//! plane and never on the hot threads.
//!
//! - [`actions`]: the operator's commands, queued and journaled with their origin;
//! - [`port`]: the control port (`/health`, `/metrics`, `/positions`, and the commands);
//! - [`prometheus`]: the Prometheus text of the engine's published metrics;
//! - [`status`]: the status line, the feed table and the latency table `kestrel run` prints.
//!
//! It reads what the engine publishes ([`kestrel_engine::Published`]) and queues commands to
//! the strategy thread; it holds no trading state.

pub mod actions;
pub mod port;
pub mod prometheus;
pub mod status;
