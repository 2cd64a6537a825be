//! The strategy thread's loop: it owns the kernel and feeds it market data first (in
//! bursts), then execution reports, commands and the timer; orders go to the execution
//! thread. Idle, it parks, yields or spins as `[threads] idle` says.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed, Ordering::Release};
use std::time::Duration;

use crossbeam_channel::Receiver;
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_model::{SystemClock, mono_nanos};
use tokio::sync::mpsc;

use crate::kernel::Kernel;
use crate::metrics::Metrics;
use crate::order::{Command, ExecReport, Order};
use crate::threads::Idle;

/// How long an idle hot thread parks before checking for shutdown.
const PARK: Duration = Duration::from_millis(50);
const PUBLISH_NS: u64 = 250_000_000;

/// Hands an order to execution; a full queue is counted, then waited on (never dropped).
pub(super) fn send_order(orders: &mpsc::Sender<Order>, o: Order, metrics: &Metrics) -> bool {
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
pub(super) fn feed_event(
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
        kernel.announce(s);
    }
    true
}

#[allow(clippy::too_many_arguments)]
pub(super) fn strategy_loop(
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
