//! The end-to-end harness (`cargo run --release -p kestrel-benches --bin e2e -- …`): the local
//! cluster and the engine over loopback sockets, measured from
//! the moment the cluster publishes a create to the moment the engine's `sendTransaction` for
//! that mint arrives. In the same run, a baseline written the ordinary way (solana-pubsub-
//! client's typed stream, `Transaction::new_signed_with_payer`, the nonblocking RpcClient)
//! trades the same kind of launches at the same rate, so the ratio holds on a noisy machine;
//! and a floor client (`floor.rs`) shows what the host itself costs any client.

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use kestrel_config::{ClusterMode, Commitment, Config, Endpoint};
use kestrel_decode::pump::{PumpEvent, decode_event};
use kestrel_engine::Engine;
use kestrel_exec::Wallet;
use kestrel_pump::curve::{self, FeeRates, Reserves};
use kestrel_pump::ids::{BUYBACK_FEE_RECIPIENT_0, FEE_RECIPIENT_0, PUMP_PROGRAM, TOKEN_PROGRAM};
use kestrel_pump::instruction::{self as pump_ix, TradeAccounts, TradeInputs};
use kestrel_pump::pda;
use kestrel_sim::cluster::{Cluster, seeded_keypair};
use kestrel_sim::scenario::launch_coin;
use kestrel_sim::tap::LatencyTap;
use kestrel_sim::{SimOptions, SimServer};
use kestrel_units::{Bps, Lamports, TokenAmount};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{
    RpcSendTransactionConfig, RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_signer::Signer;
use solana_transaction::Transaction;

use kestrel::exit::EXIT_BAD_INPUT;
use kestrel::setup;

mod floor;

// The harness measures the engine as the binary runs it: on mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// End to end over loopback: create published → sendTransaction received, beside a baseline
#[derive(Debug, clap::Parser)]
#[command(
    name = "e2e",
    long_about = "Run the local cluster and the engine over loopback sockets, launch \
                            coins at a fixed rate, and measure from the moment the cluster \
                            publishes each create to the moment the engine's sendTransaction \
                            for that mint arrives. Then do the same with a baseline written the \
                            ordinary way (solana-pubsub-client's typed stream, \
                            Transaction::new_signed_with_payer, the nonblocking RpcClient), \
                            and with a floor client that only reads each create's frame and \
                            writes a buy signed in advance (the host's own cost). Prints \
                            p50/p90/p99/max for each, a line \
                            e2e_floor: p50_us=… p99_us=… baseline_over_floor_p50=… \
                            baseline_over_floor_p99=…\n\
                            and ends with one line for scripts:\n\
                            e2e: p50_us=… p99_us=… baseline_p50_us=… baseline_p99_us=… \
                            ratio_p50=… ratio_p99=…\n\nThreads follow [threads] of the config."
)]
struct E2eArgs {
    /// Config file (default: config/kestrel.toml if present, else the built-in default)
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Launches per side
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    launches: u32,
    /// Launches per second
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rate: u32,
    /// Also run Kestrel with its journal on (a durable write before every send), and report
    /// the hot path with and without it
    #[arg(long)]
    journal: bool,
    /// Also run Kestrel beside hostile plugins (an infinite loop, a memory bomb, a flood of
    /// refused requests and log lines, a panic), kept busy all pass, and report the hot path
    /// with and without them
    #[arg(long)]
    hostile: bool,
    /// With --hostile: passes with and without the plugins, alternating which goes first, so
    /// the comparison pools several passes of each (this machine's noise between passes is
    /// larger than the effect measured)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    rounds: u32,
    /// With --hostile: which hostile plugins run (to tell their effects apart)
    #[arg(long, value_delimiter = ',', default_value = "spin,memory,flood,panic")]
    attack: Vec<AttackMode>,
}

/// The hostile probe plugins `--hostile` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AttackMode {
    /// An infinite loop (stopped by the call deadline).
    Spin,
    /// Linear memory grown until the limit traps it.
    Memory,
    /// A thousand refused requests and log lines per message.
    Flood,
    /// A panic on every message.
    Panic,
}

