//! JSON Schema checks of what comes in (connection, input) and goes out (output).
//!
//! The runtime validates with Python `jsonschema` before and after every step; we do the same with the
//! schemas generated from our Rust types, so `schemas/` describes exactly what the binary enforces.

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::value::RawValue;
use serde_json::Value;

use super::failure::{quoted, without_controls};
use crate::excerpt::shorten;

/// The draft-07 schema of `T`, with `definitions` as InsightConnect schemas have them.
///
/// Generated once per type and kept for the life of the process (a handful of schemas, so leaking
/// them is the simplest owner): every step reads three schemas, and in server mode generating and
/// compiling them anew for each request was most of what a step cost.
pub(crate) fn schema_for<T: schemars::JsonSchema + 'static>() -> &'static Value {
    static SCHEMAS: OnceLock<Mutex<HashMap<TypeId, &'static Value>>> = OnceLock::new();
    let mut schemas = SCHEMAS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    schemas
        .entry(TypeId::of::<T>())
        .or_insert_with(|| Box::leak(Box::new(generate::<T>())))
}

fn generate<T: schemars::JsonSchema>() -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.meta_schema = None;
    let mut schema = settings.into_generator().into_root_schema_for::<T>().to_value();
    drop_null_branches(&mut schema);
    number_properties(&mut schema);
    if let Some(definitions) = schema.get_mut("definitions").and_then(Value::as_object_mut) {
        definitions.values_mut().for_each(number_properties);
    }
    schema
}

/// InsightConnect schemas give each property its 1-based position as `order`, which the orchestrator
/// uses to lay out a form; it is the order the Rust type declares its fields in.
fn number_properties(schema: &mut Value) {
    let properties = schema.get_mut("properties").and_then(Value::as_object_mut);
    for (position, property) in properties
        .into_iter()
        .flatten()
        .map(|(_, property)| property)
        .enumerate()
    {
        if let Some(property) = property.as_object_mut() {
            property.insert("order".to_owned(), Value::from(position + 1));
        }
    }
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
pub(crate) fn check(schema: &'static Value, instance: &Value, quote: Quote) -> Result<(), String> {
    let validator = cached(schema, || compile(schema))?;
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
pub(crate) fn check_output(schema: &'static Value, output: &RawValue) -> Result<(), String> {
    let whole = cached(schema, || compile(schema))?;
    let Ok(members) = serde_json::from_str::<BTreeMap<String, &RawValue>>(output.get()) else {
        let output: Value = serde_json::from_str(output.get()).map_err(|error| error.to_string())?;
        return check(schema, &output, Quote::Values);
    };
    let mut shallow = serde_json::Map::new();
    let mut arrays = Vec::new();
    for (name, raw) in members {
        if let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
            shallow.insert(name.clone(), Value::Array(Vec::new()));
            arrays.push((name, items));
        } else {
            shallow.insert(
                name,
                serde_json::from_str(raw.get()).map_err(|error| error.to_string())?,
            );
        }
    }
    let mut found = problems(&whole, &Value::Object(shallow), Quote::Values, "");
    for (name, items) in arrays {
        let pointer = format!("/properties/{}/items", name.replace('~', "~0").replace('/', "~1"));
        item_problems(schema, &pointer, &format!("/{name}"), &items, &mut found)?;
    }
    reported(found)
}

/// A task's output, an array given as JSON text, against the array schema `schema` (a task's output
/// schema): checked item by item without copying it into one tree first.
pub(crate) fn check_items(schema: &'static Value, output: &RawValue) -> Result<(), String> {
    let items: Vec<&RawValue> =
        serde_json::from_str(output.get()).map_err(|error| format!("the output is not an array: {error}"))?;
    let mut found = Vec::new();
    item_problems(schema, "/items", "", &items, &mut found)?;
    reported(found)
}

/// The problems of `items` against the schema at `pointer` in `schema`, their paths under `path`.
fn item_problems(
    schema: &'static Value,
    pointer: &str,
    path: &str,
    items: &[&RawValue],
    found: &mut Vec<String>,
) -> Result<(), String> {
    let Some(validator) = item_validator(schema, pointer)? else {
        return Ok(());
    };
    for (index, item) in items.iter().enumerate() {
        if found.len() >= MAX_REPORTED {
            break;
        }
        let item: Value = serde_json::from_str(item.get()).map_err(|error| error.to_string())?;
        found.extend(problems(&validator, &item, Quote::Values, &format!("{path}/{index}")));
    }
    Ok(())
}

fn reported(found: Vec<String>) -> Result<(), String> {
    if found.is_empty() {
        Ok(())
    } else {
        Err(found.into_iter().take(MAX_REPORTED).collect::<Vec<_>>().join("; "))
    }
}

/// The validator of the items schema at `pointer`, carrying the root's definitions along.
fn item_validator(schema: &'static Value, pointer: &str) -> Result<Option<Arc<Validator>>, String> {
    let Some(items) = schema.pointer(pointer) else {
        return Ok(None);
    };
    cached(items, || {
        let mut root = items.clone();
        if let (Some(root), Some(definitions)) = (root.as_object_mut(), schema.get("definitions")) {
            root.insert("definitions".to_owned(), definitions.clone());
        }
        compile(&root)
    })
    .map(Some)
}

/// Compiled validators by the address of their `'static` schema, which never moves or changes.
fn cached(
    schema: &'static Value,
    compile: impl FnOnce() -> Result<Validator, String>,
) -> Result<Arc<Validator>, String> {
    static VALIDATORS: OnceLock<Mutex<HashMap<usize, Arc<Validator>>>> = OnceLock::new();
    let key = std::ptr::from_ref(schema) as usize;
    let validators = VALIDATORS.get_or_init(Mutex::default);
    if let Some(validator) = validators.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Ok(Arc::clone(validator));
    }
    let validator = Arc::new(compile()?);
    validators
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, Arc::clone(&validator));
    Ok(validator)
}

