//! help.md in `insight-plugin refresh`'s layout, generated from the spec with the prose kept.
//!
//! The generator owns each section's first part: the description, the spec's lists, each table and
//! example. Whatever a person wrote after that part, in any section, is read back from the current
//! help.md and written again after the new part, so prose survives every regeneration. Prose lives
//! under a heading and is found again by it; an action whose title changes loses its prose, which the
//! diff shows.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::tables::{custom_type_table, example_block, example_object, input_table, output_table};
use super::Examples;

/// help.md for `spec`, keeping the prose of `current`.
pub(super) fn generate(spec: &Value, examples: &Examples, current: &str) -> String {
    let prose = Prose::read(current, spec);
    let mut page = Page::default();
    page.section("# Description", text(&spec["description"]), &prose);
    page.section("# Key Features", bullets(spec, "key_features"), &prose);
    page.section("# Requirements", bullets(spec, "requirements"), &prose);
    page.section(
        "# Supported Product Versions",
        bullets(spec, "supported_versions"),
        &prose,
    );
    page.section("# Documentation", String::new(), &prose);
    page.section("## Setup", setup(spec), &prose);
    page.section("## Technical Details", String::new(), &prose);
    for (kind, heading, none) in COMPONENT_KINDS {
        let components = sorted_by_id(section(spec, kind));
        let empty = format!("*This plugin does not contain any {none}.*");
        page.section(
            heading,
            if components.is_empty() { empty } else { String::new() },
            &prose,
        );
        for (id, component) in components {
            components_section(&mut page, (kind, id), component, examples, &prose);
        }
    }
    page.section("### Custom Types", custom_types(spec, &prose), &prose);
    page.section("## Troubleshooting", bullets(spec, "troubleshooting"), &prose);
    page.section("# Version History", bullets(spec, "version_history"), &prose);
    page.section("# Links", bullets(spec, "links"), &prose);
    page.section("## References", bullets(spec, "references"), &prose);
    let end = page.text.trim_end().len();
    page.text.truncate(end);
    page.text.push('\n');
    page.text
}

/// The spec's sections of steps, with their heading and the word for "none of them".
const COMPONENT_KINDS: [(&str, &str, &str); 3] = [
    ("actions", "### Actions", "actions"),
    ("triggers", "### Triggers", "triggers"),
    ("tasks", "### Tasks", "tasks"),
];

fn components_section(
    page: &mut Page,
    (kind, id): (&str, &str),
    component: &Value,
    examples: &Examples,
    prose: &Prose,
) {
    let title = format!("#### {}", text(&component["title"]));
    let singular = kind.trim_end_matches('s');
    page.section(
        &title,
        format!("This {singular} is used to {}.", sentence(&component["description"])),
        prose,
    );
    let inputs = section(component, "input");
    let input = if inputs.is_empty() {
        format!("*This {singular} does not contain any inputs.*")
    } else {
        let example = example_block("Example input:", &examples.input(id, inputs));
        format!("{}\n\n{example}", input_table(inputs))
    };
    page.subsection(&title, "##### Input", input, prose);
    let outputs = section(component, "output");
    let output = if outputs.is_empty() {
        format!("*This {singular} does not contain any outputs.*")
    } else if kind == "tasks" {
        let example = example_block("Example output:", &task_output(outputs));
        format!(
            "{}\n\n{}\n\n{example}",
            task_output_note(outputs),
            output_table(outputs)
        )
    } else {
        let example = example_block("Example output:", &example_object(outputs));
        format!("{}\n\n{example}", output_table(outputs))
    };
    page.subsection(&title, "##### Output", output, prose);
}

/// A task's output as the runtime returns it: the array its one output holds, not an object.
pub(super) fn task_output(outputs: &Map<String, Value>) -> Value {
    let object = example_object(outputs);
    object
        .as_object()
        .and_then(|fields| fields.values().next().cloned())
        .unwrap_or_else(|| Value::Array(Vec::new()))
}

/// What a task's output table means: the table is in the spec's layout, one named output, while
/// the task returns that output's list itself (protocol reference §3.1).
fn task_output_note(outputs: &Map<String, Value>) -> String {
    let name = outputs.keys().next().map_or("output", String::as_str);
    format!(
        "A task's output is an array: each run returns the list of `{name}` itself, as the example shows, \
         not an object holding it. The table describes that list."
    )
}

