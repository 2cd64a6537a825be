//! The command tree. Each subcommand is a module with a `run` that returns its exit code:
//! 0 done, 1 failed, 2 bad input (the input was refused; nothing was changed).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{backtest_cmd, config_cmd, decode_cmd, journal_cmd, record_cmd, run_cmd, sim_cmd};

#[derive(Debug, Parser)]
#[command(
    name = "kestrel",
    version,
    about = "A low-latency Solana trading engine for pump.fun launches",
    long_about = "Kestrel watches Solana websocket feeds for pump.fun launches and trades, decides \
                  in microseconds, and signs and sends its own transactions. With the default \
                  config it runs against its embedded local cluster, so nothing touches mainnet \
                  until a config says so.",
    after_help = "Examples:\n  \
                  kestrel run                                trade the local cluster's launches\n  \
                  kestrel run --dry-run --duration 60        paper-trade for a minute\n  \
                  kestrel decode frame.json                  decode a logsNotification frame\n  \
                  kestrel decode --account bonding-curve -   decode base64 account data from stdin\n  \
                  kestrel config check config/mainnet.toml   validate a config, secrets redacted\n  \
                  kestrel positions --json                   open positions, one JSON object per line\n  \
                  kestrel trades --since 1h                  fills of the last hour\n  \
                  kestrel pnl --day today                    today's realized PnL and fees\n  \
                  kestrel sim --rpc-port 0 --ws-port 0       a local cluster on free ports\n  \
                  kestrel record --out s.kcap --duration 60  record a minute of the feeds\n  \
                  kestrel backtest s.kcap --report out/      what the config would have done"
)]
pub(crate) struct Cli {
    /// Config file [default: config/kestrel.toml, or the built-in default if that is absent]
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the engine: feeds, sniper and guardian, execution (local cluster by default)
    Run(run_cmd::Args),
    /// Decode pump.fun, PumpSwap and Raydium events and accounts to JSON lines
    Decode(decode_cmd::Args),
    /// Record what the feeds deliver to a capture file, without trading
    Record(record_cmd::Args),
    /// Replay captures through the live decision code against a simulated venue
    Backtest(backtest_cmd::Args),
    /// Run the local cluster: a Solana-compatible RPC and PubSub server that emulates pump.fun
    Sim(sim_cmd::Args),
    /// Inspect the configuration
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Positions from the journal (open ones; --all for closed too)
    Positions(journal_cmd::PositionsArgs),
    /// Fills from the journal, oldest first
    Trades(journal_cmd::TradesArgs),
    /// Realized PnL, fees and the wallet's change per UTC day, from the journal
    Pnl(journal_cmd::PnlArgs),
}

pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run_cmd::run(&args, cli.config.as_deref()),
        Command::Decode(args) => decode_cmd::run(&args),
        Command::Sim(args) => sim_cmd::run(&args, cli.config.as_deref()),
        Command::Record(args) => record_cmd::run(&args, cli.config.as_deref()),
        Command::Backtest(args) => backtest_cmd::run(&args, cli.config.as_deref()),
        Command::Config(cmd) => config_cmd::run(&cmd, cli.config.as_deref()),
        Command::Positions(args) => journal_cmd::positions(&args, cli.config.as_deref()),
        Command::Trades(args) => journal_cmd::trades(&args, cli.config.as_deref()),
        Command::Pnl(args) => journal_cmd::pnl(&args, cli.config.as_deref()),
    };
    ExitCode::from(code)
}
