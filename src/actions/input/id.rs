//! Numbers a step takes in either JSON form: IDs, and the confidences where 0 is a real value.
//!
//! Steps chain: Submit File answers a report's ID as a number and Get Sandbox Report's published
//! input is text; the imports answer a session's ID as text and a playbook may hold it as a number.
//! So every ID input takes a whole number as a number or as text, whatever type its published spec
//! names. The input schema says so (`"type": ["string", "integer"]`, the published type first, which
//! is the one the spec shows): the runtime checks inputs against it before the step sees them, and
//! widening the schema is what lets both through that check. Coercing before the check instead would
//! make the schema in `schemas/` lie about what the binary takes.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::untouched::Untouched;
use crate::protocol::{quoted, Failure};

/// A number input as it came: a JSON number or text.
#[derive(Clone, Debug, PartialEq)]
enum Given {
    Number(Value),
    Text(String),
}

impl<'de> Deserialize<'de> for Given {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Given, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Given::Text(text)),
            number @ Value::Number(_) => Ok(Given::Number(number)),
            other => Err(serde::de::Error::custom(format!(
                "expected a number or a number as text, found {other}"
            ))),
        }
    }
}

impl Given {
    /// The whole number given, if it is one, whichever form it came in.
    fn whole(&self) -> Option<u64> {
        match self {
            Given::Number(number) => number.as_u64().or_else(|| {
                number
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n < 1e19)
                    .map(|n| n as u64)
            }),
            Given::Text(text) => {
                let text = text.trim();
                text.bytes()
                    .all(|byte| byte.is_ascii_digit())
                    .then(|| text.parse().ok())
                    .flatten()
            }
        }
    }

    fn shown(&self) -> String {
        match self {
            Given::Number(number) => quoted(&number.to_string()),
            Given::Text(text) => quoted(text.trim()),
        }
    }
}

/// Whether an ID's published type is text (`true`) or an integer (`false`): it comes first in the
/// schema's types, so the spec keeps naming it.
pub(crate) type TextId = Id<true>;
pub(crate) type NumberId = Id<false>;

/// A ThreatStream ID, numbered from 1, given as a number or as text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Id<const TEXT: bool>(Given);

impl<'de, const TEXT: bool> Deserialize<'de> for Id<TEXT> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Id<TEXT>, D::Error> {
        Given::deserialize(deserializer).map(Id)
    }
}

impl<const TEXT: bool> JsonSchema for Id<TEXT> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        if TEXT { "TextId" } else { "NumberId" }.into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        if TEXT {
            json_schema!({"type": ["string", "integer"]})
        } else {
            json_schema!({"type": ["integer", "string"]})
        }
    }
}

impl<const TEXT: bool> Untouched for Id<TEXT> {
    /// The form's 0 for a number, `""` for text.
    fn untouched(&self) -> bool {
        match &self.0 {
            Given::Number(number) => number.as_f64() == Some(0.0),
            Given::Text(text) => text.untouched(),
        }
    }
}

impl<const TEXT: bool> Id<TEXT> {
    /// The ID; an error naming `input` and saying what the value is `not` ("a report ID; give ...")
    /// when it is no positive whole number.
    pub(crate) fn read(&self, input: &str, not: &str) -> Result<u64, Failure> {
        match self.0.whole() {
            Some(id) if id > 0 => Ok(id),
            _ => Err(Failure::invalid_input(
                input,
                format!("{} is not {not}", self.0.shown()),
            )),
        }
    }

    #[cfg(test)]
    pub(crate) fn of(value: Value) -> Id<TEXT> {
        Id(serde_json::from_value(value).expect("a number or text"))
    }
}

/// A 0-100 value where 0 is a real choice, such as a confidence. The number 0 is what the form sends
/// for the field left empty, so it is not given; the text `"0"` sets 0 on purpose. Published as an
/// integer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Percent(Given);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Percent, D::Error> {
        Given::deserialize(deserializer).map(Percent)
    }
}

impl JsonSchema for Percent {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["integer", "string"], "minimum": 0, "maximum": 100})
    }
}

impl Untouched for Percent {
    fn untouched(&self) -> bool {
        match &self.0 {
            Given::Number(number) => number.as_f64() == Some(0.0),
            Given::Text(text) => text.untouched(),
        }
    }
}

/// The highest value a `Percent` takes.
const MAX_PERCENT: u64 = 100;

impl Percent {
    /// The value, or `None` when not given; an error naming `input` when it is no whole number from
    /// 0 to 100.
    pub(crate) fn read(value: Option<&Percent>, input: &str) -> Result<Option<u8>, Failure> {
        let Some(percent) = value.filter(|percent| !percent.untouched()) else {
            return Ok(None);
        };
        match percent.0.whole() {
            Some(whole) if whole <= MAX_PERCENT => Ok(u8::try_from(whole).ok()),
            _ => Err(Failure::invalid_input(
                input,
                format!("{} is not a whole number from 0 to {MAX_PERCENT}", percent.0.shown()),
            )),
        }
    }

    #[cfg(test)]
    pub(crate) fn of(value: Value) -> Percent {
        Percent(serde_json::from_value(value).expect("a number or text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_come_as_numbers_or_text() {
        for given in [json!(101), json!("101"), json!(" 101 "), json!(101.0)] {
            assert_eq!(TextId::of(given.clone()).read("report_id", "x"), Ok(101), "{given}");
            assert_eq!(NumberId::of(given.clone()).read("id", "x"), Ok(101), "{given}");
        }
        for bad in [
            json!(-1),
            json!(1.5),
            json!("abc"),
            json!("+3"),
            json!("1 2"),
            json!("0"),
            json!("-5"),
        ] {
            let failure = TextId::of(bad.clone()).read("report_id", "a report ID").unwrap_err();
            assert!(
                failure.cause.starts_with("Invalid input 'report_id': '"),
                "{bad}: {}",
                failure.cause
            );
            assert!(failure.cause.contains("is not a report ID"), "{}", failure.cause);
        }
        assert!(TextId::of(json!("")).untouched());
        assert!(NumberId::of(json!(0)).untouched());
        assert!(
            !TextId::of(json!("0")).untouched(),
            "text 0 was typed, and is refused as no ID"
        );
    }

    #[test]
    fn a_percent_of_0_is_set_only_as_text() {
        assert_eq!(Percent::read(Some(&Percent::of(json!(0))), "confidence"), Ok(None));
        assert_eq!(Percent::read(Some(&Percent::of(json!(""))), "confidence"), Ok(None));
        assert_eq!(Percent::read(None, "confidence"), Ok(None));
        assert_eq!(Percent::read(Some(&Percent::of(json!("0"))), "confidence"), Ok(Some(0)));
        assert_eq!(Percent::read(Some(&Percent::of(json!(40))), "confidence"), Ok(Some(40)));
        assert_eq!(
            Percent::read(Some(&Percent::of(json!(" 100 "))), "confidence"),
            Ok(Some(100))
        );
        for bad in [json!(101), json!("high"), json!("-1"), json!(12.5)] {
            let failure = Percent::read(Some(&Percent::of(bad.clone())), "confidence").unwrap_err();
            assert!(
                failure.cause.starts_with("Invalid input 'confidence': "),
                "{bad}: {}",
                failure.cause
            );
        }
    }
}