fn setup(spec: &Value) -> String {
    let connection = section(spec, "connection");
    if connection.is_empty() {
        return "*This plugin does not contain a connection.*".to_owned();
    }
    format!(
        "The connection configuration accepts the following parameters:\n\n{}\n\n{}",
        input_table(connection),
        example_block("Example input:", &example_object(connection))
    )
}

fn custom_types(spec: &Value, prose: &Prose) -> String {
    let types = section(spec, "types");
    if types.is_empty() {
        return "*This plugin does not contain any custom output types.*".to_owned();
    }
    let blocks: Vec<String> = types
        .iter()
        .map(|(name, fields)| {
            let heading = format!("**{name}**");
            let fields = fields.as_object().cloned().unwrap_or_default();
            let block = format!("{heading}\n\n{}", custom_type_table(&fields));
            match prose.custom_types.get(&heading) {
                Some(text) => format!("{block}\n\n{text}"),
                None => block,
            }
        })
        .collect();
    blocks.join("\n\n")
}

/// "Lookup an IP address" as "lookup an IP address": the runtime's sentence starts lower case.
fn sentence(description: &Value) -> String {
    let description = text(description);
    let mut characters = description.chars();
    characters
        .next()
        .map(|first| first.to_lowercase().chain(characters).collect())
        .unwrap_or_default()
}

