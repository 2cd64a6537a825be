//! The plugin runtime: one wasmtime engine with epoch interruption (a ticker thread advances
//! the epoch every [`EPOCH_TICK`]), a small tokio runtime of its own for the HTTP the host
//! makes for plugins, a thread per plugin, and the ingress on a thread of its own when
//! configured. Nothing here runs on the engine's threads.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use thiserror::Error;
use wasmtime::component::Linker;
use wasmtime::{Config, Engine};

use crate::config::{HostSettings, PluginSpec};
use crate::engine_api::EngineApi;
use crate::imports::{PluginCtx, State};
use crate::mailbox::{Mailbox, Mailboxes, Shared, Undelivered, Work};
use crate::storage::Store;
use crate::wit::latest::{Event, EventKinds, Inbound, Launch, LaunchFilter};
// Defined in modules below this one, which the supervisor reads too: it need not import the host.
pub use crate::status::PluginStatus;
pub use crate::supervisor::EPOCH_TICK;
use crate::supervisor::{self, kinds_bits};

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
    #[error("plugin `{0}`'s store: {1}")]
    Storage(String, String),
    #[error("ingress: {0}")]
    Ingress(String),
}

struct Running {
    ctx: Arc<PluginCtx>,
    thread: Option<JoinHandle<()>>,
    deadline: Duration,
}

pub struct PluginHost {
    plugins: Vec<Running>,
    mailboxes: Arc<Mailboxes>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
    io: Option<tokio::runtime::Runtime>,
    ingress: Option<crate::ingress::Running>,
    /// Discord gateway connections held for plugins, by plugin name.
    gateways: Vec<(String, crate::gateway::Running)>,
}

fn kinds_of(e: &Event) -> EventKinds {
    match e {
        Event::Launch(_) => EventKinds::LAUNCHES,
        Event::Fill(_) => EventKinds::FILLS,
        Event::Exit(_) => EventKinds::EXITS,
        Event::StateChanged(_) => EventKinds::STATES,
        Event::Alert(_) => EventKinds::ALERTS,
        Event::Digest(_) => EventKinds::DIGESTS,
    }
}

/// The wasmtime engine (epoch interruption on) and the linker with WASI (nothing granted)
/// and every served version's imports.
fn runtime() -> Result<(Engine, Arc<Linker<State>>), HostError> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).map_err(|e| HostError::Runtime(format!("{e:#}")))?;
    let mut linker: Linker<State> = Linker::new(&engine);
    crate::wit::add_to_linker(&mut linker)
        .map_err(|e| HostError::Runtime(format!("imports: {e:#}")))?;
    Ok((engine, Arc::new(linker)))
}

/// The plugin's store: its file under `dir`, or in memory without one.
fn open_store(spec: &PluginSpec, settings: &HostSettings) -> Result<Store, HostError> {
    let quota = spec.limits.kv_bytes;
    let r = match &settings.storage_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                HostError::Storage(spec.name.clone(), format!("{}: {e}", dir.display()))
            })?;
            Store::open(&dir.join(format!("plugin-{}.sqlite", spec.name)), quota)
        }
        None => Store::in_memory(quota),
    };
    r.map_err(|e| HostError::Storage(spec.name.clone(), e.to_string()))
}

/// A component compiled once and instantiated on demand, as the host does at every start and
/// restart: for checking a plugin file and for measuring instantiation.
pub struct Compiled {
    engine: Engine,
    linker: Arc<Linker<State>>,
    loaded: supervisor::Loaded,
    ctx: Arc<PluginCtx>,
    settings: Vec<(String, String)>,
    _io: tokio::runtime::Runtime,
}

