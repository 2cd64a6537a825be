//! twitter-text's published conformance cases, used to test the X bot's
//! weighted length counter and entity extraction.
//!
//! Source: <https://github.com/twitter/twitter-text>, commit
//! `3b8031c80efe49f16fd282a55e28eb23aef2ad85`:
//! - `conformance/tests/validate.yml`, section
//!   `WeightedTweetsWithDiscountedEmojiCounterTest` -> [`WEIGHTED_V3`]
//!   (only `weightedLength` and `valid` of each `expected` map are kept);
//! - `conformance/tests/extract.yml`, sections `tests.cashtags` -> [`CASHTAGS`],
//!   `tests.mentions` -> [`MENTIONS`] and `tests.urls` -> [`URLS`].
//!
//! twitter-text is Copyright 2011 Twitter, Inc. and Copyright 2019 Robert Sayre,
//! licensed under the Apache License, Version 2.0 (SPDX: `Apache-2.0`, see the
//! repository's `LICENSE` file). These are test vectors, kept verbatim as data:
//! descriptions, texts and expected values are unchanged from the YAML (YAML
//! escapes decoded), in the original order. Every non-ASCII character is written
//! as a `\u{...}` escape so that invisible characters (ZWJ, variation selectors,
//! combining marks) stay visible; nothing is Unicode-normalized, as some cases
//! test NFC normalization.

// Test data: each const is read by a test.

/// A weighted-length case from `validate.yml`.
pub struct WeightedCase {
    pub description: &'static str,
    pub text: &'static str,
    pub weighted_length: usize,
    pub valid: bool,
}

/// An extraction case from `extract.yml`; `expected` holds the extracted
/// values without their sigil, in order.
pub struct ExtractCase {
    pub description: &'static str,
    pub text: &'static str,
    pub expected: &'static [&'static str],
}

