//! `kestrel run`: the engine, against the embedded local cluster by default or the endpoints
//! the config (or flags) name.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kestrel_config::{ClusterMode, Config, Endpoint, EndpointKind, KeypairSource};
use kestrel_console::status::{feed_table, percentile_table, status_line};
use kestrel_engine::Engine;
use kestrel_exec::{JsonRpc, Wallet};
use kestrel_sim::{SimOptions, SimServer};

use crate::sim_cmd;
use kestrel::exit::EXIT_BAD_INPUT;
use kestrel::setup;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Run the engine: read launches from the websocket feeds, decide with the sniper \
                  and the guardian, sign and send buys, confirm them and hold the positions. \
                  With the default config it starts the local cluster in-process (or uses one \
                  already listening on the configured ports) and trades its launches with a \
                  throwaway wallet; with `cluster = \"remote\"` it trades the endpoints the \
                  config names. Flags override the config.\n\n\
                  A status line goes to stderr every second; the latency table (µs, from the \
                  moment each frame was read) to stdout on exit. /health and /metrics are served \
                  on the control port (default 127.0.0.1:9464)."
)]
pub(crate) struct Args {
    /// JSON-RPC endpoint (repeatable); replaces network.rpc and skips the embedded cluster
    #[arg(long = "rpc", value_name = "URL")]
    rpc: Vec<String>,
    /// PubSub endpoint (repeatable); replaces network.ws and skips the embedded cluster
    #[arg(long = "ws", value_name = "URL")]
    ws: Vec<String>,
    /// Solana CLI keypair file (must be readable by its owner only)
    #[arg(long, value_name = "FILE")]
    keypair: Option<PathBuf>,
    /// Paper mode: real feeds, nothing sent, fills simulated on the curve
    #[arg(long)]
    dry_run: bool,
    /// Stop after this many seconds [default: until Ctrl-C]
    #[arg(long, value_name = "SECS")]
    duration: Option<u64>,
    /// Record every frame the feeds deliver to this capture file (never overwritten; rotated
    /// as FILE.1, FILE.2… past --record-max-mb); replay it with the backtest
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Start a new capture file past this size
    #[arg(long, value_name = "MB", default_value_t = 1024)]
    record_max_mb: u64,
}

fn endpoints(flags: &[String], kind: EndpointKind, what: &str) -> Result<Vec<Endpoint>> {
    flags
        .iter()
        .map(|t| {
            let e = Endpoint::parse(t).map_err(|e| anyhow::anyhow!("--{what} {e}"))?;
            e.check_kind(kind)
                .map_err(|e| anyhow::anyhow!("--{what}: {e}"))?;
            Ok(e)
        })
        .collect()
}

pub(crate) fn run(args: &Args, config: Option<&Path>) -> u8 {
    init_logging();
    let mut config = match Config::resolve(config) {
        Ok((c, _)) => c,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "kestrel run: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if let Err(e) = apply_flags(&mut config, args) {
        let _ = writeln!(std::io::stderr(), "kestrel run: {e:#}");
        return EXIT_BAD_INPUT;
    }
    match run_engine(config, args) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "kestrel run: {e:#}");
            1
        }
    }
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,kestrel_engine=info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
}

fn apply_flags(config: &mut Config, args: &Args) -> Result<()> {
    if !args.rpc.is_empty() {
        config.network.rpc = endpoints(&args.rpc, EndpointKind::Http, "rpc")?;
        config.network.cluster = ClusterMode::Remote;
    }
    if !args.ws.is_empty() {
        config.network.ws = endpoints(&args.ws, EndpointKind::Ws, "ws")?;
        config.network.cluster = ClusterMode::Remote;
    }
    if let Some(k) = &args.keypair {
        config.wallet.keypair = Some(KeypairSource::File(k.clone()));
    }
    if args.dry_run {
        config.engine.mode = kestrel_config::Mode::Paper;
    }
    Ok(())
}

/// The embedded cluster, on its own runtime.
pub(crate) struct LocalCluster {
    runtime: tokio::runtime::Runtime,
    server: Option<SimServer>,
}

impl LocalCluster {
    pub(crate) fn stop(mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.stop());
        }
    }
}

