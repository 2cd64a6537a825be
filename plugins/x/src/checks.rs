//! The safety checks every post passes before it may leave, and again when it is edited and
//! just before it is sent: X's length and 2026 rules (FACTS §7.1), the operator's deny list
//! and disclaimers, no repeat of recent posts, and, for posts made from engine events, no
//! figure the journal did not give. A post that fails one is never sent; the reasons are
//! shown to the approvers, each as a [`Refusal`].

use std::fmt;

use crate::entities;
use crate::post::{self, Post};
use crate::settings::{Settings, usd};
use crate::weighted;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// Weighted length over 280 (the length).
    TooLong(usize),
    /// More than one cashtag (X refuses them since 2026-04-13).
    Cashtags(Vec<String>),
    /// A link in a category that may not carry one (what it would cost).
    Link {
        url: String,
        cost: u64,
    },
    /// An @mention of an account that did not summon us.
    Mention(String),
    /// A reply to a post whose author did not summon us.
    Reply(String),
    DeniedWord(String),
    DeniedPattern(String),
    /// The disclaimer config requires for the category.
    Disclaimer(String),
    /// The same words went out within the dedupe window (days).
    Duplicate(u64),
    /// Another post in the queue has the same words.
    Queued(u64),
    /// A figure the journal did not give (the figure, those it did).
    Figure(String, Vec<String>),
    /// The store could not be read, so the post could not be checked.
    Unchecked(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => write!(f, "the post is empty"),
            Refusal::TooLong(n) => write!(
                f,
                "too long: {n} of {} weighted characters (links count 23, most non-Latin characters and emoji 2)",
                weighted::MAX_WEIGHTED
            ),
            Refusal::Cashtags(t) => write!(
                f,
                "{} cashtags (${}): X allows one a post",
                t.len(),
                t.join(", $")
            ),
            Refusal::Link { url, cost } => write!(
                f,
                "a link ({url}) in a category that may not carry one; a post with a link costs {}",
                usd(*cost)
            ),
            Refusal::Mention(u) => {
                write!(f, "mentions @{u}, who did not summon us (X's 2026 rule)")
            }
            Refusal::Reply(id) => write!(
                f,
                "replies to post {id}, whose author did not summon us (X's 2026 rule)"
            ),
            Refusal::DeniedWord(w) => write!(f, "holds the denied word `{w}`"),
            Refusal::DeniedPattern(p) => write!(f, "matches the denied pattern `{p}`"),
            Refusal::Disclaimer(d) => write!(f, "lacks the required disclaimer \"{d}\""),
            Refusal::Duplicate(days) => {
                write!(f, "the same words were posted in the last {days} days")
            }
            Refusal::Queued(id) => write!(f, "post #{id} in the queue has the same words"),
            Refusal::Unchecked(e) => write!(f, "could not be checked: {e}"),
            Refusal::Figure(n, facts) => write!(
                f,
                "the figure {n} is not in the journal's figures for this post ({})",
                if facts.is_empty() {
                    "none".into()
                } else {
                    facts.join(", ")
                }
            ),
        }
    }
}

/// What the checks need to know beyond the post and the settings.
pub trait Memory {
    /// Whether the words with this hash went out in the last `days` days; an error when the
    /// store cannot say.
    fn posted_within(&self, hash: &str, days: u64) -> Result<bool, String>;
    /// Another live post (not this one) with the same hash.
    fn queued_twin(&self, post: &Post) -> Option<u64>;
    /// Whether this account (lower case) summoned us.
    fn summoned_by(&self, username: &str) -> bool;
    /// Whether this post of theirs summoned us.
    fn summoned_in(&self, post_id: &str) -> bool;
}

/// Every check the post fails; empty: it may go.
pub fn check(p: &Post, s: &Settings, memory: &impl Memory) -> Vec<Refusal> {
    let text = weighted::normalize(&p.text);
    let mut out = Vec::new();
    if text.trim().is_empty() {
        return vec![Refusal::Empty];
    }
    let len = weighted::length(&text);
    if len > weighted::MAX_WEIGHTED {
        out.push(Refusal::TooLong(len));
    }
    let tags = entities::cashtags(&text);
    if tags.len() > 1 {
        out.push(Refusal::Cashtags(
            tags.into_iter().map(|t| t.value).collect(),
        ));
    }
    if !s.url_categories.contains(&p.category)
        && let Some(link) = entities::urls(&text).into_iter().next()
    {
        out.push(Refusal::Link {
            url: link.value,
            cost: s.prices.post_with_url,
        });
    }
    for m in entities::mentions(&text) {
        if !memory.summoned_by(&m.value.to_lowercase()) {
            out.push(Refusal::Mention(m.value));
        }
    }
    if let Some(r) = &p.reply_to
        && !memory.summoned_in(r)
    {
        out.push(Refusal::Reply(r.clone()));
    }
    let lower = text.to_lowercase();
    for w in &s.deny_words {
        if has_word(&lower, w) {
            out.push(Refusal::DeniedWord(w.clone()));
        }
    }
    for re in &s.deny_patterns {
        if re.is_match(&text) {
            out.push(Refusal::DeniedPattern(
                re.as_str().trim_start_matches("(?i)").to_owned(),
            ));
        }
    }
    if s.needs_disclaimer(&p.category) && !lower.contains(&s.disclaimer.to_lowercase()) {
        out.push(Refusal::Disclaimer(s.disclaimer.clone()));
    }
    match memory.posted_within(&p.hash, s.dedupe_days) {
        Ok(true) => out.push(Refusal::Duplicate(s.dedupe_days)),
        Ok(false) => {}
        Err(e) => out.push(Refusal::Unchecked(e)),
    }
    if let Some(twin) = memory.queued_twin(p) {
        out.push(Refusal::Queued(twin));
    }
    if matches!(p.source, post::Source::Event) {
        for n in post::numbers(&text) {
            if !p.facts.iter().any(|f| same_figure(f, &n)) {
                out.push(Refusal::Figure(n, p.facts.clone()));
            }
        }
    }
    out
}

