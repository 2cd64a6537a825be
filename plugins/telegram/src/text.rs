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
    fn clipping_never_cuts_a_character() {
        assert_eq!(clip("héllo wörld", 4), "héll…");
        assert_eq!(clip("ok", 4), "ok");
    }
}