/// Starts the local cluster of `[sim]`, or finds one already on its ports. Points the
/// network endpoints at it.
pub(crate) fn local_cluster(config: &mut Config) -> Result<Option<LocalCluster>> {
    let sim = config.sim.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kestrel-sim")
        .enable_all()
        .build()
        .context("cannot start the local cluster's runtime")?;
    let scenario = sim
        .scenario
        .as_deref()
        .map(sim_cmd::scenario)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    let opts = SimOptions {
        bind: sim.bind,
        rpc_port: sim.rpc_port,
        ws_port: sim.ws_port,
        seed: sim.seed,
        slot_ms: sim.slot_ms,
        faults: sim_cmd::faults(&sim.faults),
        scenario,
        ..SimOptions::default()
    };
    match runtime.block_on(SimServer::start(opts)) {
        Ok(server) => {
            config.network.rpc =
                vec![Endpoint::parse(&server.rpc_url()).map_err(anyhow::Error::msg)?];
            config.network.ws =
                vec![Endpoint::parse(&server.ws_url()).map_err(anyhow::Error::msg)?];
            config.network.send = Vec::new();
            eprintln_flush(&format!(
                "local cluster started: rpc={} ws={}",
                server.rpc_url(),
                server.ws_url()
            ));
            Ok(Some(LocalCluster {
                runtime,
                server: Some(server),
            }))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            // A `kestrel sim` may already be serving these ports: use it if it answers.
            let url = format!("http://{}:{}", sim.bind, sim.rpc_port);
            let rpc = JsonRpc::new(reqwest::Client::new(), url.clone(), url.clone());
            match runtime.block_on(rpc.health()) {
                Ok(_) => {
                    eprintln_flush(&format!("using the local cluster already at {url}"));
                    Ok(None)
                }
                Err(_) => bail!(
                    "the local cluster's ports ({}, {}) are taken by something that is not a \
                     Solana RPC; change [sim] rpc_port/ws_port",
                    sim.rpc_port,
                    sim.ws_port
                ),
            }
        }
        Err(e) => Err(e).context("cannot start the local cluster"),
    }
}

fn eprintln_flush(s: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{s}");
    let _ = err.flush();
}

/// The wallet: the configured keypair file, or against the local cluster a throwaway key
/// funded by its faucet.
pub(crate) fn wallet(config: &Config) -> Result<Wallet> {
    if let Some(src) = &config.wallet.keypair {
        let path = src.path()?;
        return Ok(Wallet::load(&path)?);
    }
    if config.network.cluster != ClusterMode::Sim {
        bail!("wallet.keypair: a remote cluster needs a keypair file (--keypair FILE)");
    }
    let w = Wallet::ephemeral();
    let url = config
        .network
        .rpc
        .first()
        .map(|e| e.url().to_string())
        .context("network.rpc is empty")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let rpc = JsonRpc::new(reqwest::Client::new(), url.clone(), url.clone());
        rpc.request_airdrop(&w.pubkey(), 100_000_000_000)
            .await
            .context("the local cluster's faucet refused the airdrop")?;
        for _ in 0..100 {
            if rpc.balance(&w.pubkey()).await.unwrap_or(0) > 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the airdrop to the throwaway wallet did not land")
    })?;
    eprintln_flush(&format!(
        "throwaway wallet {} funded with 100 SOL",
        w.pubkey()
    ));
    // USDC-quoted coins are bought with USDC: the cluster's faucet mints some.
    let trades_usdc = config
        .sniper
        .quote_mints
        .iter()
        .any(|q| q.eq_ignore_ascii_case("usdc"));
    if trades_usdc {
        const USDC: u64 = 10_000_000_000;
        rt.block_on(async {
            let rpc = JsonRpc::new(reqwest::Client::new(), url.clone(), url.clone());
            rpc.request_token_airdrop(&w.pubkey(), USDC, &kestrel_pump::ids::USDC_MINT)
                .await
                .context("the local cluster's faucet refused the USDC airdrop")
        })?;
        eprintln_flush(&format!("and with {} USDC", USDC / 1_000_000));
    }
    Ok(w)
}

