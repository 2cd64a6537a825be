//! What the host reports of each plugin. Its own module because both the host, which answers
//! for it, and each plugin's supervising thread, which keeps it current, use it.

/// How a plugin is doing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginStatus {
    pub name: String,
    pub running: bool,
    pub starts: u64,
    pub restarts: u64,
    pub faults: u64,
    pub last_fault: Option<String>,
    /// Events and messages dropped because its queue was full.
    pub dropped: u64,
    pub http_requests: u64,
    pub http_denied: u64,
    pub commands: u64,
    pub commands_denied: u64,
    /// Log lines dropped over the per-second allowance.
    pub logs_dropped: u64,
}
