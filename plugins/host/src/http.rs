//! Outbound HTTP on a plugin's behalf. The host checks every request against the plugin's
//! grants before anything leaves: http(s) only, the host on the allow-list (checked before any
//! secret is attached, and again after), no redirects (a redirect could lead elsewhere),
//! bounded request and reply sizes, a time limit, and a per-plugin rate. Secrets are written
//! `{secret:NAME}` in the URL path or query or in a header value; the host fills them in, so
//! the plugin never holds them. A request that names a signer is signed last, after the
//! allow-list and the secrets (`crate::oauth1`).

use std::time::{Duration, Instant};

use url::Url;

use crate::config::{Grants, PluginLimits, Signer};
use crate::wit::latest::{HttpError, HttpRequest, HttpResponse};

/// The largest request body a plugin may send.
pub const MAX_REQUEST_BODY: usize = 256 << 10;
const MAX_HEADERS: usize = 32;

/// A request that passed the checks, secrets attached.
#[derive(Debug)]
pub struct Checked {
    pub method: reqwest::Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Duration,
}

fn denied(why: impl Into<String>) -> HttpError {
    HttpError::Denied(why.into())
}

/// Replaces `{secret:NAME}` with the granted value; an unknown name is refused.
fn fill_secrets(text: &str, grants: &Grants) -> Result<String, HttpError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{secret:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{secret:".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| denied("unterminated {secret:…}"))?;
        let name = &after[..end];
        let value = grants
            .secrets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| denied(format!("no secret named `{name}` is granted")))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks `req` against `grants` and `limits`.
pub fn check(
    req: &HttpRequest,
    grants: &Grants,
    limits: &PluginLimits,
) -> Result<Checked, HttpError> {
    let method = match req.method.to_ascii_uppercase().as_str() {
        "GET" => reqwest::Method::GET,
        "POST" => reqwest::Method::POST,
        "PUT" => reqwest::Method::PUT,
        "PATCH" => reqwest::Method::PATCH,
        "DELETE" => reqwest::Method::DELETE,
        "HEAD" => reqwest::Method::HEAD,
        other => return Err(denied(format!("method `{other}` is not allowed"))),
    };
    let raw = Url::parse(&req.url).map_err(|e| denied(format!("not a URL ({e})")))?;
    if !matches!(raw.scheme(), "https" | "http") {
        return Err(denied(format!("scheme `{}` is not allowed", raw.scheme())));
    }
    if !raw.username().is_empty() || raw.password().is_some() {
        return Err(denied("credentials in the URL are not allowed"));
    }
    let host = raw
        .host_str()
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| denied("no host"))?;
    if !grants
        .http_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&host))
    {
        return Err(denied(format!(
            "host `{host}` is not on this plugin's allow-list"
        )));
    }
    // Secrets go in only now, and the host must be the same afterwards.
    let url = Url::parse(&fill_secrets(&req.url, grants)?)
        .map_err(|e| denied(format!("not a URL once secrets are filled ({e})")))?;
    if url.host_str().map(str::to_ascii_lowercase).as_deref() != Some(host.as_str())
        || url.port_or_known_default() != raw.port_or_known_default()
        || url.scheme() != raw.scheme()
    {
        return Err(denied("a secret may not change where the request goes"));
    }
    if req.headers.len() > MAX_HEADERS {
        return Err(denied(format!("more than {MAX_HEADERS} headers")));
    }
    let mut headers = Vec::with_capacity(req.headers.len());
    for (name, value) in &req.headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "host" | "content-length" | "transfer-encoding" | "connection"
        ) {
            return Err(denied(format!("header `{name}` is set by the host")));
        }
        headers.push((name.clone(), fill_secrets(value, grants)?));
    }
    if req.body.len() > MAX_REQUEST_BODY {
        return Err(denied(format!(
            "request body over {MAX_REQUEST_BODY} bytes"
        )));
    }
    if let Some(name) = &req.signer {
        let Some((_, signer)) = grants.signers.iter().find(|(n, _)| n == name) else {
            return Err(denied(format!(
                "no signer named `{}` is granted",
                crate::text::clip(name, 64)
            )));
        };
        if headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        {
            return Err(denied(
                "a signed request's Authorization header is the signer's",
            ));
        }
        headers.push((
            "Authorization".into(),
            signature(signer, &method, &url, &headers, &req.body),
        ));
    }
    let asked = Duration::from_millis(u64::from(req.timeout_ms));
    let timeout = if asked.is_zero() {
        limits.http_timeout
    } else {
        asked.min(limits.http_timeout)
    };
    Ok(Checked {
        method,
        url,
        headers,
        body: req.body.clone(),
        timeout,
    })
}

