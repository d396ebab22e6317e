//! The one cursor the trigger and the task share: where a feed starts, and one poll from its cursor.
//!
//! A poll reads pages of changes after the cursor (see `threatstream::changes`), hands each kept
//! observable to a `Sink` and moves the cursor past it only once the sink has taken it; observables
//! carrying an excluded tag are passed over, and the cursor moves past them too. The sink hears where
//! the cursor stands after each observable and after each page, which is when the trigger decides to
//! save it. A poll takes at most `max_per_poll` observables and says whether more are waiting.
//!
//! Delivery is at least once across crashes and exactly once otherwise: a record changed again later
//! has a new `update_id` and comes again (it changed), and each event carries its `update_id`, so a
//! consumer can tell a repeat after a crash from a change.
//!
//! A saved cursor is checked against ThreatStream's newest change before it is followed
//! (`cursor_ahead`): one ahead of it (state saved against another ThreatStream, a ThreatStream
//! restored from a backup, a state edited by hand) would skip every change until ThreatStream's
//! `update_id`s passed it, in silence.

use std::future::Future;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plural::count_of;
use crate::protocol::{clean, Failure, Halt, Output};
use crate::threatstream::{self, format_ms, now_ms, ApiError, Client, FeedFilter, Record};

/// A checked feed: what to follow and how much to take at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Feed {
    pub(crate) filter: FeedFilter,
    /// Lower-case tag names whose observables are passed over.
    pub(crate) exclude_tags: Vec<String>,
    pub(crate) backfill_hours: u32,
    pub(crate) stability_window_ms: i64,
    pub(crate) max_per_poll: usize,
}

/// What the trigger saves and the task hands back: the same for both, so either can take over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "feed_state")]
pub(crate) struct FeedState {
    /// The update_id of the last observable delivered or passed over; what changes after it comes next. Empty before the first poll
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Cursor", extend("default" = null))]
    pub(crate) cursor: Option<u64>,
    /// When the cursor was last saved (UTC)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Last Poll", extend("default" = null))]
    pub(crate) last_poll: Option<String>,
}

