//! The plugins' sections: `[[plugins]]` (a bot's component, its grants and limits, its
//! signers and its webhooks) and `[ingress]` (the listener for webhooks). Secrets are never
//! in the file: each is named by the environment variable that holds it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// One chat or social bot: a WebAssembly component and what it may do.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PluginSection {
    /// Letters, digits, `-` and `_`: it names the plugin's store file and its webhook path.
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `builtin:telegram`, `builtin:discord`, `builtin:x`, or a `.wasm` file (reloaded when it changes).
    pub wasm: String,
    /// Handed to the plugin's `init` (never secrets).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// Hosts it may reach over HTTP (the host makes the requests).
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// Secrets the host attaches for it: name → environment variable holding the value.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// Signers its requests may name: name → how (`[plugins.signers] x = { oauth1 = {…} }`).
    #[serde(default)]
    pub signers: BTreeMap<String, SignerSection>,
    /// May it buy, sell, pause, resume, kill.
    #[serde(default)]
    pub engine_commands: bool,
    /// May it read positions, PnL, status, curves and recent launches.
    #[serde(default = "yes")]
    pub engine_views: bool,
    /// Events it may receive: see [`PLUGIN_EVENTS`].
    #[serde(default)]
    pub events: Vec<String>,
    /// Launches it may receive a minute, whatever its filter asks.
    #[serde(default = "default_launches_per_minute")]
    pub launches_per_minute: u32,
    /// Only launches the sniper's own rules would take (its filters, not its buy rate).
    #[serde(default)]
    pub sniper_launches_only: bool,
    /// Topics it may publish on, and topics it may receive.
    #[serde(default)]
    pub publish_topics: Vec<String>,
    #[serde(default)]
    pub subscribe_topics: Vec<String>,
    /// Its webhooks (`POST /hooks/<name>/…` on the ingress); none: no webhooks.
    #[serde(default)]
    pub inbound: Option<InboundSection>,
    /// A Discord gateway connection the host holds for it (the token never reaches it);
    /// none: no gateway.
    #[serde(default)]
    pub gateway: Option<GatewaySection>,
    /// Its durable store's quota, KiB (keys and values), and its writes a second.
    #[serde(default = "default_storage_kb")]
    pub storage_kb: u64,
    #[serde(default = "default_storage_writes_per_second")]
    pub storage_writes_per_second: u32,
    #[serde(default = "default_plugin_memory_mb")]
    pub memory_mb: u32,
    #[serde(default = "default_plugin_deadline_ms")]
    pub call_deadline_ms: u64,
    #[serde(default = "default_plugin_tick_ms")]
    pub tick_ms: u64,
    /// The share of one core it may compute on average, percent (1..=100).
    #[serde(default = "default_plugin_cpu_percent")]
    pub cpu_percent: u8,
}

/// How the host signs a request that names this signer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignerSection {
    /// OAuth 1.0a with HMAC-SHA1 (X's user context).
    pub oauth1: OAuth1Section,
}

/// The four OAuth 1.0a credentials, each named by its environment variable.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth1Section {
    pub consumer_key_env: String,
    pub consumer_secret_env: String,
    pub token_env: String,
    pub token_secret_env: String,
}

/// What the ingress checks before a request reaches the plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyChoice {
    /// Discord's Ed25519 signature (`public_key_env`: the application's public key, hex).
    DiscordEd25519,
    /// A header carrying a shared secret (`header`, `secret_env`).
    HeaderSecret,
    /// Nothing: the plugin checks for itself.
    None,
}

/// A Discord gateway the host connects for a plugin (FACTS §6.6); the dispatches in
/// `events` reach the plugin on the topic [`GATEWAY_TOPIC`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    #[serde(default = "default_gateway_url")]
    pub url: String,
    /// Which of the plugin's `secrets` is the bot token.
    #[serde(default = "default_gateway_token")]
    pub token_secret: String,
    /// Intents by Discord's names (see [`GATEWAY_INTENTS`]); privileged ones must be enabled in
    /// the Developer Portal.
    pub intents: Vec<String>,
    /// Dispatch names delivered to the plugin.
    #[serde(default = "default_gateway_events")]
    pub events: Vec<String>,
}

