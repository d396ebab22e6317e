//! Monitor Observables: a task that returns the observables ThreatStream added or changed since its
//! last run, each once, with the state to pass to the next run (`collect`: the run every task of a
//! feed shares), on the same cursor as the New Observables trigger.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::collect::collect;
use super::engine::test_poll;
use super::input::feed;
use super::observables::FeedState;
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::lookups::ResultRecord;
use crate::actions::{TaskRun, TypedStep, TypedTask};
use crate::protocol::Failure;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct MonitorObservablesInput {
        ..FeedFilters,
        ..FeedPacing,
    }
}

// The task's output (a `//` comment: a doc comment would become its description).
#[derive(Serialize, JsonSchema)]
pub(crate) struct MonitorObservablesOutput {
    /// Observables new or changed since the last run, in update_id order, without empty fields
    #[schemars(title = "Observables", with = "Vec<ResultRecord>", example = example_observables())]
    observables: Vec<Value>,
}

impl From<Vec<Value>> for MonitorObservablesOutput {
    fn from(observables: Vec<Value>) -> Self {
        MonitorObservablesOutput { observables }
    }
}

fn example_observables() -> Value {
    json!([{"id": 100000512, "value": "185.220.101.45", "type": "ip", "itype": "c2_ip", "threat_type": "c2",
            "confidence": 88, "status": "active", "source": "Anomali Labs", "meta": {"severity": "high"},
            "update_id": 950112, "modified_ts": "2024-03-05T11:02:17.000Z"}])
}

pub(crate) struct MonitorObservables;

impl TypedStep for MonitorObservables {
    const ID: &'static str = "monitor_observables";
    const TITLE: &'static str = "Monitor Observables";
    const DESCRIPTION: &'static str =
        "Return the observables that are new or changed in Anomali ThreatStream since the last run";
    type Input = MonitorObservablesInput;
    type Output = MonitorObservablesOutput;
}

impl TypedTask for MonitorObservables {
    const SCHEDULE: &'static str = "*/5 * * * *";
    type State = FeedState;

    async fn run(
        connection: &Connection,
        input: MonitorObservablesInput,
        state: FeedState,
    ) -> Result<TaskRun<MonitorObservablesOutput, FeedState>, Failure> {
        collect(&feed(&input)?, &connection.client, state).await
    }

    async fn test(connection: &Connection, input: MonitorObservablesInput) -> Result<(), Failure> {
        test_poll(&feed(&input)?, &connection.client).await
    }
}