impl AttackMode {
    fn probe_mode(self) -> &'static str {
        match self {
            AttackMode::Spin => "spin",
            AttackMode::Memory => "memory",
            AttackMode::Flood => "flood",
            AttackMode::Panic => "panic",
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = <E2eArgs as clap::Parser>::parse();
    let config = match kestrel_config::Config::resolve(args.config.as_deref()) {
        Ok((c, _)) => c,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "e2e: {e}");
            return EXIT_BAD_INPUT.into();
        }
    };
    match e2e(config, &args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "e2e: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

const SOL: u64 = 1_000_000_000;
const BUY: Lamports = Lamports(10_000_000);

fn say(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{s}");
    let _ = e.flush();
}

struct Summary {
    count: u64,
    missed: u64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

/// One line for scripts: `with` beside `without`, and the change in percent.
fn change_line(
    out: &mut impl std::io::Write,
    label: &str,
    with: &Summary,
    without: &Summary,
) -> Result<()> {
    let pct = |w: f64, wo: f64| if wo > 0.0 { (w - wo) / wo * 100.0 } else { 0.0 };
    writeln!(
        out,
        "{label}: p50_us={:.1} p99_us={:.1} without_p50_us={:.1} without_p99_us={:.1} p50_change_pct={:+.1} p99_change_pct={:+.1}",
        with.p50,
        with.p99,
        without.p50,
        without.p99,
        pct(with.p50, without.p50),
        pct(with.p99, without.p99)
    )?;
    Ok(())
}

fn summarize(ns: &[u64], expected: u64) -> Result<Summary> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)?;
    for v in ns {
        h.saturating_record((*v).max(1));
    }
    let us = |q: f64| h.value_at_quantile(q) as f64 / 1_000.0;
    Ok(Summary {
        count: h.len(),
        missed: expected.saturating_sub(h.len()),
        p50: us(0.5),
        p90: us(0.9),
        p99: us(0.99),
        max: h.max() as f64 / 1_000.0,
    })
}