impl Compiled {
    pub fn new(spec: &PluginSpec, engine_api: Arc<dyn EngineApi>) -> Result<Self, HostError> {
        let (engine, linker) = runtime()?;
        let loaded = supervisor::load(spec, &engine).map_err(HostError::Runtime)?;
        let io = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| HostError::Runtime(e.to_string()))?;
        let ctx = Arc::new(PluginCtx::new(
            spec,
            engine_api,
            reqwest::Client::new(),
            io.handle().clone(),
            open_store(spec, &HostSettings::default())?,
            Arc::new(Mailboxes::default()),
        ));
        Ok(Self {
            engine,
            linker,
            loaded,
            ctx,
            settings: spec.settings.clone(),
            _io: io,
        })
    }

    /// The interface version the component was built against.
    pub fn version(&self) -> &'static str {
        self.loaded.version.name()
    }

    /// A fresh Store and instance, initialised with the plugin's settings.
    pub fn instantiate(&self) -> Result<(), HostError> {
        supervisor::instantiate_and_init(
            &self.engine,
            &self.linker,
            &self.loaded,
            &self.ctx,
            &self.settings,
        )
        .map_err(HostError::Runtime)
    }
}

impl PluginHost {
    /// Starts every plugin in `specs`, each on its own thread, and the ingress if `settings`
    /// names an address.
    pub fn start(
        specs: Vec<PluginSpec>,
        engine_api: Arc<dyn EngineApi>,
        settings: &HostSettings,
    ) -> Result<Self, HostError> {
        let mut names = HashSet::new();
        for s in &specs {
            if !names.insert(s.name.clone()) {
                return Err(HostError::Duplicate(s.name.clone()));
            }
        }
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
        let mailboxes = Arc::new(Mailboxes::default());
        // Open every store first: a store that cannot open stops the start before any
        // plugin runs.
        let mut stores = Vec::with_capacity(specs.len());
        for spec in &specs {
            stores.push(open_store(spec, settings)?);
        }
        let ticker = {
            let (weak, stop) = (engine.weak(), stop.clone());
            std::thread::Builder::new()
                .name("kestrel-plugin-epoch".into())
                .spawn(move || {
                    // A wake-up every tick: in the idle class, so it never preempts the hot
                    // path. The plugins it interrupts are idle-class too, so it still runs.
                    let _ = lower_priority();
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
        let mut boxes = Vec::with_capacity(specs.len());
        let mut inbound = Vec::new();
        let mut gateways = Vec::new();
        for (spec, store) in specs.into_iter().zip(stores) {
            let (tx, rx) = sync_channel(spec.limits.queue.max(1));
            let shared = Arc::new(Shared::new(&spec.name));
            let ctx = Arc::new(PluginCtx::new(
                &spec,
                engine_api.clone(),
                client.clone(),
                io.handle().clone(),
                store,
                mailboxes.clone(),
            ));
            if let Some(i) = &spec.grants.inbound {
                inbound.push((spec.name.clone(), i.clone()));
            }
            if let Some(g) = &spec.grants.gateway {
                gateways.push((spec.name.clone(), g.clone()));
            }
            boxes.push(Mailbox {
                name: spec.name.clone(),
                queue: tx,
                shared: shared.clone(),
            });
            let name = spec.name.clone();
            let deadline = spec.limits.call_deadline;
            let thread = {
                let (engine, linker, ctx) = (engine.clone(), linker.clone(), ctx.clone());
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
                ctx,
                thread: Some(thread),
                deadline,
            });
        }
        mailboxes.set(boxes);
        let mut running_gateways = Vec::with_capacity(gateways.len());
        for (name, g) in gateways {
            let r = crate::gateway::start(name.clone(), g, mailboxes.clone(), stop.clone())
                .map_err(|e| HostError::Runtime(e.to_string()))?;
            running_gateways.push((name, r));
        }
        let mut host = Self {
            plugins,
            mailboxes: mailboxes.clone(),
            stop,
            ticker: Some(ticker),
            io: Some(io),
            ingress: None,
            gateways: running_gateways,
        };
        if let Some(addr) = settings.ingress {
            host.ingress =
                Some(crate::ingress::start(addr, mailboxes, inbound).map_err(HostError::Ingress)?);
        }
        Ok(host)
    }

    /// What the gateway connection held for plugin `name` has done, if it has one.
    pub fn gateway_stats(&self, name: &str) -> Option<Arc<crate::gateway::GatewayStats>> {
        self.gateways
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, g)| g.stats.clone())
    }

