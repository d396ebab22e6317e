//! The one pipeline from a start message to an event, shared by `run`, `test` and the HTTP server.
//!
//! The order of checks follows the runtime (protocol reference §2.3): envelope, step name, connection,
//! input (and a task's state), then the step, then the output. Whatever fails becomes a `Failure`, and
//! every failure becomes an error event: nothing is thrown past this function. Actions and the
//! connection test run here; a trigger's run lives in `trigger`, a task's in `task`. The event leaves
//! with the connection's secrets masked (see `mask`), whoever prints it.

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use serde_json::value::RawValue;
use serde_json::Value;
use tracing::{error, info};

use super::envelope::{Event, EventBody, Exception, MessageType, Rejected, StartMessage, Status};
use super::failure::{shown, Failure};
use super::log::StepLog;
use super::mask::Secrets;
use super::plugin::TaskOutcome;
use super::plugin::{output_of, Action, Output, Plugin};
use super::schema::{self, Quote};
use super::signals::{self, OnStop};
use super::stdout;
use super::task;
use super::trigger::TriggerContext;

/// The most log text an action's or task's event carries (a lookup logs a line per page).
const STEP_LOG_BYTES: usize = 4 * 1024 * 1024;

/// The most log text one trigger event carries: the lines since the event before, which after a
/// quiet month would otherwise be a line per poll for a month.
const TRIGGER_LOG_BYTES: usize = 64 * 1024;

/// Which path a start message takes: the step itself, or its test.
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

/// What a step that ran yields: its output, and for a task run what goes beside it.
pub(crate) enum Answer {
    Plain(Output),
    Task(TaskOutcome),
}

/// Runs one start message through the plugin and answers with the event, never with a panic.
///
/// The message is taken by value and kept for the step: an import carries its file in it, and the
/// action decodes its input from this text rather than from a second copy of tens of megabytes (see
/// `envelope::ElidedValue`). A defect that panics inside the step still ends in an error event (with
/// the envelope's type and meta) and exit 1. A trigger_start message runs the trigger until it is
/// asked to stop; only the CLI passes one here (`http` mode has no route that runs a trigger).
pub(crate) async fn execute(plugin: &'static Plugin, kind: StepKind, message: Vec<u8>, debug: bool) -> Outcome {
    super::log::install(debug);
    let parsed = StartMessage::parse(&message);
    let log = match &parsed {
        Ok(message) if message.message_type == MessageType::TriggerStart => StepLog::bounded(TRIGGER_LOG_BYTES),
        _ => StepLog::bounded(STEP_LOG_BYTES),
    };
    let log = match &parsed {
        Ok(message) => log.masking(Arc::new(Secrets::of(&message.connection))),
        Err(_) => log,
    };
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
            // Only a running trigger acts on a stop of its own accord (see `signals`).
            if (message.message_type, kind) != (MessageType::TriggerStart, StepKind::Run) {
                signals::on_stop(OnStop::Exit);
            }
            let event_type = Some(message.message_type.event_type());
            let meta = std::mem::take(&mut message.meta);
            let step = Pipeline {
                plugin,
                kind,
                meta: &meta,
                log: &log,
                debug,
            };
            // Caught here, instead of running the step as a task of its own, spares every step a
            // spawn and a hop between threads (measured in server mode). A panicking step is never
            // polled again, so nothing observes state it may have left broken.
            let run = AssertUnwindSafe(log.capture(step.perform(message))).catch_unwind();
            let result = run.await.unwrap_or_else(|_| Err(crashed()));
            // Finishing: a stop from now on lets the event out.
            signals::on_stop(OnStop::Note);
            (event_type, meta, result)
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
    result: Result<Answer, Failure>,
) -> Outcome {
    if let Err(failure) = &result {
        log.capture_now(|| error!("{}", error_text(kind, failure)));
    }
    if let Ok(Answer::Task(TaskOutcome {
        problem: Some((_, failure)),
        ..
    })) = &result
    {
        log.capture_now(|| error!("{}", failure.plugin_error_text()));
    }
    let (body, failure) = match result {
        Ok(answer) => (ok_body(log.take(), meta, answer), None),
        Err(failure) => {
            let mut body = event_body(log.take(), meta, Status::Error, None);
            body.error = Some(error_text(kind, &failure));
            body.exception = Some(exception(&failure));
            (body, Some(failure))
        }
    };
    Outcome {
        event: Event {
            body: masked(body, log.secrets()),
            version: "v1",
            event_type,
        },
        failure,
    }
}