impl FeedState {
    pub(crate) fn at(cursor: u64) -> FeedState {
        FeedState {
            cursor: Some(cursor),
            last_poll: Some(format_ms(now_ms())),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Where the observables of a poll go.
pub(crate) trait Sink: Send {
    /// Takes one observable, cleaned; the poll moves on only once this returns.
    fn take(&mut self, update_id: u64, observable: Value) -> impl Future<Output = Result<(), Halt>> + Send;
    /// The cursor moved past one more record, taken or passed over.
    fn passed(&mut self, _cursor: u64) {}
    /// Everything up to `cursor` has been taken or passed over, to the end of a page.
    fn page_done(&mut self, _cursor: u64) {}
    /// Makes one of the poll's reads; a trigger drops it unanswered when asked to stop.
    fn read<F>(&mut self, read: F) -> impl Future<Output = Result<F::Output, Halt>> + Send
    where
        F: Future + Send,
        F::Output: Send,
    {
        async { Ok(read.await) }
    }
}

/// How a poll went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PollReport {
    pub(crate) fetched: usize,
    pub(crate) delivered: usize,
    pub(crate) excluded: usize,
    /// The poll stopped at `max_per_poll` with more changes waiting.
    pub(crate) more: bool,
}

/// Why a poll ended early.
#[derive(Debug)]
pub(crate) enum PollError {
    Api(ApiError),
    Halt(Halt),
}

impl From<ApiError> for PollError {
    fn from(error: ApiError) -> PollError {
        PollError::Api(error)
    }
}

impl From<Halt> for PollError {
    fn from(halt: Halt) -> PollError {
        PollError::Halt(halt)
    }
}

impl Feed {
    /// Where a feed that has never run starts: now, or `backfill_hours` before.
    pub(crate) async fn starting_cursor(&self, client: &Client) -> Result<u64, ApiError> {
        let since = (self.backfill_hours > 0).then(|| now_ms() - i64::from(self.backfill_hours) * 3_600_000);
        threatstream::starting_cursor(client, since).await
    }

    /// One poll from `cursor`, which moves as observables are taken; on an error it stands after the
    /// last one taken.
    pub(crate) async fn poll(
        &self,
        client: &Client,
        cursor: &mut u64,
        sink: &mut impl Sink,
    ) -> Result<PollReport, PollError> {
        let until = now_ms() - self.stability_window_ms;
        let mut report = PollReport::default();
        while report.fetched < self.max_per_poll {
            let budget = self.max_per_poll - report.fetched;
            let changes = sink
                .read(threatstream::changes(client, &self.filter, *cursor, until, budget))
                .await??;
            report.fetched += changes.records.len();
            for (update_id, record) in changes.records {
                if self.excludes(&record) {
                    report.excluded += 1;
                } else {
                    let mut observable = Value::Object(record);
                    clean(&mut observable);
                    sink.take(update_id, observable).await?;
                    report.delivered += 1;
                }
                *cursor = update_id;
                sink.passed(update_id);
            }
            sink.page_done(*cursor);
            if !changes.full {
                return Ok(report);
            }
        }
        report.more = true;
        Ok(report)
    }

    fn excludes(&self, record: &Record) -> bool {
        if self.exclude_tags.is_empty() {
            return false;
        }
        threatstream::tag_names(record).any(|name| self.exclude_tags.contains(&name.to_lowercase()))
    }
}

/// ThreatStream's newest `update_id` when a saved `cursor` is ahead of it (see the module doc);
/// `None` when the cursor is sound.
pub(crate) async fn cursor_ahead(client: &Client, cursor: u64) -> Result<Option<u64>, ApiError> {
    let newest = threatstream::newest_update_id(client).await?;
    Ok((cursor > newest).then_some(newest))
}

/// One poll that takes nothing, for the trigger's and the task's `test`: it checks that the account
/// can search with these filters, and says how many observables the first poll would find.
pub(crate) async fn test_poll(feed: &Feed, client: &Client) -> Result<Output, Failure> {
    let cursor = feed.starting_cursor(client).await?;
    let until = now_ms() - feed.stability_window_ms;
    let changes = threatstream::changes(client, &feed.filter, cursor, until, feed.max_per_poll).await?;
    let more = if changes.full { " or more" } else { "" };
    tracing::info!(
        "Test poll: {}{more} after update_id {cursor} match the filters",
        count_of(changes.records.len(), "observable")
    );
    crate::actions::connection::test_passed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn excluded_tags_match_whole_names_in_any_case() {
        let feed = Feed {
            filter: FeedFilter::default(),
            exclude_tags: vec!["insightconnect".into()],
            backfill_hours: 0,
            stability_window_ms: 0,
            max_per_poll: 10,
        };
        let record = |tags: Value| match json!({"tags": tags}) {
            Value::Object(record) => record,
            _ => unreachable!(),
        };
        assert!(feed.excludes(&record(json!([{"name": "InsightConnect"}]))));
        assert!(feed.excludes(&record(json!([{"name": " insightconnect "}]))));
        assert!(feed.excludes(&record(json!(["other", " InsightConnect"]))));
        assert!(!feed.excludes(&record(json!([{"name": "insightconnect-2"}]))));
        assert!(!feed.excludes(&record(json!(null))));
    }

    #[test]
    fn the_state_schema_refuses_what_no_run_returned() {
        let state: FeedState = serde_json::from_value(json!({"cursor": 7, "last_poll": "x"})).unwrap();
        assert_eq!(state.cursor, Some(7));
        assert!(serde_json::from_value::<FeedState>(json!({"cursor": -1})).is_err());
        assert!(serde_json::from_value::<FeedState>(json!({"position": 1})).is_err());
        assert_eq!(FeedState::at(9).cursor, Some(9));
    }
}
