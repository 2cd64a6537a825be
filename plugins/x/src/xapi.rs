//! X API v2 as the bot uses it (FACTS §7.1): `POST /2/tweets`, `DELETE /2/tweets/{id}`,
//! `GET /2/users/me`, and our mentions (who summoned us). Every request names the host's
//! OAuth 1.0a signer; the bot never holds X credentials. Replies are read as X writes them:
//! a 429 waits for `x-rate-limit-reset` (epoch seconds) and the 24-hour headers when sent,
//! the duplicate-content 403 is final, a 401 means the credentials are gone.

use kestrel_plugin_sdk::{HttpError, HttpRequest, HttpResponse, http};
use serde_json::{Value, json};

const TIMEOUT_MS: u32 = 15_000;

pub struct Api {
    pub base: String,
    pub signer: String,
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx, with the reply's `data`.
    Done(Value),
    /// X already has a post with these words: final, never retried.
    Duplicate,
    /// Wait until this instant (ms), if X's headers said; `capped` for the usage cap.
    Limited { until_ms: Option<u64>, capped: bool },
    /// 401: the credentials were refused; posting stops until the operator resumes.
    Unauthorized(String),
    /// Another 4xx: X refused this request for good.
    Refused(u16, String),
    /// 5xx or the network: X may or may not have acted.
    Unknown(String),
}

/// When to post again after this reply, if it says to wait: the latest reset of a limit
/// that is used up (the 15-minute window, the app's and the user's 24 hours).
pub fn hold_until(headers: &[(String, String)], status: u16, now_ms: u64) -> Option<u64> {
    let h = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.trim().parse::<u64>().ok())
    };
    let mut until: Option<u64> = None;
    for prefix in ["x-rate-limit", "x-app-limit-24hour", "x-user-limit-24hour"] {
        let remaining = h(&format!("{prefix}-remaining"));
        if let Some(reset) = h(&format!("{prefix}-reset"))
            && (remaining == Some(0)
                || (status == 429 && prefix == "x-rate-limit" && remaining.is_none()))
        {
            let at = reset.saturating_mul(1_000);
            until = Some(until.map_or(at, |u| u.max(at)));
        }
    }
    until.filter(|&u| u > now_ms)
}

fn detail(body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let first = &v["errors"][0];
    let detail = [
        &v["detail"],
        &first["detail"],
        &first["message"],
        &v["title"],
    ]
    .into_iter()
    .map(text)
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    let kind = [&v["type"], &first["type"], &v["title"]]
        .into_iter()
        .map(text)
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    (detail, kind)
}

/// Reads a reply as X means it.
pub fn outcome(r: &HttpResponse, now_ms: u64) -> Outcome {
    let (detail, kind) = detail(&r.body);
    match r.status {
        200..=299 => {
            let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            Outcome::Done(v["data"].clone())
        }
        429 => Outcome::Limited {
            until_ms: hold_until(&r.headers, 429, now_ms),
            capped: kind.contains("usage-capped") || kind.contains("UsageCapExceeded"),
        },
        401 => Outcome::Unauthorized(detail),
        403 if detail.to_lowercase().contains("duplicate") => Outcome::Duplicate,
        s @ 400..=499 => Outcome::Refused(s, detail),
        s => Outcome::Unknown(format!("HTTP {s}: {detail}")),
    }
}

fn transport(e: &HttpError) -> String {
    match e {
        HttpError::Denied(why) => format!("the host refused the request: {why}"),
        HttpError::Timeout => "timed out".into(),
        HttpError::TooLarge => "the reply was too large".into(),
        HttpError::Transport(why) => format!("network: {why}"),
        HttpError::Busy => "too many requests at once".into(),
    }
}

impl Api {
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<HttpResponse, String> {
        let mut headers = vec![("user-agent".into(), "kestrel-x".into())];
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        http::send(&HttpRequest {
            method: method.into(),
            url: format!("{}{path}", self.base),
            headers,
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
            timeout_ms: TIMEOUT_MS,
            signer: Some(self.signer.clone()),
        })
        .map_err(|e| transport(&e))
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        now_ms: u64,
    ) -> (Outcome, Vec<(String, String)>) {
        match self.send(method, path, body) {
            Ok(r) => (outcome(&r, now_ms), r.headers),
            Err(e) => (Outcome::Unknown(e), Vec::new()),
        }
    }

