//! The steps of [`super::Engine::start`], in the order it takes them. Each does one thing and
//! says what it needs; none reads the whole setup.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};
use dashmap::DashMap;
use kestrel_exec::send::SendPolicy;
use kestrel_exec::tx::MintInfo;
use kestrel_exec::{BlockhashCache, Broadcaster, JsonRpc};
use kestrel_feed::{FeedConfig, FeedHandle, Sink, Stamped};
use kestrel_model::SystemClock;
use kestrel_store::{Journal, JournalState, MetaValue, Reader, Record, SendLog, send_log};
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;
use tokio::runtime::Runtime;
use tokio::sync::{Notify, mpsc, watch};

use crate::error::EngineError;
use crate::inbox::Inbox;
use crate::kernel::Kernel;
use crate::metrics::Metrics;
use crate::order::{Command, ExecReport, Order};
use crate::pipeline::dispatcher::{Dispatcher, Journaling};
use crate::pipeline::sign::Executor;
use crate::recovery::{self, RecoveryReport};
use crate::routing::{RouteHooks, Router};
use crate::threads::{Idle, pin_current};

use super::exec_thread::exec_loop;
use super::setup::{JournalSetup, RouteSetup};
use super::strategy_thread::strategy_loop;

/// The control plane's runtime: RPC refreshers, the route's quotes, the control port.
pub(super) fn control_runtime() -> Result<Runtime, EngineError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kestrel-ctl")
        .on_thread_start(|| crate::threads::background("ctl"))
        .enable_all()
        .build()
        .map_err(EngineError::Runtime)
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

/// The RPC clients, the send broadcaster, and the blockhash cache.
pub(super) struct Network {
    pub(super) rpcs: Vec<JsonRpc>,
    pub(super) broadcaster: Broadcaster,
    pub(super) blockhash: Arc<BlockhashCache>,
}

impl Network {
    /// Clients for every endpoint, and a first blockhash (nothing trades without one), kept
    /// fresh from then on.
    pub(super) fn connect(
        rpc: &[(String, String)],
        send: &[(String, String)],
        policy: &SendPolicy,
        blockhash_every: Duration,
        ctl: &Runtime,
    ) -> Result<Self, EngineError> {
        let http = http_client()?;
        let rpcs: Vec<JsonRpc> = rpc
            .iter()
            .map(|(u, n)| JsonRpc::new(http.clone(), u.clone(), n.clone()))
            .collect();
        let send_endpoints = if send.is_empty() {
            rpc.to_vec()
        } else {
            send.to_vec()
        };
        // Sends use their own client, used only on the execution thread: a pooled connection
        // belongs to the runtime that opened it, and the send must not hop to another thread.
        let broadcaster = Broadcaster::new(http_client()?, send_endpoints, policy.clone());
        let blockhash = Arc::new(BlockhashCache::new());
        if !ctl.block_on(blockhash.refresh_with_retries(&rpcs, 5)) {
            let names: Vec<&str> = rpcs.iter().map(JsonRpc::name).collect();
            return Err(EngineError::NoBlockhash(names.join(", ")));
        }
        ctl.spawn(
            blockhash
                .clone()
                .refresh_forever(rpcs.clone(), blockhash_every),
        );
        Ok(Self {
            rpcs,
            broadcaster,
            blockhash,
        })
    }
}

