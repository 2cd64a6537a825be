//! X API v2 as the X bot's tests fake it at the network boundary (FACTS §7.1): `POST
//! /2/tweets` (201, X's duplicate-content 403 for words already on the account), `DELETE
//! /2/tweets/{id}`, `GET /2/users/me`, `GET /2/users/{id}/mentions`; forced replies (429 with
//! its headers, 401) by route. Every request's OAuth 1.0a signature is verified here, from
//! the RFC 5849 / X docs recipe (FACTS §7.2) written again for the test, not the host's code:
//! a request that fails it is answered 401 and counted.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

pub(crate) const CONSUMER_KEY: &str = "xvz1evFS4wEEPTGEFPHBog";
pub(crate) const CONSUMER_SECRET: &str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
pub(crate) const TOKEN: &str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
pub(crate) const TOKEN_SECRET: &str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
pub(crate) const ME: &str = "1577000000000000001";

/// One request X accepted or refused.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) body: Value,
    pub(crate) status: u16,
    #[allow(
        dead_code,
        reason = "read by tests/x.rs, not by the Discord tests that share this fake"
    )]
    pub(crate) at: SystemTime,
}

/// A reply to force once: method, path prefix, status, headers, body.
pub(crate) type Forced = (String, String, u16, Vec<(String, String)>, Value);

#[derive(Default)]
pub(crate) struct XFake {
    pub(crate) seen: Mutex<Vec<Seen>>,
    /// Texts on the account (X refuses them again as duplicates).
    pub(crate) texts: Mutex<Vec<String>>,
    /// Replies to force, once each.
    pub(crate) faults: Mutex<Vec<Forced>>,
    /// Requests whose signature failed, and why.
    pub(crate) bad_signatures: Mutex<Vec<String>>,
    nonces: Mutex<HashSet<String>>,
    /// Mentions the account has: (post id, author id, username).
    pub(crate) mentions: Mutex<Vec<(String, String, String)>>,
}

impl XFake {
    pub(crate) fn posts(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.method == "POST" && s.path == "/2/tweets")
            .cloned()
            .collect()
    }

    pub(crate) fn posted_texts(&self) -> Vec<String> {
        self.posts()
            .iter()
            .filter(|s| s.status == 201)
            .filter_map(|s| s.body["text"].as_str().map(str::to_owned))
            .collect()
    }

    #[allow(
        dead_code,
        reason = "used by tests/x.rs, not by the Discord tests that share this fake"
    )]
    pub(crate) fn force(
        &self,
        method: &str,
        path: &str,
        status: u16,
        headers: &[(&str, String)],
        body: Value,
    ) {
        self.faults.lock().unwrap().push((
            method.into(),
            path.into(),
            status,
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            body,
        ));
    }
}

/// RFC 3986 percent-encoding as OAuth 1.0a wants it.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn dec(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(Ok(v)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks the `Authorization: OAuth …` header against the request: the consumer and token,
/// a fresh nonce, a timestamp within five minutes, and the HMAC-SHA1 signature over the
/// method, the URL without its query, and the query and oauth parameters.
fn verify(fake: &XFake, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), String> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Authorization")?;
    let fields = auth.strip_prefix("OAuth ").ok_or("not OAuth")?;
    let mut oauth: Vec<(String, String)> = Vec::new();
    for part in fields.split(',') {
        let (k, v) = part.trim().split_once('=').ok_or("bad field")?;
        oauth.push((dec(k), dec(v.trim_matches('"'))));
    }
    let get = |k: &str| oauth.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("oauth_consumer_key").as_deref() != Some(CONSUMER_KEY)
        || get("oauth_token").as_deref() != Some(TOKEN)
    {
        return Err("wrong consumer or token".into());
    }
    if get("oauth_signature_method").as_deref() != Some("HMAC-SHA1")
        || get("oauth_version").as_deref() != Some("1.0")
    {
        return Err("wrong method or version".into());
    }
    let ts: u64 = get("oauth_timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or("no timestamp")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if ts.abs_diff(now) > 300 {
        return Err("stale timestamp".into());
    }
    let nonce = get("oauth_nonce").ok_or("no nonce")?;
    if !fake.nonces.lock().unwrap().insert(nonce) {
        return Err("nonce used twice".into());
    }
    let signature = get("oauth_signature").ok_or("no signature")?;
    let mut params: Vec<(String, String)> = oauth
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .cloned()
        .collect();
    if let Some(q) = uri.query() {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((dec(k), dec(v)));
        }
    }
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    encoded.sort();
    let param_string = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .ok_or("no Host")?;
    let url = format!("http://{}{}", host.to_ascii_lowercase(), uri.path());
    let base = format!("{}&{}&{}", method.as_str(), enc(&url), enc(&param_string));
    let key = format!("{}&{}", enc(CONSUMER_SECRET), enc(TOKEN_SECRET));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if expected != signature {
        return Err(format!("bad signature over {base}"));
    }
    Ok(())
}

