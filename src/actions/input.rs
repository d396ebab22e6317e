//! The checks and conversions many inputs share: enums to their wire names (with the form's empty
//! choice), IDs given back as text, and dates.

use serde::Serialize;

use crate::protocol::{quoted, Failure};

/// Longer than any tag or indicator type ThreatStream has.
const MAX_NAME_CHARS: usize = 100;
use crate::threatstream::timestamp;

/// What a serde enum is called on the wire.
pub(crate) fn wire_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The wire name of an optional enum input, or `None` when it was not given or was the form's empty
/// choice (`""`, what the orchestrator sends for an untouched optional list): nothing is sent then.
pub(crate) fn chosen(value: Option<impl Serialize>) -> Option<String> {
    value.map(|value| wire_name(&value)).filter(|name| !name.is_empty())
}

/// An ID ThreatStream numbers from 1, given as text (as the actions that create it answer); anything
/// else is refused, naming `input` and saying what it is `not` (such as "a report ID; give ...").
pub(crate) fn positive_id(given: &str, input: &str, not: &str) -> Result<u64, Failure> {
    let given = given.trim();
    match given.parse::<u64>() {
        Ok(id) if id > 0 && given.bytes().all(|byte| byte.is_ascii_digit()) => Ok(id),
        _ => Err(Failure::invalid_input(input, format!("{} is not {not}", quoted(given)))),
    }
}

/// A date input: `None` when empty or InsightConnect's empty-date sentinel (`0001-01-01T00:00:00Z`),
/// the date as given when it is ISO 8601, an error naming `input` otherwise.
pub(crate) fn date(given: Option<&str>, input: &str) -> Result<Option<String>, Failure> {
    let Some(date) = given
        .map(str::trim)
        .filter(|date| !date.is_empty() && !date.starts_with("0001-01-01"))
    else {
        return Ok(None);
    };
    if timestamp::parse_ms(date).is_some() {
        Ok(Some(date.to_owned()))
    } else {
        Err(Failure::invalid_input(
            input,
            format!(
                "{} is not a date; use ISO 8601, such as 2026-12-31T00:00:00Z or 2026-12-31",
                quoted(date)
            ),
        ))
    }
}

/// An indicator type (itype) as ThreatStream spells them: lower-case letters, digits and `_`.
fn is_itype(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// An itype input, trimmed: `None` when empty, an error naming `input` when it is not an itype.
pub(crate) fn itype(given: &str, input: &str) -> Result<Option<String>, Failure> {
    let itype = given.trim();
    if itype.is_empty() {
        return Ok(None);
    }
    if !is_itype(itype) {
        let problem = format!(
            "{} is not an indicator type, such as mal_domain or phish_url",
            quoted(itype)
        );
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(Some(itype.to_owned()))
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

/// Tags or indicator types, trimmed, each once, for a search filter (the feed's, Search Threat
/// Models'). An empty one would filter nothing (or everything), and a comma would split it in two on
/// the way to ThreatStream, which takes lists comma-separated.
pub(crate) fn names(input: &str, given: &[String], kind: Names) -> Result<Vec<String>, Failure> {
    let mut kept = Vec::new();
    for name in given {
        let name = name.trim();
        let problem = if name.is_empty() {
            Some("an entry is empty".to_owned())
        } else if name.contains(',') {
            Some(format!(
                "{} contains a comma, which ThreatStream reads as between two {}",
                quoted(name),
                kind.plural()
            ))
        } else if name.chars().count() > MAX_NAME_CHARS {
            Some(format!("{} is longer than {MAX_NAME_CHARS} characters", quoted(name)))
        } else if kind == Names::Itypes && !is_itype(name) {
            Some(format!(
                "{} is not an indicator type (lower-case letters, digits and '_', such as c2_ip)",
                quoted(name)
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Failure::invalid_input(input, problem));
        }
        if !kept.iter().any(|known: &String| known == name) {
            kept.push(name.to_owned());
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_deduplicated_and_checked() {
        let given = vec![" apt ".to_owned(), "apt".to_owned(), "c2".to_owned()];
        assert_eq!(names("tags", &given, Names::Tags).unwrap(), ["apt", "c2"]);
        assert_eq!(names("tags", &["C2 IP".to_owned()], Names::Tags).unwrap(), ["C2 IP"]);
        for (bad, why) in [("", "empty"), ("a,b", "comma"), ("C2 IP", "indicator type")] {
            let failure = names("itypes", &[bad.to_owned()], Names::Itypes).unwrap_err();
            assert!(
                failure.cause.contains("'itypes'") && failure.cause.contains(why),
                "{bad}: {}",
                failure.cause
            );
        }
    }
}
