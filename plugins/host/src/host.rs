//! The plugin runtime: one wasmtime engine with epoch interruption (a ticker thread advances
//! the epoch every [`EPOCH_TICK`]), a small tokio runtime of its own for the HTTP the host
//! makes for plugins, and a thread per plugin. Nothing here runs on the engine's threads.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use thiserror::Error;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

use crate::bindings::{Event, EventKinds, Inbound, Plugin};
use crate::config::PluginSpec;
use crate::engine_api::EngineApi;
use crate::imports::{Counters, PluginCtx, State};
// Defined in modules below this one, which the supervisor reads too: it need not import the host.
pub use crate::status::PluginStatus;
pub use crate::supervisor::EPOCH_TICK;
use crate::supervisor::{self, Shared, Work};

/// Puts the calling thread in the scheduler's idle class (Linux `SCHED_IDLE`): it runs only
/// on CPU nobody else wants, so a plugin that computes all it may (up to its deadline, again
/// and again) cannot take a core from the engine's threads. Elsewhere, nothing.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn lower_priority() -> bool {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sched_setscheduler on the calling thread (pid 0) with a valid, initialised
    // parameter block; it reads the struct and touches no other memory.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_priority() -> bool {
    false
}

#[derive(Debug, Error)]
pub enum HostError {
    #[error("plugin runtime: {0}")]
    Runtime(String),
    #[error("two plugins are named `{0}`")]
    Duplicate(String),
    #[error("no plugin named `{0}`")]
    Unknown(String),
    #[error("plugin `{0}` is not running (faulted or restarting)")]
    NotRunning(String),
    #[error("plugin `{0}` is busy: its queue is full")]
    Busy(String),
    #[error("plugin `{0}` did not answer in time")]
    NoAnswer(String),
}

struct Running {
    queue: SyncSender<Work>,
    shared: Arc<Shared>,
    ctx: Arc<PluginCtx>,
    dropped: AtomicU64,
    thread: Option<JoinHandle<()>>,
    deadline: Duration,
}

pub struct PluginHost {
    plugins: Vec<Running>,
    by_name: HashMap<String, usize>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
    io: Option<tokio::runtime::Runtime>,
}

fn kinds_of(e: &Event) -> EventKinds {
    match e {
        Event::Fill(_) => EventKinds::FILLS,
        Event::Exit(_) => EventKinds::EXITS,
        Event::StateChanged(_) => EventKinds::STATES,
        Event::Alert(_) => EventKinds::ALERTS,
    }
}

/// The wasmtime engine (epoch interruption on) and the linker with WASI (nothing granted)
/// and the plugin world's imports.
fn runtime() -> Result<(Engine, Arc<Linker<State>>), HostError> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).map_err(|e| HostError::Runtime(format!("{e:#}")))?;
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
        .map_err(|e| HostError::Runtime(format!("WASI: {e:#}")))?;
    Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
        .map_err(|e| HostError::Runtime(format!("imports: {e:#}")))?;
    Ok((engine, Arc::new(linker)))
}

/// A component compiled once and instantiated on demand, as the host does at every start and
/// restart: for checking a plugin file and for measuring instantiation.
pub struct Compiled {
    engine: Engine,
    linker: Arc<Linker<State>>,
    component: wasmtime::component::Component,
    ctx: Arc<PluginCtx>,
    settings: Vec<(String, String)>,
    _io: tokio::runtime::Runtime,
}

impl Compiled {
    pub fn new(spec: &PluginSpec, engine_api: Arc<dyn EngineApi>) -> Result<Self, HostError> {
        let (engine, linker) = runtime()?;
        let bytes: Vec<u8> = match &spec.source {
            crate::config::PluginSource::Bytes(b) => b.to_vec(),
            crate::config::PluginSource::File(p) => {
                std::fs::read(p).map_err(|e| HostError::Runtime(format!("{}: {e}", p.display())))?
            }
        };
        let component = wasmtime::component::Component::new(&engine, &bytes)
            .map_err(|e| HostError::Runtime(format!("not a component: {e:#}")))?;
        let io = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| HostError::Runtime(e.to_string()))?;
        let ctx = Arc::new(PluginCtx {
            name: spec.name.clone(),
            grants: spec.grants.clone(),
            limits: spec.limits.clone(),
            engine: engine_api,
            client: reqwest::Client::new(),
            io: io.handle().clone(),
            kv: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        });
        Ok(Self {
            engine,
            linker,
            component,
            ctx,
            settings: spec.settings.clone(),
            _io: io,
        })
    }

    /// A fresh Store and instance, initialised with the plugin's settings.
    pub fn instantiate(&self) -> Result<(), HostError> {
        supervisor::instantiate_and_init(
            &self.engine,
            &self.linker,
            &self.component,
            &self.ctx,
            &self.settings,
        )
        .map_err(HostError::Runtime)
    }
}

