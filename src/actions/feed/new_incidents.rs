//! New Incidents: a trigger that delivers every incident ThreatStream's analysts (or playbooks)
//! create or change, with the observables linked to it, once, as it happens, for as long as it runs
//! and across restarts: Splunk SOAR's on-poll, as a trigger. A changed incident comes again.
//!
//! The run is every feed's (`follow`: the interval, the save cadence, the stops, the state file); the
//! feed is incidents by `modified_ts` (`incidents`), whose saved state names the last change taken
//! and the incidents taken at that very time.

use super::engine::test_poll;
use super::follow::{default_interval, follow, interval};
use super::incident_input::{incident_input, IncidentInput};
use super::incidents::{IncidentEvent, IncidentState};
use crate::actions::connection::Connection;
use crate::actions::typed::TypedTrigger;
use crate::protocol::{Failure, Output, TriggerContext};

incident_input! {
    NewIncidentsInput {
        /// Seconds between polls, at least 10; 0 or empty is the default, 60
        #[serde(default = "default_interval")]
        #[schemars(title = "Interval", range(max = 86400), example = 60)]
        pub(crate) interval: u32,
    }
}

pub(crate) struct NewIncidents;

impl TypedTrigger for NewIncidents {
    const ID: &'static str = "new_incidents";
    const TITLE: &'static str = "New Incidents";
    const DESCRIPTION: &'static str = "Deliver each incident that is new or changed in Anomali ThreatStream, with \
                                       its observables";
    type Input = NewIncidentsInput;
    type Event = IncidentEvent;
    type State = IncidentState;

    async fn run(
        connection: &Connection,
        input: NewIncidentsInput,
        context: &mut TriggerContext,
    ) -> Result<Output, Failure> {
        let feed = input.feed()?;
        let seconds = interval(input.interval)?;
        follow(feed, &connection.client, context, seconds, |incident| incident).await
    }

    async fn test(connection: &Connection, input: NewIncidentsInput) -> Result<Output, Failure> {
        test_poll(&input.feed()?, &connection.client).await
    }
}
