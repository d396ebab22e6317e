//! The start message the orchestrator sends and the event the plugin answers with.
//!
//! Parsing is lenient where the runtime is (missing `meta`, `input` and `connection` become `{}`,
//! unknown body keys are ignored) and strict where it is strict (type, version, step name), with the
//! runtime's own messages (protocol reference §2.3). Every rejection still yields an event, so the
//! orchestrator always gets an envelope to parse.

use std::sync::OnceLock;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::failure::{shown, Failure};

/// Larger than any legitimate start message: a 64 MiB file to import is about 86 MiB of base64. Both
/// the CLI (stdin) and the server (request body) refuse to read more.
pub(crate) const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;

/// The kinds of start message (protocol reference §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MessageType {
    ActionStart,
    TriggerStart,
    TaskStart,
    ConnectionTest,
}

impl MessageType {
    /// The `type` of the answering event (`connection_test` answers with the same word).
    pub(crate) fn event_type(self) -> &'static str {
        match self {
            MessageType::ActionStart => "action_event",
            MessageType::TriggerStart => "trigger_event",
            MessageType::TaskStart => "task_event",
            MessageType::ConnectionTest => "connection_test",
        }
    }

    /// The body key naming the step, and its capitalised form for the runtime's messages.
    fn step_key(self) -> Option<(&'static str, &'static str)> {
        match self {
            MessageType::ActionStart => Some(("action", "Action")),
            MessageType::TriggerStart => Some(("trigger", "Trigger")),
            MessageType::TaskStart => Some(("task", "Task")),
            MessageType::ConnectionTest => None,
        }
    }

    fn named(kind: &str) -> Option<MessageType> {
        match kind {
            "action_start" => Some(MessageType::ActionStart),
            "trigger_start" => Some(MessageType::TriggerStart),
            "task_start" => Some(MessageType::TaskStart),
            "connection_test" => Some(MessageType::ConnectionTest),
            _ => None,
        }
    }

    fn start_name(self) -> &'static str {
        match self {
            MessageType::ActionStart => "action_start",
            MessageType::TriggerStart => "trigger_start",
            MessageType::TaskStart => "task_start",
            MessageType::ConnectionTest => "connection_test",
        }
    }
}

/// A start message whose envelope is sound; its connection and input are not yet validated.
#[derive(Debug)]
pub(crate) struct StartMessage<'a> {
    pub(crate) message_type: MessageType,
    /// The action, trigger or task id; for a `connection_test` message, the task (or action) it
    /// tests, if it names one.
    pub(crate) step: Option<String>,
    pub(crate) meta: Value,
    /// The input for its schema check, with very long strings elided (see `ElidedValue`).
    pub(crate) input: Value,
    /// The input as sent, borrowed from the message text: what the action decodes.
    pub(crate) raw_input: &'a RawValue,
    pub(crate) connection: Value,
    /// A trigger's `dispatcher` (`{"url", "webhook_url"}`).
    pub(crate) dispatcher: Value,
    /// A task's `state`, as the last run returned it.
    pub(crate) state: Value,
}

/// A message that could not be used, with what is known of it for the answering event.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub(crate) failure: Failure,
    pub(crate) event_type: Option<&'static str>,
    pub(crate) meta: Value,
}

const ENVELOPE_HELP: &str = "Send one JSON start message, as the InsightConnect runtime does: \
    {\"version\": \"v1\", \"type\": \"action_start\", \"body\": {\"action\": \"<id>\", \"meta\": {}, \
    \"input\": {}, \"connection\": {}}}.";

fn reject(cause: impl Into<String>, event_type: Option<&'static str>, meta: Value) -> Box<Rejected> {
    Box::new(Rejected {
        failure: Failure::caller(cause, ENVELOPE_HELP),
        event_type,
        meta,
    })
}

