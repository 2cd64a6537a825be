//! Who may change anything: the operator's token (`KESTREL_DASHBOARD_TOKEN`), exchanged at
//! `/api/login` for a session cookie (HttpOnly, SameSite=Strict, random, held in memory), and
//! a CSRF token the page sends back in `X-CSRF-Token` with every POST that changes something.
//! Reading needs neither. Failed logins are slowed to a few a minute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::Board;

pub const COOKIE: &str = "kestrel_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session lasts this long.
const SESSION_LIFE: Duration = Duration::from_secs(12 * 3_600);
/// Failed logins allowed a minute.
const FAILURES_PER_MINUTE: usize = 5;
/// Sessions held at once.
const MAX_SESSIONS: usize = 64;

#[derive(Default)]
pub struct Sessions {
    /// session id → (CSRF token, when it was made).
    open: Mutex<HashMap<String, (String, Instant)>>,
    /// Failed sign-ins by client address: one client's guesses lock out only that client.
    failures: Mutex<HashMap<std::net::IpAddr, Vec<Instant>>>,
}

/// Clients whose failures are remembered, at most.
const MAX_CLIENTS: usize = 1_024;

fn random_hex(bytes: usize) -> Option<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

impl Sessions {
    /// The session's CSRF token, if the cookie names a live session.
    pub fn csrf_of(&self, headers: &HeaderMap) -> Option<String> {
        let id = session_id(headers)?;
        let mut open = self.open.lock().ok()?;
        open.retain(|_, (_, at)| at.elapsed() < SESSION_LIFE);
        open.get(&id).map(|(csrf, _)| csrf.clone())
    }

    /// Whether the request comes from a signed-in session and carries its CSRF token.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
        let Some(csrf) = self.csrf_of(headers) else {
            return Err((
                StatusCode::UNAUTHORIZED,
                "sign in with the operator's token first",
            ));
        };
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !same(sent.as_bytes(), csrf.as_bytes()) {
            return Err((StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token"));
        }
        same_site(headers)
    }
}

/// A browser names the page that sent a cross-site request (`Origin`): it must be this one.
pub fn same_site(headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let ok = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, h)| host.to_str().is_ok_and(|host| host == h));
        if !ok {
            return Err((StatusCode::FORBIDDEN, "a request from another site"));
        }
    }
    Ok(())
}

impl Sessions {}

fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

/// `GET /api/session`: whether this browser is signed in, and its CSRF token if so.
pub async fn session(State(b): State<Arc<Board>>, headers: HeaderMap) -> Json<Value> {
    let csrf = b.sessions.csrf_of(&headers);
    Json(json!({
        "signed_in": csrf.is_some(),
        "csrf": csrf,
        "controls": b.setup.token.is_some(),
    }))
}

/// `POST /api/login` with `{"token": "…"}` (JSON, from this site).
pub async fn login(
    State(b): State<Arc<Board>>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // A form another page posts cannot send JSON without asking first (CORS), nor this Origin.
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "sign in with a JSON body",
        );
    }
    if let Err((status, msg)) = same_site(&headers) {
        return error(status, msg);
    }
    let ip = client.ip();
    let Some(token) = &b.setup.token else {
        return error(
            StatusCode::FORBIDDEN,
            "the controls are off: start kestrel with KESTREL_DASHBOARD_TOKEN set",
        );
    };
    {
        let Ok(mut all) = b.sessions.failures.lock() else {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "try again");
        };
        all.retain(|_, f| {
            f.retain(|at| at.elapsed() < Duration::from_secs(60));
            !f.is_empty()
        });
        if all.get(&ip).is_some_and(|f| f.len() >= FAILURES_PER_MINUTE) {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many failed sign-ins: wait a minute",
            );
        }
    }
    let sent = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["token"].as_str().map(str::to_owned))
        .unwrap_or_default();
    if !same(sent.as_bytes(), token.as_bytes()) {
        if let Ok(mut all) = b.sessions.failures.lock()
            && (all.len() < MAX_CLIENTS || all.contains_key(&ip))
        {
            all.entry(ip).or_default().push(Instant::now());
        }
        tracing::warn!("dashboard: a failed sign-in");
        return error(StatusCode::UNAUTHORIZED, "that is not the operator's token");
    }
    let (Some(id), Some(csrf)) = (random_hex(32), random_hex(16)) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no randomness for a session",
        );
    };
    if let Ok(mut open) = b.sessions.open.lock() {
        if open.len() >= MAX_SESSIONS
            && let Some(oldest) = open
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
        {
            open.remove(&oldest);
        }
        open.insert(id.clone(), (csrf.clone(), Instant::now()));
    }
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_LIFE.as_secs()
    );
    let mut r = Json(json!({ "signed_in": true, "csrf": csrf })).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `POST /api/logout`: the session ends.
pub async fn logout(State(b): State<Arc<Board>>, headers: HeaderMap) -> Response {
    if let Err((status, msg)) = b.sessions.check(&headers) {
        return error(status, msg);
    }
    if let (Some(id), Ok(mut open)) = (session_id(&headers), b.sessions.open.lock()) {
        open.remove(&id);
    }
    let mut r = Json(json!({ "signed_in": false })).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("kestrel_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kestrel_session=abc; b=2"),
        );
        assert_eq!(session_id(&h).as_deref(), Some("abc"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
    }
}
