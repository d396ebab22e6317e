//! Steps described by their types: what each action, trigger or task file implements. The blanket
//! impls below do the protocol's side once for all of them: schemas from the types, the input (and a
//! task's state) decoded, the connection opened, the output encoded.
//!
//! A step file implements two traits: `TypedStep`, its identity (id, title, description) and the types
//! of its input and output, and then `TypedAction`, `TypedTrigger` or `TypedTask`, how it runs. The
//! output type is what `run` builds and returns (`Serialize`), and its schema is the spec's
//! (`JsonSchema`): one type, so an output field cannot drift from what the spec publishes.

use std::future::Future;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::connection::{test_passed, Connection};
use super::output::StepOutput;
use super::{opened, parse_input};
use crate::protocol::{
    output_of, schema_for, Action, Failure, Halt, Output, Step, StepFuture, Task, TaskFuture, TaskOutcome, Trigger,
    TriggerContext,
};

/// What every step declares: its identity, and the types of its input and output.
pub(crate) trait TypedStep: Sync {
    /// The snake_case id used on the wire, in routes and in file names.
    const ID: &'static str;
    /// Title Case, no final period.
    const TITLE: &'static str;
    /// No final period.
    const DESCRIPTION: &'static str;
    /// `Deserialize + JsonSchema`, `deny_unknown_fields`: what the form sends, and its schema.
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// `Serialize + JsonSchema`: what `run` returns, and its schema. An action's output; a trigger's
    /// one event; a task's object with one list field, whose items the run returns.
    type Output: JsonSchema + Send + Sync + 'static;
}

impl<T: TypedStep> Step for T {
    fn id(&self) -> &'static str {
        T::ID
    }

    fn title(&self) -> &'static str {
        T::TITLE
    }

    fn description(&self) -> &'static str {
        T::DESCRIPTION
    }

    fn input_schema(&self) -> &'static Value {
        schema_for::<T::Input>()
    }

    fn output_schema(&self) -> &'static Value {
        schema_for::<T::Output>()
    }
}

/// An action: how it runs. Its output is any `Serialize + JsonSchema` type, or a `Streamed` one (see
/// `output`).
pub(crate) trait TypedAction: TypedStep<Output: StepOutput> {
    fn run(connection: &Connection, input: Self::Input) -> impl Future<Output = Result<Self::Output, Failure>> + Send;
}

impl<T: TypedAction> Action for T {
    fn run<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a> {
        Box::pin(async move {
            let (connection, input) = opened(connection, input)?;
            T::run(&connection, input).await?.encoded()
        })
    }
}

/// A trigger: how it runs, and the shape of the state it saves between runs.
pub(crate) trait TypedTrigger: TypedStep<Output: Serialize> {
    type State: Serialize + DeserializeOwned + JsonSchema + Send + 'static;

    /// Runs until `context` says to stop (`Halt::Stopped`, which ends the run well); bad inputs must
    /// fail before the first request.
    fn run(
        connection: &Connection,
        input: Self::Input,
        context: &mut TriggerRun<'_, Self>,
    ) -> impl Future<Output = Result<(), Failure>> + Send;

    /// One poll that emits nothing.
    fn test(connection: &Connection, input: Self::Input) -> impl Future<Output = Result<(), Failure>> + Send;
}

impl<T: TypedTrigger> Trigger for T {
    fn state_schema(&self) -> &'static Value {
        schema_for::<T::State>()
    }

    fn run<'a>(
        &'a self,
        connection: &'a Value,
        input: &'a RawValue,
        context: &'a mut TriggerContext,
    ) -> StepFuture<'a> {
        Box::pin(async move {
            let (connection, input) = opened(connection, input)?;
            let mut context = TriggerRun {
                context,
                trigger: PhantomData,
            };
            T::run(&connection, input, &mut context).await?;
            // The event a trigger ends with carries no output.
            output_of(&Value::Null)
        })
    }

    fn test<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a> {
        Box::pin(async move {
            let (connection, input) = opened(connection, input)?;
            T::test(&connection, input).await?;
            test_passed()
        })
    }
}

/// What a running trigger does besides its own requests (the protocol's `TriggerContext`), typed by
/// the trigger: it sends only its `Output`, one event, and saves only its `State`.
pub(crate) struct TriggerRun<'c, T: ?Sized> {
    context: &'c mut TriggerContext,
    trigger: PhantomData<fn(&T)>,
}

