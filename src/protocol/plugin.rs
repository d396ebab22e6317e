//! What the protocol needs to know of a plugin: its identity, its connection, its actions, triggers
//! and tasks.
//!
//! The protocol room never names a ThreatStream type. Steps speak JSON values and `Failure`s; the
//! `actions` room implements these traits, the way ripgrep's searcher reports to a `Sink` it never sees
//! implemented. A trigger gets the protocol's side of a long run (delivery to the dispatcher, its saved
//! state, the stop request) as `TriggerContext`, so it decides only what to poll and when.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::failure::Failure;
use super::trigger::TriggerContext;

/// A step's output as JSON text. A lookup can return 50,000 records; as a `Value` tree they take
/// about six times the memory of their text, so outputs stay text from the action to stdout.
pub(crate) type Output = Box<RawValue>;

/// What running a step yields: the output object, or why there is none.
pub(crate) type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<Output, Failure>> + Send + 'a>>;

/// A small output, such as `{"success": true}`, as JSON text.
pub(crate) fn output_of(value: &impl Serialize) -> Result<Output, Failure> {
    serde_json::value::to_raw_value(value).map_err(|error| {
        Failure::defect("The step's output could not be encoded.", "Please contact support.")
            .with_data(error.to_string())
    })
}

/// What every step (action, trigger or task) is known by: its id, title and description, and the
/// schemas of its input and output. The three step traits share it, so their identities cannot drift
/// apart, and `Steps` finds any of them by id.
pub(crate) trait Step: Sync {
    /// The snake_case id used on the wire, in routes and in file names.
    fn id(&self) -> &'static str;
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the spec generator, which only tests build")
    )]
    fn title(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn input_schema(&self) -> &'static Value;
    /// An action's output; a trigger's one event's `output`; a task's object with one array property.
    fn output_schema(&self) -> &'static Value;
}

/// One action of the plugin, as `plugin.spec.yaml` lists it.
pub(crate) trait Action: Step {
    /// Runs the action with a connection and an input that already passed their schemas. The input
    /// is the text the start message carried, so an action decodes it without a second copy.
    fn run<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a>;
}

/// One trigger: a long-running step that polls and delivers each event to the dispatcher.
pub(crate) trait Trigger: Step {
    /// The schema of the state the trigger saves between runs.
    fn state_schema(&self) -> &'static Value;
    /// Runs until `context` says to stop, and answers with the final envelope's output (`null`). A bad
    /// input or saved state must fail here, before any request.
    fn run<'a>(&'a self, connection: &'a Value, input: &'a RawValue, context: &'a mut TriggerContext)
        -> StepFuture<'a>;
    /// `test` of a trigger_start message: one poll that emits nothing.
    fn test<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a>;
}

/// What a task run answers with besides its output (protocol reference §3.1).
#[derive(Debug)]
pub(crate) struct TaskOutcome {
    /// A JSON array, as text.
    pub(crate) output: Output,
    pub(crate) state: Value,
    pub(crate) has_more_pages: bool,
    /// An upstream failure reported the task way: the run still succeeds, with the upstream status,
    /// the exception, and the state it was given.
    pub(crate) problem: Option<(u16, Failure)>,
}

/// What running a task yields: its outcome, or why the run could not even start.
pub(crate) type TaskFuture<'a> = Pin<Box<dyn Future<Output = Result<TaskOutcome, Failure>> + Send + 'a>>;

/// One task: a step the orchestrator runs on a schedule, handing back the state the last run returned.
pub(crate) trait Task: Step {
    fn state_schema(&self) -> &'static Value;
    /// The cron expression of the spec's `schedule`.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the spec generator, which only tests build")
    )]
    fn schedule(&self) -> &'static str;
    /// Runs once with an input and a state that passed their schemas.
    fn run<'a>(&'a self, connection: &'a Value, input: &'a RawValue, state: &'a Value) -> TaskFuture<'a>;
    /// `test` of a task_start message: one poll that changes nothing.
    fn test<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a>;
}

/// The plugin's connection: its schema, and the test the orchestrator runs before saving it.
pub(crate) trait Connector: Sync {
    fn schema(&self) -> &'static Value;
    /// Brings a connection saved by an older version of the plugin to the current field names, before
    /// schema validation; fails when the old and new forms disagree.
    fn upgrade(&self, connection: Value) -> Result<Value, Failure>;
    fn test<'a>(&'a self, connection: &'a Value) -> StepFuture<'a>;
}

/// The identity `info`, the log lines and the server's `/api/v1/info` report.
pub(crate) struct Plugin {
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the spec generator, which only tests build")
    )]
    pub(crate) name: &'static str,
    /// The spec's `title`; the runtime calls it the plugin's Name in logs and `info`.
    pub(crate) title: &'static str,
    pub(crate) vendor: &'static str,
    pub(crate) version: &'static str,
    pub(crate) description: &'static str,
    pub(crate) connector: &'static dyn Connector,
    pub(crate) actions: Steps<dyn Action>,
    pub(crate) triggers: Steps<dyn Trigger>,
    pub(crate) tasks: Steps<dyn Task>,
    /// The text of `plugin.spec.yaml`, built into the binary: the server's spec, info and action
    /// routes answer from it, so they cannot disagree with the file the image ships.
    pub(crate) spec: &'static str,
}

impl Plugin {
    /// `<vendor>/<Title>:<version>`, the prefix of the runtime's step log line.
    pub(crate) fn signature(&self) -> String {
        format!("{}/{}:{}", self.vendor, self.title, self.version)
    }
}

/// The steps of one kind, a list per capability (lookups, imports, ...), in the order the spec lists
/// them: grouped where they are declared, one sequence wherever they are looked up.
pub(crate) struct Steps<T: ?Sized + 'static> {
    groups: &'static [&'static [&'static T]],
}

impl<T: ?Sized> Steps<T> {
    pub(crate) const fn new(groups: &'static [&'static [&'static T]]) -> Steps<T> {
        Steps { groups }
    }
}

impl<T: ?Sized + Step> Steps<T> {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'static T> {
        self.groups.iter().flat_map(|group| group.iter().copied())
    }

    pub(crate) fn find(&self, id: &str) -> Option<&'static T> {
        self.iter().find(|step| step.id() == id)
    }

    /// The ids, for messages and documents that list them.
    pub(crate) fn ids(&self) -> Vec<&'static str> {
        self.iter().map(|step| step.id()).collect()
    }
}
