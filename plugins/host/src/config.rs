//! What a plugin is and what it may do: its component, its settings, its grants and limits.

use std::path::PathBuf;
use std::time::Duration;

use crate::bindings::EventKinds;

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
    /// Key-value store: bytes in all.
    pub kv_bytes: usize,
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
