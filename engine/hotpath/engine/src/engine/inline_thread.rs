//! The inline layout's hot thread: the feeds' sockets, the kernel and the executor on one
//! thread and one single-threaded runtime. A frame is read, decoded, decided on and, for an
//! order, signed and written to the send endpoints' warm connections before the next frame is
//! read: no queue and no thread wake-up between the socket and the wire. What is slow runs
//! elsewhere: confirmation, resends, re-signs, fills and routed orders on the tracking
//! runtime (another thread, handed each order once it is on the wire), the journal on its
//! writer thread, the control plane on its own runtime.
//!
//! Reports, operator commands, the exit timer, publishing and nonce making reach the kernel
//! through [`housekeeping`], a task on the same runtime that does one unit of work at a time
//! and yields between units, so a frame that lands meanwhile waits for one unit at most: a
//! batch of reports, one command, one exit sweep, one order they made, one publication of
//! views or histograms, or one nonce (`kestrel_inline_housekeeping_max_ns` in `/metrics` is
//! the longest seen; `Metrics::housekeeping` holds them all).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use crossbeam_channel::Receiver;
use kestrel_feed::sink::Closed;
use kestrel_feed::{Destination, EndpointStats, Stamped};
use kestrel_model::{SystemClock, mono_nanos};
use tokio::sync::Notify;

use crate::kernel::Kernel;
use crate::metrics::Metrics;
use crate::order::{Command, ExecReport, Order};
use crate::pipeline::dispatcher::Dispatcher;
use crate::pipeline::execute::Executed;
use crate::pipeline::sign::Executor;
use crate::threads::Idle;

/// How often exits are timed and views published (as the strategy thread does).
const TIMER_NS: u64 = 250_000_000;

/// How long after a frame the thread stays free of nonce making (about a signature's work
/// each): a burst of frames is read without one in between.
const NONCE_QUIET_NS: u64 = 1_000_000;

/// Reports taken in one unit of housekeeping (a few µs each).
const REPORTS_PER_UNIT: usize = 8;

/// Everything the hot thread owns, and its step: a feed event decided and, for an order,
/// signed and written. Public so the no-allocation test runs the very step the thread runs.
pub struct Hot {
    kernel: Kernel<SystemClock>,
    executor: Executor,
    dispatcher: Dispatcher,
    paper: bool,
    metrics: Arc<Metrics>,
    /// When the last frame was handled (mono ns): nonces wait for a quiet moment.
    last_frame: u64,
}

impl Hot {
    /// The kernel, for reading (tests).
    pub fn kernel(&self) -> &Kernel<SystemClock> {
        &self.kernel
    }
}

impl Hot {
    pub fn new(
        kernel: Kernel<SystemClock>,
        executor: Executor,
        dispatcher: Dispatcher,
        paper: bool,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            kernel,
            executor,
            dispatcher,
            paper,
            metrics,
            last_frame: 0,
        }
    }

    /// One feed event: decided, and its order (if any) signed and on the wire on return.
    pub fn on_event(&mut self, s: &Stamped) {
        if let Some(o) = self.kernel.on_feed(s) {
            self.execute(o);
        }
        self.kernel.announce(s);
        self.last_frame = mono_nanos();
    }

    /// Signs `order` and writes it to every send endpoint with a direct connection up; the
    /// rest of its life runs on the tracking runtime. Paper fills and orders that cannot be
    /// signed go straight back to the kernel, which is on this thread.
    fn execute(&mut self, order: Order) {
        if let Executed::Report(r) = self
            .dispatcher
            .execute(&mut self.executor, order, self.paper)
        {
            self.kernel.on_report(r);
        }
    }
}

/// The feeds' destination on the hot thread: the kernel itself.
pub(super) struct Inline {
    pub(super) hot: Rc<RefCell<Hot>>,
    pub(super) stop: Arc<AtomicBool>,
}

impl Destination for Inline {
    fn deliver(&self, s: Stamped, _stats: Option<&EndpointStats>) -> Result<(), Closed> {
        if self.stop.load(Relaxed) {
            return Err(Closed);
        }
        // Never held across an await, and nothing the kernel calls reaches back into a feed
        // task, so the borrow is always free; should that ever change, say so loudly.
        match self.hot.try_borrow_mut() {
            Ok(mut hot) => hot.on_event(&s),
            Err(_) => tracing::error!("inline: the kernel was busy; a feed event was dropped"),
        }
        Ok(())
    }
}

