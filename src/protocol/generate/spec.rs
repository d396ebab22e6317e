//! plugin.spec.yaml: its identity lines and its `types`, `connection`, `actions`, `triggers` and `tasks`
//! sections, written from the schemas of the Rust types.
//!
//! A person writes the rest of the spec (tags, key features, requirements, troubleshooting, version
//! history, links) above the marker line; everything below the marker is generated. The spec types are
//! read off the JSON Schemas the binary enforces, so the two cannot disagree: `string` with the
//! `date-time` format is `date`, an array is `[]T`, a reference is the custom type it names.

use serde_json::{Map, Value};

use crate::protocol::plugin::Plugin;
use crate::protocol::sample::python_json;

/// The line after which the spec is generated.
pub(super) const MARKER: &str =
    "# Everything below is generated from the Rust types by `make generate`: change the types, not this.";

/// Top-level keys the generator owns; in a spec without the marker, the first of them starts the
/// generated part.
const GENERATED_KEYS: [&str; 5] = ["types:", "connection:", "actions:", "triggers:", "tasks:"];

/// The InsightConnect base types: built into the runtime, so never listed under `types`.
const BASE_TYPES: [&str; 2] = ["file", "credential_secret_key"];

/// The spec for `plugin`, keeping the hand-written part of `current`.
pub(super) fn generate(plugin: &Plugin, current: &str) -> String {
    let mut text = String::new();
    for line in hand_written(current).lines() {
        text.push_str(&identity_line(plugin, line).unwrap_or_else(|| line.to_owned()));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(MARKER);
    text.push('\n');
    emit_map(&sections(plugin), 0, &mut text);
    text
}

fn hand_written(current: &str) -> String {
    let mut kept = String::new();
    for line in current.lines() {
        if line == MARKER || GENERATED_KEYS.iter().any(|key| line.starts_with(key)) {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept.trim_end().to_owned()
}

/// The identity keys come from the binary's `Plugin`, the version from Cargo.toml through it;
/// `enable_cache` is true exactly when the plugin has triggers, which keep their state in the cache
/// (EnableCacheValidator; runtime 6.6.0+).
fn identity_line(plugin: &Plugin, line: &str) -> Option<String> {
    let (key, _) = line.split_once(": ")?;
    if key == "enable_cache" {
        return Some(format!("enable_cache: {}", plugin.triggers.iter().next().is_some()));
    }
    let value = match key {
        "name" => plugin.name,
        "title" => plugin.title,
        "description" => plugin.description,
        "version" => plugin.version,
        "vendor" => plugin.vendor,
        _ => return None,
    };
    Some(format!("{key}: {}", scalar(&Value::from(value))))
}

/// The generated sections, in the order the spec lists them.
fn sections(plugin: &Plugin) -> Map<String, Value> {
    let mut types = Map::new();
    let connection = plugin.connector.schema();
    collect_types(connection, &mut types);
    let mut actions = Map::new();
    for action in plugin.actions.iter() {
        let schemas = [action.input_schema(), action.output_schema()];
        schemas.iter().for_each(|schema| collect_types(schema, &mut types));
        let entry = step_entry(action.title(), action.description(), schemas);
        actions.insert(action.id().into(), Value::Object(entry));
    }
    let mut triggers = Map::new();
    for trigger in plugin.triggers.iter() {
        let schemas = [trigger.input_schema(), trigger.output_schema()];
        schemas.iter().for_each(|schema| collect_types(schema, &mut types));
        let entry = step_entry(trigger.title(), trigger.description(), schemas);
        triggers.insert(trigger.id().into(), Value::Object(entry));
    }
    let mut tasks = Map::new();
    for task in plugin.tasks.iter() {
        let schemas = [task.input_schema(), task.output_schema()];
        schemas.iter().for_each(|schema| collect_types(schema, &mut types));
        let mut entry = step_entry(task.title(), task.description(), schemas);
        entry.insert("schedule".into(), schedule(task.schedule()));
        entry.insert("state".into(), Value::Object(state_params(task.state_schema())));
        tasks.insert(task.id().into(), Value::Object(entry));
    }
    let mut sections = Map::new();
    if !types.is_empty() {
        sections.insert("types".into(), Value::Object(types));
    }
    sections.insert("connection".into(), Value::Object(params(connection, connection)));
    sections.insert("actions".into(), Value::Object(actions));
    for (key, steps) in [("triggers", triggers), ("tasks", tasks)] {
        if !steps.is_empty() {
            sections.insert(key.into(), Value::Object(steps));
        }
    }
    sections
}

/// A step's `title`, `description`, `input` and `output`.
fn step_entry(title: &str, description: &str, [input, output]: [&Value; 2]) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("title".into(), title.into());
    entry.insert("description".into(), description.into());
    entry.insert("input".into(), Value::Object(params(input, input)));
    entry.insert("output".into(), Value::Object(params(output, output)));
    entry
}

/// A task's `schedule`: a cron expression, the one the orchestrator offers.
fn schedule(cron: &str) -> Value {
    serde_json::json!({"title": "Schedule", "type": "cron", "enum": [cron]})
}

/// A task's `state`: only `title`, `description` and `type` per field (SpecPropertiesValidator).
fn state_params(schema: &Value) -> Map<String, Value> {
    let mut fields = params(schema, schema);
    for field in fields.values_mut().filter_map(Value::as_object_mut) {
        field.retain(|key, _| ["title", "description", "type"].contains(&key.as_str()));
    }
    fields
}

/// Adds the custom types `schema` defines, in the order first seen; one name must mean one type.
fn collect_types(schema: &Value, types: &mut Map<String, Value>) {
    let definitions = schema.get("definitions").and_then(Value::as_object);
    for (name, definition) in definitions.into_iter().flatten() {
        if BASE_TYPES.contains(&name.as_str()) || definition.get("enum").is_some() {
            continue;
        }
        let fields = Value::Object(params(definition, schema));
        if let Some(seen) = types.get(name) {
            assert_eq!(
                seen, &fields,
                "two different Rust types are both named `{name}` in the spec"
            );
        }
        types.insert(name.clone(), fields);
    }
}

/// One spec parameter per property of the object `schema`; `root` holds the definitions.
pub(super) fn params(schema: &Value, root: &Value) -> Map<String, Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let properties = schema.get("properties").and_then(Value::as_object);
    properties
        .into_iter()
        .flatten()
        .map(|(name, property)| (name.clone(), param(property, required.contains(&name.as_str()), root)))
        .collect()
}

fn param(property: &Value, required: bool, root: &Value) -> Value {
    let mut param = Map::new();
    for key in ["title", "description"] {
        if let Some(text) = property.get(key) {
            param.insert(key.into(), text.clone());
        }
    }
    param.insert("type".into(), spec_type(property, root).into());
    param.insert("required".into(), required.into());
    let target = non_null(property, root);
    if let Some(default) = property.get("default").or_else(|| target.get("default")) {
        param.insert("default".into(), default.clone());
    }
    if let Some(values) = target.get("enum").and_then(Value::as_array) {
        let values: Vec<Value> = values.iter().filter(|value| !value.is_null()).cloned().collect();
        param.insert("enum".into(), Value::Array(values));
    }
    if let Some(example) = property.get("examples").and_then(|examples| examples.get(0)) {
        param.insert("example".into(), spec_example(example));
    }
    Value::Object(param)
}

/// The InsightConnect type of a property.
pub(super) fn spec_type(property: &Value, root: &Value) -> String {
    let branch = non_null_branch(property);
    if let Some(name) = reference(branch) {
        let is_enum = root["definitions"][name].get("enum").is_some();
        return if is_enum { "string".into() } else { name.to_owned() };
    }
    match first_type(branch) {
        Some("array") => format!("[]{}", spec_type(&branch["items"], root)),
        Some("string") => match branch.get("format").and_then(Value::as_str) {
            Some("date-time") => "date".into(),
            Some("bytes") => "bytes".into(),
            _ => "string".into(),
        },
        Some("integer") => "integer".into(),
        Some("number") => "float".into(),
        Some("boolean") => "boolean".into(),
        _ => "object".into(),
    }
}

/// The property itself, or the definition it refers to.
fn non_null<'a>(property: &'a Value, root: &'a Value) -> &'a Value {
    let branch = non_null_branch(property);
    match reference(branch) {
        Some(name) => &root["definitions"][name],
        None => branch,
    }
}

fn reference(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/definitions/")
}

/// `Option<T>` is `anyOf [T, null]`, and a described reference is `allOf [T]` (draft 7 ignores keywords
/// beside `$ref`); the spec only says "not required".
pub(super) fn non_null_branch(property: &Value) -> &Value {
    let branches = property
        .get("anyOf")
        .or_else(|| property.get("allOf"))
        .and_then(Value::as_array);
    branches
        .and_then(|branches| {
            branches
                .iter()
                .find(|branch| branch.get("type") != Some(&Value::from("null")))
        })
        .unwrap_or(property)
}

fn first_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(kind) => Some(kind),
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|kind| *kind != "null"),
        _ => None,
    }
}