fn reply(status: u16, headers: Vec<(String, String)>, body: Value) -> Response {
    let mut r = (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

/// Every route: verified, then forced replies, then X's own behaviour.
pub(crate) async fn handle(
    State(fake): State<Arc<XFake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let record = |status: u16| {
        fake.seen.lock().unwrap().push(Seen {
            method: method.to_string(),
            path: path.clone(),
            body: json_body.clone(),
            status,
            at: SystemTime::now(),
        });
    };
    if let Err(why) = verify(&fake, &method, &uri, &headers) {
        fake.bad_signatures.lock().unwrap().push(why);
        record(401);
        return reply(
            401,
            vec![],
            json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
        );
    }
    let forced = {
        let mut f = fake.faults.lock().unwrap();
        f.iter()
            .position(|(m, p, ..)| *m == method.as_str() && path.starts_with(p.as_str()))
            .map(|i| f.remove(i))
    };
    if let Some((_, _, status, headers, body)) = forced {
        record(status);
        return reply(status, headers, body);
    }
    match (method.as_str(), path.as_str()) {
        ("GET", "/2/users/me") => {
            record(200);
            reply(
                200,
                vec![],
                json!({"data": {"id": ME, "name": "Kestrel Desk", "username": "kestrel_desk"}}),
            )
        }
        ("POST", "/2/tweets") => {
            // CreatePostsRequest has additionalProperties: false.
            let allowed = [
                "text",
                "reply",
                "quote_tweet_id",
                "media",
                "poll",
                "reply_settings",
            ];
            let ok_shape = json_body.as_object().is_some_and(|o| {
                o.keys().all(|k| allowed.contains(&k.as_str())) && o["text"].is_string()
            });
            if !ok_shape {
                record(400);
                return reply(
                    400,
                    vec![],
                    json!({"title": "Invalid Request", "detail": "bad body", "status": 400}),
                );
            }
            let text = json_body["text"].as_str().unwrap_or("").to_owned();
            let mut texts = fake.texts.lock().unwrap();
            if texts.contains(&text) {
                drop(texts);
                record(403);
                return reply(
                    403,
                    vec![],
                    json!({"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank", "title": "Forbidden", "status": 403}),
                );
            }
            texts.push(text.clone());
            let id = format!("18{:017}", texts.len());
            drop(texts);
            record(201);
            reply(
                201,
                vec![
                    ("x-rate-limit-limit".into(), "100".into()),
                    ("x-rate-limit-remaining".into(), "99".into()),
                    ("x-rate-limit-reset".into(), "9999999999".into()),
                ],
                json!({"data": {"id": id, "text": text, "edit_history_tweet_ids": [id]}}),
            )
        }
        ("DELETE", p) if p.starts_with("/2/tweets/") => {
            record(200);
            reply(200, vec![], json!({"data": {"deleted": true}}))
        }
        ("GET", p) if p == format!("/2/users/{ME}/mentions") => {
            record(200);
            let m = fake.mentions.lock().unwrap().clone();
            let data: Vec<Value> = m
                .iter()
                .map(|(id, a, _)| json!({"id": id, "author_id": a, "text": "@kestrel_desk hi"}))
                .collect();
            let users: Vec<Value> = m
                .iter()
                .map(|(_, a, u)| json!({"id": a, "username": u, "name": u}))
                .collect();
            let newest = m.last().map(|(id, ..)| id.clone());
            reply(
                200,
                vec![],
                json!({"data": data, "includes": {"users": users}, "meta": {"result_count": m.len(), "newest_id": newest}}),
            )
        }
        _ => {
            record(404);
            reply(404, vec![], json!({"title": "Not Found", "status": 404}))
        }
    }
}

/// The router: every path to [`handle`].
pub(crate) fn router(fake: Arc<XFake>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(fake)
}

/// The X docs' published vector (FACTS §7.2), so the verifier above is itself checked.
#[test]
fn the_fake_s_verifier_reproduces_x_s_published_signature() {
    let params = [
        (
            "status",
            "Hello Ladies + Gentlemen, a signed OAuth request!",
        ),
        ("include_entities", "true"),
        ("oauth_consumer_key", CONSUMER_KEY),
        ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1318622958"),
        ("oauth_token", TOKEN),
        ("oauth_version", "1.0"),
    ];
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    encoded.sort();
    let ps = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!(
        "POST&{}&{}",
        enc("https://api.x.com/1.1/statuses/update.json"),
        enc(&ps)
    );
    let key = format!("{}&{}", enc(CONSUMER_SECRET), enc(TOKEN_SECRET));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(sig, "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
}