/// The topic the host delivers gateway dispatches on (only the host publishes on it).
pub const GATEWAY_TOPIC: &str = "discord-gateway";

/// Gateway intents by name, and their bits (FACTS §6.6).
pub const GATEWAY_INTENTS: &[(&str, u64)] = &[
    ("GUILDS", 1 << 0),
    ("GUILD_MEMBERS", 1 << 1),
    ("GUILD_MODERATION", 1 << 2),
    ("GUILD_PRESENCES", 1 << 8),
    ("GUILD_MESSAGES", 1 << 9),
    ("DIRECT_MESSAGES", 1 << 12),
    ("MESSAGE_CONTENT", 1 << 15),
    ("AUTO_MODERATION_CONFIGURATION", 1 << 20),
    ("AUTO_MODERATION_EXECUTION", 1 << 21),
];

impl GatewaySection {
    /// The intents as Discord's bitset; an unknown name is an error naming it.
    pub fn intent_bits(&self) -> Result<u64, String> {
        self.intents.iter().try_fold(0, |bits, n| {
            GATEWAY_INTENTS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(n.trim()))
                .map(|(_, b)| bits | b)
                .ok_or_else(|| format!("`{n}` is not a gateway intent"))
        })
    }
}

fn default_gateway_url() -> String {
    "wss://gateway.discord.gg/?v=10&encoding=json".into()
}

fn default_gateway_token() -> String {
    "discord_token".into()
}

fn default_gateway_events() -> Vec<String> {
    ["MESSAGE_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE"]
        .map(str::to_owned)
        .to_vec()
}

/// A plugin's webhooks.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InboundSection {
    pub verify: VerifyChoice,
    /// `discord-ed25519`: the environment variable holding the public key (64 hex digits).
    #[serde(default)]
    pub public_key_env: String,
    /// `header-secret`: the header, and the environment variable holding its secret.
    #[serde(default)]
    pub header: String,
    #[serde(default)]
    pub secret_env: String,
    /// The largest body, KiB.
    #[serde(default = "default_max_body_kb")]
    pub max_body_kb: u32,
    /// Requests a second.
    #[serde(default = "default_webhooks_per_second")]
    pub per_second: u32,
    /// How long the plugin has to answer, ms (Discord wants an answer within 3 s).
    #[serde(default = "default_webhook_deadline_ms")]
    pub deadline_ms: u64,
    /// How far a signed timestamp may be from the host's clock, seconds.
    #[serde(default = "default_replay_window_secs")]
    pub replay_window_secs: u64,
}

/// The webhook listener.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngressSection {
    /// `127.0.0.1:9465`; empty: no ingress. Plain HTTP: put TLS in a reverse proxy in front.
    pub listen: String,
}

impl IngressSection {
    pub fn addr(&self) -> Option<SocketAddr> {
        self.listen.trim().parse().ok()
    }
}

fn yes() -> bool {
    true
}

fn default_plugin_memory_mb() -> u32 {
    64
}

fn default_plugin_deadline_ms() -> u64 {
    1_000
}

fn default_plugin_tick_ms() -> u64 {
    200
}

fn default_plugin_cpu_percent() -> u8 {
    10
}

fn default_storage_kb() -> u64 {
    1_024
}

fn default_storage_writes_per_second() -> u32 {
    50
}

fn default_launches_per_minute() -> u32 {
    60
}

fn default_max_body_kb() -> u32 {
    64
}

fn default_webhooks_per_second() -> u32 {
    20
}

fn default_webhook_deadline_ms() -> u64 {
    2_500
}

fn default_replay_window_secs() -> u64 {
    300
}

