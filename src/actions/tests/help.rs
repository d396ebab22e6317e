//! help.md against plugin.spec.yaml. Everything `insight-plugin refresh` would generate from the spec is
//! regenerated here and must stand in help.md as written: the section list, the description and the
//! spec's lists, the connection, input, output and custom-type tables, the connection's example input.
//! Prose after a generated block is free. HelpInputOutputValidator compares the same table rows, so
//! this fails where `make validate` would, without Python; it also checks each example against the
//! schema the binary enforces, which no validator does.

use serde_json::{Map, Value};

use super::spec::{section, spec};
use super::{root, REGISTRY};
use crate::protocol::{check_schema, Quote};

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

fn help() -> String {
    std::fs::read_to_string(root().join("help.md")).expect("help.md exists")
}

/// One heading of help.md and the text under it, up to the next heading.
struct Section {
    heading: String,
    body: String,
}

/// Splits help.md at its headings; a `#` inside a code block is JSON, not a heading.
fn sections(help: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut in_code = false;
    for line in help.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            sections.push(Section {
                heading: line.to_owned(),
                body: String::new(),
            });
        } else if let Some(current) = sections.last_mut() {
            current.body.push_str(line);
            current.body.push('\n');
        }
    }
    for section in &mut sections {
        section.body = section.body.trim_matches('\n').to_owned();
    }
    sections
}

fn body<'a>(sections: &'a [Section], heading: &str) -> &'a str {
    let found = sections.iter().find(|section| section.heading == heading);
    found
        .map(|section| section.body.as_str())
        .unwrap_or_else(|| panic!("help.md has no `{heading}`"))
}

/// Actions in the order the generator writes them: sorted by id.
fn actions_by_id(spec: &Value) -> Vec<(String, Value)> {
    let mut actions: Vec<(String, Value)> = section(spec, "actions")
        .iter()
        .map(|(id, action)| (id.clone(), action.clone()))
        .collect();
    actions.sort_by(|a, b| a.0.cmp(&b.0));
    actions
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// `str(value)` in Python, as the generator and the validator put spec values into table cells: `None`,
/// `True`, and lists with double-quoted strings.
fn python_str(value: Option<&Value>) -> String {
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
        // A newline inside a cell is written as `\n`, the form HelpInputOutputValidator compares.
        lines.push(format!("|{}|", cells.join("|")).replace('\n', "\\n"));
    }
    lines.join("\n")
}

fn input_table(params: &Map<String, Value>) -> String {
    table(INPUT_COLUMNS, params, |name, param| {
        let mut cells = vec![name.to_owned()];
        for key in [
            "type",
            "default",
            "required",
            "description",
            "enum",
            "example",
            "placeholder",
            "tooltip",
        ] {
            cells.push(python_str(param.get(key)));
        }
        cells
    })
}

fn output_table(params: &Map<String, Value>) -> String {
    table(OUTPUT_COLUMNS, params, |name, param| {
        let mut cells = vec![name.to_owned()];
        for key in ["type", "required", "description", "example"] {
            cells.push(python_str(param.get(key)));
        }
        cells
    })
}

fn custom_type_table(fields: &Map<String, Value>) -> String {
    table(CUSTOM_TYPE_COLUMNS, fields, |name, field| {
        let mut cells = vec![python_str(field.get("title").or(Some(&Value::from(name))))];
        for key in ["type", "default", "required", "description", "example"] {
            cells.push(python_str(field.get(key)));
        }
        cells
    })
}

