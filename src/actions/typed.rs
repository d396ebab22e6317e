//! Triggers and tasks described by their types, as `TypedAction` describes actions: what each trigger
//! or task file implements. The blanket impls below do the protocol's side once for all of them:
//! schemas from the types, the input (and a task's state) decoded, the connection opened.

use std::future::Future;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::connection::Connection;
use super::{identity, opened, parse_input};
use crate::protocol::{
    schema_for, Failure, Output, StepFuture, Task, TaskFuture, TaskOutcome, Trigger, TriggerContext,
};

/// A trigger: its identity, its input, the shape of one event and of its saved state.
pub(crate) trait TypedTrigger: Sync {
    const ID: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// The type the schema of one event's `output` is generated from.
    type Event: JsonSchema + 'static;
    type State: JsonSchema + 'static;

    /// Runs until `context` says to stop; bad inputs must fail before the first request.
    fn run(
        connection: &Connection,
        input: Self::Input,
        context: &mut TriggerContext,
    ) -> impl Future<Output = Result<Output, Failure>> + Send;

    /// One poll that emits nothing.
    fn test(connection: &Connection, input: Self::Input) -> impl Future<Output = Result<Output, Failure>> + Send;
}

impl<T: TypedTrigger> Trigger for T {
    identity!(Event);

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
            T::run(&connection, input, context).await
        })
    }

    fn test<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a> {
        Box::pin(async move {
            let (connection, input) = opened(connection, input)?;
            T::test(&connection, input).await
        })
    }
}

/// A task: its identity and schedule, its input, output and state.
pub(crate) trait TypedTask: Sync {
    const ID: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    /// The cron expression the orchestrator runs the task on.
    const SCHEDULE: &'static str;
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// An object with one array field, whose items the run's output holds (see `protocol::Task`).
    type OutputSchema: JsonSchema + 'static;
    type State: DeserializeOwned + JsonSchema + Send + 'static;

    /// Runs once with the state the last run returned; upstream failures go in `TaskOutcome::problem`.
    fn run(
        connection: &Connection,
        input: Self::Input,
        state: Self::State,
    ) -> impl Future<Output = Result<TaskOutcome, Failure>> + Send;

    /// One poll that changes nothing.
    fn test(connection: &Connection, input: Self::Input) -> impl Future<Output = Result<Output, Failure>> + Send;
}

impl<T: TypedTask> Task for T {
    identity!(OutputSchema);

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
            T::run(&connection, input, state).await
        })
    }

    fn test<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a> {
        Box::pin(async move {
            let (connection, input) = opened(connection, input)?;
            T::test(&connection, input).await
        })
    }
}
