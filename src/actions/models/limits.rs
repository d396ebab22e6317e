//! The limits of the threat model and investigation steps' texts and lists, beside those every step
//! shares (`actions::input`), each in help.md's Limits table: checked before any request, in time
//! linear in the input.

use crate::actions::input::{at_most, distinct, given, tag_name, NumberId, MAX_TAGS};
use crate::protocol::Failure;

/// The most IDs or values one step links, unlinks or adds: a case's worth, each read once first.
pub(crate) const MAX_TARGETS: usize = 100;

/// The longest name of a threat model (CrowdStrike's ThreatStream spec: `maxLength: 255`);
/// investigations are held to the same.
pub(crate) const MAX_MODEL_NAME_CHARS: usize = 255;

/// The longest text: a threat bulletin's body may be a long HTML report, not a paste gone wrong.
pub(crate) const MAX_TEXT_CHARS: usize = 1_000_000;

/// The longest comment, as Add Comment takes on an observable.
pub(crate) const MAX_COMMENT_CHARS: usize = 65_536;

/// A text that may span lines (a description, a comment): trimmed, `None` when not given, at most
/// `max` characters, and no control character but line breaks and tabs.
pub(crate) fn text<'a>(given_text: Option<&'a str>, input: &str, max: usize) -> Result<Option<&'a str>, Failure> {
    let Some(text) = given(given_text).map(str::trim) else {
        return Ok(None);
    };
    if text.len() > max.saturating_mul(4) || text.chars().count() > max {
        return Err(Failure::invalid_input(
            input,
            format!("it is longer than {max} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        let problem = "it contains a control character other than a line break or a tab";
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(Some(text))
}

/// Names to write (tags, aliases): each a tag name (`input::tag_name`), each once, letter case aside.
pub(crate) fn written_names(given_names: &[String], input: &str) -> Result<Vec<String>, Failure> {
    at_most(input, given_names.len(), MAX_TAGS, "entries")?;
    let mut kept: Vec<String> = Vec::new();
    for (index, name) in given_names.iter().enumerate() {
        let name = tag_name(name, &format!("{input}[{index}]"))?;
        if !kept.iter().any(|known| known.eq_ignore_ascii_case(&name)) {
            kept.push(name);
        }
    }
    Ok(kept)
}

/// The IDs of a list input, each once, in order; an empty list is none given.
pub(crate) fn ids(list: &[NumberId], input: &str, what: &str) -> Result<Vec<u64>, Failure> {
    at_most(input, list.len(), MAX_TARGETS, "IDs")?;
    let read: Result<Vec<u64>, Failure> = list
        .iter()
        .enumerate()
        .map(|(index, id)| id.read(&format!("{input}[{index}]"), what))
        .collect();
    Ok(distinct(read?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_names_and_ids_have_limits() {
        assert_eq!(text(Some(" a\nb "), "description", 10), Ok(Some("a\nb")));
        assert_eq!(text(Some("  "), "description", 10), Ok(None));
        assert!(text(Some("a\u{7}"), "description", 10).is_err());
        assert!(text(Some(&"x".repeat(10 << 20)), "description", MAX_TEXT_CHARS).is_err());
        assert_eq!(
            written_names(&[" a ".into(), "A".into(), "b".into()], "tags"),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert!(written_names(&[" ".into()], "tags").is_err());
        let given = [NumberId::of(json!(1)), NumberId::of(json!("1")), NumberId::of(json!(2))];
        assert_eq!(ids(&given, "ids", "an observable ID"), Ok(vec![1, 2]));
        let failure = ids(&[NumberId::of(json!("x"))], "ids", "an observable ID").unwrap_err();
        assert!(failure.cause.starts_with("Invalid input 'ids[0]'"), "{}", failure.cause);
    }
}
