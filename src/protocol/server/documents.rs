//! The read-only answers of the server's GET routes: info, spec, step and connection descriptions,
//! input-schema definitions and the OpenAPI document of the routes themselves.
//!
//! They come from the `plugin.spec.yaml` built into the binary and from the plugin's own schemas, are
//! computed once at start-up and never change, so a GET costs one serialization. Shapes follow the
//! runtime's `api/endpoints.py` (protocol reference §5.2).

use serde_json::{json, Map, Value};

use crate::protocol::plugin::Plugin;

/// The runtime release whose HTTP protocol this server speaks (protocol reference §0): `info` reports
/// it as `sdk_version`, the field the orchestrator reads to learn which routes a plugin has.
const RUNTIME_VERSION: &str = "6.6.1";

/// Everything the GET routes answer with.
pub(super) struct Documents {
    pub(super) spec_yaml: &'static str,
    pub(super) spec: Value,
    pub(super) info: Value,
    pub(super) actions: Value,
    pub(super) triggers: Value,
    pub(super) tasks: Value,
    pub(super) connection: Value,
    pub(super) definitions: Value,
    pub(super) api: Value,
    /// Each step's spec section (`title`, `description`, `input`, `output`, and a task's `schedule`
    /// and `state`), by kind and id.
    sections: Map<String, Value>,
}

const TASK_FIELDS: [&str; 6] = ["title", "description", "input", "output", "schedule", "state"];
const STEP_FIELDS: [&str; 4] = ["title", "description", "input", "output"];

impl Documents {
    /// Parses the embedded spec; an error means the binary was built with a broken spec file.
    pub(super) fn new(plugin: &Plugin, threads: usize) -> Result<Documents, String> {
        let spec: Value = serde_norway::from_str(plugin.spec)
            .map_err(|error| format!("the built-in plugin.spec.yaml is not valid YAML: {error}"))?;
        let actions = plugin
            .actions
            .ids()
            .into_iter()
            .map(|id| ("actions", id, &STEP_FIELDS[..]));
        let triggers = plugin
            .triggers
            .ids()
            .into_iter()
            .map(|id| ("triggers", id, &STEP_FIELDS[..]));
        let tasks = plugin.tasks.ids().into_iter().map(|id| ("tasks", id, &TASK_FIELDS[..]));
        let sections = actions
            .chain(triggers)
            .chain(tasks)
            .map(|(kind, id, fields)| (format!("{kind}/{id}"), section(&spec[kind][id], fields)))
            .collect();
        Ok(Documents {
            spec_yaml: plugin.spec,
            info: info(&spec, threads),
            actions: plugin.actions.ids().into(),
            triggers: plugin.triggers.ids().into(),
            tasks: plugin.tasks.ids().into(),
            connection: connection(plugin),
            definitions: definitions(plugin),
            api: api(plugin),
            sections,
            spec,
        })
    }

    pub(super) fn action(&self, id: &str) -> Option<&Value> {
        self.sections.get(&format!("actions/{id}"))
    }

    pub(super) fn trigger(&self, id: &str) -> Option<&Value> {
        self.sections.get(&format!("triggers/{id}"))
    }

    pub(super) fn task(&self, id: &str) -> Option<&Value> {
        self.sections.get(&format!("tasks/{id}"))
    }
}

/// The spec's identity fields plus how this process serves (one process; `threads` workers).
fn info(spec: &Value, threads: usize) -> Value {
    let mut info = Map::new();
    let fields = [
        "name",
        "description",
        "version",
        "vendor",
        "plugin_spec_version",
        "title",
        "support",
        "tags",
        "enable_cache",
    ];
    for field in fields {
        info.insert(field.to_owned(), spec.get(field).cloned().unwrap_or(Value::Null));
    }
    info.insert("number_of_workers".to_owned(), json!(1));
    info.insert("threads".to_owned(), json!(threads));
    info.insert("sdk_version".to_owned(), json!(RUNTIME_VERSION));
    Value::Object(info)
}

fn section(entry: &Value, fields: &[&str]) -> Value {
    let mut section = Map::new();
    for field in fields {
        section.insert((*field).to_owned(), entry.get(*field).cloned().unwrap_or(Value::Null));
    }
    Value::Object(section)
}

/// The connection schema without its `definitions`, as the runtime reduces it.
fn connection(plugin: &Plugin) -> Value {
    let schema = plugin.connector.schema();
    let mut reduced = Map::new();
    for field in ["properties", "required", "title", "type"] {
        if let Some(value) = schema.get(field) {
            reduced.insert(field.to_owned(), value.clone());
        }
    }
    Value::Object(reduced)
}

fn definitions(plugin: &Plugin) -> Value {
    let definitions: Vec<Value> = plugin
        .actions
        .iter()
        .map(|action| json!({"identifier": action.id(), "inputJsonSchema": action.input_schema()}))
        .collect();
    json!({ "actionsDefinitions": definitions })
}

