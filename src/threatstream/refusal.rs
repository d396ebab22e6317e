//! Answers that say they failed: the one judgment every 2xx answer from ThreatStream passes.
//!
//! ThreatStream, and the proxies in front of it, sometimes answer 2xx with a body saying the request
//! failed: `{"success": false, ...}`, or `{"error": "..."}` and nothing else. Read as data, such an
//! answer becomes a wrong result (Get Threat Model once turned `{"success": false, "error": ...}` into a
//! found model). So the client judges every answer it decodes here, on every route (`Client::decode`),
//! and no caller needs to remember to.
//!
//! An answer says it failed when its `success` is false, or when it carries an `error` (neither null,
//! false nor empty) and no data beside it, only the words that describe an error (`message`, `detail`,
//! `code` ...). A missing `success` is no failure: pages, records and the sandbox report come without
//! one (the published plugin's and XSOAR's test data have none). `Client::accepted` adds the demand
//! for `success: true` where ThreatStream documents it as the answer.
//!
//! Only the top level is read, and only when the body holds a `"success"` or `"error"` key at all,
//! so a page of records costs one byte search, not a second parse.

use std::fmt;

use memchr::memmem;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// Keys that describe an error rather than carry data.
const ERROR_WORDS: [&str; 8] = [
    "success",
    "error",
    "errors",
    "message",
    "detail",
    "details",
    "code",
    "error_code",
];

/// Whether `body`, a 2xx answer, says the request failed (see the module doc).
pub(super) fn says_it_failed(body: &[u8]) -> bool {
    if memmem::find(body, b"\"success\"").is_none() && memmem::find(body, b"\"error\"").is_none() {
        return false;
    }
    serde_json::from_slice::<Outcome>(body).is_ok_and(|outcome| outcome.failed())
}

/// What the top level of an answer says about its outcome.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    success: Option<Value>,
    error: Option<Value>,
    /// A member other than the error words holds something.
    data: bool,
}

impl Outcome {
    fn failed(&self) -> bool {
        let unsuccessful = match &self.success {
            Some(Value::Bool(success)) => !success,
            Some(Value::String(text)) => text.trim().eq_ignore_ascii_case("false"),
            _ => false,
        };
        let error = self.error.as_ref().is_some_and(has_substance);
        unsuccessful || (error && !self.data)
    }
}

fn has_substance(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(text) => !text.trim().is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(true) | Value::Number(_) => true,
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Outcome, D::Error> {
        deserializer.deserialize_any(OutcomeVisitor)
    }
}

struct OutcomeVisitor;

impl<'de> Visitor<'de> for OutcomeVisitor {
    type Value = Outcome;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
        let mut outcome = Outcome::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "success" => outcome.success = Some(map.next_value()?),
                "error" => outcome.error = Some(map.next_value()?),
                word if ERROR_WORDS.contains(&word) => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => outcome.data |= map.next_value::<Substance>()?.0,
            }
        }
        Ok(outcome)
    }

    // Anything but an object (a list, a bare value) is data, and says nothing about failure.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outcome, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Outcome::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Outcome, E> {
        Ok(Outcome::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Outcome, E> {
        Ok(Outcome::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Outcome, E> {
        Ok(Outcome::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Outcome, E> {
        Ok(Outcome::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<Outcome, E> {
        Ok(Outcome::default())
    }

    fn visit_unit<E>(self) -> Result<Outcome, E> {
        Ok(Outcome::default())
    }
}

/// Whether a value holds anything (not null, false, "" or empty), read without keeping it.
struct Substance(bool);

impl<'de> Deserialize<'de> for Substance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Substance, D::Error> {
        deserializer.deserialize_any(SubstanceVisitor)
    }
}

struct SubstanceVisitor;

impl<'de> Visitor<'de> for SubstanceVisitor {
    type Value = Substance;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Substance, A::Error> {
        let mut any = false;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(Substance(any))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Substance, A::Error> {
        let mut any = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(Substance(any))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Substance, E> {
        Ok(Substance(value))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Substance, E> {
        Ok(Substance(true))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Substance, E> {
        Ok(Substance(true))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Substance, E> {
        Ok(Substance(true))
    }

    fn visit_str<E>(self, value: &str) -> Result<Substance, E> {
        Ok(Substance(!value.trim().is_empty()))
    }

    fn visit_unit<E>(self) -> Result<Substance, E> {
        Ok(Substance(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failed(answer: Value) -> bool {
        says_it_failed(answer.to_string().as_bytes())
    }

    #[test]
    fn answers_that_say_they_failed() {
        for answer in [
            json!({"success": false}),
            json!({"success": false, "error": "Not allowed", "id": 3101, "name": "APT"}),
            json!({"success": "False", "objects": []}),
            json!({"error": "quota exceeded"}),
            json!({"error": {"code": 7, "message": "no"}, "message": "no", "detail": null}),
            json!({"success": true, "error": "quota exceeded"}),
            json!({"error": "x", "objects": [], "meta": null, "results": ""}),
        ] {
            assert!(failed(answer.clone()), "{answer}");
        }
    }

    #[test]
    fn answers_that_do_not() {
        for answer in [
            json!({"id": 3101, "name": "APT"}),
            json!({"success": true, "import_session_id": 1}),
            json!({"results": {"info": {}}}),
            json!({"error": null, "id": 1}),
            json!({"error": "", "success": true}),
            json!({"error": false}),
            json!({"error": "partial", "objects": [{"id": 1}]}),
            json!({"meta": {"next": null}, "objects": [{"value": "x", "error": "in a record"}]}),
            json!([{"success": false}]),
            json!("success"),
            json!({}),
        ] {
            assert!(!failed(answer.clone()), "{answer}");
        }
        assert!(
            !says_it_failed(b"{\"success\": false"),
            "not JSON is for the decoder to report"
        );
    }
}