/// The `Authorization` header `signer` gives the request, signed now with a fresh nonce.
fn signature(
    signer: &Signer,
    method: &reqwest::Method,
    url: &Url,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    match signer {
        Signer::OAuth1(creds) => {
            // Only a form body's parameters are signed (a JSON body is not).
            let form = headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("content-type")
                    && v.trim()
                        .to_ascii_lowercase()
                        .starts_with("application/x-www-form-urlencoded")
            });
            let timestamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            crate::oauth1::authorization(
                creds,
                method.as_str(),
                url,
                form.then_some(body),
                &crate::oauth1::nonce(),
                timestamp,
            )
        }
    }
}

/// Sends a checked request; the reply is read up to `max_reply` bytes.
pub async fn send(
    client: &reqwest::Client,
    c: Checked,
    max_reply: usize,
) -> Result<HttpResponse, HttpError> {
    let mut rb = client
        .request(c.method, c.url)
        .timeout(c.timeout)
        .body(c.body);
    for (n, v) in &c.headers {
        rb = rb.header(n, v);
    }
    let mut resp = rb.send().await.map_err(|e| {
        if e.is_timeout() {
            HttpError::Timeout
        } else {
            // Without the URL: it may hold a secret.
            HttpError::Transport(e.without_url().to_string())
        }
    })?;
    if resp.content_length().is_some_and(|n| n > max_reply as u64) {
        return Err(HttpError::TooLarge);
    }
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max_reply {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(HttpError::Timeout),
            Err(e) => return Err(HttpError::Transport(e.without_url().to_string())),
        }
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// A plugin's request rate: at most `per_second` in any one-second window.
#[derive(Debug)]
pub struct Rate {
    per_second: u32,
    window_start: Instant,
    used: u32,
}

impl Rate {
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            window_start: Instant::now(),
            used: 0,
        }
    }

    pub fn take(&mut self) -> bool {
        if self.window_start.elapsed() >= Duration::from_secs(1) {
            self.window_start = Instant::now();
            self.used = 0;
        }
        if self.used >= self.per_second {
            return false;
        }
        self.used += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn grants() -> Grants {
        Grants {
            http_hosts: vec!["api.telegram.org".into()],
            secrets: vec![("token".into(), "123:ABC".into())],
            ..Grants::default()
        }
    }

    fn req(url: &str) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: vec![],
            body: vec![],
            timeout_ms: 0,
            signer: None,
        }
    }

    #[test]
    fn secrets_are_filled_for_allowed_hosts_only() {
        let l = PluginLimits::default();
        let c = check(
            &req("https://api.telegram.org/bot{secret:token}/getMe"),
            &grants(),
            &l,
        )
        .unwrap();
        assert_eq!(c.url.as_str(), "https://api.telegram.org/bot123:ABC/getMe");
        let e = check(
            &req("https://evil.example/bot{secret:token}"),
            &grants(),
            &l,
        )
        .unwrap_err();
        assert!(matches!(e, HttpError::Denied(m) if m.contains("evil.example")));
        let e = check(
            &req("https://api.telegram.org/{secret:other}"),
            &grants(),
            &l,
        )
        .unwrap_err();
        assert!(matches!(e, HttpError::Denied(m) if m.contains("other")));
    }

    #[test]
    fn a_secret_cannot_move_the_request_and_odd_urls_are_refused() {
        let l = PluginLimits::default();
        let mut g = grants();
        g.secrets.push(("evil".into(), "@evil.example".into()));
        // The placeholder in the authority makes the URL fail to parse before any filling.
        assert!(check(&req("https://api.telegram.org{secret:evil}/x"), &g, &l).is_err());
        for bad in [
            "file:///etc/passwd",
            "ftp://api.telegram.org/",
            "https://user:pw@api.telegram.org/",
            "https://API.TELEGRAM.ORG.evil.example/",
            "not a url",
        ] {
            assert!(check(&req(bad), &g, &l).is_err(), "{bad}");
        }
        assert!(check(&req("https://API.Telegram.org/getMe"), &g, &l).is_ok());
    }

    #[test]
    fn methods_headers_bodies_and_timeouts_are_bounded() {
        let l = PluginLimits::default();
        let mut r = req("https://api.telegram.org/x");
        r.method = "CONNECT".into();
        assert!(check(&r, &grants(), &l).is_err());
        let mut r = req("https://api.telegram.org/x");
        r.headers = vec![("Host".into(), "evil.example".into())];
        assert!(check(&r, &grants(), &l).is_err());
        let mut r = req("https://api.telegram.org/x");
        r.body = vec![0; MAX_REQUEST_BODY + 1];
        assert!(check(&r, &grants(), &l).is_err());
        let mut r = req("https://api.telegram.org/x");
        r.timeout_ms = 3_600_000;
        assert_eq!(check(&r, &grants(), &l).unwrap().timeout, l.http_timeout);
    }

    #[test]
    fn the_rate_is_per_second() {
        let mut r = Rate::new(2);
        assert!(r.take());
        assert!(r.take());
        assert!(!r.take());
    }
}
