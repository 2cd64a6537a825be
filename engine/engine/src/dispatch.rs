//! The sender side of execution, on the execution thread's runtime: broadcast each signed transaction to
//! every send endpoint, watch its signature (signatureSubscribe on the feeds, with
//! getSignatureStatuses as the fallback), resend the same bytes while it is pending, re-sign
//! with a fresh blockhash once the old one has expired (a bounded number of times: the old
//! transaction can no longer land, so this never buys twice), and read the fill from the
//! transaction's own TradeEvent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::Sender;
use dashmap::DashMap;
use kestrel_exec::rpc::SignatureStatus;
use kestrel_exec::{BlockhashCache, Broadcaster, JsonRpc, Wallet, Written};
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_feed::{FeedHandle, SignatureUpdate, Watch};
use kestrel_model::{SignatureText, Timestamp, mono_nanos};
use kestrel_pump::curve::Reserves;
use kestrel_store::{Journal, Record, SendLog, SendRecord};
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;
use tokio::sync::{mpsc, oneshot};

use crate::execution::{Prepared, network_fee};
use crate::metrics::{Metrics, Recorder, Stage};
use crate::order::{ExecReport, FailReason, Fill, Landed, Order, Route, Why};
use crate::routing::{JitoSending, Router, SendVia};

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

type Waiters = Arc<DashMap<SignatureText, oneshot::Sender<SignatureUpdate>>>;

#[derive(Clone)]
pub struct Dispatcher {
    broadcaster: Broadcaster,
    rpc: Vec<JsonRpc>,
    feed: Option<FeedHandle>,
    waiters: Waiters,
    reports: Sender<ExecReport>,
    wallet: Arc<Wallet>,
    blockhash: Arc<BlockhashCache>,
    policy: ConfirmPolicy,
    metrics: Arc<Metrics>,
    recorder: Arc<Mutex<Recorder>>,
    journal: Option<Journaling>,
    router: Option<Router>,
    jito: Option<JitoSending>,
    /// The bundle each pending transaction went out in (Jito only), for its status.
    bundles: Arc<DashMap<SignatureText, String>>,
}

/// Where execution journals what it sends: the send log (appended before each broadcast)
/// and the journal's writer (the same facts, for the database).
#[derive(Clone)]
pub struct Journaling {
    pub send_log: Arc<SendLog>,
    pub journal: Journal,
}

/// One send begun by [`Dispatcher::start`].
struct Started {
    /// The signature's notification, from the feeds.
    notified: oneshot::Receiver<SignatureUpdate>,
    body: Arc<str>,
    written: Written,
}

enum Outcome {
    Confirmed {
        err: Option<String>,
    },
    Expired,
    /// Its bundle failed at the block engine: nothing landed.
    BundleFailed(String),
}

/// How often a Jito-only order's bundle status is asked (each ask spends a request of the
/// region's per-second allowance).
const BUNDLE_CHECK: Duration = Duration::from_secs(2);

impl Dispatcher {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        broadcaster: Broadcaster,
        rpc: Vec<JsonRpc>,
        feed: Option<FeedHandle>,
        reports: Sender<ExecReport>,
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

    /// Starts an order routed through Jupiter: its plan (prefetched or fetched now), the
    /// guardian's route check, signing, then the same tracking as any order. In paper mode
    /// the quote is the fill.
    pub fn spawn_routed(&self, order: Order, paper: bool) {
        let this = self.clone();
        tokio::spawn(async move {
            let intent = *order.approved.intent();
            let fail = |reason| ExecReport::Failed {
                order: order.id,
                why: order.why,
                mint: intent.mint,
                is_buy: intent.is_buy(),
                reason,
                landed: None,
            };
            match this.prepare_routed(&order).await {
                Ok(p) if paper => this.report(ExecReport::Filled(p.expected)),
                Ok(p) => this.track(p, None).await,
                Err(reason) => this.report(fail(reason)),
            }
        });
    }

