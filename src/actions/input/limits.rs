//! Limits on the texts and lists steps take, checked before any request and in time linear in the
//! input, so a pasted megabyte or a list of a hundred thousand entries is refused at once with a
//! clear error rather than sent, or checked for minutes.
//!
//! ThreatStream publishes no limits of its own; these are above anything a real tag, indicator type,
//! detail or file name holds, and keep every request within what servers and proxies accept (help.md,
//! "Limits").

use std::collections::HashSet;
use std::hash::Hash;

use crate::protocol::{quoted, Failure};

/// Longer than any tag or indicator type ThreatStream has.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// Most entries of a list of names given to filter by (itypes, tags): ThreatStream has a few
/// hundred indicator types, and a filter longer than this belongs in a saved search.
pub(crate) const MAX_NAMES: usize = 500;

/// Most bytes one list of names may add to a request's URL once encoded: with the rest of a search,
/// the URL stays under the 8 KB request line servers and proxies accept.
pub(crate) const MAX_FILTER_BYTES: usize = 2000;

/// Most tags one step adds or removes.
pub(crate) const MAX_TAGS: usize = 100;

/// Longest one-line text that is neither a name nor an observable: a sandbox detail, a search's
/// name or keyword.
pub(crate) const MAX_LINE_CHARS: usize = 1000;

/// Longest file name most file systems allow.
pub(crate) const MAX_FILE_NAME_CHARS: usize = 255;

/// A one-line text input: at most `max` characters and no control characters (a line break in a
/// form field or header ends it early). `what` names it in the error ("the file name").
pub(crate) fn line(text: &str, input: &str, what: &str, max: usize) -> Result<(), Failure> {
    // A character is at most 4 bytes: a text that long in bytes is over the limit however it counts.
    if text.len() > max.saturating_mul(4) || text.chars().count() > max {
        let problem = format!("{what} is longer than {max} characters");
        return Err(Failure::invalid_input(input, problem));
    }
    if text.chars().any(char::is_control) {
        let problem = format!(
            "{what} {} contains a line break or another control character",
            quoted(text)
        );
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(())
}

/// An optional one-line text input, trimmed: `None` when not given (absent, `null`, blank), else
/// checked as `line` checks it.
pub(crate) fn optional_line(
    given: Option<&str>,
    input: &str,
    what: &str,
    max: usize,
) -> Result<Option<String>, Failure> {
    let Some(text) = given.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    line(text, input, what, max)?;
    Ok(Some(text.to_owned()))
}

/// A list's length, checked before anything else is done with it.
pub(crate) fn at_most(input: &str, count: usize, max: usize, what: &str) -> Result<(), Failure> {
    if count > max {
        let problem = format!("it has {count} {what}, more than the {max} one step takes");
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(())
}

/// The items, each once, in the order first given: a hash set, so a long list costs linear time.
pub(crate) fn distinct<T: Eq + Hash + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|item| seen.insert(item.clone())).collect()
}

/// What a list of names given as an input holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Names {
    Tags,
    /// Indicator types, such as c2_ip: lower-case letters, digits and `_`.
    Itypes,
}

impl Names {
    fn plural(self) -> &'static str {
        match self {
            Names::Tags => "tags",
            Names::Itypes => "indicator types",
        }
    }
}