fn e2e(mut config: Config, args: &E2eArgs) -> Result<()> {
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kestrel-sim")
        .enable_all()
        .build()?;
    let server = sim_rt.block_on(SimServer::start(SimOptions {
        seed: config.sim.seed,
        slot_ms: 400,
        ..SimOptions::default()
    }))?;
    let cluster = server.cluster.clone();
    let tap = Arc::new(LatencyTap::new());
    cluster.install_tap(tap.clone());
    say(&format!(
        "local cluster at {} / {}; {} launches per side at {}/s",
        server.rpc_url(),
        server.ws_url(),
        args.launches,
        args.rate
    ));

    // Kestrel, configured to buy every launch.
    config.network.cluster = ClusterMode::Remote;
    config.network.commitment = Commitment::Processed;
    config.network.rpc = vec![Endpoint::parse(&server.rpc_url()).map_err(anyhow::Error::msg)?];
    config.network.ws = vec![Endpoint::parse(&server.ws_url()).map_err(anyhow::Error::msg)?];
    config.network.send = Vec::new();
    config.engine.control = String::new();
    config.engine.mode = kestrel_config::Mode::Live;
    config.sniper = kestrel_config::SniperSection {
        buy_lamports: BUY.0,
        max_launches_per_minute: 0,
        ..kestrel_config::SniperSection::default()
    };
    let n = u64::from(args.launches);
    config.guardian.max_sol_per_trade_lamports = BUY.0;
    config.guardian.max_open_positions = args.launches + 10;
    config.guardian.max_total_exposure_lamports = BUY.0 * (n + 10);
    config.guardian.max_exposure_per_creator_lamports = BUY.0 * (n + 10);
    // The first pass without the journal (the hot path alone); with --journal, a second pass
    // with it, on fresh mints.
    config.journal.enabled = false;
    let (ours_ns, ours_split) =
        kestrel_pass(&config, &sim_rt, &cluster, &tap, args, 0, "kestrel", false)?;
    let journaled = if args.journal {
        let dir =
            std::env::temp_dir().join(format!("kestrel-bench-journal-{}", std::process::id()));
        config.journal.enabled = true;
        config.journal.dir = dir.display().to_string();
        let r = kestrel_pass(
            &config,
            &sim_rt,
            &cluster,
            &tap,
            args,
            2,
            "kestrel+journal",
            false,
        );
        let _ = std::fs::remove_dir_all(&dir);
        Some(r?)
    } else {
        None
    };
    // With --hostile: the first pass above, then passes with and without the plugins in
    // alternating order; each side's latencies are pooled.
    let attacked = if args.hostile {
        config.journal.enabled = false;
        let mut calm = ours_ns.clone();
        let mut hostile = Vec::new();
        let mut rounds = Vec::new();
        for r in 0..u64::from(args.rounds) {
            let calm_pass = |salt| {
                kestrel_pass(
                    &config, &sim_rt, &cluster, &tap, args, salt, "kestrel", false,
                )
            };
            let hostile_pass = || {
                kestrel_pass(
                    &config,
                    &sim_rt,
                    &cluster,
                    &tap,
                    args,
                    11 + 2 * r,
                    "kestrel+hostile",
                    true,
                )
            };
            // Round 1 follows the first pass; later rounds alternate which side goes first.
            let (c, a) = if r == 0 {
                (ours_ns.clone(), hostile_pass()?.0)
            } else if r % 2 == 1 {
                let a = hostile_pass()?.0;
                (calm_pass(10 + 2 * r)?.0, a)
            } else {
                let c = calm_pass(10 + 2 * r)?.0;
                (c, hostile_pass()?.0)
            };
            if r > 0 {
                calm.extend_from_slice(&c);
            }
            hostile.extend_from_slice(&a);
            rounds.push((summarize(&c, n)?, summarize(&a, n)?));
        }
        Some((calm, hostile, rounds))
    } else {
        None
    };

    // The floor, on the same cluster, same rate, fresh mints: what this host costs any client.
    let floor_ns = floor_pass(&config, &server, &sim_rt, &cluster, &tap, args)?;
    let floor_split = tap.split_ns();
    tap.clear();

    // The baseline, on the same cluster, same rate, fresh mints.
    let baseline_kp = seeded_keypair(config.sim.seed, "baseline", 0);
    cluster
        .airdrop(&baseline_kp.pubkey(), BUY.0 * (n + 10) + 10 * SOL)
        .map_err(anyhow::Error::msg)?;
    let base_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("baseline")
        .enable_all()
        .build()?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let base_task = base_rt.spawn(baseline(
        server.rpc_url(),
        server.ws_url(),
        baseline_kp,
        ready_tx,
    ));
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .context("the baseline did not subscribe")?;
    say("baseline: launching");
    let mints = launch(&sim_rt, &cluster, args, 1)?;
    let base_ns = collect(&tap, &mints)?;
    let base_split = tap.split_ns();
    base_task.abort();
    drop(base_rt);
    sim_rt.block_on(server.stop());

    let o = summarize(&ours_ns, n)?;
    let b = summarize(&base_ns, n)?;
    let f = summarize(&floor_ns, n)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "create published → sendTransaction received (µs, loopback)"
    )?;
    writeln!(
        out,
        "            count  missed       p50       p90       p99       max"
    )?;
    let j = match &journaled {
        Some((ns, _)) => Some(summarize(ns, n)?),
        None => None,
    };
    let rounds_n = n * u64::from(args.rounds);
    let h = match &attacked {
        Some((calm, hostile, _)) => {
            Some((summarize(calm, rounds_n)?, summarize(hostile, rounds_n)?))
        }
        None => None,
    };
    let mut rows = vec![("kestrel", &o)];
    if let Some(j) = &j {
        rows.push(("+journal", j));
    }
    if let Some((calm, h)) = &h {
        if args.rounds > 1 {
            rows.push(("calm pool", calm));
        }
        rows.push(("+hostile", h));
    }
    rows.push(("baseline", &b));
    rows.push(("floor", &f));
    for (name, s) in rows {
        writeln!(
            out,
            "{name:<10} {:>7} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            s.count, s.missed, s.p50, s.p90, s.p99, s.max
        )?;
    }
    let ratio = |b: f64, o: f64| if o > 0.0 { b / o } else { 0.0 };
    // Where the time went: the local cluster's own share (publishing the create until its frame
    // is on the socket) and the client's (frame on the socket until its buy arrives).
    writeln!(
        out,
        "of which (µs)      cluster: publish → frame written    client: frame written → buy received"
    )?;
    let mut client = Vec::new();
    for (name, split) in [
        ("kestrel", &ours_split),
        ("baseline", &base_split),
        ("floor", &floor_split),
    ] {
        let (venue, own): (Vec<u64>, Vec<u64>) = split.iter().copied().unzip();
        let (v, c) = (summarize(&venue, n)?, summarize(&own, n)?);
        writeln!(
            out,
            "{name:<10}         p50 {:>7.1}  p99 {:>7.1}              p50 {:>7.1}  p99 {:>7.1}",
            v.p50, v.p99, c.p50, c.p99
        )?;
        client.push(c);
    }
    if let [o, b, _] = client.as_slice() {
        writeln!(
            out,
            "client-side ratio (baseline / kestrel): p50 {:.2}  p99 {:.2}",
            ratio(b.p50, o.p50),
            ratio(b.p99, o.p99)
        )?;
    }
    // The floor reads each frame and writes a buy signed in advance: what is left is the
    // cluster's publishing and the two loopback crossings, which every client pays.
    writeln!(
        out,
        "floor: a client that only reads each create's frame and writes a buy signed in advance"
    )?;
    writeln!(
        out,
        "above the floor at p50 (µs): kestrel {:+.1}  baseline {:+.1};  baseline / floor: p50 {:.2}  p99 {:.2}",
        o.p50 - f.p50,
        b.p50 - f.p50,
        ratio(b.p50, f.p50),
        ratio(b.p99, f.p99)
    )?;
    if let Some(j) = &j {
        change_line(&mut out, "journal", j, &o)?;
    }
    if let (Some((calm, h)), Some((_, _, rounds))) = (&h, &attacked) {
        for (i, (c, a)) in rounds.iter().enumerate() {
            writeln!(
                out,
                "hostile round {}: without p50 {:.1} p99 {:.1}   with p50 {:.1} p99 {:.1}   (µs)",
                i + 1,
                c.p50,
                c.p99,
                a.p50,
                a.p99
            )?;
        }
        change_line(&mut out, "hostile", h, calm)?;
    }
    writeln!(
        out,
        "e2e_floor: p50_us={:.1} p99_us={:.1} baseline_over_floor_p50={:.2} baseline_over_floor_p99={:.2}",
        f.p50,
        f.p99,
        ratio(b.p50, f.p50),
        ratio(b.p99, f.p99)
    )?;
    writeln!(
        out,
        "e2e: p50_us={:.1} p99_us={:.1} baseline_p50_us={:.1} baseline_p99_us={:.1} ratio_p50={:.2} ratio_p99={:.2}",
        o.p50,
        o.p99,
        b.p50,
        b.p99,
        ratio(b.p50, o.p50),
        ratio(b.p99, o.p99)
    )?;
    if o.count == 0 {
        bail!("the engine bought none of the launches");
    }
    Ok(())
}