    async fn prepare_routed(&self, order: &Order) -> Result<Prepared, FailReason> {
        let router = self
            .router
            .as_ref()
            .ok_or_else(|| FailReason::Route("off-curve routing is off".into()))?;
        let intent = *order.approved.intent();
        let mint = order.mint.mint;
        let ready = match intent.side {
            kestrel_model::Side::Sell { tokens } => {
                router
                    .sell(mint, tokens.0, intent.cu_price_micro_lamports)
                    .await
            }
            kestrel_model::Side::Buy { spend } => {
                router
                    .buy(mint, spend.0, intent.cu_price_micro_lamports)
                    .await
            }
        }
        .map_err(|e| FailReason::Route(e.to_string()))?;
        let recent = match self.blockhash.get() {
            Some(r) => r,
            None => {
                self.blockhash.refresh(&self.rpc).await;
                self.blockhash.get().ok_or(FailReason::NoBlockhash)?
            }
        };
        let signed = ready.compiled.sign(&self.wallet, recent.hash);
        let q = &ready.plan.quote;
        let is_buy = intent.is_buy();
        let (tokens, sol) = if is_buy {
            (q.out_amount, q.in_amount)
        } else {
            (q.in_amount, q.out_amount)
        };
        let network = Lamports(network_fee(ready.budget.cu_limit, ready.budget.cu_price));
        let expected = Fill {
            order: order.id,
            why: order.why,
            mint,
            is_buy,
            tokens: kestrel_units::TokenAmount(tokens),
            sol: Lamports(sol),
            fees: Lamports::ZERO,
            network_fee: network,
            wallet_delta: implied_delta(is_buy, Lamports(sol), Lamports::ZERO, network),
            reserves_after: order.reserves,
            signature: signed.signature_text,
            slot: 0,
        };
        Ok(Prepared {
            order: *order,
            signed,
            message: ready.compiled,
            last_valid_block_height: recent.last_valid_block_height,
            signed_at: mono_nanos(),
            expected,
        })
    }

    /// Sends by RPC, by Jito, or both at once. `resend`: a repeat while pending (Jito's
    /// pacing is kept for first sends; a repeat goes by RPC unless Jito is the only way).
    async fn broadcast(
        &self,
        p: &Prepared,
        body: Arc<str>,
        written: Written,
        resend: bool,
    ) -> kestrel_exec::SendReport {
        let via = self.jito.as_ref().map_or(SendVia::Rpc, |j| j.via);
        let bundle = || async {
            let Some(j) = &self.jito else {
                return kestrel_exec::SendReport::default();
            };
            match j.jito.send_bundle(&[p.signed.base64()]).await {
                Ok(id) => {
                    tracing::debug!(bundle = %id, sig = %p.signed.signature_text, "bundle sent");
                    self.bundles.insert(p.signed.signature_text, id);
                    kestrel_exec::SendReport {
                        first_accepted_at: Some(mono_nanos()),
                        accepted: 1,
                        retries: 0,
                        failures: Vec::new(),
                    }
                }
                Err(e) => kestrel_exec::SendReport {
                    failures: vec![("jito".into(), e.to_string())],
                    ..kestrel_exec::SendReport::default()
                },
            }
        };
        match (via, resend) {
            (SendVia::Rpc, _) | (SendVia::Both, true) => {
                self.broadcaster.send_written(body, written).await
            }
            (SendVia::Jito, _) => bundle().await,
            (SendVia::Both, false) => {
                let (a, b) = tokio::join!(self.broadcaster.send_written(body, written), bundle());
                merge(a, b)
            }
        }
    }

    /// Routes signature notifications from the feeds to the transactions waiting on them.
    /// Spawn once on the runtime that tracks transactions.
    pub fn route(&self, signatures: mpsc::UnboundedReceiver<SignatureUpdate>) {
        tokio::spawn(route_signatures(self.waiters.clone(), signatures));
    }

