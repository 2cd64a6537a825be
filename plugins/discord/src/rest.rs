//! Discord's REST API as the host reaches it, with Discord's rate limits kept on our side
//! (FACTS §6.3): per-route buckets learnt from `X-RateLimit-*` headers, a 429's
//! `retry_after` (per bucket, or for everything when `global`), the global 50 requests a
//! second, and a budget of invalid requests (401, 403, and 429 other than `shared`) far below
//! the 10,000 per 10 minutes that gets an IP banned. A call that would break a limit is not
//! sent: the caller gets [`RestError::Wait`] with the time it may try again and keeps its
//! work. Interaction routes (callbacks and follow-ups) are exempt from the global limit. The
//! bot token is the host's secret `discord_token`, written `{secret:discord_token}`: the
//! plugin never holds it.

use std::collections::{HashMap, VecDeque};

use kestrel_plugin_sdk::{HttpRequest, Level, http, log};
use serde_json::Value;

use kestrel_plugin_sdk::percent::encode;

use crate::text::clip;

/// The window Discord counts invalid requests over.
const INVALID_WINDOW_MS: u64 = 10 * 60 * 1_000;
/// How long posting stops after a 401: the token is wrong, and retrying only counts toward
/// the ban.
const UNAUTHORIZED_PAUSE_MS: u64 = 10 * 60 * 1_000;
/// Discord requires a User-Agent of this form, else Cloudflare may block the bot.
const USER_AGENT: &str = "DiscordBot (https://github.com/kestrel-trading/kestrel, 0.1)";
/// The audit-log reason header's limit, characters.
const MAX_REASON: usize = 512;
/// The longest a call may take (the bot's thread waits for it), and the least time worth
/// starting one with.
const MAX_CALL_MS: u64 = 3_000;
const MIN_CALL_MS: u64 = 300;

/// Whose credential a call carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bot {secret:discord_token}`.
    Bot,
    /// None: an interaction's callback or follow-up (its token is in the path).
    Interaction,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RestError {
    /// A limit would be broken: try again at this time (ms since the epoch).
    Wait(u64),
    /// Discord refused: status, its error code (0 if none), its message.
    Refused {
        status: u16,
        code: i64,
        message: String,
    },
    /// A webhook or interaction token that answers 404: gone for good.
    Gone,
    /// The network or the host refused.
    Transport(String),
}

impl std::fmt::Display for RestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestError::Wait(at) => write!(f, "rate limited until {at} ms"),
            RestError::Refused {
                status,
                code,
                message,
            } => write!(f, "Discord refused ({status}, code {code}): {message}"),
            RestError::Gone => f.write_str("gone (404)"),
            RestError::Transport(e) => write!(f, "not sent: {e}"),
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    remaining: u64,
    reset_ms: u64,
}

pub struct Rest {
    pub base: String,
    pub application_id: String,
    /// Requests a second across every non-interaction route (Discord: 50).
    pub global_per_second: u32,
    /// Invalid requests allowed in 10 minutes before the bot stops itself.
    pub invalid_budget: usize,
    /// Route → bucket hash, as Discord names it.
    route_bucket: HashMap<String, String>,
    /// Bucket (hash and major parameter, or the route until the hash is known) → state.
    buckets: HashMap<String, Bucket>,
    global_until_ms: u64,
    /// The current second and requests sent in it.
    second: (u64, u32),
    invalid: VecDeque<u64>,
    unauthorized_until_ms: u64,
    /// Calls end by this time (ms since the epoch): the tick's budget. None: no bound.
    pub deadline_ms: Option<u64>,
}

/// A call: method, path under the API base (with query), JSON body, audit-log reason.
pub struct Call<'a> {
    pub method: &'a str,
    pub path: String,
    pub body: Option<&'a Value>,
    pub reason: Option<&'a str>,
    pub auth: Auth,
}

impl<'a> Call<'a> {
    pub fn bot(method: &'a str, path: String) -> Self {
        Self {
            method,
            path,
            body: None,
            reason: None,
            auth: Auth::Bot,
        }
    }

