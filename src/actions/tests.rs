//! Registry invariants: the actions, `schemas/`, `plugin.spec.yaml` and the samples must agree.
//!
//! `make schemas` runs `schemas_directory_is_fresh` with `SCHEMAS=write`, which rewrites `schemas/`
//! from the Rust types; without it the test fails when a file is stale, so the two never drift.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{PLUGIN, REGISTRY};
use crate::protocol::{check_schema, sample_message, Quote};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every schema file the plugin has, by file name.
fn generated_schemas() -> BTreeMap<String, Value> {
    let mut schemas = BTreeMap::new();
    schemas.insert("connection.json".to_owned(), PLUGIN.connector.schema().clone());
    for action in REGISTRY {
        schemas.insert(format!("{}.input.json", action.id()), action.input_schema().clone());
        schemas.insert(format!("{}.output.json", action.id()), action.output_schema().clone());
    }
    schemas
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a schema serializes");
    text.push('\n');
    text
}

#[test]
fn action_ids_are_unique_snake_case() {
    let mut seen = std::collections::HashSet::new();
    for action in REGISTRY {
        let id = action.id();
        assert!(seen.insert(id), "duplicate action id {id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{id} is not snake_case"
        );
    }
}

#[test]
fn schemas_directory_is_fresh() {
    let dir = root().join("schemas");
    let schemas = generated_schemas();
    if std::env::var("SCHEMAS").as_deref() == Ok("write") {
        std::fs::create_dir_all(&dir).expect("create schemas/");
        for (name, schema) in &schemas {
            std::fs::write(dir.join(name), pretty(schema)).expect("write schema");
        }
    }
    let on_disk: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("schemas/ exists; run `make schemas`")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    for path in &on_disk {
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        assert!(
            schemas.contains_key(name),
            "schemas/{name} belongs to no action; run `make schemas` and delete it"
        );
    }
    for (name, schema) in &schemas {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(text == pretty(schema), "schemas/{name} is stale; run `make schemas`");
    }
}

#[test]
fn samples_pass_their_own_schemas() {
    for action in REGISTRY {
        let sample = sample_message(&PLUGIN, *action);
        let body = &sample["body"];
        let input = check_schema(action.input_schema(), &body["input"], Quote::Values);
        let connection = check_schema(PLUGIN.connector.schema(), &body["connection"], Quote::Values);
        assert!(
            input.is_ok() && connection.is_ok(),
            "sample of {}: {input:?} {connection:?}",
            action.id()
        );
    }
}

mod fuzz;
mod help;
mod samples;
mod spec;