/// `validate.yml` `tests.WeightedTweetsWithDiscountedEmojiCounterTest` (21 cases).
pub const WEIGHTED_V3: &[WeightedCase] = &[
    WeightedCase {
        description: "Regular Tweet with url",
        text: "Hi http://test.co",
        weighted_length: 26,
        valid: true,
    },
    WeightedCase {
        description: "Just url",
        text: "http://test.co",
        weighted_length: 23,
        valid: true,
    },
    WeightedCase {
        description: "Long tweet, overflow at char index 280",
        text: "285 chars-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-",
        weighted_length: 285,
        valid: false,
    },
    WeightedCase {
        description: "Long tweet with url in the middle, overflow at char index 284",
        text: "285 chars- http://www.twitter.com/jack xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-",
        weighted_length: 299,
        valid: false,
    },
    WeightedCase {
        description: "Long tweet with url at the end, overflow at char index 265",
        text: "xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx- http://www.twitter.com/jack ",
        weighted_length: 289,
        valid: false,
    },
    WeightedCase {
        description: "10 url string, no overflow",
        text: "https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha https://www.twitter.com/aloha ",
        weighted_length: 240,
        valid: true,
    },
    WeightedCase {
        description: "160 CJK char, overflow at char index 140",
        text: "\u{6545}\u{4EBA}\u{897F}\u{8F9E}\u{9EC4}\u{9E64}\u{697C}\u{FF0C}\u{70DF}\u{82B1}\u{4E09}\u{6708}\u{4E0B}\u{626C}\u{5DDE}\u{3002}\u{5B64}\u{5E06}\u{8FDC}\u{5F71}\u{78A7}\u{7A7A}\u{5C3D}\u{FF0C}\u{552F}\u{89C1}\u{957F}\u{6C5F}\u{5929}\u{9645}\u{6D41}\u{3002}\u{6731}\u{96C0}\u{6865}\u{8FB9}\u{91CE}\u{8349}\u{82B1}\u{FF0C}\u{4E4C}\u{8863}\u{5DF7}\u{53E3}\u{5915}\u{9633}\u{659C}\u{3002}\u{65E7}\u{65F6}\u{738B}\u{8C22}\u{5802}\u{524D}\u{71D5}\u{FF0C}\u{98DE}\u{5165}\u{5BFB}\u{5E38}\u{767E}\u{59D3}\u{5BB6}\u{3002}\u{671D}\u{8F9E}\u{767D}\u{5E1D}\u{5F69}\u{4E91}\u{95F4}\u{FF0C}\u{5343}\u{91CC}\u{6C5F}\u{9675}\u{4E00}\u{65E5}\u{8FD8}\u{3002}\u{4E24}\u{5CB8}\u{733F}\u{58F0}\u{557C}\u{4E0D}\u{4F4F}\u{FF0C}\u{8F7B}\u{821F}\u{5DF2}\u{8FC7}\u{4E07}\u{91CD}\u{5C71}\u{3002}\u{6CEA}\u{6E7F}\u{7F57}\u{5DFE}\u{68A6}\u{4E0D}\u{6210}\u{FF0C}\u{591C}\u{6DF1}\u{524D}\u{6BBF}\u{6309}\u{6B4C}\u{58F0}\u{3002}\u{7EA2}\u{989C}\u{672A}\u{8001}\u{6069}\u{5148}\u{65AD}\u{FF0C}\u{659C}\u{501A}\u{85B0}\u{7B3C}\u{5750}\u{5230}\u{660E}\u{3002}\u{72EC}\u{5728}\u{5F02}\u{4E61}\u{4E3A}\u{5F02}\u{5BA2}\u{FF0C}\u{6BCF}\u{9022}\u{4F73}\u{8282}\u{500D}\u{601D}\u{4EB2}\u{3002}\u{9065}\u{77E5}\u{5144}\u{5F1F}\u{767B}\u{9AD8}\u{5904}\u{FF0C}\u{904D}\u{63D2}\u{8331}\u{8438}\u{5C11}\u{4E00}\u{4EBA}\u{3002}",
        weighted_length: 320,
        valid: false,
    },
    WeightedCase {
        description: "160 emoji char, overflow at char index 140",
        text: "\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}\u{1F637}",
        weighted_length: 320,
        valid: false,
    },
    WeightedCase {
        description: "3 latin char + 160 CJK char, overflow at char index 141",
        text: "the\u{6545}\u{4EBA}\u{897F}\u{8F9E}\u{9EC4}\u{9E64}\u{697C}\u{FF0C}\u{70DF}\u{82B1}\u{4E09}\u{6708}\u{4E0B}\u{626C}\u{5DDE}\u{3002}\u{5B64}\u{5E06}\u{8FDC}\u{5F71}\u{78A7}\u{7A7A}\u{5C3D}\u{FF0C}\u{552F}\u{89C1}\u{957F}\u{6C5F}\u{5929}\u{9645}\u{6D41}\u{3002}\u{6731}\u{96C0}\u{6865}\u{8FB9}\u{91CE}\u{8349}\u{82B1}\u{FF0C}\u{4E4C}\u{8863}\u{5DF7}\u{53E3}\u{5915}\u{9633}\u{659C}\u{3002}\u{65E7}\u{65F6}\u{738B}\u{8C22}\u{5802}\u{524D}\u{71D5}\u{FF0C}\u{98DE}\u{5165}\u{5BFB}\u{5E38}\u{767E}\u{59D3}\u{5BB6}\u{3002}\u{671D}\u{8F9E}\u{767D}\u{5E1D}\u{5F69}\u{4E91}\u{95F4}\u{FF0C}\u{5343}\u{91CC}\u{6C5F}\u{9675}\u{4E00}\u{65E5}\u{8FD8}\u{3002}\u{4E24}\u{5CB8}\u{733F}\u{58F0}\u{557C}\u{4E0D}\u{4F4F}\u{FF0C}\u{8F7B}\u{821F}\u{5DF2}\u{8FC7}\u{4E07}\u{91CD}\u{5C71}\u{3002}\u{6CEA}\u{6E7F}\u{7F57}\u{5DFE}\u{68A6}\u{4E0D}\u{6210}\u{FF0C}\u{591C}\u{6DF1}\u{524D}\u{6BBF}\u{6309}\u{6B4C}\u{58F0}\u{3002}\u{7EA2}\u{989C}\u{672A}\u{8001}\u{6069}\u{5148}\u{65AD}\u{FF0C}\u{659C}\u{501A}\u{85B0}\u{7B3C}\u{5750}\u{5230}\u{660E}\u{3002}\u{72EC}\u{5728}\u{5F02}\u{4E61}\u{4E3A}\u{5F02}\u{5BA2}\u{FF0C}\u{6BCF}\u{9022}\u{4F73}\u{8282}\u{500D}\u{601D}\u{4EB2}\u{3002}\u{9065}\u{77E5}\u{5144}\u{5F1F}\u{767B}\u{9AD8}\u{5904}\u{FF0C}\u{904D}\u{63D2}\u{8331}\u{8438}\u{5C11}\u{4E00}\u{4EBA}\u{3002}",
        weighted_length: 323,
        valid: false,
    },
    WeightedCase {
        description: "282 chars with a normalized character within valid range but outside 280",
        text: "282 chars-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxx-xxxxxA\u{0301}x",
        weighted_length: 281,
        valid: false,
    },
    WeightedCase {
        description: "Count a mix of single byte single word, and double word unicode characters",
        text: "H\u{1F431}\u{263A}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",
        weighted_length: 7,
        valid: true,
    },
    WeightedCase {
        description: "Count unicode emoji chars inside the basic multilingual plane",
        text: "\u{1F637}\u{1F47E}\u{1F621}\u{1F525}\u{1F4A9}",
        weighted_length: 10,
        valid: true,
    },
    WeightedCase {
        description: "Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
        text: "\u{1F64B}\u{1F3FD}\u{1F468}\u{200D}\u{1F3A4}",
        weighted_length: 4,
        valid: true,
    },
    WeightedCase {
        description: "Handle General Punctuation Characters with visible spaces(u2000-200A), no ZWJ/ZWNJ",
        text: "This is a tweet with general punctuation characters: \u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}\u{200B} \u{2010} \u{2011} \u{2012} \u{2013} \u{2014} \u{2015} \u{2016}  \u{2017} \u{2018} \u{2019} \u{201A} \u{201B} \u{201C} \u{201D} \u{201E} \u{201F} \u{2032} \u{2033} \u{2034} \u{2035} \u{2036} \u{2037}",
        weighted_length: 110,
        valid: true,
    },
    WeightedCase {
        description: "Handle long url with invalid domain labels and short url",
        text: "Long url with invalid domain labels and a short url: https://somesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurl.com/foo https://somesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurl.com/foo https://somesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurl.com/foo https://validurl.com",
        weighted_length: 12079,
        valid: false,
    },
    WeightedCase {
        description: "Handle a 64 character domain without protocol",
        text: "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com",
        weighted_length: 68,
        valid: true,
    },
    WeightedCase {
        description: "Do not allow > 140 CJK characters by virtue of CJK chars greater than 63 punycode encoded chars in the host",
        text: "\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053} http://\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}.com",
        weighted_length: 358,
        valid: false,
    },
    WeightedCase {
        description: "Allow > 140 CJK characters by virtue of CJK chars less than 63 punycode encoded chars in the host",
        text: "\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053} http://\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}\u{3046}\u{3048}\u{304A}\u{304B}\u{304D}\u{304F}\u{3051}\u{3053}\u{3042}\u{3044}.com",
        weighted_length: 264,
        valid: true,
    },
    WeightedCase {
        description: "140 family emoji",
        text: "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",
        weighted_length: 280,
        valid: true,
    },
    WeightedCase {
        description: "Unicode 10.0 emoji",
        text: "Unicode 10.0 emoji: \u{1F92A}; \u{1F9D5}; \u{1F9D5}\u{1F3FE}; \u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
        weighted_length: 34,
        valid: true,
    },
    WeightedCase {
        description: "Unicode 9.0 emoji",
        text: "Unicode 9.0 emoji: \u{1F920}; \u{1F483}; \u{1F483}\u{1F3FE}",
        weighted_length: 29,
        valid: true,
    },
];