    pub fn interaction(method: &'a str, path: String) -> Self {
        Self {
            auth: Auth::Interaction,
            ..Self::bot(method, path)
        }
    }

    pub fn body(mut self, b: &'a Value) -> Self {
        self.body = Some(b);
        self
    }

    pub fn reason(mut self, r: &'a str) -> Self {
        self.reason = Some(r);
        self
    }
}

/// The route of a path for rate limiting: ids replaced by `:id` except the major
/// parameters (a channel, a guild, a webhook and its token), which keep their value; and
/// the major parameter itself.
pub fn route(method: &str, path: &str) -> (String, String) {
    let path = path.split('?').next().unwrap_or("");
    let mut out = String::from(method);
    out.push(' ');
    let mut major = String::new();
    let mut prev = "";
    let mut prev2 = "";
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let is_id = seg.bytes().all(|b| b.is_ascii_digit());
        let keeps = matches!(prev, "channels" | "guilds" | "webhooks") && is_id;
        let webhook_token = prev2 == "webhooks" || prev2 == "interactions";
        if keeps || (webhook_token && !is_id) {
            // A token names its own bucket but not a route of its own: routes stay few.
            out.push_str(if webhook_token { ":token" } else { seg });
            if major.is_empty() || webhook_token {
                if webhook_token {
                    major.push('/');
                }
                major.push_str(seg);
            }
        } else if is_id || prev == "interactions" {
            out.push_str(":id");
        } else {
            out.push_str(seg);
        }
        prev2 = prev;
        prev = seg;
    }
    (out, major)
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Seconds with decimals ("1.337") → ms, rounded up.
fn secs_ms(s: &str) -> Option<u64> {
    let v: f64 = s.trim().parse().ok()?;
    // Headers are Discord's: a negative, infinite or absurd value is not trusted.
    (v.is_finite() && (0.0..=86_400.0).contains(&v)).then(|| (v * 1_000.0).ceil() as u64)
}

impl Rest {
    pub fn new(base: String, application_id: String) -> Self {
        Self {
            base,
            application_id,
            global_per_second: 50,
            invalid_budget: 1_000,
            route_bucket: HashMap::new(),
            buckets: HashMap::new(),
            global_until_ms: 0,
            second: (0, 0),
            invalid: VecDeque::new(),
            unauthorized_until_ms: 0,
            deadline_ms: None,
        }
    }

    fn bucket_key(&self, route: &str, major: &str) -> String {
        match self.route_bucket.get(route) {
            Some(hash) => format!("{hash}|{major}"),
            None => route.to_owned(),
        }
    }

    /// Invalid requests in the last 10 minutes.
    pub fn invalid_recent(&mut self, now: u64) -> usize {
        while self
            .invalid
            .front()
            .is_some_and(|t| *t + INVALID_WINDOW_MS <= now)
        {
            self.invalid.pop_front();
        }
        self.invalid.len()
    }

    fn count_invalid(&mut self, now: u64) {
        self.invalid.push_back(now);
    }

    /// When the call may go, if not now.
    fn hold(&mut self, auth: Auth, route: &str, major: &str, now: u64) -> Option<u64> {
        if auth == Auth::Bot {
            if now < self.unauthorized_until_ms {
                return Some(self.unauthorized_until_ms);
            }
            if now < self.global_until_ms {
                return Some(self.global_until_ms);
            }
            let sec = now / 1_000;
            if self.second.0 == sec && self.second.1 >= self.global_per_second {
                return Some((sec + 1) * 1_000);
            }
        }
        if self.invalid_recent(now) >= self.invalid_budget {
            let oldest = self.invalid.front().copied().unwrap_or(now);
            return Some(oldest + INVALID_WINDOW_MS);
        }
        let key = self.bucket_key(route, major);
        match self.buckets.get(&key) {
            Some(b) if b.remaining == 0 && now < b.reset_ms => Some(b.reset_ms),
            _ => None,
        }
    }

