//! What the administration steps (rules, allowlist, users, snapshots) read from a form: IDs as a
//! number or as numeric text, and texts and lists that the form may leave untouched.
//!
//! InsightConnect's form sends a value for every input, filled or not: `""` for a text, `[]` for a
//! list, `0` for a number, `false` for a switch. Each of those means "not given" here, so an update
//! changes only what it was given and a write given nothing is refused before any request. (The
//! shared rules for every step are being written in `actions::input`; these are the few the
//! administration steps need until then, with the same meaning.)

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::protocol::{quoted, Failure};

/// A ThreatStream ID (numbered from 1) as a form or a previous step gives it: a whole number, or a
/// whole number as text. The schema says both, so the runtime lets either through.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AnyId(Value);

impl<'de> Deserialize<'de> for AnyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AnyId, D::Error> {
        match Value::deserialize(deserializer)? {
            given @ (Value::String(_) | Value::Number(_)) => Ok(AnyId(given)),
            other => Err(serde::de::Error::custom(format!(
                "expected an ID, a number or a number as text, found {other}"
            ))),
        }
    }
}

impl JsonSchema for AnyId {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "AnyId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["integer", "string"]})
    }
}

impl AnyId {
    /// The ID, or `None` when the form left it untouched (`0`, `""`); anything that is no positive
    /// whole number is refused, naming `input` and saying what it is `not` ("a rule ID").
    pub(crate) fn read(&self, input: &str, not: &str) -> Result<Option<u64>, Failure> {
        let refused = |shown: String| Failure::invalid_input(input, format!("{shown} is not {not}"));
        match &self.0 {
            Value::Number(number) if number.as_f64() == Some(0.0) => Ok(None),
            Value::Number(number) => number
                .as_u64()
                .map(Some)
                .ok_or_else(|| refused(quoted(&number.to_string()))),
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => {
                let digits = text.trim();
                let id = digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse().ok());
                match id.flatten() {
                    Some(0) | None => Err(refused(quoted(digits))),
                    Some(id) => Ok(Some(id)),
                }
            }
            _ => Err(refused(quoted(&self.0.to_string()))),
        }
    }

    /// Like `read`, for an ID the step cannot do without.
    pub(crate) fn required(&self, input: &str, not: &str) -> Result<u64, Failure> {
        self.read(input, not)?
            .ok_or_else(|| Failure::invalid_input(input, format!("it is empty; give {not}")))
    }
}

/// An optional ID input: `None` when absent, `null` or untouched.
pub(crate) fn optional_id(id: Option<&AnyId>, input: &str, not: &str) -> Result<Option<u64>, Failure> {
    id.map_or(Ok(None), |id| id.read(input, not))
}

/// A text input, trimmed: `None` when absent or blank (the form's `""`). Longer than `max`
/// characters, or holding a line break or another control character, it is refused.
pub(crate) fn text(given: Option<&str>, input: &str, max: usize) -> Result<Option<String>, Failure> {
    let Some(text) = given.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    line(text, input, max)?;
    Ok(Some(text.to_owned()))
}

/// One line of at most `max` characters, without control characters.
pub(crate) fn line(text: &str, input: &str, max: usize) -> Result<(), Failure> {
    // A character is at most 4 bytes: a text that long in bytes is over the limit however it counts.
    if text.len() > max.saturating_mul(4) || text.chars().count() > max {
        return Err(Failure::invalid_input(
            input,
            format!("it is longer than {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        let problem = format!("{} contains a line break or another control character", quoted(text));
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(())
}

/// A list's length, checked before anything else is done with it.
pub(crate) fn at_most(input: &str, count: usize, max: usize, what: &str) -> Result<(), Failure> {
    if count > max {
        let problem = format!("it has {count} {what}, more than the {max} one step takes");
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(())
}

/// A number input whose 0 means "not given" and that has a default.
pub(crate) fn or_default(given: u64, default: u64) -> u64 {
    if given == 0 {
        default
    } else {
        given
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(value: Value) -> AnyId {
        serde_json::from_value(value).expect("an ID input")
    }

    #[test]
    fn ids_come_as_numbers_or_text_and_the_forms_empty_values_are_not_given() {
        assert_eq!(id(json!(14093)).read("id", "a rule ID"), Ok(Some(14093)));
        assert_eq!(id(json!(" 14093 ")).read("id", "a rule ID"), Ok(Some(14093)));
        assert_eq!(id(json!(0)).read("id", "a rule ID"), Ok(None));
        assert_eq!(id(json!("")).read("id", "a rule ID"), Ok(None));
        for bad in [
            json!(-1),
            json!(1.5),
            json!("abc"),
            json!("0"),
            json!("+3"),
            json!("1 2"),
        ] {
            let failure = id(bad.clone()).read("id", "a rule ID").expect_err("refused");
            assert!(
                failure.cause.starts_with("Invalid input 'id'"),
                "{bad}: {}",
                failure.cause
            );
            assert!(failure.cause.ends_with("is not a rule ID."), "{bad}: {}", failure.cause);
        }
        assert!(serde_json::from_value::<AnyId>(json!(true)).is_err());
        let empty = id(json!("")).required("id", "a rule ID").expect_err("refused");
        assert_eq!(empty.cause, "Invalid input 'id': it is empty; give a rule ID.");
    }

    #[test]
    fn texts_are_trimmed_bounded_and_on_one_line() {
        assert_eq!(text(Some("  x "), "name", 5), Ok(Some("x".into())));
        assert_eq!(text(Some("   "), "name", 5), Ok(None));
        assert_eq!(text(None, "name", 5), Ok(None));
        assert!(text(Some("abcdef"), "name", 5).is_err());
        assert!(text(Some("a\nb"), "name", 5).is_err());
        assert!(at_most("keywords", 3, 2, "keywords").is_err());
        assert_eq!(or_default(0, 100), 100);
        assert_eq!(or_default(7, 100), 7);
    }
}