/// An indicator type (itype) as ThreatStream spells them: lower-case letters, digits and `_`.
pub(crate) fn is_itype(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Tags or indicator types, trimmed, each once, for a search filter (the feed's, Search Threat
/// Models'). An empty one would filter nothing (or everything), and a comma would split it in two on
/// the way to ThreatStream, which takes lists comma-separated.
pub(crate) fn names(input: &str, given: &[String], kind: Names) -> Result<Vec<String>, Failure> {
    at_most(input, given.len(), MAX_NAMES, kind.plural())?;
    let mut kept = Vec::new();
    let mut seen = HashSet::new();
    let mut url_bytes = 0;
    for name in given {
        let name = name.trim();
        if let Some(problem) = name_problem(name, kind) {
            return Err(Failure::invalid_input(input, problem));
        }
        if seen.insert(name) {
            url_bytes += encoded_len(name) + 3;
            kept.push(name.to_owned());
        }
    }
    if url_bytes > MAX_FILTER_BYTES {
        let problem = format!(
            "its {} {} take {url_bytes} bytes of the request, more than the {MAX_FILTER_BYTES} a search can carry; \
             filter on fewer",
            kept.len(),
            kind.plural()
        );
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(kept)
}

fn name_problem(name: &str, kind: Names) -> Option<String> {
    if name.is_empty() {
        Some("an entry is empty".to_owned())
    } else if name.len() > MAX_NAME_CHARS * 4 || name.chars().count() > MAX_NAME_CHARS {
        Some(format!("{} is longer than {MAX_NAME_CHARS} characters", quoted(name)))
    } else if name.contains(',') {
        Some(format!(
            "{} contains a comma, which ThreatStream reads as between two {}",
            quoted(name),
            kind.plural()
        ))
    } else if name.chars().any(char::is_control) {
        Some(format!("{} contains a control character", quoted(name)))
    } else if kind == Names::Itypes && !is_itype(name) {
        Some(format!(
            "{} is not an indicator type (lower-case letters, digits and '_', such as c2_ip)",
            quoted(name)
        ))
    } else {
        None
    }
}

/// The length of `text` in a query string, encoded as reqwest encodes a query
/// (application/x-www-form-urlencoded).
fn encoded_len(text: &str) -> usize {
    form_urlencoded::byte_serialize(text.as_bytes()).map(str::len).sum()
}

/// One tag name for a tag an action writes: trimmed, not empty, at most `MAX_NAME_CHARS`, on one line.
pub(crate) fn tag_name(given: &str, input: &str) -> Result<String, Failure> {
    let name = given.trim();
    if name.is_empty() {
        return Err(Failure::invalid_input(input, "a tag needs a name"));
    }
    line(name, input, "the tag name", MAX_NAME_CHARS)?;
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_deduplicated_and_checked() {
        let given = vec![" apt ".to_owned(), "apt".to_owned(), "c2".to_owned()];
        assert_eq!(names("tags", &given, Names::Tags).unwrap(), ["apt", "c2"]);
        assert_eq!(names("tags", &["C2 IP".to_owned()], Names::Tags).unwrap(), ["C2 IP"]);
        for (bad, why) in [
            ("", "empty"),
            ("a,b", "comma"),
            ("C2 IP", "indicator type"),
            ("a\r\nX-Evil: 1", "control"),
        ] {
            let failure = names("itypes", &[bad.to_owned()], Names::Itypes).unwrap_err();
            assert!(
                failure.cause.contains("'itypes'") && failure.cause.contains(why),
                "{bad}: {}",
                failure.cause
            );
        }
        let long = "a".repeat(10 << 20);
        let failure = names("tags", &[long], Names::Tags).unwrap_err();
        assert!(
            failure.cause.contains("longer than 100 characters"),
            "{}",
            failure.cause
        );
    }

    #[test]
    fn a_list_too_long_for_a_request_is_refused_at_once() {
        let many: Vec<String> = (0..100_000).map(|n| format!("tag-{n}")).collect();
        let failure = names("tags", &many, Names::Tags).unwrap_err();
        assert!(
            failure.cause.contains("100000 tags, more than the 500"),
            "{}",
            failure.cause
        );
        let fitting: Vec<String> = (0..MAX_NAMES).map(|n| format!("itype_number_{n}")).collect();
        let failure = names("itypes", &fitting, Names::Itypes).unwrap_err();
        assert!(failure.cause.contains("a search can carry"), "{}", failure.cause);
        let duplicates = vec!["c2_ip".to_owned(); MAX_NAMES];
        assert_eq!(names("itypes", &duplicates, Names::Itypes).unwrap(), ["c2_ip"]);
    }

    #[test]
    fn one_line_texts_have_no_control_characters() {
        assert!(line("setup.exe", "file.filename", "the file name", MAX_FILE_NAME_CHARS).is_ok());
        for bad in ["a\r\nb", "a\0b", "a\nb"] {
            let failure = line(bad, "file.filename", "the file name", MAX_FILE_NAME_CHARS).unwrap_err();
            assert!(failure.cause.contains("control character"), "{}", failure.cause);
        }
        let failure = line(&"x".repeat(10 << 20), "detail", "the detail", MAX_LINE_CHARS).unwrap_err();
        assert_eq!(
            failure.cause,
            "Invalid input 'detail': the detail is longer than 1000 characters."
        );
        assert_eq!(distinct([3, 1, 3, 2, 1]), [3, 1, 2]);
        assert_eq!(tag_name("  x ", "tags[0]"), Ok("x".to_owned()));
        assert_eq!(
            optional_line(Some("  x "), "name", "the name", 5),
            Ok(Some("x".to_owned()))
        );
        assert_eq!(optional_line(Some("   "), "name", "the name", 5), Ok(None));
        assert!(optional_line(Some("abcdef"), "name", "the name", 5).is_err());
        assert!(tag_name(" ", "tags[0]").is_err());
    }
}
