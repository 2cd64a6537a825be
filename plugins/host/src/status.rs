//! What the host reports of each plugin. Its own module because both the host, which answers
//! for it, and each plugin's supervising thread, which keeps it current, use it.

/// How a plugin is doing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginStatus {
    pub name: String,
    pub running: bool,
    /// The interface version its component was built against ("0.1.0", "0.2.0").
    pub version: String,
    pub starts: u64,
    pub restarts: u64,
    pub faults: u64,
    /// Its linear memories now, bytes (what it grew to; a restart starts again).
    pub memory_bytes: u64,
    pub last_fault: Option<String>,
    /// Events and messages dropped because its queue was full.
    pub dropped: u64,
    pub http_requests: u64,
    pub http_denied: u64,
    pub commands: u64,
    pub commands_denied: u64,
    /// Log lines dropped over the per-second allowance.
    pub logs_dropped: u64,
    /// Storage: bytes used, and writes refused.
    pub kv_bytes: u64,
    pub kv_refused: u64,
    /// Topic messages published, and publications refused.
    pub topics_published: u64,
    pub topics_denied: u64,
    /// Webhooks handed to it, refused before it saw them (signature, secret, size, rate),
    /// and answered with 503 because it missed its deadline (each also counted a fault).
    pub webhooks: u64,
    pub webhooks_refused: u64,
    pub webhooks_late: u64,
    /// Launches its filter or the host's cap held back.
    pub launches_held: u64,
    /// CPU time its calls computed since the host started, ns.
    pub cpu_ns: u64,
    /// Work waiting in its queue now.
    pub queued: u64,
}
