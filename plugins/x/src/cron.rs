//! Cron expressions for the X bot's posting schedules, evaluated over civil
//! (wall-clock) date-times. Time zones are converted by the caller, so this
//! module stays plain integer arithmetic that is easy to test exhaustively.

use std::fmt;
use std::str::FromStr;

/// A wall-clock date-time in the proleptic Gregorian calendar, with no zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Civil {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Civil {
    /// 0 = Sunday … 6 = Saturday.
    pub fn weekday(&self) -> u8 {
        weekday_of(days_from_civil(self.year, self.month, self.day))
    }

    /// The UTC civil time of a Unix timestamp.
    pub fn from_unix_seconds(secs: i64) -> Civil {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        Civil {
            year,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
        }
    }

    /// The Unix timestamp of this civil time read as UTC.
    pub fn to_unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// Days in `month` of `year`; 0 for a month outside 1-12.
    pub fn days_in_month(year: i32, month: u8) -> u8 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        }
    }
}

impl fmt::Display for Civil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`). All in i64 so
/// out-of-range input gives a wrong answer rather than an overflow panic.
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = i64::from(year) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of `days_from_civil` (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Timestamps beyond i32 years cannot be represented; saturate, never panic.
    let year = year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    (year, month as u8, day as u8)
}

/// 1970-01-01 was a Thursday.
fn weekday_of(days: i64) -> u8 {
    (days + 4).rem_euclid(7) as u8
}

/// How far `next_after` looks: a little over 8 years, enough for a Feb 29
/// across a skipped century leap year (2096 → 2104).
const SEARCH_DAYS: i64 = 8 * 366;

/// A parsed cron expression; each field is a bitmask of allowed values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    source: String,
    has_seconds: bool,
    seconds: u64,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    // Vixie's rule needs to know which day fields were written as a bare `*`.
    any_day: bool,
    any_weekday: bool,
}

/// Why an expression was rejected, naming the expression and the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError {
    message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CronError {}

struct Spec {
    name: &'static str,
    min: u8,
    max: u8,
    names: &'static [&'static str],
}

const fn spec(name: &'static str, min: u8, max: u8, names: &'static [&'static str]) -> Spec {
    Spec {
        name,
        min,
        max,
        names,
    }
}

const SECOND: Spec = spec("second", 0, 59, &[]);
const MINUTE: Spec = spec("minute", 0, 59, &[]);
const HOUR: Spec = spec("hour", 0, 23, &[]);
const DAY: Spec = spec("day-of-month", 1, 31, &[]);
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const MONTH: Spec = spec("month", 1, 12, &MONTHS);
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
// 7 is accepted as a second Sunday and folded into bit 0 after parsing.
const WEEKDAY: Spec = spec("day-of-week", 0, 7, &DAYS);

impl FromStr for Cron {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, CronError> {
        let source = s.trim();
        let err = |detail: String| CronError {
            message: format!("`{source}`: {detail}"),
        };
        let expanded = if source.starts_with('@') {
            match source.to_ascii_lowercase().as_str() {
                "@yearly" | "@annually" => "0 0 1 1 *",
                "@monthly" => "0 0 1 * *",
                "@weekly" => "0 0 * * 0",
                "@daily" | "@midnight" => "0 0 * * *",
                "@hourly" => "0 * * * *",
                _ => return Err(err(format!("unknown macro `{source}`"))),
            }
        } else {
            source
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let (sec, min, hour, dom, mon, dow) = match fields.as_slice() {
            &[min, hour, dom, mon, dow] => ("0", min, hour, dom, mon, dow),
            &[sec, min, hour, dom, mon, dow] => (sec, min, hour, dom, mon, dow),
            n => return Err(err(format!("expected 5 or 6 fields, found {}", n.len()))),
        };
        let weekdays = parse_field(&WEEKDAY, dow).map_err(err)?;
        // Values are range-checked, so every mask fits its narrower type.
        Ok(Cron {
            source: source.to_string(),
            has_seconds: fields.len() == 6,
            seconds: parse_field(&SECOND, sec).map_err(err)?,
            minutes: parse_field(&MINUTE, min).map_err(err)?,
            hours: parse_field(&HOUR, hour).map_err(err)? as u32,
            days: parse_field(&DAY, dom).map_err(err)? as u32,
            months: parse_field(&MONTH, mon).map_err(err)? as u16,
            weekdays: ((weekdays & 0x7f) | (weekdays >> 7 & 1)) as u8,
            any_day: dom == "*",
            any_weekday: dow == "*",
        })
    }
}

/// One field (a comma list of `*`, `a`, `a-b`, each optionally `/step`) as a bitmask.
fn parse_field(spec: &Spec, text: &str) -> Result<u64, String> {
    let mut mask = 0u64;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(format!("{} has an empty list item in `{text}`", spec.name));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(parse_step(spec, item, step)?)),
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (spec.min, spec.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (parse_value(spec, item, a)?, parse_value(spec, item, b)?);
            if a > b {
                return Err(format!("{} range `{range}` is reversed", spec.name));
            }
            (a, b)
        } else {
            let a = parse_value(spec, item, range)?;
            // `a/n` means from a to the field's max in steps of n.
            (a, if step.is_some() { spec.max } else { a })
        };
        for v in (lo..=hi).step_by(step.unwrap_or(1)) {
            mask |= 1 << v;
        }
    }
    Ok(mask)
}

fn parse_step(spec: &Spec, item: &str, step: &str) -> Result<usize, String> {
    let name = spec.name;
    match step.parse::<usize>() {
        // The digit check rejects the `+3` that `parse` would accept.
        Ok(n) if n > 0 && step.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "{name} step `{step}` in `{item}` must be a number from 1 up"
        )),
    }
}

fn parse_value(spec: &Spec, item: &str, v: &str) -> Result<u8, String> {
    if v.is_empty() {
        return Err(format!("{} value missing in `{item}`", spec.name));
    }
    let n = if v.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers are simply out of range.
        v.parse::<u32>().unwrap_or(u32::MAX)
    } else if let Some(i) = spec.names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
        i as u32 + u32::from(spec.min)
    } else {
        return Err(format!("{} `{v}` is not a valid value", spec.name));
    };
    if n < u32::from(spec.min) || n > u32::from(spec.max) {
        let (name, min, max) = (spec.name, spec.min, spec.max);
        return Err(format!("{name} `{v}` is outside {min}-{max}"));
    }
    Ok(n as u8)
}

/// Whether bit `v` is set; values past the mask's width are simply absent.
fn has(mask: u64, v: u8) -> bool {
    mask.checked_shr(u32::from(v)).is_some_and(|m| m & 1 == 1)
}

/// The smallest set bit at or above `from`.
fn next_bit(mask: u64, from: u8) -> Option<u8> {
    let rest = mask.checked_shr(u32::from(from))?;
    (rest != 0).then(|| from + rest.trailing_zeros() as u8)
}

impl Cron {
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn has_seconds(&self) -> bool {
        self.has_seconds
    }

    pub fn matches(&self, t: &Civil) -> bool {
        // Impossible dates (April 31) never match, whatever the fields say.
        t.day >= 1
            && t.day <= Civil::days_in_month(t.year, t.month)
            && self.day_matches(t.month, t.day, t.weekday())
            && has(u64::from(self.hours), t.hour)
            && has(self.minutes, t.minute)
            && has(self.seconds, t.second)
    }

    /// The first matching time strictly after `after`, within about 8 years.
    pub fn next_after(&self, after: &Civil) -> Option<Civil> {
        // Going through Unix seconds also normalises an out-of-range `after`.
        let start = Civil::from_unix_seconds(after.to_unix_seconds().checked_add(1)?);
        let first = days_from_civil(start.year, start.month, start.day);
        let mut day = first;
        while day <= first + SEARCH_DAYS {
            let (year, month, d) = civil_from_days(day);
            if !has(u64::from(self.months), month) {
                // Skip the rest of a month that cannot match.
                day += i64::from(Civil::days_in_month(year, month).saturating_sub(d)) + 1;
                continue;
            }
            if self.day_matches(month, d, weekday_of(day)) {
                let from = if day == first {
                    (start.hour, start.minute, start.second)
                } else {
                    (0, 0, 0)
                };
                if let Some((h, m, s)) = self.first_time_from(from) {
                    let secs = i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
                    return Some(Civil::from_unix_seconds(day * 86_400 + secs));
                }
            }
            day += 1;
        }
        None
    }

    fn day_matches(&self, month: u8, day: u8, weekday: u8) -> bool {
        let dom = has(u64::from(self.days), day);
        let dow = has(u64::from(self.weekdays), weekday);
        // Vixie cron: with both day fields restricted, either one suffices.
        let either = !self.any_day && !self.any_weekday;
        has(u64::from(self.months), month) && if either { dom || dow } else { dom && dow }
    }

    /// The earliest matching time of day at or after `(h0, m0, s0)`, found
    /// by jumping between set bits rather than stepping second by second.
    fn first_time_from(&self, (h0, m0, s0): (u8, u8, u8)) -> Option<(u8, u8, u8)> {
        let hours = u64::from(self.hours);
        let first_minute = next_bit(self.minutes, 0)?;
        let first_second = next_bit(self.seconds, 0)?;
        let mut hour = next_bit(hours, h0)?;
        if hour == h0 {
            let mut minute = next_bit(self.minutes, m0);
            if minute == Some(m0) {
                if let Some(second) = next_bit(self.seconds, s0) {
                    return Some((hour, m0, second));
                }
                minute = next_bit(self.minutes, m0 + 1);
            }
            if let Some(minute) = minute {
                return Some((hour, minute, first_second));
            }
            hour = next_bit(hours, h0 + 1)?;
        }
        Some((hour, first_minute, first_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Civil {
        let n: Vec<i64> = text
            .split(['-', ' ', ':'])
            .map(|p| p.parse().unwrap())
            .collect();
        let days = days_from_civil(n[0] as i32, n[1] as u8, n[2] as u8);
        Civil::from_unix_seconds(days * 86_400 + n[3] * 3600 + n[4] * 60 + n[5])
    }

    fn cron(expr: &str) -> Cron {
        expr.parse().unwrap()
    }

    /// `"EXPR | START -> A -> B"`: after START the schedule fires at A, then
    /// after A at B; `none` means it never fires.
    fn check(spec: &str) {
        let (expr, chain) = spec.split_once(" | ").unwrap();
        let times: Vec<&str> = chain.split(" -> ").collect();
        assert!(times.len() >= 2, "malformed check `{spec}`");
        for pair in times.windows(2) {
            let got = cron(expr).next_after(&at(pair[0])).map(|t| t.to_string());
            assert_eq!(got.as_deref().unwrap_or("none"), pair[1], "{spec}");
        }
    }

    fn set(mask: impl Into<u64>) -> Vec<u8> {
        let mask = mask.into();
        (0..64).filter(|&v| has(mask, v)).collect()
    }

    #[test]
    fn each_field_syntax_parses_to_the_expected_set() {
        let c = cron("1,2,3 4-6 */10 2-12/5 3/2");
        assert_eq!(set(c.seconds), [0]);
        assert_eq!(set(c.minutes), [1, 2, 3]);
        assert_eq!(set(c.hours), [4, 5, 6]);
        assert_eq!(set(c.days), [1, 11, 21, 31]);
        assert_eq!(set(c.months), [2, 7, 12]);
        // 3/2 reaches 7, which is Sunday again.
        assert_eq!(set(c.weekdays), [0, 3, 5]);
        assert_eq!(set(cron("* * * * *").minutes), (0..60).collect::<Vec<_>>());
        assert_eq!(set(cron("0 0 * * 1-5/2,0").weekdays), [0, 1, 3, 5]);
    }

    #[test]
    fn names_are_case_insensitive_and_work_in_ranges() {
        let c = cron("0 0 * jan-Mar,dec mon-FRI");
        assert_eq!(set(c.months), [1, 2, 3, 12]);
        assert_eq!(set(c.weekdays), [1, 2, 3, 4, 5]);
        assert_eq!(set(cron("0 0 * * Sun").weekdays), [0]);
    }

    #[test]
    fn both_zero_and_seven_mean_sunday() {
        assert_eq!(set(cron("0 0 * * 7").weekdays), [0]);
        assert_eq!(set(cron("0 0 * * 0").weekdays), [0]);
        assert_eq!(set(cron("0 0 * * 5-7").weekdays), [0, 5, 6]);
    }

    #[test]
    fn tabs_and_repeated_spaces_separate_fields() {
        let c = cron("  0\t\t9   *  * \t 1-5 ");
        assert_eq!(c.source(), "0\t\t9   *  * \t 1-5");
        assert_eq!(set(c.hours), [9]);
        assert!(!c.has_seconds());
    }

    #[test]
    fn macros_expand_to_their_schedules() {
        check("@yearly | 2026-03-01 00:00:00 -> 2027-01-01 00:00:00");
        check("@annually | 2026-03-01 00:00:00 -> 2027-01-01 00:00:00");
        check("@monthly | 2026-03-01 00:00:00 -> 2026-04-01 00:00:00");
        check("@daily | 2026-03-01 00:00:00 -> 2026-03-02 00:00:00");
        check("@MIDNIGHT | 2026-03-01 00:00:00 -> 2026-03-02 00:00:00");
        check("@hourly | 2026-03-01 00:00:00 -> 2026-03-01 01:00:00");
        assert_eq!(cron(" @hourly ").source(), "@hourly");
    }

    #[test]
    fn every_bad_form_is_an_error_naming_the_field() {
        // One case a line: `expression => what the message must say`.
        let cases = "
            0 25 * * * => hour `25` is outside 0-23
             => expected 5 or 6 fields, found 0
            * * * * => expected 5 or 6 fields, found 4
            * * * * * * * => expected 5 or 6 fields, found 7
            @often => unknown macro `@often`
            60 * * * * => minute `60` is outside 0-59
            61 * * * * * => second `61` is outside 0-59
            * * 0 * * => day-of-month `0` is outside 1-31
            * * 32 * * => day-of-month `32` is outside 1-31
            * * * 13 * => month `13` is outside 1-12
            * * * * 8 => day-of-week `8` is outside 0-7
            99999999999 * * * * => minute `99999999999` is outside 0-59
            */0 * * * * => minute step `0` in `*/0` must be a number from 1 up
            * */ * * * => hour step `` in `*/` must be a number from 1 up
            * */+2 * * * => hour step `+2` in `*/+2` must be a number from 1 up
            * 1/2/3 * * * => hour step `2/3` in `1/2/3` must be a number from 1 up
            * 5-1 * * * => hour range `5-1` is reversed
            * * * * FRI-SUN => day-of-week range `FRI-SUN` is reversed
            1,,2 * * * * => minute has an empty list item in `1,,2`
            1, * * * * => minute has an empty list item in `1,`
            -5 * * * * => minute value missing in `-5`
            * * * * MON- => day-of-week value missing in `MON-`
            * * * JANUARY * => month `JANUARY` is not a valid value
            * * * FRI * => month `FRI` is not a valid value
            +5 * * * * => minute `+5` is not a valid value
            *-5 * * * * => minute `*` is not a valid value
            1e3 * * * * => minute `1e3` is not a valid value";
        for (expr, detail) in cases.lines().filter_map(|l| l.split_once(" => ")) {
            let expr = expr.trim();
            let err = expr.parse::<Cron>().unwrap_err();
            assert_eq!(err.to_string(), format!("`{expr}`: {detail}"));
        }
    }

    #[test]
    fn daily_at_nine_fires_later_today_or_tomorrow() {
        check("0 9 * * * | 2026-12-03 08:59:59 -> 2026-12-03 09:00:00 -> 2026-12-04 09:00:00");
        check("0 9 * * * | 2026-12-03 23:00:00 -> 2026-12-04 09:00:00");
    }

    #[test]
    fn every_quarter_hour_rounds_up_to_the_next_quarter() {
        check("*/15 * * * * | 2026-12-03 10:07:30 -> 2026-12-03 10:15:00 -> 2026-12-03 10:30:00");
        check("*/15 * * * * | 2026-12-03 23:45:00 -> 2026-12-04 00:00:00");
    }

    #[test]
    fn a_weekday_range_skips_the_weekend() {
        // 2026-12-04 is a Friday, the 7th a Monday.
        check("30 17 * * 1-5 | 2026-12-04 12:00:00 -> 2026-12-04 17:30:00 -> 2026-12-07 17:30:00");
        assert!(!cron("30 17 * * 1-5").matches(&at("2026-12-05 17:30:00")));
    }

    #[test]
    fn february_29_fires_only_in_leap_years() {
        check("0 0 29 2 * | 2025-01-01 00:00:00 -> 2028-02-29 00:00:00 -> 2032-02-29 00:00:00");
        // 2100 is not a leap year, so this gap is eight years.
        check("0 0 29 2 * | 2096-03-01 00:00:00 -> 2104-02-29 00:00:00");
    }

    #[test]
    fn the_31st_skips_short_months() {
        check("0 0 31 * * | 2026-01-31 00:00:00 -> 2026-03-31 00:00:00 -> 2026-05-31 00:00:00");
        let april_31 = Civil {
            day: 31,
            ..at("2026-04-30 00:00:00")
        };
        assert!(!cron("* * * * *").matches(&april_31));
    }

    #[test]
    fn restricted_day_of_month_and_day_of_week_match_either() {
        check("0 0 13 * FRI | 2026-12-03 00:00:00 -> 2026-12-04 00:00:00 -> 2026-12-11 00:00:00");
        check("0 0 13 * FRI | 2026-12-11 00:00:00 -> 2026-12-13 00:00:00 -> 2026-12-18 00:00:00");
        // A stepped field counts as restricted, so Monday the 7th matches.
        assert!(cron("0 0 */10 * MON").matches(&at("2026-12-07 00:00:00")));
        // With one side `*`, both must match.
        assert!(!cron("0 0 13 * *").matches(&at("2026-12-04 00:00:00")));
        assert!(!cron("0 0 * * FRI").matches(&at("2026-12-13 00:00:00")));
    }

    #[test]
    fn six_fields_make_seconds_matter() {
        assert!(cron("5 * * * * *").has_seconds());
        check("5 * * * * * | 2026-12-03 09:00:00 -> 2026-12-03 09:00:05 -> 2026-12-03 09:01:05");
        assert!(!cron("* * * * *").matches(&at("2026-12-03 09:00:05")));
    }

    #[test]
    fn weekly_fires_at_sunday_midnight() {
        check("@weekly | 2026-12-03 10:00:00 -> 2026-12-06 00:00:00 -> 2026-12-13 00:00:00");
    }

    #[test]
    fn the_year_rolls_over_at_new_year() {
        check("0 0 * * * | 2026-12-31 23:59:59 -> 2027-01-01 00:00:00");
        check("59 23 31 12 * | 2026-12-31 23:59:00 -> 2027-12-31 23:59:00");
    }

    #[test]
    fn february_30_never_arrives() {
        check("0 0 30 2 * | 2026-01-01 00:00:00 -> none");
    }

    #[test]
    fn unix_seconds_round_trip() {
        let known = [
            (0, "1970-01-01 00:00:00"),
            (-1, "1969-12-31 23:59:59"),
            (951_782_400, "2000-02-29 00:00:00"),
            (1_796_256_000, "2026-12-03 00:00:00"),
        ];
        for (secs, text) in known {
            assert_eq!(Civil::from_unix_seconds(secs).to_string(), text);
            assert_eq!(at(text).to_unix_seconds(), secs);
        }
        for secs in (-100_000_000_000i64..100_000_000_000).step_by(7_777_777_777) {
            assert_eq!(Civil::from_unix_seconds(secs).to_unix_seconds(), secs);
        }
    }

    #[test]
    fn weekdays_and_month_lengths_of_known_dates() {
        assert_eq!(at("2026-12-03 00:00:00").weekday(), 4);
        assert_eq!(at("1970-01-01 00:00:00").weekday(), 4);
        assert_eq!(at("2000-01-01 00:00:00").weekday(), 6);
        let lengths = [
            (1900, 2, 28),
            (2000, 2, 29),
            (2024, 2, 29),
            (2026, 4, 30),
            (2026, 13, 0),
        ];
        for (year, month, days) in lengths {
            assert_eq!(Civil::days_in_month(year, month), days);
        }
    }
}
