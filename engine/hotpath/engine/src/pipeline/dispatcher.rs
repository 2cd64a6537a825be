//! The dispatcher: what every stage after signing shares (the broadcaster, the RPC clients,
//! the feed for signature subscriptions, the waiters, reports back to the strategy thread,
//! the journal, the route and Jito). Each stage adds its own `impl` in its own file.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dashmap::DashMap;
use kestrel_exec::{BlockhashCache, Broadcaster, JsonRpc, Wallet};
use kestrel_feed::{FeedHandle, SignatureUpdate, Watch};
use kestrel_model::{SignatureText, mono_nanos};
use kestrel_store::{Journal, SendLog};
use tokio::sync::oneshot;

use crate::inbox::Inbox;
use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::ExecReport;
use crate::routing::{JitoSending, Router};

#[derive(Clone, Debug)]
pub struct ConfirmPolicy {
    /// First status poll after sending, then every `poll_every`.
    pub poll_every: Duration,
    /// Resend the same signed bytes this often while pending.
    pub resend_every: Duration,
    /// Re-signs with a fresh blockhash after expiry.
    pub max_resigns: u32,
    /// The commitment that counts as confirmed.
    pub commitment: &'static str,
}

impl Default for ConfirmPolicy {
    fn default() -> Self {
        Self {
            poll_every: Duration::from_millis(1_500),
            resend_every: Duration::from_secs(2),
            max_resigns: 2,
            commitment: "confirmed",
        }
    }
}

pub(super) type Waiters = Arc<DashMap<SignatureText, oneshot::Sender<SignatureUpdate>>>;

#[derive(Clone)]
pub struct Dispatcher {
    pub(super) broadcaster: Broadcaster,
    pub(super) rpc: Vec<JsonRpc>,
    pub(super) feed: Option<FeedHandle>,
    pub(super) waiters: Waiters,
    pub(super) reports: Inbox<ExecReport>,
    pub(super) wallet: Arc<Wallet>,
    pub(super) blockhash: Arc<BlockhashCache>,
    pub(super) policy: ConfirmPolicy,
    pub(super) metrics: Arc<Metrics>,
    pub(super) recorder: Arc<Mutex<Recorder>>,
    pub(super) journal: Option<Journaling>,
    pub(super) router: Option<Router>,
    pub(super) jito: Option<JitoSending>,
    /// The bundle each pending transaction went out in (Jito only), for its status.
    pub(super) bundles: Arc<DashMap<SignatureText, String>>,
    /// Where each order's tracking task runs: the caller's runtime (the pipeline's execution
    /// thread), or the tracking runtime the inline hot thread hands orders to.
    pub(super) tasks: Option<tokio::runtime::Handle>,
}

/// Where execution journals what it sends: the send log (appended before each broadcast)
/// and the journal's writer (the same facts, for the database).
#[derive(Clone)]
pub struct Journaling {
    pub send_log: Arc<SendLog>,
    pub journal: Journal,
}

impl Dispatcher {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        broadcaster: Broadcaster,
        rpc: Vec<JsonRpc>,
        feed: Option<FeedHandle>,
        reports: Inbox<ExecReport>,
        wallet: Arc<Wallet>,
        blockhash: Arc<BlockhashCache>,
        policy: ConfirmPolicy,
        metrics: Arc<Metrics>,
        journal: Option<Journaling>,
    ) -> Self {
        Self {
            broadcaster,
            rpc,
            feed,
            waiters: Arc::new(DashMap::new()),
            reports,
            wallet,
            blockhash,
            policy,
            metrics,
            recorder: Arc::new(Mutex::new(Recorder::new(&[
                Stage::Written,
                Stage::Send,
                Stage::Confirm,
            ]))),
            journal,
            router: None,
            jito: None,
            bundles: Arc::new(DashMap::new()),
            tasks: None,
        }
    }

    /// Tracking tasks run on `tasks`, not on the caller's runtime (the inline layout: the hot
    /// thread writes each order and hands the rest of its life over).
    pub fn with_tasks(mut self, tasks: tokio::runtime::Handle) -> Self {
        self.tasks = Some(tasks);
        self
    }

    /// Runs `work` where tracking tasks run.
    pub(super) fn run<F>(&self, work: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        match &self.tasks {
            Some(h) => drop(h.spawn(work)),
            None => drop(tokio::spawn(work)),
        }
    }

    /// Orders routed off the curve go through `router`.
    pub fn with_router(mut self, router: Router) -> Self {
        self.router = Some(router);
        self
    }

    pub fn router(&self) -> Option<&Router> {
        self.router.as_ref()
    }

    /// Transactions also (or only) go to Jito's block engines, each as a one-transaction
    /// bundle carrying its tip.
    pub fn with_jito(mut self, jito: JitoSending) -> Self {
        self.jito = Some(jito);
        self
    }

    pub(super) fn record(&self, stage: Stage, ns: u64) {
        if let Ok(mut r) = self.recorder.lock() {
            r.record(stage, ns);
            r.maybe_publish(&self.metrics, mono_nanos(), false);
        }
    }

    /// Publishes the send and confirm histograms now (at exit).
    pub fn publish(&self) {
        if let Ok(mut r) = self.recorder.lock() {
            r.maybe_publish(&self.metrics, mono_nanos(), true);
        }
    }

    pub(super) fn report(&self, r: ExecReport) {
        let _ = self.reports.send(r);
    }

    pub(super) fn forget(&self, sig: SignatureText) {
        self.waiters.remove(&sig);
        self.bundles.remove(&sig);
        if let Some(feed) = &self.feed {
            feed.unwatch(Watch::Signature(sig));
        }
    }
}
