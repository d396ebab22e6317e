//! Monitor Observables: a task that returns the observables ThreatStream added or changed since its
//! last run, each once, with the state to pass to the next run.
//!
//! The same cursor as the New Observables trigger (see `engine`), kept by the orchestrator instead of a
//! file: a run takes up to `max_per_poll` observables after the state's cursor and answers with them,
//! the new state and `has_more_pages` when more are waiting. A run that fails upstream answers the
//! task way (protocol reference §3.1): no observables, the state it was given, and the failure in
//! `status_code` (`failure::upstream_status`) and `exception`, so the next run tries the same again
//! and nothing is skipped. A state whose cursor is ahead of ThreatStream's newest change (see
//! `engine`) fails the run, saying how to reset it.

use schemars::JsonSchema;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tracing::info;

use super::engine::{cursor_ahead, test_poll, Feed, FeedState, PollError, Sink};
use super::input::{feed_input, FeedInput};
use crate::actions::connection::Connection;
use crate::actions::failure::upstream_status;
use crate::actions::lookups::ResultRecord;
use crate::actions::typed::TypedTask;
use crate::plural::count_of;
use crate::protocol::{Failure, Halt, Output, TaskOutcome};
use crate::threatstream::Client;

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
        let feed = input.feed()?;
        match collect(&feed, &connection.client, state.cursor).await {
            Ok(outcome) => Ok(outcome),
            Err(PollError::Api(error)) => Ok(TaskOutcome {
                output: empty_list()?,
                state: state.to_value(),
                has_more_pages: false,
                problem: Some((upstream_status(&error), Failure::from(error))),
            }),
            Err(PollError::Halt(Halt::Failed(failure))) => Err(failure),
            Err(PollError::Halt(Halt::Stopped)) => Err(Failure::defect(
                "The task was stopped, which nothing asks of a task.",
                "This is a defect in the plugin; please report it together with the step log.",
            )),
        }
    }

    async fn test(connection: &Connection, input: MonitorObservablesInput) -> Result<Output, Failure> {
        test_poll(&input.feed()?, &connection.client).await
    }
}

/// One poll from `cursor` (or from where a first run starts), collected.
async fn collect(feed: &Feed, client: &Client, cursor: Option<u64>) -> Result<TaskOutcome, PollError> {
    let mut cursor = match cursor {
        Some(cursor) => match cursor_ahead(client, cursor).await? {
            None => cursor,
            Some(newest) => return Err(PollError::Halt(Halt::Failed(ahead(cursor, newest)))),
        },
        None => feed.starting_cursor(client).await?,
    };
    let mut observables = Collected::default();
    let report = feed.poll(client, &mut cursor, &mut observables).await?;
    let more = if report.more { "; more waiting" } else { "" };
    info!(
        "Poll: {} returned, {} excluded by tag; cursor at update_id {cursor}{more}",
        count_of(report.delivered, "observable"),
        report.excluded
    );
    Ok(TaskOutcome {
        output: observables
            .into_output()
            .map_err(|failure| PollError::Halt(Halt::Failed(failure)))?,
        state: FeedState::at(cursor).to_value(),
        has_more_pages: report.more,
        problem: None,
    })
}

fn ahead(cursor: u64, newest: u64) -> Failure {
    Failure::caller(
        format!(
            "The task state's cursor (update_id {cursor}) is ahead of ThreatStream's newest change (update_id \
             {newest}): following it would skip every change until ThreatStream's update_ids pass it."
        ),
        format!(
            "The state was saved against another ThreatStream, ThreatStream was restored from a backup, or the \
             state was edited. To follow ThreatStream from its newest change on, run the task with the state \
             {{\"cursor\": {newest}}}, or with {{}} for a first run."
        ),
    )
}

#[derive(Default)]
struct Collected {
    observables: Vec<Value>,
}

impl Collected {
    fn into_output(self) -> Result<Output, Failure> {
        serde_json::value::to_raw_value(&self.observables).map_err(encoding)
    }
}

impl Sink for Collected {
    async fn take(&mut self, _update_id: u64, observable: Value) -> Result<(), Halt> {
        self.observables.push(observable);
        Ok(())
    }
}

fn empty_list() -> Result<Output, Failure> {
    RawValue::from_string("[]".to_owned()).map_err(encoding)
}

fn encoding(error: serde_json::Error) -> Failure {
    Failure::defect("The task's output could not be encoded.", "Please contact support.").with_data(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::ApiError;

    #[test]
    fn an_upstream_failure_keeps_its_status() {
        let error = ApiError::Status {
            status: 401,
            body: String::new(),
            retry_after: None,
        };
        assert_eq!(upstream_status(&error), 401);
        assert_eq!(upstream_status(&ApiError::Timeout), 504);
        assert_eq!(upstream_status(&ApiError::Rejected { body: String::new() }), 400);
    }
}