/// `extract.yml` `tests.cashtags` (8 cases).
pub const CASHTAGS: &[ExtractCase] = &[
    ExtractCase {
        description: "Extract cashtags",
        text: "Example cashtags: $TEST $Stock   $symbol",
        expected: &["TEST", "Stock", "symbol"],
    },
    ExtractCase {
        description: "Extract cashtags with . or _",
        text: "Example cashtags: $TEST.T $test.tt $Stock_X $symbol_ab",
        expected: &["TEST.T", "test.tt", "Stock_X", "symbol_ab"],
    },
    ExtractCase {
        description: "Do not extract cashtags if they contain numbers",
        text: "$123 $test123 $TE123ST",
        expected: &[],
    },
    ExtractCase {
        description: "Do not extract cashtags with non-ASCII characters",
        text: "$\u{30B9}\u{30C8}\u{30C3}\u{30AF} $\u{682A}",
        expected: &[],
    },
    ExtractCase {
        description: "Do not extract cashtags with punctuations",
        text: "$ $. $- $@ $! $() $+",
        expected: &[],
    },
    ExtractCase {
        description: "Do not include trailing . or _",
        text: "$TEST. $TEST_",
        expected: &["TEST", "TEST"],
    },
    ExtractCase {
        description: "Do not extract cashtags if there is no space before $",
        text: "$OK$NG$BAD text$NO .$NG $$NG",
        expected: &["OK"],
    },
    ExtractCase {
        description: "Do not extract too long cashtags",
        text: "$CashtagMustBeLessThanSixCharacter",
        expected: &[],
    },
];

