//! Kestrel's configuration: one TOML file, parsed into typed sections and validated before
//! anything starts. Unknown keys, wrong types and out-of-range values are errors naming the
//! file, the key and the reason. Secrets never sit in the file: an endpoint's API key is a
//! `${VAR}` reference expanded from the environment, and the wallet is a keypair file named by
//! path or by an environment variable holding the path.

mod backtest;
mod dashboard;
mod endpoint;
mod error;
mod overrides;
mod plugins;
mod trading;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use backtest::{BacktestSection, MAX_LATENCY_SLOTS};
pub use dashboard::{DASHBOARD_TOKEN_ENV, DashboardSection};
pub use endpoint::{Endpoint, EndpointKind};
pub use error::ConfigError;
pub use overrides::Override;
pub use plugins::{
    BUILTIN_PLUGINS, GATEWAY_INTENTS, GATEWAY_TOPIC, GatewaySection, InboundSection,
    IngressSection, OAuth1Section, PLUGIN_EVENTS, PluginSection, SignerSection, VerifyChoice,
};
pub use trading::{
    EngineSection, ExecSection, ExitsSection, FeedClientChoice, FeedSection, GuardianSection,
    IdleChoice, JitoSection, JournalSection, LayoutChoice, Mode, NonceChoice, QuotesSection,
    ReentrySection, ReferenceChoice, RouteSection, Rule, SendVia, SniperSection, SyncChoice,
    TakeProfitLevel, ThreadsSection, TokenProgramChoice,
};

/// The built-in default: trade against the embedded local cluster (`config/kestrel.toml`).
pub const DEFAULT_TOML: &str = include_str!("../../../../config/kestrel.toml");
/// Where `kestrel` looks for its config when none is named.
pub const DEFAULT_PATH: &str = "config/kestrel.toml";

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub network: Network,
    #[serde(default)]
    pub sim: Sim,
    #[serde(default)]
    pub wallet: Wallet,
    #[serde(default)]
    pub engine: EngineSection,
    #[serde(default)]
    pub feed: FeedSection,
    #[serde(default)]
    pub threads: ThreadsSection,
    #[serde(default)]
    pub exec: ExecSection,
    #[serde(default)]
    pub sniper: SniperSection,
    #[serde(default)]
    pub quotes: QuotesSection,
    #[serde(default)]
    pub guardian: GuardianSection,
    #[serde(default)]
    pub exits: ExitsSection,
    #[serde(default)]
    pub reentry: ReentrySection,
    #[serde(default)]
    pub journal: JournalSection,
    #[serde(default)]
    pub route: RouteSection,
    #[serde(default)]
    pub jito: JitoSection,
    /// The listener for plugins' webhooks.
    #[serde(default)]
    pub ingress: IngressSection,
    /// The operator's web page.
    #[serde(default)]
    pub dashboard: DashboardSection,
    /// The simulated venue of `kestrel backtest`.
    #[serde(default)]
    pub backtest: BacktestSection,
    /// Chat and social bots (`[[plugins]]`).
    #[serde(default)]
    pub plugins: Vec<PluginSection>,
}

/// Which cluster to trade on and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// `sim` runs against the embedded local cluster; `remote` against the endpoints below.
    pub cluster: ClusterMode,
    #[serde(default)]
    pub commitment: Commitment,
    /// JSON-RPC endpoints (http/https), used for reads.
    #[serde(default)]
    pub rpc: Vec<Endpoint>,
    /// PubSub endpoints (ws/wss). Several race: the first copy of each event wins.
    #[serde(default)]
    pub ws: Vec<Endpoint>,
    /// Where transactions are sent, all at once; empty means the `rpc` endpoints.
    #[serde(default)]
    pub send: Vec<Endpoint>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterMode {
    Sim,
    Remote,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Commitment {
    Processed,
    #[default]
    Confirmed,
    Finalized,
}

/// The embedded local cluster (`kestrel sim`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sim {
    /// Address to bind; loopback unless you mean to expose it.
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub rpc_port: u16,
    pub ws_port: u16,
    /// Seed of the launch scenarios, for repeatable runs.
    pub seed: u64,
    /// Slot time in milliseconds (mainnet: 400).
    pub slot_ms: u64,
    /// Scenario file: launches and synthetic traders. None: a quiet cluster.
    pub scenario: Option<PathBuf>,
    /// Recorded notification frames (JSONL) to replay to subscribers.
    pub replay: Option<PathBuf>,
    /// Replay pace in frames per second (0: as fast as subscribers take them).
    pub replay_rate: u32,
    pub faults: SimFaults,
}