/// The value the generator puts in an example input: default, else example, else enum; a string that
/// holds JSON is decoded, as `json.loads` would.
fn example_value(param: &Value) -> Value {
    let value = ["default", "example", "enum"]
        .iter()
        .find_map(|key| param.get(*key).filter(|value| !value.is_null()))
        .cloned()
        .unwrap_or(Value::Null);
    match value {
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        other => other,
    }
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

/// The JSON block after `label` (`Example input:` or `Example output:`), checked to be what
/// `json.dumps(indent=2)` prints (HelpExampleValidator's rule), and decoded.
fn example_after(body: &str, label: &str, place: &str) -> Value {
    let start = body
        .find(&format!("{label}\n\n```\n"))
        .unwrap_or_else(|| panic!("{place}: no `{label}` block"))
        + label.len()
        + 6;
    let end = body[start..]
        .find("\n```")
        .unwrap_or_else(|| panic!("{place}: unterminated `{label}` block"));
    let block = &body[start..start + end];
    let value: Value =
        serde_json::from_str(block).unwrap_or_else(|error| panic!("{place}: `{label}` is not JSON: {error}"));
    let canonical = serde_json::to_string_pretty(&value).expect("a JSON value prints");
    assert_eq!(block, canonical, "{place}: `{label}` must be JSON indented by 2 spaces");
    value
}

fn bullets(spec: &Value, key: &str) -> String {
    let items = spec[key]
        .as_array()
        .unwrap_or_else(|| panic!("spec has no list `{key}`"));
    items
        .iter()
        .map(|item| format!("* {}", text(item)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_starts_with(body: &str, expected: &str, place: &str) {
    assert!(
        body.starts_with(expected),
        "{place} drifted from plugin.spec.yaml.\n--- expected to start with:\n{expected}\n--- help.md has:\n{body}"
    );
}

#[test]
fn help_has_the_generated_sections_in_order() {
    let spec = spec();
    let mut expected: Vec<String> = [
        "# Description",
        "# Key Features",
        "# Requirements",
        "# Supported Product Versions",
        "# Documentation",
        "## Setup",
        "## Technical Details",
        "### Actions",
    ]
    .map(str::to_owned)
    .to_vec();
    for (_, action) in actions_by_id(&spec) {
        expected.push(format!("#### {}", text(&action["title"])));
        expected.push("##### Input".to_owned());
        expected.push("##### Output".to_owned());
    }
    expected.extend(
        [
            "### Triggers",
            "### Tasks",
            "### Custom Types",
            "## Troubleshooting",
            "# Version History",
            "# Links",
            "## References",
        ]
        .map(str::to_owned),
    );
    let headings: Vec<String> = sections(&help()).into_iter().map(|section| section.heading).collect();
    assert_eq!(headings, expected, "help.md headings differ from the generated layout");
}

#[test]
fn help_lists_are_the_specs() {
    let spec = spec();
    let sections = sections(&help());
    assert_eq!(body(&sections, "# Description"), text(&spec["description"]));
    for (heading, key) in [
        ("# Key Features", "key_features"),
        ("# Requirements", "requirements"),
        ("# Supported Product Versions", "supported_versions"),
        ("## Troubleshooting", "troubleshooting"),
        ("# Version History", "version_history"),
        ("# Links", "links"),
        ("## References", "references"),
    ] {
        assert_eq!(
            body(&sections, heading),
            bullets(&spec, key),
            "help.md `{heading}` is not the spec's {key}"
        );
    }
    assert_eq!(
        body(&sections, "### Triggers"),
        "*This plugin does not contain any triggers.*"
    );
    assert_eq!(
        body(&sections, "### Tasks"),
        "*This plugin does not contain any tasks.*"
    );
}

#[test]
fn help_connection_matches_the_spec() {
    let spec = spec();
    let connection = section(&spec, "connection");
    let example = sorted(Value::Object(
        connection
            .iter()
            .map(|(name, param)| (name.clone(), example_value(param)))
            .collect(),
    ));
    let expected = format!(
        "The connection configuration accepts the following parameters:\n\n{}\n\nExample input:\n\n```\n{}\n```",
        input_table(connection),
        serde_json::to_string_pretty(&example).expect("a JSON value prints")
    );
    let sections = sections(&help());
    let setup = body(&sections, "## Setup");
    assert_starts_with(setup, &expected, "## Setup");
}

#[test]
fn help_actions_match_the_spec() {
    let spec = spec();
    let help = help();
    let sections = sections(&help);
    for (id, action) in actions_by_id(&spec) {
        let title = text(&action["title"]);
        let description = text(&action["description"]);
        let mut lower = description.chars();
        let sentence = format!(
            "This action is used to {}{}",
            lower
                .next()
                .map(|first| first.to_lowercase().to_string())
                .unwrap_or_default(),
            lower.as_str()
        );
        assert_starts_with(
            body(&sections, &format!("#### {title}")),
            &sentence,
            &format!("#### {title}"),
        );

        // Input and Output headings repeat per action, so take the ones after this action's title.
        let at = sections
            .iter()
            .position(|section| section.heading == format!("#### {title}"))
            .expect("the title is there");
        let input = &sections[at + 1];
        let output = &sections[at + 2];
        let inputs = section(&action, "input");
        let outputs = section(&action, "output");
        assert_starts_with(&input.body, &input_table(inputs), &format!("{id} input table"));
        assert_starts_with(&output.body, &output_table(outputs), &format!("{id} output table"));

        let registered = REGISTRY.iter().find(|action| action.id() == id).expect("registered");
        let example_input = example_after(&input.body, "Example input:", &format!("{id} input"));
        for (name, value) in example_input.as_object().expect("an object") {
            let param = inputs
                .get(name)
                .unwrap_or_else(|| panic!("{id}: example input `{name}` is not an input"));
            assert_eq!(
                value,
                &example_value(param),
                "{id}: example input `{name}` is not the spec's"
            );
        }
        let checked = check_schema(registered.input_schema(), &example_input, Quote::Values);
        assert!(checked.is_ok(), "{id}: example input fails its schema: {checked:?}");

        let example_output = example_after(&output.body, "Example output:", &format!("{id} output"));
        for (name, param) in outputs {
            let present = example_output.get(name).is_some();
            assert!(
                present || param["required"] != true,
                "{id}: example output lacks `{name}`"
            );
        }
        let checked = check_schema(registered.output_schema(), &example_output, Quote::Values);
        assert!(checked.is_ok(), "{id}: example output fails its schema: {checked:?}");
    }
}

#[test]
fn help_custom_types_match_the_spec() {
    let spec = spec();
    let sections = sections(&help());
    // The last table ends the section, whose body lost its final newline.
    let custom = format!("{}\n", body(&sections, "### Custom Types"));
    let mut from = 0;
    for (name, fields) in section(&spec, "types") {
        let fields = fields.as_object().expect("a type is a map of fields");
        let expected = format!("**{name}**\n\n{}\n", custom_type_table(fields));
        let found = custom[from..].find(&expected).unwrap_or_else(|| {
            panic!("### Custom Types: `{name}` is missing, out of order or drifted; expected\n{expected}")
        });
        from += found + expected.len();
    }
}
