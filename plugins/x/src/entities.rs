//! What X finds in a post's text: URLs (each counts 23 and makes the post cost 13×),
//! cashtags (at most one a post since 2026-04-13) and @mentions (only of accounts that
//! summoned us). The rules follow twitter-text (`twitter/twitter-text`, the extractor X's
//! own clients use); its conformance cases (`conformance.rs`) test them.

/// A found entity: its byte range in the (NFC) text, and what it names (without its sigil).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub value: String,
}

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::tlds;

fn is_tld(s: &str) -> bool {
    let lower = s.to_lowercase();
    tlds::GENERIC.binary_search(&lower.as_str()).is_ok()
        || tlds::COUNTRY.binary_search(&lower.as_str()).is_ok()
        || (lower.starts_with("xn--")
            && lower.len() > 4
            && lower[4..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// twitter-text's accented Latin letters, which count as letters in domains, paths and
/// after mentions.
fn is_latin_accent(c: char) -> bool {
    matches!(u32::from(c),
        0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x253..=0x28B | 0x2BB | 0x300..=0x36F
            | 0x1E00..=0x1EFF)
}

/// A letter of a domain written without a scheme: ASCII or accented Latin.
fn is_ascii_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_latin_accent(c)
}

/// A letter of a domain after a scheme: anything but punctuation, spaces and controls.
fn is_unicode_domain_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Punctuation
                | GeneralCategoryGroup::Separator
                | GeneralCategoryGroup::Other
        )
        && !matches!(c, '$' | '+' | '<' | '>' | '=' | '^' | '`' | '|' | '~')
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || is_latin_accent(c)
        || ('\u{400}'..='\u{4FF}').contains(&c)
        || "!*';:=+,.$/%#[]-\u{2013}_~&|@".contains(c)
}

fn is_path_end(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || is_latin_accent(c)
        || ('\u{400}'..='\u{4FF}').contains(&c)
        || "=_#/-+".contains(c)
}

fn is_query_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!?*'();:&=+$/%#[]-_.,~|@".contains(c)
}

fn is_query_end(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_&=#/".contains(c)
}