    /// Opens a connection to every send endpoint now, from the current runtime, and again
    /// every `every` so that none is idle long enough to be closed.
    pub async fn keep_warm(&self, every: Duration) {
        self.broadcaster.warm().await;
        let b = self.broadcaster.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                b.warm().await;
            }
        });
    }

    /// Sends and tracks one signed order to its end. The requests to plain-`http` endpoints
    /// with a direct connection up are written here, on the caller's thread, so they are on
    /// the wire before anything else is scheduled; the rest runs as a task on the current
    /// runtime. True when that task has nothing left to send now (every endpoint was
    /// written to), so the caller need not yield to it.
    pub fn spawn(&self, p: Prepared) -> bool {
        let started = self.start(&p);
        let done = match &started {
            Ok(s) => s.written.everywhere() && self.jito.is_none(),
            Err(_) => true,
        };
        let me = self.clone();
        tokio::spawn(async move { me.track(p, Some(started)).await });
        done
    }

    /// Begins one send of `p`: journals it, writes the first requests (see
    /// [`kestrel_exec::Broadcaster::write_now`]), registers a waiter for its signature and
    /// subscribes to it. Err: it could not be journaled, so nothing was sent.
    fn start(&self, p: &Prepared) -> Result<Started, FailReason> {
        let sig = p.signed.signature_text;
        // In the send log before it can land: after a crash, recovery finds the order and
        // resolves it by signature.
        if let Some(j) = &self.journal {
            let send = SendRecord {
                order_id: p.order.id,
                signature: sig,
                blockhash: p.signed.blockhash,
                last_valid_block: p.last_valid_block_height,
                at_ns: kestrel_model::SystemClock.now_ts().0,
            };
            j.send_log
                .append(&p.order.record(), &send)
                .map_err(|e| FailReason::NotSent(format!("not journaled: {e}")))?;
            j.journal.record(Record::Send(send));
        }
        let written = match self.jito.as_ref().map(|j| j.via) {
            Some(SendVia::Jito) => Written::none(),
            _ => self.broadcaster.write_now(&p.signed.send_body),
        };
        // Everything else after the write. The waiter is in place before the subscription
        // that can answer it; the subscription wakes the feed thread, which should not come
        // between signing and the wire, and still reaches the node long before a transaction
        // can confirm (status polling covers it should it not).
        let (tx, notified) = oneshot::channel();
        self.waiters.insert(sig, tx);
        let body: Arc<str> = Arc::from(p.signed.send_body.as_str());
        if let Some(feed) = &self.feed {
            feed.watch(Watch::Signature(sig));
        }
        Ok(Started {
            notified,
            body,
            written,
        })
    }

    fn record(&self, stage: Stage, ns: u64) {
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

    fn report(&self, r: ExecReport) {
        let _ = self.reports.send(r);
    }

    async fn track(&self, mut p: Prepared, mut started: Option<Result<Started, FailReason>>) {
        let mint = p.order.mint.mint;
        let (order, why) = (p.order.id, p.order.why);
        let is_buy = p.order.approved.intent().is_buy();
        let fail = |reason| ExecReport::Failed {
            order,
            why,
            mint,
            is_buy,
            reason,
            landed: None,
        };
        let mut resigns = 0;
        loop {
            let sig = p.signed.signature_text;
            let Started {
                notified: rx,
                body,
                written,
            } = match started.take().unwrap_or_else(|| self.start(&p)) {
                Ok(s) => s,
                Err(reason) => {
                    self.report(fail(reason));
                    return;
                }
            };
            if let (0, Some(at)) = (resigns, written.at) {
                self.record(Stage::Written, at.saturating_sub(p.order.read_at));
            }
            let sent = self.broadcast(&p, body.clone(), written, false).await;
            let Some(accepted_at) = sent.first_accepted_at else {
                self.forget(sig);
                let why = sent.failures.first().map_or_else(
                    || "no send endpoints".to_owned(),
                    |(n, e)| format!("{n}: {e}"),
                );
                self.report(fail(FailReason::NotSent(why)));
                return;
            };
            if resigns == 0 {
                self.record(Stage::Send, accepted_at.saturating_sub(p.order.read_at));
            }
            self.report(ExecReport::Sent {
                order,
                mint,
                is_buy,
                signature: sig,
                retries: sent.retries,
            });
            let outcome = self.confirm(&p, rx, body).await;
            self.bundles.remove(&sig);
            match outcome {
                Outcome::Confirmed { err: Some(e) } => {
                    let landed = match self.rpc.first() {
                        Some(rpc) => landed_cost(rpc, sig, 10).await,
                        None => None,
                    };
                    self.report(ExecReport::Failed {
                        order,
                        why,
                        mint,
                        is_buy,
                        reason: FailReason::OnChain(e),
                        landed,
                    });
                    return;
                }
                Outcome::Confirmed { err: None } => {
                    self.record(Stage::Confirm, mono_nanos().saturating_sub(p.order.read_at));
                    let r = match self.fill(&p).await {
                        Some(f) => ExecReport::Filled(f),
                        None => fail(FailReason::NoFill),
                    };
                    self.report(r);
                    return;
                }
                Outcome::BundleFailed(id) => {
                    self.report(fail(FailReason::NotSent(format!(
                        "Jito bundle {id} failed: nothing landed"
                    ))));
                    return;
                }
                Outcome::Expired => {
                    self.forget(sig);
                    if resigns >= self.policy.max_resigns {
                        self.report(fail(FailReason::Expired));
                        return;
                    }
                    // A blockhash newer than the expired one.
                    let Some(recent) = self.fresh_blockhash(p.signed.blockhash).await else {
                        self.report(fail(FailReason::NoBlockhash));
                        return;
                    };
                    resigns += 1;
                    self.metrics
                        .resigns
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    p.signed = p.message.sign(&self.wallet, recent.hash);
                    p.last_valid_block_height = recent.last_valid_block_height;
                    tracing::info!(%mint, resigns, "re-signed with a fresh blockhash");
                }
            }
        }
    }

    fn forget(&self, sig: SignatureText) {
        self.waiters.remove(&sig);
        self.bundles.remove(&sig);
        if let Some(feed) = &self.feed {
            feed.unwatch(Watch::Signature(sig));
        }
    }

    async fn fresh_blockhash(&self, old: solana_hash::Hash) -> Option<kestrel_exec::Recent> {
        for _ in 0..20 {
            if let Some(r) = self.blockhash.get()
                && r.hash != old
            {
                return Some(r);
            }
            self.blockhash.refresh(&self.rpc).await;
        }
        None
    }

    async fn confirm(
        &self,
        p: &Prepared,
        mut notified: oneshot::Receiver<SignatureUpdate>,
        body: Arc<str>,
    ) -> Outcome {
        let sig = p.signed.signature_text;
        let mut poll = tokio::time::interval(self.policy.poll_every);
        poll.tick().await;
        let mut resend = tokio::time::interval(self.policy.resend_every);
        resend.tick().await;
        let mut listening = true;
        let jito_only = self.jito.as_ref().filter(|j| j.via == SendVia::Jito);
        let mut bundle_check = tokio::time::interval(BUNDLE_CHECK);
        bundle_check.tick().await;
        loop {
            tokio::select! {
                _ = bundle_check.tick(), if jito_only.is_some() => {
                    let id = self.bundles.get(&sig).map(|e| e.value().clone());
                    if let (Some(j), Some(id)) = (jito_only, id)
                        && let Ok(s) = j.jito.inflight_statuses(std::slice::from_ref(&id)).await
                        && s.first() == Some(&kestrel_exec::jito::Inflight::Failed)
                    {
                        self.forget(sig);
                        return Outcome::BundleFailed(id);
                    }
                }
                update = &mut notified, if listening => {
                    if let Ok(u) = update {
                        return Outcome::Confirmed { err: u.err };
                    }
                    // No notification will come (the waiter was dropped): poll only.
                    listening = false;
                }
                _ = poll.tick() => {
                    if let Some(outcome) = self.poll(sig, p.last_valid_block_height).await {
                        self.forget(sig);
                        return outcome;
                    }
                }
                _ = resend.tick() => {
                    let _ = self.broadcast(p, body.clone(), Written::none(), true).await;
                }
            }
        }
    }

    /// One status check: confirmed (or failed), expired, or still pending (`None`).
    async fn poll(&self, sig: SignatureText, last_valid: u64) -> Option<Outcome> {
        let rpc = self.rpc.first()?;
        let statuses = rpc
            .signature_statuses(&[sig.as_str().to_owned()])
            .await
            .ok()?;
        if let Some(Some(s)) = statuses.first() {
            if reached(s, self.policy.commitment) {
                return Some(Outcome::Confirmed {
                    err: s.err.as_ref().map(|e| e.to_string()),
                });
            }
            return None;
        }
        // Not seen: has its blockhash expired?
        let height = rpc.block_height().await.ok()?;
        (height > last_valid).then_some(Outcome::Expired)
    }

    /// The transaction's own TradeEvent, from its logs; for a routed swap, the wallet's own
    /// balance changes.
    async fn fill(&self, p: &Prepared) -> Option<Fill> {
        let rpc = self.rpc.first()?;
        let o = &p.order;
        if o.route == Route::Jupiter {
            return read_route_fill(rpc, p, self.wallet.pubkey(), 10).await;
        }
        read_fill(
            rpc,
            p.signed.signature_text,
            o.mint.mint,
            self.wallet.pubkey(),
            (o.id, o.why),
            10,
        )
        .await
    }
}

