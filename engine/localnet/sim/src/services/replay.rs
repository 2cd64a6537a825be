//! Replays a recorded JSONL of notification frames (one websocket frame per line, as captured
//! from mainnet) to the cluster's subscribers, each frame re-addressed to the matching
//! subscriptions: logs frames to logs subscriptions (honouring `mentions` by the invoke lines),
//! program frames to subscriptions of the account's owner, slot frames to slot subscriptions.
//! Account frames carry no pubkey, so they cannot be matched and are skipped.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::cluster::{Cluster, Event, ReplayFrame};

/// Reads and checks a recording; a line that is not a notification frame is an error naming it.
pub fn load(path: &Path) -> Result<Vec<ReplayFrame>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Vec<ReplayFrame>, String> {
    let mut frames = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: invalid JSON: {e}", n + 1))?;
        let method = v
            .get("method")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("line {}: not a notification (no method)", n + 1))?;
        if !matches!(
            method,
            "logsNotification" | "accountNotification" | "programNotification" | "slotNotification"
        ) {
            return Err(format!("line {}: cannot replay {method}", n + 1));
        }
        let result = v
            .pointer("/params/result")
            .cloned()
            .ok_or_else(|| format!("line {}: no params.result", n + 1))?;
        frames.push(ReplayFrame {
            method: method.to_owned(),
            result,
        });
    }
    Ok(frames)
}

/// Sends the frames at `rate` per second (0: as fast as the broadcast takes them).
pub async fn run(
    frames: Vec<ReplayFrame>,
    rate: u32,
    cluster: Arc<Cluster>,
    mut stop: watch::Receiver<bool>,
) {
    let gap = (rate > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(rate)));
    for (i, frame) in frames.into_iter().enumerate() {
        if *stop.borrow() {
            return;
        }
        cluster.publish(Event::Replay(Arc::new(frame)));
        match gap {
            Some(g) => {
                tokio::select! {
                    _ = tokio::time::sleep(g) => {}
                    _ = stop.changed() => return,
                }
            }
            None if i % 256 == 255 => tokio::task::yield_now().await,
            None => {}
        }
    }
}
