//! The one pipeline from a start message to an event, shared by `run`, `test` and the HTTP server.
//!
//! The order of checks follows the runtime (protocol reference §2.3): envelope, step name, connection,
//! input, then the step, then the output. Whatever fails becomes a `Failure`, and every failure becomes
//! an error event: nothing is thrown past this function.

use serde_json::Value;
use tracing::instrument::WithSubscriber;
use tracing::{error, info};

use super::envelope::{Event, EventBody, Exception, MessageType, StartMessage, Status};
use super::failure::Failure;
use super::log::StepLog;
use super::plugin::{Action, Plugin};
use super::schema::{self, Quote};

/// Which path a start message takes: the action itself, or the connection test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepKind {
    Run,
    Test,
}

/// A finished step: the event to print, and the failure behind it if there was one.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) event: Event,
    pub(crate) failure: Option<Failure>,
}

impl Outcome {
    pub(crate) fn exit_code(&self) -> i32 {
        if self.failure.is_some() {
            1
        } else {
            0
        }
    }
}

/// Runs one start message through the plugin and answers with the event, never with a panic.
///
/// The message is taken by value and dropped once parsed: an import carries its file in it, and a
/// second copy of tens of megabytes would double the step's memory.
pub(crate) async fn execute(plugin: &Plugin, kind: StepKind, message: Vec<u8>, debug: bool) -> Outcome {
    let log = StepLog::default();
    let (event_type, meta, result) = perform(plugin, kind, message)
        .with_subscriber(log.subscriber(debug))
        .await;
    let body = match &result {
        Ok(output) => EventBody {
            log: log.text(),
            status: Status::Ok,
            meta,
            output: Some(output.clone()),
            error: None,
            exception: None,
        },
        Err(failure) => EventBody {
            log: log.text(),
            status: Status::Error,
            meta,
            output: None,
            error: Some(error_text(kind, failure)),
            exception: Some(Exception {
                cause: failure.cause.clone(),
                assistance: failure.assistance.clone(),
                data: failure.data.clone(),
            }),
        },
    };
    Outcome {
        event: Event {
            body,
            version: "v1",
            event_type,
        },
        failure: result.err(),
    }
}

fn error_text(kind: StepKind, failure: &Failure) -> String {
    match kind {
        StepKind::Run => failure.plugin_error_text(),
        StepKind::Test => failure.connection_test_text(),
    }
}

async fn perform(
    plugin: &Plugin,
    kind: StepKind,
    message: Vec<u8>,
) -> (Option<&'static str>, Value, Result<Value, Failure>) {
    let parsed = StartMessage::parse(&message);
    drop(message);
    let mut message = match parsed {
        Ok(message) => message,
        Err(rejected) => {
            error!("{}", error_text(kind, &rejected.failure));
            return (rejected.event_type, rejected.meta, Err(rejected.failure));
        }
    };
    let event_type = Some(message.message_type.event_type());
    let is_test = kind == StepKind::Test || message.message_type == MessageType::ConnectionTest;
    let result = if is_test {
        test_connection(plugin, &message).await
    } else {
        let input = std::mem::take(&mut message.input);
        run_action(
            plugin,
            message.action.as_deref().unwrap_or_default(),
            &message.connection,
            input,
        )
        .await
    };
    if let Err(failure) = &result {
        error!("{}", error_text(kind, failure));
    }
    (event_type, message.meta, result)
}

async fn test_connection(plugin: &Plugin, message: &StartMessage) -> Result<Value, Failure> {
    if let Some(id) = message.action.as_deref() {
        find_action(plugin, id)?;
    }
    let connection = checked_connection(plugin, &message.connection)?;
    info!("{}", plugin.signature());
    plugin.connector.test(&connection).await
}

async fn run_action(plugin: &Plugin, id: &str, connection: &Value, input: Value) -> Result<Value, Failure> {
    let action = find_action(plugin, id)?;
    let connection = checked_connection(plugin, connection)?;
    info!("{}. Step name: {}", plugin.signature(), action.id());
    checked_input(action, &input)?;
    let output = action.run(&connection, input).await?;
    schema::check(&action.output_schema(), &output, Quote::Values).map_err(|problems| {
        Failure::new(
            "The action produced output that does not match its output schema.",
            "This is a defect in the plugin; please report it together with the step log.",
        )
        .with_data(problems)
    })?;
    Ok(output)
}

fn find_action(plugin: &Plugin, id: &str) -> Result<&'static dyn Action, Failure> {
    plugin.action(id).ok_or_else(|| {
        let known: Vec<&str> = plugin.actions.iter().map(|action| action.id()).collect();
        Failure::client(
            format!("Unknown action \"{id}\""),
            format!("Use one of the plugin's actions: {}.", known.join(", ")),
        )
    })
}

fn checked_connection(plugin: &Plugin, connection: &Value) -> Result<Value, Failure> {
    let connection = plugin.connector.upgrade(connection.clone());
    schema::check(&plugin.connector.schema(), &connection, Quote::Nothing).map_err(|problems| {
        Failure::client(
            format!("The connection is invalid: {problems}."),
            "Correct the plugin connection settings and try again.",
        )
    })?;
    Ok(connection)
}

fn checked_input(action: &dyn Action, input: &Value) -> Result<(), Failure> {
    let schema = action.input_schema();
    schema::check(&schema, input, Quote::Values).map_err(|problems| {
        Failure::client(
            format!("The action input is invalid: {problems}."),
            "Correct the action input and try again.",
        )
    })?;
    required_not_empty(&schema, input)
}

/// The runtime's extra rule: a required input that is null or "" fails even if its schema allows it.
fn required_not_empty(schema: &Value, input: &Value) -> Result<(), Failure> {
    let required = schema.get("required").and_then(Value::as_array).into_iter().flatten();
    for name in required.filter_map(Value::as_str) {
        match input.get(name) {
            Some(Value::Null) => return Err(Failure::invalid_input(name, "a required input is null")),
            Some(Value::String(text)) if text.is_empty() => {
                return Err(Failure::invalid_input(name, "a required input is empty"))
            }
            _ => {}
        }
    }
    Ok(())
}