/// Failures the local cluster injects (all off by default). Rates are shares in 0..=1.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimFaults {
    /// Close every websocket this many ms after it opens (0: never).
    pub ws_drop_every_ms: u64,
    /// Chance per notification that its websocket is dropped instead.
    pub ws_drop_chance: f64,
    /// Refuse new connections from `refuse_from_ms` after start, for `refuse_for_ms`.
    pub refuse_from_ms: u64,
    pub refuse_for_ms: u64,
    /// Share of RPC requests answered HTTP 429 with Retry-After.
    pub rpc_429_rate: f64,
    pub retry_after_s: u64,
    /// Delay added to every notification, and to every RPC response.
    pub notify_delay_ms: u64,
    pub rpc_delay_ms: u64,
    /// Share of notifications sent twice.
    pub notify_duplicate_rate: f64,
}

impl Eq for SimFaults {}

impl Default for SimFaults {
    fn default() -> Self {
        Self {
            ws_drop_every_ms: 0,
            ws_drop_chance: 0.0,
            refuse_from_ms: 0,
            refuse_for_ms: 0,
            rpc_429_rate: 0.0,
            retry_after_s: 1,
            notify_delay_ms: 0,
            rpc_delay_ms: 0,
            notify_duplicate_rate: 0.0,
        }
    }
}

impl Default for Sim {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            rpc_port: 8899,
            ws_port: 8900,
            seed: 1,
            slot_ms: 400,
            scenario: None,
            replay: None,
            replay_rate: 0,
            faults: SimFaults::default(),
        }
    }
}

/// The trading wallet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Wallet {
    /// Solana CLI keypair file. Optional against the local cluster (a throwaway key is made).
    #[serde(default)]
    pub keypair: Option<KeypairSource>,
}

/// Where the keypair file is: named in the config, or in an environment variable.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum KeypairSource {
    /// `keypair = { file = "/path/to/id.json" }`
    File(PathBuf),
    /// `keypair = { path_env = "KESTREL_KEYPAIR" }`: the variable holds the file's path.
    PathEnv(String),
}

impl KeypairSource {
    /// The keypair file's path. The key itself is read (and its permissions checked) by the
    /// signer, never here.
    pub fn path(&self) -> Result<PathBuf, ConfigError> {
        match self {
            Self::File(p) => Ok(p.clone()),
            Self::PathEnv(var) => {
                std::env::var_os(var)
                    .map(PathBuf::from)
                    .ok_or_else(|| ConfigError::Env {
                        key: "wallet.keypair.path_env".into(),
                        var: var.clone(),
                    })
            }
        }
    }
}

pub const MIN_SLOT_MS: u64 = 1;
pub const MAX_SLOT_MS: u64 = 60_000;
pub const MAX_ENDPOINTS: usize = 16;

