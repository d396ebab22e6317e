//! What the server reads of a request body before the step pipeline sees it.
//!
//! The runtime's Flask endpoints parse the JSON, refuse an empty message and compare the body's action,
//! trigger or task with the route before the runtime's step runs (protocol reference §5.2). `Glance`
//! gets exactly those things, and the message type (a trigger never runs over HTTP), in one streaming
//! pass that
//! skips everything else unallocated: an import's input can be a hundred megabytes of base64, and
//! the step parses the message again for real.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// What a request body holds, as far as the server's own checks go.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Glance {
    /// Python's `not message`: absent, `{}`, `[]`, `null`, `false`, `0` or `""`.
    pub(super) empty: bool,
    /// The message's `type` as sent.
    pub(super) kind: Option<Value>,
    /// `body.action` as sent, if the message and its body are objects that have one.
    pub(super) action: Option<Value>,
    /// `body.trigger` and `body.task`, likewise.
    pub(super) trigger: Option<Value>,
    pub(super) task: Option<Value>,
}

impl Glance {
    /// Reads `bytes`; an error means the body is not JSON at all.
    pub(super) fn of(bytes: &[u8]) -> Result<Glance, serde_json::Error> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Glance {
                empty: true,
                ..Glance::default()
            });
        }
        serde_json::from_slice(bytes)
    }
}

/// A step name the way the runtime's messages print it (Python `str()`; `None` when absent).
pub(super) fn python_str(name: Option<&Value>) -> String {
    match name {
        None | Some(Value::Null) => "None".to_owned(),
        Some(Value::String(name)) => name.clone(),
        Some(other) => other.to_string(),
    }
}

impl<'de> Deserialize<'de> for Glance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Glance, D::Error> {
        deserializer.deserialize_any(MessageVisitor)
    }
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Glance;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON start message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut message: A) -> Result<Glance, A::Error> {
        let mut glance = Glance {
            empty: true,
            ..Glance::default()
        };
        while let Some(key) = message.next_key::<String>()? {
            glance.empty = false;
            if key == "body" {
                let body: BodyGlance = message.next_value()?;
                glance.action = body.action;
                glance.trigger = body.trigger;
                glance.task = body.task;
            } else if key == "type" {
                glance.kind = Some(message.next_value()?);
            } else {
                message.next_value::<IgnoredAny>()?;
            }
        }
        Ok(glance)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Glance, A::Error> {
        let empty = items.next_element::<IgnoredAny>()?.is_none();
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(falsy(empty))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Glance, E> {
        Ok(falsy(!value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Glance, E> {
        Ok(falsy(value == 0))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Glance, E> {
        Ok(falsy(value == 0))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Glance, E> {
        Ok(falsy(value == 0.0))
    }

    fn visit_str<E>(self, value: &str) -> Result<Glance, E> {
        Ok(falsy(value.is_empty()))
    }

    fn visit_unit<E>(self) -> Result<Glance, E> {
        Ok(falsy(true))
    }
}

fn falsy(empty: bool) -> Glance {
    Glance {
        empty,
        ..Glance::default()
    }
}

/// `action`, `trigger` and `task` of a body; a body that is not an object has none.
#[derive(Default)]
struct BodyGlance {
    action: Option<Value>,
    trigger: Option<Value>,
    task: Option<Value>,
}

impl<'de> Deserialize<'de> for BodyGlance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<BodyGlance, D::Error> {
        deserializer.deserialize_any(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = BodyGlance;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut body: A) -> Result<BodyGlance, A::Error> {
        let mut glance = BodyGlance::default();
        while let Some(key) = body.next_key::<String>()? {
            match key.as_str() {
                "action" => glance.action = Some(body.next_value()?),
                "trigger" => glance.trigger = Some(body.next_value()?),
                "task" => glance.task = Some(body.next_value()?),
                _ => {
                    body.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(glance)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<BodyGlance, A::Error> {
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(BodyGlance::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<BodyGlance, E> {
        Ok(BodyGlance::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<BodyGlance, E> {
        Ok(BodyGlance::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<BodyGlance, E> {
        Ok(BodyGlance::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<BodyGlance, E> {
        Ok(BodyGlance::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<BodyGlance, E> {
        Ok(BodyGlance::default())
    }

    fn visit_unit<E>(self) -> Result<BodyGlance, E> {
        Ok(BodyGlance::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn glance(text: &str) -> Glance {
        Glance::of(text.as_bytes()).expect("JSON")
    }

    #[test]
    fn empty_is_what_python_calls_falsy() {
        for empty in ["", "  \n", "{}", "[]", "null", "false", "0", "0.0", "\"\""] {
            assert!(glance(empty).empty, "{empty:?} is empty");
        }
        for full in ["{\"a\":1}", "[0]", "true", "1", "\"x\""] {
            assert!(!glance(full).empty, "{full:?} is not empty");
        }
    }

    #[test]
    fn the_action_is_read_and_the_rest_skipped() {
        let message = glance(
            r#"{"version":"v1","body":{"input":{"file":{"content":"QUJD"}},"action":"lookup_ip",
                "connection":{"api_key":{"secretKey":"k"}},"meta":{}},"type":"action_start"}"#,
        );
        assert_eq!(message.action, Some(json!("lookup_ip")));
        assert!(!message.empty);
    }

    #[test]
    fn odd_bodies_have_no_action_and_print_like_python() {
        trait Shown {
            fn action_shown(&self) -> String;
        }
        impl Shown for Glance {
            fn action_shown(&self) -> String {
                python_str(self.action.as_ref())
            }
        }
        assert_eq!(glance(r#"{"body":[1,2]}"#).action_shown(), "None");
        assert_eq!(glance(r#"{"body":"x"}"#).action_shown(), "None");
        assert_eq!(glance(r#"{"body":{"action":null}}"#).action_shown(), "None");
        assert_eq!(glance(r#"{"body":{"action":7}}"#).action_shown(), "7");
        assert_eq!(glance("[1]").action_shown(), "None");
    }

    #[test]
    fn not_json_is_an_error() {
        assert!(Glance::of(b"{").is_err());
        assert!(Glance::of(b"\xff").is_err());
        assert!(Glance::of(b"{} {}").is_err());
    }
}
