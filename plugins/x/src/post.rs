//! A post and its life: draft → approved → scheduled → (sending →) posted, or rejected, or
//! failed. Every post carries an idempotency key (what made it: a schedule's slot, a
//! day's digest, a fill's signature), so the same cause never makes two posts, and a
//! content hash, so the same words never go out twice.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::weighted;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for an approver (or for an edit, when a check failed).
    #[default]
    Draft,
    /// Approved; the queue gives it a time on its next turn.
    Approved,
    /// Has its time (`at_ms`).
    Scheduled,
    /// Handed to X and not answered yet: after a restart it is checked, never resent blind.
    Sending,
    Posted,
    Rejected,
    Failed,
}

impl State {
    /// Nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Posted | State::Rejected | State::Failed)
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Approved => "approved",
            State::Scheduled => "scheduled",
            State::Sending => "sending",
            State::Posted => "posted",
            State::Rejected => "rejected",
            State::Failed => "failed",
        }
    }
}

/// Where a post came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// The operator's library: the entry's name.
    Library { entry: String },
    /// A template filled from an engine event.
    Event,
    /// An LLM draft: the model and the context version it was given.
    Llm { model: String, context: u64 },
    /// Written in the approval chat.
    #[default]
    Manual,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub id: u64,
    pub text: String,
    /// A library category, `digest`, `profit`, `state`, `llm` or `manual`: auto-approval,
    /// URLs and disclaimers are set by category.
    pub category: String,
    pub source: Source,
    pub state: State,
    /// What made it; one post per key.
    pub key: String,
    /// [`content_hash`] of the text.
    pub hash: String,
    pub created_ms: u64,
    /// The schedule slot it was made for.
    #[serde(default)]
    pub slot_ms: Option<u64>,
    /// When it goes out (scheduled).
    #[serde(default)]
    pub at_ms: Option<u64>,
    /// "Post now": goes at once, not spaced from the last post.
    #[serde(default)]
    pub now: bool,
    #[serde(default)]
    pub approved_by: Option<String>,
    /// The post whose author summoned us, if this is a reply.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// For event posts: the figures from the journal the text may quote.
    #[serde(default)]
    pub facts: Vec<String>,
    /// Why the checks refused it, last time they ran.
    #[serde(default)]
    pub issues: Vec<String>,
    #[serde(default)]
    pub tweet_id: Option<String>,
    #[serde(default)]
    pub posted_ms: Option<u64>,
    /// Why it was rejected or failed, or what happened last.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    /// A send's outcome is unknown (a timeout, a 5xx, a restart mid-send): X may have it.
    /// Until that is settled it cannot be edited or rejected, and X's duplicate refusal of
    /// a retry means it is posted.
    #[serde(default)]
    pub uncertain: bool,
}

/// The hash that recognises the same words: NFC, lower case, runs of spaces as one.
pub fn content_hash(text: &str) -> String {
    let norm = weighted::normalize(text).to_lowercase();
    let words: Vec<&str> = norm.split_whitespace().collect();
    let digest = Sha256::digest(words.join(" ").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The numbers in a text, as written without thousands separators and with their sign
/// (`1,234.50` → `1234.50`, `+12%` → `12`, `-0.4 SOL` → `-0.4`): what the journal check
/// compares.
pub fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (k, &c) in chars.iter().enumerate() {
        let digit_next = chars.get(k + 1).is_some_and(char::is_ascii_digit);
        let word_before = k > 0 && chars[k - 1].is_alphanumeric();
        if c.is_ascii_digit() || (!cur.is_empty() && (c == '.' || c == ',') && digit_next) {
            if c != ',' {
                cur.push(c);
            }
        } else if cur.is_empty() && (c == '-' || c == '\u{2212}') && digit_next && !word_before {
            cur.push('-');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_words_hash_the_same_whatever_the_case_and_spacing() {
        assert_eq!(content_hash("GM  desk"), content_hash("gm desk"));
        assert_ne!(content_hash("gm desk"), content_hash("gm desk!"));
        // NFC: a composed and a decomposed é are the same words.
        assert_eq!(content_hash("caf\u{e9}"), content_hash("cafe\u{301}"));
    }

    #[test]
    fn numbers_are_read_without_separators() {
        assert_eq!(
            numbers("won 1,234.50 SOL (+12%) on day 3."),
            ["1234.50", "12", "3"]
        );
        assert!(numbers("no figures here").is_empty());
    }

    #[test]
    fn final_states_are_posted_rejected_and_failed() {
        assert!(State::Posted.is_final() && State::Failed.is_final() && State::Rejected.is_final());
        assert!(!State::Sending.is_final() && !State::Draft.is_final());
    }
}
