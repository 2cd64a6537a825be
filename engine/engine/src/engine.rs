//! Starting and stopping the engine's threads.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};
use dashmap::DashMap;
use kestrel_exec::send::SendPolicy;
use kestrel_exec::tx::MintInfo;
use kestrel_exec::{BlockhashCache, Broadcaster, JsonRpc, Wallet};
use kestrel_feed::{EndpointStats, FeedConfig, FeedEvent, Sink, Stamped};
use kestrel_guardian::exits::ExitRules;
use kestrel_guardian::{Guardian, Limits};
use kestrel_model::{SystemClock, mono_nanos};
use kestrel_reentry::{Reentry, ReentryConfig};
use kestrel_sniper::{Sniper, SniperConfig};
use kestrel_store::{Journal, JournalState, MetaValue, Reader, Record, SendLog, send_log};
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;
use thiserror::Error;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use crate::book::{Book, Position};
use crate::control::{self, ControlState};
use crate::dispatch::{ConfirmPolicy, Dispatcher, Journaling};
use crate::execution::{ExecSettings, Executor};
use crate::kernel::{Kernel, KernelParts, SellSettings};
use crate::metrics::{Metrics, percentile_table};
use crate::order::{Command, EngineEvent, ExecReport, Order, Route};
use crate::recovery::{self, RecoveryReport};
use crate::routing::{JitoSending, RouteHooks, RouteSettings, Router, SendVia};
use crate::threads::{Idle, ThreadSettings, pin_current};

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("cannot start a runtime thread: {0}")]
    Runtime(std::io::Error),
    #[error("no RPC endpoint answered getLatestBlockhash ({0})")]
    NoBlockhash(String),
    #[error("cannot read the wallet balance: {0}")]
    Balance(String),
    #[error("cannot bind the control port {addr}: {source}")]
    Control {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("bad setting: {0}")]
    Setting(String),
    #[error(transparent)]
    Journal(#[from] kestrel_store::StoreError),
    #[error("journal {path} belongs to wallet {journal}, but this run trades wallet {wallet}")]
    JournalWallet {
        path: String,
        journal: Pubkey,
        wallet: Pubkey,
    },
    #[error("recovery: {0}")]
    Recovery(String),
}

/// Where the journal lives and how hard it syncs.
#[derive(Clone, Debug)]
pub struct JournalSetup {
    pub path: std::path::PathBuf,
    pub sync: kestrel_store::Sync,
}

/// Everything the engine needs, resolved from config and flags.
pub struct EngineSetup {
    pub feed: FeedConfig,
    /// (url, printable name)
    pub rpc: Vec<(String, String)>,
    /// Where transactions go; empty: the RPC endpoints.
    pub send: Vec<(String, String)>,
    pub wallet: Wallet,
    pub sniper: SniperConfig,
    pub limits: Limits,
    pub blacklisted_mints: Vec<Pubkey>,
    pub blacklisted_creators: Vec<Pubkey>,
    pub exits: ExitRules,
    pub reentry: ReentryConfig,
    /// `None`: no journal (benches, some tests).
    pub journal: Option<JournalSetup>,
    pub exec: ExecSettings,
    pub sell: SellSettings,
    /// Paper mode: real feeds, nothing sent, fills simulated on the curve.
    pub paper: bool,
    /// The balance paper mode trades against (`None`: the wallet's real balance).
    pub paper_balance: Option<Lamports>,
    pub threads: ThreadSettings,
    /// The control port; `None` serves none.
    pub control: Option<SocketAddr>,
    pub confirm: ConfirmPolicy,
    pub send_policy: SendPolicy,
    /// Capacity of the feed → strategy queue.
    pub queue_capacity: usize,
    pub blockhash_every: Duration,
    pub balance_every: Duration,
    /// Off-curve routing through Jupiter (`None`: graduated positions are flagged only).
    pub route: Option<RouteSetup>,
    /// Sending through Jito (`None`: RPC only).
    pub jito: Option<JitoSending>,
    /// Where fills, exits, state changes and alerts go (`None`: nowhere).
    pub events: Option<Sender<EngineEvent>>,
}

