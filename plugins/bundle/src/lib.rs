//! The guest plugins as bytes, built by this crate's build script for `wasm32-wasip2`.
//! The built-in Telegram, Discord and X bots are bundled into the `kestrel` binary from here, so a default run
//! needs no extra file; the probe is the sandbox tests' and benches' test plugin.

/// The Telegram bot (`plugins/telegram`).
pub const TELEGRAM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kestrel_telegram.wasm"));

/// The Discord bot (`plugins/discord`).
pub const DISCORD: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kestrel_discord.wasm"));

/// The X posting bot (`plugins/x`).
pub const X: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kestrel_x.wasm"));

/// The test plugin whose `mode` setting makes it polite or hostile (`plugins/testing/probe`).
pub const PROBE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kestrel_plugin_probe.wasm"));