impl Config {
    /// Parses and validates TOML text; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let de = toml::Deserializer::parse(text)
            .map_err(|e| ConfigError::parse(origin, text, "", &e))?;
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            ConfigError::parse(origin, text, &key, e.inner())
        })?;
        config
            .validate()
            .map_err(|(key, reason)| ConfigError::Invalid {
                origin: origin.to_owned(),
                key,
                reason,
            })?;
        Ok(config)
    }

    /// Parses TOML text, applies `sets` (`--set section.key=value`, in order), then types and
    /// validates the result as [`Config::from_toml`] does.
    pub fn from_toml_with(
        text: &str,
        origin: &str,
        sets: &[Override],
    ) -> Result<Self, ConfigError> {
        if sets.is_empty() {
            return Self::from_toml(text, origin);
        }
        let mut table: toml::Table = text
            .parse()
            .map_err(|e| ConfigError::parse(origin, text, "", &e))?;
        for s in sets {
            s.apply(&mut table)?;
        }
        let origin = format!("{origin} with --set");
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                ConfigError::Invalid {
                    origin: origin.clone(),
                    key: e.path().to_string(),
                    reason: e.inner().message().trim().to_owned(),
                }
            })?;
        config
            .validate()
            .map_err(|(key, reason)| ConfigError::Invalid {
                origin,
                key,
                reason,
            })?;
        Ok(config)
    }

    /// [`Config::resolve`], then `sets` applied.
    pub fn resolve_with(
        explicit: Option<&Path>,
        sets: &[Override],
    ) -> Result<(Self, String), ConfigError> {
        let (text, origin) = match explicit {
            Some(path) => (read(path)?, path.display().to_string()),
            None if Path::new(DEFAULT_PATH).exists() => {
                (read(Path::new(DEFAULT_PATH))?, DEFAULT_PATH.to_owned())
            }
            None => (DEFAULT_TOML.to_owned(), "built-in default".to_owned()),
        };
        Self::from_toml_with(&text, &origin, sets).map(|c| (c, origin))
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::from_toml(&read(path)?, &path.display().to_string())
    }

    /// The built-in default config.
    pub fn builtin() -> Result<Self, ConfigError> {
        Self::from_toml(DEFAULT_TOML, "<built-in config/kestrel.toml>")
    }

    /// Which config a command runs with: the named file, else [`DEFAULT_PATH`] if present,
    /// else the built-in default. Returns the config and where it came from.
    pub fn resolve(explicit: Option<&Path>) -> Result<(Self, String), ConfigError> {
        match explicit {
            Some(path) => Self::load(path).map(|c| (c, path.display().to_string())),
            None if Path::new(DEFAULT_PATH).exists() => {
                Self::load(Path::new(DEFAULT_PATH)).map(|c| (c, DEFAULT_PATH.to_owned()))
            }
            None => Self::builtin().map(|c| (c, "built-in default".to_owned())),
        }
    }

    /// Where transactions go: `network.send`, or the RPC endpoints when it is empty.
    pub fn send_endpoints(&self) -> &[Endpoint] {
        if self.network.send.is_empty() {
            &self.network.rpc
        } else {
            &self.network.send
        }
    }

    /// The config as TOML with every secret redacted: what `kestrel config check` prints.
    pub fn to_redacted_toml(&self) -> String {
        // Endpoint's Serialize is the redacted form; nothing else holds secret values.
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }

    fn validate(&self) -> Result<(), (String, String)> {
        let n = &self.network;
        for (name, list, kind) in [
            ("rpc", &n.rpc, EndpointKind::Http),
            ("ws", &n.ws, EndpointKind::Ws),
            ("send", &n.send, EndpointKind::Http),
        ] {
            if list.len() > MAX_ENDPOINTS {
                return Err((
                    format!("network.{name}"),
                    format!("{} endpoints; at most {MAX_ENDPOINTS}", list.len()),
                ));
            }
            for (i, ep) in list.iter().enumerate() {
                ep.check_kind(kind)
                    .map_err(|reason| (format!("network.{name}[{i}]"), reason))?;
            }
        }
        if n.cluster == ClusterMode::Remote {
            if n.rpc.is_empty() {
                return Err((
                    "network.rpc".into(),
                    "a remote cluster needs at least one RPC endpoint".into(),
                ));
            }
            if n.ws.is_empty() {
                return Err((
                    "network.ws".into(),
                    "a remote cluster needs at least one websocket endpoint".into(),
                ));
            }
            if self.wallet.keypair.is_none() {
                return Err((
                    "wallet.keypair".into(),
                    "a remote cluster needs a keypair: { file = \"…\" } or { path_env = \"…\" }"
                        .into(),
                ));
            }
        }
        if !(MIN_SLOT_MS..=MAX_SLOT_MS).contains(&self.sim.slot_ms) {
            return Err((
                "sim.slot_ms".into(),
                format!(
                    "{} is out of range {MIN_SLOT_MS}..={MAX_SLOT_MS}",
                    self.sim.slot_ms
                ),
            ));
        }
        let f = &self.sim.faults;
        for (key, rate) in [
            ("ws_drop_chance", f.ws_drop_chance),
            ("rpc_429_rate", f.rpc_429_rate),
            ("notify_duplicate_rate", f.notify_duplicate_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err((
                    format!("sim.faults.{key}"),
                    format!("{rate} is out of range 0..=1"),
                ));
            }
        }
        if self.sim.rpc_port != 0 && self.sim.rpc_port == self.sim.ws_port {
            return Err((
                "sim.ws_port".into(),
                format!("{} is also sim.rpc_port", self.sim.ws_port),
            ));
        }
        self.validate_trading()?;
        if let Some(KeypairSource::PathEnv(var)) = &self.wallet.keypair
            && !endpoint::is_env_name(var)
        {
            return Err((
                "wallet.keypair.path_env".into(),
                format!("`{var}` is not an environment variable name"),
            ));
        }
        Ok(())
    }
}

