//! Mints as bots take them from users: a shape check before the host's own, and a short form
//! for lists.

/// Whether `s` looks like a base58 mint: 32 to 44 characters of the base58 alphabet (the
/// host checks it fully).
pub fn is_mint(s: &str) -> bool {
    (32..=44).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

/// A mint shortened for a list: first 4 and last 4 characters (characters, not bytes: the
/// text may come from a forged button).
pub fn short(mint: &str) -> String {
    let n = mint.chars().count();
    if n <= 10 {
        return mint.to_owned();
    }
    let head: String = mint.chars().take(4).collect();
    let tail: String = mint.chars().skip(n - 4).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mints_are_checked_and_shortened_by_characters() {
        assert!(is_mint("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"));
        assert!(!is_mint("0EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"));
        assert!(!is_mint("short"));
        assert_eq!(
            short("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"),
            "6EF8…wF6P"
        );
        assert_eq!(short("ééééééééééééé"), "éééé…éééé");
    }
}
