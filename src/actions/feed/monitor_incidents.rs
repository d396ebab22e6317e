//! Monitor Incidents: a task that returns the incidents ThreatStream created or changed since its last
//! run, each once with its observables, and the state to pass to the next run (`collect`: the run
//! every task of a feed shares), on the same cursor as the New Incidents trigger.

use schemars::JsonSchema;
use serde_json::json;

use super::collect::collect;
use super::engine::test_poll;
use super::incident_input::{incident_input, IncidentInput};
use super::incidents::{example_event, IncidentEvent, IncidentState};
use crate::actions::connection::Connection;
use crate::actions::typed::TypedTask;
use crate::protocol::{Failure, Output, TaskOutcome};

incident_input! {
    MonitorIncidentsInput {}
}

// The task's output, for the schema (a `//` comment: a doc comment would become its description).
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct MonitorIncidentsOutput {
    /// Incidents new or changed since the last run, oldest change first, each with its observables
    #[schemars(title = "Incidents", example = json!([example_event()]))]
    incidents: Vec<IncidentEvent>,
}

pub(crate) struct MonitorIncidents;

impl TypedTask for MonitorIncidents {
    const ID: &'static str = "monitor_incidents";
    const TITLE: &'static str = "Monitor Incidents";
    const DESCRIPTION: &'static str =
        "Return the incidents that are new or changed in Anomali ThreatStream since the last run, with their observables";
    const SCHEDULE: &'static str = "*/5 * * * *";
    type Input = MonitorIncidentsInput;
    type OutputSchema = MonitorIncidentsOutput;
    type State = IncidentState;

    async fn run(
        connection: &Connection,
        input: MonitorIncidentsInput,
        state: IncidentState,
    ) -> Result<TaskOutcome, Failure> {
        collect(&input.feed()?, &connection.client, &state).await
    }

    async fn test(connection: &Connection, input: MonitorIncidentsInput) -> Result<Output, Failure> {
        test_poll(&input.feed()?, &connection.client).await
    }
}
