//! Track: one order from its first send to its end: send, confirm, then the fill, or the
//! failure (with what it cost when it landed), or a re-sign with a fresh blockhash once the
//! old one has expired (a bounded number of times: the old transaction can no longer land,
//! so this never buys twice).

use kestrel_model::mono_nanos;

use crate::metrics::Stage;
use crate::order::{ChainError, ExecReport, FailReason, Venue};

use super::confirm::Outcome;
use super::dispatcher::Dispatcher;
use super::fees::landed_cost;
use super::refresh::read_curve;
use super::send::Started;
use super::sign::Prepared;

impl Dispatcher {
    pub(super) async fn track(
        &self,
        mut p: Prepared,
        mut started: Option<Result<Started, FailReason>>,
    ) {
        let mint = p.order.coin.mint;
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
                    // A sell that failed on chain is tried again from the curve as it is now,
                    // not from a mark that may have gone stale: read it before the failure is
                    // told, so the kernel prices the next attempt on it.
                    if !is_buy
                        && p.order.venue == Venue::Curve
                        && let Some(rpc) = self.rpc.first()
                        && let Ok(Some(c)) = read_curve(rpc, p.order.coin.bonding_curve).await
                    {
                        self.report(ExecReport::Curve(c));
                    }
                    self.report(ExecReport::Failed {
                        order,
                        why,
                        mint,
                        is_buy,
                        reason: FailReason::OnChain(ChainError::new(e, p.order.venue)),
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
}
