//! JSON Schema checks of what comes in (connection, input) and goes out (output).
//!
//! The runtime validates with Python `jsonschema` before and after every step; we do the same with the
//! schemas generated from our Rust types, so `schemas/` describes exactly what the binary enforces.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value;

/// The draft-07 schema of `T`, with `definitions` as InsightConnect schemas have them.
pub(crate) fn schema_for<T: schemars::JsonSchema>() -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.meta_schema = None;
    let mut schema = settings.into_generator().into_root_schema_for::<T>().to_value();
    drop_null_branches(&mut schema);
    schema
}

/// schemars writes an optional object as `anyOf: [{"$ref": ...}, {"type": "null"}]`; a validation
/// error against that says only "not valid under any of the schemas", hiding which field is wrong.
/// InsightConnect schemas express "optional" by leaving the field out of `required`, so the null
/// branch goes and the reference stays (wrapped in `allOf`, as draft 7 ignores keywords beside `$ref`).
fn drop_null_branches(schema: &mut Value) {
    match schema {
        Value::Object(members) => {
            let is_null = |branch: &Value| branch.get("type").and_then(Value::as_str) == Some("null");
            if let Some(Value::Array(branches)) = members.get("anyOf") {
                if branches.len() == 2 && branches.iter().any(is_null) {
                    let kept: Vec<Value> = branches.iter().filter(|branch| !is_null(branch)).cloned().collect();
                    members.remove("anyOf");
                    members.insert("allOf".to_owned(), Value::Array(kept));
                }
            }
            members.values_mut().for_each(drop_null_branches);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_branches),
        _ => {}
    }
}

/// How many problems one message lists; the first few are enough to fix an envelope.
const MAX_REPORTED: usize = 5;

/// Whether a problem report may quote the offending value. Connection values can be secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quote {
    Values,
    Nothing,
}

/// Checks `instance` against `schema`, answering with one line per problem (field path first).
pub(crate) fn check(schema: &Value, instance: &Value, quote: Quote) -> Result<(), String> {
    let validator = validator(schema)?;
    let problems = problems(&validator, instance, quote, "");
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Checks an object output given as JSON text, one array item at a time: the object with its arrays
/// emptied, then each item against the array's `items` schema. A lookup's 50,000 records are thus
/// never one JSON tree in memory, yet every one of them is checked.
pub(crate) fn check_output(schema: &Value, output: &RawValue) -> Result<(), String> {
    let members: Vec<(String, &RawValue)> = match serde_json::from_str::<BTreeMap<String, &RawValue>>(output.get()) {
        Ok(members) => members.into_iter().collect(),
        Err(_) => {
            let whole: Value = serde_json::from_str(output.get()).map_err(|error| error.to_string())?;
            return check(schema, &whole, Quote::Values);
        }
    };
    let mut shallow = serde_json::Map::new();
    let mut arrays = Vec::new();
    for (name, raw) in members {
        match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
            Ok(items) => {
                shallow.insert(name.clone(), Value::Array(Vec::new()));
                arrays.push((name, items));
            }
            Err(_) => {
                shallow.insert(
                    name,
                    serde_json::from_str(raw.get()).map_err(|error| error.to_string())?,
                );
            }
        }
    }
    let mut found = problems(&validator(schema)?, &Value::Object(shallow), Quote::Values, "");
    for (name, items) in arrays {
        let Some(item_schema) = schema
            .get("properties")
            .and_then(|p| p.get(&name))
            .and_then(|p| p.get("items"))
        else {
            continue;
        };
        let mut item_root = item_schema.clone();
        if let (Some(root), Some(definitions)) = (item_root.as_object_mut(), schema.get("definitions")) {
            root.insert("definitions".to_owned(), definitions.clone());
        }
        let validator = validator(&item_root)?;
        for (index, item) in items.iter().enumerate() {
            let item: Value = serde_json::from_str(item.get()).map_err(|error| error.to_string())?;
            found.extend(problems(&validator, &item, Quote::Values, &format!("/{name}/{index}")));
            if found.len() >= MAX_REPORTED {
                break;
            }
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(found.into_iter().take(MAX_REPORTED).collect::<Vec<_>>().join("; "))
    }
}

fn validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    // The runtime's Python jsonschema does not check `format`, and InsightConnect formats such as
    // `bytes` and `password` are not standard ones, so formats stay unchecked here too.
    jsonschema::draft7::options()
        .should_validate_formats(false)
        .build(schema)
        .map_err(|error| format!("the schema itself is invalid: {}", error.masked()))
}

/// One line per problem, at most `MAX_REPORTED`, each path prefixed with `prefix`.
fn problems(validator: &jsonschema::Validator, instance: &Value, quote: Quote, prefix: &str) -> Vec<String> {
    validator
        .iter_errors(instance)
        .take(MAX_REPORTED)
        .map(|error| {
            let path = format!("{prefix}{}", error.instance_path());
            let path = if path.is_empty() {
                "(top level)".to_owned()
            } else {
                path
            };
            let problem = match quote {
                Quote::Values => format!("{path}: {error}"),
                Quote::Nothing => format!("{path}: {}", error.masked()),
            };
            shortened(&problem)
        })
        .collect()
}

/// Longest problem line: a message quoting a megabyte-long input must not become a megabyte error.
const MAX_PROBLEM_CHARS: usize = 300;

fn shortened(problem: &str) -> String {
    match problem.char_indices().nth(MAX_PROBLEM_CHARS) {
        Some((cut, _)) => format!("{}…", &problem[..cut]),
        None => problem.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {"secretKey": {"type": "string"}, "n": {"type": "integer", "maximum": 3}}, "required": ["secretKey"]})
    }

    #[test]
    fn problems_name_the_field() {
        let problem = check(&schema(), &json!({"secretKey": "x", "n": 9}), Quote::Values).unwrap_err();
        assert!(problem.starts_with("/n: "), "{problem}");
        assert!(problem.contains('9'), "{problem}");
    }

    #[test]
    fn secrets_are_not_quoted() {
        let problem = check(&schema(), &json!({"secretKey": ["hunter2-canary"]}), Quote::Nothing).unwrap_err();
        assert!(problem.starts_with("/secretKey: "), "{problem}");
        assert!(!problem.contains("hunter2-canary"), "{problem}");
    }

    #[test]
    fn outputs_are_checked_item_by_item() {
        let schema = json!({"type": "object", "required": ["results"],
            "properties": {"results": {"type": "array", "items": {"$ref": "#/definitions/result"}}},
            "definitions": {"result": {"type": "object", "properties": {"id": {"type": "integer"}}}}});
        let raw = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
        assert!(check_output(&schema, &raw(r#"{"results": [{"id": 1}, {"id": 2}]}"#)).is_ok());
        let problem = check_output(&schema, &raw(r#"{"results": [{"id": 1}, {"id": "x"}]}"#)).unwrap_err();
        assert!(problem.starts_with("/results/1/id: "), "{problem}");
        assert!(check_output(&schema, &raw(r#"{"other": 1}"#))
            .unwrap_err()
            .contains("results"));
        assert!(check_output(&schema, &raw(r#"{"results": 5}"#)).is_err());
    }

    #[test]
    fn missing_required_is_reported_at_top_level() {
        let problem = check(&schema(), &json!({}), Quote::Values).unwrap_err();
        assert!(problem.starts_with("(top level): "), "{problem}");
        assert!(problem.contains("secretKey"), "{problem}");
    }
}
