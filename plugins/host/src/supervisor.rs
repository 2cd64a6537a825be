//! One plugin's life on its own thread: load, instantiate in a fresh Store (memory limit,
//! epoch deadline), `init`, then serve its queue and its tick. A trap, a deadline or a guest
//! panic drops the Store (a trapped instance cannot be entered again), marks the plugin
//! faulted and starts it again after a backoff that doubles up to the limit. A changed
//! `.wasm` file is loaded at the next tick.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;

use crate::config::{PluginSource, PluginSpec};
use crate::cpu_clock::thread_cpu;
use crate::imports::{PluginCtx, State};
use crate::mailbox::{Shared, Work};
use crate::wit::latest::{EventKinds, Subscriptions};
use crate::wit::{Bindings, Version};

/// How often the epoch advances: the unit of a call's deadline (the host's ticker advances it).
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A component loaded, and the interface version it was built against.
pub(crate) struct Loaded {
    pub(crate) component: Component,
    pub(crate) version: Version,
    /// The file's modification time, for reloading; none for bundled bytes.
    modified: Option<SystemTime>,
}

pub(crate) fn load(spec: &PluginSpec, engine: &Engine) -> Result<Loaded, String> {
    let (component, modified, what) = match &spec.source {
        PluginSource::Bytes(b) => (
            Component::new(engine, b).map_err(|e| format!("not a component: {e}"))?,
            None,
            String::from("the bundled component"),
        ),
        PluginSource::File(path) => {
            let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            (
                Component::new(engine, &bytes)
                    .map_err(|e| format!("{}: not a component: {e}", path.display()))?,
                modified,
                path.display().to_string(),
            )
        }
    };
    let version = Version::of(&component, engine).map_err(|e| format!("{what}: {e}"))?;
    Ok(Loaded {
        component,
        version,
        modified,
    })
}

fn modified(spec: &PluginSpec) -> Option<SystemTime> {
    match &spec.source {
        PluginSource::File(p) => std::fs::metadata(p).and_then(|m| m.modified()).ok(),
        PluginSource::Bytes(_) => None,
    }
}

struct Instance {
    store: Store<State>,
    bindings: Bindings,
}

impl Instance {
    fn new(
        engine: &Engine,
        linker: &Linker<State>,
        loaded: &Loaded,
        ctx: &Arc<PluginCtx>,
    ) -> Result<Self, String> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(ctx.limits.memory)
            .instances(64)
            .tables(64)
            .memories(16)
            .trap_on_grow_failure(true)
            .build();
        // WASI with nothing granted: no files, no environment, no arguments, no sockets.
        let wasi = WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        // A new instance: its memories start from nothing.
        ctx.counters
            .memory_bytes
            .store(0, std::sync::atomic::Ordering::Relaxed);
        let mut store = Store::new(engine, State::new(wasi, limits, ctx.clone()));
        store.limiter(|s| &mut s.limits);
        // At the deadline: trap if the plugin's thread has computed for longer than its
        // limit since the call began (its CPU time: waiting for a core or on a host call is
        // not computing); otherwise extend.
        store.epoch_deadline_callback(|ctx| {
            let s = ctx.data();
            let limit = s.ctx.limits.call_deadline;
            let used = thread_cpu().saturating_sub(s.call_cpu_start);
            if used >= limit {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Continue(deadline_ticks(limit - used)))
            }
        });
        store.set_epoch_deadline(deadline_ticks(ctx.limits.call_deadline));
        let bindings = Bindings::instantiate(loaded.version, &mut store, &loaded.component, linker)
            .map_err(|e| format!("instantiation failed: {e:#}"))?;
        Ok(Self { store, bindings })
    }

    /// Arms the deadline for the next call.
    fn arm(&mut self) {
        let d = self.store.data().ctx.limits.call_deadline;
        self.store.data_mut().call_cpu_start = thread_cpu();
        self.store.set_epoch_deadline(deadline_ticks(d));
    }

    /// What the last call computed: its thread's CPU time.
    fn computed(&self) -> Duration {
        thread_cpu().saturating_sub(self.store.data().call_cpu_start)
    }

    /// [`Self::computed`], added to the plugin's CPU total for its status.
    fn counted(&self, shared: &Shared) -> Duration {
        let d = self.computed();
        shared.cpu_ns.fetch_add(
            u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
        d
    }
}

