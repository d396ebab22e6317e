//! Monitor Incidents: a task that returns the incidents ThreatStream created or changed since its last
//! run, each once with its observables, and the state to pass to the next run (`collect`: the run
//! every task of a feed shares), on the same cursor as the New Incidents trigger.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::collect::collect;
use super::engine::test_poll;
use super::incident_input::incident_feed;
use super::incidents::{example_event, IncidentEvent, IncidentState};
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::{TaskRun, TypedStep, TypedTask};
use crate::protocol::Failure;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct MonitorIncidentsInput {
        ..IncidentFilters,
        ..IncidentPacing,
    }
}

// The task's output (a `//` comment: a doc comment would become its description).
#[derive(Serialize, JsonSchema)]
pub(crate) struct MonitorIncidentsOutput {
    /// Incidents new or changed since the last run, oldest change first, each with its observables
    #[schemars(title = "Incidents", example = json!([example_event()]))]
    incidents: Vec<IncidentEvent>,
}

impl From<Vec<IncidentEvent>> for MonitorIncidentsOutput {
    fn from(incidents: Vec<IncidentEvent>) -> Self {
        MonitorIncidentsOutput { incidents }
    }
}

pub(crate) struct MonitorIncidents;

impl TypedStep for MonitorIncidents {
    const ID: &'static str = "monitor_incidents";
    const TITLE: &'static str = "Monitor Incidents";
    const DESCRIPTION: &'static str =
        "Return the incidents that are new or changed in Anomali ThreatStream since the last run, with their observables";
    type Input = MonitorIncidentsInput;
    type Output = MonitorIncidentsOutput;
}

impl TypedTask for MonitorIncidents {
    const SCHEDULE: &'static str = "*/5 * * * *";
    type State = IncidentState;

    async fn run(
        connection: &Connection,
        input: MonitorIncidentsInput,
        state: IncidentState,
    ) -> Result<TaskRun<MonitorIncidentsOutput, IncidentState>, Failure> {
        collect(&incident_feed(&input)?, &connection.client, state).await
    }

    async fn test(connection: &Connection, input: MonitorIncidentsInput) -> Result<(), Failure> {
        test_poll(&incident_feed(&input)?, &connection.client).await
    }
}
