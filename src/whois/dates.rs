//! The dates in WHOIS values, read well enough to tell which is newest.
//!
//! A record from RIPE, APNIC or KRNIC is several objects (the network, its incident team, its people),
//! each with its own `last-modified:`; older objects say `changed: <e-mail> <YYYYMMDD>`, and KRNIC's
//! mirror at APNIC writes `changed: hostmaster@nic.or.kr` with no date at all. The record last changed
//! at the newest of those dates. Splunk SOAR's parser (wizard_whois) lists them in text order, cannot
//! read a date behind an e-mail, and for a dateless `changed:` repeats the date before it; its
//! documented answer for such a record is an older date than the newest. Here every value is read as a
//! date, in the layouts registries use, and compared as an instant.
//!
//! Values are at most 256 bytes (the parser cuts them), so reading one is a few hundred steps.

use crate::threatstream::timestamp;

/// A date found in a WHOIS value: when it is, and the text the registry wrote for it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Dated<'a> {
    /// Milliseconds since the epoch; a time without a zone is taken as UTC.
    pub(super) ms: i64,
    pub(super) text: &'a str,
}

/// The date `value` holds: the whole value when it is one (`2024/06/01 01:05:03 (JST)`), else its
/// first word that is one (`hostmaster@nic.or.kr 20170807` holds `20170807`).
pub(super) fn date_in(value: &str) -> Option<Dated<'_>> {
    let value = value.trim();
    if let Some(ms) = instant(value) {
        return Some(Dated { ms, text: value });
    }
    value
        .split_whitespace()
        .find_map(|word| instant(word).map(|ms| Dated { ms, text: word }))
}

/// Zones registries name instead of writing an offset.
const NAMED_ZONES: [(&str, &str); 4] = [("JST", "+09:00"), ("KST", "+09:00"), ("UTC", "Z"), ("GMT", "Z")];

/// The instant of a date, or a date and time: `2019-10-01T08:41:39Z`, `2019-09-09T08:39:04-0700`,
/// `2024/06/01 01:05:03 (JST)`, `2024.01.15 10:00:00`, `20170807`, `12-Jan-2024`, `15.01.2024`.
fn instant(text: &str) -> Option<i64> {
    let (text, zone) = named_zone(text);
    let ((year, month, day), time) = year_first(text).or_else(|| day_first(text))?;
    let date = format!("{year:04}-{month:02}-{day:02}");
    if time.is_empty() {
        return timestamp::parse_ms(&date);
    }
    if !time.starts_with(['T', 't', ' ']) {
        return None;
    }
    timestamp::parse_ms(&format!("{date}{time}{zone}"))
}

/// `text` without a trailing zone name (`(JST)`, `UTC`), and that zone as an offset; `""` when none.
fn named_zone(text: &str) -> (&str, &'static str) {
    for (name, offset) in NAMED_ZONES {
        let bare = text
            .strip_suffix(')')
            .and_then(|rest| rest.strip_suffix(name))
            .and_then(|rest| rest.strip_suffix('('))
            .or_else(|| text.strip_suffix(name));
        if let Some(before) = bare.filter(|before| before.ends_with(' ')) {
            return (before.trim_end(), offset);
        }
    }
    (text, "")
}

type Ymd = (i64, i64, i64);

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` (one- or two-digit month and day) or `YYYYMMDD`, and
/// what follows it.
fn year_first(text: &str) -> Option<(Ymd, &str)> {
    let (year, rest) = digits(text, 4, 4)?;
    if let Some(separator) = rest.chars().next().filter(|c| matches!(c, '-' | '/' | '.')) {
        let (month, rest) = digits(&rest[1..], 1, 2)?;
        let (day, rest) = digits(rest.strip_prefix(separator)?, 1, 2)?;
        return Some(((year, month, day), rest));
    }
    let (month, rest) = digits(rest, 2, 2)?;
    let (day, rest) = digits(rest, 2, 2)?;
    Some(((year, month, day), rest))
}

/// `DD-Mon-YYYY` (Nominet and others) or `DD.MM.YYYY`, and what follows it.
fn day_first(text: &str) -> Option<(Ymd, &str)> {
    let (day, rest) = digits(text, 1, 2)?;
    let (month, rest) = if let Some(rest) = rest.strip_prefix('-') {
        let month = rest.get(..3).and_then(month_number)?;
        (month, rest.get(3..)?.strip_prefix('-')?)
    } else {
        let (month, rest) = digits(rest.strip_prefix('.')?, 1, 2)?;
        (month, rest.strip_prefix('.')?)
    };
    let (year, rest) = digits(rest, 4, 4)?;
    Some(((year, month, day), rest))
}

fn month_number(name: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let position = MONTHS.iter().position(|month| month.eq_ignore_ascii_case(name))?;
    i64::try_from(position + 1).ok()
}

/// The number written by the first `min` to `max` ASCII digits of `text`, and the rest.
fn digits(text: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let count = text.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if count < min {
        return None;
    }
    let (number, rest) = text.split_at(count);
    Some((number.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &str) -> Option<(String, &str)> {
        date_in(value).map(|dated| (timestamp::format_ms(dated.ms), dated.text))
    }

    #[test]
    fn every_layout_registries_use_is_read() {
        let cases = [
            ("2019-10-01T08:41:39Z", "2019-10-01T08:41:39.000Z"),
            ("2019-09-09T08:39:04-0700", "2019-09-09T15:39:04.000Z"),
            ("2020-01-15T10:00:00.123456+01:00", "2020-01-15T09:00:00.123Z"),
            ("2024-01-15", "2024-01-15T00:00:00.000Z"),
            ("2024/06/01 01:05:03 (JST)", "2024-05-31T16:05:03.000Z"),
            ("2024/6/1", "2024-06-01T00:00:00.000Z"),
            ("2024.01.15 10:00:00", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15 10:00:00 UTC", "2024-01-15T10:00:00.000Z"),
            ("20170807", "2017-08-07T00:00:00.000Z"),
            ("12-Jan-2024", "2024-01-12T00:00:00.000Z"),
            ("15.01.2024", "2024-01-15T00:00:00.000Z"),
        ];
        for (value, instant) in cases {
            assert_eq!(read(value), Some((instant.to_owned(), value)), "{value}");
        }
    }

    #[test]
    fn a_date_behind_an_e_mail_is_found_and_an_e_mail_alone_is_none() {
        assert_eq!(
            read("hostmaster@nic.or.kr 20170807"),
            Some(("2017-08-07T00:00:00.000Z".to_owned(), "20170807"))
        );
        assert_eq!(read("hostmaster@nic.or.kr"), None);
        assert_eq!(read("hostmaster2019@nic.or.kr"), None);
    }

    #[test]
    fn what_is_no_date_is_none() {
        for value in [
            "",
            "2019",
            "201708071",
            "2017-13-01",
            "2017-02-30",
            "2017-02-03X",
            "31-Foo-2024",
            "1.2.3.4",
            "2024-01-15T25:00:00",
            "(JST)",
            "JST",
            "١٢-٠١-٢٠٢٤",
        ] {
            assert_eq!(read(value), None, "{value}");
        }
    }
}
