//! Moderation cases, numbered per guild, in the plugin's durable store so numbers survive a
//! restart. Keys: `case/<guild>/<n>` (the case, JSON), `next/<guild>` (the next number, taken
//! by compare-and-set so a number is never given twice), `user/<guild>/<user>/<n>` (an index
//! for `/cases <user>`). Numbers are zero-padded in keys so listing is in order.

use kestrel_plugin_sdk::kv;
use serde_json::{Value, json};

use crate::text::{clip, duration, iso8601};

/// The longest reason kept (Discord's audit-log reason is 512).
pub const MAX_REASON: usize = 512;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub n: u64,
    pub guild: String,
    /// "warn", "timeout", "untimeout", "kick", "ban", "unban", "report", "spam".
    pub action: String,
    pub target: String,
    pub target_name: String,
    pub moderator: String,
    pub moderator_name: String,
    pub reason: String,
    pub duration_secs: Option<u64>,
    pub at_ms: u64,
    /// A timeout or ban still in force, a warn still counting.
    pub active: bool,
    /// Warn points it carries.
    pub points: u32,
}

fn case_key(guild: &str, n: u64) -> String {
    format!("case/{guild}/{n:012}")
}

impl Case {
    fn to_json(&self) -> Value {
        json!({
            "n": self.n, "guild": self.guild, "action": self.action, "target": self.target,
            "target_name": self.target_name, "moderator": self.moderator,
            "moderator_name": self.moderator_name, "reason": self.reason,
            "duration_secs": self.duration_secs, "at_ms": self.at_ms, "active": self.active,
            "points": self.points,
        })
    }

    fn from_json(v: &Value) -> Option<Self> {
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        Some(Self {
            n: v["n"].as_u64()?,
            guild: s("guild")?,
            action: s("action")?,
            target: s("target")?,
            target_name: s("target_name").unwrap_or_default(),
            moderator: s("moderator")?,
            moderator_name: s("moderator_name").unwrap_or_default(),
            reason: s("reason").unwrap_or_default(),
            duration_secs: v["duration_secs"].as_u64(),
            at_ms: v["at_ms"].as_u64().unwrap_or(0),
            active: v["active"].as_bool().unwrap_or(false),
            points: v["points"]
                .as_u64()
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(0),
        })
    }

    /// One line for lists and the mod log.
    pub fn line(&self) -> String {
        let mut l = format!(
            "#{} {} <@{}> by <@{}>",
            self.n, self.action, self.target, self.moderator
        );
        if let Some(d) = self.duration_secs {
            l.push_str(&format!(" for {}", duration(d)));
        }
        if !self.reason.is_empty() {
            l.push_str(&format!(": {}", clip(&self.reason, 200)));
        }
        l.push_str(&format!(" ({})", &iso8601(self.at_ms)[..16]));
        if !self.active && matches!(self.action.as_str(), "timeout" | "ban" | "warn") {
            l.push_str(" [inactive]");
        }
        l
    }
}

fn store_err(e: kv::KvError) -> String {
    format!("the case store refused: {e:?}")
}

/// Files a new case: takes the guild's next number and writes the case and its index.
pub fn open(mut c: Case) -> Result<Case, String> {
    c.reason = clip(&c.reason, MAX_REASON);
    let counter = format!("next/{}", c.guild);
    // A few tries: compare-and-set fails only if the number moved under us.
    for _ in 0..8 {
        let current = kv::get(&counter).map_err(store_err)?;
        let n = current
            .as_deref()
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(1, u64::from_le_bytes);
        if kv::compare_and_set(&counter, current.as_deref(), Some(&(n + 1).to_le_bytes()))
            .map_err(store_err)?
        {
            c.n = n;
            save(&c)?;
            kv::set(&format!("user/{}/{}/{n:012}", c.guild, c.target), b"").map_err(store_err)?;
            return Ok(c);
        }
    }
    Err("the case counter is busy; try again".into())
}

pub fn save(c: &Case) -> Result<(), String> {
    kv::set(&case_key(&c.guild, c.n), c.to_json().to_string().as_bytes()).map_err(store_err)
}

pub fn get(guild: &str, n: u64) -> Option<Case> {
    let bytes = kv::get(&case_key(guild, n)).ok().flatten()?;
    Case::from_json(&serde_json::from_slice(&bytes).ok()?)
}

/// A member's cases, oldest first, at most `limit` (the most recent ones).
pub fn of_user(guild: &str, user: &str, limit: usize) -> Vec<Case> {
    let prefix = format!("user/{guild}/{user}/");
    let mut numbers = Vec::new();
    let mut after: Option<String> = None;
    while let Ok(keys) = kv::keys(&prefix, after.as_deref(), 200) {
        let Some(last) = keys.last().cloned() else {
            break;
        };
        numbers.extend(
            keys.iter()
                .filter_map(|k| k[prefix.len()..].parse::<u64>().ok()),
        );
        after = Some(last);
        if keys.len() < 200 {
            break;
        }
    }
    let skip = numbers.len().saturating_sub(limit);
    numbers[skip..]
        .iter()
        .filter_map(|n| get(guild, *n))
        .collect()
}

/// Warn points that count now: active warns younger than the decay.
pub fn points(guild: &str, user: &str, now_ms: u64, decay_days: u64) -> u32 {
    let since = now_ms.saturating_sub(decay_days.saturating_mul(86_400_000));
    of_user(guild, user, 1_000)
        .iter()
        .filter(|c| c.action == "warn" && c.active && c.at_ms >= since)
        .map(|c| c.points)
        .sum()
}

/// Marks a member's active cases of `action` inactive (a lifted timeout or ban).
pub fn close(guild: &str, user: &str, action: &str) {
    for mut c in of_user(guild, user, 1_000) {
        if c.action == action && c.active {
            c.active = false;
            let _ = save(&c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_round_trip_through_json_and_read_as_a_line() {
        let c = Case {
            n: 7,
            guild: "1".into(),
            action: "timeout".into(),
            target: "2".into(),
            target_name: "spammer".into(),
            moderator: "3".into(),
            moderator_name: "mod".into(),
            reason: "flooding".into(),
            duration_secs: Some(600),
            at_ms: 1_700_000_000_000,
            active: true,
            points: 0,
        };
        assert_eq!(Case::from_json(&c.to_json()), Some(c.clone()));
        assert_eq!(
            c.line(),
            "#7 timeout <@2> by <@3> for 10m: flooding (2023-11-14T22:13)"
        );
        assert_eq!(Case::from_json(&json!({"n": "x"})), None);
    }
}