impl PluginHost {
    /// Starts every plugin in `specs`, each on its own thread.
    pub fn start(
        specs: Vec<PluginSpec>,
        engine_api: Arc<dyn EngineApi>,
    ) -> Result<Self, HostError> {
        let (engine, linker) = runtime()?;
        let io = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("kestrel-plugin-io")
            .on_thread_start(|| {
                let _ = lower_priority();
            })
            .enable_all()
            .build()
            .map_err(|e| HostError::Runtime(e.to_string()))?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HostError::Runtime(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (weak, stop) = (engine.weak(), stop.clone());
            std::thread::Builder::new()
                .name("kestrel-plugin-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        match weak.upgrade() {
                            Some(e) => e.increment_epoch(),
                            None => break,
                        }
                    }
                })
                .map_err(|e| HostError::Runtime(e.to_string()))?
        };
        let mut plugins = Vec::with_capacity(specs.len());
        let mut by_name = HashMap::new();
        for spec in specs {
            if by_name.insert(spec.name.clone(), plugins.len()).is_some() {
                return Err(HostError::Duplicate(spec.name));
            }
            let (tx, rx) = sync_channel(spec.limits.queue.max(1));
            let shared = Arc::new(Shared {
                status: Mutex::new(PluginStatus {
                    name: spec.name.clone(),
                    ..PluginStatus::default()
                }),
                wants: AtomicU8::new(0),
                stopping: AtomicBool::new(false),
            });
            let ctx = Arc::new(PluginCtx {
                name: spec.name.clone(),
                grants: spec.grants.clone(),
                limits: spec.limits.clone(),
                engine: engine_api.clone(),
                client: client.clone(),
                io: io.handle().clone(),
                kv: Mutex::new(HashMap::new()),
                counters: Counters::default(),
            });
            let name = spec.name.clone();
            let deadline = spec.limits.call_deadline;
            let thread = {
                let (engine, linker, ctx, shared) =
                    (engine.clone(), linker.clone(), ctx.clone(), shared.clone());
                std::thread::Builder::new()
                    .name(format!("plugin-{name}"))
                    .spawn(move || {
                        if !lower_priority() {
                            tracing::debug!("plugin thread keeps the normal scheduling class");
                        }
                        supervisor::run(spec, engine, linker, ctx, rx, shared)
                    })
                    .map_err(|e| HostError::Runtime(e.to_string()))?
            };
            plugins.push(Running {
                queue: tx,
                shared,
                ctx,
                dropped: AtomicU64::new(0),
                thread: Some(thread),
                deadline,
            });
        }
        Ok(Self {
            plugins,
            by_name,
            stop,
            ticker: Some(ticker),
            io: Some(io),
        })
    }

    /// Hands an engine event to every running plugin that asked for it and may have it.
    /// Never blocks: a full queue drops the event for that plugin (counted).
    pub fn publish(&self, event: &Event) {
        let bit = supervisor::kinds_bits(kinds_of(event));
        for p in &self.plugins {
            if p.shared.wants.load(Ordering::Acquire) & bit == 0 {
                continue;
            }
            if let Err(TrySendError::Full(_)) = p.queue.try_send(Work::Event(event.clone())) {
                p.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Hands `message` to plugin `name` and waits for its replies (at most its call deadline
    /// plus queueing).
    pub fn message(&self, name: &str, message: Inbound) -> Result<Vec<String>, HostError> {
        let p = self
            .by_name
            .get(name)
            .and_then(|i| self.plugins.get(*i))
            .ok_or_else(|| HostError::Unknown(name.to_owned()))?;
        let (tx, rx) = sync_channel(1);
        match p.queue.try_send(Work::Message(message, tx)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                p.dropped.fetch_add(1, Ordering::Relaxed);
                return Err(HostError::Busy(name.to_owned()));
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(HostError::NotRunning(name.to_owned()));
            }
        }
        rx.recv_timeout(p.deadline * 2 + Duration::from_secs(1))
            .map_err(|_| HostError::NoAnswer(name.to_owned()))
    }

    pub fn status(&self) -> Vec<PluginStatus> {
        self.plugins
            .iter()
            .map(|p| {
                let mut s = p
                    .shared
                    .status
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                s.dropped = p.dropped.load(Ordering::Relaxed);
                let c = &p.ctx.counters;
                s.http_requests = c.http_requests.load(Ordering::Relaxed);
                s.http_denied = c.http_denied.load(Ordering::Relaxed);
                s.commands = c.commands.load(Ordering::Relaxed);
                s.commands_denied = c.commands_denied.load(Ordering::Relaxed);
                s.logs_dropped = c.logs_dropped.load(Ordering::Relaxed);
                s
            })
            .collect()
    }

    pub fn status_of(&self, name: &str) -> Option<PluginStatus> {
        self.status().into_iter().find(|s| s.name == name)
    }

    /// Stops every plugin and the runtime.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        for p in &self.plugins {
            p.shared.stopping.store(true, Ordering::Release);
            let _ = p.queue.try_send(Work::Stop);
        }
        for p in &mut self.plugins {
            // A plugin stuck in a call is interrupted at its deadline; then it sees the flag.
            if let Some(t) = p.thread.take() {
                let _ = t.join();
            }
        }
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(io) = self.io.take() {
            io.shutdown_background();
        }
    }
}

impl Drop for PluginHost {
    fn drop(&mut self) {
        self.shutdown();
    }
}
