//! What a plugin is and what it may do: its component, its settings, its grants and limits,
//! and what the host as a whole is given (where storage lives, the ingress).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::oauth1::Credentials;
use crate::wit::latest::EventKinds;

/// Where the component comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginSource {
    /// A `.wasm` file, reloaded when it changes.
    File(PathBuf),
    /// Bytes bundled into the binary (the built-in plugins).
    Bytes(&'static [u8]),
}

/// Capabilities, granted per plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    /// Hosts the plugin may reach (exact names, lower case). Empty: no HTTP at all.
    pub http_hosts: Vec<String>,
    /// Secrets the host attaches (`{secret:NAME}` in a URL or header), only on requests to an
    /// allow-listed host. (name, value)
    pub secrets: Vec<(String, String)>,
    /// May send engine commands (buy, sell, pause, resume, kill).
    pub engine_commands: bool,
    /// May read positions, PnL and status.
    pub engine_views: bool,
    /// Events it may receive (it gets those it also subscribes to).
    pub events: EventKinds,
    /// Signers its requests may name: (name, how the host signs).
    pub signers: Vec<(String, Signer)>,
    /// Topics it may publish on, and topics it may receive.
    pub publish_topics: Vec<String>,
    pub subscribe_topics: Vec<String>,
    /// What the ingress checks before a request reaches it; none: no webhooks.
    pub inbound: Option<Inbound>,
    /// A Discord gateway connection the host holds for it; none: no gateway.
    pub gateway: Option<crate::gateway::Gateway>,
    /// Only launches the sniper's rules would take (see [`crate::PluginHost::publish_launch`]).
    pub sniper_launches_only: bool,
}

/// How the host signs a request that names a signer.
#[derive(Clone, PartialEq, Eq)]
pub enum Signer {
    /// OAuth 1.0a, HMAC-SHA1 (X's user context).
    OAuth1(Credentials),
}

// By hand: the credentials are secrets and stay out of logs.
impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signer::OAuth1(_) => f.write_str("OAuth1(..)"),
        }
    }
}

/// What the ingress verifies before a plugin sees a request.
#[derive(Clone, PartialEq, Eq)]
pub enum Verify {
    /// Discord's interactions: Ed25519 over `X-Signature-Timestamp` ‖ the raw body, with the
    /// application's public key (32 bytes), and the timestamp within the replay window.
    DiscordEd25519 { public_key: [u8; 32] },
    /// A header that must carry a shared secret (Telegram's
    /// `X-Telegram-Bot-Api-Secret-Token`), compared in constant time.
    HeaderSecret { header: String, secret: String },
    /// Nothing: any request reaches the plugin (for a plugin that checks for itself).
    None,
}

impl Verify {
    /// Discord's check with the application's public key, as the Developer Portal shows it
    /// (64 hex digits).
    pub fn discord_ed25519(public_key_hex: &str) -> Result<Self, String> {
        let public_key = crate::ingress::hex::<32>(public_key_hex)
            .ok_or("not an Ed25519 public key (64 hex digits)")?;
        ed25519_dalek::VerifyingKey::from_bytes(&public_key)
            .map_err(|_| "not a valid Ed25519 public key")?;
        Ok(Verify::DiscordEd25519 { public_key })
    }
}

impl std::fmt::Debug for Verify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verify::DiscordEd25519 { .. } => f.write_str("DiscordEd25519"),
            Verify::HeaderSecret { header, .. } => write!(f, "HeaderSecret({header})"),
            Verify::None => f.write_str("None"),
        }
    }
}

/// A plugin's webhooks: the check, and the limits the ingress holds it to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    pub verify: Verify,
    /// The largest body; a larger one is refused with 413 before it is read in full.
    pub max_body: usize,
    /// Requests a second; beyond, 429.
    pub per_second: u32,
    /// How long the plugin has to answer; then 503 and a fault counted.
    pub deadline: Duration,
    /// How far a signed timestamp may be from the host's clock (Discord).
    pub replay_window: Duration,
}

