//! The bot's settings, from `[plugins.settings]` in config: where its channels are, who
//! trades, the strike policy, the spam filter. Read once in `init`; a bad value is an error
//! that names the key, and the plugin does not start.

use crate::text::{clip, is_snowflake};

/// Warn points that escalate: a warn adds `warn_points`; points older than `decay_days`
/// no longer count; at `timeout_at` the member is timed out for `timeout_minutes`, at
/// `kick_at` kicked. A threshold of 0 turns that step off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strikes {
    pub warn_points: u32,
    pub decay_days: u64,
    pub timeout_at: u32,
    pub timeout_minutes: u64,
    pub kick_at: u32,
}

/// The spam filter (with the gateway): `repeat_count` identical messages, or `link_count`
/// messages with links or invites, from one member within `window_secs`; or one message
/// mentioning `mention_count` or more members. The messages are deleted and the member timed
/// out for `timeout_minutes`. A count of 0 turns that rule off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spam {
    pub repeat_count: usize,
    pub link_count: usize,
    pub mention_count: usize,
    pub window_secs: u64,
    pub timeout_minutes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub api_base: String,
    pub application_id: String,
    /// Commands registered in this guild (instant); none: globally.
    pub guild_id: Option<String>,
    pub alerts_channel: Option<String>,
    pub modlog_channel: Option<String>,
    /// Members with one of these roles, or these users, may trade.
    pub trader_roles: Vec<String>,
    pub trader_users: Vec<String>,
    /// Moderators' roles: the spam filter leaves them alone.
    pub moderator_roles: Vec<String>,
    /// Whether anyone may read `/status`, `/positions`, `/pnl`, `/price` (else traders only).
    pub public_views: bool,
    /// An explorer's transaction page: `{signature}` is replaced.
    pub explorer_tx: String,
    /// The buy amounts offered when `/buy` names none, lamports.
    pub quick_buy: Vec<u64>,
    /// Least time between two alert messages to one channel, ms.
    pub alert_interval_ms: u64,
    /// New launches to the alerts channel, and which (empty: any).
    pub launch_alerts: bool,
    pub launch_keywords: Vec<String>,
    pub launch_quotes: Vec<String>,
    pub launch_per_minute: u32,
    pub strikes: Strikes,
    pub spam: Spam,
    /// Requests a second outside interactions (Discord's global limit is 50).
    pub global_per_second: u32,
    /// Invalid requests (401, 403, 429) in 10 minutes before the bot stops itself.
    pub invalid_budget: usize,
    /// The channel the X bot's posts are shown in for approval; none: not the X bot's chat.
    pub x_channel: Option<String>,
    /// What the X bot publishes, and where this bot forwards what its members do.
    pub x_topic: String,
    pub x_actions_topic: String,
    /// The X plugin's name: only its messages are shown.
    pub x_bot: String,
}

fn get<'a>(s: &'a [(String, String)], key: &str) -> Option<&'a str> {
    s.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn snowflake(s: &[(String, String)], key: &str) -> Result<Option<String>, String> {
    match get(s, key) {
        None => Ok(None),
        Some(v) if is_snowflake(v) => Ok(Some(v.to_owned())),
        Some(v) => Err(format!("{key}: `{}` is not a Discord id", clip(v, 32))),
    }
}

fn snowflakes(s: &[(String, String)], key: &str) -> Result<Vec<String>, String> {
    get(s, key)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            if is_snowflake(v) {
                Ok(v.to_owned())
            } else {
                Err(format!("{key}: `{}` is not a Discord id", clip(v, 32)))
            }
        })
        .collect()
}

fn num<T: std::str::FromStr>(s: &[(String, String)], key: &str, default: T) -> Result<T, String> {
    get(s, key).map_or(Ok(default), |v| {
        v.parse()
            .map_err(|_| format!("{key}: `{}` is not a number", clip(v, 32)))
    })
}

fn flag(s: &[(String, String)], key: &str, default: bool) -> Result<bool, String> {
    match get(s, key) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(v) => Err(format!("{key}: `{}` is not true or false", clip(v, 16))),
    }
}

fn list(s: &[(String, String)], key: &str) -> Vec<String> {
    get(s, key)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| clip(v, 64))
        .collect()
}

/// The largest quick-buy amount, lamports (1000 SOL).
const MAX_QUICK_BUY: u64 = 1_000_000_000_000;

