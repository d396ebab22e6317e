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

use tracing::info;

use super::engine::{cursor_ahead, Feed, PollError, Sink, Source};
use crate::actions::failure::upstream_status;
use crate::actions::TaskRun;
use crate::plural::count_of;
use crate::protocol::{Failure, Halt};
use crate::threatstream::Client;

/// One run of a task on `feed` from `state`; its items make the task's output `O`.
pub(crate) async fn collect<S: Source, O: From<Vec<S::Item>>>(
    feed: &Feed<S>,
    client: &Client,
    state: S::State,
) -> Result<TaskRun<O, S::State>, Failure> {
    match poll(feed, client, S::cursor_of(&state)?).await {
        Ok(run) => Ok(run),
        Err(PollError::Api(error)) => Ok(TaskRun {
            output: O::from(Vec::new()),
            state,
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
async fn poll<S: Source, O: From<Vec<S::Item>>>(
    feed: &Feed<S>,
    client: &Client,
    cursor: Option<S::Cursor>,
) -> Result<TaskRun<O, S::State>, PollError> {
    let mut cursor = match cursor {
        Some(cursor) => match cursor_ahead(&feed.source, client, &cursor).await? {
            None => cursor,
            Some(newest) => return Err(PollError::Halt(Halt::Failed(ahead::<S>(&cursor, &newest)))),
        },
        None => feed.starting_cursor(client).await?,
    };
    let mut items = Collected { items: Vec::new() };
    let report = feed.poll(client, &mut cursor, &mut items).await?;
    let more = if report.more { "; more waiting" } else { "" };
    info!(
        "Poll: {} returned, {} {}; cursor at {}{more}",
        count_of(report.delivered, S::NOUN),
        report.passed_over,
        S::PASSED_OVER,
        S::describe(&cursor)
    );
    Ok(TaskRun {
        output: O::from(items.items),
        state: S::state_at(&cursor),
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

struct Collected<I> {
    items: Vec<I>,
}

impl<C, I: Send> Sink<C, I> for Collected<I> {
    async fn take(&mut self, item: I) -> Result<(), Halt> {
        self.items.push(item);
        Ok(())
    }
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