    /// The address the ingress listens on (the port, if config asked for port 0).
    pub fn ingress_addr(&self) -> Option<SocketAddr> {
        self.ingress.as_ref().map(|i| i.addr)
    }

    /// Hands an engine event to every running plugin that asked for it and may have it
    /// (a launch only if the plugin's filter passes it and its minute's cap is not spent).
    /// Never blocks: a full queue drops the event for that plugin (counted).
    pub fn publish(&self, event: &Event) {
        self.deliver(event, false);
    }

    /// Publishes on `topic` as `sender` (the host's owner: "dashboard"), to the plugins that
    /// receive the topic, as a plugin's publication reaches them.
    pub fn publish_topic(&self, sender: &str, topic: &str, body: Vec<u8>) {
        self.mailboxes.deliver(&crate::wit::latest::TopicMessage {
            topic: topic.to_owned(),
            sender: sender.to_owned(),
            body,
            sent_ms: crate::imports::now_ms(),
        });
    }

    /// Copies of every message published on `topic` from now on (at most 256 waiting; more
    /// are dropped).
    pub fn watch_topic(
        &self,
        topic: &str,
    ) -> std::sync::mpsc::Receiver<crate::wit::latest::TopicMessage> {
        self.mailboxes.tap(topic)
    }

    /// A launch, with whether the sniper's rules would take it: a plugin granted only such
    /// launches (`sniper_launches_only`) gets it only then. [`PluginHost::publish`] hands a
    /// launch to the others only.
    pub fn publish_launch(&self, event: &Event, sniper_takes: bool) {
        self.deliver(event, sniper_takes);
    }

