//! Kestrel's backtest: captures (`kestrel_capture`) replayed through the same decode → kernel
//! → guardian code the live engine runs, against a simulated venue, on the capture's clock.
//!
//! | file | what it holds |
//! |---|---|
//! | `run.rs` | a run: captures opened, latency measured, records through the raw feed client |
//! | `replay.rs` | each event: the venue's landings, the kernel's decisions, the log and figures |
//! | `venue.rs` | where orders land: the curve of the moment, the fee tier, the program's checks |
//! | `latency.rs` | how many slots an order takes to land: configured or measured |
//! | `clock.rs` | the capture's time, as the kernel's clock |
//! | `report.rs` | every decision, the summary, the figures the report draws (JSON) |
//! | `html.rs` | the HTML report: one file, its data embedded, no network |

pub mod clock;
pub mod html;
pub mod latency;
mod replay;
pub mod report;
pub mod run;
pub mod venue;

pub use latency::Latency;
pub use report::{Decision, DecisionLog, Outcome, Summary};
pub use run::{Backtest, BacktestError, Finished, Inputs, run, run_with};
pub use venue::VenueSettings;
