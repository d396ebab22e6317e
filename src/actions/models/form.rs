//! Reading the form's inputs for the threat model and investigation steps: IDs as numbers or as
//! text, texts and lists that the form leaves empty as "not given", and the limits on each.
//!
//! A small local stand-in for the shared rule for untouched inputs that `actions::input` is growing
//! (branch `inputs`): the same rule, written for these steps only until that lands on main, when
//! these steps switch to it and this file goes.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::protocol::{quoted, Failure};

/// The most IDs or values one step links, unlinks or adds: a case's worth, each read once first.
pub(crate) const MAX_TARGETS: usize = 100;

/// The longest name ThreatStream takes for a model (CrowdStrike's ThreatStream spec: `maxLength:
/// 255`); investigations are held to the same.
pub(crate) const MAX_NAME_CHARS: usize = 255;

/// The longest tag or alias: longer than any ThreatStream has.
pub(crate) const MAX_TAG_CHARS: usize = 100;

/// The most tags or aliases one step sets.
pub(crate) const MAX_TAGS: usize = 100;

/// The longest text: a threat bulletin's body may be a long HTML report, but not a paste gone wrong.
pub(crate) const MAX_TEXT_CHARS: usize = 1_000_000;

/// The longest comment, as Add Comment takes on an observable.
pub(crate) const MAX_COMMENT_CHARS: usize = 65_536;

/// A ThreatStream ID as the form gives it: a number, or a number as text (an ID a step answered as
/// text, such as an import session's). The number 0 and `""` are what the form sends for an
/// untouched field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GivenId {
    Number(Value),
    Text(String),
}

impl<'de> Deserialize<'de> for GivenId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GivenId, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(GivenId::Text(text)),
            number @ Value::Number(_) => Ok(GivenId::Number(number)),
            other => Err(serde::de::Error::custom(format!(
                "expected an ID, as a number or as text, found {other}"
            ))),
        }
    }
}

impl JsonSchema for GivenId {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "GivenId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["integer", "string"]})
    }
}

impl GivenId {
    /// Whether the form left it empty: 0 or blank text.
    pub(crate) fn untouched(&self) -> bool {
        match self {
            GivenId::Number(number) => number.as_f64() == Some(0.0),
            GivenId::Text(text) => text.trim().is_empty(),
        }
    }

    /// The ID; an error naming `input` when it is not a whole number from 1, such as `"abc"`.
    pub(crate) fn read(&self, input: &str) -> Result<u64, Failure> {
        let whole = match self {
            GivenId::Number(number) => number.as_u64(),
            GivenId::Text(text) => {
                let text = text.trim();
                text.bytes()
                    .all(|byte| byte.is_ascii_digit())
                    .then(|| text.parse().ok())
                    .flatten()
            }
        };
        match whole {
            Some(id) if id > 0 => Ok(id),
            _ => {
                let shown = match self {
                    GivenId::Number(number) => number.to_string(),
                    GivenId::Text(text) => text.trim().to_owned(),
                };
                Err(Failure::invalid_input(
                    input,
                    format!(
                        "{} is not an ID; ThreatStream's IDs are whole numbers from 1",
                        quoted(&shown)
                    ),
                ))
            }
        }
    }

    /// A required ID: the form's empty value is refused too.
    pub(crate) fn required(&self, input: &str) -> Result<u64, Failure> {
        if self.untouched() {
            return Err(Failure::invalid_input(input, "it is empty; give the ThreatStream ID"));
        }
        self.read(input)
    }
}

/// The IDs of a list input, each once, in order; an empty list is none given.
pub(crate) fn ids(list: &[GivenId], input: &str) -> Result<Vec<u64>, Failure> {
    at_most(list.len(), MAX_TARGETS, input, "IDs")?;
    let mut found = Vec::new();
    for (index, given) in list.iter().enumerate() {
        let id = given.read(&format!("{input}[{index}]"))?;
        if !found.contains(&id) {
            found.push(id);
        }
    }
    Ok(found)
}

/// A text input trimmed, or `None` when the form left it blank.
pub(crate) fn text(given: Option<&str>) -> Option<&str> {
    given.map(str::trim).filter(|text| !text.is_empty())
}

/// A text given, at most `max` characters; counted in linear time, refused before anything else.
pub(crate) fn within(text: &str, input: &str, max: usize) -> Result<(), Failure> {
    if text.len() > max.saturating_mul(4) || text.chars().count() > max {
        return Err(Failure::invalid_input(
            input,
            format!("it is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// A one-line text given (a name, a title): at most `max` characters, no line breaks.
pub(crate) fn line(text: &str, input: &str, max: usize) -> Result<(), Failure> {
    within(text, input, max)?;
    if text.chars().any(char::is_control) {
        let problem = format!("{} contains a line break or another control character", quoted(text));
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(())
}

/// A list's length, checked before its entries.
pub(crate) fn at_most(count: usize, max: usize, input: &str, what: &str) -> Result<(), Failure> {
    if count > max {
        let problem = format!("it has {count} {what}, more than the {max} one step takes");
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(())
}

/// Names (tags, aliases) trimmed, each once ignoring case, every one on one line and short.
pub(crate) fn names(given: &[String], input: &str) -> Result<Vec<String>, Failure> {
    at_most(given.len(), MAX_TAGS, input, "entries")?;
    let mut kept: Vec<String> = Vec::new();
    for (index, name) in given.iter().enumerate() {
        let name = name.trim();
        let at = format!("{input}[{index}]");
        if name.is_empty() {
            return Err(Failure::invalid_input(&at, "an entry is empty"));
        }
        line(name, &at, MAX_TAG_CHARS)?;
        if !kept.iter().any(|known| known.eq_ignore_ascii_case(name)) {
            kept.push(name.to_owned());
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(value: Value) -> GivenId {
        serde_json::from_value(value).expect("a number or text")
    }

    #[test]
    fn ids_come_as_numbers_or_text_and_the_forms_empty_value_is_none() {
        for given in [json!(3101), json!("3101"), json!(" 3101 ")] {
            assert_eq!(id(given).read("id"), Ok(3101));
        }
        assert!(id(json!(0)).untouched() && id(json!("")).untouched());
        for bad in [json!("abc"), json!(-1), json!(1.5), json!("0"), json!("+3")] {
            let failure = id(bad.clone()).read("id").expect_err("refused");
            assert!(
                failure.cause.starts_with("Invalid input 'id': '"),
                "{bad}: {}",
                failure.cause
            );
        }
        assert!(id(json!(0)).required("id").is_err());
        assert!(serde_json::from_value::<GivenId>(json!(null)).is_err());
        assert_eq!(
            ids(&[id(json!(1)), id(json!("1")), id(json!(2))], "ids"),
            Ok(vec![1, 2])
        );
        assert!(ids(&[id(json!("x"))], "ids")
            .expect_err("refused")
            .cause
            .contains("'ids[0]'"));
    }

    #[test]
    fn names_and_texts_have_limits() {
        assert_eq!(
            names(&[" a ".into(), "A".into(), "b".into()], "tags"),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert!(names(&["".into()], "tags").is_err());
        assert!(names(&["a\nb".into()], "tags").is_err());
        assert!(line(&"x".repeat(MAX_NAME_CHARS + 1), "name", MAX_NAME_CHARS).is_err());
        assert!(within(&"x".repeat(10 << 20), "description", MAX_TEXT_CHARS).is_err());
        assert_eq!(text(Some("  ")), None);
        assert_eq!(text(Some(" x ")), Some("x"));
    }
}
