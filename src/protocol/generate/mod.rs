//! Every file derived from the plugin's Rust types, generated here and nowhere else.
//!
//! A step's id, title and description (an action's, a trigger's or a task's, and a task's schedule),
//! and its inputs', outputs' and state's names, types, titles, descriptions, examples, enums and
//! defaults, live in its Rust file. From them this module writes plugin.spec.yaml's generated part,
//! schemas/, tests/*.json, help.md's tables and examples, and README.md's table of steps. What a person writes in those files (the spec's header and lists,
//! help.md's prose, the rest of the README) is read back and kept. `make generate` writes the files;
//! `make test` fails while any of them differs from what this module makes (`actions::tests`).
//!
//! Only tests build this: the binary needs none of it at run time.

mod help;
mod readme;
mod samples;
mod spec;
mod tables;

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::plugin::Plugin;

/// The generated files, by path from the repository root.
pub(crate) struct Generated {
    pub(crate) files: Vec<(String, String)>,
}

/// Directories where every file with the extension is generated, so a file nothing generates is stale.
pub(crate) const OWNED: [(&str, &str); 2] = [("schemas", ".json"), ("tests", ".json")];

/// Generates every file; `current` reads a file's present text (empty when it does not exist).
pub(crate) fn generate(plugin: &Plugin, current: impl Fn(&str) -> String) -> Result<Generated, String> {
    let spec_text = spec::generate(plugin, &current("plugin.spec.yaml"));
    let spec: Value = serde_norway::from_str(&spec_text)
        .map_err(|error| format!("the generated plugin.spec.yaml is not YAML: {error}"))?;
    let examples = Examples::of(plugin);
    let mut files = vec![
        (
            "help.md".to_owned(),
            help::generate(&spec, &examples, &current("help.md")),
        ),
        (
            "README.md".to_owned(),
            readme::generate(&spec, &examples, &current("README.md")),
        ),
    ];
    files.extend(schemas(plugin));
    for (name, text) in samples::generate(&spec) {
        files.push((format!("tests/{name}"), text));
    }
    files.push(("plugin.spec.yaml".to_owned(), spec_text));
    Ok(Generated { files })
}

/// What an action's example input leaves out. An input whose schema names another input as
/// `alternativeTo` replaces it (a file, or the same observables as text): an example with both would
/// be refused, so the example shows the first only.
pub(super) struct Examples {
    alternatives: HashMap<String, Vec<(String, String)>>,
}

impl Examples {
    fn of(plugin: &Plugin) -> Examples {
        let alternatives = plugin
            .actions
            .iter()
            .map(|action| {
                let properties = action.input_schema().get("properties").and_then(Value::as_object);
                let pairs = properties
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, property)| {
                        let other = property.get("alternativeTo")?.as_str()?;
                        Some((name.clone(), other.to_owned()))
                    })
                    .collect();
                (action.id().to_owned(), pairs)
            })
            .collect();
        Examples { alternatives }
    }

    #[cfg(test)]
    pub(super) fn none() -> Examples {
        Examples {
            alternatives: HashMap::new(),
        }
    }

    /// The example input of step `id` with inputs `params`.
    pub(super) fn input(&self, id: &str, params: &Map<String, Value>) -> Value {
        let mut example = tables::example_object(params);
        for (name, other) in self.alternatives.get(id).into_iter().flatten() {
            if let Some(fields) = example.as_object_mut().filter(|fields| fields.contains_key(other)) {
                fields.shift_remove(name);
            }
        }
        example
    }
}

fn schemas(plugin: &Plugin) -> Vec<(String, String)> {
    let pretty = |schema: &Value| {
        let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
        text.push('\n');
        text
    };
    let mut files = vec![("schemas/connection.json".to_owned(), pretty(plugin.connector.schema()))];
    let mut add =
        |id: &str, part: &str, schema: &Value| files.push((format!("schemas/{id}.{part}.json"), pretty(schema)));
    for action in plugin.actions.iter() {
        add(action.id(), "input", action.input_schema());
        add(action.id(), "output", action.output_schema());
    }
    for trigger in plugin.triggers.iter() {
        add(trigger.id(), "input", trigger.input_schema());
        add(trigger.id(), "output", trigger.output_schema());
        add(trigger.id(), "state", trigger.state_schema());
    }
    for task in plugin.tasks.iter() {
        add(task.id(), "input", task.input_schema());
        add(task.id(), "output", super::task::output_schema(task));
        add(task.id(), "state", task.state_schema());
    }
    files
}

/// Whether README.md has the markers the action table goes between.
pub(crate) fn readme_has_markers(readme: &str) -> bool {
    readme.contains(readme::BEGIN) && readme.contains(readme::END)
}

/// The spec's parameters of an object schema, as `spec` writes them: for checks of the types.
pub(crate) fn spec_params(schema: &Value) -> Map<String, Value> {
    spec::params(schema, schema)
}

/// The example a parameter shows in help.md.
pub(crate) fn example_value(param: &Value) -> Option<Value> {
    tables::example_value(param)
}

/// The example input of `action`, as help.md shows it.
pub(crate) fn example_input(plugin: &Plugin, action: &dyn super::plugin::Action) -> Value {
    Examples::of(plugin).input(action.id(), &spec_params(action.input_schema()))
}

/// The example input or output object of a set of parameters, as help.md shows it.
pub(crate) fn example_object(params: &Map<String, Value>) -> Value {
    tables::example_object(params)
}

/// The example output of a task with output parameters `params`, as help.md shows it: the array.
pub(crate) fn task_example_output(params: &Map<String, Value>) -> Value {
    help::task_output(params)
}
