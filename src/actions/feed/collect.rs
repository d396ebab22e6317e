//! A task's run, for every feed (`engine::Source`): the records changed since its last run, each once,
//! with the state to pass to the next run.
//!
//! The same cursor as the trigger of the same feed, kept by the orchestrator instead of a file: a run
//! takes up to `max_per_poll` records after the state's cursor and answers with their items, the new
//! state and `has_more_pages` when more are waiting. A run that fails upstream answers the task way
//! (protocol reference §3.1): no items, the state it was given, and the failure in `status_code`
//! (`failure::upstream_status`) and `exception`, so the next run tries the same again and nothing is
//! skipped. A state whose cursor is ahead of ThreatStream's newest change (see `engine`) fails the
//! run, saying how to reset it.

use serde_json::value::RawValue;
use serde_json::Value;
use tracing::info;

use super::engine::{cursor_ahead, Feed, PollError, Sink, Source};
use crate::actions::failure::upstream_status;
use crate::plural::count_of;
use crate::protocol::{Failure, Halt, Output, TaskOutcome};
use crate::threatstream::Client;

/// One run of a task on `feed` from `state`.
pub(crate) async fn collect<S: Source>(
    feed: &Feed<S>,
    client: &Client,
    state: &S::State,
) -> Result<TaskOutcome, Failure> {
    let given = serde_json::to_value(state).unwrap_or_default();
    match poll(feed, client, S::cursor_of(state)?).await {
        Ok(outcome) => Ok(outcome),
        Err(PollError::Api(error)) => Ok(TaskOutcome {
            output: empty_list()?,
            state: given,
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

/// One poll from `cursor` (or from where a first run starts), collected.
async fn poll<S: Source>(feed: &Feed<S>, client: &Client, cursor: Option<S::Cursor>) -> Result<TaskOutcome, PollError> {
    let mut cursor = match cursor {
        Some(cursor) => match cursor_ahead(&feed.source, client, &cursor).await? {
            None => cursor,
            Some(newest) => return Err(PollError::Halt(Halt::Failed(ahead::<S>(&cursor, &newest)))),
        },
        None => feed.starting_cursor(client).await?,
    };
    let mut items = Collected::default();
    let report = feed.poll(client, &mut cursor, &mut items).await?;
    let more = if report.more { "; more waiting" } else { "" };
    info!(
        "Poll: {} returned, {} {}; cursor at {}{more}",
        count_of(report.delivered, S::NOUN),
        report.passed_over,
        S::PASSED_OVER,
        S::describe(&cursor)
    );
    Ok(TaskOutcome {
        output: items
            .into_output()
            .map_err(|failure| PollError::Halt(Halt::Failed(failure)))?,
        state: S::state_value(&cursor),
        has_more_pages: report.more,
        problem: None,
    })
}

fn ahead<S: Source>(cursor: &S::Cursor, newest: &S::Cursor) -> Failure {
    Failure::caller(
        format!(
            "The task state's cursor ({}) is ahead of ThreatStream's newest change ({}): following it would skip \
             every change until ThreatStream's {} pass it.",
            S::describe(cursor),
            S::describe(newest),
            S::MOVES_BY
        ),
        format!(
            "The state was saved against another ThreatStream, ThreatStream was restored from a backup, or the \
             state was edited. To follow ThreatStream from its newest change on, run the task with the state {}, \
             or with {{}} for a first run.",
            S::reset(newest)
        ),
    )
}

#[derive(Default)]
struct Collected {
    items: Vec<Value>,
}

impl Collected {
    fn into_output(self) -> Result<Output, Failure> {
        serde_json::value::to_raw_value(&self.items).map_err(encoding)
    }
}

impl<C> Sink<C> for Collected {
    async fn take(&mut self, item: Value) -> Result<(), Halt> {
        self.items.push(item);
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