/// A Swagger 2.0 document of the routes, as the runtime publishes one (protocol reference §5.2).
fn api(plugin: &Plugin) -> Value {
    let name = json!({"name": "name", "in": "path", "required": true, "type": "string",
                      "enum": plugin.actions.ids()});
    let trigger = json!({"name": "name", "in": "path", "required": true, "type": "string",
                         "enum": plugin.triggers.ids()});
    let task = json!({"name": "name", "in": "path", "required": true, "type": "string",
                      "enum": plugin.tasks.ids()});
    let start = json!({"name": "message", "in": "body", "required": true,
                       "schema": {"type": "object", "description": "A start message, as on standard input"}});
    let format = |formats: &[&str]| {
        json!({"name": "format", "in": "query", "required": false, "type": "string",
                                            "enum": formats})
    };
    let run = post(
        "Run an action",
        &[&name, &start],
        &[
            (200, "The action event"),
            (400, "A bad message, or the action failed"),
            (500, "An unexpected failure"),
            (503, "Shutting down"),
        ],
    );
    let test = post(
        "Test the connection of an action's start message",
        &[&name, &start],
        &[
            (200, "The test event"),
            (400, "A bad message, or the test failed"),
            (503, "Shutting down"),
        ],
    );
    json!({
        "swagger": "2.0",
        "info": {"title": plugin.title, "version": plugin.version, "description": plugin.description},
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/actions/{name}": {"post": run},
            "/actions/{name}/test": {"post": test},
            "/api/v1/actions/{name}": {"post": run, "get": get("The action's section of the spec", &[&name])},
            "/api/v1/actions/{name}/test": {"post": test},
            "/api/v1/connection/test": {"post": connection_test(&start)},
            "/api/v1/connection/test_task": {"post": connection_test(&start)},
            "/triggers/{name}/test": {"post": post("One poll of a trigger, emitting nothing", &[&trigger, &start],
                                                   &test_answers())},
            "/api/v1/triggers/{name}/test": {"post": post("One poll of a trigger, emitting nothing",
                                                          &[&trigger, &start], &test_answers())},
            "/tasks/{name}": {"post": run_task(&task, &start)},
            "/tasks/{name}/test": {"post": post("One poll of a task, changing nothing", &[&task, &start],
                                                &test_answers())},
            "/api/v1/tasks/{name}": {"post": run_task(&task, &start),
                                     "get": get("The task's section of the spec", &[&task])},
            "/api/v1/tasks/{name}/test": {"post": post("One poll of a task, changing nothing", &[&task, &start],
                                                       &test_answers())},
            "/api/v1/actions": {"get": get("The action ids", &[])},
            "/api/v1/triggers": {"get": get("The trigger ids", &[])},
            "/api/v1/triggers/{name}": {"get": get("The trigger's section of the spec", &[&trigger])},
            "/api/v1/tasks": {"get": get("The task ids", &[])},
            "/api/v1/connection": {"get": get("The connection schema", &[])},
            "/api/v1/definitions/actions": {"get": get("Each action's input schema", &[])},
            "/api/v1/info": {"get": get("The plugin's identity", &[])},
            "/api/v1/spec": {"get": get("plugin.spec.yaml, as JSON or YAML", &[&format(&["json", "yaml"])])},
            "/api/v1/api": {"get": get("This document, as JSON or YAML", &[&format(&["json", "yaml"])])},
            "/api/v1/status": {"get": get("Whether the plugin is ready", &[])},
            "/api/v1/admin/status": {"get": get("Steps in flight and whether shutdown has begun", &[])},
        },
    })
}

fn connection_test(start: &Value) -> Value {
    post(
        "Test a connection (test_task: for a task, named in body.task)",
        &[start],
        &[
            (200, "The connection_test event"),
            (204, "The test passed with no output"),
            (400, "A bad message, or the test failed"),
            (503, "Shutting down"),
        ],
    )
}

fn run_task(task: &Value, start: &Value) -> Value {
    post(
        "Run a task with the state its last run returned",
        &[task, start],
        &[
            (
                200,
                "The task event, also when it reports an upstream failure in status_code and exception",
            ),
            (400, "A bad message, input or state"),
            (500, "An unexpected failure"),
            (503, "Shutting down"),
        ],
    )
}

fn test_answers() -> [(u16, &'static str); 3] {
    [
        (200, "The test event"),
        (400, "A bad message, or the test failed"),
        (503, "Shutting down"),
    ]
}

fn get(summary: &str, parameters: &[&Value]) -> Value {
    operation(summary, parameters, &[(200, "OK")])
}

fn post(summary: &str, parameters: &[&Value], responses: &[(u16, &str)]) -> Value {
    operation(summary, parameters, responses)
}

fn operation(summary: &str, parameters: &[&Value], responses: &[(u16, &str)]) -> Value {
    let responses: Map<String, Value> = responses
        .iter()
        .map(|(status, description)| (status.to_string(), json!({ "description": description })))
        .collect();
    json!({"summary": summary, "parameters": parameters, "responses": responses})
}