impl<'a> StartMessage<'a> {
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<StartMessage<'a>, Box<Rejected>> {
        let ElidedValue(message) = serde_json::from_slice(bytes).map_err(|error| {
            reject(
                format!("The start message is not valid JSON: {error}."),
                None,
                Value::Null,
            )
        })?;
        let Value::Object(mut message) = message else {
            return Err(reject("The start message must be a JSON object.", None, Value::Null));
        };
        let message_type = message_type(&message)?;
        version(&message, message_type)?;
        let body = match message.remove("body") {
            Some(Value::Object(body)) => body,
            Some(_) => {
                return Err(reject(
                    "\"body\" must be a JSON object",
                    Some(message_type.event_type()),
                    Value::Null,
                ))
            }
            None => {
                return Err(reject(
                    "\"body\" missing from input message",
                    Some(message_type.event_type()),
                    Value::Null,
                ))
            }
        };
        let raw_input = raw_input(bytes)?;
        StartMessage::from_body(message_type, body, raw_input)
    }

    fn from_body(
        message_type: MessageType,
        mut body: Map<String, Value>,
        raw_input: &'a RawValue,
    ) -> Result<StartMessage<'a>, Box<Rejected>> {
        let meta = body.remove("meta").unwrap_or_else(empty_object);
        let step = match message_type.step_key() {
            Some((key, capitalised)) => match body.remove(key) {
                Some(Value::String(step)) => Some(step),
                Some(_) => {
                    let cause = format!("{capitalised} field must be a string");
                    return Err(reject(cause, Some(message_type.event_type()), meta));
                }
                None => {
                    let kind = message_type.start_name();
                    let cause = format!("Message is {kind} but field \"{key}\" is missing from body");
                    return Err(reject(cause, Some(message_type.event_type()), meta));
                }
            },
            // The runtime's `test_task` passes the task it tests; older callers name an action.
            None => ["task", "action"].iter().find_map(|key| match body.remove(*key) {
                Some(Value::String(step)) => Some(step),
                _ => None,
            }),
        };
        let mut section = |key: &str| body.remove(key).unwrap_or_else(empty_object);
        Ok(StartMessage {
            message_type,
            step,
            meta,
            input: section("input"),
            raw_input,
            connection: section("connection"),
            dispatcher: section("dispatcher"),
            state: section("state"),
        })
    }
}

fn message_type(message: &Map<String, Value>) -> Result<MessageType, Box<Rejected>> {
    let meta = || {
        message
            .get("body")
            .and_then(|body| body.get("meta"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let Some(kind) = message.get("type") else {
        return Err(reject("\"type\" missing from input message", None, meta()));
    };
    kind.as_str().and_then(MessageType::named).ok_or_else(|| {
        reject(
            format!("Unsupported message type \"{}\"", display_value(kind)),
            None,
            meta(),
        )
    })
}

fn version(message: &Map<String, Value>, message_type: MessageType) -> Result<(), Box<Rejected>> {
    let event_type = Some(message_type.event_type());
    match message.get("version") {
        Some(Value::String(version)) if version == "v1" => Ok(()),
        None => Err(reject(
            "\"version\" missing from input message",
            event_type,
            Value::Null,
        )),
        Some(other) => Err(reject(
            format!("Unsupported version '{}'. Only v1 is supported", display_value(other)),
            event_type,
            Value::Null,
        )),
    }
}

/// `body.input` as written in the message, borrowed: no copy of a file the input may carry.
fn raw_input<'a>(bytes: &'a [u8]) -> Result<&'a RawValue, Box<Rejected>> {
    #[derive(Deserialize)]
    struct Message<'a> {
        #[serde(borrow)]
        body: Body<'a>,
    }
    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(borrow)]
        input: Option<&'a RawValue>,
    }
    let message: Message<'a> = serde_json::from_slice(bytes)
        .map_err(|error| reject(format!("The start message cannot be read: {error}."), None, Value::Null))?;
    Ok(message.body.input.unwrap_or_else(|| empty_raw_object()))
}

fn empty_raw_object() -> &'static RawValue {
    static EMPTY: OnceLock<Box<RawValue>> = OnceLock::new();
    EMPTY.get_or_init(|| RawValue::from_string("{}".to_owned()).unwrap_or_default())
}

/// Strings longer than this are checked for their type only: their text is not copied into the
/// message's `Value` (see `ElidedValue`).
const ELIDED_STRING_BYTES: usize = 1024 * 1024;

/// A JSON value in which every string longer than `ELIDED_STRING_BYTES` stands in as a short
/// placeholder. The envelope checks and the input's schema check need a `Value`, but a file to import
/// is tens of megabytes of base64 in one string: copying it into a `Value` beside the message text
/// held it twice. The action decodes its input from the message text instead (`raw_input`).
struct ElidedValue(Value);

impl<'de> Deserialize<'de> for ElidedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ElidedValue, D::Error> {
        deserializer.deserialize_any(ElidingVisitor).map(ElidedValue)
    }
}

struct ElidingVisitor;

