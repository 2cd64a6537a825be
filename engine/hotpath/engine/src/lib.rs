//! Kestrel's engine: the threads of the hot path and the control plane around them.
//!
//! ```text
//!  feed runtime ──Stamped──► strategy thread ──Order──► execution thread ──Prepared──► sender
//!  (N endpoints)   crossbeam   (Kernel: sniper,   crossbeam  (build + sign)     tokio    (broadcast,
//!                  bounded      guardian, book)    bounded                     channel   confirm, fill)
//!                                   ▲                                                       │
//!                                   └─────────────────── ExecReport (crossbeam) ◄───────────┘
//! ```
//! The strategy thread owns the trading state; everyone else sees published copies
//! ([`metrics::Metrics`], the position views). Live, paper and the benches run the same
//! [`kernel::Kernel`].

pub mod book;
pub mod engine;
pub mod error;
pub mod kernel;
pub mod metrics;
pub mod order;
pub mod pipeline;
pub mod recovery;
pub mod routing;
pub mod threads;

pub use engine::{Engine, EngineSetup, Published};
pub use error::EngineError;