/// What the book starts with: the wallet's balance (retried while the node is busy), or the
/// paper balance.
pub(super) fn opening_balance(
    paper: bool,
    paper_balance: Option<Lamports>,
    rpcs: &[JsonRpc],
    wallet: Pubkey,
    ctl: &Runtime,
) -> Result<Lamports, EngineError> {
    if let (true, Some(b)) = (paper, paper_balance) {
        return Ok(b);
    }
    let rpc = rpcs
        .first()
        .ok_or_else(|| EngineError::Balance("no RPC endpoint".into()))?;
    let read = ctl.block_on(async {
        let mut last = None;
        for attempt in 1..=5u64 {
            match rpc.balance(&wallet).await {
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
    Ok(Lamports(
        read.map_err(|e| EngineError::Balance(e.to_string()))?,
    ))
}

/// The journal as this run opens it: the writer, what the last run left, and the send log.
pub(super) struct Opened {
    pub(super) journal: Option<Journal>,
    pub(super) state: JournalState,
    send_log: Option<Arc<SendLog>>,
}

impl Opened {
    /// Where execution journals what it sends (`None` without a journal).
    pub(super) fn journaling(&self) -> Option<Journaling> {
        match (&self.journal, &self.send_log) {
            (Some(journal), Some(send_log)) => Some(Journaling {
                send_log: send_log.clone(),
                journal: journal.clone(),
            }),
            _ => None,
        }
    }
}

/// The journal: what the last run left (the send log folded into the database first:
/// orders sent just before a crash may be known only there), then the writer for this one.
pub(super) fn open_journal(
    setup: Option<&JournalSetup>,
    wallet: Pubkey,
    balance: Lamports,
    paper: bool,
) -> Result<Opened, EngineError> {
    let Some(j) = setup else {
        return Ok(Opened {
            journal: None,
            state: JournalState::default(),
            send_log: None,
        });
    };
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
        && w != wallet
    {
        return Err(EngineError::JournalWallet {
            path: j.path.display().to_string(),
            journal: w,
            wallet,
        });
    }
    let journal = Journal::open(&j.path, j.sync)?;
    journal.record(Record::Meta {
        key: "wallet",
        value: MetaValue::Key(wallet),
    });
    journal.record(Record::Meta {
        key: "start_balance",
        value: MetaValue::Number(balance.0),
    });
    journal.record(Record::Meta {
        key: "mode",
        value: MetaValue::Name(if paper { "paper" } else { "live" }),
    });
    Ok(Opened {
        journal: Some(journal),
        state,
        send_log: Some(Arc::new(log)),
    })
}

/// The queues between the threads.
pub(super) struct Channels {
    pub(super) feed_tx: Sender<Stamped>,
    pub(super) feed_rx: Receiver<Stamped>,
    pub(super) report_tx: Inbox<ExecReport>,
    pub(super) report_rx: Receiver<ExecReport>,
    pub(super) cmd_tx: Inbox<Command>,
    pub(super) cmd_rx: Receiver<Command>,
    pub(super) order_tx: mpsc::Sender<Order>,
    pub(super) order_rx: mpsc::Receiver<Order>,
    pub(super) sig_tx: mpsc::UnboundedSender<kestrel_feed::SignatureUpdate>,
    pub(super) sig_rx: mpsc::UnboundedReceiver<kestrel_feed::SignatureUpdate>,
    pub(super) hint_tx: mpsc::Sender<MintInfo>,
    pub(super) hint_rx: mpsc::Receiver<MintInfo>,
}

impl Channels {
    /// `bell`: rung by every report and command (the inline layout's; the pipeline has none).
    pub(super) fn new(feed_capacity: usize, bell: Option<Arc<Notify>>) -> Self {
        let (feed_tx, feed_rx) = bounded::<Stamped>(feed_capacity);
        let (report_tx, report_rx) = bounded::<ExecReport>(4096);
        let (cmd_tx, cmd_rx) = bounded::<Command>(256);
        let (report_tx, cmd_tx) = (
            Inbox::new(report_tx, bell.clone()),
            Inbox::new(cmd_tx, bell),
        );
        // Strategy → execution: a bounded tokio channel, so the execution thread waits on
        // orders and on its sockets in one event loop (no extra hop to another runtime).
        let (order_tx, order_rx) = mpsc::channel::<Order>(1024);
        let (sig_tx, sig_rx) = mpsc::unbounded_channel();
        // Feed → execution: each launch, so its accounts are derived while the strategy
        // decides. A hint that finds the queue full is dropped; the order derives them itself.
        let (hint_tx, hint_rx) = mpsc::channel::<MintInfo>(64);
        Self {
            feed_tx,
            feed_rx,
            report_tx,
            report_rx,
            cmd_tx,
            cmd_rx,
            order_tx,
            order_rx,
            sig_tx,
            sig_rx,
            hint_tx,
            hint_rx,
        }
    }
}

/// A thread named `kestrel-<name>`, pinned to `core`, running `body` on its own
/// single-threaded tokio runtime (no work stealing, no cross-thread wakeups inside it), in a
/// `LocalSet`: the feed's tasks and the inline kernel never leave the thread.
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
                Ok(rt) => tokio::task::LocalSet::new().block_on(&rt, body()),
                Err(e) => tracing::error!("{name} thread: cannot start its runtime: {e}"),
            }
        })
        .map_err(EngineError::Runtime)
}