/// Instantiates and initialises once, then drops the instance (a check, or a measurement).
pub(crate) fn instantiate_and_init(
    engine: &Engine,
    linker: &Linker<State>,
    loaded: &Loaded,
    ctx: &Arc<PluginCtx>,
    settings: &[(String, String)],
) -> Result<(), String> {
    let mut inst = Instance::new(engine, linker, loaded, ctx)?;
    inst.arm();
    match inst.bindings.call_init(&mut inst.store, settings) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("init refused: {e}")),
        Err(e) => Err(describe(&e)),
    }
}

fn deadline_ticks(d: Duration) -> u64 {
    (d.as_nanos() / EPOCH_TICK.as_nanos()).max(1) as u64
}

/// Why a call failed, for the status: a deadline reads as such.
fn describe(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => "deadline exceeded (the call ran too long)".into(),
        Some(t) => format!("trap: {t}"),
        None => format!("{e:#}"),
    }
}

/// The plugin's thread.
pub(crate) fn run(
    spec: PluginSpec,
    engine: Engine,
    linker: Arc<Linker<State>>,
    ctx: Arc<PluginCtx>,
    work: Receiver<Work>,
    shared: Arc<Shared>,
) {
    let mut backoff = spec.limits.restart_min;
    let mut loaded: Option<Loaded> = None;
    loop {
        if loaded.is_none() {
            match load(&spec, &engine) {
                Ok(l) => loaded = Some(l),
                Err(e) => {
                    if fault(&shared, &spec, &e, &work, &mut backoff) {
                        return;
                    }
                    continue;
                }
            }
        }
        let Some(l) = loaded.as_ref() else {
            continue;
        };
        let started = Instant::now();
        match serve(&spec, &engine, &linker, l, &ctx, &work, &shared) {
            Ended::Stopped => return,
            Ended::Reload => {
                tracing::info!(plugin = %spec.name, "the .wasm file changed: reloading");
                loaded = None;
                backoff = spec.limits.restart_min;
            }
            Ended::Fault(e) => {
                // A plugin that ran a good while before failing starts over from the shortest
                // pause; one that keeps failing waits longer each time.
                if started.elapsed() >= Duration::from_secs(60) {
                    backoff = spec.limits.restart_min;
                }
                if fault(&shared, &spec, &e, &work, &mut backoff) {
                    return;
                }
            }
        }
    }
}

