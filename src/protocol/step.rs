//! The one pipeline from a start message to an event, shared by `run`, `test` and the HTTP server.
//!
//! The order of checks follows the runtime (protocol reference §2.3): envelope, step name, connection,
//! input, then the step, then the output. Whatever fails becomes a `Failure`, and every failure becomes
//! an error event: nothing is thrown past this function.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde_json::Value;
use tracing::{error, info};

use super::envelope::{Event, EventBody, Exception, MessageType, Rejected, StartMessage, Status};
use super::failure::{shown, Failure};
use super::log::StepLog;
use super::plugin::{Action, Output, Plugin};
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
/// The message is taken by value and kept for the step: an import carries its file in it, and the
/// action decodes its input from this text rather than from a second copy of tens of megabytes (see
/// `envelope::ElidedValue`). A defect that panics inside the step still ends in an error event (with
/// the envelope's type and meta) and exit 1.
pub(crate) async fn execute(plugin: &'static Plugin, kind: StepKind, message: Vec<u8>, debug: bool) -> Outcome {
    super::log::install(debug);
    let log = StepLog::default();
    let parsed = StartMessage::parse(&message);
    let (event_type, meta, result) = match parsed {
        Err(rejected) => {
            let Rejected {
                failure,
                event_type,
                meta,
            } = *rejected;
            (event_type, meta, Err(failure))
        }
        Ok(mut message) => {
            let event_type = Some(message.message_type.event_type());
            let meta = std::mem::take(&mut message.meta);
            // Caught here, instead of running the step as a task of its own, spares every step a
            // spawn and a hop between threads (measured in server mode). A panicking step is never
            // polled again, so nothing observes state it may have left broken.
            let step = AssertUnwindSafe(log.capture(perform(plugin, kind, message))).catch_unwind();
            (event_type, meta, step.await.unwrap_or_else(|_| Err(crashed())))
        }
    };
    finish(kind, &log, event_type, meta, result)
}

/// The event for a start message that could not even be read (too large, or stdin failed).
pub(crate) fn unreadable(kind: StepKind, cause: String) -> Outcome {
    let failure = Failure::caller(
        cause,
        "Send one JSON start message of at most 128 MiB; a file to import must fit in it as base64.",
    );
    finish(kind, &StepLog::default(), None, Value::Null, Err(failure))
}

/// Logs a failure and builds the event.
fn finish(
    kind: StepKind,
    log: &StepLog,
    event_type: Option<&'static str>,
    meta: Value,
    result: Result<Output, Failure>,
) -> Outcome {
    if let Err(failure) = &result {
        log.capture_now(|| error!("{}", error_text(kind, failure)));
    }
    let (body, failure) = match result {
        Ok(output) => (event_body(log.text(), meta, Status::Ok, Some(output)), None),
        Err(failure) => {
            let mut body = event_body(log.text(), meta, Status::Error, None);
            body.error = Some(error_text(kind, &failure));
            body.exception = Some(Exception {
                cause: failure.cause.clone(),
                assistance: failure.assistance.clone(),
                data: failure.data.clone(),
            });
            (body, Some(failure))
        }
    };
    Outcome {
        event: Event {
            body,
            version: "v1",
            event_type,
        },
        failure,
    }
}

fn event_body(log: String, meta: Value, status: Status, output: Option<Output>) -> EventBody {
    EventBody {
        log,
        status,
        meta,
        output,
        error: None,
        exception: None,
    }
}

/// What a panicking step reports; the panic hook has already written where it happened to stderr.
fn crashed() -> Failure {
    Failure::defect(
        "The plugin failed unexpectedly.",
        "This is a defect in the plugin; please report it together with the step log.",
    )
}

fn error_text(kind: StepKind, failure: &Failure) -> String {
    match kind {
        StepKind::Run => failure.plugin_error_text(),
        StepKind::Test => failure.connection_test_text(),
    }
}

async fn perform(plugin: &Plugin, kind: StepKind, message: StartMessage<'_>) -> Result<Output, Failure> {
    let is_test = kind == StepKind::Test || message.message_type == MessageType::ConnectionTest;
    if is_test {
        return test_connection(plugin, &message).await;
    }
    let id = message.action.as_deref().unwrap_or_default();
    run_action(plugin, id, &message).await
}

