//! The registry against the files generated from it, and the checks of the types that no schema
//! expresses: every input has an example, every example passes its own schema.
//!
//! `make generate` runs `generated_files_are_fresh` with `GENERATE=write`, which writes every
//! generated file (see `protocol::generate`); without it the test fails while any file differs, so
//! the types and the files never drift apart.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::PLUGIN;
use crate::protocol::generate::{self, example_object, spec_params, OWNED};
use crate::protocol::{check_schema, sample_message, task_message, task_output_schema, trigger_message, Quote};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_default()
}

#[test]
fn generated_files_are_fresh() {
    let generated = generate::generate(&PLUGIN, read).expect("the files generate");
    let write = std::env::var("GENERATE").as_deref() == Ok("write");
    let mut stale: Vec<String> = Vec::new();
    for (path, text) in &generated.files {
        if read(path) != *text {
            if write {
                std::fs::write(root().join(path), text).expect("write a generated file");
            } else {
                stale.push(path.clone());
            }
        }
    }
    for orphan in orphans(&generated.files) {
        if write {
            std::fs::remove_file(&orphan).expect("remove a file nothing generates");
        } else {
            stale.push(format!("{} (nothing generates it)", orphan.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files, run `make generate`: {stale:?}"
    );
    assert!(
        generate::readme_has_markers(&read("README.md")),
        "README.md lost the markers of its generated table of actions"
    );
}

/// Files in the generated directories that nothing generates (an action that was removed).
fn orphans(files: &[(String, String)]) -> Vec<PathBuf> {
    let mut orphans = Vec::new();
    for (dir, extension) in OWNED {
        let entries = std::fs::read_dir(root().join(dir)).expect("a generated directory exists");
        for entry in entries {
            let path = entry.expect("a readable entry").path();
            let name = format!("{dir}/{}", path.file_name().unwrap_or_default().to_string_lossy());
            if name.ends_with(extension) && !files.iter().any(|(generated, _)| *generated == name) {
                orphans.push(path);
            }
        }
    }
    orphans
}

/// Every step's id, kind, and input and output schemas.
fn steps() -> Vec<(&'static str, &'static str, &'static Value, &'static Value)> {
    let actions = PLUGIN
        .actions
        .iter()
        .map(|step| (step.id(), "action", step.input_schema(), step.output_schema()));
    let triggers = PLUGIN
        .triggers
        .iter()
        .map(|step| (step.id(), "trigger", step.input_schema(), step.output_schema()));
    let tasks = PLUGIN
        .tasks
        .iter()
        .map(|step| (step.id(), "task", step.input_schema(), step.output_schema()));
    actions.chain(triggers).chain(tasks).collect()
}

#[test]
fn step_ids_are_unique_snake_case() {
    let mut seen = std::collections::HashSet::new();
    for (id, kind, _, _) in steps() {
        assert!(
            seen.insert(id),
            "duplicate {kind} id {id}: `sample` and `info` could not tell them apart"
        );
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{id} is not snake_case"
        );
    }
}

/// The spec (and Rapid7's validators) want a title and a description on every parameter, and help.md
/// shows an example input that works and an example output, so each parameter needs an example.
#[test]
fn every_parameter_is_described_and_every_input_has_an_example() {
    let mut places: Vec<(String, Map<String, Value>)> =
        vec![("connection".into(), spec_params(PLUGIN.connector.schema()))];
    for (id, _, input, output) in steps() {
        places.push((format!("{id} input"), spec_params(input)));
        places.push((format!("{id} output"), spec_params(output)));
    }
    for (place, params) in places {
        for (name, param) in params {
            for key in ["title", "description"] {
                let text = param.get(key).and_then(Value::as_str).unwrap_or_default();
                assert!(!text.trim().is_empty(), "{place}.{name} has no {key}");
            }
            // ExampleInputValidator wants an example on every input, a default notwithstanding.
            let needed = if place.ends_with("output") {
                generate::example_value(&param)
            } else {
                param.get("example").cloned()
            };
            assert!(needed.is_some(), "{place}.{name} has no example");
        }
    }
}

#[test]
fn examples_pass_their_own_schemas() {
    let connection = example_object(&spec_params(PLUGIN.connector.schema()));
    let checked = check_schema(PLUGIN.connector.schema(), &connection, Quote::Values);
    assert!(checked.is_ok(), "the connection example: {checked:?}");
    for action in PLUGIN.actions.iter() {
        for (schema, which) in [(action.input_schema(), "input"), (action.output_schema(), "output")] {
            let example = match which {
                "input" => generate::example_input(&PLUGIN, action),
                _ => example_object(&spec_params(schema)),
            };
            let checked = check_schema(schema, &example, Quote::Values);
            assert!(
                checked.is_ok(),
                "{} example {which} {example}: {checked:?}",
                action.id()
            );
        }
    }
    for (id, _, input, output) in steps().into_iter().filter(|(_, kind, _, _)| *kind != "action") {
        for (schema, which) in [(input, "input"), (output, "output")] {
            let example = example_object(&spec_params(schema));
            let checked = check_schema(schema, &example, Quote::Values);
            assert!(checked.is_ok(), "{id} example {which} {example}: {checked:?}");
        }
    }
    // A task's output is the array (what help.md shows, schemas/ publishes and the run is checked
    // against), and the spec's one output describes that array.
    for task in PLUGIN.tasks.iter() {
        let schema = task_output_schema(task);
        assert_eq!(schema["type"], "array", "{}", task.id());
        let example = generate::task_example_output(&spec_params(task.output_schema()));
        assert!(example.as_array().is_some_and(|items| !items.is_empty()), "{example}");
        let checked = check_schema(schema, &example, Quote::Values);
        assert!(checked.is_ok(), "{} example output {example}: {checked:?}", task.id());
        assert!(check_schema(schema, &json!({"observables": example}), Quote::Values).is_err());
    }
}

#[test]
fn samples_pass_their_own_schemas() {
    for action in PLUGIN.actions.iter() {
        let sample = sample_message(&PLUGIN, action);
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

#[test]
fn trigger_and_task_samples_pass_their_own_schemas() {
    for trigger in PLUGIN.triggers.iter() {
        let sample = trigger_message(&PLUGIN, trigger);
        let input = check_schema(trigger.input_schema(), &sample["body"]["input"], Quote::Values);
        assert!(input.is_ok(), "sample of {}: {input:?}", trigger.id());
    }
    for task in PLUGIN.tasks.iter() {
        let sample = task_message(&PLUGIN, task);
        let input = check_schema(task.input_schema(), &sample["body"]["input"], Quote::Values);
        let state = check_schema(task.state_schema(), &sample["body"]["state"], Quote::Values);
        assert!(
            input.is_ok() && state.is_ok(),
            "sample of {}: {input:?} {state:?}",
            task.id()
        );
    }
}

/// The toolchain's samples (tests/<step>.json) are what a form left untouched sends: `""` for an
/// optional list, 0 for a number. Their optional inputs must pass the step's input schema, so an
/// optional enum offers the empty choice (`#[serde(rename = "")]`, read with `actions::chosen`) or
/// has a default. (An untouched required input is refused by the runtime's own rule first.)
#[test]
fn untouched_optional_inputs_pass_their_input_schemas() {
    for (id, kind, input_schema, _) in steps() {
        let sample: Value = serde_json::from_str(&read(&format!("tests/{id}.json"))).expect("a JSON sample");
        let required = input_schema["required"].as_array().cloned().unwrap_or_default();
        let mut optional = sample["body"]["input"].as_object().cloned().unwrap_or_default();
        optional.retain(|name, _| !required.contains(&Value::from(name.as_str())));
        let mut schema = input_schema.clone();
        schema.as_object_mut().map(|schema| schema.remove("required"));
        // Leaked: compiled schemas are cached for the process, keyed by a 'static schema.
        let schema: &'static Value = Box::leak(Box::new(schema));
        let checked = check_schema(schema, &Value::Object(optional), Quote::Values);
        assert!(
            checked.is_ok(),
            "the {kind} {id}'s untouched optional inputs: {checked:?}"
        );
    }
}

/// `sample STEP` fills an input with its schema default, else with its enum's first value (the
/// runtime's rule), which for an optional enum is a choice nobody made: Update Observable's sample
/// once set a status, a severity and a TLP. So every optional enum input, nested ones included, has a
/// default (the empty choice, `""`, where there is one), and the sample is the form left untouched.
#[test]
fn optional_enum_inputs_have_a_default_so_samples_choose_nothing() {
    fn walk(id: &str, place: &str, schema: &Value, root: &Value, problems: &mut Vec<String>) {
        let schema = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|target| root.pointer(target.trim_start_matches('#')))
            .unwrap_or(schema);
        let schema = schema
            .get("allOf")
            .and_then(|branches| branches.get(0))
            .map_or(schema, |branch| walk_ref(branch, root));
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            let here = format!("{place}.{name}");
            let resolved = walk_ref(property, root);
            if resolved.get("enum").is_some() && property.get("default").is_none() && !required.contains(&name.as_str())
            {
                problems.push(format!("{id}: {here} is an optional enum without a default"));
            }
            if resolved.get("properties").is_some() || property.get("allOf").is_some() {
                walk(id, &here, property, root, problems);
            }
            if let Some(items) = resolved.get("items") {
                walk(id, &format!("{here}[]"), items, root, problems);
            }
        }
    }
    fn walk_ref<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|target| root.pointer(target.trim_start_matches('#')))
            .unwrap_or(schema)
    }
    let mut problems = Vec::new();
    for (id, _, input_schema, _) in steps() {
        walk(id, "input", input_schema, input_schema, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Triggers keep their state in the cache, and the runtime (6.6.0+) and EnableCacheValidator want
/// `enable_cache: true` in a spec with triggers; the generator keeps the line true to the registry.
#[test]
fn a_plugin_with_triggers_enables_the_cache() {
    let spec: Value = serde_norway::from_str(&read("plugin.spec.yaml")).expect("the spec is YAML");
    let has_triggers = PLUGIN.triggers.iter().next().is_some();
    assert_eq!(spec["enable_cache"], Value::Bool(has_triggers));
}

/// The catalogue and EncodingValidator reject any character outside ASCII anywhere in the spec.
#[test]
fn spec_is_ascii() {
    let offending: Vec<(usize, String)> = read("plugin.spec.yaml")
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.is_ascii())
        .map(|(index, line)| (index + 1, line.to_owned()))
        .collect();
    assert!(
        offending.is_empty(),
        "non-ASCII lines in plugin.spec.yaml: {offending:?}"
    );
}

/// Rapid7's EncodingValidator re-reads every section of the spec through Python's `repr` and a YAML
/// parser, which cannot read back a text holding both `'` and `"`: `make validate` then crashes
/// instead of reporting. An example quoting a value inside JSON is the usual way to get there.
#[test]
fn no_spec_text_holds_both_kinds_of_quotes() {
    fn walk(value: &Value, offending: &mut Vec<String>) {
        match value {
            Value::String(text) if text.contains('\'') && text.contains('"') => offending.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, offending)),
            Value::Object(fields) => fields.values().for_each(|field| walk(field, offending)),
            _ => {}
        }
    }
    let spec: Value = serde_norway::from_str(&read("plugin.spec.yaml")).expect("the spec is YAML");
    let mut offending = Vec::new();
    walk(&spec, &mut offending);
    assert!(
        offending.is_empty(),
        "texts with both quotes in plugin.spec.yaml: {offending:?}"
    );
}

mod fuzz;

mod validators;