fn ok_body(log: String, meta: Value, answer: Answer) -> EventBody {
    let outcome = match answer {
        Answer::Plain(output) => return event_body(log, meta, Status::Ok, Some(output)),
        Answer::Task(outcome) => outcome,
    };
    let mut body = event_body(log, meta, Status::Ok, Some(outcome.output));
    body.state = Some(outcome.state);
    body.has_more_pages = Some(outcome.has_more_pages);
    if let Some((status_code, failure)) = outcome.problem {
        body.status_code = Some(status_code);
        body.exception = Some(exception(&failure));
    }
    body
}

/// The body with every secret masked; its log was masked line by line as it was written.
fn masked(mut body: EventBody, secrets: &Secrets) -> EventBody {
    secrets.value(&mut body.meta);
    if let Some(state) = body.state.as_mut() {
        secrets.value(state);
    }
    if let Some(output) = body.output.take() {
        body.output = Some(match secrets.json(output.get()) {
            Cow::Borrowed(_) => output,
            // Masking strings inside valid JSON leaves it valid, so this never falls back.
            Cow::Owned(text) => RawValue::from_string(text).unwrap_or(output),
        });
    }
    let text = |text: &mut String| {
        if let Cow::Owned(masked) = secrets.text(text) {
            *text = masked;
        }
    };
    body.error.iter_mut().for_each(text);
    if let Some(exception) = body.exception.as_mut() {
        [&mut exception.cause, &mut exception.assistance, &mut exception.data]
            .into_iter()
            .for_each(text);
    }
    body
}

fn exception(failure: &Failure) -> Exception {
    Exception {
        cause: failure.cause.clone(),
        assistance: failure.assistance.clone(),
        data: failure.data.clone(),
    }
}

fn event_body(log: String, meta: Value, status: Status, output: Option<Output>) -> EventBody {
    EventBody {
        log,
        status,
        meta,
        state: None,
        has_more_pages: None,
        status_code: None,
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

/// One start message on its way through the pipeline.
struct Pipeline<'a> {
    plugin: &'static Plugin,
    kind: StepKind,
    meta: &'a Value,
    log: &'a StepLog,
    debug: bool,
}

impl Pipeline<'_> {
    async fn perform(&self, message: StartMessage<'_>) -> Result<Answer, Failure> {
        let name = message.step.as_deref().unwrap_or_default();
        match (message.message_type, self.kind) {
            (MessageType::ConnectionTest, _) | (MessageType::ActionStart, StepKind::Test) => {
                self.test_connection(&message).await.map(Answer::Plain)
            }
            (MessageType::ActionStart, StepKind::Run) => self.run_action(name, &message).await.map(Answer::Plain),
            (MessageType::TriggerStart, kind) => self.trigger(kind, name, &message).await.map(Answer::Plain),
            (MessageType::TaskStart, StepKind::Run) => task::run(self.plugin, name, &message).await,
            (MessageType::TaskStart, StepKind::Test) => {
                task::test(self.plugin, name, &message).await.map(Answer::Plain)
            }
        }
    }

    /// The connection test; a message naming a step (an action, or the task of `test_task`) must name
    /// one the plugin has.
    async fn test_connection(&self, message: &StartMessage<'_>) -> Result<Output, Failure> {
        if let Some(name) = message.step.as_deref() {
            let mut known = self.plugin.actions.ids();
            if message.message_type == MessageType::ConnectionTest {
                known.extend(self.plugin.tasks.ids());
            }
            if !known.contains(&name) {
                // The runtime's words name an action, whichever kind was meant; the list has both.
                return Err(unknown("action", name, known));
            }
        }
        let connection = checked_connection(self.plugin, &message.connection)?;
        info!("{}", self.plugin.signature());
        self.plugin.connector.test(&connection).await
    }

    async fn run_action(&self, id: &str, message: &StartMessage<'_>) -> Result<Output, Failure> {
        let action = find_action(self.plugin, id)?;
        let connection = checked_connection(self.plugin, &message.connection)?;
        info!("{}. Step name: {}", self.plugin.signature(), action.id());
        checked_input("action", action.input_schema(), &message.input)?;
        let output = action.run(&connection, message.raw_input).await?;
        check_output(action.output_schema(), &output)?;
        Ok(output)
    }

    /// A trigger's run, until it is asked to stop; or its test, one poll that emits nothing. The test
    /// checks the input too (the runtime's does not): a poll with filters the schema refuses would
    /// only fail later, at the first real run.
    async fn trigger(&self, kind: StepKind, id: &str, message: &StartMessage<'_>) -> Result<Output, Failure> {
        let trigger = self
            .plugin
            .triggers
            .find(id)
            .ok_or_else(|| unknown("trigger", id, self.plugin.triggers.ids()))?;
        if kind == StepKind::Run {
            signals::on_stop(OnStop::Answer(stopped_while_starting(
                self.meta.clone(),
                self.log.clone(),
            )));
        }
        let connection = checked_connection(self.plugin, &message.connection)?;
        info!("{}. Step name: {}", self.plugin.signature(), trigger.id());
        checked_input("trigger", trigger.input_schema(), &message.input)?;
        if kind == StepKind::Test {
            return trigger.test(&connection, message.raw_input).await;
        }
        let mut context = TriggerContext::open(trigger, message, self.meta, self.log.clone(), self.debug)?;
        trigger.run(&connection, message.raw_input, &mut context).await
    }
}