impl Inbound {
    pub fn new(verify: Verify) -> Self {
        Self {
            verify,
            max_body: 64 << 10,
            per_second: 20,
            // Discord wants a first answer within 3 s.
            deadline: Duration::from_millis(2_500),
            replay_window: Duration::from_secs(300),
        }
    }
}

/// What the host as a whole is given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostSettings {
    /// Where each plugin's store lives (`plugin-<name>.sqlite`); none: in memory, gone at exit.
    pub storage_dir: Option<PathBuf>,
    /// The ingress's address; none: no ingress.
    pub ingress: Option<SocketAddr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginLimits {
    /// Linear memory, bytes.
    pub memory: usize,
    /// The longest one call into the plugin may compute (time blocked in host calls, such as
    /// a long poll, does not count).
    pub call_deadline: Duration,
    /// Messages and events waiting for the plugin; beyond, new ones are dropped (and counted).
    pub queue: usize,
    /// HTTP: the longest request, the largest reply, requests per tick window.
    pub http_timeout: Duration,
    pub http_max_reply: usize,
    pub http_per_second: u32,
    /// Key-value store: bytes in all, keys and values, and writes (set, delete,
    /// compare-and-set) a second, which bounds the disk work one plugin can cause.
    pub kv_bytes: u64,
    pub kv_writes_per_second: u32,
    /// Topic messages it may publish a second, and the largest one.
    pub topic_per_second: u32,
    pub topic_max_bytes: usize,
    /// Launches it may receive a minute, whatever its filter asks.
    pub launches_per_minute: u32,
    /// How often `on-tick` is called.
    pub tick: Duration,
    /// Restart backoff: first and longest pause after a fault.
    pub restart_min: Duration,
    pub restart_max: Duration,
    /// The share of one core, in percent, a plugin may compute on average: after each call
    /// the plugin pauses in proportion to what the call computed. A bot's calls take tens
    /// of µs; a plugin that computes for long stops taking cores from the engine.
    pub cpu_percent: u8,
}

impl PluginLimits {
    /// The pause after a call that computed `used`, so that computing stays within
    /// `cpu_percent` of one core: `used × (100 − p) / p`.
    pub fn cooldown(&self, used: Duration) -> Duration {
        let p = u32::from(self.cpu_percent.clamp(1, 100));
        (used * (100 - p)) / p
    }
}

impl Default for PluginLimits {
    fn default() -> Self {
        Self {
            memory: 64 << 20,
            call_deadline: Duration::from_secs(1),
            queue: 256,
            http_timeout: Duration::from_secs(35),
            http_max_reply: 1 << 20,
            http_per_second: 30,
            kv_bytes: 1 << 20,
            kv_writes_per_second: 50,
            topic_per_second: 20,
            topic_max_bytes: 64 << 10,
            launches_per_minute: 60,
            tick: Duration::from_millis(200),
            restart_min: Duration::from_millis(200),
            restart_max: Duration::from_secs(30),
            cpu_percent: 10,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginSpec {
    pub name: String,
    pub source: PluginSource,
    /// Handed to `init` (no secrets here).
    pub settings: Vec<(String, String)>,
    pub grants: Grants,
    pub limits: PluginLimits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_after_a_call_keeps_the_plugin_within_its_share() {
        let at = |cpu_percent| PluginLimits {
            cpu_percent,
            ..PluginLimits::default()
        };
        let ms = Duration::from_millis;
        assert_eq!(at(10).cooldown(ms(1)), ms(9));
        assert_eq!(at(25).cooldown(ms(1_000)), ms(3_000));
        assert_eq!(at(100).cooldown(ms(5)), Duration::ZERO);
        // Out of range is clamped, never a division by zero.
        assert_eq!(at(0).cooldown(ms(1)), ms(99));
        assert_eq!(at(200).cooldown(ms(1)), Duration::ZERO);
    }
}
