//! OAuth 1.0a request signing with HMAC-SHA1, as X's user context wants it (FACTS §7.2, from
//! docs.x.com, "Creating a signature" and "Authorizing a request"). The host signs as the
//! last step before a request leaves, after the allow-list and `{secret:…}` substitution, so
//! the four credentials never reach a plugin.
//!
//! What is signed: the method, the URL without its query, the query's parameters, the
//! parameters of an `application/x-www-form-urlencoded` body (a JSON body is not signed), and
//! the `oauth_*` parameters.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use url::Url;

/// An app's and a user's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

/// RFC 3986 percent-encoding: `A–Z a–z 0–9 - . _ ~` stay, every other byte of the UTF-8 is
/// `%XX` in upper case (a space is `%20`, never `+`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The URL as the base string names it: scheme and host in lower case, the port only if not
/// the scheme's default, the path; no query, no fragment.
fn base_url(url: &Url) -> String {
    let mut s = format!(
        "{}://{}",
        url.scheme().to_ascii_lowercase(),
        url.host_str().unwrap_or_default().to_ascii_lowercase()
    );
    if let Some(p) = url.port() {
        s.push_str(&format!(":{p}"));
    }
    s.push_str(url.path());
    s
}

/// The signature base string of a request with `params` (query, form body and `oauth_*`,
/// decoded).
pub fn base_string(method: &str, url: &Url, params: &[(String, String)]) -> String {
    let mut enc: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    enc.sort();
    let joined = enc
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(&base_url(url)),
        encode(&joined)
    )
}

/// base64(HMAC-SHA1(enc(consumer secret) & enc(token secret), base string)).
pub fn sign(creds: &Credentials, base: &str) -> String {
    let key = format!(
        "{}&{}",
        encode(&creds.consumer_secret),
        encode(&creds.token_secret)
    );
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The request's parameters: its query's, and its body's if the body is a form.
pub fn request_params(url: &Url, form_body: Option<&[u8]>) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some(body) = form_body {
        p.extend(url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    }
    p
}

/// The `Authorization` header value for a request, with this `nonce` and `timestamp`
/// (seconds since the Unix epoch).
pub fn authorization(
    creds: &Credentials,
    method: &str,
    url: &Url,
    form_body: Option<&[u8]>,
    nonce: &str,
    timestamp: u64,
) -> String {
    let oauth: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), creds.consumer_key.clone()),
        ("oauth_nonce".into(), nonce.into()),
        ("oauth_signature_method".into(), "HMAC-SHA1".into()),
        ("oauth_timestamp".into(), timestamp.to_string()),
        ("oauth_token".into(), creds.token.clone()),
        ("oauth_version".into(), "1.0".into()),
    ];
    let mut all = request_params(url, form_body);
    all.extend(oauth.iter().cloned());
    let signature = sign(creds, &base_string(method, url, &all));
    let mut fields: Vec<(String, String)> = oauth;
    fields.push(("oauth_signature".into(), signature));
    fields.sort();
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", encode(k), encode(v)))
        .collect();
    format!("OAuth {}", parts.join(", "))
}

/// A fresh nonce: 32 random letters and digits.
pub fn nonce() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // No entropy source: a clock-derived nonce still differs request to request.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return format!("{t:032}");
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // X's published example (FACTS §7.2).
    fn creds() -> Credentials {
        Credentials {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
            consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
            token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
        }
    }
    const NONCE: &str = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
    const TIMESTAMP: u64 = 1_318_622_958;
    const FORM: &[u8] =
        b"status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21";

    fn params(url: &Url) -> Vec<(String, String)> {
        let mut p = request_params(url, Some(FORM));
        for (k, v) in [
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            ("oauth_nonce", NONCE),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            (
                "oauth_token",
                "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            ),
            ("oauth_version", "1.0"),
        ] {
            p.push((k.into(), v.into()));
        }
        p
    }

    #[test]
    fn percent_encoding_is_rfc_3986() {
        assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
        assert_eq!(encode("☃"), "%E2%98%83");
        assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
        assert_eq!(encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
        assert_eq!(encode("-._~"), "-._~");
    }

    #[test]
    fn the_published_example_gives_the_published_base_string_and_signature() {
        let url =
            Url::parse("https://api.x.com/1.1/statuses/update.json?include_entities=true").unwrap();
        let base = base_string("post", &url, &params(&url));
        assert_eq!(
            base,
            "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
        );
        assert_eq!(sign(&creds(), &base), "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
        // The classic vector, on the old host name.
        let classic =
            Url::parse("https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
                .unwrap();
        let base = base_string("POST", &classic, &params(&classic));
        assert_eq!(sign(&creds(), &base), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
    }

    #[test]
    fn the_header_carries_the_encoded_signature_and_every_oauth_field() {
        let url =
            Url::parse("https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
                .unwrap();
        let h = authorization(&creds(), "POST", &url, Some(FORM), NONCE, TIMESTAMP);
        assert_eq!(
            h,
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
        );
    }

    #[test]
    fn a_json_body_is_not_signed_and_a_default_port_is_not_named() {
        let url = Url::parse("https://API.X.com:443/2/tweets").unwrap();
        assert!(request_params(&url, None).is_empty());
        let base = base_string("POST", &url, &[]);
        assert!(
            base.starts_with("POST&https%3A%2F%2Fapi.x.com%2F2%2Ftweets&"),
            "{base}"
        );
        let other = Url::parse("http://localhost:8080/2/tweets").unwrap();
        assert!(base_string("POST", &other, &[]).contains("localhost%3A8080"));
    }

    #[test]
    fn nonces_are_fresh_letters_and_digits() {
        let (a, b) = (nonce(), nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }
}
