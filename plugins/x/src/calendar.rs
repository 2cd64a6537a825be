//! The operator's calendar: schedules fire in their time zone (cron reads wall-clock time;
//! jiff's bundled IANA database turns it into instants, DST included: a time the clocks
//! skip fires just after the jump, a time they repeat fires once), and the daily post cap
//! counts by the zone's day. X's own spend is counted by UTC day (how X bills).

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use crate::cron::{Civil, Cron};

fn zoned(ms: u64, zone: &TimeZone) -> Option<Zoned> {
    let ts = Timestamp::from_millisecond(i64::try_from(ms).ok()?).ok()?;
    Some(ts.to_zoned(zone.clone()))
}

fn civil_of(z: &Zoned) -> Civil {
    let d = z.datetime();
    Civil {
        year: i32::from(d.year()),
        month: u8::try_from(d.month()).unwrap_or(1),
        day: u8::try_from(d.day()).unwrap_or(1),
        hour: u8::try_from(d.hour()).unwrap_or(0),
        minute: u8::try_from(d.minute()).unwrap_or(0),
        second: u8::try_from(d.second()).unwrap_or(0),
    }
}

fn instant_of(c: &Civil, zone: &TimeZone) -> Option<u64> {
    let dt = DateTime::new(
        i16::try_from(c.year).ok()?,
        i8::try_from(c.month).ok()?,
        i8::try_from(c.day).ok()?,
        i8::try_from(c.hour).ok()?,
        i8::try_from(c.minute).ok()?,
        i8::try_from(c.second).ok()?,
        0,
    )
    .ok()?;
    let z = zone.to_ambiguous_zoned(dt).compatible().ok()?;
    u64::try_from(z.timestamp().as_millisecond()).ok()
}

/// The first time after `after_ms` the schedule fires, in `zone`.
pub fn next_fire(cron: &Cron, zone: &TimeZone, after_ms: u64) -> Option<u64> {
    let mut from = civil_of(&zoned(after_ms, zone)?);
    // A wall-clock time repeated by a DST fold maps to its first instant, which may be
    // before `after_ms`: look further until the instant is after it.
    for _ in 0..4 {
        let next = cron.next_after(&from)?;
        let at = instant_of(&next, zone)?;
        if at > after_ms {
            return Some(at);
        }
        from = next;
    }
    None
}

/// The zone's date of an instant, `YYYY-MM-DD`.
pub fn local_day(ms: u64, zone: &TimeZone) -> String {
    zoned(ms, zone).map_or_else(String::new, |z| z.strftime("%Y-%m-%d").to_string())
}

/// The UTC date of an instant, `YYYY-MM-DD` (X's billing day).
pub fn utc_day(ms: u64) -> String {
    local_day(ms, &TimeZone::UTC)
}

/// The start of the zone's next day after `ms`.
pub fn next_day_start(ms: u64, zone: &TimeZone) -> Option<u64> {
    let z = zoned(ms, zone)?;
    let d = z.date().tomorrow().ok()?;
    let start = zone
        .to_ambiguous_zoned(d.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()?;
    u64::try_from(start.timestamp().as_millisecond()).ok()
}

/// An instant for people: `Thu 3 Dec 09:00 CET`.
pub fn show(ms: u64, zone: &TimeZone) -> String {
    zoned(ms, zone).map_or_else(
        || format!("{ms} ms"),
        |z| z.strftime("%a %-d %b %H:%M %Z").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> u64 {
        u64::try_from(s.parse::<Timestamp>().unwrap().as_millisecond()).unwrap()
    }

    #[test]
    fn nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let cron: Cron = "0 9 * * *".parse().unwrap();
        assert_eq!(
            next_fire(&cron, &berlin, ms("2026-12-03T06:00:00Z")),
            Some(ms("2026-12-03T08:00:00Z"))
        );
        assert_eq!(
            next_fire(&cron, &berlin, ms("2026-07-01T08:00:00Z")),
            Some(ms("2026-07-02T07:00:00Z"))
        );
    }

    #[test]
    fn a_time_the_clocks_skip_fires_after_the_jump_and_a_repeated_one_fires_once() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // 2026-03-29: 02:00 → 03:00 CEST. 02:30 does not exist: fires at 03:30 CEST.
        let skip: Cron = "30 2 * * *".parse().unwrap();
        assert_eq!(
            next_fire(&skip, &berlin, ms("2026-03-29T00:00:00Z")),
            Some(ms("2026-03-29T01:30:00Z"))
        );
        // 2026-10-25: 03:00 CEST → 02:00 CET. 02:30 happens twice: once is enough.
        let twice: Cron = "30 2 * * *".parse().unwrap();
        let first = next_fire(&twice, &berlin, ms("2026-10-24T23:00:00Z")).unwrap();
        assert_eq!(first, ms("2026-10-25T00:30:00Z"));
        let again = next_fire(&twice, &berlin, first).unwrap();
        assert_eq!(again, ms("2026-10-26T01:30:00Z"));
    }

    #[test]
    fn a_week_of_two_schedules_in_berlin_reads_as_the_operator_expects() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let lines: [Cron; 2] = [
            "0 9 * * *".parse().unwrap(),
            "30 17 * * 1-5".parse().unwrap(),
        ];
        let (start, end) = (ms("2026-12-06T23:00:00Z"), ms("2026-12-13T23:00:00Z"));
        let mut week = Vec::new();
        for c in &lines {
            let mut t = start;
            while let Some(n) = next_fire(c, &berlin, t).filter(|&n| n < end) {
                week.push(n);
                t = n;
            }
        }
        week.sort_unstable();
        let shown: Vec<String> = week.iter().map(|&t| show(t, &berlin)).collect();
        assert_eq!(
            shown,
            [
                "Mon 7 Dec 09:00 CET",
                "Mon 7 Dec 17:30 CET",
                "Tue 8 Dec 09:00 CET",
                "Tue 8 Dec 17:30 CET",
                "Wed 9 Dec 09:00 CET",
                "Wed 9 Dec 17:30 CET",
                "Thu 10 Dec 09:00 CET",
                "Thu 10 Dec 17:30 CET",
                "Fri 11 Dec 09:00 CET",
                "Fri 11 Dec 17:30 CET",
                "Sat 12 Dec 09:00 CET",
                "Sun 13 Dec 09:00 CET",
            ]
        );
    }

    #[test]
    fn days_and_their_starts_follow_the_zone() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let t = ms("2026-12-03T03:00:00Z");
        assert_eq!(local_day(t, &ny), "2026-12-02");
        assert_eq!(utc_day(t), "2026-12-03");
        assert_eq!(next_day_start(t, &ny), Some(ms("2026-12-03T05:00:00Z")));
        assert_eq!(
            show(
                ms("2026-12-03T08:00:00Z"),
                &TimeZone::get("Europe/Berlin").unwrap()
            ),
            "Thu 3 Dec 09:00 CET"
        );
    }
}