/// The feed: its own thread running a single-threaded runtime (no work stealing, no
/// cross-thread wakeups between a socket and its decoder). Returns the feed's handle once it
/// runs.
#[allow(clippy::too_many_arguments)]
pub(super) fn feed_thread(
    cfg: FeedConfig,
    handle: FeedHandle,
    core: Option<usize>,
    idle: Idle,
    feed_tx: Sender<Stamped>,
    sig_tx: mpsc::UnboundedSender<kestrel_feed::SignatureUpdate>,
    hint_tx: mpsc::Sender<MintInfo>,
    mut io_stop: watch::Receiver<bool>,
) -> Result<(kestrel_feed::Feed, JoinHandle<()>), EngineError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = spawn_runtime_thread("feed", core, move || async move {
        let sink = Sink::new(feed_tx, sig_tx).with_launch_hook(Box::new(move |l| {
            let _ = hint_tx.try_send(MintInfo::of_launch(l));
        }));
        let feed = kestrel_feed::start(cfg, sink, handle);
        let _ = ready_tx.send(feed);
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
    })?;
    let feed = ready_rx
        .recv()
        .map_err(|_| EngineError::Setting("the feed thread did not start".into()))?;
    Ok((feed, thread))
}

/// The wallet's balances, SOL and its USDC token account, read every `every` and reported to
/// the strategy thread.
pub(super) fn watch_balance(
    ctl: &Runtime,
    rpc: Option<JsonRpc>,
    reports: Inbox<ExecReport>,
    every: Duration,
    wallet: Pubkey,
) {
    let Some(rpc) = rpc else { return };
    let usdc_account = kestrel_pump::pda::associated_token_address(
        &wallet,
        &kestrel_pump::ids::TOKEN_PROGRAM,
        &kestrel_pump::ids::USDC_MINT,
    );
    ctl.spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Ok(b) = rpc.balance(&wallet).await
                && reports.send(ExecReport::Balance(Lamports(b))).is_err()
            {
                return;
            }
            // No account yet: the wallet holds no USDC.
            if let Ok(units) = rpc.token_account_balance(&usdc_account).await {
                let held = kestrel_units::QuoteAmount(units.unwrap_or(0));
                if reports
                    .send(ExecReport::QuoteBalance(kestrel_model::Quote::Usdc, held))
                    .is_err()
                {
                    return;
                }
            }
        }
    });
}

/// pump.fun's fee recipient sets, read from its Global account now and every `every`: a
/// change (pump.fun rotates recipients) is taken for the next transaction, and logged.
pub(super) fn watch_fee_recipients(
    ctl: &Runtime,
    rpc: Option<JsonRpc>,
    sets: kestrel_exec::recipients::SharedRecipients,
    every: Duration,
) {
    use kestrel_exec::recipients::FeeRecipients;
    let Some(rpc) = rpc else { return };
    ctl.spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Ok((_, Some(data))) = rpc.account_data(&kestrel_pump::ids::GLOBAL).await else {
                continue;
            };
            let read = match kestrel_decode::account::decode_global(&data) {
                Ok(g) => FeeRecipients::of_global(&g),
                Err(e) => {
                    tracing::warn!("pump.fun's Global account does not decode: {e}");
                    None
                }
            };
            let Some(read) = read else { continue };
            let Ok(mut held) = sets.write() else { return };
            if *held != read {
                tracing::info!(
                    "fee recipients taken from pump.fun's Global account (they differ from the ones in use)"
                );
                *held = read;
            }
        }
    });
}