impl Settings {
    pub fn parse(s: &[(String, String)]) -> Result<Self, String> {
        let application_id = snowflake(s, "application_id")?
            .ok_or("application_id: required (the Developer Portal's Application ID)")?;
        let quick_buy = list(s, "quick_buy_sol")
            .iter()
            .map(|v| {
                kestrel_plugin_sdk::amount::parse_sol(v)
                    .filter(|l| (1..=MAX_QUICK_BUY).contains(l))
                    .ok_or_else(|| format!("quick_buy_sol: `{v}` is not an amount of SOL"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let explorer_tx = get(s, "explorer_tx")
            .unwrap_or("https://solscan.io/tx/{signature}")
            .to_owned();
        if !explorer_tx.starts_with("https://") || !explorer_tx.contains("{signature}") {
            return Err("explorer_tx: an https URL with {signature} in it".into());
        }
        let api_base = get(s, "api_base")
            .unwrap_or("https://discord.com/api/v10")
            .trim_end_matches('/')
            .to_owned();
        Ok(Self {
            api_base,
            application_id,
            guild_id: snowflake(s, "guild_id")?,
            alerts_channel: snowflake(s, "alerts_channel")?,
            modlog_channel: snowflake(s, "modlog_channel")?,
            trader_roles: snowflakes(s, "trader_roles")?,
            trader_users: snowflakes(s, "trader_users")?,
            moderator_roles: snowflakes(s, "moderator_roles")?,
            public_views: flag(s, "public_views", false)?,
            explorer_tx,
            quick_buy: if quick_buy.is_empty() {
                vec![100_000_000, 250_000_000, 500_000_000]
            } else {
                quick_buy
            },
            alert_interval_ms: num(s, "alert_interval_ms", 1_000)?,
            launch_alerts: flag(s, "launch_alerts", false)?,
            launch_keywords: list(s, "launch_keywords"),
            launch_quotes: list(s, "launch_quotes"),
            launch_per_minute: num(s, "launch_per_minute", 10)?,
            strikes: Strikes {
                warn_points: num(s, "strike_warn_points", 1)?,
                decay_days: num(s, "strike_decay_days", 30)?,
                timeout_at: num(s, "strike_timeout_at", 3)?,
                timeout_minutes: num::<u64>(s, "strike_timeout_minutes", 60)?.min(28 * 24 * 60),
                kick_at: num(s, "strike_kick_at", 5)?,
            },
            spam: Spam {
                repeat_count: num(s, "spam_repeat_count", 4)?,
                link_count: num(s, "spam_link_count", 5)?,
                mention_count: num(s, "spam_mention_count", 6)?,
                window_secs: num(s, "spam_window_secs", 30)?,
                timeout_minutes: num::<u64>(s, "spam_timeout_minutes", 10)?.min(28 * 24 * 60),
            },
            global_per_second: num::<u32>(s, "global_per_second", 50)?.clamp(1, 50),
            invalid_budget: num::<usize>(s, "invalid_budget", 1_000)?.clamp(1, 9_000),
            x_channel: snowflake(s, "x_channel")?,
            x_topic: get(s, "x_topic").unwrap_or("x-approvals").trim().to_owned(),
            x_bot: get(s, "x_bot").unwrap_or("x").trim().to_owned(),
            x_actions_topic: get(s, "x_actions_topic")
                .unwrap_or("x-actions")
                .trim()
                .to_owned(),
        })
    }

    /// Whether `user` with `roles` may trade.
    pub fn is_trader(&self, user: &str, roles: &[String]) -> bool {
        self.trader_users.iter().any(|u| u == user)
            || roles.iter().any(|r| self.trader_roles.contains(r))
    }

    pub fn explorer_link(&self, signature: &str) -> String {
        self.explorer_tx.replace("{signature}", signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn settings_read_with_defaults_and_bad_values_name_their_key() {
        let s = Settings::parse(&kv(&[
            ("application_id", "11"),
            ("guild_id", "22"),
            ("trader_roles", "33, 44"),
            ("quick_buy_sol", "0.01,0.02"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.trader_roles, ["33", "44"]);
        assert_eq!(s.quick_buy, [10_000_000, 20_000_000]);
        assert_eq!(s.strikes.timeout_at, 3);
        assert!(s.is_trader("1", &["44".into()]));
        assert!(!s.is_trader("1", &["55".into()]));
        assert_eq!(s.explorer_link("abc"), "https://solscan.io/tx/abc");
        for (k, v) in [
            ("application_id", "app"),
            ("guild_id", "x"),
            ("trader_users", "1,two"),
            ("quick_buy_sol", "-1"),
            ("explorer_tx", "http://x/{signature}"),
            ("public_views", "yes"),
            ("strike_kick_at", "many"),
        ] {
            let mut p = kv(&[("application_id", "11")]);
            p.retain(|(key, _)| key != k);
            p.push((k.into(), v.into()));
            let e = Settings::parse(&p).expect_err(k);
            assert!(e.starts_with(k), "{e}");
        }
        assert!(
            Settings::parse(&[]).is_err(),
            "the application id is required"
        );
    }
}
