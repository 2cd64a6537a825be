//! Send: a signed transaction onto the wire. The first requests are written on the
//! execution thread itself, right after signing (the send log's append comes first, so a
//! crash after it is recovered by signature); the rest go by the broadcaster's clients, by
//! Jito's block engines, or both; the connections are kept warm.

use std::sync::Arc;
use std::time::Duration;

use kestrel_exec::Written;
use kestrel_feed::{SignatureUpdate, Watch};
use kestrel_model::mono_nanos;
use kestrel_store::{Record, SendRecord};
use tokio::sync::oneshot;

use crate::order::FailReason;
use kestrel_config::SendVia;

use super::dispatcher::Dispatcher;
use super::sign::Prepared;

/// One send begun by [`Dispatcher::start`].
pub(super) struct Started {
    /// The signature's notification, from the feeds.
    pub(super) notified: oneshot::Receiver<SignatureUpdate>,
    pub(super) body: Arc<str>,
    pub(super) written: Written,
}

impl Dispatcher {
    /// Sends and tracks one signed order to its end. The requests to plain-`http` endpoints
    /// with a direct connection up are written here, on the caller's thread, so they are on
    /// the wire before anything else is scheduled; the rest runs as a task where tracking
    /// runs (the current runtime, or the inline layout's tracking runtime). True when that
    /// task has nothing left to send now (every endpoint was written to), so the caller need
    /// not yield to it.
    pub fn spawn(&self, p: Prepared) -> bool {
        let started = self.start(&p);
        let done = match &started {
            Ok(s) => s.written.everywhere() && self.jito.is_none(),
            Err(_) => true,
        };
        let me = self.clone();
        self.run(async move { me.track(p, Some(started)).await });
        done
    }

    /// Begins one send of `p`: journals it, writes the first requests (see
    /// [`kestrel_exec::Broadcaster::write_now`]), registers a waiter for its signature and
    /// subscribes to it. Err: it could not be journaled, so nothing was sent.
    pub(super) fn start(&self, p: &Prepared) -> Result<Started, FailReason> {
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

    /// Sends by RPC, by Jito, or both at once. `resend`: a repeat while pending (Jito's
    /// pacing is kept for first sends; a repeat goes by RPC unless Jito is the only way).
    pub(super) async fn broadcast(
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
}

pub(super) fn merge(
    a: kestrel_exec::SendReport,
    b: kestrel_exec::SendReport,
) -> kestrel_exec::SendReport {
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
