//! What the protocol needs to know of a plugin: its identity, its connection and its actions.
//!
//! The protocol room never names a ThreatStream type. Actions speak JSON values and `Failure`s; the
//! `actions` room implements these traits, the way ripgrep's searcher reports to a `Sink` it never sees
//! implemented.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::failure::Failure;

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

/// One action of the plugin, as `plugin.spec.yaml` lists it.
pub(crate) trait Action: Sync {
    /// The snake_case id used on the wire, in routes and in file names.
    fn id(&self) -> &'static str;
    #[allow(dead_code, reason = "read by the spec test and the server's action routes")]
    fn title(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn input_schema(&self) -> &'static Value;
    fn output_schema(&self) -> &'static Value;
    /// Runs the action with a connection and an input that already passed their schemas. The input
    /// is the text the start message carried, so an action decodes it without a second copy.
    fn run<'a>(&'a self, connection: &'a Value, input: &'a RawValue) -> StepFuture<'a>;
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
    #[allow(dead_code, reason = "read by the spec test and the server's info route")]
    pub(crate) name: &'static str,
    /// The spec's `title`; the runtime calls it the plugin's Name in logs and `info`.
    pub(crate) title: &'static str,
    pub(crate) vendor: &'static str,
    pub(crate) version: &'static str,
    pub(crate) description: &'static str,
    pub(crate) connector: &'static dyn Connector,
    /// The actions, a list per capability (lookups, imports, ...), in the order the spec lists them.
    pub(crate) action_groups: &'static [&'static [&'static dyn Action]],
    /// The text of `plugin.spec.yaml`, built into the binary: the server's spec, info and action
    /// routes answer from it, so they cannot disagree with the file the image ships.
    pub(crate) spec: &'static str,
}

impl Plugin {
    /// Every action, in the order the spec lists them.
    pub(crate) fn actions(&self) -> impl Iterator<Item = &'static dyn Action> {
        self.action_groups.iter().flat_map(|group| group.iter().copied())
    }

    pub(crate) fn action(&self, id: &str) -> Option<&'static dyn Action> {
        self.actions().find(|action| action.id() == id)
    }

    /// The action ids, for messages that list them.
    pub(crate) fn action_ids(&self) -> Vec<&'static str> {
        self.actions().map(|action| action.id()).collect()
    }

    /// `<vendor>/<Title>:<version>`, the prefix of the runtime's step log line.
    pub(crate) fn signature(&self) -> String {
        format!("{}/{}:{}", self.vendor, self.title, self.version)
    }
}
