//! Recording the feeds as the engine runs them (`kestrel run --record`, `kestrel record`, the
//! e2e harness): a capture whose header names the feeds' endpoints and the trading wallet,
//! its writer thread at background priority so compressing never preempts the hot thread.

use std::path::Path;

use kestrel_capture::{Header, Recorder, Recording, WriteError};
use kestrel_feed::FeedConfig;

/// Starts recording `feed`'s endpoints into `path` (a new file past `max_bytes`; 0: never);
/// `wallet`: the one trading while it records (base58), if any. Set the returned recorder
/// as `feed.recorder`; finish the recording after the feeds stop.
pub fn start(
    path: &Path,
    feed: &FeedConfig,
    max_bytes: u64,
    wallet: Option<String>,
) -> Result<(Recorder, Recording), WriteError> {
    let header = Header {
        endpoints: feed.endpoints.iter().map(|e| e.name.clone()).collect(),
        started_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        writer: format!("kestrel {}", env!("CARGO_PKG_VERSION")),
        wallet,
    };
    Recorder::start_with(path, header, max_bytes, || {
        crate::threads::background("recorder");
    })
}