    fn deliver(&self, event: &Event, sniper_takes: bool) {
        let bit = kinds_bits(kinds_of(event));
        // Mailboxes and plugins are made together, in the same order.
        for (m, p) in self.mailboxes.all().iter().zip(&self.plugins) {
            if m.shared.wants.load(Ordering::Acquire) & bit == 0 {
                continue;
            }
            if let Event::Launch(l) = event
                && ((p.ctx.grants.sniper_launches_only && !sniper_takes)
                    || !admit_launch(&m.shared, l, p.ctx.limits.launches_per_minute))
            {
                m.shared.launches_held.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let _ = m.offer(Work::Event(event.clone()));
        }
    }

    /// Hands `message` to plugin `name` and waits for its replies (at most its call deadline
    /// plus queueing).
    pub fn message(&self, name: &str, message: Inbound) -> Result<Vec<String>, HostError> {
        let (m, p) = self
            .mailboxes
            .all()
            .iter()
            .zip(&self.plugins)
            .find(|(m, _)| m.name == name)
            .ok_or_else(|| HostError::Unknown(name.to_owned()))?;
        let (tx, rx) = sync_channel(1);
        match m.offer(Work::Message(message, tx)) {
            Ok(()) => {}
            Err(Undelivered::Full) => return Err(HostError::Busy(name.to_owned())),
            Err(Undelivered::Gone) => return Err(HostError::NotRunning(name.to_owned())),
        }
        rx.recv_timeout(p.deadline * 2 + Duration::from_secs(1))
            .map_err(|_| HostError::NoAnswer(name.to_owned()))
    }

    pub fn status(&self) -> Vec<PluginStatus> {
        self.mailboxes
            .all()
            .iter()
            .zip(&self.plugins)
            .map(|(m, p)| {
                let sh = &m.shared;
                let mut s = sh.status().clone();
                let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
                s.dropped = load(&sh.dropped);
                s.webhooks = load(&sh.webhooks);
                s.webhooks_refused = load(&sh.webhooks_refused);
                s.webhooks_late = load(&sh.webhooks_late);
                s.launches_held = load(&sh.launches_held);
                s.cpu_ns = load(&sh.cpu_ns);
                s.queued = load(&sh.queued);
                let c = &p.ctx.counters;
                s.http_requests = load(&c.http_requests);
                s.http_denied = load(&c.http_denied);
                s.commands = load(&c.commands);
                s.commands_denied = load(&c.commands_denied);
                s.logs_dropped = load(&c.logs_dropped);
                s.kv_refused = load(&c.kv_refused);
                s.topics_published = load(&c.topics_published);
                s.topics_denied = load(&c.topics_denied);
                s.kv_bytes = p.ctx.store.usage().0;
                s.memory_bytes = load(&c.memory_bytes);
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
        if let Some(i) = self.ingress.take() {
            i.stop();
        }
        for m in self.mailboxes.all() {
            m.shared.stopping.store(true, Ordering::Release);
            let _ = m.queue.try_send(Work::Stop);
        }
        for p in &mut self.plugins {
            // A plugin stuck in a call is interrupted at its deadline; then it sees the flag.
            if let Some(t) = p.thread.take() {
                let _ = t.join();
            }
        }
        self.stop.store(true, Ordering::Relaxed);
        for (_, g) in self.gateways.drain(..) {
            g.join();
        }
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

/// Whether `filter` lets `launch` through.
fn passes(filter: &LaunchFilter, launch: &Launch) -> bool {
    let quote_ok = filter.quotes.is_empty()
        || filter
            .quotes
            .iter()
            .any(|q| q.eq_ignore_ascii_case(&launch.quote));
    let keyword_ok = filter.keywords.is_empty() || {
        let (name, symbol) = (launch.name.to_lowercase(), launch.symbol.to_lowercase());
        filter.keywords.iter().any(|k| {
            let k = k.to_lowercase();
            !k.is_empty() && (name.contains(&k) || symbol.contains(&k))
        })
    };
    quote_ok && keyword_ok
}

/// Whether a plugin gets `launch`: its filter passes it, and neither the filter's rate nor
/// the host's `cap` a minute is spent.
fn admit_launch(shared: &Shared, launch: &Launch, cap: u32) -> bool {
    let mut w = shared.wanted();
    let per_minute = match &w.launch_filter {
        Some(f) if !passes(f, launch) => return false,
        Some(f) if f.per_minute > 0 => f.per_minute.min(cap),
        _ => cap,
    };
    let now = Instant::now();
    let (start, n) = match w.launch_window {
        Some((start, n)) if now.duration_since(start) < Duration::from_secs(60) => (start, n),
        _ => (now, 0),
    };
    if n >= per_minute {
        return false;
    }
    w.launch_window = Some((start, n + 1));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(name: &str, symbol: &str, quote: &str) -> Launch {
        Launch {
            mint: String::new(),
            name: name.into(),
            symbol: symbol.into(),
            creator: String::new(),
            quote: quote.into(),
            market_cap_lamports: 0,
            slot: 0,
            seen_ms: 0,
            mayhem: false,
            cashback: false,
        }
    }

    #[test]
    fn a_launch_filter_matches_quote_and_keywords_ignoring_case() {
        let f = LaunchFilter {
            quotes: vec!["sol".into()],
            keywords: vec!["CAT".into()],
            per_minute: 0,
        };
        assert!(passes(&f, &launch("Catcoin", "X", "SOL")));
        assert!(passes(&f, &launch("x", "bigcat", "SOL")));
        assert!(!passes(&f, &launch("Catcoin", "X", "USDC")));
        assert!(!passes(&f, &launch("Dog", "DOG", "SOL")));
        let any = LaunchFilter {
            quotes: vec![],
            keywords: vec![],
            per_minute: 0,
        };
        assert!(passes(&any, &launch("Dog", "DOG", "USDC")));
    }

    #[test]
    fn launches_stop_at_the_smaller_of_the_filters_rate_and_the_hosts_cap() {
        let shared = Shared::new("p");
        shared.wanted().launch_filter = Some(LaunchFilter {
            quotes: vec![],
            keywords: vec![],
            per_minute: 3,
        });
        let l = launch("a", "A", "SOL");
        let admitted = (0..10).filter(|_| admit_launch(&shared, &l, 5)).count();
        assert_eq!(admitted, 3);
        let shared = Shared::new("q");
        let admitted = (0..10).filter(|_| admit_launch(&shared, &l, 5)).count();
        assert_eq!(admitted, 5);
    }
}
