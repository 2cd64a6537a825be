//! `[[plugins]]` into a running plugin host beside the engine: the built-in bots come from
//! the binary, others from `.wasm` files; secrets are read from the environment here and
//! only handed to the host.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kestrel_config::{Config, GATEWAY_TOPIC, InboundSection, PluginSection, VerifyChoice};
use kestrel_engine::engine::EngineHandle;
use kestrel_engine::order::EngineEvent;
use kestrel_exec::JsonRpc;
use kestrel_plugin_bridge::{EngineBridge, RecentLaunches, forward_events};
use kestrel_plugin_host::gateway::Gateway;
use kestrel_plugin_host::latest::EventKinds;
use kestrel_plugin_host::oauth1::Credentials;
use kestrel_plugin_host::{
    Grants, HostSettings, Inbound, PluginHost, PluginLimits, PluginSource, PluginSpec, Signer,
    Verify,
};
use kestrel_units::Lamports;

fn source(p: &PluginSection) -> Result<PluginSource> {
    Ok(match p.wasm.strip_prefix("builtin:") {
        Some("telegram") => PluginSource::Bytes(kestrel_plugin_bundle::TELEGRAM),
        Some("discord") => PluginSource::Bytes(kestrel_plugin_bundle::DISCORD),
        Some("x") => PluginSource::Bytes(kestrel_plugin_bundle::X),
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
            "launches" => EventKinds::LAUNCHES,
            "digests" => EventKinds::DIGESTS,
            _ => EventKinds::empty(),
        }
    })
}

/// The value of environment variable `var`, which `what` of plugin `p` needs.
fn env(lookup: Lookup<'_>, p: &PluginSection, what: &str, var: &str) -> Result<String> {
    lookup(var).with_context(|| {
        format!(
            "plugins.{}: {what} wants environment variable {var}, which is not set",
            p.name
        )
    })
}

fn inbound(lookup: Lookup<'_>, p: &PluginSection, ib: &InboundSection) -> Result<Inbound> {
    let verify = match ib.verify {
        VerifyChoice::DiscordEd25519 => {
            let hex = env(lookup, p, "inbound.public_key_env", &ib.public_key_env)?;
            Verify::discord_ed25519(&hex)
                .map_err(|e| anyhow::anyhow!("plugins.{}: {}: {e}", p.name, ib.public_key_env))?
        }
        VerifyChoice::HeaderSecret => Verify::HeaderSecret {
            header: ib.header.clone(),
            secret: env(lookup, p, "inbound.secret_env", &ib.secret_env)?,
        },
        VerifyChoice::None => Verify::None,
    };
    let mut i = Inbound::new(verify);
    i.max_body = usize::try_from(ib.max_body_kb).unwrap_or(64) << 10;
    i.per_second = ib.per_second;
    i.deadline = Duration::from_millis(ib.deadline_ms);
    i.replay_window = Duration::from_secs(ib.replay_window_secs);
    Ok(i)
}

/// How a secret's environment variable is read (the process's environment, or a test's).
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub(crate) fn specs(config: &Config) -> Result<Vec<PluginSpec>> {
    specs_from(config, &|var| std::env::var(var).ok())
}

