//! The host side of the imports: what a plugin may call, each call checked against its
//! grants.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::kestrel::plugin::{clock, engine, http, kv, log, types};
use crate::bindings::{
    CommandError, EngineStatus, HttpError, HttpRequest, HttpResponse, Level, PnlReport, Position,
};
use crate::config::{Grants, PluginLimits};
use crate::engine_api::{EngineApi, empty_pnl, empty_status};
use crate::http::Rate;

/// Longest log line kept from a plugin.
const MAX_LOG: usize = 2_048;
const MAX_KEY: usize = 256;

/// Counters the host shows per plugin.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) http_requests: AtomicU64,
    pub(crate) http_denied: AtomicU64,
    pub(crate) commands: AtomicU64,
    pub(crate) commands_denied: AtomicU64,
    /// Log lines dropped over the per-second allowance.
    pub(crate) logs_dropped: AtomicU64,
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
    pub(crate) kv: Mutex<HashMap<String, Vec<u8>>>,
    pub(crate) counters: Counters,
}

/// One instance's store data.
pub(crate) struct State {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) ctx: Arc<PluginCtx>,
    pub(crate) rate: Rate,
    /// When the plugin's own computing started: the call's start, or the end of its last
    /// blocking host call. The deadline counts from here, so waiting on HTTP is not computing.
    pub(crate) compute_since: std::time::Instant,
    /// What the current call computed before its last blocking host call.
    pub(crate) computed: std::time::Duration,
    /// The log allowance.
    pub(crate) logs: Rate,
}

impl State {
    /// Whether a log line may be written now (a flood of them is dropped and counted).
    fn may_log(&mut self) -> bool {
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

impl http::Host for State {
    fn send(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let ctx = self.ctx.clone();
        let checked = match crate::http::check(&request, &ctx.grants, &ctx.limits) {
            Ok(c) => c,
            Err(e) => {
                ctx.counters.http_denied.fetch_add(1, Relaxed);
                if self.may_log() {
                    tracing::warn!(plugin = %ctx.name, "HTTP refused: {e:?}");
                }
                return Err(e);
            }
        };
        if !self.rate.take() {
            ctx.counters.http_denied.fetch_add(1, Relaxed);
            return Err(HttpError::Busy);
        }
        ctx.counters.http_requests.fetch_add(1, Relaxed);
        let max = ctx.limits.http_max_reply;
        self.computed += self.compute_since.elapsed();
        let r = ctx
            .io
            .block_on(crate::http::send(&ctx.client, checked, max));
        self.compute_since = std::time::Instant::now();
        r
    }
}

fn check_mint(mint: &str) -> Result<(), CommandError> {
    match bs58::decode(mint).into_vec() {
        Ok(b) if b.len() == 32 => Ok(()),
        _ => Err(CommandError::BadInput(format!(
            "`{mint}` is not a mint address"
        ))),
    }
}

impl State {
    fn command(&self, what: &str) -> Result<&dyn EngineApi, CommandError> {
        if !self.ctx.grants.engine_commands {
            self.ctx.counters.commands_denied.fetch_add(1, Relaxed);
            tracing::warn!(plugin = %self.ctx.name, command = what, "engine command without the grant: refused");
            return Err(CommandError::NotGranted);
        }
        self.ctx.counters.commands.fetch_add(1, Relaxed);
        tracing::info!(plugin = %self.ctx.name, command = what, "engine command");
        Ok(self.ctx.engine.as_ref())
    }

    fn views(&self) -> Option<&dyn EngineApi> {
        self.ctx
            .grants
            .engine_views
            .then_some(self.ctx.engine.as_ref())
    }
}

impl engine::Host for State {
    fn buy(&mut self, mint: String, lamports: u64) -> Result<String, CommandError> {
        let e = self.command("buy")?;
        check_mint(&mint)?;
        if lamports == 0 {
            return Err(CommandError::BadInput(
                "the amount must be above zero".into(),
            ));
        }
        e.buy(&mint, lamports)
    }

    fn sell(&mut self, mint: String, percent: u8) -> Result<String, CommandError> {
        let e = self.command("sell")?;
        check_mint(&mint)?;
        if !(1..=100).contains(&percent) {
            return Err(CommandError::BadInput(format!(
                "percent {percent} is not 1..=100"
            )));
        }
        e.sell(&mint, percent)
    }

    fn pause(&mut self) -> Result<String, CommandError> {
        self.command("pause")?.pause()
    }

    fn resume(&mut self) -> Result<String, CommandError> {
        self.command("resume")?.resume()
    }

    fn kill(&mut self, sell_all: bool) -> Result<String, CommandError> {
        self.command("kill")?.kill(sell_all)
    }

    fn positions(&mut self) -> Vec<Position> {
        self.views().map(|e| e.positions()).unwrap_or_default()
    }

    fn pnl(&mut self) -> PnlReport {
        self.views().map_or_else(empty_pnl, |e| e.pnl())
    }

    // Without the views grant a plugin sees no state.
    fn status(&mut self) -> EngineStatus {
        self.views()
            .map_or_else(|| empty_status("unknown"), |e| e.status())
    }
}

impl kv::Host for State {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        let kv = self
            .ctx
            .kv
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kv.get(&key).cloned()
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(format!("keys are 1 to {MAX_KEY} bytes"));
        }
        let mut kv = self
            .ctx
            .kv
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let used: usize = kv
            .iter()
            .filter(|(k, _)| **k != key)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        if used + key.len() + value.len() > self.ctx.limits.kv_bytes {
            return Err(format!(
                "the store would pass its {} byte limit",
                self.ctx.limits.kv_bytes
            ));
        }
        kv.insert(key, value);
        Ok(())
    }

    fn delete(&mut self, key: String) {
        let mut kv = self
            .ctx
            .kv
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kv.remove(&key);
    }
}

impl log::Host for State {
    fn log(&mut self, level: Level, message: String) {
        if !self.may_log() {
            return;
        }
        let mut m = message;
        if m.len() > MAX_LOG {
            let mut cut = MAX_LOG;
            while !m.is_char_boundary(cut) {
                cut -= 1;
            }
            m.truncate(cut);
        }
        let name = &self.ctx.name;
        match level {
            Level::Debug => tracing::debug!(plugin = %name, "{m}"),
            Level::Info => tracing::info!(plugin = %name, "{m}"),
            Level::Warn => tracing::warn!(plugin = %name, "{m}"),
            Level::Error => tracing::error!(plugin = %name, "{m}"),
        }
    }
}

impl clock::Host for State {
    fn now_ms(&mut self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}