/// The event names a plugin section may list.
pub const PLUGIN_EVENTS: [&str; 6] = ["fills", "exits", "states", "alerts", "launches", "digests"];

/// The plugins bundled into the binary, named `builtin:<name>`.
pub const BUILTIN_PLUGINS: &[&str] = &["telegram", "discord", "x"];

/// A plugin or topic name: 1 to 64 letters, digits, `-` and `_`.
fn is_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks the plugin sections and the ingress: (key, reason) for the first problem.
pub(crate) fn validate(
    plugins: &[PluginSection],
    ingress: &IngressSection,
) -> Result<(), (String, String)> {
    if !ingress.listen.trim().is_empty() && ingress.addr().is_none() {
        return Err((
            "ingress.listen".into(),
            format!(
                "`{}` is not an address such as 127.0.0.1:9465",
                ingress.listen
            ),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, p) in plugins.iter().enumerate() {
        let key = |k: &str| format!("plugins[{i}].{k}");
        if !is_name(&p.name) {
            return Err((
                key("name"),
                format!("`{}` is not 1 to 64 letters, digits, - or _", p.name),
            ));
        }
        if !names.insert(p.name.as_str()) {
            return Err((key("name"), format!("`{}` is used twice", p.name)));
        }
        if p.wasm.trim().is_empty() {
            return Err((
                key("wasm"),
                "is empty: builtin:<name> or a .wasm file".into(),
            ));
        }
        if let Some(b) = p.wasm.strip_prefix("builtin:")
            && !BUILTIN_PLUGINS.contains(&b)
        {
            return Err((
                key("wasm"),
                format!(
                    "no built-in plugin `{b}` (built in: {})",
                    BUILTIN_PLUGINS.join(", ")
                ),
            ));
        }
        for e in &p.events {
            if !PLUGIN_EVENTS.contains(&e.as_str()) {
                return Err((
                    key("events"),
                    format!("`{e}` is not one of {PLUGIN_EVENTS:?}"),
                ));
            }
        }
        for h in &p.allow_hosts {
            if h.is_empty() || h.contains('/') || h.contains(':') && !h.starts_with('[') {
                return Err((key("allow_hosts"), format!("`{h}` is not a host name")));
            }
        }
        for t in p.publish_topics.iter().chain(&p.subscribe_topics) {
            if !is_name(t) {
                return Err((
                    key("publish_topics"),
                    format!("topic `{t}` is not 1 to 64 letters, digits, - or _"),
                ));
            }
        }
        if p.name == "host" || p.name == "dashboard" {
            return Err((
                key("name"),
                format!(
                    "`{}` is reserved: the host and the dashboard publish under these names",
                    p.name
                ),
            ));
        }
        if p.publish_topics.iter().any(|t| t == GATEWAY_TOPIC) {
            return Err((
                key("publish_topics"),
                format!("only the host publishes on `{GATEWAY_TOPIC}`"),
            ));
        }
        if let Some(g) = &p.gateway {
            if let Err(e) = g.intent_bits() {
                return Err((key("gateway.intents"), e));
            }
            if !(g.url.starts_with("wss://") || g.url.starts_with("ws://")) {
                return Err((key("gateway.url"), "must be a wss:// URL".into()));
            }
            if !p.secrets.contains_key(&g.token_secret) {
                return Err((
                    key("gateway.token_secret"),
                    format!("`{}` is not one of this plugin's secrets", g.token_secret),
                ));
            }
            if g.events.is_empty()
                || g.events.iter().any(|e| {
                    e.is_empty() || !e.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
                })
            {
                return Err((
                    key("gateway.events"),
                    "dispatch names like MESSAGE_CREATE".into(),
                ));
            }
        }
        if p.memory_mb == 0 || p.memory_mb > 4_096 {
            return Err((key("memory_mb"), "must be 1..=4096".into()));
        }
        if p.cpu_percent == 0 || p.cpu_percent > 100 {
            return Err((key("cpu_percent"), "must be 1..=100".into()));
        }
        if p.call_deadline_ms == 0 || p.tick_ms == 0 {
            return Err((
                key("call_deadline_ms"),
                "call_deadline_ms and tick_ms must be above 0".into(),
            ));
        }
        if p.storage_writes_per_second == 0 {
            return Err((key("storage_writes_per_second"), "must be above 0".into()));
        }
        if p.storage_kb == 0 || p.storage_kb > 1 << 20 {
            return Err((key("storage_kb"), "must be 1..=1048576 (1 GiB)".into()));
        }
        for (name, var) in &p.secrets {
            if name.is_empty() || var.is_empty() {
                return Err((
                    key("secrets"),
                    "names and environment variables must not be empty".into(),
                ));
            }
        }
        for (name, s) in &p.signers {
            let o = &s.oauth1;
            if name.is_empty()
                || [
                    &o.consumer_key_env,
                    &o.consumer_secret_env,
                    &o.token_env,
                    &o.token_secret_env,
                ]
                .iter()
                .any(|v| v.trim().is_empty())
            {
                return Err((
                    key("signers"),
                    format!("signer `{name}`: every credential needs its environment variable"),
                ));
            }
        }
        if let Some(ib) = &p.inbound {
            let missing = match ib.verify {
                VerifyChoice::DiscordEd25519 if ib.public_key_env.trim().is_empty() => {
                    Some("discord-ed25519 needs public_key_env")
                }
                VerifyChoice::HeaderSecret
                    if ib.header.trim().is_empty() || ib.secret_env.trim().is_empty() =>
                {
                    Some("header-secret needs header and secret_env")
                }
                _ => None,
            };
            if let Some(why) = missing {
                return Err((key("inbound"), why.into()));
            }
            if ib.max_body_kb == 0 || ib.per_second == 0 || ib.deadline_ms == 0 {
                return Err((
                    key("inbound"),
                    "max_body_kb, per_second and deadline_ms must be above 0".into(),
                ));
            }
            if ingress.addr().is_none() {
                return Err((
                    key("inbound"),
                    "webhooks need the ingress: set [ingress] listen".into(),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn plugin(toml_text: &str) -> Result<PluginSection, String> {
        toml::from_str(toml_text).map_err(|e| e.to_string())
    }

    const BASE: &str = "name = \"x-bot\"\nwasm = \"x.wasm\"\n";

    #[test]
    fn signers_and_webhooks_parse_from_their_tables() {
        let p = plugin(&format!(
            "{BASE}[signers.x]\noauth1 = {{ consumer_key_env = \"A\", consumer_secret_env = \"B\", token_env = \"C\", token_secret_env = \"D\" }}\n[inbound]\nverify = \"discord-ed25519\"\npublic_key_env = \"PK\"\n"
        ))
        .unwrap();
        assert_eq!(p.signers["x"].oauth1.token_env, "C");
        let ib = p.inbound.clone().unwrap();
        assert_eq!(
            (ib.verify, ib.deadline_ms, ib.max_body_kb),
            (VerifyChoice::DiscordEd25519, 2_500, 64)
        );
        let ingress = IngressSection {
            listen: "127.0.0.1:9465".into(),
        };
        assert_eq!(validate(std::slice::from_ref(&p), &ingress), Ok(()));
        // Webhooks without an ingress are a mistake worth naming.
        let e = validate(&[p], &IngressSection::default()).unwrap_err();
        assert!(e.1.contains("[ingress] listen"), "{e:?}");
    }

    #[test]
    fn bad_names_verifiers_and_signers_are_refused() {
        let ingress = IngressSection {
            listen: "127.0.0.1:0".into(),
        };
        let bad_name = plugin("name = \"../etc\"\nwasm = \"x.wasm\"\n").unwrap();
        assert_eq!(
            validate(&[bad_name], &ingress).unwrap_err().0,
            "plugins[0].name"
        );
        let no_secret = plugin(&format!(
            "{BASE}[inbound]\nverify = \"header-secret\"\nheader = \"X-Telegram-Bot-Api-Secret-Token\"\n"
        ))
        .unwrap();
        assert!(
            validate(&[no_secret], &ingress)
                .unwrap_err()
                .1
                .contains("secret_env")
        );
        assert!(plugin(&format!("{BASE}[inbound]\nverify = \"hmac\"\n")).is_err());
        let empty_signer = plugin(&format!(
            "{BASE}[signers.x]\noauth1 = {{ consumer_key_env = \"\", consumer_secret_env = \"B\", token_env = \"C\", token_secret_env = \"D\" }}\n"
        ))
        .unwrap();
        assert_eq!(
            validate(&[empty_signer], &ingress).unwrap_err().0,
            "plugins[0].signers"
        );
        let topic = plugin(&format!("{BASE}publish_topics = [\"drafts ok\"]\n")).unwrap();
        assert!(validate(&[topic], &ingress).is_err());
        let listen = IngressSection {
            listen: "localhost".into(),
        };
        assert_eq!(validate(&[], &listen).unwrap_err().0, "ingress.listen");
    }

    #[test]
    fn a_gateway_names_known_intents_and_one_of_its_secrets() {
        let ingress = IngressSection::default();
        let base =
            "name = \"discord\"\nwasm = \"builtin:discord\"\nsecrets = { discord_token = \"T\" }\n";
        let p = plugin(&format!(
            "{base}[gateway]\nintents = [\"GUILD_MESSAGES\", \"message_content\"]\n"
        ))
        .unwrap();
        let g = p.gateway.clone().unwrap();
        assert_eq!(g.intent_bits(), Ok((1 << 9) | (1 << 15)));
        assert_eq!(
            g.events,
            ["MESSAGE_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE"]
        );
        assert!(g.url.starts_with("wss://gateway.discord.gg"));
        assert_eq!(validate(&[p], &ingress), Ok(()));
        for (extra, k) in [
            (
                "[gateway]\nintents = [\"GUILD_VOICE\"]\n",
                "plugins[0].gateway.intents",
            ),
            (
                "[gateway]\nintents = []\ntoken_secret = \"other\"\n",
                "plugins[0].gateway.token_secret",
            ),
            (
                "[gateway]\nintents = []\nurl = \"https://x\"\n",
                "plugins[0].gateway.url",
            ),
            (
                "[gateway]\nintents = []\nevents = [\"message create\"]\n",
                "plugins[0].gateway.events",
            ),
        ] {
            let p = plugin(&format!("{base}{extra}")).unwrap();
            assert_eq!(validate(&[p], &ingress).unwrap_err().0, k, "{extra}");
        }
        // Nobody else may speak as the gateway.
        let spoof = plugin(&format!("{BASE}publish_topics = [\"discord-gateway\"]\n")).unwrap();
        assert_eq!(
            validate(&[spoof], &ingress).unwrap_err().0,
            "plugins[0].publish_topics"
        );
        for reserved in ["host", "dashboard"] {
            let p = plugin(&format!("name = \"{reserved}\"\nwasm = \"x.wasm\"\n")).unwrap();
            assert_eq!(validate(&[p], &ingress).unwrap_err().0, "plugins[0].name");
        }
    }

    #[test]
    fn the_built_in_bots_are_known_by_name_and_others_are_refused() {
        let ingress = IngressSection::default();
        for b in BUILTIN_PLUGINS {
            let p = plugin(&format!("name = \"{b}\"\nwasm = \"builtin:{b}\"\n")).unwrap();
            assert_eq!(validate(&[p], &ingress), Ok(()));
        }
        let slack = plugin("name = \"s\"\nwasm = \"builtin:slack\"\n").unwrap();
        let e = validate(&[slack], &ingress).unwrap_err();
        assert!(e.1.contains("built in: telegram, discord"), "{e:?}");
    }
}
