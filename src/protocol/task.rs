//! A task's run and test (protocol reference §2.2, §3.1).
//!
//! The orchestrator runs a task on its schedule with the state the last run returned, and runs it
//! again at once while `has_more_pages` is true. The state is checked against the task's state schema
//! like an input, before any request: a malformed one fails the run (exit 1) rather than being taken
//! for a first start. A failure upstream is the task's to report: the run succeeds, with
//! `status_code`, `exception` and the state it was given (see `TaskOutcome`).
//!
//! A task's output is an array (§3.1: "object for actions, array for tasks"): the list itself, not an
//! object holding it. The spec still names it, as one output of type `[]T`; `output_schema` is the
//! array's schema, which schemas/ publishes and the run is checked against.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::{Map, Value};
use tracing::info;

use super::envelope::StartMessage;
use super::failure::Failure;
use super::plugin::{Output, Plugin, Task};
use super::schema::{self, Quote};
use super::step::{checked_connection, checked_input, output_mismatch, unknown, Answer};

pub(super) async fn run(plugin: &Plugin, id: &str, message: &StartMessage<'_>) -> Result<Answer, Failure> {
    let task = find(plugin, id)?;
    let connection = checked_connection(plugin, &message.connection)?;
    info!("{}. Step name: {}", plugin.signature(), task.id());
    checked_input("task", task.input_schema(), &message.input)?;
    checked_state(task.state_schema(), &message.state)?;
    let outcome = task.run(&connection, message.raw_input, &message.state).await?;
    schema::check_items(output_schema(task), &outcome.output).map_err(output_mismatch)?;
    Ok(Answer::Task(outcome))
}

/// One poll that changes nothing; like a trigger's test, it checks the input it polls with.
pub(super) async fn test(plugin: &Plugin, id: &str, message: &StartMessage<'_>) -> Result<Output, Failure> {
    let task = find(plugin, id)?;
    let connection = checked_connection(plugin, &message.connection)?;
    info!("{}. Step name: {}", plugin.signature(), task.id());
    checked_input("task", task.input_schema(), &message.input)?;
    task.test(&connection, message.raw_input).await
}

fn find(plugin: &Plugin, id: &str) -> Result<&'static dyn Task, Failure> {
    plugin
        .tasks
        .find(id)
        .ok_or_else(|| unknown("task", id, plugin.tasks.ids()))
}

fn checked_state(schema: &'static Value, state: &Value) -> Result<(), Failure> {
    schema::check(schema, state, Quote::Values).map_err(Failure::invalid_task_state)
}

/// The schema of `task`'s output as the runtime has it (protocol reference §6): the array of the
/// spec's one output, titled and described as that output, its items and definitions carried over.
/// Made once per task and kept, as `schema_for` keeps the types' schemas.
pub(crate) fn output_schema(task: &dyn Task) -> &'static Value {
    static SCHEMAS: OnceLock<Mutex<HashMap<&'static str, &'static Value>>> = OnceLock::new();
    let mut schemas = SCHEMAS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    schemas
        .entry(task.id())
        .or_insert_with(|| Box::leak(Box::new(array_schema(task.output_schema()))))
}

/// The array schema of `object`, a task's output type: an object whose first property is the list.
/// The runtime's own generator also writes `required: [<name>]` beside it, which says nothing of an
/// array; it is left out, and `items` says what the runtime's `{}` leaves open.
fn array_schema(object: &Value) -> Value {
    let list = object
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|properties| properties.values().next())
        .and_then(Value::as_object);
    let mut array = Map::new();
    array.insert("type".to_owned(), Value::from("array"));
    for key in ["title", "description", "items", "examples"] {
        if let Some(value) = list.and_then(|list| list.get(key)) {
            array.insert(key.to_owned(), value.clone());
        }
    }
    if let Some(definitions) = object.get("definitions") {
        array.insert("definitions".to_owned(), definitions.clone());
    }
    Value::Object(array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_task_output_schema_is_the_array_of_its_one_output() {
        let object = json!({"type": "object", "properties": {"observables": {"type": "array",
            "items": {"$ref": "#/definitions/result"}, "title": "Observables", "description": "New ones",
            "examples": [[{"id": 1}]], "order": 1}}, "required": ["observables"], "title": "Output",
            "definitions": {"result": {"type": "object", "properties": {"id": {"type": "integer"}}}}});
        assert_eq!(
            array_schema(&object),
            json!({"type": "array", "title": "Observables", "description": "New ones",
                   "items": {"$ref": "#/definitions/result"}, "examples": [[{"id": 1}]],
                   "definitions": {"result": {"type": "object", "properties": {"id": {"type": "integer"}}}}})
        );
    }
}
