//! The bot's settings, from `[plugins.settings]` (strings, no secrets): the one place they
//! become types, each refused with its key and a clear reason. The README's "The X bot"
//! lists them; defaults are those of X's 2026 pay-per-use tier (FACTS §7.1).

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use regex_lite::Regex;

use crate::cron::Cron;

/// What a schedule line makes at its time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Make {
    /// The next post of a library category, rotated.
    Library(String),
    /// An LLM draft, with an optional subject.
    Llm(Option<String>),
}

#[derive(Clone, Debug)]
pub struct Schedule {
    pub cron: Cron,
    pub make: Make,
    /// The line as written, for messages.
    pub line: String,
}

/// Prices in millionths of a US dollar (no floats on the money path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prices {
    pub post: u64,
    pub post_with_url: u64,
    pub reply: u64,
    pub delete: u64,
    pub read: u64,
}

#[derive(Clone, Debug)]
pub struct Llm {
    /// `https://api.openai.com/v1` or any compatible server.
    pub base: String,
    pub model: String,
    /// The host's secret holding the key (`Authorization: Bearer {secret:…}`); empty: none
    /// (a local server).
    pub key_secret: String,
    /// `max_completion_tokens` (OpenAI) or `max_tokens` (older compatible servers).
    pub max_tokens_field: String,
    pub max_tokens: u32,
    /// Millionths of a dollar per million tokens, prompt and completion.
    pub price_in: u64,
    pub price_out: u64,
    pub persona: String,
    /// A day's LLM spend cap, millionths of a dollar.
    pub daily_cap: u64,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub api_base: String,
    pub signer: String,
    pub zone: TimeZone,
    pub zone_name: String,
    pub schedules: Vec<Schedule>,
    /// Drafts for a schedule's slot are made this long before it, so approvers have time.
    pub lead_ms: u64,
    /// Least time between two posts (post now aside).
    pub spacing_ms: u64,
    /// Posts a day, in the bot's time zone.
    pub daily_cap: u32,
    /// X spend a UTC day (X bills by UTC day), millionths of a dollar.
    pub spend_cap: u64,
    pub prices: Prices,
    /// `sender:user` of those who may approve (`telegram:123456`).
    pub approvers: Vec<String>,
    pub auto_approve: Vec<String>,
    /// Engine events turned into posts: `digest`, `profit`, `state`.
    pub events: Vec<String>,
    /// A closed position is posted when its gain is at least this, basis points of cost.
    pub profit_min_bps: u64,
    pub templates: BTreeMap<String, String>,
    /// Categories whose posts may carry a link (a link costs 13×).
    pub url_categories: Vec<String>,
    pub deny_words: Vec<String>,
    pub deny_patterns: Vec<Regex>,
    pub disclaimer: String,
    /// Categories that need the disclaimer; empty: all.
    pub disclaimer_categories: Vec<String>,
    pub dedupe_days: u64,
    /// Library entries from config: (category, name, text).
    pub library: Vec<(String, String, String)>,
    pub llm: Option<Llm>,
    pub approvals_topic: String,
    /// Time between reads of our mentions (who summoned us); 0: never.
    pub mentions_poll_ms: u64,
}

pub const TEMPLATE_KEYS: [&str; 3] = ["digest", "profit", "state"];

fn default_template(kind: &str) -> &'static str {
    match kind {
        "digest" => {
            "Desk recap for {day}: {launches} launches seen, {bought} buys, {sold} sells, realized {realized} SOL."
        }
        "profit" => "Closed {coin} at +{gain}% ({realized} SOL realized).",
        _ => "Trading is {state}.",
    }
}

/// The placeholders each template may use.
pub fn placeholders(kind: &str) -> &'static [&'static str] {
    match kind {
        "digest" => &[
            "day", "launches", "bought", "sold", "realized", "open", "wallet",
        ],
        "profit" => &["coin", "mint", "gain", "realized", "why"],
        _ => &["state"],
    }
}

/// "0.015" dollars → 15 000 millionths; at most six decimals.
pub fn parse_usd(s: &str) -> Option<u64> {
    kestrel_plugin_sdk::amount::parse_decimal(s.trim().trim_start_matches('$'), 6)
}