async fn test_connection(plugin: &Plugin, message: &StartMessage<'_>) -> Result<Output, Failure> {
    if let Some(id) = message.action.as_deref() {
        find_action(plugin, id)?;
    }
    let connection = checked_connection(plugin, &message.connection)?;
    info!("{}", plugin.signature());
    plugin.connector.test(&connection).await
}

async fn run_action(plugin: &Plugin, id: &str, message: &StartMessage<'_>) -> Result<Output, Failure> {
    let action = find_action(plugin, id)?;
    let connection = checked_connection(plugin, &message.connection)?;
    info!("{}. Step name: {}", plugin.signature(), action.id());
    checked_input(action, &message.input)?;
    let output = action.run(&connection, message.raw_input).await?;
    schema::check_output(action.output_schema(), &output).map_err(|problems| {
        Failure::defect(
            "The action produced output that does not match its output schema.",
            "This is a defect in the plugin; please report it together with the step log.",
        )
        .with_data(problems)
    })?;
    Ok(output)
}

fn find_action(plugin: &Plugin, id: &str) -> Result<&'static dyn Action, Failure> {
    plugin.action(id).ok_or_else(|| {
        let known = plugin.action_ids();
        Failure::caller(
            format!("Unknown action \"{}\"", shown(id)),
            format!("Use one of the plugin's actions: {}.", known.join(", ")),
        )
    })
}

fn checked_connection(plugin: &Plugin, connection: &Value) -> Result<Value, Failure> {
    let connection = plugin.connector.upgrade(connection.clone())?;
    schema::check(plugin.connector.schema(), &connection, Quote::Nothing).map_err(|problems| {
        Failure::caller(
            format!("The connection is invalid: {problems}."),
            "Correct the plugin connection settings and try again.",
        )
    })?;
    Ok(connection)
}

fn checked_input(action: &dyn Action, input: &Value) -> Result<(), Failure> {
    let schema = action.input_schema();
    schema::check(schema, input, Quote::Values).map_err(|problems| {
        Failure::caller(
            format!("The action input is invalid: {problems}."),
            "Correct the action input and try again.",
        )
    })?;
    required_not_empty(schema, input)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::plugin::{Connector, StepFuture};
    use serde_json::json;

    fn any_object() -> &'static Value {
        static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
        SCHEMA.get_or_init(|| json!({"type": "object"}))
    }

    struct Panicking;

    impl Action for Panicking {
        fn id(&self) -> &'static str {
            "explode"
        }
        fn title(&self) -> &'static str {
            "Explode"
        }
        fn description(&self) -> &'static str {
            "Panics"
        }
        fn input_schema(&self) -> &'static Value {
            any_object()
        }
        fn output_schema(&self) -> &'static Value {
            any_object()
        }
        fn run<'a>(&'a self, _: &'a Value, input: &'a serde_json::value::RawValue) -> StepFuture<'a> {
            Box::pin(async move { panic!("input was {input}") })
        }
    }

    struct AnyConnection;

    impl Connector for AnyConnection {
        fn schema(&self) -> &'static Value {
            any_object()
        }
        fn upgrade(&self, connection: Value) -> Result<Value, Failure> {
            Ok(connection)
        }
        fn test<'a>(&'a self, _: &'a Value) -> StepFuture<'a> {
            Box::pin(async { crate::protocol::output_of(&json!({"success": true})) })
        }
    }

    static PANICKING: Plugin = Plugin {
        name: "test",
        title: "Test",
        vendor: "tests",
        version: "0.0.0",
        description: "A plugin whose action panics",
        spec: "",
        connector: &AnyConnection,
        action_groups: &[&[&Panicking]],
    };

    #[tokio::test]
    async fn a_panicking_action_still_answers_with_an_error_event() {
        let message = json!({"version": "v1", "type": "action_start",
            "body": {"action": "explode", "meta": {"jobId": "j"}, "input": {"secret": "canary-in-input"}}});
        let outcome = execute(&PANICKING, StepKind::Run, message.to_string().into_bytes(), false).await;
        assert_eq!(outcome.exit_code(), 1);
        let event = serde_json::to_value(&outcome.event).unwrap();
        assert_eq!(event["body"]["status"], "error");
        assert_eq!(event["body"]["meta"], json!({"jobId": "j"}));
        assert_eq!(event["type"], "action_event");
        assert_eq!(event["body"]["exception"]["cause"], "The plugin failed unexpectedly.");
        assert!(
            !event.to_string().contains("canary-in-input"),
            "the panic message stays out of the event"
        );
    }
}
