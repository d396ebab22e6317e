//! ThreatStream's timestamps: the feed filters on `modified_ts` and keeps the time of its last poll;
//! inputs such as `modified_since` and `expiration_ts` are ISO 8601 text in any zone, checked here.
//!
//! The calendar is the `time` crate's ISO 8601 parser (the simulator reads timestamps with the same
//! crate, so the two agree on every calendar rule without sharing code of ours); this module adds
//! ThreatStream's leniencies (a space or `t` for the `T`, a lower-case `z`, no zone meaning UTC) and
//! its strictness: a date is `YYYY-MM-DD`, and a time has at least hours and minutes.

use std::time::{SystemTime, UNIX_EPOCH};

use time::error::{Parse, TryFromParsed};
use time::format_description::well_known::Iso8601;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// `2024-03-05T11:02:17.000Z`: the shape of ThreatStream's v2 timestamps, which its filters accept.
/// Instants beyond the years 1 to 9999 are shown as the nearest end.
pub(crate) fn format_ms(ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(if ms < 0 {
        PrimitiveDateTime::MIN.assume_utc()
    } else {
        PrimitiveDateTime::MAX.assume_utc()
    });
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Milliseconds since the epoch of an ISO 8601 date, or date and time with an optional zone (none
/// is UTC, as ThreatStream takes it): `2024-01-01`, `2024-01-01T10:00`, `2024-02-29T00:00:00.123+05:30`.
/// `None` for anything else, a 30 February or a 24:00 included.
pub(crate) fn parse_ms(text: &str) -> Option<i64> {
    i64::try_from(parse_utc(text)?.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Microseconds since the epoch, like `parse_ms` but with the fraction of a second kept to the
/// microsecond: the precision of ThreatStream's v1 timestamps (`2024-03-04T09:30:00.123456`), which
/// tell two changes a millisecond apart from one another.
pub(crate) fn parse_us(text: &str) -> Option<i64> {
    i64::try_from(parse_utc(text)?.unix_timestamp_nanos() / 1_000).ok()
}

/// The instant `text` names, as `parse_ms` reads it.
fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    let text = normalised(text)?;
    let utc = match OffsetDateTime::parse(&text, &Iso8601::PARSING) {
        Err(error) if lacks_information(&error) => match PrimitiveDateTime::parse(&text, &Iso8601::PARSING) {
            Err(error) if lacks_information(&error) => Date::parse(&text, &Iso8601::PARSING).ok()?.midnight(),
            parsed => parsed.ok()?,
        }
        .assume_utc(),
        parsed => parsed.ok()?,
    };
    (utc.year() >= 1).then_some(utc)
}

/// A zone or a time left out, rather than something wrong: the next, less precise, reading applies.
fn lacks_information(error: &Parse) -> bool {
    matches!(error, Parse::TryFromParsed(TryFromParsed::InsufficientInformation))
}

/// The text with `T` between date and time and upper-case letters, when it starts `YYYY-MM-DD` and
/// any time has `HH:MM` (ISO 8601 also has week dates, ordinal dates and hours alone, which
/// ThreatStream's filters do not take); `None` otherwise.
fn normalised(text: &str) -> Option<String> {
    let shape = |pattern: &[u8], at: usize| {
        let part = text.as_bytes().get(at..at + pattern.len());
        part.is_some_and(|part| {
            part.iter()
                .zip(pattern)
                .all(|(b, p)| if *p == b'9' { b.is_ascii_digit() } else { b == p })
        })
    };
    let timed = text.len() > 10;
    if !text.is_ascii() || !shape(b"9999-99-99", 0) || (timed && !shape(b"99:99", 11)) {
        return None;
    }
    let mut text = text.to_ascii_uppercase();
    if text.as_bytes().get(10) == Some(&b' ') {
        text.replace_range(10..11, "T");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_8601_in_any_zone_and_refuses_the_rest() {
        assert_eq!(parse_ms("1970-01-01"), Some(0));
        assert_eq!(parse_ms("2024-03-05T11:02:17Z"), Some(1_709_636_537_000));
        assert_eq!(parse_ms("2024-03-05T13:02:17+02:00"), Some(1_709_636_537_000));
        assert_eq!(parse_ms("2024-03-05T13:02:17+0200"), Some(1_709_636_537_000));
        assert_eq!(parse_ms("2024-03-05 11:02:17z"), Some(1_709_636_537_000));
        assert_eq!(parse_ms("2024-03-05t11:02"), Some(1_709_636_520_000));
        assert_eq!(parse_ms("2024-02-29T00:00:00.5Z"), Some(1_709_164_800_500));
        for bad in [
            "2026-13-01",
            "2025-02-29",
            "2026-12-31T24:00:00Z",
            "2026-1-1",
            "2026-12-31T10:00:00+5",
            "2026-12-31T10",
            "2026-W01-1",
            "0000-01-01",
            "2026-01-01T05:00:00.1é2Z",
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
        assert_eq!(format_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn formats_and_parses_round_trip() {
        for text in [
            "0001-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "9999-12-31T00:00:00.000Z",
        ] {
            assert_eq!(parse_ms(text).map(format_ms).as_deref(), Some(text));
        }
    }
}
