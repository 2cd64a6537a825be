//! What the ingress checks before a plugin sees a request, as config declares per plugin:
//! Discord's Ed25519 signature over `X-Signature-Timestamp` ‖ the raw body (FACTS §6.1),
//! with the timestamp inside a replay window of our own (Discord mandates none, FACTS §8), or
//! a shared secret in a header (Telegram's `X-Telegram-Bot-Api-Secret-Token`, FACTS §5),
//! compared in constant time.

use std::time::Duration;

use ed25519_dalek::{Signature, VerifyingKey};
use subtle::ConstantTimeEq;

use crate::config::Verify;

/// Why a request was refused (401).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    MissingHeader(&'static str),
    BadSignatureEncoding,
    BadTimestamp,
    /// The timestamp is further than the window from the host's clock.
    Stale,
    BadSignature,
    BadSecret,
}

pub(crate) const SIGNATURE: &str = "x-signature-ed25519";
pub(crate) const TIMESTAMP: &str = "x-signature-timestamp";

/// Decodes hex (either case); none if it is not hex of `N` bytes.
pub(crate) fn hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.trim().as_bytes();
    if s.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = [0u8; N];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Checks a request's `headers` (names in lower case) and raw `body` against `verify`, at
/// `now` (seconds since the Unix epoch).
pub(crate) fn check(
    verify: &Verify,
    window: Duration,
    headers: &[(String, String)],
    body: &[u8],
    now: u64,
) -> Result<(), Refusal> {
    let header = |name: &'static str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or(Refusal::MissingHeader(name))
    };
    match verify {
        Verify::None => Ok(()),
        Verify::HeaderSecret {
            header: name,
            secret,
        } => {
            let lower = name.to_ascii_lowercase();
            let got = headers
                .iter()
                .find(|(n, _)| *n == lower)
                .map(|(_, v)| v.as_bytes())
                .ok_or(Refusal::BadSecret)?;
            // Lengths may differ in time; the bytes compare in constant time.
            if got.len() == secret.len() && bool::from(got.ct_eq(secret.as_bytes())) {
                Ok(())
            } else {
                Err(Refusal::BadSecret)
            }
        }
        Verify::DiscordEd25519 { public_key } => {
            let sig = hex::<64>(header(SIGNATURE)?).ok_or(Refusal::BadSignatureEncoding)?;
            let ts_text = header(TIMESTAMP)?;
            let ts: u64 = ts_text.trim().parse().map_err(|_| Refusal::BadTimestamp)?;
            if ts.abs_diff(now) > window.as_secs() {
                return Err(Refusal::Stale);
            }
            let key = VerifyingKey::from_bytes(public_key).map_err(|_| Refusal::BadSignature)?;
            let mut signed = Vec::with_capacity(ts_text.len() + body.len());
            signed.extend_from_slice(ts_text.as_bytes());
            signed.extend_from_slice(body);
            key.verify_strict(&signed, &Signature::from_bytes(&sig))
                .map_err(|_| Refusal::BadSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // FACTS §6.1's vector.
    const PUBLIC: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    const SIG: &str = "0f9e54b264347b4abf8a98448093023b92be156813d2f25d6df7151bbd0632ec668fd2e83ace7421c389b138783a8a5a3833d2805bcd2d84c5b452027c07460a";
    const BODY: &[u8] = br#"{"type":1,"id":"1","application_id":"2","token":"t","version":1}"#;
    const TS: u64 = 1_700_000_000;
    const WINDOW: Duration = Duration::from_secs(300);

    fn discord() -> Verify {
        Verify::DiscordEd25519 {
            public_key: hex::<32>(PUBLIC).unwrap(),
        }
    }

    fn headers(sig: &str, ts: &str) -> Vec<(String, String)> {
        vec![
            (SIGNATURE.into(), sig.into()),
            (TIMESTAMP.into(), ts.into()),
        ]
    }

    #[test]
    fn the_published_discord_vector_verifies() {
        assert_eq!(
            check(&discord(), WINDOW, &headers(SIG, "1700000000"), BODY, TS),
            Ok(())
        );
        // Inside the window either way.
        assert_eq!(
            check(
                &discord(),
                WINDOW,
                &headers(SIG, "1700000000"),
                BODY,
                TS + 300
            ),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_a_stale_timestamp_or_a_bad_signature_is_refused() {
        let mut longer = BODY.to_vec();
        longer.push(b' ');
        let h = headers(SIG, "1700000000");
        assert_eq!(
            check(&discord(), WINDOW, &h, &longer, TS),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            check(&discord(), WINDOW, &h, BODY, TS + 301),
            Err(Refusal::Stale)
        );
        assert_eq!(
            check(&discord(), WINDOW, &h, BODY, TS - 301),
            Err(Refusal::Stale)
        );
        // The timestamp is part of what is signed.
        let moved = headers(SIG, "1700000001");
        assert_eq!(
            check(&discord(), WINDOW, &moved, BODY, TS),
            Err(Refusal::BadSignature)
        );
        let mut flipped = SIG.to_owned();
        flipped.replace_range(0..1, "1");
        assert_eq!(
            check(
                &discord(),
                WINDOW,
                &headers(&flipped, "1700000000"),
                BODY,
                TS
            ),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            check(&discord(), WINDOW, &headers("zz", "1700000000"), BODY, TS),
            Err(Refusal::BadSignatureEncoding)
        );
        assert_eq!(
            check(&discord(), WINDOW, &headers(SIG, "soon"), BODY, TS),
            Err(Refusal::BadTimestamp)
        );
        assert_eq!(
            check(&discord(), WINDOW, &[], BODY, TS),
            Err(Refusal::MissingHeader(SIGNATURE))
        );
    }

    #[test]
    fn a_secret_header_must_match_exactly() {
        let v = Verify::HeaderSecret {
            header: "X-Telegram-Bot-Api-Secret-Token".into(),
            secret: "s3cret_token-1".into(),
        };
        let h = |v: &str| vec![("x-telegram-bot-api-secret-token".to_owned(), v.to_owned())];
        assert_eq!(check(&v, WINDOW, &h("s3cret_token-1"), b"{}", 0), Ok(()));
        assert_eq!(
            check(&v, WINDOW, &h("s3cret_token-2"), b"{}", 0),
            Err(Refusal::BadSecret)
        );
        assert_eq!(
            check(&v, WINDOW, &h("s3cret"), b"{}", 0),
            Err(Refusal::BadSecret)
        );
        assert_eq!(check(&v, WINDOW, &[], b"{}", 0), Err(Refusal::BadSecret));
    }

    #[test]
    fn hex_is_exact_length_and_either_case() {
        assert_eq!(hex::<2>("0aFF"), Some([0x0a, 0xff]));
        assert_eq!(hex::<2>("0aF"), None);
        assert_eq!(hex::<2>("0g00"), None);
        assert_eq!(hex::<1>("é"), None);
    }
}