/// Millionths of a dollar as `$0.015`.
pub fn usd(micros: u64) -> String {
    let cents_frac = micros % 1_000_000;
    let mut frac = format!("{cents_frac:06}");
    while frac.len() > 2 && frac.ends_with('0') {
        frac.pop();
    }
    format!("${}.{frac}", micros / 1_000_000)
}

fn list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(',')
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

impl Settings {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, String> {
        let map: BTreeMap<&str, &str> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let get = |k: &str| map.get(k).copied();
        let num = |k: &str, default: u64| -> Result<u64, String> {
            get(k).map_or(Ok(default), |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("{k}: `{}` is not a whole number", clip(v)))
            })
        };
        // A number within what makes sense for it, so no sum overflows.
        let within = |k: &str, default: u64, max: u64| -> Result<u64, String> {
            let v = num(k, default)?;
            if v > max {
                return Err(format!("{k}: {v} is over the most allowed, {max}"));
            }
            Ok(v)
        };
        let money = |k: &str, default: &str| -> Result<u64, String> {
            let v = get(k).unwrap_or(default);
            parse_usd(v)
                .ok_or_else(|| format!("{k}: `{}` is not an amount of dollars like 0.015", clip(v)))
        };
        let zone_name = get("time_zone").unwrap_or("UTC").trim().to_owned();
        let zone = TimeZone::get(&zone_name).map_err(|_| {
            format!(
                "time_zone: `{}` is not an IANA time zone (like Europe/Berlin)",
                clip(&zone_name)
            )
        })?;
        let schedules = get("schedule")
            .unwrap_or("")
            .split([';', '\n'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(schedule)
            .collect::<Result<Vec<_>, _>>()?;
        let approvers = list(get("approvers"));
        for a in &approvers {
            let ok = a
                .split_once(':')
                .is_some_and(|(p, u)| !p.is_empty() && !u.is_empty() && !u.contains(':'));
            if !ok {
                return Err(format!(
                    "approvers: `{}` is not `plugin:user` (like telegram:123456)",
                    clip(a)
                ));
            }
        }
        let events = list(get("events"));
        for e in &events {
            if !TEMPLATE_KEYS.contains(&e.as_str()) {
                return Err(format!(
                    "events: `{}` is not one of digest, profit, state",
                    clip(e)
                ));
            }
        }
        let mut templates = BTreeMap::new();
        for kind in TEMPLATE_KEYS {
            let t = get(&format!("template.{kind}")).unwrap_or(default_template(kind));
            check_template(kind, t)?;
            templates.insert(kind.to_owned(), t.to_owned());
        }
        let deny_patterns = get("deny_patterns")
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                Regex::new(&format!("(?i){p}"))
                    .map_err(|e| format!("deny_patterns: `{}` is not a pattern: {e}", clip(p)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut library = Vec::new();
        for (k, v) in &map {
            if let Some(rest) = k.strip_prefix("post.") {
                let Some((category, name)) = rest.split_once('.') else {
                    return Err(format!("{k}: library posts are `post.<category>.<name>`"));
                };
                if category.is_empty() || name.is_empty() || v.trim().is_empty() {
                    return Err(format!(
                        "{k}: a library post needs a category, a name and text"
                    ));
                }
                library.push((category.to_owned(), name.to_owned(), v.trim().to_owned()));
            }
        }
        let llm = match get("llm_base").map(str::trim).filter(|b| !b.is_empty()) {
            None => None,
            Some(base) => {
                if !(base.starts_with("https://") || base.starts_with("http://")) {
                    return Err(format!("llm_base: `{}` is not an http(s) URL", clip(base)));
                }
                let field = get("llm_max_tokens_field").unwrap_or("max_completion_tokens");
                if !["max_completion_tokens", "max_tokens"].contains(&field) {
                    return Err("llm_max_tokens_field: max_completion_tokens or max_tokens".into());
                }
                Some(Llm {
                    base: base.trim_end_matches('/').to_owned(),
                    model: get("llm_model")
                        .map(str::trim)
                        .filter(|m| !m.is_empty())
                        .ok_or("llm_model: needed with llm_base")?
                        .to_owned(),
                    key_secret: get("llm_key_secret").unwrap_or("llm_key").trim().to_owned(),
                    max_tokens_field: field.to_owned(),
                    max_tokens: u32::try_from(num("llm_max_tokens", 400)?)
                        .map_err(|_| "llm_max_tokens: too large")?,
                    price_in: money("llm_price_in_per_mtok", "0")?,
                    price_out: money("llm_price_out_per_mtok", "0")?,
                    persona: get("persona")
                        .unwrap_or("You write short, factual posts for a trading desk's X account.")
                        .to_owned(),
                    daily_cap: money("llm_daily_cap", "1.00")?,
                })
            }
        };
        let api_base = get("api_base")
            .unwrap_or("https://api.x.com")
            .trim()
            .trim_end_matches('/');
        if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
            return Err(format!(
                "api_base: `{}` is not an http(s) URL",
                clip(api_base)
            ));
        }
        Ok(Self {
            api_base: api_base.to_owned(),
            signer: get("signer").unwrap_or("x").trim().to_owned(),
            zone,
            zone_name,
            schedules,
            lead_ms: within("lead_minutes", 60, 7 * 24 * 60)? * 60_000,
            spacing_ms: within("min_spacing_minutes", 60, 24 * 60)? * 60_000,
            daily_cap: u32::try_from(within("daily_cap", 8, 10_000)?).unwrap_or(10_000),
            spend_cap: money("daily_spend_cap", "1.00")?,
            // X's pay-per-use prices, 2026 (FACTS §7.1: XD pricing.mdx).
            prices: Prices {
                post: money("price_post", "0.015")?,
                post_with_url: money("price_post_with_url", "0.20")?,
                reply: money("price_reply", "0.010")?,
                delete: money("price_delete", "0.010")?,
                read: money("price_read", "0.001")?,
            },
            approvers,
            auto_approve: list(get("auto_approve")),
            events,
            profit_min_bps: {
                let v = get("profit_min_percent").unwrap_or("50");
                kestrel_plugin_sdk::amount::parse_decimal(v.trim_end_matches('%'), 2)
                    .ok_or_else(|| format!("profit_min_percent: `{}` is not a percent", clip(v)))?
            },
            templates,
            url_categories: list(get("url_categories")),
            deny_words: list(get("deny_words"))
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect(),
            deny_patterns,
            disclaimer: get("disclaimer").unwrap_or("").trim().to_owned(),
            disclaimer_categories: list(get("disclaimer_categories")),
            dedupe_days: within("dedupe_days", 30, 3_650)?,
            library,
            llm,
            approvals_topic: get("approvals_topic")
                .unwrap_or("x-approvals")
                .trim()
                .to_owned(),
            mentions_poll_ms: within("mentions_poll_secs", 0, 86_400)? * 1_000,
        })
    }

    pub fn auto_approves(&self, category: &str) -> bool {
        self.auto_approve.iter().any(|c| c == category)
    }

    pub fn needs_disclaimer(&self, category: &str) -> bool {
        !self.disclaimer.is_empty()
            && (self.disclaimer_categories.is_empty()
                || self.disclaimer_categories.iter().any(|c| c == category))
    }
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// `<cron, 5 or 6 fields, or @daily…> <library:category | llm[:subject]>`.
fn schedule(line: &str) -> Result<Schedule, String> {
    let Some((cron, make)) = line.rsplit_once(char::is_whitespace) else {
        return Err(format!(
            "schedule: `{}` needs a time and what to make (library:<category> or llm)",
            clip(line)
        ));
    };
    let make = match make.split_once(':') {
        Some(("library", c)) if !c.is_empty() => Make::Library(c.to_owned()),
        Some(("llm", s)) if !s.is_empty() => Make::Llm(Some(s.replace('_', " "))),
        None if make == "llm" => Make::Llm(None),
        _ => {
            return Err(format!(
                "schedule: `{}` in `{}` is not library:<category> or llm[:subject]",
                clip(make),
                clip(line)
            ));
        }
    };
    let cron = cron
        .trim()
        .parse::<Cron>()
        .map_err(|e| format!("schedule: {e}"))?;
    Ok(Schedule {
        cron,
        make,
        line: line.to_owned(),
    })
}

/// Each `{name}` must be one the template's kind fills.
fn check_template(kind: &str, t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("template.{kind}: a `{{` is never closed"));
        };
        let name = &rest[open + 1..open + close];
        if !placeholders(kind).contains(&name) {
            return Err(format!(
                "template.{kind}: `{{{}}}` is not one of {}",
                clip(name),
                placeholders(kind).join(", ")
            ));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

/// Fills `{name}` from `values`.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        Settings::parse(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn defaults_are_x_pay_per_use_prices_and_no_schedule() {
        let s = s(&[]).unwrap();
        assert_eq!(s.prices.post, 15_000);
        assert_eq!(s.prices.post_with_url, 200_000);
        assert!(s.schedules.is_empty() && s.llm.is_none());
        assert_eq!(s.zone_name, "UTC");
    }

    #[test]
    fn schedules_library_posts_and_approvers_parse() {
        let s = s(&[
            ("time_zone", "Europe/Berlin"),
            (
                "schedule",
                "0 9 * * * library:gm; 30 17 * * 1-5 llm:market_close",
            ),
            ("approvers", "telegram:42, discord:77"),
            ("post.gm.one", "gm, the desk is live"),
        ])
        .unwrap();
        assert_eq!(s.schedules.len(), 2);
        assert_eq!(s.schedules[0].make, Make::Library("gm".into()));
        assert_eq!(s.schedules[1].make, Make::Llm(Some("market close".into())));
        assert_eq!(
            s.library,
            [("gm".into(), "one".into(), "gm, the desk is live".into())]
        );
        assert_eq!(s.approvers, ["telegram:42", "discord:77"]);
    }

    #[test]
    fn the_readme_s_example_settings_parse() {
        let s = s(&[
            ("approvers", "telegram:123456789"),
            ("time_zone", "Europe/Berlin"),
            ("schedule", "0 9 * * * library:gm; 0 13 * * 1-5 llm"),
            ("auto_approve", "gm"),
            ("events", "digest, profit"),
            ("post.gm.1", "gm. The desk is open."),
            ("post.gm.2", "Good morning from the desk."),
            ("disclaimer", "Not financial advice."),
            ("disclaimer_categories", "profit, digest, llm"),
            ("deny_words", "guaranteed, 100x"),
            ("llm_base", "https://api.openai.com/v1"),
            ("llm_model", "gpt-4o-mini"),
            ("llm_price_in_per_mtok", "0.15"),
            ("llm_price_out_per_mtok", "0.60"),
            (
                "persona",
                "You write short, plain posts for a small trading desk.",
            ),
        ])
        .unwrap();
        assert_eq!(s.library.len(), 2);
        assert!(s.auto_approves("gm") && !s.auto_approves("llm"));
        assert!(s.needs_disclaimer("profit") && !s.needs_disclaimer("gm"));
        assert_eq!(s.llm.unwrap().price_in, 150_000);
    }

    #[test]
    fn bad_settings_are_refused_with_their_key() {
        for (pairs, want) in [
            (vec![("time_zone", "Mars/Olympus")], "time_zone"),
            (vec![("schedule", "0 25 * * * library:gm")], "schedule"),
            (vec![("schedule", "0 9 * * * tweet")], "schedule"),
            (vec![("approvers", "123")], "approvers"),
            (vec![("events", "launches")], "events"),
            (vec![("template.digest", "{nope}")], "template.digest"),
            (vec![("deny_patterns", "(")], "deny_patterns"),
            (vec![("daily_spend_cap", "lots")], "daily_spend_cap"),
            (
                vec![("lead_minutes", "18446744073709551615")],
                "lead_minutes",
            ),
            (
                vec![("llm_base", "https://x"), ("llm_model", "")],
                "llm_model",
            ),
        ] {
            let e = s(&pairs).unwrap_err();
            assert!(e.starts_with(want), "{e}");
        }
    }

    #[test]
    fn dollars_are_read_and_written_in_millionths() {
        assert_eq!(parse_usd("0.015"), Some(15_000));
        assert_eq!(parse_usd("$1"), Some(1_000_000));
        assert_eq!(parse_usd("0.0000001"), None);
        assert_eq!(usd(15_000), "$0.015");
        assert_eq!(usd(200_000), "$0.20");
        assert_eq!(usd(1_000_000), "$1.00");
    }
}
