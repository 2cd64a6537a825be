//! The engine: what it is made of ([`EngineSetup`]), starting it (the steps are in
//! `start.rs`), its threads' loops (inline: `inline_thread.rs`; pipeline:
//! `strategy_thread.rs`, `exec_thread.rs`), and stopping it.

mod exec_thread;
pub mod inline_thread;
mod setup;
mod start;
mod strategy_thread;

pub use setup::{EngineSetup, JournalSetup, RouteSetup};

use kestrel_exec::BlockhashCache;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::Duration;

use dashmap::DashMap;
use kestrel_feed::EndpointStats;
use kestrel_model::SystemClock;
use kestrel_store::Journal;
use solana_pubkey::Pubkey;
use tokio::runtime::Runtime;

use crate::book::Position;
use crate::error::EngineError;
use crate::inbox::Inbox;
use crate::kernel::{Kernel, KernelParts, Strategy};
use crate::metrics::Metrics;
use crate::order::Command;
use crate::pipeline::dispatcher::Dispatcher;
use crate::pipeline::sign::Executor;
use crate::recovery::RecoveryReport;
use crate::routing::Router;
use crate::threads::Layout;
use kestrel_config::SendVia;

/// What the control plane and plugins hold of a running engine: its command queue and its
/// published views. Cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    pub commands: Inbox<Command>,
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

/// What the engine publishes for the control plane: the metrics, the feeds' statistics and
/// the positions (read-only copies), the blockhash cache, and the strategy thread's command
/// queue. Cheap to clone.
#[derive(Clone)]
pub struct Published {
    pub metrics: Arc<Metrics>,
    pub feeds: Arc<Vec<EndpointStats>>,
    pub positions: Arc<DashMap<Pubkey, Position>>,
    pub blockhash: Arc<BlockhashCache>,
    pub commands: Inbox<Command>,
    /// The journal, for the control plane's own rows (the operator's actions); none without
    /// a journal.
    pub journal: Option<Journal>,
}

/// A running engine.
pub struct Engine {
    pub metrics: Arc<Metrics>,
    pub feeds: Arc<Vec<EndpointStats>>,
    pub positions: Arc<DashMap<Pubkey, Position>>,
    pub wallet: Pubkey,
    /// What start-up recovery found and did.
    pub recovery: RecoveryReport,
    /// How the hot path is laid out on threads (the config's, or the host's choice).
    pub layout: Layout,
    /// Why: the config set it, or what the host has.
    pub layout_why: String,
    journal: Option<Journal>,
    blockhash: Arc<BlockhashCache>,
    commands: Inbox<Command>,
    /// The inline hot thread's doorbell (rung at stop so it notices at once).
    bell: Option<Arc<tokio::sync::Notify>>,
    stop: Arc<AtomicBool>,
    /// The inline hot thread, stopped before the rest: orders it makes until it sees the
    /// stop still find the tracking runtime running.
    hot: Option<JoinHandle<()>>,
    threads: Vec<JoinHandle<()>>,
    io_stop: tokio::sync::watch::Sender<bool>,
    ctl: Runtime,
    dispatcher: Dispatcher,
}