/// The URLs in `text`, with or without a scheme.
pub fn urls(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let prev = text[..i].chars().next_back();
        // A link starts after a space, punctuation or a non-Latin letter, never inside a
        // word, @mention, cashtag or hashtag.
        let boundary = prev.is_none_or(|p| {
            !(p.is_ascii_alphanumeric()
                || matches!(p, '@' | '$' | '#' | '＠' | '＃')
                || ('\u{202A}'..='\u{202E}').contains(&p))
        });
        if boundary && let Some(len) = url_at(rest, prev) {
            out.push(Found {
                start: i,
                end: i + len,
                value: rest[..len].to_owned(),
            });
            i += len;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Where a domain that starts `s` ends, if one does: labels joined by dots, the last a
/// known top-level domain not run on by an ASCII letter, digit, `@`, `+` or `-`.
fn domain_at(s: &str, unicode: bool) -> Option<usize> {
    let letter = |c: char| {
        if unicode {
            is_unicode_domain_char(c)
        } else {
            is_ascii_domain_char(c)
        }
    };
    let run = s
        .char_indices()
        .find(|&(_, c)| !(letter(c) || matches!(c, '.' | '-' | '_')))
        .map_or(s.len(), |(k, _)| k);
    let host = &s[..run];
    // The longest domain first: try the top-level domain after each dot, last dot first.
    let dots: Vec<usize> = host.match_indices('.').map(|(k, _)| k).collect();
    for &dot in dots.iter().rev() {
        // A top-level domain may be in another script than the name (`twitter.みんな`).
        let after = &s[dot + 1..];
        let ends: Vec<usize> = after
            .char_indices()
            .take_while(|&(_, c)| !c.is_whitespace() && c != '.')
            .take(MAX_TLD_CHARS)
            .map(|(k, c)| k + c.len_utf8())
            .collect();
        for &e in ends.iter().rev() {
            let tld = &after[..e];
            let next = after[e..].chars().next();
            if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '@') {
                continue;
            }
            if is_tld(tld) && labels_ok(&host[..dot], letter, unicode) {
                return Some(dot + 1 + e);
            }
        }
    }
    None
}

/// The labels before the top-level domain: the last (the domain name) of letters and `-`,
/// those before it (subdomains) also `_`; none starts or ends with `-` or `_`; each within
/// DNS's 63 bytes.
/// The longest top-level domain in twitter-text's lists has fewer characters.
const MAX_TLD_CHARS: usize = 32;

fn labels_ok(names: &str, letter: impl Fn(char) -> bool, unicode: bool) -> bool {
    let labels: Vec<&str> = names.split('.').collect();
    let last = labels.len() - 1;
    labels.iter().enumerate().all(|(k, l)| {
        let inner_ok = l
            .chars()
            .all(|c| letter(c) || c == '-' || (c == '_' && k < last && !unicode));
        let (Some(first), Some(end)) = (l.chars().next(), l.chars().next_back()) else {
            return false;
        };
        // An IDNA label (`xn--`) is ASCII by definition.
        let idna_ok = !l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")) || l.is_ascii();
        inner_ok && idna_ok && letter(first) && letter(end) && fits_dns(l)
    })
}

/// The length in bytes of a link starting at the beginning of `s`, if one does.
fn url_at(s: &str, prev: Option<char>) -> Option<usize> {
    let head: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
    let scheme = if head.starts_with("https://") {
        8
    } else if head.starts_with("http://") {
        7
    } else {
        0
    };
    if scheme == 0 && prev.is_some_and(|p| matches!(p, '-' | '_' | '.' | '/')) {
        return None;
    }
    let host_len = domain_at(&s[scheme..], false).or_else(|| {
        (scheme > 0)
            .then(|| domain_at(&s[scheme..], true))
            .flatten()
    })?;
    let mut end = scheme + host_len;
    // `john.doe.gov@example` is an address, not a link.
    if scheme == 0 && s[end..].starts_with(['@', '＠']) {
        return None;
    }
    // t.co's own links: a slug of letters and digits, 40 at most.
    if scheme > 0 && s[scheme..end].eq_ignore_ascii_case("t.co") && s[end..].starts_with('/') {
        let slug = s[end + 1..]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        if slug > 40 {
            return None;
        }
        return Some(end + 1 + slug + query_len(&s[end + 1 + slug..]));
    }
    if let Some(p) = s[end..].strip_prefix(':') {
        let digits = p.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    if s[end..].starts_with('/') {
        end += path_len(&s[end..]);
    }
    Some(end + query_len(&s[end..]))
}

/// A path's length: its characters (with balanced parentheses), trailing punctuation
/// trimmed.
fn path_len(s: &str) -> usize {
    let mut len = 0;
    let mut depth = 0u32;
    for (k, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            ')' => break,
            c if !is_path_char(c) => break,
            _ => {}
        }
        len = k + c.len_utf8();
    }
    let mut path = &s[..len];
    while let Some(last) = path.chars().next_back() {
        let closes = last == ')' && path.matches('(').count() >= path.matches(')').count();
        if is_path_end(last) || closes {
            break;
        }
        path = &path[..path.len() - last.len_utf8()];
    }
    path.len()
}

fn query_len(s: &str) -> usize {
    if !s.starts_with('?') {
        return 0;
    }
    let len = s[1..]
        .char_indices()
        .find(|&(_, c)| !is_query_char(c))
        .map_or(s.len() - 1, |(k, _)| k);
    let mut q = &s[1..=len];
    while let Some(last) = q.chars().next_back() {
        if is_query_end(last) {
            break;
        }
        q = &q[..q.len() - last.len_utf8()];
    }
    if q.is_empty() { 0 } else { 1 + q.len() }
}

/// DNS's limit on a label, 63 bytes, as its IDNA form (`xn--` and Punycode) for a label
/// that is not ASCII: a longer label is no domain, so no link.
fn fits_dns(label: &str) -> bool {
    const MAX_LABEL: usize = 63;
    if label.is_ascii() {
        return label.len() <= MAX_LABEL;
    }
    let lower: Vec<u32> = label.to_lowercase().chars().map(u32::from).collect();
    "xn--".len() + punycode_len(&lower) <= MAX_LABEL
}

/// The length of RFC 3492's Punycode encoding of `input` (only its length matters here).
fn punycode_len(input: &[u32]) -> usize {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let adapt = |delta: u32, points: u32, first: bool| -> u32 {
        let mut delta = if first { delta / 700 } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        k + (BASE - T_MIN + 1) * delta / (delta + 38)
    };
    let basic = input.iter().filter(|&&c| c < 0x80).count();
    let mut out = basic + usize::from(basic > 0);
    let (mut n, mut delta, mut bias) = (0x80u32, 0u32, 72u32);
    let mut handled = basic;
    while handled < input.len() {
        let Some(&m) = input.iter().filter(|&&c| c >= n).min() else {
            break;
        };
        let points = u32::try_from(handled + 1).unwrap_or(u32::MAX);
        delta = delta.saturating_add((m - n).saturating_mul(points));
        n = m;
        for &c in input {
            if c < n {
                delta = delta.saturating_add(1);
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                let points = u32::try_from(handled + 1).unwrap_or(u32::MAX);
                bias = adapt(delta, points, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.saturating_add(1);
        n += 1;
    }
    out
}

/// The cashtags (`$SOL`): `$` then 1 to 6 letters, optionally `.` or `_` and 1 or 2 more,
/// at the start or after a space, and followed by the end, a space or ASCII punctuation.
pub fn cashtags(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if c != '$'
            || text[..i]
                .chars()
                .next_back()
                .is_some_and(|p| !p.is_whitespace())
        {
            continue;
        }
        let body = &text[i + 1..];
        let letters = body.bytes().take_while(u8::is_ascii_alphabetic).count();
        if !(1..=6).contains(&letters) {
            continue;
        }
        let mut len = letters;
        let rest = &body[letters..];
        if rest.starts_with(['.', '_']) {
            let more = rest[1..]
                .bytes()
                .take_while(u8::is_ascii_alphabetic)
                .count();
            if (1..=2).contains(&more) {
                len += 1 + more;
            }
        }
        let after = body[len..].chars().next();
        if after.is_some_and(|c| !(c.is_whitespace() || c.is_ascii_punctuation())) {
            continue;
        }
        out.push(Found {
            start: i,
            end: i + 1 + len,
            value: body[..len].to_owned(),
        });
    }
    out
}

/// The @mentions: `@` (or `＠`) then 1 to 20 letters, digits or `_`; not after a letter,
/// digit or one of `_!#$%&*@` (an e-mail address is no mention) unless after `RT`; not run
/// on by a letter, an accented Latin letter, another `@` or `://`.
pub fn mentions(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if !matches!(c, '@' | '＠') {
            continue;
        }
        let before = &text[..i];
        let prev = before.chars().next_back();
        let blocked = |p: char| p.is_ascii_alphanumeric() || "_!#$%&*@＠".contains(p);
        if prev.is_some_and(blocked) && !after_retweet(before) {
            continue;
        }
        let body_start = i + c.len_utf8();
        let body = &text[body_start..];
        let len = body
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if len == 0 || len > 20 {
            continue;
        }
        let tail = &body[len..];
        if tail.starts_with(['@', '＠'])
            || tail.starts_with("://")
            || tail.chars().next().is_some_and(is_latin_accent)
        {
            continue;
        }
        out.push(Found {
            start: i,
            end: body_start + len,
            value: body[..len].to_owned(),
        });
    }
    out
}

/// `RT@name`, `rt:@name`: the old retweet prefix counts as a boundary.
fn after_retweet(before: &str) -> bool {
    let b = before.strip_suffix(':').unwrap_or(before);
    let Some(rt) = b.get(b.len().saturating_sub(2)..) else {
        return false;
    };
    rt.eq_ignore_ascii_case("rt")
        && b[..b.len() - 2]
            .chars()
            .next_back()
            .is_none_or(|p| !(p.is_ascii_alphanumeric() || "_+~.-".contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(f: Vec<Found>) -> Vec<String> {
        f.into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn links_with_a_scheme_or_a_known_domain_are_found() {
        assert_eq!(
            values(urls(
                "see https://example.com/a?b=1. and test.com, then t.co/x"
            )),
            ["https://example.com/a?b=1", "test.com", "t.co/x"]
        );
        assert!(urls("a file and e.g. this").is_empty());
        assert!(urls("mail me at a@example.com").is_empty());
    }

    #[test]
    fn punycode_lengths_match_rfc_3492_samples() {
        // RFC 3492 §7.1 (A) Arabic: "egbpdaj6bu4bxfgehfvwxn" (22 characters).
        let arabic = "\u{644}\u{64A}\u{647}\u{645}\u{627}\u{628}\u{62A}\u{643}\u{644}\u{645}\u{648}\u{634}\u{639}\u{631}\u{628}\u{64A}\u{61F}";
        let cps: Vec<u32> = arabic.chars().map(u32::from).collect();
        assert_eq!(punycode_len(&cps), 22);
        // "bücher" → "bcher-kva".
        let cps: Vec<u32> = "bücher".chars().map(u32::from).collect();
        assert_eq!(punycode_len(&cps), 9);
    }

    #[test]
    fn a_cashtag_is_a_dollar_and_letters_but_not_a_price() {
        assert_eq!(
            values(cashtags("$SOL and $BONK, not $5 or a$b")),
            ["SOL", "BONK"]
        );
        assert_eq!(values(cashtags("$BRK.A up")), ["BRK.A"]);
    }

    #[test]
    fn mentions_skip_email_addresses() {
        assert_eq!(values(mentions("hi @alice and bob@example.com")), ["alice"]);
        assert_eq!(values(mentions("@a_b: ok")), ["a_b"]);
    }
}

#[cfg(test)]
mod conformance_tests {
    use super::*;
    use crate::conformance::{CASHTAGS, ExtractCase, MENTIONS, URLS};

    fn misses(cases: &[ExtractCase], find: fn(&str) -> Vec<Found>) -> Vec<String> {
        cases
            .iter()
            .filter_map(|c| {
                let got: Vec<String> = find(c.text).into_iter().map(|f| f.value).collect();
                (got != c.expected)
                    .then(|| format!("{}: got {got:?}, expected {:?}", c.description, c.expected))
            })
            .collect()
    }

    #[test]
    fn every_published_cashtag_case_extracts_as_twitter_text_does() {
        let m = misses(CASHTAGS, cashtags);
        assert!(m.is_empty(), "{m:#?}");
    }

    #[test]
    fn every_published_mention_case_extracts_as_twitter_text_does() {
        let m = misses(MENTIONS, mentions);
        assert!(m.is_empty(), "{m:#?}");
    }

    #[test]
    fn every_published_url_case_extracts_as_twitter_text_does() {
        let m = misses(URLS, urls);
        assert!(m.is_empty(), "{} of {}: {m:#?}", m.len(), URLS.len());
    }
}
