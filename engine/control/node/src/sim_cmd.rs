//! `kestrel sim`: the local cluster in the foreground until Ctrl-C.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kestrel_config::{Config, SimFaults};
use kestrel_sim::faults::Faults;
use kestrel_sim::scenario::{DEFAULT_SCENARIO_PATH, DEFAULT_SCENARIO_TOML, Scenario};
use kestrel_sim::services::replay;
use kestrel_sim::{SimOptions, SimServer};

use kestrel::exit::EXIT_BAD_INPUT;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Run Kestrel's local cluster: Solana JSON-RPC (HTTP) and PubSub (websocket) on \
                  loopback, with System, Token, Token-2022, Associated Token and pump.fun \
                  emulated natively, real signatures, fees, blockhash expiry and mainnet's log \
                  lines and errors. Any Solana client can use it. Launches and traders come from \
                  the scenario in [sim] of the config; faults from [sim.faults].\n\n\
                  Port 0 picks a free port; the chosen ports are printed on the first line of \
                  stdout as `rpc=http://… ws=ws://…`."
)]
pub(crate) struct Args {
    /// JSON-RPC port (0: a free port) [default: from config]
    #[arg(long, value_name = "P")]
    rpc_port: Option<u16>,
    /// PubSub port (0: a free port) [default: from config]
    #[arg(long, value_name = "P")]
    ws_port: Option<u16>,
    /// Seed of scenarios, wallets and blockhashes [default: from config]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Slot time in milliseconds [default: from config]
    #[arg(long, value_name = "MS")]
    slot_ms: Option<u64>,
    /// Scenario file [default: from config]
    #[arg(long, value_name = "FILE", conflicts_with = "quiet")]
    scenario: Option<PathBuf>,
    /// No scenario: no launches or traders, only what clients send
    #[arg(long)]
    quiet: bool,
    /// Replay a recorded JSONL of notification frames to subscribers
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
}

pub(crate) fn faults(f: &SimFaults) -> Faults {
    let ms = Duration::from_millis;
    let mut out = Faults::none();
    out.ws_drop_every = (f.ws_drop_every_ms > 0).then(|| ms(f.ws_drop_every_ms));
    out.ws_drop_chance = f.ws_drop_chance;
    out.refuse_connections =
        (f.refuse_for_ms > 0).then(|| (ms(f.refuse_from_ms), ms(f.refuse_for_ms)));
    out.rpc_429_rate = f.rpc_429_rate;
    out.retry_after_secs = f.retry_after_s;
    out.notify_delay = ms(f.notify_delay_ms);
    out.notify_duplicate_rate = f.notify_duplicate_rate;
    out.rpc_delay = ms(f.rpc_delay_ms);
    out
}

pub(crate) fn scenario(path: &Path) -> Result<Scenario, String> {
    // The default scenario is built in, for runs outside the source tree.
    if path == Path::new(DEFAULT_SCENARIO_PATH) && !path.exists() {
        return Scenario::from_toml(
            DEFAULT_SCENARIO_TOML,
            "<built-in config/scenarios/default.toml>",
        );
    }
    Scenario::load(path)
}

fn fail(e: impl std::fmt::Display) -> u8 {
    let _ = writeln!(std::io::stderr(), "kestrel sim: {e}");
    EXIT_BAD_INPUT
}

pub(crate) fn run(args: &Args, config: Option<&Path>) -> u8 {
    let (config, _origin) = match Config::resolve(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let sim = &config.sim;
    let scenario_path = if args.quiet {
        None
    } else {
        args.scenario.clone().or_else(|| sim.scenario.clone())
    };
    let scenario = match scenario_path.as_deref().map(scenario).transpose() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let replay_path = args.replay.clone().or_else(|| sim.replay.clone());
    let replay = match replay_path.as_deref().map(replay::load).transpose() {
        Ok(frames) => frames.map(|f| (f, sim.replay_rate)),
        Err(e) => return fail(e),
    };
    let opts = SimOptions {
        bind: sim.bind,
        rpc_port: args.rpc_port.unwrap_or(sim.rpc_port),
        ws_port: args.ws_port.unwrap_or(sim.ws_port),
        seed: args.seed.unwrap_or(sim.seed),
        slot_ms: args.slot_ms.unwrap_or(sim.slot_ms),
        faults: faults(&sim.faults),
        scenario,
        replay,
        ..SimOptions::default()
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kestrel_sim=info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("kestrel-sim")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "kestrel sim: cannot start the runtime: {e}"
            );
            return 1;
        }
    };
    runtime.block_on(async move {
        let server = match SimServer::start(opts).await {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "kestrel sim: cannot listen: {e}");
                return 1;
            }
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "rpc={} ws={}", server.rpc_url(), server.ws_url());
            let _ = out.flush();
        }
        let _ = tokio::signal::ctrl_c().await;
        server.stop().await;
        0
    })
}
