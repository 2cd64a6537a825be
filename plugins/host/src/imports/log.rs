//! `log`: a plugin's lines in the host's log, under its name, cut to a length and rate.

use crate::wit::latest::Level;
use crate::wit::latest::kestrel::plugin::log;

use super::State;

/// Longest log line kept from a plugin.
const MAX_LOG: usize = 2_048;

impl log::Host for State {
    fn log(&mut self, level: Level, message: String) {
        if !self.may_log() {
            return;
        }
        let mut m = message;
        if m.len() > MAX_LOG {
            let mut cut = MAX_LOG;
            while !m.is_char_boundary(cut) {
                cut -= 1;
            }
            m.truncate(cut);
        }
        let name = &self.ctx.name;
        match level {
            Level::Debug => tracing::debug!(plugin = %name, "{m}"),
            Level::Info => tracing::info!(plugin = %name, "{m}"),
            Level::Warn => tracing::warn!(plugin = %name, "{m}"),
            Level::Error => tracing::error!(plugin = %name, "{m}"),
        }
    }
}
