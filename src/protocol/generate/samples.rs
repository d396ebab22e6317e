//! tests/<step>.json: the start messages `insight-plugin samples` writes (protocol reference §7.2),
//! one per action, trigger and task, which `insight-plugin run` and `./run.sh` feed to the image.
//!
//! They are built from the spec, not the schemas: the spec's default when it is truthy in Python, `[]`
//! for a list type, else a per-type empty value.

use serde_json::{json, Map, Value};

use crate::protocol::sample::SAMPLE_DISPATCHER;

/// `SpecTypeDefaults.TYPE_DEFAULTS` of insight-plugin 1.11.0; a type not listed (a custom type) gets `{}`.
fn type_default(spec_type: &str) -> Value {
    match spec_type {
        "integer" => json!(0),
        "boolean" => json!(false),
        "string" | "date" | "bytes" | "password" | "python" => json!(""),
        "float" => json!(0.0),
        "array" => json!([]),
        "credential_username_password" => json!({"username": "", "password": ""}),
        "credential_secret_key" => json!({"secretKey": ""}),
        "credential_asymmetric_key" => json!({"privateKey": ""}),
        "credential_token" => json!({"token": "", "domain": ""}),
        "file" => json!({"filename": "", "content": ""}),
        _ => json!({}),
    }
}

/// Python's truthiness, which decides whether the spec's default is used.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64() != Some(0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
    }
}

fn sample_value(param: &Value) -> Value {
    let spec_type = param["type"].as_str().unwrap_or_default();
    match param.get("default") {
        Some(default) if truthy(default) => default.clone(),
        _ if spec_type.contains("[]") => json!([]),
        _ => type_default(spec_type),
    }
}

/// `null` when the section is empty, as the tool writes it.
fn values(params: Option<&Map<String, Value>>) -> Value {
    match params {
        Some(params) if !params.is_empty() => Value::Object(
            params
                .iter()
                .map(|(name, param)| (name.clone(), sample_value(param)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// Every sample, by file name under tests/, as the tool would write it: keys in the tool's order, a
/// trigger with the runtime's sample dispatcher, a task with an empty state.
pub(super) fn generate(spec: &Value) -> Vec<(String, String)> {
    let connection = values(spec.get("connection").and_then(Value::as_object));
    let input = |step: &Value| values(step.get("input").and_then(Value::as_object));
    let steps = |kind: &str| spec.get(kind).and_then(Value::as_object).into_iter().flatten();
    let mut samples = Vec::new();
    for (id, action) in steps("actions") {
        let body = json!({"action": id, "connection": connection, "input": input(action), "meta": {}});
        samples.push((id, body, "action_start"));
    }
    for (id, trigger) in steps("triggers") {
        let body = json!({"connection": connection, "dispatcher": {"url": SAMPLE_DISPATCHER, "webhook_url": ""},
                          "input": input(trigger), "meta": {}, "trigger": id});
        samples.push((id, body, "trigger_start"));
    }
    for (id, task) in steps("tasks") {
        let body = json!({"connection": connection, "input": input(task), "state": {}, "meta": {}, "task": id});
        samples.push((id, body, "task_start"));
    }
    samples
        .into_iter()
        .map(|(id, body, kind)| {
            let message = json!({"body": body, "type": kind, "version": "v1"});
            // json.dump(indent=2) prints the same as serde_json's pretty printer for ASCII text (the
            // spec is ASCII-only), and adds no final newline.
            let text = serde_json::to_string_pretty(&message).unwrap_or_default();
            (format!("{id}.json"), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_follow_the_tool_for_each_kind_of_parameter() {
        // Truthy defaults win; falsy ones fall back to the type, lists to [], custom types to {}.
        assert_eq!(sample_value(&json!({"type": "boolean", "default": true})), json!(true));
        assert_eq!(sample_value(&json!({"type": "integer", "default": 60})), json!(60));
        assert_eq!(sample_value(&json!({"type": "string", "default": ""})), json!(""));
        assert_eq!(
            sample_value(&json!({"type": "boolean", "default": false})),
            json!(false)
        );
        assert_eq!(
            sample_value(&json!({"type": "[]string", "default": ["a"]})),
            json!(["a"])
        );
        assert_eq!(sample_value(&json!({"type": "[]integer"})), json!([]));
        assert_eq!(sample_value(&json!({"type": "indicator_settings"})), json!({}));
        assert_eq!(
            sample_value(&json!({"type": "credential_secret_key"})),
            json!({"secretKey": ""})
        );
        assert_eq!(values(Some(&Map::new())), Value::Null);
    }
}