    /// `POST /2/tweets`; the headers come back for the limits they announce.
    pub fn post(
        &self,
        text: &str,
        reply_to: Option<&str>,
        now_ms: u64,
    ) -> (Outcome, Vec<(String, String)>) {
        let mut body = json!({ "text": text });
        if let Some(id) = reply_to {
            body["reply"] = json!({ "in_reply_to_tweet_id": id });
        }
        self.call("POST", "/2/tweets", Some(body), now_ms)
    }

    pub fn delete(&self, id: &str, now_ms: u64) -> Outcome {
        self.call("DELETE", &format!("/2/tweets/{id}"), None, now_ms)
            .0
    }

    /// `GET /2/users/me`: whose credentials the host signs with.
    pub fn me(&self, now_ms: u64) -> Outcome {
        self.call("GET", "/2/users/me", None, now_ms).0
    }

    /// Posts that mention us since `since_id`, with their authors' usernames.
    pub fn mentions(&self, user_id: &str, since_id: Option<&str>, now_ms: u64) -> Outcome {
        let mut path = format!(
            "/2/users/{user_id}/mentions?max_results=20&expansions=author_id&user.fields=username"
        );
        if let Some(s) = since_id {
            path.push_str(&format!("&since_id={s}"));
        }
        match self.send("GET", &path, None) {
            Ok(r) => match outcome(&r, now_ms) {
                // The whole reply: `includes` holds the authors.
                Outcome::Done(_) => {
                    Outcome::Done(serde_json::from_slice(&r.body).unwrap_or(Value::Null))
                }
                o => o,
            },
            Err(e) => Outcome::Unknown(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_duplicate_403_is_told_apart_from_other_refusals() {
        // FACTS §7.1, from iembot#163.
        let dup = r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#;
        assert_eq!(outcome(&resp(403, &[], dup), 0), Outcome::Duplicate);
        let other = r#"{"detail":"You are not permitted to perform this action.","title":"Forbidden","status":403}"#;
        assert!(
            matches!(outcome(&resp(403, &[], other), 0), Outcome::Refused(403, d) if d.contains("not permitted"))
        );
    }

    #[test]
    fn a_429_waits_for_the_latest_reset_of_an_exhausted_limit() {
        // The real 429 body (fixtures/x/error_429.json).
        let body = r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#;
        let r = resp(
            429,
            &[
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1796256900"),
                ("x-user-limit-24hour-remaining", "0"),
                ("x-user-limit-24hour-reset", "1796300000"),
                ("x-app-limit-24hour-remaining", "9000"),
                ("x-app-limit-24hour-reset", "1796400000"),
            ],
            body,
        );
        assert_eq!(
            outcome(&r, 1_796_256_000_000),
            Outcome::Limited {
                until_ms: Some(1_796_300_000_000),
                capped: false
            }
        );
        // No headers at all: the queue decides how long.
        assert_eq!(
            outcome(&resp(429, &[], body), 5_000),
            Outcome::Limited {
                until_ms: None,
                capped: false
            }
        );
    }

    #[test]
    fn a_success_that_uses_up_a_limit_holds_the_queue_too() {
        let h = vec![
            ("x-rate-limit-remaining".to_owned(), "0".to_owned()),
            ("x-rate-limit-reset".to_owned(), "2000".to_owned()),
        ];
        assert_eq!(hold_until(&h, 201, 1_000_000), Some(2_000_000));
        assert_eq!(hold_until(&h, 201, 3_000_000), None);
    }

    #[test]
    fn the_usage_cap_and_401_and_5xx_are_named() {
        let cap = r#"{"title":"UsageCapExceeded","type":"https://api.twitter.com/2/problems/usage-capped","status":429,"detail":"Usage cap exceeded"}"#;
        assert!(matches!(
            outcome(&resp(429, &[], cap), 0),
            Outcome::Limited { capped: true, .. }
        ));
        assert!(matches!(
            outcome(
                &resp(
                    401,
                    &[],
                    r#"{"title":"Unauthorized","detail":"Unauthorized","status":401}"#
                ),
                0
            ),
            Outcome::Unauthorized(_)
        ));
        assert!(matches!(
            outcome(&resp(503, &[], "oops"), 0),
            Outcome::Unknown(_)
        ));
    }
}
