//! The InsightConnect plugin protocol: start messages in, events out, preset texts, schema checks and
//! the step pipeline shared by the CLI and the server.
//!
//! This room knows nothing of ThreatStream. It sees the plugin only through the `Plugin`, `Action`,
//! `Trigger`, `Task` and `Connector` types, which the `actions` room fills in.

mod clean;
mod envelope;
mod failure;
#[cfg(test)]
pub(crate) mod generate;
mod log;
mod mask;
mod plugin;
mod preset;
mod sample;
mod schema;
mod server;
mod signals;
mod stdout;
mod step;
mod task;
mod trigger;

pub(crate) use clean::clean;
pub(crate) use envelope::MAX_MESSAGE_BYTES;
#[cfg(test)]
pub(crate) use failure::FailureKind;
pub(crate) use failure::{quoted, shown, Failure};
pub(crate) use plugin::{
    output_of, Action, Connector, Output, Plugin, Step, StepFuture, Steps, Task, TaskFuture, TaskOutcome, Trigger,
};
pub(crate) use preset::Preset;
pub(crate) use sample::{python_json, sample_for};
#[cfg(test)]
pub(crate) use sample::{start_message as sample_message, task_message, trigger_message};
pub(crate) use schema::schema_for;
#[cfg(test)]
pub(crate) use schema::{check as check_schema, Quote};
pub(crate) use server::serve;
pub(crate) use signals::listen as listen_for_stops;
pub(crate) use stdout::{closed as stdout_closed, print_event};
pub(crate) use step::{execute, unreadable, StepKind};
#[cfg(test)]
pub(crate) use task::output_schema as task_output_schema;
pub(crate) use trigger::{Halt, TriggerContext};
