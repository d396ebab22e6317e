//! A task's run and test (protocol reference §2.2, §3.1).
//!
//! The orchestrator runs a task on its schedule with the state the last run returned, and runs it
//! again at once while `has_more_pages` is true. The state is checked against the task's state schema
//! like an input, before any request: a malformed one fails the run (exit 1) rather than being taken
//! for a first start. A failure upstream is the task's to report: the run succeeds, with
//! `status_code`, `exception` and the state it was given (see `TaskOutcome`).

use serde_json::Value;
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
    check_items(task.output_schema(), &outcome.output)?;
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

/// The output array checked item by item against the output schema's one array property.
fn check_items(schema: &'static Value, output: &Output) -> Result<(), Failure> {
    let name = schema
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|properties| properties.keys().next())
        .map_or("output", String::as_str);
    schema::check_items(schema, name, output).map_err(output_mismatch)
}
