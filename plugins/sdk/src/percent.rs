//! Percent-encoding (RFC 3986: the unreserved characters stay, every other UTF-8 byte becomes
//! `%XX`), for query values and headers such as Discord's audit-log reason.

pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_and_non_ascii_bytes_are_encoded() {
        assert_eq!(super::encode("spam & eggs/ü"), "spam%20%26%20eggs%2F%C3%BC");
        assert_eq!(super::encode("a-b.c_d~e"), "a-b.c_d~e");
    }
}