/// `extract.yml` `tests.mentions` (23 cases).
pub const MENTIONS: &[ExtractCase] = &[
    ExtractCase {
        description: "Extract mention at the begining of a tweet",
        text: "@username reply",
        expected: &["username"],
    },
    ExtractCase {
        description: "Extract mention at the end of a tweet",
        text: "mention @username",
        expected: &["username"],
    },
    ExtractCase {
        description: "Extract mention in the middle of a tweet",
        text: "mention @username in the middle",
        expected: &["username"],
    },
    ExtractCase {
        description: "Extract mention of username with underscore",
        text: "mention @user_name",
        expected: &["user_name"],
    },
    ExtractCase {
        description: "Extract mention of all numeric username",
        text: "mention @12345",
        expected: &["12345"],
    },
    ExtractCase {
        description: "Extract mention or multiple usernames",
        text: "mention @username1 @username2",
        expected: &["username1", "username2"],
    },
    ExtractCase {
        description: "Extract mention in the middle of a Japanese tweet",
        text: "\u{306E}@username\u{306B}\u{5230}\u{7740}\u{3092}\u{5F85}\u{3063}\u{3066}\u{3044}\u{308B}",
        expected: &["username"],
    },
    ExtractCase {
        description: "DO NOT extract username ending in @",
        text: "Current Status: @_@ (cc: @username)",
        expected: &["username"],
    },
    ExtractCase {
        description: "DO NOT extract username followed by accented latin characters",
        text: "@alice\u{00EC}nheiro something something",
        expected: &[],
    },
    ExtractCase {
        description: "Extract lone metion but not @user@user (too close to an email)",
        text: "@username email me @test@example.com",
        expected: &["username"],
    },
    ExtractCase {
        description: "DO NOT extract 'http' in '@http://' as username",
        text: "@http://twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "Extract mentions before newline",
        text: "@username\n@mention",
        expected: &["username", "mention"],
    },
    ExtractCase {
        description: "Extract mentions after 'RT'",
        text: "RT@username RT:@mention RT @test",
        expected: &["username", "mention", "test"],
    },
    ExtractCase {
        description: "Extract mentions after 'rt'",
        text: "rt@username rt:@mention rt @test",
        expected: &["username", "mention", "test"],
    },
    ExtractCase {
        description: "Extract mentions after 'Rt'",
        text: "Rt@username Rt:@mention Rt @test",
        expected: &["username", "mention", "test"],
    },
    ExtractCase {
        description: "Extract mentions after 'rT'",
        text: "rT@username rT:@mention rT @test",
        expected: &["username", "mention", "test"],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by !",
        text: "f!@kn",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by @",
        text: "f@@kn",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by #",
        text: "f#@kn",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by $",
        text: "f$@kn",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by %",
        text: "f%@kn",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by &",
        text: "f&@kn",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract username preceded by *",
        text: "f*@kn",
        expected: &[],
    },
];

