//! What the host's integration tests share: a message from a chat, and waiting for a
//! condition with a deadline.

use std::time::{Duration, Instant};

use kestrel_plugin_host::latest::Inbound;

/// A message from user 1 in chat 1.
pub(crate) fn msg(text: &str) -> Inbound {
    Inbound {
        chat: "1".into(),
        user: "1".into(),
        text: text.into(),
    }
}

/// Polls `cond` every 20 ms; panics naming `what` after 30 s.
pub(crate) fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}