/// Off-curve routing, when set up: the router (its quote refresher running on the control
/// runtime) and the hooks the kernel tells what it holds.
#[allow(clippy::too_many_arguments)]
pub(super) fn router(
    setup: Option<&RouteSetup>,
    rpc: Option<&JsonRpc>,
    wallet: Pubkey,
    tip_lamports: Option<u64>,
    metrics: &Arc<Metrics>,
    ctl: &Runtime,
    stop: &watch::Receiver<bool>,
) -> Option<(RouteHooks, Router)> {
    let (r, rpc) = (setup?, rpc?);
    let hooks = RouteHooks {
        holdings: Arc::new(DashMap::new()),
        sell_on_graduation: r.sell_on_graduation,
        curve_via_jupiter: r.curve_via_jupiter,
    };
    let mut settings = r.settings;
    settings.tip_lamports = tip_lamports;
    let router = Router::new(
        r.jupiter.clone(),
        rpc.clone(),
        wallet,
        settings,
        hooks.clone(),
        metrics.clone(),
    );
    let (refresher, stop) = (router.clone(), stop.clone());
    ctl.spawn(async move { refresher.refresh(stop).await });
    Some((hooks, router))
}

/// Recovery, before anything trades: the journal's state, then the chain's word on what was
/// in flight and what the wallet holds (`rpc` `None`: paper mode, the journal alone).
pub(super) fn recover(
    kernel: &mut Kernel<SystemClock>,
    state: &JournalState,
    rpc: Option<&JsonRpc>,
    wallet: Pubkey,
    commitment: &'static str,
    ctl: &Runtime,
) -> Result<RecoveryReport, EngineError> {
    kernel.restore(state);
    let report = ctl.block_on(recovery::recover(kernel, state, rpc, wallet, commitment))?;
    if report != RecoveryReport::default() {
        tracing::info!(?report, "recovered from the journal");
    }
    Ok(report)
}

/// The strategy thread, which owns the kernel from here on.
#[allow(clippy::too_many_arguments)]
pub(super) fn strategy_thread(
    kernel: Kernel<SystemClock>,
    feed: Receiver<Stamped>,
    reports: Receiver<ExecReport>,
    commands: Receiver<Command>,
    orders: mpsc::Sender<Order>,
    stop: Arc<AtomicBool>,
    core: Option<usize>,
    idle: Idle,
    metrics: Arc<Metrics>,
) -> Result<JoinHandle<()>, EngineError> {
    std::thread::Builder::new()
        .name("kestrel-strategy".into())
        .spawn(move || {
            pin_current("strategy", core);
            strategy_loop(
                kernel, feed, reports, commands, orders, &stop, idle, &metrics,
            );
        })
        .map_err(EngineError::Runtime)
}

/// The execution thread: its own runtime, on which it signs, writes and tracks every order.
#[allow(clippy::too_many_arguments)]
pub(super) fn exec_thread(
    mut executor: Executor,
    dispatcher: Dispatcher,
    orders: mpsc::Receiver<Order>,
    hints: mpsc::Receiver<MintInfo>,
    signatures: mpsc::UnboundedReceiver<kestrel_feed::SignatureUpdate>,
    reports: Inbox<ExecReport>,
    paper: bool,
    core: Option<usize>,
    idle: Idle,
    metrics: Arc<Metrics>,
    mut io_stop: watch::Receiver<bool>,
) -> Result<JoinHandle<()>, EngineError> {
    spawn_runtime_thread("exec", core, move || async move {
        dispatcher.deliver_signatures(signatures);
        if !paper {
            // Open the send connections on this runtime, and keep them open.
            dispatcher.keep_warm(Duration::from_secs(20)).await;
        }
        tokio::select! {
            () = exec_loop(&mut executor, orders, hints, &metrics.launches_decided, &dispatcher, reports, paper, idle) => {}
            _ = io_stop.changed() => {}
        }
        // Whatever was recorded since the last publish, for the exit table.
        executor.publish(kestrel_model::mono_nanos(), true);
    })
}

