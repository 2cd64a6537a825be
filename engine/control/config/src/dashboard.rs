//! `[dashboard]`: the operator's web page, served by `kestrel run` off the hot path. Its
//! token is never in the file: `KESTREL_DASHBOARD_TOKEN` in the environment unlocks the
//! controls, and a listener off loopback without it is refused at start (by the binary,
//! which reads the environment).

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The environment variable holding the operator's token.
pub const DASHBOARD_TOKEN_ENV: &str = "KESTREL_DASHBOARD_TOKEN";

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardSection {
    /// `127.0.0.1:9466`; empty: no dashboard. Plain HTTP: put TLS in a reverse proxy in front
    /// of anything but loopback.
    pub listen: String,
}

impl DashboardSection {
    pub fn addr(&self) -> Option<SocketAddr> {
        self.listen.trim().parse().ok()
    }

    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        if !self.listen.trim().is_empty() && self.addr().is_none() {
            return Err((
                "dashboard.listen".into(),
                format!(
                    "`{}` is not an address like 127.0.0.1:9466 (empty: no dashboard)",
                    self.listen
                ),
            ));
        }
        Ok(())
    }
}
