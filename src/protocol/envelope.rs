//! The start message the orchestrator sends and the event the plugin answers with.
//!
//! Parsing is lenient where the runtime is (missing `meta`, `input` and `connection` become `{}`,
//! unknown body keys are ignored) and strict where it is strict (type, version, step name), with the
//! runtime's own messages (protocol reference §2.3). Every rejection still yields an event, so the
//! orchestrator always gets an envelope to parse.

use serde::Serialize;
use serde_json::{Map, Value};

use super::failure::{shortened, Failure};

/// Larger than any legitimate start message: a 64 MiB file to import is about 86 MiB of base64. Both
/// the CLI (stdin) and the server (request body) refuse to read more.
pub(crate) const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;

/// The kinds of start message this plugin accepts; it has no triggers or tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MessageType {
    ActionStart,
    ConnectionTest,
}

impl MessageType {
    /// The `type` of the answering event (`connection_test` answers with the same word).
    pub(crate) fn event_type(self) -> &'static str {
        match self {
            MessageType::ActionStart => "action_event",
            MessageType::ConnectionTest => "connection_test",
        }
    }
}

/// A start message whose envelope is sound; its connection and input are not yet validated.
#[derive(Debug)]
pub(crate) struct StartMessage {
    pub(crate) message_type: MessageType,
    /// The action id; `None` only for a `connection_test` message.
    pub(crate) action: Option<String>,
    pub(crate) meta: Value,
    pub(crate) input: Value,
    pub(crate) connection: Value,
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
        failure: Failure::client(cause, ENVELOPE_HELP),
        event_type,
        meta,
    })
}

impl StartMessage {
    pub(crate) fn parse(bytes: &[u8]) -> Result<StartMessage, Box<Rejected>> {
        let message: Value = serde_json::from_slice(bytes).map_err(|error| {
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
        StartMessage::from_body(message_type, body)
    }

    fn from_body(message_type: MessageType, mut body: Map<String, Value>) -> Result<StartMessage, Box<Rejected>> {
        let meta = body.remove("meta").unwrap_or_else(empty_object);
        let action = match (message_type, body.remove("action")) {
            (_, Some(Value::String(action))) => Some(action),
            (MessageType::ActionStart, Some(_)) => {
                return Err(reject(
                    "Action field must be a string",
                    Some(message_type.event_type()),
                    meta,
                ))
            }
            (MessageType::ActionStart, None) => {
                let cause = "Message is action_start but field \"action\" is missing from body";
                return Err(reject(cause, Some(message_type.event_type()), meta));
            }
            (MessageType::ConnectionTest, _) => None,
        };
        Ok(StartMessage {
            message_type,
            action,
            meta,
            input: body.remove("input").unwrap_or_else(empty_object),
            connection: body.remove("connection").unwrap_or_else(empty_object),
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
    match message.get("type") {
        None => Err(reject("\"type\" missing from input message", None, meta())),
        Some(Value::String(kind)) if kind == "action_start" => Ok(MessageType::ActionStart),
        Some(Value::String(kind)) if kind == "connection_test" => Ok(MessageType::ConnectionTest),
        Some(Value::String(kind)) if kind == "trigger_start" || kind == "task_start" => Err(reject(
            format!("Unsupported message type \"{kind}\": this plugin has no triggers or tasks"),
            None,
            meta(),
        )),
        Some(other) => Err(reject(
            format!("Unsupported message type \"{}\"", display_value(other)),
            None,
            meta(),
        )),
    }
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

/// A value as it appeared, without JSON quotes around strings, cut short if long.
fn display_value(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    shortened(&text)
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
        assert_eq!(message.action.as_deref(), Some("lookup_ip"));
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
        assert_eq!(message.action, None);
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