/// One pass of Kestrel: a fresh funded wallet, the engine started, `args.launches` launches
/// (mints salted by `salt`), the latencies the cluster's tap saw.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn kestrel_pass(
    config: &Config,
    sim_rt: &tokio::runtime::Runtime,
    cluster: &Arc<kestrel_sim::cluster::Cluster>,
    tap: &Arc<LatencyTap>,
    args: &E2eArgs,
    salt: u64,
    name: &str,
    hostile: bool,
) -> Result<(Vec<u64>, Vec<(u64, u64)>)> {
    let n = u64::from(args.launches);
    let ours = Wallet::ephemeral();
    cluster
        .airdrop(&ours.pubkey(), BUY.0 * (n + 10) + 10 * SOL)
        .map_err(anyhow::Error::msg)?;
    let setup = setup::engine_setup(config, ours)?;
    let engine = Engine::start(setup)?;
    wait_connected(&engine)?;
    let attack = if hostile {
        Some(Attack::start(&args.attack)?)
    } else {
        None
    };
    say(&format!("{name}: launching"));
    let mints = launch(sim_rt, cluster, args, salt)?;
    let ns = collect(tap, &mints)?;
    if let Some(a) = attack {
        say(&a.stop());
    }
    let split = tap.split_ns();
    let metrics = engine.metrics.clone();
    engine.stop();
    let table = kestrel_console::status::percentile_table(&metrics);
    say(&format!(
        "{name} stage table (µs since frame read):\n{table}"
    ));
    tap.clear();
    Ok((ns, split))
}

