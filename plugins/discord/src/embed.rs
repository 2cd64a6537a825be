//! Embeds within Discord's limits (FACTS §6.4): title 256, description 4096, at most 25
//! fields of name 256 and value 1024, footer 2048, and all of a message's embeds together at
//! most 6000 characters, else Discord answers 400. Text is clipped when an embed is built,
//! so a coin's name can never make a message fail.

use serde_json::{Value, json};

use crate::text::clip;

pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_FIELDS: usize = 25;
pub const MAX_FIELD_NAME: usize = 256;
pub const MAX_FIELD_VALUE: usize = 1024;
pub const MAX_FOOTER: usize = 2048;
/// All embeds of one message together.
pub const MAX_TOTAL: usize = 6000;
/// Embeds in one message.
pub const MAX_EMBEDS: usize = 10;

pub const GREEN: u32 = 0x2E_CC_71;
pub const RED: u32 = 0xE7_4C_3C;
pub const ORANGE: u32 = 0xE6_7E_22;
pub const BLUE: u32 = 0x34_98_DB;
pub const PURPLE: u32 = 0x9B_59_B6;
pub const GREY: u32 = 0x95_A5_A6;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embed {
    pub title: String,
    pub description: String,
    pub url: Option<String>,
    pub color: u32,
    pub fields: Vec<(String, String, bool)>,
    pub footer: String,
}

impl Embed {
    pub fn new(title: &str, color: u32) -> Self {
        Self {
            title: clip(title, MAX_TITLE),
            color,
            ..Self::default()
        }
    }

    pub fn description(mut self, d: &str) -> Self {
        self.description = clip(d, MAX_DESCRIPTION);
        self
    }

    pub fn url(mut self, url: String) -> Self {
        // Discord refuses an embed whose url is not http(s).
        if url.starts_with("https://") || url.starts_with("http://") {
            self.url = Some(url);
        }
        self
    }

    /// A field; those beyond the 25th are dropped.
    pub fn field(mut self, name: &str, value: &str, inline: bool) -> Self {
        if self.fields.len() < MAX_FIELDS && !value.is_empty() {
            self.fields.push((
                clip(name, MAX_FIELD_NAME),
                clip(value, MAX_FIELD_VALUE),
                inline,
            ));
        }
        self
    }

    pub fn footer(mut self, f: &str) -> Self {
        self.footer = clip(f, MAX_FOOTER);
        self
    }

    /// The characters Discord counts toward the 6000 of a message.
    pub fn weight(&self) -> usize {
        self.title.chars().count()
            + self.description.chars().count()
            + self.footer.chars().count()
            + self
                .fields
                .iter()
                .map(|(n, v, _)| n.chars().count() + v.chars().count())
                .sum::<usize>()
    }

    pub fn to_json(&self) -> Value {
        let mut e = json!({ "title": self.title, "color": self.color });
        if !self.description.is_empty() {
            e["description"] = json!(self.description);
        }
        if let Some(u) = &self.url {
            e["url"] = json!(u);
        }
        if !self.fields.is_empty() {
            e["fields"] = self
                .fields
                .iter()
                .map(|(n, v, i)| json!({ "name": n, "value": v, "inline": i }))
                .collect();
        }
        if !self.footer.is_empty() {
            e["footer"] = json!({ "text": self.footer });
        }
        e
    }
}

/// Takes from the front of `queue` the embeds one message can carry: at most ten, at most
/// 6000 characters together (an embed heavier than that alone is cut down to fit).
pub fn take_message(queue: &mut std::collections::VecDeque<Embed>) -> Vec<Embed> {
    let mut out: Vec<Embed> = Vec::new();
    let mut total = 0;
    while let Some(e) = queue.front() {
        let w = e.weight();
        if out.len() == MAX_EMBEDS || (!out.is_empty() && total + w > MAX_TOTAL) {
            break;
        }
        let mut e = queue.pop_front().unwrap_or_default();
        if w > MAX_TOTAL {
            e.fields.clear();
            let room = MAX_TOTAL.saturating_sub(e.title.chars().count() + e.footer.chars().count());
            e.description = clip(&e.description, room);
        }
        total += e.weight();
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    #[test]
    fn every_part_of_an_embed_is_clipped_to_discords_limits() {
        let long = "x".repeat(10_000);
        let mut e = Embed::new(&long, RED).description(&long).footer(&long);
        for _ in 0..30 {
            e = e.field(&long, &long, false);
        }
        assert_eq!(e.title.chars().count(), MAX_TITLE);
        assert_eq!(e.description.chars().count(), MAX_DESCRIPTION);
        assert_eq!(e.footer.chars().count(), MAX_FOOTER);
        assert_eq!(e.fields.len(), MAX_FIELDS);
        assert!(
            e.fields
                .iter()
                .all(|(n, v, _)| n.chars().count() <= MAX_FIELD_NAME
                    && v.chars().count() <= MAX_FIELD_VALUE)
        );
        assert!(
            Embed::new("t", 0)
                .url("javascript:alert(1)".into())
                .url
                .is_none()
        );
    }

    #[test]
    fn a_message_takes_at_most_ten_embeds_and_six_thousand_characters() {
        let mut q: VecDeque<Embed> = (0..25)
            .map(|i| Embed::new(&format!("fill {i}"), GREEN).description(&"y".repeat(900)))
            .collect();
        let mut messages = 0;
        while !q.is_empty() {
            let m = take_message(&mut q);
            assert!(!m.is_empty() && m.len() <= MAX_EMBEDS);
            assert!(m.iter().map(Embed::weight).sum::<usize>() <= MAX_TOTAL);
            messages += 1;
        }
        assert_eq!(messages, 5, "six 900-character embeds per message");
        let mut heavy: VecDeque<Embed> = [Embed::new("h", 0)
            .description(&"z".repeat(4000))
            .field("a", &"v".repeat(1000), false)
            .field("b", &"v".repeat(1000), false)
            .field("c", &"v".repeat(1000), false)]
        .into();
        let m = take_message(&mut heavy);
        assert!(m[0].weight() <= MAX_TOTAL);
    }
}