/// Reads the fill of a confirmed transaction from its own TradeEvent (ours: `wallet` trading
/// `mint`), retrying while the node does not serve it yet. `None` if it never shows up or
/// carries no such event.
pub async fn read_fill(
    rpc: &JsonRpc,
    sig: SignatureText,
    mint: Pubkey,
    wallet: Pubkey,
    (order, why): (u64, Why),
    attempts: u64,
) -> Option<Fill> {
    for attempt in 0..attempts {
        match rpc.transaction_logs(sig.as_str()).await {
            Ok(Some(t)) => {
                let mut found = None;
                let mut ex = Extractor::new();
                ex.lines(
                    t.logs.iter().map(String::as_str),
                    sig,
                    t.slot,
                    Timestamp(0),
                    &mut |e| {
                        if let Extracted::Trade(tr) = e
                            && tr.user == wallet
                            && tr.mint == mint
                        {
                            found = Some(tr);
                        }
                    },
                );
                let tr = found?;
                let fee = Lamports(t.fee);
                return Some(Fill {
                    order,
                    why,
                    mint,
                    is_buy: tr.is_buy,
                    tokens: tr.token_amount,
                    sol: tr.sol_amount,
                    fees: tr.fees,
                    network_fee: fee,
                    // A node that reports no balances: the figure the event implies.
                    wallet_delta: t
                        .payer_delta
                        .unwrap_or_else(|| implied_delta(tr.is_buy, tr.sol_amount, tr.fees, fee)),
                    reserves_after: Reserves {
                        virtual_token: tr.virtual_token_reserves,
                        virtual_sol: tr.virtual_sol_reserves,
                        real_token: tr.real_token_reserves,
                        real_sol: tr.real_sol_reserves,
                    },
                    signature: sig,
                    slot: t.slot,
                });
            }
            // Confirmed by the feed before this node serves it: wait a little.
            Ok(None) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
        }
    }
    None
}