fn run_engine(mut config: Config, args: &Args) -> Result<()> {
    let cluster = if config.network.cluster == ClusterMode::Sim {
        local_cluster(&mut config)?
    } else {
        None
    };
    let wallet = wallet(&config)?;
    let mut setup = setup::engine_setup(&config, wallet)?;
    let plugin_specs = crate::plugins::specs(&config)?;
    let dashboard_on = config.dashboard.addr().is_some();
    // The engine's events, fanned out to the dashboard and the plugins.
    let engine_events = if plugin_specs.is_empty() && !dashboard_on {
        None
    } else {
        let (tx, rx) = crossbeam_channel::bounded(4_096);
        setup.events = Some(tx);
        Some(rx)
    };
    let (plugin_tx, plugin_events) = if plugin_specs.is_empty() {
        (None, None)
    } else {
        let (tx, rx) = crossbeam_channel::bounded(4_096);
        (Some(tx), Some(rx))
    };
    let journal_file = setup.journal.as_ref().map(|j| j.path.clone());
    let recording = match &args.record {
        Some(path) => {
            let (recorder, recording) = crate::record_cmd::start(
                path,
                &setup.feed,
                args.record_max_mb,
                Some(setup.wallet.pubkey().to_string()),
            )?;
            setup.feed.recorder = Some(recorder);
            eprintln_flush(&format!("recording the feeds to {}", path.display()));
            Some(recording)
        }
        None => None,
    };
    let paper = setup.paper;
    let sniper = setup.sniper.clone();
    let rpc_url = setup.rpc.first().map(|(url, _)| url.clone());
    let engine = Engine::start(setup)?;
    let plugins = match (plugin_events, rpc_url) {
        (Some(events), Some(url)) => {
            let names: Vec<String> = plugin_specs.iter().map(|s| s.name.clone()).collect();
            let rpc = kestrel_exec::JsonRpc::new(reqwest::Client::new(), url, "rpc".into());
            let host =
                crate::plugins::start(plugin_specs, &config, engine.handle(), rpc, events, sniper)?;
            eprintln_flush(&format!("plugins: {}", names.join(", ")));
            if let Some(addr) = host.ingress_addr() {
                eprintln_flush(&format!("ingress: http://{addr}/hooks/<plugin>/…"));
            }
            Some(host)
        }
        _ => None,
    };
    let board = crate::dashboard::board(&config, &engine, journal_file, paper, plugins.clone());
    if let Some(events) = engine_events {
        crate::dashboard::fan_out(events, board.clone(), plugin_tx);
    }
    // The dashboard is not on the trading path: one that cannot start is told, not fatal.
    let dashboard = match board.map(|b| crate::dashboard::serve(&config, &engine, b)) {
        Some(Ok(addr)) => Some(addr),
        Some(Err(e)) => {
            eprintln_flush(&format!("dashboard: not started: {e:#}"));
            None
        }
        None => None,
    };
    let control = match config.engine.control_addr() {
        Some(addr) => Some(
            engine
                .on_control_plane(kestrel_console::port::serve(addr, engine.published()))
                .with_context(|| format!("cannot bind the control port {addr}"))?,
        ),
        None => None,
    };
    eprintln_flush(&format!(
        "kestrel {} wallet {}{}",
        if paper { "paper trading," } else { "trading," },
        engine.wallet,
        control
            .map(|a| format!(", control http://{a}/health /metrics"))
            .unwrap_or_default()
    ));
    if let Some(addr) = dashboard {
        eprintln_flush(&format!(
            "dashboard: http://{addr}/{}",
            if std::env::var(kestrel_config::DASHBOARD_TOKEN_ENV)
                .is_ok_and(|t| !t.trim().is_empty())
            {
                ""
            } else {
                " (read-only: set KESTREL_DASHBOARD_TOKEN for the controls)"
            }
        ));
    }
    eprintln_flush(&format!(
        "hot path: {} layout, idle {} ({})",
        engine.layout.name(),
        format!("{:?}", config.threads.idle).to_lowercase(),
        engine.layout_why
    ));
    let status_every = Duration::from_millis(config.engine.status_every_ms);
    let tty = std::io::stderr().is_terminal();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let until = args
            .duration
            .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
        let mut tick = tokio::time::interval(if status_every.is_zero() {
            Duration::from_secs(3600)
        } else {
            status_every
        });
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let deadline = async {
                match until {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = &mut ctrl_c => break,
                _ = deadline => break,
                _ = tick.tick() => {
                    if !status_every.is_zero() {
                        let line = status_line(&engine.metrics, &engine.feeds);
                        let mut err = std::io::stderr().lock();
                        let _ = if tty { write!(err, "\r\x1b[K{line}") } else { writeln!(err, "{line}") };
                        let _ = err.flush();
                    }
                }
            }
        }
    });
    let final_status = status_line(&engine.metrics, &engine.feeds);
    let feeds = feed_table(&engine.feeds);
    if let Some(host) = plugins {
        for st in host.status() {
            if st.faults > 0 {
                eprintln_flush(&format!(
                    "plugin {}: {} faults, {} restarts, last: {}",
                    st.name,
                    st.faults,
                    st.restarts,
                    st.last_fault.unwrap_or_default()
                ));
            }
        }
        drop(host);
    }
    let metrics = engine.metrics.clone();
    engine.stop();
    if let Some(r) = recording {
        crate::record_cmd::finish(r);
    }
    let table = percentile_table(&metrics);
    if let Some(c) = cluster {
        c.stop();
    }
    let mut out = std::io::stdout().lock();
    if tty {
        eprintln_flush("");
    }
    let _ = writeln!(out, "{final_status}\n{table}\n{feeds}");
    Ok(())
}