/// Objects and lists are written as JSON text, the form the generator of help.md decodes.
fn spec_example(example: &Value) -> Value {
    match example {
        Value::Array(_) | Value::Object(_) => Value::String(python_json(example)),
        other => other.clone(),
    }
}

/// Block YAML for maps, JSON flow for lists; two spaces a level.
fn emit_map(map: &Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(key);
        match value {
            Value::Object(fields) if !fields.is_empty() => {
                out.push_str(":\n");
                emit_map(fields, indent + 2, out);
            }
            other => {
                out.push_str(": ");
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// A YAML scalar or flow value. Strings stay plain only when YAML cannot read them as anything else,
/// and are single-quoted (JSON examples read best that way) when they are printable ASCII. The rest
/// are JSON, valid YAML flow, with every non-ASCII character escaped, as the spec must be ASCII.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) if plain_is_safe(text) => text.clone(),
        Value::String(text) if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) => {
            format!("'{}'", text.replace('\'', "''"))
        }
        other => python_json(other),
    }
}

fn plain_is_safe(text: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " _-./,()'@+;".contains(c);
    let words = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"];
    text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !text.ends_with(' ')
        && text.chars().all(allowed)
        && !words.contains(&text.to_ascii_lowercase().as_str())
        && text.parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scalars_are_plain_only_when_unambiguous() {
        assert_eq!(scalar(&json!("Lookup an IP address")), "Lookup an IP address");
        assert_eq!(scalar(&json!("2.1.0")), "2.1.0");
        for quoted in [
            "true",
            "No",
            "60",
            "1e3",
            "a: b",
            "# no",
            "",
            "x #y",
            "caf\u{e9}",
            "[1,2]",
            "-a",
            "a\nb",
            "'q'",
        ] {
            let written = scalar(&json!(quoted));
            assert!(written.starts_with(['"', '\'']), "{quoted} -> {written}");
            let read: String = serde_norway::from_str(&written).unwrap();
            assert_eq!(read, quoted);
            assert!(written.is_ascii());
        }
        assert_eq!(scalar(&json!(["v2", "v1"])), r#"["v2", "v1"]"#);
        assert_eq!(scalar(&json!(true)), "true");
    }

    #[test]
    fn spec_types_follow_the_schema() {
        let root = json!({"definitions": {"result": {"type": "object"}, "mode": {"type": "string", "enum": ["a"]}}});
        let cases = [
            (json!({"type": "string"}), "string"),
            (json!({"type": ["string", "null"], "format": "date-time"}), "date"),
            (json!({"type": ["integer", "number", "string"]}), "integer"),
            (json!({"type": "number"}), "float"),
            (
                json!({"type": "array", "items": {"$ref": "#/definitions/result"}}),
                "[]result",
            ),
            (json!({"allOf": [{"$ref": "#/definitions/result"}]}), "result"),
            (
                json!({"anyOf": [{"$ref": "#/definitions/mode"}, {"type": "null"}]}),
                "string",
            ),
            (json!({"type": "array", "items": {"type": "object"}}), "[]object"),
        ];
        for (property, expected) in cases {
            assert_eq!(spec_type(&property, &root), expected, "{property}");
        }
    }

    #[test]
    fn the_hand_written_part_ends_at_the_marker_or_the_first_generated_key() {
        assert_eq!(
            hand_written("name: x\nkey_features: []\nconnection:\n  a: 1\n"),
            "name: x\nkey_features: []"
        );
        assert_eq!(hand_written(&format!("name: x\n\n{MARKER}\ntypes:\n")), "name: x");
    }
}