impl Engine {
    /// Starts the engine, one named step after another (each in `start.rs`): the control
    /// runtime; the network (RPC clients, the send broadcaster, a first blockhash, which
    /// nothing trades without); the opening balance; the journal (the send log folded in,
    /// last run's state read); the pipeline's feed thread; the dispatcher, the balance watch
    /// and the route; the kernel, restored and reconciled with the chain before anything
    /// trades; then the hot threads: the strategy and execution threads (pipeline), or the
    /// tracking runtime and the hot thread, which starts the feeds (inline). The console (the
    /// control port) is the caller's to start, from [`Engine::published`] on
    /// [`Engine::on_control_plane`].
    pub fn start(s: EngineSetup) -> Result<Self, EngineError> {
        if s.queue_capacity == 0 {
            return Err(EngineError::Setting(
                "queue capacity must be at least 1".into(),
            ));
        }
        let metrics = Arc::new(Metrics::new());
        let cores = crate::threads::host_cores();
        let (layout, why) = s.threads.resolve_layout(cores);
        tracing::debug!("hot path: {} layout ({why})", layout.name());
        let placement = s.threads.placement(cores);
        let idle = s.threads.idle;
        let ctl = start::control_runtime()?;
        let net =
            start::Network::connect(&s.rpc, &s.send, &s.send_policy, s.blockhash_every, &ctl)?;
        let wallet = Arc::new(s.wallet);
        let wallet_key = wallet.pubkey();
        let balance =
            start::opening_balance(s.paper, s.paper_balance, &net.rpcs, wallet_key, &ctl)?;
        let opened = start::open_journal(s.journal.as_ref(), wallet_key, balance, s.paper)?;
        // Inline, the hot thread sleeps in its runtime's poll: reports and commands ring it.
        let bell = (layout == Layout::Inline).then(|| Arc::new(tokio::sync::Notify::new()));
        let ch = start::Channels::new(s.queue_capacity, bell.clone());
        let (io_stop_tx, io_stop_rx) = tokio::sync::watch::channel(false);
        let feed_handle = kestrel_feed::FeedHandle::new();
        let mut threads = Vec::new();
        // The pipeline's feed thread starts first: frames queue for the strategy thread while
        // recovery runs. Inline, the feed starts on the hot thread once the kernel is ready.
        let mut feeds = None;
        if layout == Layout::Pipeline {
            let (feed, feed_thread) = start::feed_thread(
                s.feed.clone(),
                feed_handle.clone(),
                placement.feed,
                idle,
                ch.feed_tx,
                ch.sig_tx.clone(),
                ch.hint_tx,
                io_stop_rx.clone(),
            )?;
            threads.push(feed_thread);
            feeds = Some(feed.stats);
        }
        let mut dispatcher = Dispatcher::new(
            net.broadcaster,
            net.rpcs.clone(),
            Some(feed_handle.clone()),
            ch.report_tx.clone(),
            wallet.clone(),
            net.blockhash.clone(),
            s.confirm.clone(),
            metrics.clone(),
            opened.journaling(),
        );
        if !s.paper {
            start::watch_balance(
                &ctl,
                net.rpcs.first().cloned(),
                ch.report_tx.clone(),
                s.balance_every,
                wallet_key,
            );
        }
        let tip = s
            .jito
            .as_ref()
            .filter(|j| j.via != SendVia::Rpc)
            .map(|j| j.tip_lamports);
        let hooks = match start::router(
            s.route.as_ref(),
            net.rpcs.first(),
            wallet_key,
            tip,
            &metrics,
            &ctl,
            &io_stop_rx,
        ) {
            Some((hooks, router)) => {
                dispatcher = dispatcher.with_router(router);
                Some(hooks)
            }
            None => None,
        };
        if let Some(j) = &s.jito {
            dispatcher = dispatcher.with_jito(j.clone());
        }
        let strategy = Strategy {
            sniper: s.sniper,
            limits: s.limits,
            blacklisted_mints: s.blacklisted_mints,
            blacklisted_creators: s.blacklisted_creators,
            exits: s.exits,
            reentry: s.reentry,
            sell: s.sell,
            rates: s.exec.fees.rates,
        };
        let mut kernel = Kernel::new(
            KernelParts {
                feed: Some(feed_handle.clone()),
                journal: opened.journal.clone(),
                ..strategy.parts(wallet_key, balance, metrics.clone())
            },
            SystemClock,
        );
        if let Some(hooks) = hooks {
            kernel = kernel.with_routes(hooks);
        }
        if let Some(events) = s.events.clone() {
            kernel = kernel.with_events(events);
        }
        let rpc = if s.paper { None } else { net.rpcs.first() };
        let recovery = start::recover(
            &mut kernel,
            &opened.state,
            rpc,
            wallet_key,
            s.feed.commitment,
            &ctl,
        )?;
        let positions = kernel.views();
        let stop = Arc::new(AtomicBool::new(false));
        let mut executor = Executor::new(
            wallet.clone(),
            s.exec,
            net.blockhash.clone(),
            metrics.clone(),
        );
        if let Some(lamports) = tip {
            executor = executor.with_tip(lamports);
        }
        start::watch_fee_recipients(
            &ctl,
            net.rpcs.first().cloned(),
            executor.recipients(),
            s.balance_every,
        );
        let mut hot_thread = None;
        let feeds = match (feeds, bell.clone()) {
            (Some(feeds), _) => {
                threads.push(start::strategy_thread(
                    kernel,
                    ch.feed_rx,
                    ch.report_rx,
                    ch.cmd_rx,
                    ch.order_tx,
                    stop.clone(),
                    placement.strategy,
                    idle,
                    metrics.clone(),
                )?);
                threads.push(start::exec_thread(
                    executor,
                    dispatcher.clone(),
                    ch.order_rx,
                    ch.hint_rx,
                    ch.sig_rx,
                    ch.report_tx,
                    s.paper,
                    placement.exec,
                    idle,
                    metrics.clone(),
                    io_stop_rx,
                )?);
                feeds
            }
            (None, bell) => {
                let bell = bell.unwrap_or_default();
                let (tasks, tracking) =
                    start::tracking_thread(dispatcher.clone(), ch.sig_rx, s.paper, io_stop_rx)?;
                threads.push(tracking);
                dispatcher = dispatcher.with_tasks(tasks);
                let (feeds, hot) = start::inline_thread(
                    start::InlineParts {
                        kernel,
                        executor,
                        dispatcher: dispatcher.clone(),
                        feed: s.feed.clone(),
                        handle: feed_handle,
                        reports: ch.report_rx,
                        commands: ch.cmd_rx,
                        signatures: ch.sig_tx,
                        bell,
                        paper: s.paper,
                        metrics: metrics.clone(),
                    },
                    stop.clone(),
                    placement.feed,
                    idle,
                )?;
                hot_thread = Some(hot);
                feeds
            }
        };
        Ok(Self {
            metrics,
            feeds,
            positions,
            blockhash: net.blockhash.clone(),
            wallet: wallet_key,
            recovery,
            layout,
            layout_why: why,
            journal: opened.journal,
            commands: ch.cmd_tx,
            bell,
            stop,
            hot: hot_thread,
            threads,
            io_stop: io_stop_tx,
            ctl,
            dispatcher,
        })
    }

    /// What the engine publishes for the control plane: read-only copies and the command
    /// queue (the console's control port serves from these).
    pub fn published(&self) -> Published {
        Published {
            metrics: self.metrics.clone(),
            feeds: self.feeds.clone(),
            positions: self.positions.clone(),
            blockhash: self.blockhash.clone(),
            commands: self.commands.clone(),
            journal: self.journal.clone(),
        }
    }

    /// Runs `work` on the control plane's runtime (the one that refreshes the blockhash and
    /// the route's quotes), never on a hot thread: the console's control port is served
    /// from here.
    pub fn on_control_plane<F: std::future::Future>(&self, work: F) -> F::Output {
        self.ctl.block_on(work)
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

    /// Stops every thread; the metrics keep what they published.
    pub fn stop(mut self) {
        self.stop.store(true, Relaxed);
        if let Some(b) = &self.bell {
            b.notify_one();
        }
        if let Some(hot) = self.hot.take() {
            let _ = hot.join();
        }
        let _ = self.io_stop.send(true);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.dispatcher.publish();
        if let Some(j) = self.journal.take() {
            j.close();
        }
        self.ctl.shutdown_timeout(Duration::from_millis(500));
    }
}
