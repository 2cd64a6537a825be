//! Amounts, times and text as the bot writes them: quotes and PnL from base units without
//! floats (on the SDK's `amount`), durations as moderators type them, ISO 8601 for Discord's
//! timestamps, snowflakes, and clipping of anything repeated from outside.

use kestrel_plugin_sdk::amount::{decimal, signed_sol, sol};

/// A PnL in SOL with its sign always shown: "+0.5", "-1.5".
pub fn pnl_sol(lamports: i64) -> String {
    let s = signed_sol(lamports);
    if lamports < 0 { s } else { format!("+{s}") }
}

/// An amount of a quote ("SOL" or "USDC") in its base units, with its name.
pub fn quote_amount(quote: &str, units: u64) -> String {
    match quote {
        "USDC" => format!("{} USDC", decimal(units, 6)),
        _ => format!("{} SOL", sol(units)),
    }
}

/// At most `max` characters of `s`, with `…` if it was cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if s.chars().count() > max => format!("{}…", &s[..i]),
        _ => s.to_owned(),
    }
}

/// A Discord id: a snowflake, 1 to 20 digits.
pub fn is_snowflake(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Discord's epoch (2015-01-01T00:00:00Z), ms: a snowflake's top 42 bits count from it.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// When a snowflake was made, ms since the Unix epoch (`reference.mdx`, "Snowflakes").
pub fn snowflake_ms(id: &str) -> Option<u64> {
    id.parse::<u64>().ok().map(|v| (v >> 22) + DISCORD_EPOCH_MS)
}

/// "10m", "2h", "1d", "1w", "90s" or a sum ("1h30m") → seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut n: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            n = Some(n.unwrap_or(0).checked_mul(10)?.checked_add(u64::from(d))?);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            ' ' => continue,
            _ => return None,
        };
        total = total.checked_add(n.take()?.checked_mul(unit)?)?;
    }
    // A bare number is minutes, as moderators type it.
    if let Some(rest) = n {
        total = total.checked_add(rest.checked_mul(60)?)?;
    }
    (total > 0).then_some(total)
}

/// Seconds as the shortest "1d 2h 3m 4s".
pub fn duration(secs: u64) -> String {
    let parts = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut left = secs;
    let mut out = Vec::new();
    for (size, unit) in parts {
        if left >= size {
            out.push(format!("{}{unit}", left / size));
            left %= size;
        }
    }
    if out.is_empty() {
        "0s".into()
    } else {
        out.join(" ")
    }
}

/// ms since the Unix epoch → "2026-12-03T06:40:00.000Z" (UTC; days to civil date by the
/// proleptic Gregorian calendar).
pub fn iso8601(ms: u64) -> String {
    let (days, rem) = (ms / 86_400_000, ms % 86_400_000);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1_000 % 60,
        rem % 1_000
    )
}

/// "YYYY-MM-DD" of a time, UTC.
pub fn day(ms: u64) -> String {
    let (y, m, d) = civil(ms / 86_400_000);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_exactly_without_floats() {
        assert_eq!(pnl_sol(-1_500_000_000), "-1.5");
        assert_eq!(pnl_sol(2), "+0.000000002");
        assert_eq!(quote_amount("USDC", 1_500_000), "1.5 USDC");
        assert_eq!(quote_amount("SOL", 250_000_000), "0.25 SOL");
    }

    #[test]
    fn durations_parse_as_moderators_type_them() {
        assert_eq!(parse_duration("10m"), Some(600));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("15"), Some(900));
        assert_eq!(parse_duration("1w"), Some(604_800));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
        assert_eq!(duration(5_400), "1h 30m");
        assert_eq!(duration(0), "0s");
    }

    #[test]
    fn times_format_as_utc_iso_8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(day(1_709_164_800_000), "2024-02-29");
    }

    #[test]
    fn snowflakes_carry_their_time() {
        // Discord's documented example: 175928847299117063 was made 2016-04-30 11:18:25.796 UTC.
        assert_eq!(snowflake_ms("175928847299117063"), Some(1_462_015_105_796));
        assert!(is_snowflake("175928847299117063"));
        assert!(!is_snowflake("12a"));
        assert!(!is_snowflake(""));
    }

    #[test]
    fn clipping_never_cuts_a_character() {
        assert_eq!(clip("héllo wörld", 5), "héll…");
        assert_eq!(clip("ok", 4), "ok");
        assert_eq!(clip("abcd", 4), "abcd");
    }
}