fn compile(schema: &Value) -> Result<Validator, String> {
    // The runtime's Python jsonschema does not check `format`, and InsightConnect formats such as
    // `bytes` and `password` are not standard ones, so formats stay unchecked here too.
    jsonschema::draft7::options()
        .should_validate_formats(false)
        .build(schema)
        .map_err(|error| format!("the schema itself is invalid: {}", error.masked()))
}

/// One line per problem, at most `MAX_REPORTED`, each path prefixed with `prefix`.
fn problems(validator: &Validator, instance: &Value, quote: Quote, prefix: &str) -> Vec<String> {
    validator
        .iter_errors(instance)
        .take(MAX_REPORTED)
        .map(|error| {
            let path = format!("{prefix}{}", error.instance_path());
            let path = if path.is_empty() {
                "(top level)".to_owned()
            } else {
                without_controls(&path).into_owned()
            };
            let problem = format!("{path}: {}", message(&error, quote));
            shorten(&problem, MAX_PROBLEM_BYTES).into_owned()
        })
        .collect()
}

/// One problem in words a playbook author can act on. The validator's own message lists two of an
/// enum's values "or 7 other candidates", and repeats unknown keys as they came, control characters
/// and all; every other message is its own (values in it are JSON, so already escaped).
fn message(error: &ValidationError<'_>, quote: Quote) -> String {
    match error.kind() {
        ValidationErrorKind::Enum { options } => {
            let value = match quote {
                Quote::Values => error.instance().to_string(),
                Quote::Nothing => "value".to_owned(),
            };
            let options = options.as_array().map(Vec::as_slice).unwrap_or_default();
            format!("{value} is not one of {}", choices(options))
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let keys: Vec<String> = unexpected.iter().map(|key| quoted(key)).collect();
            let verb = if keys.len() == 1 { "was" } else { "were" };
            format!(
                "Additional properties are not allowed ({} {verb} unexpected)",
                keys.join(", ")
            )
        }
        _ => match quote {
            Quote::Values => error.to_string(),
            Quote::Nothing => error.masked().to_string(),
        },
    }
}

/// The most choices an enum's problem lists; a longer list ends with how many more there are.
const MAX_LISTED_CHOICES: usize = 12;

/// `"a", "b" or "c"`, or the first dozen and how many others.
fn choices(options: &[Value]) -> String {
    let listed: Vec<String> = options.iter().take(MAX_LISTED_CHOICES).map(Value::to_string).collect();
    let others = options.len() - listed.len();
    match (listed.split_last(), others) {
        (None, _) => "the allowed values".to_owned(),
        (Some((last, [])), 0) => last.clone(),
        (Some((last, rest)), 0) => format!("{} or {last}", rest.join(", ")),
        (Some(_), others) => format!("{} or {others} others", listed.join(", ")),
    }
}