/// What the control plane and plugins hold of a running engine: its command queue and its
/// published views. Cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    pub commands: Sender<Command>,
    pub metrics: Arc<Metrics>,
    pub positions: Arc<DashMap<Pubkey, Position>>,
    pub wallet: Pubkey,
}

impl EngineHandle {
    /// Hands a command to the strategy thread; false if the queue is full or the engine
    /// stopped.
    pub fn command(&self, c: Command) -> bool {
        self.commands.try_send(c).is_ok()
    }
}

/// What off-curve routing needs.
#[derive(Clone, Debug)]
pub struct RouteSetup {
    pub jupiter: kestrel_exec::jupiter::Jupiter,
    pub settings: RouteSettings,
    pub sell_on_graduation: bool,
    pub curve_via_jupiter: bool,
}

/// A running engine.
pub struct Engine {
    pub metrics: Arc<Metrics>,
    pub feeds: Arc<Vec<EndpointStats>>,
    pub positions: Arc<DashMap<Pubkey, Position>>,
    pub control_addr: Option<SocketAddr>,
    pub wallet: Pubkey,
    /// What start-up recovery found and did.
    pub recovery: RecoveryReport,
    journal: Option<Journal>,
    commands: Sender<Command>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    io_stop: tokio::sync::watch::Sender<bool>,
    ctl: Option<Runtime>,
    dispatcher: Dispatcher,
}

/// How long an idle hot thread parks before checking for shutdown.
const PARK: Duration = Duration::from_millis(50);
const PUBLISH_NS: u64 = 250_000_000;