/// The hot thread's other work, one unit at a time with a yield after each (see the module
/// comment): reports, commands, the exit timer and publishing, nonces in quiet moments.
/// Woken by `bell` (rung by every report and command), by its timers, or by a frame's work
/// making a nonce due.
pub(super) async fn housekeeping(
    hot: Rc<RefCell<Hot>>,
    reports: Receiver<ExecReport>,
    commands: Receiver<Command>,
    bell: Arc<Notify>,
    stop: Arc<AtomicBool>,
) {
    let metrics = hot.borrow().metrics.clone();
    let mut units = Units {
        metrics: metrics.clone(),
        took: crate::metrics::new_histogram(),
    };
    let mut sells: Vec<Order> = Vec::with_capacity(64);
    let mut next_timer = mono_nanos();
    // Not before this (mono ns): the OS refused randomness for the last nonce.
    let mut nonce_after = 0u64;
    {
        let mut h = hot.borrow_mut();
        while h.executor.make_nonce() {}
    }
    while !stop.load(Relaxed) {
        let now = mono_nanos();
        let nonce_at = {
            let h = hot.borrow();
            h.executor
                .wants_nonce()
                .then(|| h.last_frame.saturating_add(NONCE_QUIET_NS).max(nonce_after))
        };
        let due = nonce_at.map_or(next_timer, |n| n.min(next_timer));
        if reports.is_empty() && commands.is_empty() && due > now {
            tokio::select! {
                () = bell.notified() => {}
                () = tokio::time::sleep(Duration::from_nanos(due - now)) => {}
            }
        }
        // One unit, timed: it is as long as a frame can wait behind it.
        let started = mono_nanos();
        let mut worked = false;
        {
            let mut h = hot.borrow_mut();
            let mut taken = 0;
            while taken < REPORTS_PER_UNIT {
                let Ok(r) = reports.try_recv() else { break };
                h.kernel.on_report(r);
                taken += 1;
            }
            worked |= taken > 0;
        }
        units.done(started, &mut worked).await;
        if let Ok(c) = commands.try_recv() {
            let started = mono_nanos();
            hot.borrow_mut().kernel.on_command(c, &mut sells);
            worked = true;
            units.done(started, &mut worked).await;
            execute_each(&hot, &mut sells, &mut units).await;
        }
        let now = mono_nanos();
        if now >= next_timer {
            // Three units: the exit sweep (and its orders), the kernel's views, the
            // executor's histograms.
            hot.borrow_mut().kernel.on_timer(&mut sells);
            next_timer = now.saturating_add(TIMER_NS);
            worked = true;
            units.done(now, &mut worked).await;
            execute_each(&hot, &mut sells, &mut units).await;
            let started = mono_nanos();
            hot.borrow_mut().kernel.publish(started, false);
            worked = true;
            units.done(started, &mut worked).await;
            let started = mono_nanos();
            hot.borrow_mut().executor.publish(started, false);
            metrics.publish_housekeeping(&units.took);
            worked = true;
            units.done(started, &mut worked).await;
        }
        let now = mono_nanos();
        let made = {
            let mut h = hot.borrow_mut();
            let due = now >= h.last_frame.saturating_add(NONCE_QUIET_NS).max(nonce_after);
            due.then(|| h.executor.make_nonce())
        };
        match made {
            Some(true) => {
                worked = true;
                units.done(now, &mut worked).await;
            }
            // Orders sign with the deterministic nonce meanwhile; try again in a second.
            Some(false) if hot.borrow().executor.wants_nonce() => {
                nonce_after = now.saturating_add(1_000_000_000);
            }
            _ => {}
        }
    }
    let mut h = hot.borrow_mut();
    let now = mono_nanos();
    h.kernel.publish(now, true);
    h.executor.publish(now, true);
    metrics.publish_housekeeping(&units.took);
}

/// How long the units of housekeeping take: the longest in `/metrics` at once, all of them
/// in a histogram published with the timer.
struct Units {
    metrics: Arc<Metrics>,
    took: hdrhistogram::Histogram<u64>,
}

impl Units {
    /// Ends a unit of housekeeping: its length recorded, and the runtime's I/O polled (and
    /// any frame that landed handled) before the next unit.
    async fn done(&mut self, started: u64, worked: &mut bool) {
        if !*worked {
            return;
        }
        *worked = false;
        let took = mono_nanos().saturating_sub(started);
        self.took.saturating_record(took.max(1));
        self.metrics
            .inline_housekeeping_max_ns
            .fetch_max(took, Relaxed);
        tokio::task::yield_now().await;
    }
}

/// The orders a command or the timer made, one unit each.
async fn execute_each(hot: &Rc<RefCell<Hot>>, orders: &mut Vec<Order>, units: &mut Units) {
    // Oldest first, as the kernel made them.
    orders.reverse();
    while let Some(o) = orders.pop() {
        let started = mono_nanos();
        hot.borrow_mut().execute(o);
        let mut worked = true;
        units.done(started, &mut worked).await;
    }
}

/// Keeps the runtime polling its sockets without sleeping in the kernel's poll (`yield`,
/// `spin`): a frame is read as it lands instead of after a thread wake-up. Under `yield` the
/// core is offered to other threads between polls.
pub(super) async fn poll_forever(idle: Idle, stop: Arc<AtomicBool>) {
    while !stop.load(Relaxed) {
        idle.pause();
        tokio::task::yield_now().await;
    }
}
