//! ThreatStream's timestamps, as milliseconds since the Unix epoch and back.
//!
//! Records carry `created_ts`/`modified_ts` as ISO text and clients filter on
//! them (`modified_ts__lt`), sending anything from `2018-01-10` to
//! `2024-03-05T11:02:17.000Z` or `+02:00` offsets. Comparing text would get
//! offsets and missing seconds wrong, so both sides become numbers. The
//! calendar is the `time` crate's ISO 8601 parser (already built for the TLS
//! certificate); this module only adds ThreatStream's leniencies: a space for
//! the `T`, a lower-case `z`, and no zone meaning UTC. (The plugin has its own
//! parser, `src/threatstream/timestamp.rs`, which this does not share: the
//! simulator must not agree with the plugin by sharing a bug.)

use std::time::{SystemTime, UNIX_EPOCH};

use time::error::{Parse, TryFromParsed};
use time::format_description::well_known::Iso8601;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Now, in milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// `2024-03-05T11:02:17.000Z`, the shape ThreatStream's v2 records use.
/// Instants beyond years 1 to 9999 are shown as the nearest end.
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

/// `2019-12-04 21:04:30`, the shape the sandbox's reports use.
pub(crate) fn format_plain(ms: i64) -> String {
    let iso = format_ms(ms);
    format!("{} {}", &iso[..10], &iso[11..19])
}

/// ISO 8601: `YYYY-MM-DD`, optionally followed by `T` (or a space) and
/// `HH:MM[:SS[.fff]]`, optionally followed by `Z` or `±HH[:MM]`. No zone
/// means UTC, as ThreatStream assumes.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let text = normalised(text.trim())?;
    let utc = match OffsetDateTime::parse(&text, &Iso8601::PARSING) {
        Err(error) if lacks_information(&error) => match PrimitiveDateTime::parse(&text, &Iso8601::PARSING) {
            Err(error) if lacks_information(&error) => Date::parse(&text, &Iso8601::PARSING).ok()?.midnight(),
            parsed => parsed.ok()?,
        }
        .assume_utc(),
        parsed => parsed.ok()?,
    };
    i64::try_from(utc.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A zone or a time left out, rather than something wrong: the next, less
/// precise, reading applies.
fn lacks_information(error: &Parse) -> bool {
    matches!(error, Parse::TryFromParsed(TryFromParsed::InsufficientInformation))
}

/// The text with a `T` for a space between date and time and upper-case
/// letters; `None` if it is not ASCII (no timestamp is).
fn normalised(text: &str) -> Option<String> {
    if !text.is_ascii() {
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

    const MS_PER_DAY: i64 = 86_400_000;

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
        assert_eq!(format_plain(1_575_493_470_000), "2019-12-04 21:04:30");
        assert_eq!(format_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn accepts_the_shapes_clients_send() {
        let utc = parse("2018-12-19T05:00:00Z");
        assert_eq!(parse("2018-12-19T00:00:00-05:00"), utc);
        assert_eq!(parse("2018-12-19T05:00:00"), utc);
        assert_eq!(parse("2018-12-19 05:00"), utc);
        assert_eq!(parse("2018-12-19T06:30:00+0130"), utc);
        assert_eq!(parse("2018-12-19t05:00:00z"), utc);
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