/// What a stop does to a trigger that is still starting: it prints the stop event a trigger ends with
/// (output `null`), since there is nothing to finish or save, and the process exits with its status.
fn stopped_while_starting(meta: Value, log: StepLog) -> Box<dyn FnOnce() -> i32 + Send> {
    Box::new(move || {
        log.capture_now(|| info!("Asked to stop while starting: stopped before the first poll"));
        let stopped = output_of(&Value::Null).map(Answer::Plain);
        let outcome = finish(StepKind::Run, &log, Some("trigger_event"), meta, stopped);
        stdout::print_event(&outcome.event, outcome.exit_code())
    })
}

pub(super) fn check_output(schema: &'static Value, output: &Output) -> Result<(), Failure> {
    schema::check_output(schema, output).map_err(output_mismatch)
}

pub(super) fn output_mismatch(problems: String) -> Failure {
    Failure::defect(
        "The step produced output that does not match its output schema.",
        "This is a defect in the plugin; please report it together with the step log.",
    )
    .with_data(problems)
}

fn find_action(plugin: &Plugin, id: &str) -> Result<&'static dyn Action, Failure> {
    plugin
        .actions
        .find(id)
        .ok_or_else(|| unknown("action", id, plugin.actions.ids()))
}

/// `Unknown action "x"`, the runtime's words, and the same for triggers and tasks.
pub(super) fn unknown(kind: &str, id: &str, known: Vec<&str>) -> Failure {
    Failure::caller(
        format!("Unknown {kind} \"{}\"", shown(id)),
        format!("Use one of the plugin's {kind}s: {}.", known.join(", ")),
    )
}

pub(super) fn checked_connection(plugin: &Plugin, connection: &Value) -> Result<Value, Failure> {
    let connection = plugin.connector.upgrade(connection.clone())?;
    schema::check(plugin.connector.schema(), &connection, Quote::Nothing).map_err(|problems| {
        Failure::caller(
            format!("The connection is invalid: {problems}."),
            "Correct the plugin connection settings and try again.",
        )
    })?;
    Ok(connection)
}

/// `kind` is the step's kind (action, trigger or task), which the message names.
pub(super) fn checked_input(kind: &str, schema: &'static Value, input: &Value) -> Result<(), Failure> {
    schema::check(schema, input, Quote::Values).map_err(|problems| {
        Failure::caller(
            format!("The {kind} input is invalid: {problems}."),
            format!("Correct the {kind} input and try again."),
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
    use crate::protocol::plugin::{Connector, Step, StepFuture, Steps};
    use serde_json::json;

    fn any_object() -> &'static Value {
        static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
        SCHEMA.get_or_init(|| json!({"type": "object"}))
    }

    struct Panicking;

    impl Step for Panicking {
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
    }

    impl Action for Panicking {
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
        actions: Steps::new(&[&[&Panicking]]),
        triggers: Steps::new(&[]),
        tasks: Steps::new(&[]),
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