/// One pass of the floor client: each launch's buy prepared and signed before the launch, written
/// as its create's frame arrives (see `floor.rs`).
fn floor_pass(
    config: &Config,
    server: &SimServer,
    sim_rt: &tokio::runtime::Runtime,
    cluster: &Arc<Cluster>,
    tap: &Arc<LatencyTap>,
    args: &E2eArgs,
) -> Result<Vec<u64>> {
    const SIDE: u64 = 3;
    let n = u64::from(args.launches);
    let seed = cluster.seed();
    let payer = seeded_keypair(seed, "floor", 0);
    cluster
        .airdrop(&payer.pubkey(), BUY.0 * (n + 10) + 10 * SOL)
        .map_err(anyhow::Error::msg)?;
    let creators = bench_creators(seed, SIDE);
    let hash = cluster.latest_blockhash();
    let bodies = (0..n)
        .map(|i| {
            let creator = &creators[(i % CREATORS) as usize];
            let tx = buy_transaction(
                &payer,
                TradeInputs {
                    mint: bench_mint(seed, SIDE, i).pubkey(),
                    user: payer.pubkey(),
                    creator: creator.pubkey(),
                    token_program: TOKEN_PROGRAM,
                    fee_recipient: FEE_RECIPIENT_0,
                    buyback_fee_recipient: BUYBACK_FEE_RECIPIENT_0,
                    is_cashback_coin: false,
                },
                TokenAmount(1),
                hash,
            );
            let wire = bincode::serialize(&tx)?;
            Ok(format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["{}",{{"encoding":"base64","skipPreflight":true,"maxRetries":0}}]}}"#,
                STANDARD.encode(wire)
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let floor = floor::Floor::start(
        server.ws_addr,
        server.rpc_addr,
        bodies,
        setup::idle(config.threads.idle),
    )?;
    say("floor: launching");
    let mints = launch(sim_rt, cluster, args, SIDE)?;
    let ns = collect(tap, &mints)?;
    let sent = floor.stop()?;
    if sent < mints.len() {
        say(&format!(
            "floor: wrote {sent} buys for {} launches",
            mints.len()
        ));
    }
    Ok(ns)
}

/// Hostile plugins kept busy on their own threads while the hot path is measured.
struct Attack {
    host: Arc<kestrel_plugin_host::PluginHost>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    pokers: Vec<std::thread::JoinHandle<()>>,
}

impl Attack {
    fn start(attack: &[AttackMode]) -> Result<Self> {
        use kestrel_plugin_host::{Grants, PluginLimits, PluginSource, PluginSpec};
        let spec = |mode: &str| PluginSpec {
            name: mode.to_owned(),
            source: PluginSource::Bytes(kestrel_plugin_bundle::PROBE),
            settings: vec![("mode".into(), mode.into())],
            grants: Grants::default(),
            limits: PluginLimits::default(),
        };
        let mut modes: Vec<&str> = attack.iter().map(|a| a.probe_mode()).collect();
        modes.sort_unstable();
        modes.dedup();
        let host = Arc::new(kestrel_plugin_host::PluginHost::start(
            modes.iter().map(|m| spec(m)).collect(),
            Arc::new(kestrel_plugin_host::Offline),
        )?);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pokers = modes
            .iter()
            .map(|m| {
                let (host, stop, m) = (host.clone(), stop.clone(), (*m).to_owned());
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let msg = kestrel_plugin_host::bindings::Inbound {
                            chat: "0".into(),
                            user: "0".into(),
                            text: "https://not-granted.example/".into(),
                        };
                        if host.message(&m, msg).is_err() {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                })
            })
            .collect();
        Ok(Self { host, stop, pokers })
    }

    fn stop(self) -> String {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for p in self.pokers {
            let _ = p.join();
        }
        let lines: Vec<String> = self
            .host
            .status()
            .into_iter()
            .map(|s| {
                format!(
                    "  {}: {} faults, {} restarts, {} HTTP refused",
                    s.name, s.faults, s.restarts, s.http_denied
                )
            })
            .collect();
        format!("hostile plugins during the pass:\n{}", lines.join("\n"))
    }
}

