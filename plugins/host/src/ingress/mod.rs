//! The ingress: an HTTP/1.1 listener on a thread of its own in the idle scheduling class
//! (never the engine's, never a plugin's) that routes `POST /hooks/<plugin>/<path>` to that plugin's `on-webhook` and
//! sends back its answer. Before a plugin sees anything the host enforces what config
//! declares for it: the check (`verify`), a body-size cap (413), a rate (429), a bound on
//! requests waiting for it (503), and a deadline: a plugin that misses it gets the request
//! answered with 503 and a fault counted. Unknown plugins, plugins without webhooks and other
//! paths answer 404; other methods 405. Plain HTTP: TLS belongs to a reverse proxy in front.

mod verify;

pub(crate) use verify::hex;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;

use crate::config::Inbound;
use crate::http::Rate;
use crate::mailbox::{Mailboxes, Work};
use crate::wit::latest::{WebhookRequest, WebhookResponse};

/// Requests that may wait on one plugin at once; beyond, 503 at once.
const MAX_WAITING: u32 = 16;
/// Headers handed to a plugin, and the largest answer it may give.
const MAX_HEADERS: usize = 64;
const MAX_ANSWER: usize = 1 << 20;

struct Route {
    inbound: Inbound,
    rate: Mutex<Rate>,
    waiting: AtomicU32,
}

struct Routes {
    by_name: HashMap<String, Route>,
    mailboxes: Arc<Mailboxes>,
}

pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl Running {
    pub(crate) fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// Binds `addr` and serves the plugins in `inbound` on a new thread.
pub(crate) fn start(
    addr: SocketAddr,
    mailboxes: Arc<Mailboxes>,
    inbound: Vec<(String, Inbound)>,
) -> Result<Running, String> {
    let listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("{addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let routes = Arc::new(Routes {
        by_name: inbound
            .into_iter()
            .map(|(name, inbound)| {
                let rate = Mutex::new(Rate::new(inbound.per_second));
                (
                    name,
                    Route {
                        inbound,
                        rate,
                        waiting: AtomicU32::new(0),
                    },
                )
            })
            .collect(),
        mailboxes,
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Result<(), String>>(1);
    let thread = std::thread::Builder::new()
        .name("kestrel-ingress".into())
        .spawn(move || {
            // Like the plugins it serves: only CPU the engine does not want. A flood of
            // requests costs this thread, never the hot path.
            if !crate::host::lower_priority() {
                tracing::debug!("the ingress keeps the normal scheduling class");
            }
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let app = axum::Router::new().fallback(handle).with_state(routes);
                let served = axum::serve(listener, app).with_graceful_shutdown(async {
                    let _ = stopped.await;
                });
                if let Err(e) = served.await {
                    tracing::warn!("ingress stopped: {e}");
                }
            });
        })
        .map_err(|e| e.to_string())?;
    match ready_rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err("the ingress thread ended before serving".into()),
    }
    tracing::info!(%addr, "ingress listening");
    Ok(Running { addr, stop, thread })
}

