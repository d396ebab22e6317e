//! New Observables: a trigger that delivers every observable ThreatStream adds or changes, once, as it
//! happens, for as long as it runs and across restarts (`follow`: the run every trigger of a feed
//! shares). Each event carries the observable and its verdict (see `verdict`), judged on that one
//! record with the connection's thresholds.
//!
//! The feed is intelligence by `update_id` (`observables`): each change of a record has a new, higher
//! `update_id`, so a consumer tells a repeat after a crash from a change by it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::engine::test_poll;
use super::follow::{default_interval, follow, interval};
use super::input::feed;
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::lookups::ResultRecord;
use crate::actions::verdict::{example_verdict, VerdictInputs};
use crate::actions::{TriggerRun, TypedStep, TypedTrigger};
use crate::protocol::Failure;
use crate::verdict::{verdict_of, Verdict};

use super::observables::FeedState;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct NewObservablesInput {
        ..FeedFilters,
        /// Seconds between polls, at least 10; 0 or empty is the default, 60
        #[serde(default = "default_interval")]
        #[schemars(title = "Interval", range(max = 86400), example = 60)]
        pub(crate) interval: u32,
        ..FeedPacing,
    }
}

// One event's output (a `//` comment: a doc comment would become the schema's description).
#[derive(Serialize, JsonSchema)]
pub(crate) struct NewObservable {
    /// The observable as ThreatStream holds it now, without empty fields; its update_id tells a change from a repeat
    #[schemars(title = "Observable", with = "ResultRecord", example = example_observable())]
    observable: Value,
    /// The verdict on this record alone, with the connection's thresholds: malicious, suspicious, benign or unknown, and why
    #[schemars(title = "Verdict", example = example_verdict(&json!([example_observable()])))]
    verdict: Verdict,
}

fn example_observable() -> Value {
    json!({"id": 100000512, "value": "185.220.101.45", "type": "ip", "itype": "c2_ip", "threat_type": "c2",
           "confidence": 88, "status": "active", "source": "Anomali Labs", "meta": {"severity": "high"},
           "tags": [{"id": 31, "name": "apt29"}], "update_id": 950112,
           "created_ts": "2024-03-05T11:02:17.000Z", "modified_ts": "2024-03-05T11:02:17.000Z"})
}

pub(crate) struct NewObservables;

impl TypedStep for NewObservables {
    const ID: &'static str = "new_observables";
    const TITLE: &'static str = "New Observables";
    const DESCRIPTION: &'static str = "Deliver each observable that is new or changed in Anomali ThreatStream";
    type Input = NewObservablesInput;
    type Output = NewObservable;
}

impl TypedTrigger for NewObservables {
    type State = FeedState;

    async fn run(
        connection: &Connection,
        input: NewObservablesInput,
        context: &mut TriggerRun<'_, Self>,
    ) -> Result<(), Failure> {
        let feed = feed(&input)?;
        let seconds = interval(input.interval)?;
        let verdict = VerdictInputs::default().options(connection)?;
        let event = |observable: Value| NewObservable {
            verdict: verdict_of(observable.as_object(), verdict),
            observable,
        };
        follow(feed, &connection.client, context, seconds, event).await
    }

    async fn test(connection: &Connection, input: NewObservablesInput) -> Result<(), Failure> {
        test_poll(&feed(&input)?, &connection.client).await
    }
}
