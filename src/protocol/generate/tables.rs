//! help.md's tables and examples, cell for cell as `insight-plugin refresh` writes them.
//!
//! Rapid7's HelpInputOutputValidator compares these rows with the spec, so their form is fixed: rows
//! sorted by parameter name, values as Python's `str()` prints them (`None`, `True`, lists with double
//! quotes), a newline inside a cell as `\n`.

use serde_json::{Map, Value};

const INPUT_COLUMNS: &[&str] = &[
    "Name",
    "Type",
    "Default",
    "Required",
    "Description",
    "Enum",
    "Example",
    "Placeholder",
    "Tooltip",
];
const OUTPUT_COLUMNS: &[&str] = &["Name", "Type", "Required", "Description", "Example"];
const CUSTOM_TYPE_COLUMNS: &[&str] = &["Name", "Type", "Default", "Required", "Description", "Example"];

/// `str(value)` in Python.
pub(super) fn python_str(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => python_repr(other),
    }
}

fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("\"{text}\""),
        Value::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(key, value)| format!("\"{key}\": {}", python_repr(value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A markdown table as mdutils writes it for the generator, rows sorted by parameter name.
fn table(columns: &[&str], params: &Map<String, Value>, row: impl Fn(&str, &Value) -> Vec<String>) -> String {
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    let mut lines = vec![
        format!("|{}|", columns.join("|")),
        format!("|{}|", vec![" :--- "; columns.len()].join("|")),
    ];
    for name in names {
        let cells = row(name, &params[name]);
        lines.push(format!("|{}|", cells.join("|")).replace('\n', "\\n"));
    }
    lines.join("\n")
}

fn cells(name: &str, param: &Value, keys: &[&str]) -> Vec<String> {
    let mut cells = vec![name.to_owned()];
    cells.extend(keys.iter().map(|key| python_str(param.get(*key))));
    cells
}

pub(super) fn input_table(params: &Map<String, Value>) -> String {
    let keys = [
        "type",
        "default",
        "required",
        "description",
        "enum",
        "example",
        "placeholder",
        "tooltip",
    ];
    table(INPUT_COLUMNS, params, |name, param| cells(name, param, &keys))
}

pub(super) fn output_table(params: &Map<String, Value>) -> String {
    let keys = ["type", "required", "description", "example"];
    table(OUTPUT_COLUMNS, params, |name, param| cells(name, param, &keys))
}

pub(super) fn custom_type_table(fields: &Map<String, Value>) -> String {
    let keys = ["type", "default", "required", "description", "example"];
    table(CUSTOM_TYPE_COLUMNS, fields, |name, field| {
        let title = python_str(field.get("title").or(Some(&Value::from(name))));
        cells(&title, field, &keys)
    })
}

/// The value a parameter shows in an example: its default, else its example, else its first enum
/// value. Examples of lists, objects and custom types are JSON text in the spec, and decoded here.
pub(super) fn example_value(param: &Value) -> Option<Value> {
    let value = ["default", "example"]
        .iter()
        .find_map(|key| param.get(*key).filter(|value| !value.is_null()))
        .or_else(|| param.get("enum").and_then(|values| values.get(0)))?
        .clone();
    let textual = matches!(param["type"].as_str(), Some("string" | "date" | "bytes" | "password"));
    Some(match value {
        Value::String(text) if !textual => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        other => other,
    })
}

/// `params`' example values as one object, keys sorted; a parameter without one is left out.
pub(super) fn example_object(params: &Map<String, Value>) -> Value {
    sorted(Value::Object(
        params
            .iter()
            .filter_map(|(name, param)| Some((name.clone(), example_value(param)?)))
            .collect(),
    ))
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut fields: Vec<(String, Value)> = fields.into_iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(fields.into_iter().map(|(key, value)| (key, sorted(value))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// `label` and a JSON block as `json.dumps(indent=2)` prints it (HelpExampleValidator's rule).
pub(super) fn example_block(label: &str, value: &Value) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    format!("{label}\n\n```\n{json}\n```")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_print_like_python() {
        assert_eq!(python_str(None), "None");
        assert_eq!(python_str(Some(&json!(true))), "True");
        assert_eq!(python_str(Some(&json!(["v2", "v1"]))), "[\"v2\", \"v1\"]");
        assert_eq!(python_str(Some(&json!("a"))), "a");
    }

    #[test]
    fn examples_decode_json_text_except_for_strings() {
        let report_id = json!({"type": "string", "example": "101"});
        assert_eq!(example_value(&report_id), Some(json!("101")));
        let settings = json!({"type": "indicator_settings", "example": "{\"confidence\": 80}"});
        assert_eq!(example_value(&settings), Some(json!({"confidence": 80})));
        let defaulted = json!({"type": "integer", "default": 60, "example": 30});
        assert_eq!(example_value(&defaulted), Some(json!(60)));
        assert_eq!(
            example_value(&json!({"type": "string", "enum": ["a", "b"]})),
            Some(json!("a"))
        );
        assert_eq!(example_value(&json!({"type": "string"})), None);
    }

    #[test]
    fn tables_sort_rows_and_escape_newlines() {
        let params = json!({"b": {"type": "string", "required": true, "description": "two\nlines"},
                            "a": {"type": "integer", "required": false, "description": "one"}});
        let table = output_table(params.as_object().unwrap());
        assert_eq!(
            table,
            "|Name|Type|Required|Description|Example|\n| :--- | :--- | :--- | :--- | :--- |\n\
             |a|integer|False|one|None|\n|b|string|True|two\\nlines|None|"
        );
    }
}