impl Engine {
    pub fn start(s: EngineSetup) -> Result<Self, EngineError> {
        if s.queue_capacity == 0 {
            return Err(EngineError::Setting(
                "queue capacity must be at least 1".into(),
            ));
        }
        let metrics = Arc::new(Metrics::new());
        let cores = core_affinity::get_core_ids().map_or(0, |c| c.len());
        let placement = s.threads.placement(cores);

        let ctl = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("kestrel-ctl")
            .enable_all()
            .build()
            .map_err(EngineError::Runtime)?;
        let http = http_client()?;
        let rpcs: Vec<JsonRpc> = s
            .rpc
            .iter()
            .map(|(u, n)| JsonRpc::new(http.clone(), u.clone(), n.clone()))
            .collect();
        let send_endpoints = if s.send.is_empty() {
            s.rpc.clone()
        } else {
            s.send.clone()
        };
        // Sends use their own client, used only on the execution thread: a pooled connection
        // belongs to the runtime that opened it, and the send must not hop to another thread.
        let send_http = http_client()?;
        let broadcaster = Broadcaster::new(send_http, send_endpoints, s.send_policy.clone());

        // The blockhash and the balance first: nothing trades without them.
        let blockhash = Arc::new(BlockhashCache::new());
        if !ctl.block_on(blockhash.refresh_with_retries(&rpcs, 5)) {
            let names: Vec<&str> = rpcs.iter().map(JsonRpc::name).collect();
            return Err(EngineError::NoBlockhash(names.join(", ")));
        }
        ctl.spawn(
            blockhash
                .clone()
                .refresh_forever(rpcs.clone(), s.blockhash_every),
        );
        let wallet = Arc::new(s.wallet);
        let wallet_key = wallet.pubkey();
        let balance = match (s.paper, s.paper_balance) {
            (true, Some(b)) => b,
            _ => {
                let rpc = rpcs
                    .first()
                    .ok_or_else(|| EngineError::Balance("no RPC endpoint".into()))?;
                let read = ctl.block_on(async {
                    let mut last = None;
                    for attempt in 1..=5u64 {
                        match rpc.balance(&wallet_key).await {
                            Ok(b) => return Ok(b),
                            Err(e) if e.is_transient() => {
                                last = Some(e);
                                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    Err(last.unwrap_or(kestrel_exec::RpcError::Transport("no answer".into())))
                });
                Lamports(read.map_err(|e| EngineError::Balance(e.to_string()))?)
            }
        };
        // The journal: what the last run left, then the writer for this one.
        let (journal, journaled, send_log) = match &s.journal {
            Some(j) => {
                // What the send log holds goes into the database first: orders sent just
                // before a crash may be known only there.
                let log_path = send_log::path_for(&j.path);
                let (logged, torn) = send_log::read(&log_path)?;
                if torn > 0 {
                    tracing::warn!(
                        torn,
                        "send log: records failing their checksum were skipped"
                    );
                }
                let mut reader = Reader::open_for_recovery(&j.path, j.sync)?;
                let new = reader.ingest_sends(&logged)?;
                if new > 0 {
                    tracing::info!(new, "send log: transactions the database had not seen yet");
                }
                let state = reader.state(SystemClock.now_ts().0, 1_024)?;
                drop(reader);
                let log = SendLog::open(&log_path, j.sync)?;
                log.clear()
                    .map_err(|error| kestrel_store::StoreError::Dir {
                        path: log_path.display().to_string(),
                        error,
                    })?;
                if let Some(w) = state.wallet
                    && w != wallet_key
                {
                    return Err(EngineError::JournalWallet {
                        path: j.path.display().to_string(),
                        journal: w,
                        wallet: wallet_key,
                    });
                }
                let journal = Journal::open(&j.path, j.sync)?;
                journal.record(Record::Meta {
                    key: "wallet",
                    value: MetaValue::Key(wallet_key),
                });
                journal.record(Record::Meta {
                    key: "start_balance",
                    value: MetaValue::Number(balance.0),
                });
                journal.record(Record::Meta {
                    key: "mode",
                    value: MetaValue::Name(if s.paper { "paper" } else { "live" }),
                });
                (Some(journal), state, Some(Arc::new(log)))
            }
            None => (None, JournalState::default(), None),
        };
        let (feed_tx, feed_rx) = bounded::<Stamped>(s.queue_capacity);
        let (report_tx, report_rx) = bounded::<ExecReport>(4096);
        let (cmd_tx, cmd_rx) = bounded::<Command>(256);
        // Strategy → execution: a bounded tokio channel, so the execution thread waits on
        // orders and on its sockets in one event loop (no extra hop to another runtime).
        let (order_tx, order_rx) = mpsc::channel::<Order>(1024);
        let (sig_tx, sig_rx) = mpsc::unbounded_channel();
        // Feed → execution: each launch, so its accounts are derived while the strategy
        // decides. A hint that finds the queue full is dropped; the order derives them itself.
        let (hint_tx, hint_rx) = mpsc::channel::<MintInfo>(64);

        // The feed: its own thread running a single-threaded runtime (no work stealing, no
        // cross-thread wakeups between a socket and its decoder).
        let (feed_ready_tx, feed_ready_rx) = std::sync::mpsc::channel();
        let (io_stop_tx, io_stop_rx) = tokio::sync::watch::channel(false);
        let mut threads = Vec::new();
        {
            let (core, cfg, idle) = (placement.feed, s.feed.clone(), s.threads.idle);
            let mut io_stop = io_stop_rx.clone();
            threads.push(spawn_runtime_thread("feed", core, move || async move {
                let sink = Sink::new(feed_tx, sig_tx).with_launch_hook(Box::new(move |l| {
                    let _ = hint_tx.try_send(MintInfo::of_launch(l));
                }));
                let feed = kestrel_feed::start(cfg, sink);
                let _ = feed_ready_tx.send(feed);
                if idle != Idle::Spin {
                    let _ = io_stop.changed().await;
                } else {
                    // Spinning, on its own core: busy-poll the sockets. While a task has
                    // yielded the runtime checks for I/O without sleeping (a zero-timeout
                    // epoll), so a frame is read as it lands, not after a thread wake-up. Not
                    // under `yield`: on a small box a third polling thread cost more in the
                    // tail than it saved (bench e2e, 2 vCPUs).
                    while !*io_stop.borrow() {
                        idle.pause();
                        tokio::task::yield_now().await;
                    }
                }
            })?);
        }
        let feed = feed_ready_rx
            .recv()
            .map_err(|_| EngineError::Setting("the feed thread did not start".into()))?;

        let mut dispatcher = Dispatcher::new(
            broadcaster,
            rpcs.clone(),
            Some(feed.handle.clone()),
            report_tx.clone(),
            wallet.clone(),
            blockhash.clone(),
            s.confirm.clone(),
            metrics.clone(),
            match (&journal, &send_log) {
                (Some(journal), Some(send_log)) => Some(Journaling {
                    send_log: send_log.clone(),
                    journal: journal.clone(),
                }),
                _ => None,
            },
        );
        if !s.paper {
            let (rpc, reports, every) = (rpcs.first().cloned(), report_tx.clone(), s.balance_every);
            if let Some(rpc) = rpc {
                ctl.spawn(async move {
                    let mut tick = tokio::time::interval(every);
                    tick.tick().await;
                    loop {
                        tick.tick().await;
                        if let Ok(b) = rpc.balance(&wallet_key).await
                            && reports.send(ExecReport::Balance(Lamports(b))).is_err()
                        {
                            return;
                        }
                    }
                });
            }
        }

        let hooks = match (&s.route, rpcs.first()) {
            (Some(r), Some(rpc)) => {
                let hooks = RouteHooks {
                    holdings: Arc::new(DashMap::new()),
                    sell_on_graduation: r.sell_on_graduation,
                    curve_via_jupiter: r.curve_via_jupiter,
                };
                let mut settings = r.settings;
                settings.tip_lamports = s
                    .jito
                    .as_ref()
                    .filter(|j| j.via != SendVia::Rpc)
                    .map(|j| j.tip_lamports);
                let router = Router::new(
                    r.jupiter.clone(),
                    rpc.clone(),
                    wallet_key,
                    settings,
                    hooks.clone(),
                    metrics.clone(),
                );
                let (refresher, stop) = (router.clone(), io_stop_rx.clone());
                ctl.spawn(async move { refresher.refresh(stop).await });
                dispatcher = dispatcher.with_router(router);
                Some(hooks)
            }
            _ => None,
        };
        if let Some(j) = &s.jito {
            dispatcher = dispatcher.with_jito(j.clone());
        }
        let capacity = usize::try_from(s.limits.max_open_positions)
            .unwrap_or(64)
            .clamp(8, 4096)
            * 2;
        let mut kernel = Kernel::new(
            KernelParts {
                sniper: Sniper::new(s.sniper),
                guardian: Guardian::new(s.limits, s.blacklisted_mints, s.blacklisted_creators),
                reentry: Reentry::new(s.reentry, wallet_key),
                exits: s.exits,
                book: Book::new(balance, capacity),
                rates: s.exec.fees.rates,
                sell: s.sell,
                metrics: metrics.clone(),
                feed: Some(feed.handle.clone()),
                journal: journal.clone(),
            },
            SystemClock,
        );
        if let Some(hooks) = hooks {
            kernel = kernel.with_routes(hooks);
        }
        if let Some(events) = s.events.clone() {
            kernel = kernel.with_events(events);
        }
        // Recovery, before anything trades: the journal's state, then the chain's word on
        // what was in flight and what the wallet holds.
        kernel.restore(&journaled);
        let recovery = ctl.block_on(recovery::recover(
            &mut kernel,
            &journaled,
            if s.paper { None } else { rpcs.first() },
            wallet_key,
            s.feed.commitment,
        ))?;
        if recovery != RecoveryReport::default() {
            tracing::info!(?recovery, "recovered from the journal");
        }
        let positions = kernel.views();
        let control_addr = match s.control {
            Some(addr) => Some(
                ctl.block_on(control::serve(
                    addr,
                    ControlState {
                        metrics: metrics.clone(),
                        feeds: feed.stats.clone(),
                        positions: positions.clone(),
                        blockhash: blockhash.clone(),
                        commands: cmd_tx.clone(),
                    },
                ))
                .map_err(|source| EngineError::Control { addr, source })?,
            ),
            None => None,
        };

        let stop = Arc::new(AtomicBool::new(false));
        let idle = s.threads.idle;
        {
            let (stop, core, metrics) = (stop.clone(), placement.strategy, metrics.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("kestrel-strategy".into())
                    .spawn(move || {
                        pin_current("strategy", core);
                        strategy_loop(
                            kernel, feed_rx, report_rx, cmd_rx, order_tx, &stop, idle, &metrics,
                        );
                    })
                    .map_err(EngineError::Runtime)?,
            );
        }
        {
            let mut executor =
                Executor::new(wallet.clone(), s.exec, blockhash.clone(), metrics.clone());
            if let Some(j) = s.jito.as_ref().filter(|j| j.via != SendVia::Rpc) {
                executor = executor.with_tip(j.tip_lamports);
            }
            let (core, paper, dispatcher) = (placement.exec, s.paper, dispatcher.clone());
            let metrics = metrics.clone();
            let mut io_stop = io_stop_rx.clone();
            threads.push(spawn_runtime_thread("exec", core, move || async move {
                dispatcher.route(sig_rx);
                if !paper {
                    // Open the send connections on this runtime, and keep them open.
                    dispatcher.keep_warm(Duration::from_secs(20)).await;
                }
                let mut executor = executor;
                tokio::select! {
                    () = exec_loop(&mut executor, order_rx, hint_rx, &metrics.launches_decided, &dispatcher, report_tx, paper, idle) => {}
                    _ = io_stop.changed() => {}
                }
                // Whatever was recorded since the last publish, for the exit table.
                executor.publish(mono_nanos(), true);
            })?);
        }

        Ok(Self {
            metrics,
            feeds: feed.stats,
            positions,
            control_addr,
            wallet: wallet_key,
            recovery,
            journal,
            commands: cmd_tx,
            stop,
            threads,
            io_stop: io_stop_tx,
            ctl: Some(ctl),
            dispatcher,
        })
    }

    /// What the control plane and plugins hold of the engine.
    pub fn handle(&self) -> EngineHandle {
        EngineHandle {
            commands: self.commands.clone(),
            metrics: self.metrics.clone(),
            positions: self.positions.clone(),
            wallet: self.wallet,
        }
    }

    /// The off-curve router, when routing is on.
    pub fn router(&self) -> Option<&Router> {
        self.dispatcher.router()
    }

    /// Hands a command to the strategy thread; false if the queue is full or the engine
    /// stopped.
    pub fn command(&self, c: Command) -> bool {
        self.commands.try_send(c).is_ok()
    }

    /// Stops every thread and returns the percentile table.
    pub fn stop(mut self) -> String {
        self.stop.store(true, Relaxed);
        let _ = self.io_stop.send(true);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.dispatcher.publish();
        if let Some(rt) = self.ctl.take() {
            rt.shutdown_timeout(Duration::from_millis(500));
        }
        if let Some(j) = self.journal.take() {
            j.close();
        }
        percentile_table(&self.metrics)
    }
}

/// The HTTP client settings every RPC and send connection uses.
fn http_client() -> Result<reqwest::Client, EngineError> {
    reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(8)
        .pool_idle_timeout(Duration::from_secs(90))
        .timeout(kestrel_exec::send::REPLY_TIMEOUT)
        .build()
        .map_err(|e| EngineError::Setting(format!("HTTP client: {e}")))
}

/// A thread named `kestrel-<name>`, pinned to `core`, running `body` on its own
/// single-threaded tokio runtime (no work stealing, no cross-thread wakeups inside it).
fn spawn_runtime_thread<F, Fut>(
    name: &'static str,
    core: Option<usize>,
    body: F,
) -> Result<JoinHandle<()>, EngineError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    std::thread::Builder::new()
        .name(format!("kestrel-{name}"))
        .spawn(move || {
            pin_current(name, core);
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(body()),
                Err(e) => tracing::error!("{name} thread: cannot start its runtime: {e}"),
            }
        })
        .map_err(EngineError::Runtime)
}

/// Hands an order to execution; a full queue is counted, then waited on (never dropped).
fn send_order(orders: &mpsc::Sender<Order>, o: Order, metrics: &Metrics) -> bool {
    match orders.try_send(o) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(o)) => {
            metrics.exec_queue_full.fetch_add(1, Relaxed);
            orders.blocking_send(o).is_ok()
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// One feed event through the kernel; false once the execution side is gone. A launch counts
/// as decided only after its order, if any, is queued: the execution thread polls until then.
fn feed_event(
    kernel: &mut Kernel<SystemClock>,
    s: &Stamped,
    orders: &mpsc::Sender<Order>,
    metrics: &Metrics,
) -> bool {
    if let Some(o) = kernel.on_feed(s)
        && !send_order(orders, o, metrics)
    {
        return false;
    }
    if matches!(s.event, FeedEvent::Launch(_)) {
        metrics.launches_decided.fetch_add(1, Release);
    }
    true
}

#[allow(clippy::too_many_arguments)]
fn strategy_loop(
    mut kernel: Kernel<SystemClock>,
    feed: Receiver<Stamped>,
    reports: Receiver<ExecReport>,
    commands: Receiver<Command>,
    orders: mpsc::Sender<Order>,
    stop: &AtomicBool,
    idle: Idle,
    metrics: &Metrics,
) {
    let mut last_publish = 0u64;
    let mut sells = Vec::with_capacity(64);
    while !stop.load(Relaxed) {
        let mut idle_turn = true;
        // Market data first, in bursts, then the slower sources.
        for _ in 0..256 {
            let Ok(s) = feed.try_recv() else { break };
            idle_turn = false;
            if !feed_event(&mut kernel, &s, &orders, metrics) {
                return;
            }
        }
        while let Ok(r) = reports.try_recv() {
            idle_turn = false;
            kernel.on_report(r);
        }
        while let Ok(c) = commands.try_recv() {
            idle_turn = false;
            kernel.on_command(c, &mut sells);
            for o in sells.drain(..) {
                if !send_order(&orders, o, metrics) {
                    return;
                }
            }
        }
        let now = mono_nanos();
        if now.saturating_sub(last_publish) >= PUBLISH_NS {
            kernel.on_timer(&mut sells);
            for o in sells.drain(..) {
                if !send_order(&orders, o, metrics) {
                    return;
                }
            }
            kernel.publish(now, false);
            last_publish = now;
        }
        if idle_turn {
            if idle != Idle::Park {
                idle.pause();
            } else {
                crossbeam_channel::select! {
                    recv(feed) -> s => if let Ok(s) = s
                        && !feed_event(&mut kernel, &s, &orders, metrics)
                    {
                        return;
                    },
                    recv(reports) -> r => if let Ok(r) = r { kernel.on_report(r) },
                    recv(commands) -> c => if let Ok(c) = c {
                        kernel.on_command(c, &mut sells);
                        for o in sells.drain(..) {
                            if !send_order(&orders, o, metrics) {
                                return;
                            }
                        }
                    },
                    default(PARK) => {}
                }
            }
        }
    }
    kernel.publish(mono_nanos(), true);
}

/// After a launch hint a parked execution thread polls for the order instead of waiting on
/// it: the strategy decides within microseconds of the hint, and waking from a park would put
/// a thread wake-up (tens of µs on a VM) on the buy's critical path. It polls until the
/// strategy has decided every hinted launch, and never longer than this (a stalled strategy
/// thread). Polling past the decision would take the core from the sockets the order goes to.
const HINT_POLL_NS: u64 = 2_000_000;

/// How long the execution thread stays quiet after an order or a hint before it makes nonces
/// again: making one takes about a signature's time, which must not delay a send the runtime
/// still has to make (through the client, or to Jito) or an order about to follow its hint.
const NONCE_QUIET_NS: u64 = 1_000_000;

/// The execution thread's loop: sign each order as it comes and start its broadcast on this
/// same runtime (the request is written before the next order is awaited). Launch hints
/// derive accounts ahead of the orders that may follow them, and quiet moments make the
/// nonces later orders sign with.
#[allow(clippy::too_many_arguments)]
async fn exec_loop(
    executor: &mut Executor,
    mut orders: mpsc::Receiver<Order>,
    mut hints: mpsc::Receiver<MintInfo>,
    decided: &AtomicU64,
    dispatcher: &Dispatcher,
    reports: Sender<ExecReport>,
    paper: bool,
    idle: Idle,
) {
    let mut publish = tokio::time::interval(Duration::from_millis(250));
    let mut hints_open = true;
    // Until when a parking thread polls instead (mono ns), and how many launches were hinted.
    let mut poll_until = 0u64;
    let mut hinted = 0u64;
    while executor.make_nonce() {}
    // When the next nonce may be made (mono ns).
    let mut nonce_at = 0u64;
    loop {
        let order = if idle == Idle::Park && mono_nanos() >= poll_until {
            let quiet = Duration::from_nanos(nonce_at.saturating_sub(mono_nanos()));
            // Hints first: a launch's hint is sent before the strategy hears of the launch,
            // so taking hints first means an order always finds its accounts derived.
            tokio::select! {
                biased;
                h = hints.recv(), if hints_open => {
                    match h {
                        Some(m) => {
                            executor.warm(m);
                            hinted += 1;
                            poll_until = mono_nanos().saturating_add(HINT_POLL_NS);
                            nonce_at = poll_until.saturating_add(NONCE_QUIET_NS);
                        }
                        None => hints_open = false,
                    }
                    continue;
                }
                o = orders.recv() => match o {
                    Some(o) => o,
                    None => break,
                },
                _ = tokio::time::sleep(quiet), if executor.wants_nonce() => {
                    executor.make_nonce();
                    continue;
                }
                _ = publish.tick() => {
                    executor.publish(mono_nanos(), false);
                    continue;
                }
            }
        } else {
            // Poll the queue, hints first as above; between polls let this runtime's sockets
            // and timers run (and, unless spinning, the machine's other threads).
            if let Ok(m) = hints.try_recv() {
                executor.warm(m);
                hinted += 1;
                if idle == Idle::Park {
                    poll_until = mono_nanos().saturating_add(HINT_POLL_NS);
                }
                nonce_at = mono_nanos().saturating_add(HINT_POLL_NS + NONCE_QUIET_NS);
                continue;
            }
            match orders.try_recv() {
                Ok(o) => o,
                Err(mpsc::error::TryRecvError::Empty) => {
                    // Every hinted launch decided and its order (if any) taken: park again.
                    // The strategy queues an order before counting its launch as decided.
                    if idle == Idle::Park && decided.load(Acquire) >= hinted {
                        poll_until = 0;
                        continue;
                    }
                    if mono_nanos() >= nonce_at && executor.make_nonce() {
                        continue;
                    }
                    idle.pause();
                    tokio::task::yield_now().await;
                    executor.publish(mono_nanos(), false);
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        };
        nonce_at = mono_nanos().saturating_add(NONCE_QUIET_NS);
        let intent = *order.approved.intent();
        if order.route == Route::Jupiter {
            dispatcher.spawn_routed(order, paper);
            continue;
        }
        match executor.prepare(&order) {
            // Nothing is sent: the fill is the curve's answer at the observed reserves.
            Ok(p) if paper => {
                let _ = reports.send(ExecReport::Filled(p.expected));
            }
            Ok(p) => {
                // Requests on direct connections are on the wire when this returns; let the
                // runtime send any others (https, Jito) before this loop polls again.
                if !dispatcher.spawn(p) {
                    tokio::task::yield_now().await;
                }
            }
            Err(reason) => {
                let _ = reports.send(ExecReport::Failed {
                    order: order.id,
                    why: order.why,
                    mint: intent.mint,
                    is_buy: intent.is_buy(),
                    reason,
                    landed: None,
                });
            }
        }
    }
}
