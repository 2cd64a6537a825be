//! Endpoint URLs. Providers put API keys in the URL (`?api-key=…`), so a URL may reference
//! environment variables as `${VAR}`: the file holds the reference, the process the value, and
//! what is printed is the reference, with any literal query values and passwords masked.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

/// One endpoint: the text as written in the config and the URL it resolves to.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    template: String,
    url: Url,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointKind {
    Http,
    Ws,
}

impl Endpoint {
    /// Expands `${VAR}` references and parses the URL.
    pub fn parse(template: &str) -> Result<Self, String> {
        reject_inline_secret(template)?;
        let expanded = expand_env(template)?;
        let url = Url::parse(&expanded)
            .map_err(|e| format!("not a URL ({e}): {}", redact_text(template)))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("no host in {}", redact_text(template)));
        }
        Ok(Self {
            template: template.to_owned(),
            url,
        })
    }

    /// The resolved URL, secrets included: for connecting, never for printing.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The endpoint as it may be shown: references kept, literal secrets masked.
    pub fn redacted(&self) -> String {
        redact_text(&self.template)
    }

    pub fn check_kind(&self, kind: EndpointKind) -> Result<(), String> {
        let ok = match kind {
            EndpointKind::Http => matches!(self.url.scheme(), "http" | "https"),
            EndpointKind::Ws => matches!(self.url.scheme(), "ws" | "wss"),
        };
        if ok {
            return Ok(());
        }
        let want = match kind {
            EndpointKind::Http => "http or https",
            EndpointKind::Ws => "ws or wss",
        };
        Err(format!(
            "scheme `{}` in {}; expected {want}",
            self.url.scheme(),
            self.redacted()
        ))
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.redacted())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Endpoint::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Serializes the redacted form: config output never carries a secret.
impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

pub(crate) fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn expand_env(template: &str) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in {}", redact_text(template)))?;
        let name = after.get(..end).unwrap_or_default();
        if !is_env_name(name) {
            return Err(format!(
                "`${{{name}}}` is not an environment variable reference"
            ));
        }
        let value =
            lookup_env(name).ok_or_else(|| format!("environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(not(test))]
fn lookup_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

// Tests set variables per thread: the process environment is shared between test threads, and
// writing it is `unsafe` in edition 2024.
#[cfg(test)]
thread_local! {
    pub(crate) static TEST_ENV: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::default();
}

#[cfg(test)]
fn lookup_env(name: &str) -> Option<String> {
    TEST_ENV
        .with(|env| env.borrow().get(name).cloned())
        .or_else(|| std::env::var(name).ok())
}

#[cfg(test)]
pub(crate) fn set_test_env(name: &str, value: &str) {
    TEST_ENV.with(|env| env.borrow_mut().insert(name.to_owned(), value.to_owned()));
}

/// Masks what looks like a credential written literally: the password of `user:pass@`, and
/// every query value that is not a `${VAR}` reference.
fn redact_text(template: &str) -> String {
    let (base, query) = match template.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (template, None),
    };
    let mut out = String::with_capacity(template.len());
    match base.split_once("://") {
        Some((scheme, rest)) => {
            out.push_str(scheme);
            out.push_str("://");
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    let user = userinfo.split(':').next().unwrap_or_default();
                    out.push_str(user);
                    out.push_str(":***@");
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            // API keys also hide in paths (`/v2/<key>`): mask long opaque segments.
            for seg in path.split('/').skip(1) {
                out.push('/');
                if looks_like_key(seg) {
                    out.push_str("***")
                } else {
                    out.push_str(seg)
                }
            }
        }
        None => out.push_str(base),
    }
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) if !(v.is_empty() || v.starts_with("${") && v.ends_with('}')) => {
                    format!("{k}=***")
                }
                _ => kv.to_owned(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

/// Query keys that carry credentials at RPC providers.
const CREDENTIAL_KEYS: [&str; 10] = [
    "api-key",
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "auth",
    "secret",
    "password",
    "x-token",
];

fn is_reference(v: &str) -> bool {
    v.starts_with("${") && v.ends_with('}')
}

/// Refuses credentials written into the URL: they belong in the environment, as `${VAR}`.
fn reject_inline_secret(template: &str) -> Result<(), String> {
    let hint = "write it as ${ENV_VAR} and set the variable";
    let (base, query) = template.split_once('?').unwrap_or((template, ""));
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !is_reference(password)
    {
        return Err(format!("the URL holds a password inline; {hint}"));
    }
    if path.split('/').any(looks_like_key) {
        return Err(format!(
            "a path segment of the URL looks like an API key; {hint}"
        ));
    }
    for kv in query.split('&') {
        if let Some((k, v)) = kv.split_once('=')
            && CREDENTIAL_KEYS.contains(&k.to_ascii_lowercase().as_str())
            && !v.is_empty()
            && !is_reference(v)
        {
            return Err(format!(
                "query parameter `{k}` holds a credential inline; {hint}"
            ));
        }
    }
    Ok(())
}

fn looks_like_key(seg: &str) -> bool {
    seg.len() >= 24
        && !seg.starts_with("${")
        && seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_expand_but_print_as_references() {
        let var = "KESTREL_TEST_ENDPOINT_KEY_1";
        set_test_env(var, "sekret-value");
        let ep = Endpoint::parse(&format!("https://rpc.example.com/?api-key=${{{var}}}")).unwrap();
        assert_eq!(ep.url().query(), Some("api-key=sekret-value"));
        assert_eq!(
            ep.redacted(),
            format!("https://rpc.example.com/?api-key=${{{var}}}")
        );
        assert!(!format!("{ep:?} {ep}").contains("sekret"));
    }

    #[test]
    fn inline_credentials_are_refused() {
        for url in [
            "https://mainnet.helius-rpc.com/?api-key=0123456789abcdef",
            "wss://user:pw@a.example.com/x",
            "https://example.solana-mainnet.quiknode.pro/abcdefghijklmnopqrstuvwxyz012345/",
            "https://rpc.example.com/?TOKEN=abc",
        ] {
            let err = Endpoint::parse(url).unwrap_err();
            assert!(err.contains("${ENV_VAR}"), "{url}: {err}");
            assert!(
                !err.contains("0123456789abcdef") && !err.contains("pw@"),
                "{err}"
            );
        }
        // Non-credential parameters and references are fine.
        set_test_env("KESTREL_TEST_PW", "pw");
        assert!(
            Endpoint::parse(
                "https://user:${KESTREL_TEST_PW}@rpc.example.com/?commitment=confirmed"
            )
            .is_ok()
        );
    }

    #[test]
    fn whatever_slips_through_is_still_masked_when_shown() {
        let shown = redact_text(
            "https://user:hunter2@rpc.example.com/v2/abcdefghijklmnopqrstuvwxyz012345?api-key=abc&x=",
        );
        assert_eq!(
            shown,
            "https://user:***@rpc.example.com/v2/***?api-key=***&x="
        );
    }

    #[test]
    fn unset_or_malformed_references_are_errors() {
        assert!(
            Endpoint::parse("https://x/?k=${KESTREL_TEST_SURELY_UNSET_VAR}")
                .unwrap_err()
                .contains("not set")
        );
        assert!(
            Endpoint::parse("https://x/?k=${oops")
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(Endpoint::parse("https://x/?k=${a b}").is_err());
        assert!(Endpoint::parse("not a url").is_err());
    }
}
