//! ThreatStream's timestamps, as milliseconds since the Unix epoch and back.
//!
//! Records carry `created_ts`/`modified_ts` as ISO text and clients filter on
//! them (`modified_ts__lt`), sending anything from `2018-01-10` to
//! `2024-03-05T11:02:17.000Z` or `+02:00` offsets. Comparing text would get
//! offsets and missing seconds wrong, so both sides become numbers. A
//! calendar crate would do, but UTC civil dates need only the two functions
//! below.

use std::time::{SystemTime, UNIX_EPOCH};

const MS_PER_DAY: i64 = 86_400_000;

/// Now, in milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// `2024-03-05T11:02:17.000Z`, the shape ThreatStream's v2 records use.
pub(crate) fn format_ms(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (rest / 3_600_000, (rest / 60_000) % 60);
    let (second, milli) = ((rest / 1000) % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

/// `2019-12-04 21:04:30`, the shape the sandbox's reports use.
pub(crate) fn format_plain(ms: i64) -> String {
    let iso = format_ms(ms);
    format!("{} {}", &iso[..10], &iso[11..19])
}

/// `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM[:SS[.fff]]`,
/// optionally followed by `Z` or `±HH[:MM]`. No zone means UTC, as
/// ThreatStream assumes.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(..10)?;
    let days = days_of(date)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(days * MS_PER_DAY);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = split_zone(rest)?;
    Some(days * MS_PER_DAY + clock_ms(clock)? - offset)
}

fn days_of(date: &str) -> Option<i64> {
    let bytes = date.as_bytes();
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&date[..4])?;
    let month = digits(&date[5..7])?;
    let day = digits(&date[8..10])?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| days_from_civil(year, month, day))
}

/// The clock part and the zone offset in milliseconds.
fn split_zone(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let Some(at) = rest.rfind(['+', '-']) else {
        return Some((rest, 0));
    };
    let (clock, zone) = rest.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zone = zone[1..].replace(':', "");
    let (hours, minutes) = (
        digits(zone.get(..2)?)?,
        digits(zone.get(2..).filter(|m| !m.is_empty()).unwrap_or("0"))?,
    );
    Some((clock, sign * (hours * 3_600_000 + minutes * 60_000)))
}

fn clock_ms(clock: &str) -> Option<i64> {
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = whole.split(':');
    let hour = digits(parts.next()?)?;
    let minute = digits(parts.next()?)?;
    let second = parts.next().map_or(Some(0), digits)?;
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(((hour * 60 + minute) * 60 + second) * 1000 + milli_of(fraction)?)
}

/// The milliseconds of a fraction of a second: `5` is 500, `123456` is 123.
/// Only ASCII digits: anything else is no timestamp (and must not reach a
/// byte slice that could split a character).
fn milli_of(fraction: &str) -> Option<i64> {
    if fraction.is_empty() {
        return Some(0);
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{fraction:0<3}");
    digits(&padded[..3])
}

fn digits(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 in the
/// proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        for text in [
            "1970-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "2099-12-31T00:00:00.000Z",
        ] {
            let ms = parse(text).expect(text);
            assert_eq!(format_ms(ms), text);
        }
        assert_eq!(parse("1970-01-02"), Some(MS_PER_DAY));
    }

    #[test]
    fn accepts_the_shapes_clients_send() {
        let utc = parse("2018-12-19T05:00:00Z");
        assert_eq!(parse("2018-12-19T00:00:00-05:00"), utc);
        assert_eq!(parse("2018-12-19T05:00:00"), utc);
        assert_eq!(parse("2018-12-19 05:00"), utc);
        assert_eq!(parse("2018-12-19T06:30:00+0130"), utc);
        assert_eq!(
            parse("2018-12-19T05:00:00.5Z").map(|ms| ms - utc.unwrap_or(0)),
            Some(500)
        );
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for text in [
            "next tuesday",
            "2018-13-01",
            "2018-12-19T25:00",
            "2018-12-19X05:00",
            "",
            "2018-1-1",
            "2018-12-19T05:00:00.5x",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn refuses_a_fraction_that_is_not_ascii_digits() {
        for text in [
            "2026-01-01T05:00:00.12é",
            "2026-01-01T05:00:00.é",
            "2026-01-01T05:00:00.1é2Z",
            "2026-01-01T05:00:00.١٢٣Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        assert_eq!(parse("2026-01-01T05:00:00.123456Z"), parse("2026-01-01T05:00:00.123Z"));
    }
}
