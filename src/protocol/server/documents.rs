//! The read-only answers of the server's GET routes: info, spec, action and connection descriptions,
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
    pub(super) connection: Value,
    pub(super) definitions: Value,
    pub(super) api: Value,
    /// Each action's spec section (`title`, `description`, `input`, `output`), by id.
    sections: Map<String, Value>,
}

impl Documents {
    /// Parses the embedded spec; an error means the binary was built with a broken spec file.
    pub(super) fn new(plugin: &Plugin, threads: usize) -> Result<Documents, String> {
        let spec: Value = serde_norway::from_str(plugin.spec)
            .map_err(|error| format!("the built-in plugin.spec.yaml is not valid YAML: {error}"))?;
        let sections = plugin
            .actions()
            .map(|action| (action.id().to_owned(), section(&spec, action.id())))
            .collect();
        Ok(Documents {
            spec_yaml: plugin.spec,
            info: info(&spec, threads),
            actions: plugin.action_ids().into(),
            connection: connection(plugin),
            definitions: definitions(plugin),
            api: api(plugin),
            sections,
            spec,
        })
    }

    pub(super) fn action(&self, id: &str) -> Option<&Value> {
        self.sections.get(id)
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

fn section(spec: &Value, id: &str) -> Value {
    let entry = &spec["actions"][id];
    let mut section = Map::new();
    for field in ["title", "description", "input", "output"] {
        section.insert(field.to_owned(), entry.get(field).cloned().unwrap_or(Value::Null));
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
        .actions()
        .map(|action| json!({"identifier": action.id(), "inputJsonSchema": action.input_schema()}))
        .collect();
    json!({ "actionsDefinitions": definitions })
}

/// A Swagger 2.0 document of the routes, as the runtime publishes one (protocol reference §5.2).
fn api(plugin: &Plugin) -> Value {
    let name = json!({"name": "name", "in": "path", "required": true, "type": "string",
                      "enum": plugin.action_ids()});
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
            "/api/v1/connection/test": {"post": post(
                "Test a connection",
                &[&start],
                &[(200, "The connection_test event"), (204, "The test passed with no output"),
                  (400, "A bad message, or the test failed"), (503, "Shutting down")],
            )},
            "/api/v1/actions": {"get": get("The action ids", &[])},
            "/api/v1/triggers": {"get": get("The trigger ids (none)", &[])},
            "/api/v1/tasks": {"get": get("The task ids (none)", &[])},
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
