//! New Incidents: a trigger that delivers every incident ThreatStream's analysts (or playbooks)
//! create or change, with the observables linked to it, once, as it happens, for as long as it runs
//! and across restarts: Splunk SOAR's on-poll, as a trigger. A changed incident comes again.
//!
//! The run is every feed's (`follow`: the interval, the save cadence, the stops, the state file); the
//! feed is incidents by `modified_ts` (`incidents`), whose saved state names the last change taken
//! and the incidents taken at that very time.

use schemars::JsonSchema;
use serde::Deserialize;

use super::engine::test_poll;
use super::follow::{default_interval, follow, interval};
use super::incident_input::incident_feed;
use super::incidents::{IncidentEvent, IncidentState};
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::{TriggerRun, TypedStep, TypedTrigger};
use crate::protocol::Failure;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct NewIncidentsInput {
        ..IncidentFilters,
        /// Seconds between polls, at least 10; 0 or empty is the default, 60
        #[serde(default = "default_interval")]
        #[schemars(title = "Interval", range(max = 86400), example = 60)]
        pub(crate) interval: u32,
        ..IncidentPacing,
    }
}

pub(crate) struct NewIncidents;

impl TypedStep for NewIncidents {
    const ID: &'static str = "new_incidents";
    const TITLE: &'static str = "New Incidents";
    const DESCRIPTION: &'static str = "Deliver each incident that is new or changed in Anomali ThreatStream, with \
                                       its observables";
    type Input = NewIncidentsInput;
    type Output = IncidentEvent;
}

impl TypedTrigger for NewIncidents {
    type State = IncidentState;

    async fn run(
        connection: &Connection,
        input: NewIncidentsInput,
        context: &mut TriggerRun<'_, Self>,
    ) -> Result<(), Failure> {
        let feed = incident_feed(&input)?;
        let seconds = interval(input.interval)?;
        follow(feed, &connection.client, context, seconds, |incident| incident).await
    }

    async fn test(connection: &Connection, input: NewIncidentsInput) -> Result<(), Failure> {
        test_poll(&incident_feed(&input)?, &connection.client).await
    }
}