impl Config {
    fn validate_trading(&self) -> Result<(), (String, String)> {
        let e = &self.engine;
        if !e.control.is_empty() && e.control_addr().is_none() {
            return Err((
                "engine.control".into(),
                format!("`{}` is not an address like 127.0.0.1:9464", e.control),
            ));
        }
        if e.queue_capacity == 0 || e.queue_capacity > 1 << 24 {
            return Err((
                "engine.queue_capacity".into(),
                format!("{} is out of range 1..=16777216", e.queue_capacity),
            ));
        }
        let f = &self.feed;
        if f.backoff_min_ms == 0 || f.backoff_min_ms > f.backoff_max_ms {
            return Err((
                "feed.backoff_min_ms".into(),
                "need 0 < backoff_min_ms <= backoff_max_ms".into(),
            ));
        }
        let x = &self.exec;
        for (key, v, lo, hi) in [
            (
                "exec.buy_cu_limit",
                u64::from(x.buy_cu_limit),
                10_000,
                1_400_000,
            ),
            (
                "exec.sell_cu_limit",
                u64::from(x.sell_cu_limit),
                10_000,
                1_400_000,
            ),
            (
                "exec.blockhash_refresh_ms",
                x.blockhash_refresh_ms,
                50,
                30_000,
            ),
            (
                "exec.balance_refresh_ms",
                x.balance_refresh_ms,
                100,
                600_000,
            ),
            ("exec.confirm_poll_ms", x.confirm_poll_ms, 10, 60_000),
            ("exec.resend_ms", x.resend_ms, 10, 60_000),
            ("exec.protocol_fee_bps", x.protocol_fee_bps, 0, 10_000),
            ("exec.creator_fee_bps", x.creator_fee_bps, 0, 10_000),
            ("sniper.slippage_bps", self.sniper.slippage_bps, 0, 10_000),
            (
                "guardian.max_slippage_bps",
                self.guardian.max_slippage_bps,
                0,
                10_000,
            ),
            (
                "guardian.sell_slippage_bps",
                self.guardian.sell_slippage_bps,
                0,
                10_000,
            ),
            ("exits.stop_loss_bps", self.exits.stop_loss_bps, 0, 9_999),
            ("exits.trailing_bps", self.exits.trailing_bps, 0, 9_999),
            (
                "exits.liquidity_drain_bps",
                self.exits.liquidity_drain_bps,
                0,
                10_000,
            ),
            ("reentry.slippage_bps", self.reentry.slippage_bps, 0, 10_000),
            (
                "reentry.size_scale_bps",
                self.reentry.size_scale_bps,
                1,
                100_000,
            ),
            (
                "reentry.max_watched",
                u64::from(self.reentry.max_watched),
                0,
                100_000,
            ),
        ] {
            if !(lo..=hi).contains(&v) {
                return Err((key.into(), format!("{v} is out of range {lo}..={hi}")));
            }
        }
        for (i, tp) in self.exits.take_profit.iter().enumerate() {
            if tp.gain_bps == 0 || !(1..=100).contains(&tp.sell_percent) {
                return Err((
                    format!("exits.take_profit[{i}]"),
                    "needs gain_bps above 0 and sell_percent within 1..=100".into(),
                ));
            }
        }
        if self.exits.take_profit.len() > 8 {
            return Err(("exits.take_profit".into(), "at most 8 levels".into()));
        }
        if self.exits.trailing_bps > 0 && self.exits.trailing_arm_bps == 0 {
            return Err((
                "exits.trailing_arm_bps".into(),
                "must be above 0 when trailing_bps is set".into(),
            ));
        }
        if self.reentry.enabled && self.reentry.buy_lamports == 0 {
            return Err(("reentry.buy_lamports".into(), "must be above 0".into()));
        }
        if self.journal.enabled && self.journal.dir.trim().is_empty() {
            return Err(("journal.dir".into(), "is empty".into()));
        }
        let r = &self.route;
        if let Some(u) = &r.jupiter_url
            && let Err(e) = u.check_kind(EndpointKind::Http)
        {
            return Err(("route.jupiter_url".into(), e));
        }
        if r.slippage_bps > r.max_slippage_bps {
            return Err((
                "route.slippage_bps".into(),
                format!("is above route.max_slippage_bps ({})", r.max_slippage_bps),
            ));
        }
        for (key, v) in [
            ("route.max_slippage_bps", r.max_slippage_bps),
            ("route.max_price_impact_bps", r.max_price_impact_bps),
        ] {
            if v > 10_000 {
                return Err((key.into(), "must be at most 10000".into()));
            }
        }
        if r.refresh_ms == 0 || r.cu_limit == 0 {
            return Err((
                "route.refresh_ms".into(),
                "refresh_ms and cu_limit must be above 0".into(),
            ));
        }
        let j = &self.jito;
        if j.tip_lamports < 1_000 {
            return Err((
                "jito.tip_lamports".into(),
                format!(
                    "{} is under Jito's minimum tip of 1000 lamports",
                    j.tip_lamports
                ),
            ));
        }
        if j.requests_per_second == 0 {
            return Err(("jito.requests_per_second".into(), "must be above 0".into()));
        }
        for url in &j.block_engines {
            if let Err(e) = url.check_kind(EndpointKind::Http) {
                return Err(("jito.block_engines".into(), e));
            }
        }
        plugins::validate(&self.plugins, &self.ingress)?;
        self.dashboard.validate()?;
        self.backtest.validate()?;
        if j.send_via != SendVia::Rpc
            && j.block_engines.is_empty()
            && self.network.cluster == ClusterMode::Remote
        {
            return Err((
                "jito.block_engines".into(),
                "is empty: sending through Jito needs at least one block engine".into(),
            ));
        }
        let s = &self.sniper;
        for (i, q) in s.quote_mints.iter().enumerate() {
            if q.eq_ignore_ascii_case("sol") {
                continue;
            }
            if !q.eq_ignore_ascii_case("usdc") {
                return Err((
                    format!("sniper.quote_mints[{i}]"),
                    format!("`{q}`: Kestrel trades coins quoted in SOL or USDC"),
                ));
            }
            // A USDC coin is sized in USDC and held to the SOL limits at a stated price.
            if s.buy_usdc_units == 0 {
                return Err((
                    "sniper.buy_usdc_units".into(),
                    "must be above 0 when quote_mints includes USDC".into(),
                ));
            }
            if self.quotes.usdc_per_sol == 0 {
                return Err((
                    "quotes.usdc_per_sol".into(),
                    "must be set when quote_mints includes USDC: the guardian's limits are in SOL and count a USDC coin at this price".into(),
                ));
            }
        }
        if s.buy_lamports == 0 {
            return Err(("sniper.buy_lamports".into(), "must be above 0".into()));
        }
        if s.creator_buy_max_lamports != 0
            && s.creator_buy_min_lamports > s.creator_buy_max_lamports
        {
            return Err((
                "sniper.creator_buy_min_lamports".into(),
                "is above creator_buy_max_lamports".into(),
            ));
        }
        for (key, list) in [
            ("sniper.creator_allow", &s.creator_allow),
            ("sniper.creator_deny", &s.creator_deny),
            (
                "guardian.blacklisted_mints",
                &self.guardian.blacklisted_mints,
            ),
            (
                "guardian.blacklisted_creators",
                &self.guardian.blacklisted_creators,
            ),
        ] {
            for (i, k) in list.iter().enumerate() {
                trading::check_pubkey(k).map_err(|r| (format!("{key}[{i}]"), r))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
