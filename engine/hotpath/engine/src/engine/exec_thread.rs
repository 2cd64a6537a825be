//! The execution thread's loop: sign each order as it comes and start its send on this same
//! runtime; launch hints derive accounts ahead of their orders, and quiet moments make nonces.

use std::sync::atomic::{AtomicU64, Ordering::Acquire};
use std::time::Duration;

use kestrel_exec::tx::MintInfo;
use kestrel_model::mono_nanos;
use tokio::sync::mpsc;

use crate::inbox::Inbox;
use crate::order::{ExecReport, Order};
use crate::pipeline::dispatcher::Dispatcher;
use crate::pipeline::execute::Executed;
use crate::pipeline::sign::Executor;
use crate::threads::Idle;

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
pub(super) async fn exec_loop(
    executor: &mut Executor,
    mut orders: mpsc::Receiver<Order>,
    mut hints: mpsc::Receiver<MintInfo>,
    decided: &AtomicU64,
    dispatcher: &Dispatcher,
    reports: Inbox<ExecReport>,
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
        match dispatcher.execute(executor, order, paper) {
            Executed::Report(r) => {
                let _ = reports.send(r);
            }
            // Requests on direct connections are on the wire now; let the runtime send any
            // others (https, Jito) before this loop polls again.
            Executed::Sent {
                written_everywhere: false,
            } => tokio::task::yield_now().await,
            Executed::Sent { .. } | Executed::Routed => {}
        }
    }
}
