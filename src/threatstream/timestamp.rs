//! ThreatStream's timestamps: the feed filters on `modified_ts` and keeps the time of its last poll;
//! inputs such as `modified_since` and `expiration_ts` are ISO 8601 text in any zone, checked here.
//!
//! UTC civil dates need only Howard Hinnant's `civil_from_days`; a calendar crate would add a
//! dependency for one function.

use std::time::{SystemTime, UNIX_EPOCH};

const MS_PER_DAY: i64 = 86_400_000;

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// `2024-03-05T11:02:17.000Z`: the shape of ThreatStream's v2 timestamps, which its filters accept.
pub(crate) fn format_ms(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (rest / 3_600_000, (rest / 60_000) % 60);
    let (second, milli) = ((rest / 1000) % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

/// Milliseconds since the epoch of an ISO 8601 date, or date and time with an optional zone (none
/// is UTC, as ThreatStream takes it): `2024-01-01`, `2024-01-01T10:00`, `2024-02-29T00:00:00.123+05:30`.
/// `None` for anything else, a 30 February or a 24:00 included.
pub(crate) fn parse_ms(text: &str) -> Option<i64> {
    let (date, rest) = (text.get(..10)?, text.get(10..)?);
    let [year, month, day] = numbers(date, '-', &[4, 2, 2])?;
    let days_in_month = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day) || !(1..=9999).contains(&year) {
        return None;
    }
    let seconds = match rest {
        "" => 0,
        _ => time_of_day(rest.strip_prefix(['T', 't', ' '])?)?,
    };
    Some((days_from_civil(year, month, day) * 86_400 + seconds) * 1000)
}

/// Microseconds since the epoch, like `parse_ms` but with the fraction of a second kept to the
/// microsecond: the precision of ThreatStream's v1 timestamps (`2024-03-04T09:30:00.123456`), which
/// tell two changes a millisecond apart from one another.
pub(crate) fn parse_us(text: &str) -> Option<i64> {
    let whole = parse_ms(text)?;
    let clock = text.get(11..).unwrap_or_default();
    let fraction = clock
        .split_once('.')
        .map(|(_, rest)| rest.split(['Z', 'z', '+', '-']).next().unwrap_or_default())
        .unwrap_or_default();
    let digits: String = fraction.chars().chain(std::iter::repeat('0')).take(6).collect();
    Some(whole * 1000 + digits.parse::<i64>().ok()?)
}

/// `HH:MM[:SS[.fraction]]` with an optional `Z` or `±HH:MM` zone, as seconds after midnight UTC
/// (negative or past a day when the zone moves it across midnight).
fn time_of_day(text: &str) -> Option<i64> {
    let (clock, zone) = text.split_at(text.find(['Z', 'z', '+', '-']).unwrap_or(text.len()));
    let clock = match clock.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => whole,
        Some(_) => return None,
        None => clock,
    };
    let [hour, minute, second] = match numbers(clock, ':', &[2, 2]) {
        Some([hour, minute]) => [hour, minute, 0],
        None => numbers(clock, ':', &[2, 2, 2])?,
    };
    let valid = hour <= 23 && minute <= 59 && second <= 60;
    valid.then_some(hour * 3600 + minute * 60 + second - zone_offset(zone)?)
}

/// Seconds east of UTC of `Z`, `+HH:MM`, `-HHMM` or no zone at all (taken as UTC).
fn zone_offset(zone: &str) -> Option<i64> {
    if matches!(zone, "" | "Z" | "z") {
        return Some(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let [hours, minutes] = numbers(zone.get(1..)?, ':', &[2, 2])
        .or_else(|| numbers(&format!("{}:{}", zone.get(1..3)?, zone.get(3..)?), ':', &[2, 2]))?;
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

/// Numbers separated by `separator`, each of exactly its width in digits.
fn numbers<const N: usize>(text: &str, separator: char, widths: &[usize; N]) -> Option<[i64; N]> {
    let mut found = [0; N];
    let mut parts = text.split(separator);
    for (slot, width) in found.iter_mut().zip(widths) {
        let part = parts.next()?;
        if part.len() != *width || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(found)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The year, month and day `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_8601_in_any_zone_and_refuses_the_rest() {
        assert_eq!(parse_ms("1970-01-01"), Some(0));
        assert_eq!(parse_ms("2024-03-05T11:02:17Z"), Some(1_709_636_537_000));
        assert_eq!(parse_ms("2024-03-05T13:02:17+02:00"), Some(1_709_636_537_000));
        assert_eq!(parse_ms("2024-03-05T11:02"), Some(1_709_636_520_000));
        for bad in [
            "2026-13-01",
            "2025-02-29",
            "2026-12-31T24:00:00Z",
            "2026-1-1",
            "2026-12-31T10:00:00+5",
            "soon",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn microseconds_keep_the_fraction_in_any_zone() {
        assert_eq!(parse_us("2024-03-05T11:02:17.123456"), Some(1_709_636_537_123_456));
        assert_eq!(parse_us("2024-03-05T11:02:17.1Z"), Some(1_709_636_537_100_000));
        assert_eq!(
            parse_us("2024-03-05T13:02:17.000001+02:00"),
            Some(1_709_636_537_000_001)
        );
        assert_eq!(parse_us("2024-03-05"), Some(1_709_596_800_000_000));
        assert_eq!(parse_us("2024-03-05T11:02:17.12x"), None);
    }

    #[test]
    fn formats_like_threatstream() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_ms(1_709_636_537_123), "2024-03-05T11:02:17.123Z");
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn civil_days_round_trip() {
        for days in [-719_468, -1, 0, 1, 19_722, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(19_783), (2024, 3, 1));
    }
}