impl<'de> Visitor<'de> for ElidingVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        if value.len() > ELIDED_STRING_BYTES {
            Ok(Value::String(format!("(a string of {} bytes)", value.len())))
        } else {
            Ok(Value::String(value.to_owned()))
        }
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        if value.len() > ELIDED_STRING_BYTES {
            Ok(Value::String(format!("(a string of {} bytes)", value.len())))
        } else {
            Ok(Value::String(value))
        }
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(ElidedValue(value)) = items.next_element()? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some((key, ElidedValue(value))) = entries.next_entry::<String, ElidedValue>()? {
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

/// A value as it appeared, without JSON quotes around strings, cut short if long.
fn display_value(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    shown(&text)
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// The answer to a start message, in the runtime's key order (protocol reference §3.1).
#[derive(Debug, Serialize)]
pub(crate) struct Event {
    pub(crate) body: EventBody,
    pub(crate) version: &'static str,
    #[serde(rename = "type")]
    pub(crate) event_type: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub(crate) struct EventBody {
    pub(crate) log: String,
    pub(crate) status: Status,
    pub(crate) meta: Value,
    /// A task's new state, and whether more is waiting (protocol reference §3.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) has_more_pages: Option<bool>,
    /// The upstream HTTP status a task saw when it reports a failure the task way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) output: Option<Box<serde_json::value::RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) exception: Option<Exception>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Error,
}

/// `body.exception`: the parts of a `PluginException` or `ConnectionTestException`.
#[derive(Debug, Serialize)]
pub(crate) struct Exception {
    pub(crate) cause: String,
    pub(crate) assistance: String,
    pub(crate) data: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(text: &str) -> Box<Rejected> {
        StartMessage::parse(text.as_bytes()).expect_err("message should be rejected")
    }

    #[test]
    fn missing_sections_default_to_empty_objects() {
        let message = StartMessage::parse(br#"{"version":"v1","type":"action_start","body":{"action":"lookup_ip"}}"#)
            .expect("valid message");
        assert_eq!(message.step.as_deref(), Some("lookup_ip"));
        assert_eq!(message.meta, serde_json::json!({}));
        assert_eq!(message.input, serde_json::json!({}));
        assert_eq!(message.connection, serde_json::json!({}));
    }

    #[test]
    fn runtime_messages_for_bad_envelopes() {
        assert_eq!(
            rejected(r#"{"version":"v1","body":{}}"#).failure.cause,
            "\"type\" missing from input message"
        );
        let unsupported = rejected(r#"{"version":"v1","type":"bogus","body":{"meta":{"a":1}}}"#);
        assert_eq!(unsupported.failure.cause, "Unsupported message type \"bogus\"");
        assert_eq!(unsupported.event_type, None);
        assert_eq!(unsupported.meta, serde_json::json!({"a": 1}));
        assert_eq!(
            rejected(r#"{"version":"v2","type":"action_start","body":{}}"#)
                .failure
                .cause,
            "Unsupported version 'v2'. Only v1 is supported"
        );
        assert_eq!(
            rejected(r#"{"version":"v1","type":"action_start","body":{}}"#)
                .failure
                .cause,
            "Message is action_start but field \"action\" is missing from body"
        );
        assert_eq!(
            rejected(r#"{"version":"v1","type":"action_start","body":{"action":7}}"#)
                .failure
                .cause,
            "Action field must be a string"
        );
    }

    #[test]
    fn connection_test_needs_no_action() {
        let message = StartMessage::parse(br#"{"version":"v1","type":"connection_test","body":{"connection":{}}}"#)
            .expect("valid message");
        assert_eq!(message.message_type, MessageType::ConnectionTest);
        assert_eq!(message.step, None);
    }

    #[test]
    fn triggers_and_tasks_name_their_step_and_carry_dispatcher_and_state() {
        let trigger = StartMessage::parse(
            br#"{"version":"v1","type":"trigger_start","body":{"trigger":"t","dispatcher":{"url":"http://d"}}}"#,
        )
        .expect("valid message");
        assert_eq!(trigger.step.as_deref(), Some("t"));
        assert_eq!(trigger.dispatcher, serde_json::json!({"url": "http://d"}));
        assert_eq!(trigger.state, serde_json::json!({}));
        let task =
            StartMessage::parse(br#"{"version":"v1","type":"task_start","body":{"task":"k","state":{"cursor":1}}}"#)
                .expect("valid message");
        assert_eq!(task.message_type.event_type(), "task_event");
        assert_eq!(task.state, serde_json::json!({"cursor": 1}));
        assert_eq!(
            rejected(r#"{"version":"v1","type":"task_start","body":{}}"#)
                .failure
                .cause,
            "Message is task_start but field \"task\" is missing from body"
        );
        assert_eq!(
            rejected(r#"{"version":"v1","type":"trigger_start","body":{"trigger":1}}"#)
                .failure
                .cause,
            "Trigger field must be a string"
        );
    }

    #[test]
    fn not_json_is_rejected_without_type_or_meta() {
        let rejected = rejected("{");
        assert!(rejected
            .failure
            .cause
            .starts_with("The start message is not valid JSON"));
        assert_eq!(rejected.event_type, None);
        assert_eq!(rejected.meta, Value::Null);
    }
}
