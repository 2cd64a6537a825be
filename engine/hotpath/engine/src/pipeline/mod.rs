//! The execution pipeline, stage by stage, after the strategy thread has decided:
//!
//! | stage | file | on |
//! |---|---|---|
//! | sign | `sign.rs` | the execution thread: accounts (warm from the launch's hint), build, sign |
//! | send | `send.rs` | the execution thread writes the first requests; the runtime sends the rest |
//! | confirm | `confirm.rs` | the runtime: notification, polls, resends, bundle status |
//! | fill | `fill.rs` | what a confirmed transaction did, from the chain |
//! | fees | `fees.rs` | network fees, implied wallet changes, what a failed transaction cost |
//! | refresh | `refresh.rs` | a curve read from the chain after a failed sell, and at recovery |
//!
//! `execute.rs` is an order's first step in either layout (sign and write, or route),
//! `track.rs` runs one order through send → confirm → fill (or a re-sign), `routed.rs` does
//! the same for orders through the Jupiter route, and `dispatcher.rs` holds what the stages
//! after signing share. Reports go back to the strategy thread as
//! [`crate::order::ExecReport`]s.

pub mod confirm;
pub mod dispatcher;
pub mod execute;
pub mod fees;
pub mod fill;
pub mod refresh;
mod routed;
pub mod send;
pub mod sign;
mod track;
