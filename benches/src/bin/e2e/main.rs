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
use kestrel_config::{ClusterMode, Commitment, Config, Endpoint, IdleChoice, LayoutChoice};
use kestrel_decode::pump::{PumpEvent, decode_event};
use kestrel_engine::Engine;
use kestrel_engine::metrics::Stage;
use kestrel_engine::threads::Layout;
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
mod passes;
mod report;

use passes::{Extras, IdleArg, LayoutArg, Pass, Pool, Run, Variant, idle_name};
use report::{Summary, change_line, print_rounds, report, summarize};

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
                            writes a buy signed in advance (the host's own cost). With \
                            --rounds R every pass runs R times, rounds rotating the order, \
                            and the latencies are pooled. Prints p50/p90/p99/max for each, \
                            each Kestrel variant's distance above the floor and ratio to the \
                            baseline, its pooled stage table, a line per variant \
                            (variant: layout=… idle=… …), a line \
                            e2e_floor: p50_us=… p99_us=… baseline_over_floor_p50=… \
                            baseline_over_floor_p99=…\n\
                            and ends with one line for scripts (the first variant's):\n\
                            e2e: p50_us=… p99_us=… baseline_p50_us=… baseline_p99_us=… \
                            ratio_p50=… ratio_p99=…\n\nThreads follow [threads] of the \
                            config unless --layout and --idle name others."
)]
struct E2eArgs {
    /// Config file (default: config/kestrel.toml if present, else the built-in default)
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Launches per pass
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
    /// Also run Kestrel recording its feeds to a capture (`kestrel run --record`), and report
    /// the hot path with and without it
    #[arg(long)]
    record: bool,
    /// Rounds: each runs every pass (each Kestrel variant, the baseline, a floor per idle
    /// policy) on fresh mints, starting one pass later in the list than the round before, and
    /// the tables pool every round's latencies, so load drifting during the run cannot favour
    /// whichever client ran in the quiet minute. With --journal, --hostile and --record, the number of
    /// with/without pairs too
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    rounds: u32,
    /// Kestrel's thread layouts to measure (default: the config's, as `kestrel run` would
    /// choose it on this host)
    #[arg(long, value_delimiter = ',')]
    layout: Vec<LayoutArg>,
    /// Idle policies to measure, each Kestrel layout and a floor under each (default: the
    /// config's)
    #[arg(long, value_delimiter = ',')]
    idle: Vec<IdleArg>,
    /// With --hostile: which hostile plugins run (to tell their effects apart)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "spin,memory,flood,panic,webhooks,topics,storage"
    )]
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
    /// Webhooks sent as fast as eight connections can to a plugin that takes 300 ms to
    /// answer each (the ingress's rate, waiting and deadline caps answer the rest).
    Webhooks,
    /// A plugin publishing on a topic in a loop, to a subscriber.
    Topics,
    /// A plugin filling its storage quota, emptying it and filling it again.
    Storage,
    /// No plugin: two threads in the idle scheduling class computing all along. What any
    /// idle-class work costs the hot path on this host, to read the others against.
    Burner,
}

