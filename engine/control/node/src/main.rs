//! `kestrel`: the trading engine's command line.

mod backtest_cmd;
mod cli;
mod config_cmd;
mod dashboard;
mod decode_cmd;
mod journal_cmd;
mod plugins;
mod record_cmd;
mod run_cmd;
mod sim_cmd;

use std::process::ExitCode;

// The allocator on every thread of the engine: mimalloc keeps small, short-lived allocations
// (frames, JSON) fast and per-thread.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
