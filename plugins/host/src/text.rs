//! Text from a plugin or from outside, cut short for logs and error messages without ever
//! cutting inside a character.

/// At most `max` bytes of `s`, ending on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_never_cuts_a_character() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("héllo", 3), "hé");
        assert_eq!(clip("ok", 10), "ok");
        assert_eq!(clip("☃☃", 4), "☃");
    }
}
