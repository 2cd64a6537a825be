//! `http`: outbound requests, checked (`crate::http::check`), signed if they name a granted
//! signer, and made by the host on its I/O runtime while the plugin's thread waits (waiting
//! is not computing: the deadline does not count it).

use std::sync::atomic::Ordering::Relaxed;

use crate::wit::latest::kestrel::plugin::http;
use crate::wit::latest::{HttpError, HttpRequest, HttpResponse};

use super::State;

impl http::Host for State {
    fn send(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let ctx = self.ctx.clone();
        let checked = match crate::http::check(&request, &ctx.grants, &ctx.limits) {
            Ok(c) => c,
            Err(e) => {
                ctx.counters.http_denied.fetch_add(1, Relaxed);
                if self.may_log() {
                    tracing::warn!(plugin = %ctx.name, "HTTP refused: {e:?}");
                }
                return Err(e);
            }
        };
        if !self.rate.take() {
            ctx.counters.http_denied.fetch_add(1, Relaxed);
            return Err(HttpError::Busy);
        }
        ctx.counters.http_requests.fetch_add(1, Relaxed);
        let max = ctx.limits.http_max_reply;
        ctx.io
            .block_on(crate::http::send(&ctx.client, checked, max))
    }
}