impl AttackMode {
    fn name(self) -> &'static str {
        match self {
            AttackMode::Spin => "spin",
            AttackMode::Memory => "memory",
            AttackMode::Flood => "flood",
            AttackMode::Panic => "panic",
            AttackMode::Webhooks => "webhooks",
            AttackMode::Topics => "topics",
            AttackMode::Storage => "storage",
            AttackMode::Burner => "burner",
        }
    }

    /// The plugins this attack runs.
    fn specs(self) -> Vec<kestrel_plugin_host::PluginSpec> {
        use kestrel_plugin_host::{
            Grants, Inbound, PluginLimits, PluginSource, PluginSpec, Verify,
        };
        let probe = |name: &str, settings: &[(&str, &str)], grants: Grants| PluginSpec {
            name: name.to_owned(),
            source: PluginSource::Bytes(kestrel_plugin_bundle::PROBE),
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            grants,
            limits: PluginLimits::default(),
        };
        match self {
            AttackMode::Spin | AttackMode::Memory | AttackMode::Flood | AttackMode::Panic => {
                vec![probe(
                    self.name(),
                    &[("mode", self.name())],
                    Grants::default(),
                )]
            }
            AttackMode::Webhooks => vec![probe(
                "webhooks",
                &[("webhook", "slow"), ("slow_ms", "300")],
                Grants {
                    inbound: Some(Inbound::new(Verify::None)),
                    ..Grants::default()
                },
            )],
            AttackMode::Topics => vec![
                probe(
                    "topics",
                    &[],
                    Grants {
                        publish_topics: vec!["t".into()],
                        ..Grants::default()
                    },
                ),
                probe(
                    "topics-sink",
                    &[("topics", "t")],
                    Grants {
                        subscribe_topics: vec!["t".into()],
                        ..Grants::default()
                    },
                ),
            ],
            AttackMode::Storage => vec![probe("storage", &[], Grants::default())],
            AttackMode::Burner => Vec::new(),
        }
    }

    /// What its poker sends, turn by turn (message-driven attacks).
    fn messages(self) -> &'static [&'static str] {
        match self {
            AttackMode::Spin | AttackMode::Memory | AttackMode::Flood | AttackMode::Panic => {
                &["https://not-granted.example/"]
            }
            AttackMode::Topics => &["topic:flood t"],
            AttackMode::Storage => &["kv:fill", "kv:clear fill:"],
            AttackMode::Webhooks | AttackMode::Burner => &[],
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
    let variants = Variant::all(&config, args);
    let idles = Variant::idles(&variants);
    say(&format!(
        "local cluster at {} / {}; {} launches per pass at {}/s; {} round(s) of: {}, baseline, {}",
        server.rpc_url(),
        server.ws_url(),
        args.launches,
        args.rate,
        args.rounds,
        variants
            .iter()
            .map(Variant::name)
            .collect::<Vec<_>>()
            .join(", "),
        idles
            .iter()
            .map(|i| format!("floor/{}", idle_name(*i)))
            .collect::<Vec<_>>()
            .join(", ")
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
    // The hot path alone; --journal adds passes with it.
    config.journal.enabled = false;
    let run = Run {
        sim_rt: &sim_rt,
        server: &server,
        cluster: &cluster,
        tap: &tap,
        args,
    };

    // Every pass of a round on fresh mints; each round starts one pass later in the list, so
    // load drifting during the run cannot favour whichever client ran in the quiet minute.
    let mut passes: Vec<Pass> = (0..variants.len()).map(Pass::Kestrel).collect();
    passes.push(Pass::Baseline);
    passes.extend((0..idles.len()).map(Pass::Floor));
    let mut pools: Vec<Pool> = passes.iter().map(|_| Pool::default()).collect();
    let mut side = 10u64;
    for r in 0..args.rounds as usize {
        let mut order: Vec<usize> = (0..passes.len()).collect();
        order.rotate_left(r % passes.len());
        for i in order {
            side += 1;
            let measured = match passes[i] {
                Pass::Kestrel(v) => {
                    let cfg = variants[v].apply(&config);
                    run.kestrel(&cfg, side, &variants[v].name(), Extras::default())?
                }
                Pass::Baseline => run.baseline(side)?,
                Pass::Floor(f) => run.floor(idles[f], side)?,
            };
            pools[i].add(measured, n)?;
        }
        let line: Vec<String> = passes
            .iter()
            .zip(&pools)
            .filter_map(|(p, pool)| {
                let s = pool.rounds.last()?;
                Some(format!(
                    "{} p50 {:.1} p99 {:.1}",
                    p.name(&variants, &idles),
                    s.p50,
                    s.p99
                ))
            })
            .collect();
        say(&format!("round {}: {}  (µs)", r + 1, line.join(" | ")));
    }

    // With --journal: the first variant with its journal on, and again without, alternating.
    let journaled = if args.journal {
        let dir =
            std::env::temp_dir().join(format!("kestrel-bench-journal-{}", std::process::id()));
        let mut with = variants[0].apply(&config);
        with.journal.enabled = true;
        with.journal.dir = dir.display().to_string();
        let without = variants[0].apply(&config);
        let r = run.paired(
            &without,
            &with,
            "kestrel+journal",
            Extras::default(),
            &mut side,
        );
        let _ = std::fs::remove_dir_all(&dir);
        Some(r?)
    } else {
        None
    };
    // With --hostile: the first variant beside hostile plugins, and again without.
    let attacked = if args.hostile {
        let cfg = variants[0].apply(&config);
        Some(run.paired(
            &cfg,
            &cfg,
            "kestrel+hostile",
            Extras {
                attack: Some(args.attack.as_slice()),
                record: None,
            },
            &mut side,
        )?)
    } else {
        None
    };
    // With --record: the first variant recording its feeds, and again without.
    let recorded = if args.record {
        let dir = tempfile::tempdir()?;
        let cfg = variants[0].apply(&config);
        Some(run.paired(
            &cfg,
            &cfg,
            "kestrel+record",
            Extras {
                attack: None,
                record: Some(dir.path()),
            },
            &mut side,
        )?)
    } else {
        None
    };
    sim_rt.block_on(server.stop());

    let rounds_n = n * u64::from(args.rounds);
    let mut out = std::io::stdout().lock();
    report(
        &mut out,
        &passes,
        &pools,
        &variants,
        &idles,
        rounds_n,
        args.rounds,
    )?;
    for (name, pairs) in [
        ("journal", &journaled),
        ("record", &recorded),
        ("hostile", &attacked),
    ] {
        if let Some((without, with, per_round)) = pairs {
            print_rounds(&mut out, name, per_round)?;
            change_line(
                &mut out,
                name,
                &summarize(with, rounds_n)?,
                &summarize(without, rounds_n)?,
            )?;
        }
    }
    // The config's own variant (the first) is the one scripts read.
    let o = summarize(&pools[0].ns, rounds_n)?;
    let b = summarize(&pools[variants.len()].ns, rounds_n)?;
    let floor_of_first = idles
        .iter()
        .position(|i| *i == variants[0].idle)
        .unwrap_or(0);
    let f = summarize(&pools[variants.len() + 1 + floor_of_first].ns, rounds_n)?;
    let ratio = |b: f64, o: f64| if o > 0.0 { b / o } else { 0.0 };
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

/// Hostile plugins kept busy on their own threads while the hot path is measured.
struct Attack {
    host: Arc<kestrel_plugin_host::PluginHost>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    pokers: Vec<std::thread::JoinHandle<()>>,
    _storage: Option<tempfile::TempDir>,
}

impl Attack {
    fn start(attack: &[AttackMode]) -> Result<Self> {
        let mut modes = attack.to_vec();
        modes.sort_unstable_by_key(|m| m.name());
        modes.dedup();
        let storage = if modes.contains(&AttackMode::Storage) {
            Some(tempfile::tempdir()?)
        } else {
            None
        };
        let settings = kestrel_plugin_host::HostSettings {
            storage_dir: storage.as_ref().map(|d| d.path().to_owned()),
            ingress: modes
                .contains(&AttackMode::Webhooks)
                .then(|| ([127, 0, 0, 1], 0).into()),
        };
        let host = Arc::new(kestrel_plugin_host::PluginHost::start(
            modes.iter().flat_map(|m| m.specs()).collect(),
            Arc::new(kestrel_plugin_host::Offline),
            &settings,
        )?);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut pokers = Vec::new();
        for m in &modes {
            let (host, stop, m) = (host.clone(), stop.clone(), *m);
            pokers.push(std::thread::spawn(move || {
                // The pokers stand for traffic from outside (chat, webhooks), which reaches a
                // plugin only through the host's idle-class threads (the ingress, the
                // plugin's own polling): they run in that class too, so the harness's own
                // threads are not what the hot path is measured against.
                let _ = kestrel_plugin_host::host::lower_priority();
                if m == AttackMode::Webhooks {
                    if let Some(addr) = host.ingress_addr() {
                        flood_webhooks(addr, &stop);
                    }
                    return;
                }
                if m == AttackMode::Burner {
                    let burn = {
                        let stop = stop.clone();
                        std::thread::spawn(move || {
                            let _ = kestrel_plugin_host::host::lower_priority();
                            let mut x = 0u64;
                            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                                x = std::hint::black_box(x.wrapping_add(1));
                            }
                        })
                    };
                    let mut x = 0u64;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        x = std::hint::black_box(x.wrapping_add(1));
                    }
                    let _ = burn.join();
                    return;
                }
                let mut turn = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let texts = m.messages();
                    let msg = kestrel_plugin_host::latest::Inbound {
                        chat: "0".into(),
                        user: "0".into(),
                        text: texts[turn % texts.len()].into(),
                    };
                    turn += 1;
                    if host.message(m.name(), msg).is_err() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }));
        }
        Ok(Self {
            host,
            stop,
            pokers,
            _storage: storage,
        })
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
                    "  {}: {} faults, {} restarts, {} HTTP refused, {} dropped, webhooks {} in / {} refused / {} late, {} topic messages (+{} refused), {} store writes refused",
                    s.name,
                    s.faults,
                    s.restarts,
                    s.http_denied,
                    s.dropped,
                    s.webhooks,
                    s.webhooks_refused,
                    s.webhooks_late,
                    s.topics_published,
                    s.topics_denied,
                    s.kv_refused
                )
            })
            .collect();
        format!("hostile plugins during the pass:\n{}", lines.join("\n"))
    }
}

/// Eight connections posting to the slow plugin's hook until `stop`, each at most every
/// 10 ms (800 a second, forty times the hook's rate cap): clients on other machines, in the
/// idle class like every poker.
fn flood_webhooks(addr: std::net::SocketAddr, stop: &std::sync::atomic::AtomicBool) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        let url = format!("http://{addr}/hooks/webhooks/x");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                async move {
                    let Ok(client) = reqwest::Client::builder().build() else {
                        return;
                    };
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let next = tokio::time::Instant::now() + Duration::from_millis(10);
                        let _ = client.post(&url).body("{}").send().await;
                        tokio::time::sleep_until(next).await;
                    }
                }
            })
            .collect();
        futures_util::future::join_all(tasks).await;
    });
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