fn wait_connected(engine: &Engine) -> Result<()> {
    for _ in 0..200 {
        if engine
            .feeds
            .iter()
            .all(|f| f.connected.load(std::sync::atomic::Ordering::Relaxed))
        {
            // Subscriptions are acknowledged right after connecting.
            std::thread::sleep(Duration::from_millis(200));
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    bail!("the engine's feed did not connect")
}

/// Launches `args.launches` coins at `args.rate`, from pre-funded creators. Returns the mints.
fn launch(
    rt: &tokio::runtime::Runtime,
    cluster: &Arc<Cluster>,
    args: &E2eArgs,
    side: u64,
) -> Result<Vec<solana_pubkey::Pubkey>> {
    let seed = cluster.seed();
    let creators = bench_creators(seed, side);
    for c in &creators {
        cluster
            .airdrop(&c.pubkey(), 1_000 * SOL)
            .map_err(anyhow::Error::msg)?;
    }
    let cluster = cluster.clone();
    let (launches, rate) = (u64::from(args.launches), args.rate);
    // Launched from a task on the cluster's own runtime, as `kestrel sim` plays its scenario:
    // the cluster's websocket tasks then hear of each create on the thread that made it, not
    // through a thread wake-up that no cluster would have between landing and publishing.
    let launching = rt.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut mints = Vec::with_capacity(launches as usize);
        for i in 0..launches {
            tick.tick().await;
            let mint = bench_mint(seed, side, i);
            let creator = &creators[(i % CREATORS) as usize];
            let name = format!("Bench {side}-{i}");
            match launch_coin(&cluster, creator, &mint, &name, "BNCH") {
                Ok(_) => mints.push(mint.pubkey()),
                Err(e) => say(&format!("bench launch failed: {e}")),
            }
        }
        mints
    });
    rt.block_on(launching)
        .map_err(|e| anyhow::anyhow!("the launching task stopped: {e}"))
}

/// Creators per side; launch `i` is made by creator `i % CREATORS`.
const CREATORS: u64 = 8;

/// The creators of one side's launches.
fn bench_creators(seed: u64, side: u64) -> Vec<Keypair> {
    (0..CREATORS)
        .map(|i| seeded_keypair(seed, &format!("bench-creator-{side}"), i))
        .collect()
}

/// The mint of one side's launch `i`.
fn bench_mint(seed: u64, side: u64, i: u64) -> Keypair {
    seeded_keypair(seed, &format!("bench-mint-{side}"), i)
}

/// Waits (up to 5 s after the last launch) for every mint's buy, then the latencies.
fn collect(tap: &LatencyTap, mints: &[solana_pubkey::Pubkey]) -> Result<Vec<u64>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if mints
            .iter()
            .all(|m| tap.marks(m).is_some_and(|k| k.buy_received.is_some()))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let doubles = mints
        .iter()
        .filter(|m| tap.marks(m).is_some_and(|k| k.buys_received > 1))
        .count();
    if doubles > 0 {
        say(&format!(
            "warning: {doubles} mints received more than one buy"
        ));
    }
    Ok(tap.latencies_ns())
}