/// `w` as a whole word (or phrase) of `text`, both lower case.
fn has_word(text: &str, w: &str) -> bool {
    text.match_indices(w).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + w.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `0.50` and `0.5` are the same figure.
fn same_figure(a: &str, b: &str) -> bool {
    fn trim(s: &str) -> &str {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            s
        }
    }
    trim(a) == trim(b)
}

/// What sending the post costs on X, millionths of a dollar.
pub fn cost(p: &Post, s: &Settings) -> u64 {
    if !entities::urls(&weighted::normalize(&p.text)).is_empty() {
        s.prices.post_with_url
    } else if p.reply_to.is_some() {
        s.prices.reply
    } else {
        s.prices.post
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::{Source, content_hash};

    #[derive(Default)]
    struct Mem {
        posted: Vec<String>,
        summoners: Vec<String>,
    }

    impl Memory for Mem {
        fn posted_within(&self, hash: &str, _days: u64) -> Result<bool, String> {
            Ok(self.posted.iter().any(|h| h == hash))
        }
        fn queued_twin(&self, _post: &Post) -> Option<u64> {
            None
        }
        fn summoned_by(&self, u: &str) -> bool {
            self.summoners.iter().any(|s| s == u)
        }
        fn summoned_in(&self, _id: &str) -> bool {
            false
        }
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::parse(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn post(text: &str, category: &str) -> Post {
        Post {
            id: 1,
            text: text.into(),
            category: category.into(),
            key: "k".into(),
            hash: content_hash(text),
            ..Post::default()
        }
    }

    fn reasons(p: &Post, s: &Settings, m: &Mem) -> Vec<String> {
        check(p, s, m).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_plain_post_passes_every_check() {
        assert!(
            check(
                &post("gm, the desk is live", "gm"),
                &settings(&[]),
                &Mem::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn each_rule_refuses_its_example_with_a_reason() {
        let s = settings(&[
            ("deny_words", "guaranteed, 100x"),
            ("deny_patterns", r"\bmoon(ing)?\b"),
            ("disclaimer", "Not financial advice."),
            ("disclaimer_categories", "profit"),
        ]);
        let m = Mem {
            posted: vec![content_hash("gm again")],
            summoners: vec!["friend".into()],
        };
        let cases = [
            (post(&"a".repeat(281), "gm"), "too long: 281 of 280"),
            (
                post("$SOL and $BONK today", "gm"),
                "2 cashtags ($SOL, $BONK)",
            ),
            (
                post("read https://example.com/x", "gm"),
                "a link (https://example.com/x) in a category that may not carry one; a post with a link costs $0.20",
            ),
            (
                post("thanks @stranger", "gm"),
                "mentions @stranger, who did not summon us",
            ),
            (
                post("a guaranteed win", "gm"),
                "holds the denied word `guaranteed`",
            ),
            (
                post("we are Mooning", "gm"),
                r"matches the denied pattern `\bmoon(ing)?\b`",
            ),
            (
                post("up 40%", "profit"),
                "lacks the required disclaimer \"Not financial advice.\"",
            ),
            (
                post("GM  again", "gm"),
                "the same words were posted in the last 30 days",
            ),
        ];
        for (p, want) in cases {
            let r = reasons(&p, &s, &m);
            assert!(r.iter().any(|x| x.starts_with(want)), "{want}: {r:?}");
        }
        assert!(reasons(&post("thanks @Friend", "gm"), &s, &m).is_empty());
        let mut reply = post("hello", "gm");
        reply.reply_to = Some("1234".into());
        assert_eq!(
            reasons(&reply, &s, &m)[0],
            "replies to post 1234, whose author did not summon us (X's 2026 rule)"
        );
    }

    #[test]
    fn an_event_post_may_quote_only_the_journal_s_figures() {
        let s = settings(&[]);
        let mut p = post("Closed at +45% (0.42 SOL realized).", "profit");
        p.source = Source::Event;
        p.facts = vec!["45".into(), "0.420".into()];
        assert!(check(&p, &s, &Mem::default()).is_empty());
        p.text = "Closed at +450% (0.42 SOL realized).".into();
        assert_eq!(
            reasons(&p, &s, &Mem::default()),
            ["the figure 450 is not in the journal's figures for this post (45, 0.420)"]
        );
    }

    #[test]
    fn a_link_is_allowed_where_its_category_allows_and_costs_more() {
        let s = settings(&[("url_categories", "news")]);
        let p = post("read https://example.com", "news");
        assert!(check(&p, &s, &Mem::default()).is_empty());
        assert_eq!(cost(&p, &s), 200_000);
        assert_eq!(cost(&post("plain", "gm"), &s), 15_000);
    }
}
