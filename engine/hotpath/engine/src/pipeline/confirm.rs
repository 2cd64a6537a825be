//! Confirm: wait for a sent transaction's end. The signature's notification from the feeds
//! (signatureSubscribe), status polls as the fallback, the same bytes resent while pending,
//! a Jito bundle's status where Jito is the only way; an expired blockhash ends the attempt.

use std::sync::Arc;
use std::time::Duration;

use kestrel_exec::Written;
use kestrel_exec::rpc::SignatureStatus;
use kestrel_feed::SignatureUpdate;
use kestrel_model::SignatureText;
use tokio::sync::{mpsc, oneshot};

use kestrel_config::SendVia;

use super::dispatcher::{Dispatcher, Waiters};
use super::sign::Prepared;

pub(super) enum Outcome {
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
    pub(super) async fn confirm(
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
    pub(super) async fn poll(&self, sig: SignatureText, last_valid: u64) -> Option<Outcome> {
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

    pub(super) async fn fresh_blockhash(
        &self,
        old: solana_hash::Hash,
    ) -> Option<kestrel_exec::Recent> {
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

    /// Delivers signature notifications from the feeds to the transactions waiting on them.
    /// Spawn once on the runtime that tracks transactions.
    pub fn deliver_signatures(&self, signatures: mpsc::UnboundedReceiver<SignatureUpdate>) {
        tokio::spawn(deliver(self.waiters.clone(), signatures));
    }
}

pub fn reached(s: &SignatureStatus, commitment: &str) -> bool {
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

async fn deliver(waiters: Waiters, mut rx: mpsc::UnboundedReceiver<SignatureUpdate>) {
    while let Some(u) = rx.recv().await {
        if let Some((_, tx)) = waiters.remove(&u.signature) {
            let _ = tx.send(u);
        }
    }
}