    /// Sends the call unless a limit holds it; the reply's JSON (null for 204).
    pub fn send(&mut self, call: Call<'_>, now: u64) -> Result<Value, RestError> {
        let (route, major) = route(call.method, &call.path);
        if let Some(at) = self.hold(call.auth, &route, &major, now) {
            return Err(RestError::Wait(at));
        }
        // Within the tick's budget: an interaction waiting behind this tick must still be
        // answered within Discord's 3 s. Too little left: the next tick.
        let timeout_ms = match self.deadline_ms {
            Some(d) => {
                let left = d.saturating_sub(kestrel_plugin_sdk::clock::now_ms());
                if left < MIN_CALL_MS {
                    return Err(RestError::Wait(now + 1));
                }
                left.min(MAX_CALL_MS)
            }
            None => MAX_CALL_MS,
        };
        if call.auth == Auth::Bot {
            let sec = now / 1_000;
            if self.second.0 == sec {
                self.second.1 += 1;
            } else {
                self.second = (sec, 1);
            }
        }
        let mut headers = vec![
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        if call.auth == Auth::Bot {
            headers.push(("authorization".into(), "Bot {secret:discord_token}".into()));
        }
        if let Some(r) = call.reason.map(str::trim).filter(|r| !r.is_empty()) {
            headers.push(("x-audit-log-reason".into(), encode(&clip(r, MAX_REASON))));
        }
        let req = HttpRequest {
            method: call.method.to_owned(),
            url: format!("{}{}", self.base, call.path),
            headers,
            body: call
                .body
                .map(|b| b.to_string().into_bytes())
                .unwrap_or_default(),
            timeout_ms: u32::try_from(timeout_ms).unwrap_or(3_000),
            signer: None,
        };
        let resp = http::send(&req).map_err(|e| RestError::Transport(format!("{e:?}")))?;
        self.learn(&route, &major, &resp.headers, now);
        let body: Value = if resp.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&resp.body).unwrap_or(Value::Null)
        };
        let code = body["code"].as_i64().unwrap_or(0);
        let message = clip(body["message"].as_str().unwrap_or(""), 200);
        match resp.status {
            200..=299 => Ok(body),
            429 => {
                let scope = header(&resp.headers, "x-ratelimit-scope").unwrap_or("user");
                if scope != "shared" {
                    self.count_invalid(now);
                }
                let wait = body["retry_after"]
                    .as_f64()
                    .and_then(|s| secs_ms(&s.to_string()))
                    .or_else(|| header(&resp.headers, "retry-after").and_then(secs_ms))
                    .unwrap_or(1_000);
                let until = now + wait.max(1);
                if body["global"].as_bool() == Some(true)
                    || header(&resp.headers, "x-ratelimit-global").is_some()
                {
                    self.global_until_ms = until;
                } else {
                    let key = self.bucket_key(&route, &major);
                    self.buckets.insert(
                        key,
                        Bucket {
                            remaining: 0,
                            reset_ms: until,
                        },
                    );
                }
                log::log(
                    Level::Warn,
                    &format!("Discord rate limit on {route} ({scope}): waiting {wait} ms"),
                );
                Err(RestError::Wait(until))
            }
            401 => {
                self.count_invalid(now);
                if call.auth == Auth::Bot {
                    self.unauthorized_until_ms = now + UNAUTHORIZED_PAUSE_MS;
                    log::log(
                        Level::Error,
                        "Discord answered 401 to the bot token: check discord_token; the bot stops calling for 10 minutes",
                    );
                }
                Err(RestError::Refused {
                    status: 401,
                    code,
                    message,
                })
            }
            404 if call.path.starts_with("/webhooks/") => Err(RestError::Gone),
            status => {
                if status == 403 {
                    self.count_invalid(now);
                }
                Err(RestError::Refused {
                    status,
                    code,
                    message,
                })
            }
        }
    }

    /// Reads a reply's rate-limit headers into the route's bucket.
    fn learn(&mut self, route: &str, major: &str, headers: &[(String, String)], now: u64) {
        if let Some(hash) = header(headers, "x-ratelimit-bucket") {
            let hash = clip(hash, 64);
            if self.route_bucket.get(route) != Some(&hash) {
                if self.route_bucket.len() > 512 {
                    self.route_bucket.clear();
                }
                self.route_bucket.insert(route.to_owned(), hash);
            }
        }
        let remaining =
            header(headers, "x-ratelimit-remaining").and_then(|v| v.trim().parse().ok());
        let reset = header(headers, "x-ratelimit-reset-after").and_then(secs_ms);
        if let (Some(remaining), Some(after)) = (remaining, reset) {
            let key = self.bucket_key(route, major);
            if self.buckets.len() > 1_024 {
                self.buckets.retain(|_, b| b.reset_ms > now);
            }
            self.buckets.insert(
                key,
                Bucket {
                    remaining,
                    reset_ms: now + after,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_their_major_parameter_and_hide_other_ids() {
        assert_eq!(
            route("POST", "/channels/123/messages"),
            ("POST /channels/123/messages".into(), "123".into())
        );
        assert_eq!(
            route("DELETE", "/channels/123/messages/456"),
            ("DELETE /channels/123/messages/:id".into(), "123".into())
        );
        assert_eq!(
            route("PATCH", "/guilds/9/members/77?x=1"),
            ("PATCH /guilds/9/members/:id".into(), "9".into())
        );
        assert_eq!(
            route("PATCH", "/webhooks/5/tok-en/messages/@original"),
            (
                "PATCH /webhooks/5/:token/messages/@original".into(),
                "5/tok-en".into()
            )
        );
        assert_eq!(
            route("POST", "/interactions/88/tok/callback").0,
            "POST /interactions/:id/:token/callback"
        );
    }

    #[test]
    fn retry_after_seconds_become_milliseconds_and_nonsense_is_ignored() {
        assert_eq!(secs_ms("64.57"), Some(64_570));
        assert_eq!(secs_ms("0.001"), Some(1));
        assert_eq!(secs_ms("-1"), None);
        assert_eq!(secs_ms("NaN"), None);
        assert_eq!(secs_ms("1e300"), None);
    }

    #[test]
    fn an_exhausted_bucket_holds_its_route_until_reset_and_the_global_cap_holds_the_rest() {
        let mut r = Rest::new("http://x".into(), "1".into());
        r.learn(
            "POST /channels/1/messages",
            "1",
            &[
                ("x-ratelimit-bucket".into(), "abc".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset-after".into(), "2.5".into()),
            ],
            10_000,
        );
        assert_eq!(
            r.hold(Auth::Bot, "POST /channels/1/messages", "1", 11_000),
            Some(12_500)
        );
        // Another channel is another bucket.
        assert_eq!(
            r.hold(Auth::Bot, "POST /channels/2/messages", "2", 11_000),
            None
        );
        assert_eq!(
            r.hold(Auth::Bot, "POST /channels/1/messages", "1", 12_500),
            None
        );
        r.second = (20, 50);
        assert_eq!(
            r.hold(Auth::Bot, "GET /users/@me", "", 20_400),
            Some(21_000)
        );
        // Interaction routes are exempt from the global cap.
        assert_eq!(
            r.hold(Auth::Interaction, "POST /webhooks/1/t", "1/t", 20_400),
            None
        );
    }

    #[test]
    fn invalid_requests_past_the_budget_stop_every_call_for_the_window() {
        let mut r = Rest::new("http://x".into(), "1".into());
        r.invalid_budget = 3;
        for t in [1_000, 2_000, 3_000] {
            r.count_invalid(t);
        }
        assert_eq!(
            r.hold(Auth::Interaction, "POST /webhooks/1/t", "1/t", 4_000),
            Some(1_000 + INVALID_WINDOW_MS)
        );
        assert_eq!(
            r.hold(Auth::Bot, "GET /x", "", 1_000 + INVALID_WINDOW_MS),
            None
        );
    }
}