impl<T: TypedTrigger> TriggerRun<'_, T> {
    /// The state the last run saved; `None` on a first start. It passed the state schema already.
    pub(crate) fn saved_state(&self) -> Result<Option<T::State>, Failure> {
        self.context
            .saved_state()
            .map(|saved| T::State::deserialize(saved).map_err(Failure::invalid_trigger_state))
            .transpose()
    }

    /// Saves `state` (see `TriggerContext::save_state`: a failure is logged once and the run goes on).
    pub(crate) fn save_state(&mut self, state: &T::State) {
        match serde_json::to_value(state) {
            Ok(state) => self.context.save_state(&state),
            Err(error) => tracing::error!("The trigger's state could not be encoded: {error}"),
        }
    }

    /// Saves `state` as the run ends; a failure is the run's.
    pub(crate) fn save_last_state(&mut self, state: &T::State) -> Result<(), Failure> {
        let state = serde_json::to_value(state).map_err(unencodable)?;
        self.context.save_last_state(&state)
    }

    /// Delivers one event; returns once it was taken, or with `Halt::Stopped` when a stop was asked
    /// for meanwhile (see `TriggerContext::send`).
    pub(crate) async fn send(&mut self, event: &T::Output) -> Result<(), Halt> {
        let event = serde_json::to_value(event).map_err(unencodable)?;
        self.context.send(&event).await
    }

    /// Waits between polls; `Halt::Stopped` as soon as a stop is asked for.
    pub(crate) async fn pause(&mut self, duration: std::time::Duration) -> Result<(), Halt> {
        self.context.pause(duration).await
    }

    /// Runs `read` unless a stop comes first (see `TriggerContext::unless_stopped`).
    pub(crate) async fn unless_stopped<F: Future>(&self, read: F) -> Result<F::Output, Halt> {
        self.context.unless_stopped(read).await
    }

    /// Where the saved state is kept, for messages that tell how to reset it.
    pub(crate) fn state_place(&self) -> String {
        self.context.state_place()
    }
}

/// A task: how it runs, its schedule and the shape of the state each run hands the next.
pub(crate) trait TypedTask: TypedStep<Output: Serialize> {
    /// The cron expression the orchestrator runs the task on.
    const SCHEDULE: &'static str;
    type State: Serialize + DeserializeOwned + JsonSchema + Send + 'static;

    /// Runs once with the state the last run returned; upstream failures go in `TaskRun::problem`.
    fn run(
        connection: &Connection,
        input: Self::Input,
        state: Self::State,
    ) -> impl Future<Output = Result<TaskRun<Self::Output, Self::State>, Failure>> + Send;

    /// One poll that changes nothing.
    fn test(connection: &Connection, input: Self::Input) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// What a task run answers with (protocol reference §3.1), typed by the task.
pub(crate) struct TaskRun<O, S> {
    /// The task's output object; the envelope carries its one list.
    pub(crate) output: O,
    /// The state the next run gets.
    pub(crate) state: S,
    pub(crate) has_more_pages: bool,
    /// An upstream failure reported the task way: the run still succeeds, with the upstream status,
    /// the exception, and the state it was given.
    pub(crate) problem: Option<(u16, Failure)>,
}

impl<T: TypedTask> Task for T {
    fn state_schema(&self) -> &'static Value {
        schema_for::<T::State>()
    }

    fn schedule(&self) -> &'static str {
        T::SCHEDULE
    }

    fn run<'a>(&'a self, connection: &'a Value, input: &'a RawValue, state: &'a Value) -> TaskFuture<'a> {
        Box::pin(async move {
            let input = parse_input(input)?;
            let state = T::State::deserialize(state).map_err(Failure::invalid_task_state)?;
            let connection = Connection::open(connection)?;
            let run = T::run(&connection, input, state).await?;
            Ok(TaskOutcome {
                output: only_list(&run.output)?,
                state: serde_json::to_value(&run.state).map_err(unencodable)?,
                has_more_pages: run.has_more_pages,
                problem: run.problem,
            })
        })
    }

    fn test<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a> {
        Box::pin(async move {
            let (connection, input) = opened(connection, input)?;
            T::test(&connection, input).await?;
            test_passed()
        })
    }
}

/// The one list of a task's output object, as the envelope's `output` carries it.
fn only_list(output: &impl Serialize) -> Result<Output, Failure> {
    let text = serde_json::to_string(output).map_err(unencodable)?;
    let mut object: std::collections::BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(&text).map_err(unencodable)?;
    match (object.len(), object.pop_first()) {
        (1, Some((_, list))) => Ok(list),
        _ => Err(Failure::defect(
            "The task's output is not an object with one list.",
            "This is a defect in the plugin; please report it together with the step log.",
        )),
    }
}

fn unencodable(error: serde_json::Error) -> Failure {
    Failure::defect("The step's output could not be encoded.", "Please contact support.").with_data(error.to_string())
}
