//! Monitor Observables: a task that returns the observables ThreatStream added or changed since its
//! last run, each once, with the state to pass to the next run (`collect`: the run every task of a
//! feed shares), on the same cursor as the New Observables trigger.

use schemars::JsonSchema;
use serde_json::{json, Value};

use super::collect::collect;
use super::engine::test_poll;
use super::input::{feed_input, FeedInput};
use super::observables::FeedState;
use crate::actions::connection::Connection;
use crate::actions::lookups::ResultRecord;
use crate::actions::typed::TypedTask;
use crate::protocol::{Failure, Output, TaskOutcome};

feed_input! {
    MonitorObservablesInput {}
}

// The task's output, for the schema (a `//` comment: a doc comment would become its description).
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct MonitorObservablesOutput {
    /// Observables new or changed since the last run, in update_id order, without empty fields
    #[schemars(title = "Observables", example = example_observables())]
    observables: Vec<ResultRecord>,
}

fn example_observables() -> Value {
    json!([{"id": 100000512, "value": "185.220.101.45", "type": "ip", "itype": "c2_ip", "threat_type": "c2",
            "confidence": 88, "status": "active", "source": "Anomali Labs", "meta": {"severity": "high"},
            "update_id": 950112, "modified_ts": "2024-03-05T11:02:17.000Z"}])
}

pub(crate) struct MonitorObservables;

impl TypedTask for MonitorObservables {
    const ID: &'static str = "monitor_observables";
    const TITLE: &'static str = "Monitor Observables";
    const DESCRIPTION: &'static str =
        "Return the observables that are new or changed in Anomali ThreatStream since the last run";
    const SCHEDULE: &'static str = "*/5 * * * *";
    type Input = MonitorObservablesInput;
    type OutputSchema = MonitorObservablesOutput;
    type State = FeedState;

    async fn run(
        connection: &Connection,
        input: MonitorObservablesInput,
        state: FeedState,
    ) -> Result<TaskOutcome, Failure> {
        collect(&input.feed()?, &connection.client, &state).await
    }

    async fn test(connection: &Connection, input: MonitorObservablesInput) -> Result<Output, Failure> {
        test_poll(&input.feed()?, &connection.client).await
    }
}