fn answer(status: StatusCode, text: &str) -> Response {
    let mut r = Response::new(Body::from(format!("{text}\n")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// `/hooks/<plugin>[/<path>]` → (plugin, path from its `/`).
fn split(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/hooks/")?;
    let (name, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    (!name.is_empty()).then_some((name, tail))
}

fn now_secs() -> u64 {
    crate::imports::now_ms() / 1_000
}

/// A request in; the plugin's answer (or the host's refusal) out.
async fn handle(State(routes): State<Arc<Routes>>, req: Request) -> Response {
    let uri = req.uri().clone();
    let Some((name, path)) = split(uri.path()) else {
        return answer(StatusCode::NOT_FOUND, "not found");
    };
    let (Some(route), Some(mailbox)) = (routes.by_name.get(name), routes.mailboxes.get(name))
    else {
        return answer(StatusCode::NOT_FOUND, "no such hook");
    };
    let shared = &mailbox.shared;
    let refuse = |status: StatusCode, why: &str| {
        shared.webhooks_refused.fetch_add(1, Relaxed);
        answer(status, why)
    };
    if req.method() != Method::POST {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "POST only");
    }
    let taken = route
        .rate
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if !taken {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many requests");
    }
    let max = route.inbound.max_body;
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
    }
    let (path, query) = (path.to_owned(), uri.query().unwrap_or("").to_owned());
    let method = req.method().as_str().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .take(MAX_HEADERS)
        .collect();
    let body = match to_bytes(req.into_body(), max).await {
        Ok(b) => b.to_vec(),
        Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
    };
    if let Err(why) = verify::check(
        &route.inbound.verify,
        route.inbound.replay_window,
        &headers,
        &body,
        now_secs(),
    ) {
        tracing::debug!(plugin = name, "webhook refused: {why:?}");
        return refuse(StatusCode::UNAUTHORIZED, "invalid request signature");
    }
    if route.waiting.fetch_add(1, Relaxed) >= MAX_WAITING {
        route.waiting.fetch_sub(1, Relaxed);
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "busy");
    }
    let r = deliver(
        route,
        mailbox,
        WebhookRequest {
            method,
            path,
            query,
            headers,
            body,
        },
    )
    .await;
    route.waiting.fetch_sub(1, Relaxed);
    r
}

async fn deliver(
    route: &Route,
    mailbox: &crate::mailbox::Mailbox,
    request: WebhookRequest,
) -> Response {
    let shared = &mailbox.shared;
    let (tx, rx) = tokio::sync::oneshot::channel();
    if mailbox.offer(Work::Webhook(request, tx)).is_err() {
        shared.webhooks_refused.fetch_add(1, Relaxed);
        return answer(StatusCode::SERVICE_UNAVAILABLE, "busy");
    }
    shared.webhooks.fetch_add(1, Relaxed);
    match tokio::time::timeout(route.inbound.deadline, rx).await {
        Ok(Ok(Some(a))) => to_response(a),
        // Built against a version without webhooks.
        Ok(Ok(None)) => answer(StatusCode::NOT_FOUND, "no such hook"),
        // Dropped unanswered: the plugin faulted, or is restarting.
        Ok(Err(_)) => answer(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        Err(_) => {
            shared.webhooks_late.fetch_add(1, Relaxed);
            let mut s = shared.status();
            s.faults += 1;
            s.last_fault = Some(format!(
                "a webhook was not answered within {} ms (503)",
                route.inbound.deadline.as_millis()
            ));
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "the plugin did not answer in time",
            )
        }
    }
}

/// The plugin's answer as HTTP; headers the server sets, or that do not parse, are dropped.
fn to_response(a: WebhookResponse) -> Response {
    let Ok(status) = StatusCode::from_u16(a.status) else {
        return answer(
            StatusCode::BAD_GATEWAY,
            "the plugin answered an invalid status",
        );
    };
    if a.body.len() > MAX_ANSWER {
        return answer(StatusCode::BAD_GATEWAY, "the plugin's answer is too large");
    }
    let mut r = Response::new(Body::from(a.body));
    *r.status_mut() = status;
    for (n, v) in a.headers.iter().take(MAX_HEADERS) {
        let lower = n.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "upgrade"
        ) {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(lower),
            HeaderValue::try_from(v.as_str()),
        ) {
            r.headers_mut().append(n, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_paths_name_the_plugin_and_keep_the_rest() {
        assert_eq!(
            split("/hooks/discord/interactions"),
            Some(("discord", "/interactions"))
        );
        assert_eq!(split("/hooks/telegram"), Some(("telegram", "/")));
        assert_eq!(split("/hooks/x/a/b"), Some(("x", "/a/b")));
        assert_eq!(split("/hooks/"), None);
        assert_eq!(split("/other"), None);
    }

    #[test]
    fn a_plugins_invalid_status_or_framing_headers_never_reach_the_caller() {
        let r = to_response(WebhookResponse {
            status: 42,
            headers: vec![],
            body: vec![],
        });
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
        let r = to_response(WebhookResponse {
            status: 200,
            headers: vec![
                ("Content-Length".into(), "999".into()),
                ("content-type".into(), "application/json".into()),
                ("bad header".into(), "x".into()),
                ("x-ok".into(), "line\nbreak".into()),
            ],
            body: b"{}".to_vec(),
        });
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers().len(), 1);
        assert_eq!(r.headers()["content-type"], "application/json");
    }
}
