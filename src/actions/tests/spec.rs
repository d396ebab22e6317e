//! `plugin.spec.yaml` against the schemas, field by field: names, types, required, enums, defaults,
//! titles and descriptions. The spec is what the orchestrator shows and validates against; the schemas
//! are what the binary enforces; a difference between them is a bug in one of the two.

use serde_json::{Map, Value};

use super::{root, PLUGIN, REGISTRY};

pub(super) fn spec() -> Value {
    let text = std::fs::read_to_string(root().join("plugin.spec.yaml")).expect("plugin.spec.yaml exists");
    serde_norway::from_str(&text).expect("plugin.spec.yaml is YAML")
}

pub(super) fn section<'a>(value: &'a Value, key: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .get(key)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// The catalogue and EncodingValidator reject any character outside ASCII anywhere in the spec.
#[test]
fn spec_is_ascii() {
    let text = std::fs::read_to_string(root().join("plugin.spec.yaml")).expect("plugin.spec.yaml exists");
    let offending: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.is_ascii())
        .map(|(index, line)| (index + 1, line))
        .collect();
    assert!(
        offending.is_empty(),
        "non-ASCII lines in plugin.spec.yaml: {offending:?}"
    );
}

#[test]
fn identity_matches_the_binary() {
    let spec = spec();
    assert_eq!(spec["name"], PLUGIN.name);
    assert_eq!(spec["title"], PLUGIN.title);
    assert_eq!(spec["vendor"], PLUGIN.vendor);
    assert_eq!(spec["description"], PLUGIN.description);
    assert_eq!(spec["version"], PLUGIN.version, "spec version must equal Cargo.toml's");
}

#[test]
fn actions_are_the_registry_in_order() {
    let spec = spec();
    let listed: Vec<&String> = section(&spec, "actions").keys().collect();
    let registered: Vec<&str> = REGISTRY.iter().map(|action| action.id()).collect();
    assert_eq!(listed, registered);
    for action in REGISTRY {
        let entry = &spec["actions"][action.id()];
        assert_eq!(entry["title"], action.title(), "{} title", action.id());
        assert_eq!(
            entry["description"],
            action.description(),
            "{} description",
            action.id()
        );
    }
}

#[test]
fn connection_agrees_with_its_schema() {
    let spec = spec();
    agree(
        &spec,
        section(&spec, "connection"),
        PLUGIN.connector.schema(),
        "connection",
    );
}

#[test]
fn inputs_and_outputs_agree_with_their_schemas() {
    let spec = spec();
    for action in REGISTRY {
        let entry = &spec["actions"][action.id()];
        agree(
            &spec,
            section(entry, "input"),
            action.input_schema(),
            &format!("{} input", action.id()),
        );
        agree(
            &spec,
            section(entry, "output"),
            action.output_schema(),
            &format!("{} output", action.id()),
        );
    }
}

/// Checks one spec parameter list against an object schema, including the custom types it uses.
fn agree(spec: &Value, params: &Map<String, Value>, schema: &Value, place: &str) {
    let properties = section(schema, "properties");
    let spec_names: Vec<&String> = params.keys().collect();
    let schema_names: Vec<&String> = properties.keys().collect();
    assert_eq!(spec_names, schema_names, "{place}: parameter names or order differ");
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, param) in params {
        let here = format!("{place}.{name}");
        let property = &properties[name];
        assert_eq!(
            param["required"].as_bool(),
            Some(required.contains(&name.as_str())),
            "{here}: required"
        );
        assert_eq!(param.get("title"), property.get("title"), "{here}: title");
        assert_eq!(
            param.get("description"),
            property.get("description"),
            "{here}: description"
        );
        assert_eq!(param.get("default"), property.get("default"), "{here}: default");
        assert_eq!(param.get("enum"), enum_without_null(property).as_ref(), "{here}: enum");
        let spec_type = param["type"].as_str().unwrap_or_else(|| panic!("{here}: type missing"));
        agree_type(spec, spec_type, property, schema, &here);
    }
}

/// `Option<Enum>` adds `null` to the enum; the spec only says "not required".
fn enum_without_null(property: &Value) -> Option<Value> {
    let values = non_null_branch(property).get("enum")?.as_array()?;
    Some(Value::Array(
        values.iter().filter(|value| !value.is_null()).cloned().collect(),
    ))
}

/// Whether `property` accepts what the InsightConnect type `spec_type` describes.
fn agree_type(spec: &Value, spec_type: &str, property: &Value, root: &Value, place: &str) {
    let property = non_null_branch(property);
    if let Some(item_type) = spec_type.strip_prefix("[]") {
        assert!(
            json_types(property).contains(&"array"),
            "{place}: {spec_type} needs an array schema"
        );
        return agree_type(spec, item_type, &property["items"], root, place);
    }
    let json_type = match spec_type {
        "string" | "date" | "bytes" | "password" => "string",
        "integer" | "int" => "integer",
        "number" | "float" => "number",
        "boolean" | "bool" => "boolean",
        "object" => "object",
        custom => return agree_reference(spec, custom, property, root, place),
    };
    assert!(
        json_types(property).contains(&json_type),
        "{place}: spec {spec_type}, schema {property}"
    );
}

fn agree_reference(spec: &Value, name: &str, property: &Value, root: &Value, place: &str) {
    let target = format!("#/definitions/{name}");
    assert_eq!(
        property.get("$ref").and_then(Value::as_str),
        Some(target.as_str()),
        "{place}: schema must refer to {target}"
    );
    let definition = &root["definitions"][name];
    if let Some(fields) = spec
        .get("types")
        .and_then(|types| types.get(name))
        .and_then(Value::as_object)
    {
        agree(spec, fields, definition, &format!("type {name}"));
    } else {
        assert!(
            matches!(name, "file" | "credential_secret_key"),
            "{place}: type {name} is not in the spec's types"
        );
    }
}

/// `Option<T>` becomes `anyOf [T, null]` or a type list with "null"; the spec only says "not required".
/// Draft 7 ignores keywords beside `$ref`, so schemars wraps a described reference in `allOf [T]`.
fn non_null_branch(property: &Value) -> &Value {
    let branches = property
        .get("anyOf")
        .or_else(|| property.get("allOf"))
        .and_then(Value::as_array);
    match branches {
        Some(branches) => branches
            .iter()
            .find(|branch| branch.get("type") != Some(&Value::from("null")))
            .unwrap_or(property),
        None => property,
    }
}

fn json_types(property: &Value) -> Vec<&str> {
    match property.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .filter(|kind| *kind != "null")
            .collect(),
        _ => Vec::new(),
    }
}