/// The fill of a routed swap: tokens from the wallet's token balances before and after, SOL
/// from its lamports (the route's fees are inside the price, so `fees` is zero).
pub async fn read_route_fill(
    rpc: &JsonRpc,
    p: &Prepared,
    wallet: Pubkey,
    attempts: u64,
) -> Option<Fill> {
    let sig = p.signed.signature_text;
    let mint = p.order.mint.mint;
    for attempt in 0..attempts {
        match rpc.transaction_logs(sig.as_str()).await {
            Ok(Some(t)) => {
                let tokens = t.token_delta(&wallet, &mint);
                let delta = t.payer_delta?;
                let fee = i64::try_from(t.fee).unwrap_or(i64::MAX);
                let is_buy = tokens > 0;
                // SOL that moved for the tokens, the network fee taken out.
                let sol = if is_buy {
                    delta.saturating_add(fee).unsigned_abs()
                } else {
                    delta.saturating_add(fee).max(0).unsigned_abs()
                };
                return Some(Fill {
                    order: p.order.id,
                    why: p.order.why,
                    mint,
                    is_buy,
                    tokens: kestrel_units::TokenAmount(
                        u64::try_from(tokens.unsigned_abs()).unwrap_or(u64::MAX),
                    ),
                    sol: Lamports(sol),
                    fees: Lamports::ZERO,
                    network_fee: Lamports(t.fee),
                    wallet_delta: delta,
                    reserves_after: p.order.reserves,
                    signature: sig,
                    slot: t.slot,
                });
            }
            Ok(None) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
        }
    }
    None
}

