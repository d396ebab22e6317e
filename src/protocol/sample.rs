//! `sample <step>`: a start message filled with the defaults of an action's, trigger's or task's
//! schemas.
//!
//! The runtime derives samples the same way (protocol reference §7.1): `default` if the schema has one,
//! else the first `enum` value, else an empty value of the type; objects and references recurse. It
//! prints them with Python's `json.dump`, so `python_json` reproduces that text.

use std::io;

use serde_json::ser::Formatter;
use serde_json::{json, Map, Value};

use super::plugin::{Action, Plugin, Task, Trigger};

/// The dispatcher a sample trigger message names, as the runtime's samples do.
pub(crate) const SAMPLE_DISPATCHER: &str = "http://localhost:8000";

/// The start message for the action, trigger or task `name`; `None` if the plugin has none.
pub(crate) fn sample_for(plugin: &Plugin, name: &str) -> Option<Value> {
    if let Some(action) = plugin.actions.find(name) {
        return Some(start_message(plugin, action));
    }
    if let Some(trigger) = plugin.triggers.find(name) {
        return Some(trigger_message(plugin, trigger));
    }
    plugin.tasks.find(name).map(|task| task_message(plugin, task))
}

/// The compact start message for `trigger`, in the runtime's key order.
pub(crate) fn trigger_message(plugin: &Plugin, trigger: &dyn Trigger) -> Value {
    let input = trigger.input_schema();
    let connection = plugin.connector.schema();
    json!({
        "body": {
            "trigger": trigger.id(),
            "meta": {},
            "input": default_value(input, input),
            "dispatcher": {"url": SAMPLE_DISPATCHER, "webhook_url": ""},
            "connection": default_value(connection, connection),
        },
        "type": "trigger_start",
        "version": "v1",
    })
}

/// The compact start message for `task`, in the runtime's key order.
pub(crate) fn task_message(plugin: &Plugin, task: &dyn Task) -> Value {
    let (input, state) = (task.input_schema(), task.state_schema());
    let connection = plugin.connector.schema();
    json!({
        "body": {
            "task": task.id(),
            "meta": {},
            "input": default_value(input, input),
            "connection": default_value(connection, connection),
            "state": default_value(state, state),
        },
        "type": "task_start",
        "version": "v1",
    })
}

/// The compact start message for `action`, in the runtime's key order.
pub(crate) fn start_message(plugin: &Plugin, action: &dyn Action) -> Value {
    let input = action.input_schema();
    let connection = plugin.connector.schema();
    json!({
        "body": {
            "action": action.id(),
            "meta": {},
            "input": default_value(input, input),
            "connection": default_value(connection, connection),
        },
        "type": "action_start",
        "version": "v1",
    })
}

/// `value` as Python's `json.dumps(value)` writes it: one line, `", "` and `": "` between items, every
/// non-ASCII character escaped (`ensure_ascii`). The runtime's `sample` prints exactly this, no newline.
pub(crate) fn python_json(value: &Value) -> String {
    let mut text = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, PythonFormatter);
    // Writing into a Vec cannot fail, and a `Value` always serializes.
    let _ = serde::Serialize::serialize(value, &mut serializer);
    String::from_utf8_lossy(&text).into_owned()
}

/// serde_json's compact output with Python's default separators and `ensure_ascii`.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        for character in fragment.chars() {
            if character.is_ascii() {
                writer.write_all(&[character as u8])?;
            } else {
                let mut units = [0; 2];
                for unit in character.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// The value the runtime would pre-fill for `schema`; `root` holds the definitions `$ref`s point into.
pub(crate) fn default_value(schema: &Value, root: &Value) -> Value {
    if let Some(default) = schema.get("default") {
        return default.clone();
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return resolve(target, root).map_or(Value::Null, |found| default_value(found, root));
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| values.first())
    {
        return first.clone();
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        let branches = schema.get(combinator).and_then(Value::as_array).into_iter().flatten();
        if let Some(branch) = branches.into_iter().find(|branch| !is_null_type(branch)) {
            return default_value(branch, root);
        }
    }
    empty_of_type(schema, root)
}

fn empty_of_type(schema: &Value, root: &Value) -> Value {
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).find(|kind| *kind != "null"),
        Some(Value::String(kind)) => Some(kind.as_str()),
        _ => None,
    };
    match kind {
        Some("string") => json!(""),
        Some("integer" | "number") => json!(0),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") | None => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let fields = properties.into_iter().flatten();
            Value::Object(
                fields
                    .map(|(name, field)| (name.clone(), default_value(field, root)))
                    .collect::<Map<_, _>>(),
            )
        }
        Some(_) => Value::Null,
    }
}

fn is_null_type(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// Follows a local reference such as `#/definitions/file`.
fn resolve<'a>(target: &str, root: &'a Value) -> Option<&'a Value> {
    root.pointer(target.strip_prefix('#')?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_python_json_dumps() {
        // json.dumps({"a": [1, "x"], "b": {}, "c": "caf\u00e9 \U0001F600", "d": "q\"\n"}) in Python 3.
        let value = json!({"a": [1, "x"], "b": {}, "c": "caf\u{e9} \u{1F600}", "d": "q\"\n"});
        assert_eq!(
            python_json(&value),
            r#"{"a": [1, "x"], "b": {}, "c": "caf\u00e9 \ud83d\ude00", "d": "q\"\n"}"#
        );
    }

    #[test]
    fn fills_defaults_enums_and_empty_values() {
        let schema = json!({
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "mode": {"type": "string", "enum": ["ok", "fail"]},
                "verify": {"type": "boolean", "default": true},
                "key": {"$ref": "#/definitions/credential_secret_key"},
                "count": {"type": ["integer", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "file": {"anyOf": [{"$ref": "#/definitions/file"}, {"type": "null"}]}
            },
            "definitions": {
                "credential_secret_key": {"type": "object", "properties": {"secretKey": {"type": "string"}}},
                "file": {"type": "object", "properties": {"filename": {"type": "string"}, "content": {"type": "string"}}}
            }
        });
        assert_eq!(
            default_value(&schema, &schema),
            json!({"text": "", "mode": "ok", "verify": true, "key": {"secretKey": ""}, "count": 0, "tags": [],
                   "file": {"filename": "", "content": ""}})
        );
    }
}