/// The ordinary way: typed PubsubClient stream, owned decode, `TradeAccounts::derive`,
/// `Transaction::new_signed_with_payer`, nonblocking `RpcClient::send_transaction_with_config`.
async fn baseline(
    rpc_url: String,
    ws_url: String,
    payer: Keypair,
    ready: std::sync::mpsc::Sender<()>,
) -> Result<()> {
    let pubsub = PubsubClient::new(&ws_url).await?;
    let (mut stream, _unsub) = pubsub
        .logs_subscribe(
            RpcTransactionLogsFilter::Mentions(vec![PUMP_PROGRAM.to_string()]),
            RpcTransactionLogsConfig {
                commitment: Some(CommitmentConfig::processed()),
            },
        )
        .await?;
    let rpc = Arc::new(RpcClient::new_with_commitment(
        rpc_url,
        CommitmentConfig::processed(),
    ));
    // A background blockhash, as any sniper would keep.
    let blockhash = Arc::new(Mutex::new(rpc.get_latest_blockhash().await?));
    {
        let (rpc, blockhash) = (rpc.clone(), blockhash.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(400)).await;
                if let Ok(h) = rpc.get_latest_blockhash().await
                    && let Ok(mut g) = blockhash.lock()
                {
                    *g = h;
                }
            }
        });
    }
    let _ = ready.send(());
    let payer = Arc::new(payer);
    let rates = FeeRates {
        protocol: Bps(95),
        creator: Bps(30),
    };
    while let Some(note) = stream.next().await {
        for line in &note.value.logs {
            let Some(b64) = line.strip_prefix("Program data: ") else {
                continue;
            };
            let Ok(bytes) = STANDARD.decode(b64) else {
                continue;
            };
            let Ok(Some(PumpEvent::Create(c))) = decode_event(&bytes) else {
                continue;
            };
            let r = Reserves {
                virtual_token: c.virtual_token_reserves.unwrap_or(TokenAmount(0)),
                virtual_quote: c
                    .virtual_sol_reserves
                    .map(kestrel_units::QuoteAmount::from)
                    .unwrap_or_default(),
                real_token: c.real_token_reserves.unwrap_or(TokenAmount(0)),
                real_quote: kestrel_units::QuoteAmount::ZERO,
            };
            let Ok((tokens, _)) = curve::buy_exact_quote_in(&r, BUY.into(), rates) else {
                continue;
            };
            let hash = blockhash.lock().map(|g| *g).unwrap_or_default();
            let tx = buy_transaction(
                &payer,
                TradeInputs {
                    mint: c.mint,
                    user: payer.pubkey(),
                    creator: c.creator,
                    token_program: c.token_program.unwrap_or(TOKEN_PROGRAM),
                    fee_recipient: FEE_RECIPIENT_0,
                    buyback_fee_recipient: BUYBACK_FEE_RECIPIENT_0,
                    is_cashback_coin: c.is_cashback_enabled.unwrap_or(false),
                },
                TokenAmount(tokens.0 * 85 / 100),
                hash,
            );
            let rpc = rpc.clone();
            tokio::spawn(async move {
                let _ = rpc
                    .send_transaction_with_config(
                        &tx,
                        RpcSendTransactionConfig {
                            skip_preflight: true,
                            encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base64),
                            max_retries: Some(0),
                            ..RpcSendTransactionConfig::default()
                        },
                    )
                    .await;
            });
        }
    }
    Ok(())
}

/// A buy of `BUY` lamports the ordinary way: compute budget, the buyer's token account
/// (create-idempotent), `buy_exact_sol_in`; `TradeAccounts::derive` and
/// `Transaction::new_signed_with_payer`.
fn buy_transaction(
    payer: &Keypair,
    inputs: TradeInputs,
    min_tokens: TokenAmount,
    hash: solana_hash::Hash,
) -> Transaction {
    let accounts = TradeAccounts::derive(inputs);
    let user = payer.pubkey();
    let token_program = accounts.inputs.token_program;
    let mint = accounts.inputs.mint;
    let ixs = [
        pump_ix::set_compute_unit_limit(120_000),
        pump_ix::set_compute_unit_price(100_000),
        pump_ix::ata_create_idempotent(
            &user,
            &pda::associated_token_address(&user, &token_program, &mint),
            &user,
            &mint,
            &token_program,
        ),
        pump_ix::buy_exact_sol_in(&accounts, BUY, min_tokens, true),
    ];
    Transaction::new_signed_with_payer(&ixs, Some(&user), &[payer], hash)
}
