//! `[[plugins]]` into a running plugin host beside the engine: the built-in bots come from
//! the binary, others from `.wasm` files; secrets are read from the environment here and
//! only handed to the host.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kestrel_config::{Config, PluginSection};
use kestrel_engine::engine::EngineHandle;
use kestrel_engine::order::EngineEvent;
use kestrel_exec::JsonRpc;
use kestrel_plugin_bridge::{EngineBridge, forward_events};
use kestrel_plugin_host::bindings::EventKinds;
use kestrel_plugin_host::{Grants, PluginHost, PluginLimits, PluginSource, PluginSpec};

fn source(p: &PluginSection) -> Result<PluginSource> {
    Ok(match p.wasm.strip_prefix("builtin:") {
        Some("telegram") => PluginSource::Bytes(kestrel_plugin_bundle::TELEGRAM),
        Some(other) => bail!("plugins.{}: no built-in plugin `{other}`", p.name),
        None => PluginSource::File(PathBuf::from(&p.wasm)),
    })
}

fn events(list: &[String]) -> EventKinds {
    list.iter().fold(EventKinds::empty(), |k, e| {
        k | match e.as_str() {
            "fills" => EventKinds::FILLS,
            "exits" => EventKinds::EXITS,
            "states" => EventKinds::STATES,
            "alerts" => EventKinds::ALERTS,
            _ => EventKinds::empty(),
        }
    })
}

pub(crate) fn specs(config: &Config) -> Result<Vec<PluginSpec>> {
    config
        .plugins
        .iter()
        .filter(|p| p.enabled)
        .map(|p| {
            let secrets = p
                .secrets
                .iter()
                .map(|(name, var)| {
                    let value = std::env::var(var).with_context(|| {
                        format!("plugins.{}: secret `{name}` wants environment variable {var}, which is not set", p.name)
                    })?;
                    Ok((name.clone(), value))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(PluginSpec {
                name: p.name.clone(),
                source: source(p)?,
                settings: p.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                grants: Grants {
                    http_hosts: p.allow_hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
                    secrets,
                    engine_commands: p.engine_commands,
                    engine_views: p.engine_views,
                    events: events(&p.events),
                },
                limits: PluginLimits {
                    memory: usize::try_from(p.memory_mb).unwrap_or(64) << 20,
                    call_deadline: Duration::from_millis(p.call_deadline_ms),
                    tick: Duration::from_millis(p.tick_ms),
                    cpu_percent: p.cpu_percent,
                    ..PluginLimits::default()
                },
            })
        })
        .collect()
}

/// Starts the host for `specs` beside the engine, and the thread that hands it the engine's
/// events.
pub(crate) fn start(
    specs: Vec<PluginSpec>,
    engine: EngineHandle,
    rpc: JsonRpc,
    events: crossbeam_channel::Receiver<EngineEvent>,
    prices: kestrel_model::QuotePrices,
) -> Result<Arc<PluginHost>> {
    let bridge = EngineBridge::new(engine, rpc, prices).context("plugin bridge")?;
    let host = Arc::new(PluginHost::start(specs, Arc::new(bridge)).context("plugin host")?);
    let fwd = host.clone();
    std::thread::Builder::new()
        .name("kestrel-plugin-events".into())
        .spawn(move || forward_events(events, fwd, prices))
        .context("plugin event thread")?;
    Ok(host)
}