/// `extract.yml` `tests.urls` (89 cases).
pub const URLS: &[ExtractCase] = &[
    ExtractCase {
        description: "Extract a lone URL",
        text: "http://example.com",
        expected: &["http://example.com"],
    },
    ExtractCase {
        description: "Extract a lone unicode url",
        text: "http://\u{3042}\u{3042}.com",
        expected: &["http://\u{3042}\u{3042}.com"],
    },
    ExtractCase {
        description: "Extract a lone unicode url with -",
        text: "http://\u{3042}-\u{3042}.com",
        expected: &["http://\u{3042}-\u{3042}.com"],
    },
    ExtractCase {
        description: "Extract valid URL: http://google.com",
        text: "text http://google.com",
        expected: &["http://google.com"],
    },
    ExtractCase {
        description: "Extract valid URL: http://foobar.com/#",
        text: "text http://foobar.com/#",
        expected: &["http://foobar.com/#"],
    },
    ExtractCase {
        description: "Extract valid URL: http://google.com/#foo",
        text: "text http://google.com/#foo",
        expected: &["http://google.com/#foo"],
    },
    ExtractCase {
        description: "Extract valid URL: http://google.com/#search?q=iphone%20-filter%3Alinks",
        text: "text http://google.com/#search?q=iphone%20-filter%3Alinks",
        expected: &["http://google.com/#search?q=iphone%20-filter%3Alinks"],
    },
    ExtractCase {
        description: "Extract valid URL: http://twitter.com/#search?q=iphone%20-filter%3Alinks",
        text: "text http://twitter.com/#search?q=iphone%20-filter%3Alinks",
        expected: &["http://twitter.com/#search?q=iphone%20-filter%3Alinks"],
    },
    ExtractCase {
        description: "Extract valid URL: http://somedomain.com/index.php?path=/abc/def/",
        text: "text http://somedomain.com/index.php?path=/abc/def/",
        expected: &["http://somedomain.com/index.php?path=/abc/def/"],
    },
    ExtractCase {
        description: "Extract valid URL: http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html",
        text: "text http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html",
        expected: &["http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html"],
    },
    ExtractCase {
        description: "Extract valid URL: http://somehost.com:3000",
        text: "text http://somehost.com:3000",
        expected: &["http://somehost.com:3000"],
    },
    ExtractCase {
        description: "Extract valid URL: http://xo.com/~matthew+%ff-x",
        text: "text http://xo.com/~matthew+%ff-x",
        expected: &["http://xo.com/~matthew+%ff-x"],
    },
    ExtractCase {
        description: "Extract valid URL: http://xo.com/~matthew+%ff-,.;x",
        text: "text http://xo.com/~matthew+%ff-,.;x",
        expected: &["http://xo.com/~matthew+%ff-,.;x"],
    },
    ExtractCase {
        description: "Extract valid URL: http://xo.com/,.;x",
        text: "text http://xo.com/,.;x",
        expected: &["http://xo.com/,.;x"],
    },
    ExtractCase {
        description: "Extract valid URL: http://en.wikipedia.org/wiki/Primer_(film)",
        text: "text http://en.wikipedia.org/wiki/Primer_(film)",
        expected: &["http://en.wikipedia.org/wiki/Primer_(film)"],
    },
    ExtractCase {
        description: "Extract valid URL: http://www.ams.org/bookstore-getitem/item=mbk-59",
        text: "text http://www.ams.org/bookstore-getitem/item=mbk-59",
        expected: &["http://www.ams.org/bookstore-getitem/item=mbk-59"],
    },
    ExtractCase {
        description: "Extract valid URL: http://\u{272A}df.ws/ejp",
        text: "text http://\u{272A}df.ws/ejp",
        expected: &["http://\u{272A}df.ws/ejp"],
    },
    ExtractCase {
        description: "Extract valid URL: http://example.com/",
        text: "test http://example.com\u{3060}\u{3088}\u{306D}.comtest/hogehoge",
        expected: &["http://example.com"],
    },
    ExtractCase {
        description: "Extract valid URL: http://chilp.it/?77e8fd",
        text: "text http://chilp.it/?77e8fd",
        expected: &["http://chilp.it/?77e8fd"],
    },
    ExtractCase {
        description: "Extract valid URL: http://x.com/oneletterdomain",
        text: "text http://x.com/oneletterdomain",
        expected: &["http://x.com/oneletterdomain"],
    },
    ExtractCase {
        description: "Extract valid URL: http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
        text: "text http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
        expected: &[
            "http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
        ],
    },
    ExtractCase {
        description: "Extract valid URL with hyphen as query ending char: https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
        text: "text https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
        expected: &[
            "https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
        ],
    },
    ExtractCase {
        description: "DO NOT extract invalid URL: http://no-tld",
        text: "text http://no-tld",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract invalid URL: http://tld-too-short.x",
        text: "text http://tld-too-short.x",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract invalid URL with invalid preceding character: (http://twitter.com",
        text: "(http://twitter.com",
        expected: &["http://twitter.com"],
    },
    ExtractCase {
        description: "Extract a very long hyphenated sub-domain URL (single letter hyphens)",
        text: "text http://word-and-a-number-8-ftw.domain.com/",
        expected: &["http://word-and-a-number-8-ftw.domain.com/"],
    },
    ExtractCase {
        description: "Extract a hyphenated TLD (usually a typo)",
        text: "text http://domain.com-that-you-should-have-put-a-space-after",
        expected: &["http://domain.com"],
    },
    ExtractCase {
        description: "Extract URL ending with # value",
        text: "text http://foo.com?#foo text",
        expected: &["http://foo.com?#foo"],
    },
    ExtractCase {
        description: "Extract URLs without protocol on (com|org|edu|gov|net) domains",
        text: "foo.com foo.net foo.org foo.edu foo.gov",
        expected: &["foo.com", "foo.net", "foo.org", "foo.edu", "foo.gov"],
    },
    ExtractCase {
        description: "Extract URLs without protocol not on (com|org|edu|gov|net) domains",
        text: "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp",
        expected: &["foo.co.jp", "www.foo.co.uk", "foo.jp"],
    },
    ExtractCase {
        description: "Extract URLs without protocol on ccTLD with slash",
        text: "t.co/abcde bit.ly/abcde",
        expected: &["t.co/abcde", "bit.ly/abcde"],
    },
    ExtractCase {
        description: "Extract URLs with protocol on ccTLD domains",
        text: "http://foo.jp http://fooooo.jp",
        expected: &["http://foo.jp", "http://fooooo.jp"],
    },
    ExtractCase {
        description: "Extract URLs with a - or + at the end of the path",
        text: "Go to http://example.com/a+ or http://example.com/a-",
        expected: &["http://example.com/a+", "http://example.com/a-"],
    },
    ExtractCase {
        description: "Extract URLs with longer paths ending in -",
        text: "Go to http://example.com/view/slug-url-?foo=bar",
        expected: &["http://example.com/view/slug-url-?foo=bar"],
    },
    ExtractCase {
        description: "Extract URLs with an en dash in the path",
        text: "Go to https://en.m.wikipedia.org/wiki/Hatfield\u{2013}McCoy_feud please",
        expected: &["https://en.m.wikipedia.org/wiki/Hatfield\u{2013}McCoy_feud"],
    },
    ExtractCase {
        description: "Extract URLs beginning with a space",
        text: "@user Try http:// example.com/path",
        expected: &["example.com/path"],
    },
    ExtractCase {
        description: "Extract long URL without protocol surrounded by CJK characters",
        text: "\u{3053}\u{308C}\u{306F}\u{65E5}\u{672C}\u{8A9E}\u{3067}\u{3059}\u{3002}example.com/path/index.html\u{4E2D}\u{56FD}\u{8A9E}example.com/path\u{D55C}\u{AD6D}",
        expected: &["example.com/path/index.html", "example.com/path"],
    },
    ExtractCase {
        description: "Extract short URL without protocol surrounded by CJK characters",
        text: "twitter.com\u{3053}\u{308C}\u{306F}\u{65E5}\u{672C}\u{8A9E}\u{3067}\u{3059}\u{3002}example.com\u{4E2D}\u{56FD}\u{8A9E}t.co/abcde\u{D55C}\u{AD6D}twitter.com example2.com\u{30C6}\u{30B9}\u{30C8}twitter.com/abcde",
        expected: &[
            "twitter.com",
            "example.com",
            "t.co/abcde",
            "twitter.com",
            "example2.com",
            "twitter.com/abcde",
        ],
    },
    ExtractCase {
        description: "Extract URLs with and without protocol surrounded by CJK characters",
        text: "http://twitter.com/\u{3053}\u{308C}\u{306F}\u{65E5}\u{672C}\u{8A9E}\u{3067}\u{3059}\u{3002}example.com\u{4E2D}\u{56FD}\u{8A9E}http://t.co/abcde\u{D55C}\u{AD6D}twitter.com\u{30C6}\u{30B9}\u{30C8}example2.com\u{30C6}\u{30B9}\u{30C8}http://twitter.com/abcde",
        expected: &[
            "http://twitter.com/",
            "example.com",
            "http://t.co/abcde",
            "twitter.com",
            "example2.com",
            "http://twitter.com/abcde",
        ],
    },
    ExtractCase {
        description: "Extract URLs with protocol and path containing Cyrillic characters",
        text: "Go to http://twitter.com/\u{0420}\u{0443}\u{0441}\u{0441}\u{043A}\u{0438}\u{0435}_\u{0441}\u{043B}\u{043E}\u{0432}\u{0430}",
        expected: &[
            "http://twitter.com/\u{0420}\u{0443}\u{0441}\u{0441}\u{043A}\u{0438}\u{0435}_\u{0441}\u{043B}\u{043E}\u{0432}\u{0430}",
        ],
    },
    ExtractCase {
        description: "Extract non-ASCII host name URLs with protocol, but ignore host names bigger than 63 characters. Also handle exceptions for non-ASCII hostnames longer than 256 characters",
        text: "http://example\u{3053}\u{308C}\u{306F}\u{65E5}\u{672C}\u{8A9E}\u{3067}\u{3059}.com/path/index.html http://\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}.com/path/index.html",
        expected: &[
            "http://example\u{3053}\u{308C}\u{306F}\u{65E5}\u{672C}\u{8A9E}\u{3067}\u{3059}.com/path/index.html",
        ],
    },
    ExtractCase {
        description: "Extract short URLs without protocol on ccTLD domains without path",
        text: "twitter.jp\u{65E5}\u{672C}\u{8A9E}it.so\u{4E2D}\u{56FD}\u{8A9E}foo.jp it.so foo.jp",
        expected: &["twitter.jp", "it.so", "foo.jp", "it.so", "foo.jp"],
    },
    ExtractCase {
        description: "DO NOT extract invalid URL",
        text: "Hello http://xn--\u{306F}\u{3058}\u{3081}\u{3088}\u{3046}.com/index.html",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT Extract URL with domain preceeded by underscore: http://domain-begin_dash_2314352345_dfasd.foo-cow_4352.com",
        text: "text http://domain-dash_2314352345_dfasd.foo-cow_4352.com",
        expected: &[],
    },
    ExtractCase {
        description: "Extract some (tv|co) short URLs without protocol on ccTLD domains without path",
        text: "MLB.tv vine.co twitch.tv t.co",
        expected: &["MLB.tv", "vine.co", "twitch.tv", "t.co"],
    },
    ExtractCase {
        description: "Extract URLs beginning with a non-breaking space (U+00A0)",
        text: "@user Try http://\u{00A0}example.com/path",
        expected: &["example.com/path"],
    },
    ExtractCase {
        description: "Extract URLs with underscores and dashes in the subdomain",
        text: "test http://sub_domain-dash.twitter.com",
        expected: &["http://sub_domain-dash.twitter.com"],
    },
    ExtractCase {
        description: "Extract URL with minimum number of valid characters",
        text: "test http://a.b.cd",
        expected: &["http://a.b.cd"],
    },
    ExtractCase {
        description: "Extract URLs containing underscores and dashes",
        text: "test http://a_b.c-d.com",
        expected: &["http://a_b.c-d.com"],
    },
    ExtractCase {
        description: "Extract URLs containing dashes in the subdomain",
        text: "test http://a-b.c.com",
        expected: &["http://a-b.c.com"],
    },
    ExtractCase {
        description: "Extract URLs with dashes in the domain name",
        text: "test http://twitter-dash.com",
        expected: &["http://twitter-dash.com"],
    },
    ExtractCase {
        description: "Extract URLs with lots of symbols then a period",
        text: "http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188",
        expected: &[
            "http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188",
        ],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing leading dashes in the subdomain",
        text: "test http://-leadingdash.twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing leading dashes in the domain with a subdomain",
        text: "test http://leadingdash.-twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing trailing dashes in the subdomain",
        text: "test http://trailingdash-.twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing trailing dashes in the domain with a subdomain",
        text: "test http://trailingdash.twitter-.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing leading underscores in the subdomain",
        text: "test http://_leadingunderscore.twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing leading underscores in the domain with a subdomain",
        text: "test http://leadingunderscore._twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing trailing underscores in the subdomain",
        text: "test http://trailingunderscore_.twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing trailing underscores in the domain with a subdomain",
        text: "test http://trailingunderscore.twitter_.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing leading dashes in the domain name",
        text: "test http://-twitter.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing trailing dashes in the domain name",
        text: "test http://twitter-.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing underscores in the domain name",
        text: "test http://twitter_underscore.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URLs containing underscores in the tld",
        text: "test http://twitter.c_o_m",
        expected: &[],
    },
    ExtractCase {
        description: "Extract valid URL http://www.foo.com/foo/path-with-period./",
        text: "test http://www.foo.com/foo/path-with-period./",
        expected: &["http://www.foo.com/foo/path-with-period./"],
    },
    ExtractCase {
        description: "Extract valid URL http://www.foo.org.za/foo/bar/688.1",
        text: "test http://www.foo.org.za/foo/bar/688.1",
        expected: &["http://www.foo.org.za/foo/bar/688.1"],
    },
    ExtractCase {
        description: "Extract valid URL http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0",
        text: "test http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0",
        expected: &["http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0"],
    },
    ExtractCase {
        description: "Extract valid URL http://foo.com/bar/123/foo_&_bar/",
        text: "test http://foo.com/bar/123/foo_&_bar/",
        expected: &["http://foo.com/bar/123/foo_&_bar/"],
    },
    ExtractCase {
        description: "Extract valid URL http://www.cp.sc.edu/events/65",
        text: "test http://www.cp.sc.edu/events/65 test",
        expected: &["http://www.cp.sc.edu/events/65"],
    },
    ExtractCase {
        description: "Extract valid URL http://www.andersondaradio.no.comunidades.net/",
        text: "http://www.andersondaradio.no.comunidades.net/ test test",
        expected: &["http://www.andersondaradio.no.comunidades.net/"],
    },
    ExtractCase {
        description: "Extract valid URL ELPA\u{00CD}S.com",
        text: "test ELPA\u{00CD}S.com",
        expected: &["ELPA\u{00CD}S.com"],
    },
    ExtractCase {
        description: "DO NOT include period at the end of URL",
        text: "test http://twitter.com/.",
        expected: &["http://twitter.com/"],
    },
    ExtractCase {
        description: "Extract a URL with '?' in fragment",
        text: "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata",
        expected: &[
            "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata",
        ],
    },
    ExtractCase {
        description: "Extract a URL with '?' in fragment in a text",
        text: "text http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata text",
        expected: &[
            "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata",
        ],
    },
    ExtractCase {
        description: "Extract a URL with a ton of trailing periods",
        text: "Test a ton of periods http://example.com/path..........................................",
        expected: &["http://example.com/path"],
    },
    ExtractCase {
        description: "Extract a URL with a ton of trailing commas",
        text: "Test a ton of periods http://example.com/,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        expected: &["http://example.com/"],
    },
    ExtractCase {
        description: "Extract a URL with a ton of trailing '!'",
        text: "Test a ton of periods http://example.com/path/!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        expected: &["http://example.com/path/"],
    },
    ExtractCase {
        description: "DO NOT extract URLs in hashtag or @mention",
        text: "#test.com @test.com #http://test.com @http://test.com #t.co/abcde @t.co/abcde",
        expected: &[],
    },
    ExtractCase {
        description: "Extract a t.co URL with a trailing apostrophe",
        text: "I really like http://t.co/pbY2NfTZ's website",
        expected: &["http://t.co/pbY2NfTZ"],
    },
    ExtractCase {
        description: "Extract a t.co URL with a trailing hyphen",
        text: "Check this site out http://t.co/FNkPfmii- it's great",
        expected: &["http://t.co/FNkPfmii"],
    },
    ExtractCase {
        description: "Extract a t.co URL with a trailing colon",
        text: "According to http://t.co/ulYGBYSo: the internet is cool",
        expected: &["http://t.co/ulYGBYSo"],
    },
    ExtractCase {
        description: "Extract a t.co URL with a long path",
        text: "I really like http://t.co/abcdefghijklmnopqrstuvwxyz0123456789",
        expected: &["http://t.co/abcdefghijklmnopqrstuvwxyz0123456789"],
    },
    ExtractCase {
        description: "DO NOT extract URLs with > 40 characters in a t.co slug",
        text: "I really like http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234",
        expected: &[],
    },
    ExtractCase {
        description: "Extract domain followed by Japanese characters",
        text: "example.com\u{3066}\u{3059}\u{3068}\u{3067}\u{3059}twitter.\u{307F}\u{3093}\u{306A}\u{3067}\u{3059}",
        expected: &["example.com", "twitter.\u{307F}\u{3093}\u{306A}"],
    },
    ExtractCase {
        description: "Extract URL before newline",
        text: "http://twitter.com\nhttp://example.com\nhttp://example.com/path\nexample.com/path\nit.so\nit.so/abcde",
        expected: &[
            "http://twitter.com",
            "http://example.com",
            "http://example.com/path",
            "example.com/path",
            "it.so",
            "it.so/abcde",
        ],
    },
    ExtractCase {
        description: "DO NOT extract URL if preceded by $",
        text: "$http://twitter.com $twitter.com $http://t.co/abcde $t.co/abcde $t.co $TVI.CA $RBS.CA",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract .bz2 file name as URL",
        text: "long.test.tar.bz2 test.tar.bz2 tar.bz2",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URL with gTLD followed by @ sign",
        text: "john.doe.gov@mail.com",
        expected: &[],
    },
    ExtractCase {
        description: "DO NOT extract URL with ccTLD followed by @ sign",
        text: "john.doe.jp@mail.com",
        expected: &[],
    },
];