/// The inline layout's tracking runtime: its own thread, on which every order's send is
/// finished and tracked once the hot thread has written it (replies, resends, confirmation,
/// re-signs, the fill), routed orders are prepared, and the send connections are kept warm.
/// Returns the runtime's handle, for the dispatcher.
pub(super) fn tracking_thread(
    dispatcher: Dispatcher,
    signatures: mpsc::UnboundedReceiver<kestrel_feed::SignatureUpdate>,
    paper: bool,
    mut io_stop: watch::Receiver<bool>,
) -> Result<(tokio::runtime::Handle, JoinHandle<()>), EngineError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = spawn_runtime_thread("track", None, move || async move {
        crate::threads::background("track");
        let _ = ready_tx.send(tokio::runtime::Handle::current());
        dispatcher.deliver_signatures(signatures);
        if !paper {
            dispatcher.keep_warm(Duration::from_secs(20)).await;
        }
        let _ = io_stop.changed().await;
    })?;
    let handle = ready_rx
        .recv()
        .map_err(|_| EngineError::Setting("the tracking thread did not start".into()))?;
    Ok((handle, thread))
}

/// What the inline layout's hot thread is given.
pub(super) struct InlineParts {
    pub(super) kernel: Kernel<SystemClock>,
    pub(super) executor: Executor,
    pub(super) dispatcher: Dispatcher,
    pub(super) feed: FeedConfig,
    pub(super) handle: FeedHandle,
    pub(super) reports: Receiver<ExecReport>,
    pub(super) commands: Receiver<Command>,
    pub(super) signatures: mpsc::UnboundedSender<kestrel_feed::SignatureUpdate>,
    pub(super) bell: Arc<Notify>,
    pub(super) paper: bool,
    pub(super) metrics: Arc<Metrics>,
}

/// The inline layout's hot thread (see `inline_thread.rs`): the feeds, the kernel and the
/// executor on one runtime. Returns the feeds' statistics once they run.
pub(super) fn inline_thread(
    parts: InlineParts,
    stop: Arc<AtomicBool>,
    core: Option<usize>,
    idle: Idle,
) -> Result<(Arc<Vec<kestrel_feed::EndpointStats>>, JoinHandle<()>), EngineError> {
    use super::inline_thread::{Hot, Inline, housekeeping, poll_forever};
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = spawn_runtime_thread("hot", core, move || async move {
        let InlineParts {
            kernel,
            executor,
            dispatcher,
            feed,
            handle,
            reports,
            commands,
            signatures,
            bell,
            paper,
            metrics,
        } = parts;
        let hot = std::rc::Rc::new(std::cell::RefCell::new(Hot::new(
            kernel, executor, dispatcher, paper, metrics,
        )));
        let destination = Inline {
            hot: hot.clone(),
            stop: stop.clone(),
        };
        let started = kestrel_feed::start(feed, Sink::new(destination, signatures), handle);
        let _ = ready_tx.send(started.stats);
        if idle != Idle::Park {
            tokio::task::spawn_local(poll_forever(idle, stop.clone()));
        }
        housekeeping(hot, reports, commands, bell, stop).await;
    })?;
    let stats = ready_rx
        .recv()
        .map_err(|_| EngineError::Setting("the hot thread did not start".into()))?;
    Ok((stats, thread))
}