/// Longest problem line: a message quoting a megabyte-long input must not become a megabyte error.
const MAX_PROBLEM_BYTES: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> &'static Value {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        SCHEMA.get_or_init(|| json!({"type": "object", "properties": {"secretKey": {"type": "string"}, "n": {"type": "integer", "maximum": 3}}, "required": ["secretKey"]}))
    }

    #[test]
    fn problems_name_the_field() {
        let problem = check(schema(), &json!({"secretKey": "x", "n": 9}), Quote::Values).unwrap_err();
        assert!(problem.starts_with("/n: "), "{problem}");
        assert!(problem.contains('9'), "{problem}");
    }

    #[test]
    fn secrets_are_not_quoted() {
        let problem = check(schema(), &json!({"secretKey": ["hunter2-canary"]}), Quote::Nothing).unwrap_err();
        assert!(problem.starts_with("/secretKey: "), "{problem}");
        assert!(!problem.contains("hunter2-canary"), "{problem}");
    }

    #[test]
    fn outputs_are_checked_item_by_item() {
        let schema: &'static Value = Box::leak(Box::new(json!({"type": "object", "required": ["results"],
            "properties": {"results": {"type": "array", "items": {"$ref": "#/definitions/result"}}},
            "definitions": {"result": {"type": "object", "properties": {"id": {"type": "integer"}}}}})));
        let raw = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
        assert!(check_output(schema, &raw(r#"{"results": [{"id": 1}, {"id": 2}]}"#)).is_ok());
        let problem = check_output(schema, &raw(r#"{"results": [{"id": 1}, {"id": "x"}]}"#)).unwrap_err();
        assert!(problem.starts_with("/results/1/id: "), "{problem}");
        assert!(check_output(schema, &raw(r#"{"other": 1}"#))
            .unwrap_err()
            .contains("results"));
        assert!(check_output(schema, &raw(r#"{"results": 5}"#)).is_err());
    }

    #[test]
    fn an_enum_problem_lists_every_choice_up_to_a_dozen() {
        let schema: &'static Value = Box::leak(Box::new(json!({"type": "object", "properties": {
            "few": {"enum": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]},
            "many": {"enum": (0..15).collect::<Vec<u32>>()}}})));
        let problem = check(schema, &json!({"few": "z"}), Quote::Values).unwrap_err();
        assert_eq!(
            problem,
            r#"/few: "z" is not one of "a", "b", "c", "d", "e", "f", "g", "h" or "i""#
        );
        let problem = check(schema, &json!({"many": 99}), Quote::Nothing).unwrap_err();
        assert_eq!(
            problem,
            "/many: value is not one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 or 3 others"
        );
    }

    #[test]
    fn unknown_keys_are_quoted_escaped() {
        let schema: &'static Value = Box::leak(Box::new(json!({"type": "object", "additionalProperties": false,
            "properties": {"inner": {"type": "object", "additionalProperties": {"type": "integer"}}}})));
        let problem = check(schema, &json!({"\u{1b}[31mred\u{0}": 1}), Quote::Nothing).unwrap_err();
        assert_eq!(
            problem,
            r"(top level): Additional properties are not allowed ('\u{1b}[31mred\0' was unexpected)"
        );
        assert!(!problem.contains('\u{1b}') && !problem.contains('\0'));
        let problem = check(schema, &json!({"a": 1, "b": 2}), Quote::Values).unwrap_err();
        assert!(problem.ends_with("('a', 'b' were unexpected)"), "{problem}");
        let problem = check(schema, &json!({"inner": {"\u{1b}": "x"}}), Quote::Values).unwrap_err();
        assert!(problem.starts_with(r"/inner/\u{1b}: "), "{problem}");
    }

    #[test]
    fn missing_required_is_reported_at_top_level() {
        let problem = check(schema(), &json!({}), Quote::Values).unwrap_err();
        assert!(problem.starts_with("(top level): "), "{problem}");
        assert!(problem.contains("secretKey"), "{problem}");
    }
}
