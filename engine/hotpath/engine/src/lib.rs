//! Kestrel's engine: the hot path, laid out on threads one of two ways
//! ([`threads::Layout`]), and the control plane around it.
//!
//! ```text
//!  inline (one hot thread; default below 4 cores):
//!  feeds' sockets ─► decode ─► Kernel (sniper, guardian, book) ─► build + sign ─► write
//!  (N endpoints, one runtime)                     ▲                               │ Prepared
//!      reports, commands (Inbox: queue + doorbell)┘            tracking runtime ◄─┘ (replies,
//!                                                              resends, confirm, fill)
//!
//!  pipeline (three threads):
//!  feed runtime ──Stamped──► strategy thread ──Order──► execution thread ──Prepared──► sender
//!  (N endpoints)   crossbeam   (Kernel: sniper,   tokio    (build + sign     same      (broadcast,
//!                  bounded      guardian, book)   bounded   + write)         runtime   confirm, fill)
//!                                   ▲                                                       │
//!                                   └─────────────────── ExecReport (Inbox) ◄───────────────┘
//! ```
//! The kernel owns the trading state; everyone else sees published copies
//! ([`metrics::Metrics`], the position views). Live, paper and the benches run the same
//! [`kernel::Kernel`] in either layout.

pub mod book;
pub mod engine;
pub mod error;
pub mod inbox;
pub mod kernel;
pub mod metrics;
pub mod order;
pub mod pipeline;
pub mod recording;
pub mod recovery;
pub mod routing;
pub mod threads;

pub use engine::{Engine, EngineSetup, Published};
pub use error::EngineError;