fn merge(a: kestrel_exec::SendReport, b: kestrel_exec::SendReport) -> kestrel_exec::SendReport {
    let first = match (a.first_accepted_at, b.first_accepted_at) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    let mut failures = a.failures;
    failures.extend(b.failures);
    kestrel_exec::SendReport {
        first_accepted_at: first,
        accepted: a.accepted + b.accepted,
        retries: a.retries + b.retries,
        failures,
    }
}

/// What a transaction that failed on chain cost the wallet, from the node's record of it.
pub async fn landed_cost(rpc: &JsonRpc, sig: SignatureText, attempts: u64) -> Option<Landed> {
    for attempt in 0..attempts {
        match rpc.transaction_logs(sig.as_str()).await {
            Ok(Some(t)) => {
                let fee = i64::try_from(t.fee).unwrap_or(i64::MAX);
                return Some(Landed {
                    signature: sig,
                    network_fee: Lamports(t.fee),
                    wallet_delta: t.payer_delta.unwrap_or(-fee),
                    slot: t.slot,
                });
            }
            Ok(None) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
        }
    }
    tracing::warn!(%sig, "a failed transaction's fee could not be read: the journal's ledger will miss it");
    None
}

/// The wallet change a trade implies (without rent): what paper mode books.
pub fn implied_delta(is_buy: bool, sol: Lamports, fees: Lamports, network_fee: Lamports) -> i64 {
    let (sol, fees, net) = (
        i64::try_from(sol.0).unwrap_or(i64::MAX),
        i64::try_from(fees.0).unwrap_or(i64::MAX),
        i64::try_from(network_fee.0).unwrap_or(i64::MAX),
    );
    if is_buy {
        0i64.saturating_sub(sol.saturating_add(fees))
            .saturating_sub(net)
    } else {
        sol.saturating_sub(fees).saturating_sub(net)
    }
}

pub(crate) fn reached(s: &SignatureStatus, commitment: &str) -> bool {
    let rank = |c: &str| match c {
        "processed" => 0,
        "confirmed" => 1,
        "finalized" => 2,
        _ => 0,
    };
    s.confirmation_status
        .as_deref()
        .is_some_and(|c| rank(c) >= rank(commitment))
}

async fn route_signatures(waiters: Waiters, mut rx: mpsc::UnboundedReceiver<SignatureUpdate>) {
    while let Some(u) = rx.recv().await {
        if let Some((_, tx)) = waiters.remove(&u.signature) {
            let _ = tx.send(u);
        }
    }
}
