//! The host side of the latest version's imports: what a plugin may call, each call checked
//! against its grants. Older versions' imports convert into these (`wit/since_v*`). One file
//! per interface.

mod clock;
mod engine;
mod http;
pub(crate) mod kv;
mod log;
mod topics;

pub(crate) use clock::now_ms;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::config::{Grants, PluginLimits, PluginSpec};
use crate::engine_api::EngineApi;
use crate::http::Rate;
use crate::mailbox::Mailboxes;
use crate::storage::Store;
use crate::wit::latest::kestrel::plugin::types;

/// Counters the host shows per plugin.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) http_requests: AtomicU64,
    pub(crate) http_denied: AtomicU64,
    pub(crate) commands: AtomicU64,
    pub(crate) commands_denied: AtomicU64,
    /// Log lines dropped over the per-second allowance.
    pub(crate) logs_dropped: AtomicU64,
    /// Storage writes refused (quota, bad key, the file).
    pub(crate) kv_refused: AtomicU64,
    pub(crate) topics_published: AtomicU64,
    /// Publications refused (no grant, too large, over the rate).
    pub(crate) topics_denied: AtomicU64,
    /// The current instance's linear memories, bytes, as they have grown.
    pub(crate) memory_bytes: AtomicU64,
}

/// The store's limits, which also count what the memories have grown to (for status).
pub(crate) struct Limits {
    pub(crate) store: StoreLimits,
    pub(crate) ctx: Arc<PluginCtx>,
}

impl wasmtime::ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = self.store.memory_growing(current, desired, maximum)?;
        if ok {
            let grown = u64::try_from(desired.saturating_sub(current)).unwrap_or(u64::MAX);
            self.ctx
                .counters
                .memory_bytes
                .fetch_add(grown, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.store.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.store.instances()
    }

    fn tables(&self) -> usize {
        self.store.tables()
    }

    fn memories(&self) -> usize {
        self.store.memories()
    }
}

/// Log lines (and refusal warnings) a plugin may write per second; the rest are counted.
pub(crate) const LOGS_PER_SECOND: u32 = 20;

/// What every instance of one plugin shares (across restarts).
pub(crate) struct PluginCtx {
    pub(crate) name: String,
    pub(crate) grants: Grants,
    pub(crate) limits: PluginLimits,
    pub(crate) engine: Arc<dyn EngineApi>,
    pub(crate) client: reqwest::Client,
    pub(crate) io: tokio::runtime::Handle,
    pub(crate) store: Store,
    pub(crate) counters: Counters,
    /// Every plugin's mailbox, for topics.
    pub(crate) mailboxes: Arc<Mailboxes>,
}

impl PluginCtx {
    pub(crate) fn new(
        spec: &PluginSpec,
        engine: Arc<dyn EngineApi>,
        client: reqwest::Client,
        io: tokio::runtime::Handle,
        store: Store,
        mailboxes: Arc<Mailboxes>,
    ) -> Self {
        Self {
            name: spec.name.clone(),
            grants: spec.grants.clone(),
            limits: spec.limits.clone(),
            engine,
            client,
            io,
            store,
            counters: Counters::default(),
            mailboxes,
        }
    }
}

/// One instance's store data.
pub(crate) struct State {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: Limits,
    pub(crate) ctx: Arc<PluginCtx>,
    pub(crate) rate: Rate,
    pub(crate) topic_rate: Rate,
    pub(crate) kv_rate: Rate,
    /// The thread's CPU time when the current call began (`crate::cpu_clock`).
    pub(crate) call_cpu_start: std::time::Duration,
    /// The log allowance.
    pub(crate) logs: Rate,
}

impl State {
    pub(crate) fn new(wasi: WasiCtx, limits: StoreLimits, ctx: Arc<PluginCtx>) -> Self {
        Self {
            wasi,
            table: ResourceTable::new(),
            limits: Limits {
                store: limits,
                ctx: ctx.clone(),
            },
            rate: Rate::new(ctx.limits.http_per_second),
            topic_rate: Rate::new(ctx.limits.topic_per_second),
            kv_rate: Rate::new(ctx.limits.kv_writes_per_second),
            call_cpu_start: crate::cpu_clock::thread_cpu(),
            logs: Rate::new(LOGS_PER_SECOND),
            ctx,
        }
    }

    /// Whether a log line may be written now (a flood of them is dropped and counted).
    pub(crate) fn may_log(&mut self) -> bool {
        let ok = self.logs.take();
        if !ok {
            self.ctx.counters.logs_dropped.fetch_add(1, Relaxed);
        }
        ok
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for State {}