/// Marks the plugin faulted and waits out the backoff (messages meanwhile get no reply).
/// Returns true if the host stopped it meanwhile.
fn fault(
    shared: &Shared,
    spec: &PluginSpec,
    why: &str,
    work: &Receiver<Work>,
    backoff: &mut Duration,
) -> bool {
    tracing::warn!(plugin = %spec.name, restart_in = ?*backoff, "plugin faulted: {why}");
    {
        let mut s = shared.status();
        s.running = false;
        s.faults += 1;
        s.last_fault = Some(why.to_owned());
    }
    shared.wants.store(0, Ordering::Release);
    shared.wanted().topics.clear();
    let until = Instant::now() + *backoff;
    *backoff = (*backoff * 2).min(spec.limits.restart_max);
    loop {
        if shared.stopping.load(Ordering::Acquire) {
            return true;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let got = work.recv_timeout(left);
        if got.is_ok() {
            shared.took_one();
        }
        match got {
            Ok(Work::Stop) | Err(RecvTimeoutError::Disconnected) => return true,
            // Dropped while faulted: a reply channel dropped tells the asker.
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => return false,
        }
    }
}

enum Ended {
    Stopped,
    Reload,
    Fault(String),
}

fn serve(
    spec: &PluginSpec,
    engine: &Engine,
    linker: &Linker<State>,
    loaded: &Loaded,
    ctx: &Arc<PluginCtx>,
    work: &Receiver<Work>,
    shared: &Shared,
) -> Ended {
    let mut inst = match Instance::new(engine, linker, loaded, ctx) {
        Ok(i) => i,
        Err(e) => return Ended::Fault(e),
    };
    inst.arm();
    match inst.bindings.call_init(&mut inst.store, &spec.settings) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Ended::Fault(format!("init refused: {e}")),
        Err(e) => return Ended::Fault(describe(&e)),
    }
    inst.arm();
    match inst.bindings.call_subscriptions(&mut inst.store) {
        Ok(asked) => subscribe(shared, spec, asked),
        Err(e) => return Ended::Fault(describe(&e)),
    }
    {
        let mut s = shared.status();
        if s.faults > 0 || s.starts > 0 {
            s.restarts += 1;
        }
        s.starts += 1;
        s.running = true;
        s.version = loaded.version.name().into();
    }
    tracing::info!(plugin = %spec.name, version = loaded.version.name(), "plugin running");
    let mut next_tick = Instant::now();
    let mut last_check = Instant::now();
    loop {
        if shared.stopping.load(Ordering::Acquire) {
            return Ended::Stopped;
        }
        let now = Instant::now();
        if now >= next_tick {
            if last_check.elapsed() >= Duration::from_millis(500) {
                last_check = Instant::now();
                if loaded.modified.is_some() && modified(spec) != loaded.modified {
                    return Ended::Reload;
                }
            }
            inst.arm();
            let ms = crate::imports::now_ms();
            if let Err(e) = inst.bindings.call_on_tick(&mut inst.store, ms) {
                return Ended::Fault(describe(&e));
            }
            if cool_down(spec.limits.cooldown(inst.counted(shared)), shared) {
                return Ended::Stopped;
            }
            // The next tick a full period after this one ended: a tick that blocks (a long
            // poll) must not follow itself at once and leave one queued event per tick.
            next_tick = Instant::now() + spec.limits.tick;
        }
        let wait = next_tick.saturating_duration_since(Instant::now());
        let got = work.recv_timeout(wait);
        if got.is_ok() {
            shared.took_one();
        }
        let called = match got {
            Ok(Work::Stop) | Err(RecvTimeoutError::Disconnected) => return Ended::Stopped,
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(Work::Event(ev)) => {
                inst.arm();
                inst.bindings.call_on_event(&mut inst.store, &ev)
            }
            Ok(Work::Message(m, reply)) => {
                inst.arm();
                inst.bindings.call_on_message(&mut inst.store, &m).map(|r| {
                    let _ = reply.try_send(r);
                })
            }
            Ok(Work::Webhook(r, reply)) => {
                // The ingress gave up on it (its deadline passed): no use answering.
                if reply.is_closed() {
                    continue;
                }
                inst.arm();
                inst.bindings
                    .call_on_webhook(&mut inst.store, &r)
                    .map(|answer| {
                        let _ = reply.send(answer);
                    })
            }
            Ok(Work::Topic(m)) => {
                inst.arm();
                inst.bindings.call_on_topic(&mut inst.store, &m)
            }
        };
        if let Err(e) = called {
            return Ended::Fault(describe(&e));
        }
        if cool_down(spec.limits.cooldown(inst.counted(shared)), shared) {
            return Ended::Stopped;
        }
    }
}

/// Records what the plugin asked for, within what config grants it.
fn subscribe(shared: &Shared, spec: &PluginSpec, asked: Subscriptions) {
    let events = asked.events & spec.grants.events;
    {
        let mut w = shared.wanted();
        w.topics = asked
            .topics
            .into_iter()
            .filter(|t| spec.grants.subscribe_topics.contains(t))
            .collect();
        w.launch_filter = asked.launch_filter;
        w.launch_window = None;
    }
    shared.wants.store(kinds_bits(events), Ordering::Release);
}

/// Pauses the plugin's thread for `pause` (its CPU share), waking to stop; true if stopping.
/// Work queued meanwhile waits, within the plugin's bounded queue.
fn cool_down(pause: Duration, shared: &Shared) -> bool {
    let until = Instant::now() + pause;
    loop {
        if shared.stopping.load(Ordering::Acquire) {
            return true;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// The events bit set of [`EventKinds`].
pub(crate) fn kinds_bits(k: EventKinds) -> u8 {
    k.as_array()[0] as u8
}