fn bullets(spec: &Value, key: &str) -> String {
    let items = spec[key].as_array().into_iter().flatten();
    items
        .map(|item| format!("* {}", text(item)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn section<'a>(value: &'a Value, key: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .get(key)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// The generator sorts steps by id.
fn sorted_by_id(steps: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut steps: Vec<(&String, &Value)> = steps.iter().collect();
    steps.sort_by(|a, b| a.0.cmp(b.0));
    steps
}

/// The page being written: headings, generated parts, prose.
#[derive(Default)]
struct Page {
    text: String,
}

impl Page {
    fn section(&mut self, heading: &str, generated: String, prose: &Prose) {
        self.write(heading, generated, prose.sections.get(heading));
    }

    fn subsection(&mut self, parent: &str, heading: &str, generated: String, prose: &Prose) {
        self.write(heading, generated, prose.sections.get(&format!("{parent}\n{heading}")));
    }

    fn write(&mut self, heading: &str, generated: String, prose: Option<&String>) {
        self.text.push_str(heading);
        self.text.push_str("\n\n");
        let body: Vec<&str> = [generated.as_str(), prose.map_or("", String::as_str)]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect();
        if !body.is_empty() {
            self.text.push_str(&body.join("\n\n"));
            self.text.push_str("\n\n");
        }
    }
}

/// What a person wrote in the current help.md, by the heading it stands under.
#[derive(Default)]
struct Prose {
    /// Keyed by heading, or by `#### Title\n##### Input` for a step's input and output.
    sections: HashMap<String, String>,
    /// Keyed by the `**name**` line of the type.
    custom_types: HashMap<String, String>,
}

impl Prose {
    fn read(current: &str, spec: &Value) -> Prose {
        let mut prose = Prose::default();
        let mut step = String::new();
        for (heading, body) in headed_sections(current) {
            let key = if heading.starts_with("##### ") {
                format!("{step}\n{heading}")
            } else {
                if heading.starts_with("#### ") {
                    step.clone_from(&heading);
                }
                heading.clone()
            };
            let kept = if heading == "### Custom Types" {
                prose.custom_types.extend(custom_type_prose(&body, spec));
                String::new()
            } else {
                after_generated(&heading, &body)
            };
            if !kept.is_empty() {
                prose.sections.insert(key, kept);
            }
        }
        prose
    }
}

/// The part of a section's body after what the generator writes there.
fn after_generated(heading: &str, body: &str) -> String {
    let rest = match heading {
        "# Documentation" | "## Technical Details" => body,
        "## Setup" | "##### Input" | "##### Output" => after_example(body),
        "# Key Features"
        | "# Requirements"
        | "# Supported Product Versions"
        | "## Troubleshooting"
        | "# Version History"
        | "# Links"
        | "## References" => after_bullets(body),
        "### Actions" | "### Triggers" | "### Tasks" if !body.starts_with('*') => body,
        _ => body.split_once("\n\n").map_or("", |(_, rest)| rest),
    };
    rest.trim_matches('\n').to_owned()
}

/// After the code block of `Example input:` or `Example output:`, or after a one-paragraph "none".
fn after_example(body: &str) -> &str {
    let Some(label) = body
        .find("Example input:\n\n```\n")
        .or_else(|| body.find("Example output:\n\n```\n"))
    else {
        return body.split_once("\n\n").map_or("", |(_, rest)| rest);
    };
    let block = &body[label..];
    let opening = block.find("```\n").map_or(0, |at| at + 4);
    match block[opening..].find("\n```") {
        Some(end) => &block[opening + end + 4..],
        None => "",
    }
}

fn after_bullets(body: &str) -> &str {
    let mut rest = body;
    while rest.starts_with("* ") {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// The prose after each custom type's table, by its `**name**` line.
fn custom_type_prose(body: &str, spec: &Value) -> HashMap<String, String> {
    let names: Vec<String> = section(spec, "types")
        .keys()
        .map(|name| format!("**{name}**"))
        .collect();
    let mut prose = HashMap::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in body.lines() {
        if names.iter().any(|name| name == line) {
            if let Some((name, lines)) = current.take() {
                prose.insert(name, type_prose(&lines));
            }
            current = Some((line.to_owned(), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((name, lines)) = current {
        prose.insert(name, type_prose(&lines));
    }
    prose.retain(|_, text| !text.is_empty());
    prose
}

/// The lines after a type's table.
fn type_prose(lines: &[&str]) -> String {
    let start = lines
        .iter()
        .rposition(|line| line.starts_with('|'))
        .map_or(0, |last| last + 1);
    lines[start..].join("\n").trim_matches('\n').to_owned()
}

/// help.md split at its headings, each with the text under it; a `#` inside a code block is not one.
pub(super) fn headed_sections(help: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut in_code = false;
    for line in help.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            sections.push((line.to_owned(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (_, body) in &mut sections {
        *body = body.trim_matches('\n').to_owned();
    }
    sections
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> Value {
        json!({
            "description": "A plugin", "key_features": ["One"], "requirements": ["Two"],
            "supported_versions": ["v2"], "troubleshooting": ["Three"], "version_history": ["1.0.0 - Initial plugin"],
            "links": ["[x](https://x)"], "references": ["[x](https://x)"],
            "types": {"thing": {"a": {"title": "A", "type": "string", "required": false, "description": "An a"}}},
            "connection": {"url": {"title": "URL", "type": "string", "required": true, "description": "Where",
                                   "example": "https://x"}},
            "actions": {"look": {"title": "Look", "description": "Look something up",
                "input": {"value": {"title": "Value", "type": "string", "required": true, "description": "What",
                                    "example": "a"}},
                "output": {"found": {"title": "Found", "type": "boolean", "required": true, "description": "If",
                                     "example": true}}}}
        })
    }

    #[test]
    fn regenerating_keeps_prose_and_replaces_stale_tables() {
        let first = generate(&spec(), &Examples::none(), "");
        assert!(first.contains("#### Look\n\nThis action is used to look something up.\n\n##### Input"));
        assert!(first.contains("Example output:\n\n```\n{\n  \"found\": true\n}\n```"));
        let with_prose = first
            .replace("look something up.\n", "look something up.\n\nIt looks hard.\n")
            .replace(
                "  \"value\": \"a\"\n}\n```\n",
                "  \"value\": \"a\"\n}\n```\n\nValues are trimmed.\n",
            )
            .replace(
                "|A|string|None|False|An a|None|\n",
                "|A|string|None|False|An a|None|\n\nA thing.\n",
            )
            .replace("* Three\n", "* Three\n\nCall us.\n");
        let mut changed = spec();
        changed["actions"]["look"]["input"]["value"]["description"] = json!("What to look up");
        let second = generate(&changed, &Examples::none(), &with_prose);
        for kept in ["It looks hard.", "Values are trimmed.", "A thing.", "Call us."] {
            assert_eq!(second.matches(kept).count(), 1, "{kept} in\n{second}");
        }
        assert!(second.contains("|value|string|None|True|What to look up|None|a|None|None|"));
        assert!(!second.contains("|What|"), "the stale row is gone");
        assert_eq!(
            generate(&changed, &Examples::none(), &second),
            second,
            "regenerating is stable"
        );
    }

    #[test]
    fn empty_kinds_say_so() {
        let page = generate(&spec(), &Examples::none(), "");
        assert!(page.contains("### Triggers\n\n*This plugin does not contain any triggers.*\n"));
        assert!(page.contains("### Tasks\n\n*This plugin does not contain any tasks.*\n"));
    }
}
