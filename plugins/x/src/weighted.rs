//! X's weighted length (twitter-text config v3, FACTS §7.1): NFC first; a code point in the
//! light ranges weighs 1, any other 2; every URL 23; an emoji sequence (ZWJ, skin tone, flag,
//! keycap) 2 whatever its length. A post is valid when it is not empty and weighs ≤ 280.
//! Checked against twitter-text's own conformance cases (`conformance.rs`).

use unicode_normalization::UnicodeNormalization;
use unicode_properties::emoji::{EmojiStatus, UnicodeEmoji};
use unicode_segmentation::UnicodeSegmentation;

use crate::entities;

pub const MAX_WEIGHTED: usize = 280;
/// What a URL counts, whatever its length (`transformedURLLength`).
pub const URL_WEIGHT: usize = 23;

/// The code points that weigh 1 (config v3's `ranges`, weight 100 of scale 100).
const LIGHT: [(u32, u32); 4] = [(0, 4351), (8192, 8205), (8208, 8223), (8242, 8247)];

/// The text as X counts it: NFC.
pub fn normalize(text: &str) -> String {
    text.nfc().collect()
}

fn weight(c: char) -> usize {
    let cp = u32::from(c);
    if LIGHT.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp)) {
        1
    } else {
        2
    }
}

/// An emoji as twitter-text's parser sees one: a grapheme shown as emoji by default, asked
/// for as emoji (U+FE0F), a keycap, or a sequence built on one (ZWJ, skin tones, flags).
fn is_emoji(grapheme: &str) -> bool {
    let mut chars = grapheme.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let presentation = matches!(
        first.emoji_status(),
        EmojiStatus::EmojiPresentation
            | EmojiStatus::EmojiPresentationAndModifierBase
            | EmojiStatus::EmojiPresentationAndEmojiComponent
            | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
    );
    presentation
        || (first.is_emoji_char()
            && grapheme
                .chars()
                .skip(1)
                .any(|c| c == '\u{FE0F}' || c == '\u{20E3}'))
}

/// The weighted length of `text` (normalized here first).
pub fn length(text: &str) -> usize {
    let text = normalize(text);
    length_of_normalized(&text)
}

fn length_of_normalized(text: &str) -> usize {
    let links = entities::urls(text);
    let mut total = 0;
    let mut at = 0;
    for link in &links {
        total += plain(&text[at..link.start]) + URL_WEIGHT;
        at = link.end;
    }
    total + plain(&text[at..])
}

fn plain(text: &str) -> usize {
    text.graphemes(true)
        .map(|g| {
            if is_emoji(g) {
                2
            } else {
                g.chars().map(weight).sum()
            }
        })
        .sum()
}

/// Valid for X: not empty (after trimming) and ≤ 280 weighted.
pub fn is_valid(text: &str) -> bool {
    let n = normalize(text);
    !n.trim().is_empty() && length_of_normalized(&n) <= MAX_WEIGHTED
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::WEIGHTED_V3;

    #[test]
    fn every_published_v3_case_counts_as_twitter_text_counts_it() {
        let mut wrong = Vec::new();
        for case in WEIGHTED_V3 {
            let (n, v) = (length(case.text), is_valid(case.text));
            if n != case.weighted_length || v != case.valid {
                wrong.push(format!(
                    "{}: {n}/{v}, expected {}/{}",
                    case.description, case.weighted_length, case.valid
                ));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn x_docs_example_counts_sixteen() {
        assert_eq!(length("Hello, world! 👋"), 16);
    }

    #[test]
    fn a_url_counts_twenty_three_with_or_without_a_scheme() {
        assert_eq!(length("test.com"), 23);
        assert_eq!(
            length("https://example.com/a/very/long/path/that/goes/on/and/on"),
            23
        );
    }
}
