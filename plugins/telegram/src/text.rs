//! Text for Telegram: MarkdownV2 escaping, messages split within Telegram's 4096-character
//! limit, and SOL amounts as integers (lamports) both ways.

/// Telegram's longest message text (characters).
pub const MAX_MESSAGE: usize = 4096;

/// Escapes text for MarkdownV2: every character Telegram reserves gets a backslash
/// (core.telegram.org/bots/api#markdownv2-style).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '_' | '*'
                | '['
                | ']'
                | '('
                | ')'
                | '~'
                | '`'
                | '>'
                | '#'
                | '+'
                | '-'
                | '='
                | '|'
                | '{'
                | '}'
                | '.'
                | '!'
                | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Splits already-formatted lines into messages of at most `max` characters, breaking between
/// lines (a line longer than `max` is cut, at a character boundary, never inside an escape).
pub fn paginate(lines: &[String], max: usize) -> Vec<String> {
    let mut pages = Vec::new();
    let mut page = String::new();
    let mut page_len = 0;
    for line in lines {
        let mut line = line.as_str();
        loop {
            let len = line.chars().count();
            let sep = usize::from(page_len > 0);
            if page_len + sep + len <= max {
                if sep == 1 {
                    page.push('\n');
                }
                page.push_str(line);
                page_len += sep + len;
                break;
            }
            if page_len > 0 {
                pages.push(std::mem::take(&mut page));
                page_len = 0;
                continue;
            }
            // One line longer than a page: cut it, not between a backslash and what it escapes.
            let mut cut = line.char_indices().nth(max).map_or(line.len(), |(i, _)| i);
            while cut > 0 && line[..cut].ends_with('\\') {
                cut -= 1;
            }
            pages.push(line[..cut].to_owned());
            line = &line[cut..];
            if line.is_empty() {
                break;
            }
        }
    }
    if !page.is_empty() {
        pages.push(page);
    }
    pages
}

/// "0.25" SOL → 250 000 000 lamports; at most 9 decimals, no sign, no exponent.
pub fn parse_sol(s: &str) -> Option<u64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if (whole.is_empty() && frac.is_empty())
        || frac.len() > 9
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac_val: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    whole.checked_mul(1_000_000_000)?.checked_add(frac_val)
}

/// 250 000 000 lamports → "0.25".
pub fn sol(lamports: u64) -> String {
    let whole = lamports / 1_000_000_000;
    let frac = lamports % 1_000_000_000;
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:09}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Signed lamports as SOL.
pub fn signed_sol(lamports: i64) -> String {
    let s = sol(lamports.unsigned_abs());
    if lamports < 0 { format!("-{s}") } else { s }
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

/// At most `max` characters of `s`, with `…` if it was cut: what the bot repeats of text it
/// was sent.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_v2_reserved_characters_are_escaped() {
        assert_eq!(
            escape("a_b*c[d]e(f)g~h`i>j#k+l-m=n|o{p}q.r!s"),
            "a\\_b\\*c\\[d\\]e\\(f\\)g\\~h\\`i\\>j\\#k\\+l\\-m\\=n\\|o\\{p\\}q\\.r\\!s"
        );
        assert_eq!(escape("0.5 SOL"), "0\\.5 SOL");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
    }

    #[test]
    fn pages_stay_within_the_limit_and_break_between_lines() {
        let lines: Vec<String> = (0..500)
            .map(|i| format!("line {i} {}", "x".repeat(40)))
            .collect();
        let pages = paginate(&lines, MAX_MESSAGE);
        assert!(pages.len() > 1);
        assert!(pages.iter().all(|p| p.chars().count() <= MAX_MESSAGE));
        assert_eq!(pages.join("\n"), lines.join("\n"));
        // A single giant line is cut, never leaving a dangling escape.
        let giant = vec![format!("{}\\.", "y".repeat(MAX_MESSAGE - 1))];
        let pages = paginate(&giant, MAX_MESSAGE);
        assert!(
            pages
                .iter()
                .all(|p| p.chars().count() <= MAX_MESSAGE && !p.ends_with('\\'))
        );
        assert_eq!(pages.concat(), giant[0]);
    }

    #[test]
    fn sol_amounts_parse_and_print_exactly() {
        assert_eq!(parse_sol("0.25"), Some(250_000_000));
        assert_eq!(parse_sol("1"), Some(1_000_000_000));
        assert_eq!(parse_sol(".5"), Some(500_000_000));
        assert_eq!(parse_sol("0.000000001"), Some(1));
        assert_eq!(parse_sol("0.0000000001"), None);
        assert_eq!(parse_sol("-1"), None);
        assert_eq!(parse_sol("1e3"), None);
        assert_eq!(parse_sol(""), None);
        assert_eq!(parse_sol("99999999999999999999"), None);
        assert_eq!(sol(250_000_000), "0.25");
        assert_eq!(sol(3_000_000_000), "3");
        assert_eq!(signed_sol(-1_500_000_000), "-1.5");
    }

    #[test]
    fn shortening_and_clipping_never_cut_a_character() {
        assert_eq!(
            short("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"),
            "6EF8…wF6P"
        );
        assert_eq!(short("ééééééééééééé"), "éééé…éééé");
        assert_eq!(clip("héllo wörld", 4), "héll…");
        assert_eq!(clip("ok", 4), "ok");
    }
}