fn specs_from(config: &Config, lookup: Lookup<'_>) -> Result<Vec<PluginSpec>> {
    config
        .plugins
        .iter()
        .filter(|p| p.enabled)
        .map(|p| {
            let secrets = p
                .secrets
                .iter()
                .map(|(name, var)| {
                    Ok((
                        name.clone(),
                        env(lookup, p, &format!("secret `{name}`"), var)?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let signers = p
                .signers
                .iter()
                .map(|(name, s)| {
                    let o = &s.oauth1;
                    let what = format!("signer `{name}`");
                    Ok((
                        name.clone(),
                        Signer::OAuth1(Credentials {
                            consumer_key: env(lookup, p, &what, &o.consumer_key_env)?,
                            consumer_secret: env(lookup, p, &what, &o.consumer_secret_env)?,
                            token: env(lookup, p, &what, &o.token_env)?,
                            token_secret: env(lookup, p, &what, &o.token_secret_env)?,
                        }),
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let gateway = p
                .gateway
                .as_ref()
                .map(|g| -> Result<Gateway> {
                    let token = secrets
                        .iter()
                        .find(|(n, _)| *n == g.token_secret)
                        .map(|(_, v)| v.clone())
                        .with_context(|| {
                            format!(
                                "plugins.{}: gateway.token_secret `{}` is not among its secrets",
                                p.name, g.token_secret
                            )
                        })?;
                    Ok(Gateway {
                        url: g.url.clone(),
                        token,
                        intents: g
                            .intent_bits()
                            .map_err(|e| anyhow::anyhow!("plugins.{}: {e}", p.name))?,
                        events: g.events.clone(),
                    })
                })
                .transpose()?;
            let mut subscribe_topics = p.subscribe_topics.clone();
            // The gateway's dispatches come on its topic: granted with the gateway.
            if gateway.is_some() && !subscribe_topics.iter().any(|t| t == GATEWAY_TOPIC) {
                subscribe_topics.push(GATEWAY_TOPIC.into());
            }
            Ok(PluginSpec {
                name: p.name.clone(),
                source: source(p)?,
                settings: p
                    .settings
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                grants: Grants {
                    http_hosts: p
                        .allow_hosts
                        .iter()
                        .map(|h| h.to_ascii_lowercase())
                        .collect(),
                    secrets,
                    engine_commands: p.engine_commands,
                    engine_views: p.engine_views,
                    events: events(&p.events),
                    signers,
                    publish_topics: p.publish_topics.clone(),
                    subscribe_topics,
                    inbound: p
                        .inbound
                        .as_ref()
                        .map(|ib| inbound(lookup, p, ib))
                        .transpose()?,
                    gateway,
                    sniper_launches_only: p.sniper_launches_only,
                },
                limits: PluginLimits {
                    memory: usize::try_from(p.memory_mb).unwrap_or(64) << 20,
                    call_deadline: Duration::from_millis(p.call_deadline_ms),
                    tick: Duration::from_millis(p.tick_ms),
                    cpu_percent: p.cpu_percent,
                    kv_bytes: p.storage_kb.saturating_mul(1_024),
                    kv_writes_per_second: p.storage_writes_per_second,
                    launches_per_minute: p.launches_per_minute,
                    ..PluginLimits::default()
                },
            })
        })
        .collect()
}

/// What the host as a whole gets: the stores beside the journal, the ingress.
pub(crate) fn settings(config: &Config) -> HostSettings {
    HostSettings {
        storage_dir: Some(PathBuf::from(&config.journal.dir)),
        ingress: config.ingress.addr(),
    }
}

/// Starts the host for `specs` beside the engine, and the thread that hands it the engine's
/// events.
pub(crate) fn start(
    specs: Vec<PluginSpec>,
    config: &Config,
    engine: EngineHandle,
    rpc: JsonRpc,
    events: crossbeam_channel::Receiver<EngineEvent>,
    sniper: kestrel_sniper::SniperConfig,
) -> Result<Arc<PluginHost>> {
    let prices = kestrel::setup::prices(config);
    let max_buy = Lamports(config.guardian.max_sol_per_trade_lamports);
    let settings = &settings(config);
    let recent = RecentLaunches::default();
    let metrics = engine.metrics.clone();
    let bridge =
        EngineBridge::new(engine, rpc, prices, max_buy, recent.clone()).context("plugin bridge")?;
    let host =
        Arc::new(PluginHost::start(specs, Arc::new(bridge), settings).context("plugin host")?);
    let fwd = host.clone();
    std::thread::Builder::new()
        .name("kestrel-plugin-events".into())
        .spawn(move || {
            let sniper = Some(kestrel_sniper::Sniper::new(sniper));
            forward_events(events, fwd, prices, recent, metrics, sniper)
        })
        .context("plugin event thread")?;
    Ok(host)
}

#[cfg(test)]
mod tests {
    // Tests fail by panicking.
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    /// The built-in config with `extra` appended (plugin sections and the ingress).
    fn config(extra: &str) -> Config {
        let text = format!(
            "{}\n{extra}",
            kestrel_config::DEFAULT_TOML.replace("[ingress]\nlisten = \"\"", "")
        );
        Config::from_toml(&text, "test").unwrap_or_else(|e| panic!("{e}"))
    }

    const DISCORD: &str = r#"
[ingress]
listen = "127.0.0.1:0"

[[plugins]]
name = "discord"
wasm = "builtin:discord"
allow_hosts = ["discord.com"]
secrets = { discord_token = "KESTREL_TEST_DISCORD_TOKEN" }
engine_commands = true
events = ["fills", "launches"]
sniper_launches_only = true
[plugins.settings]
application_id = "123456789012345678"
[plugins.inbound]
verify = "discord-ed25519"
public_key_env = "KESTREL_TEST_DISCORD_KEY"
[plugins.gateway]
intents = ["GUILDS", "GUILD_MESSAGES", "MESSAGE_CONTENT"]
"#;

    /// The environment the tests see: the bot token and the application's public key.
    fn env(var: &str) -> Option<String> {
        match var {
            "KESTREL_TEST_DISCORD_TOKEN" => Some("bot-token".into()),
            "KESTREL_TEST_DISCORD_KEY" => {
                Some("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8".into())
            }
            _ => None,
        }
    }

    #[test]
    fn a_discord_section_becomes_a_spec_with_its_gateway_token_and_topic() {
        let specs = specs_from(&config(DISCORD), &env).unwrap_or_else(|e| panic!("{e:#}"));
        let s = &specs[0];
        assert_eq!(
            s.source,
            PluginSource::Bytes(kestrel_plugin_bundle::DISCORD)
        );
        assert_eq!(
            s.grants.secrets,
            [("discord_token".to_owned(), "bot-token".to_owned())]
        );
        let g = s.grants.gateway.clone().unwrap();
        assert_eq!(
            g.token, "bot-token",
            "the gateway's token comes from the plugin's secret"
        );
        assert_eq!(g.intents, 1 | (1 << 9) | (1 << 15));
        assert!(g.url.starts_with("wss://gateway.discord.gg/"));
        assert_eq!(s.grants.subscribe_topics, [GATEWAY_TOPIC]);
        assert!(s.grants.inbound.is_some());
        assert!(s.grants.sniper_launches_only);
        assert_eq!(s.grants.events, EventKinds::FILLS | EventKinds::LAUNCHES);
    }

    /// The README's X section ("The X bot").
    const X: &str = r#"
[[plugins]]
name = "x"
wasm = "builtin:x"
allow_hosts = ["api.x.com", "api.openai.com"]
secrets = { llm_key = "KESTREL_TEST_LLM_KEY" }
events = ["fills", "states", "digests"]
publish_topics = ["x-approvals"]
subscribe_topics = ["x-actions"]
[plugins.signers]
x = { oauth1 = { consumer_key_env = "KESTREL_TEST_X_KEY", consumer_secret_env = "KESTREL_TEST_X_SECRET", token_env = "KESTREL_TEST_X_TOKEN", token_secret_env = "KESTREL_TEST_X_TOKEN_SECRET" } }
[plugins.settings]
approvers = "telegram:123456789"
"post.gm.1" = "gm. The desk is open."
"#;

    #[test]
    fn an_x_section_becomes_a_spec_with_its_signer_and_topics() {
        let env = |var: &str| {
            var.starts_with("KESTREL_TEST_")
                .then(|| format!("{var}-value"))
        };
        let specs = specs_from(&config(X), &env).unwrap_or_else(|e| panic!("{e:#}"));
        let s = &specs[0];
        assert_eq!(s.source, PluginSource::Bytes(kestrel_plugin_bundle::X));
        let Some((name, kestrel_plugin_host::Signer::OAuth1(c))) = s.grants.signers.first() else {
            panic!("no signer");
        };
        assert_eq!(name, "x");
        assert_eq!(c.token_secret, "KESTREL_TEST_X_TOKEN_SECRET-value");
        assert_eq!(s.grants.publish_topics, ["x-approvals"]);
        assert_eq!(s.grants.subscribe_topics, ["x-actions"]);
        assert_eq!(
            s.grants.events,
            EventKinds::FILLS | EventKinds::STATES | EventKinds::DIGESTS
        );
        assert!(
            s.settings
                .contains(&("post.gm.1".to_owned(), "gm. The desk is open.".to_owned()))
        );
    }

    #[test]
    fn a_missing_secret_is_named_with_its_variable() {
        let text = DISCORD.replace("KESTREL_TEST_DISCORD_TOKEN", "KESTREL_TEST_UNSET_TOKEN");
        let e = specs_from(&config(&text), &env).unwrap_err();
        assert!(
            format!("{e:#}").contains("KESTREL_TEST_UNSET_TOKEN"),
            "{e:#}"
        );
    }
}
