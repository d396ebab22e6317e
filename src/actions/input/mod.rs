//! How steps read their inputs: the one rule for inputs nobody touched (`untouched`), IDs and
//! confidences in either JSON form (`id`), limits on texts and lists (`limits`), and the checks and
//! conversions many inputs share (enums to their wire names, with the form's empty choice; dates;
//! indicator types). `step_input!` (`shared`) declares the groups of inputs several steps take.

mod choice;
mod id;
mod limits;
mod shared;
mod untouched;

use serde::Serialize;

use crate::protocol::{quoted, Failure};
use crate::threatstream::timestamp;

pub(crate) use choice::Choice;
pub(crate) use id::{NumberId, Percent, TextId};
pub(crate) use limits::{
    at_most, distinct, line, names, optional_line, tag_name, Names, MAX_FILE_NAME_CHARS, MAX_LINE_CHARS, MAX_NAMES,
    MAX_NAME_CHARS, MAX_TAGS,
};
pub(crate) use shared::step_input;
pub(crate) use untouched::{given, or_default, Untouched};

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

/// A date input: `None` when empty or InsightConnect's empty-date sentinel (`0001-01-01T00:00:00Z`),
/// the date as given when it is ISO 8601, an error naming `input` otherwise.
pub(crate) fn date(given: Option<&str>, input: &str) -> Result<Option<String>, Failure> {
    let Some(date) = given
        .map(str::trim)
        .filter(|date| !date.is_empty() && !date.starts_with("0001-01-01"))
    else {
        return Ok(None);
    };
    if date.len() <= MAX_NAME_CHARS && timestamp::parse_ms(date).is_some() {
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

/// An itype input, trimmed: `None` when empty, an error naming `input` when it is not an itype.
pub(crate) fn itype(given: &str, input: &str) -> Result<Option<String>, Failure> {
    let itype = given.trim();
    if itype.is_empty() {
        return Ok(None);
    }
    if itype.len() > MAX_NAME_CHARS || !limits::is_itype(itype) {
        let problem = format!(
            "{} is not an indicator type, such as mal_domain or phish_url",
            quoted(itype)
        );
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(Some(itype.to_owned()))
}
