//! The one engine the triggers and tasks share: where a feed starts, one poll from its cursor, and
//! the checks a saved cursor passes before it is followed, whatever the feed follows (`Source`:
//! observables by `update_id`, incidents by `modified_ts`).
//!
//! A poll reads pages of changes after the cursor (the source's `changes`), hands each kept record's
//! item to a `Sink` and moves the cursor past it only once the sink has taken it; records the
//! source's filters leave out are passed over, and the cursor moves past them too. The sink hears
//! where the cursor stands after each record and after each page, which is when the trigger decides
//! to save it. A poll takes at most `max_per_poll` records and says whether more are waiting.
//!
//! Delivery is at least once across crashes and exactly once otherwise: a record changed again later
//! comes again (it changed), and each item carries what tells a change from a repeat after a crash
//! (an observable's `update_id`, an incident's `modified_ts`).
//!
//! A saved cursor is checked against ThreatStream's newest change before it is followed
//! (`cursor_ahead`): one ahead of it (state saved against another ThreatStream, a ThreatStream
//! restored from a backup, a state edited by hand) would skip every change until ThreatStream's
//! changes passed it, in silence.

use std::fmt::Debug;
use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::plural::count_of;
use crate::protocol::{Failure, Halt};
use crate::threatstream::{now_ms, ApiError, Client, Record};

/// What a feed follows, and how: the cursor and its saved state, the reads, the filters, and the
/// item each record delivers.
pub(crate) trait Source: Send + Sync {
    /// Where the feed stands.
    type Cursor: Clone + Debug + PartialEq + Send + Sync;
    /// The cursor as the trigger saves it and the task hands it back.
    type State: Serialize + DeserializeOwned + Send;
    /// What the feed delivers, one of it, for counts: "observable", "incident".
    const NOUN: &'static str;
    /// Why a record read was not delivered, for the logs: "excluded by tag".
    const PASSED_OVER: &'static str;
    /// What each record delivers: the trigger's event or an item of the task's list is made of it.
    type Item: Send;
    /// What passes a cursor that is ahead: "update_ids".
    const MOVES_BY: &'static str;

    /// A first start's cursor: after ThreatStream's newest change, or before those since `since_ms`.
    fn start(
        &self,
        client: &Client,
        since_ms: Option<i64>,
    ) -> impl Future<Output = Result<Self::Cursor, ApiError>> + Send;
    /// ThreatStream's newest change when `cursor` is ahead of it (see the module doc); `None` when the
    /// cursor is sound.
    fn newest_if_ahead(
        &self,
        client: &Client,
        cursor: &Self::Cursor,
    ) -> impl Future<Output = Result<Option<Self::Cursor>, ApiError>> + Send;
    /// The records changed after `cursor` and before `until_ms`, at most `limit`, each with the
    /// cursor after it, in order.
    fn changes(
        &self,
        client: &Client,
        cursor: &Self::Cursor,
        until_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Changes<Self::Cursor>, ApiError>> + Send;
    /// The item a record delivers, or `None` when the filters leave it out; may read more of it (an
    /// incident's observables).
    fn item(
        &self,
        client: &Client,
        record: Record,
    ) -> impl Future<Output = Result<Option<Self::Item>, ApiError>> + Send;

    /// The cursor in words, for logs and errors: "update_id 42".
    fn describe(cursor: &Self::Cursor) -> String;
    /// The state that saves `cursor`, with the time of the save.
    fn state_at(cursor: &Self::Cursor) -> Self::State;
    /// The cursor a state saved; `None` for a first start; an error for one no run saved.
    fn cursor_of(state: &Self::State) -> Result<Option<Self::Cursor>, Failure>;
    /// The state that follows ThreatStream from `newest` on, as JSON text for an error's advice.
    fn reset(newest: &Self::Cursor) -> String;
}

/// One read of changes: each record with the cursor after it, in order.
#[derive(Debug)]
pub(crate) struct Changes<C> {
    pub(crate) records: Vec<(C, Record)>,
    /// The read was as long as asked for, so more may be waiting.
    pub(crate) full: bool,
}

/// A checked feed: what to follow and how much to take at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Feed<S> {
    pub(crate) source: S,
    pub(crate) backfill_hours: u32,
    pub(crate) stability_window_ms: i64,
    pub(crate) max_per_poll: usize,
}

/// Where the items of a poll go.
pub(crate) trait Sink<C, I>: Send {
    /// Takes one item; the poll moves on only once this returns.
    fn take(&mut self, item: I) -> impl Future<Output = Result<(), Halt>> + Send;
    /// The cursor moved past one more record, taken or passed over.
    fn passed(&mut self, _cursor: &C) {}
    /// Everything up to `cursor` has been taken or passed over, to the end of a page.
    fn page_done(&mut self, _cursor: &C) {}
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
    pub(crate) passed_over: usize,
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

impl<S: Source> Feed<S> {
    /// Where a feed that has never run starts: now, or `backfill_hours` before.
    pub(crate) async fn starting_cursor(&self, client: &Client) -> Result<S::Cursor, ApiError> {
        let since = (self.backfill_hours > 0).then(|| now_ms() - i64::from(self.backfill_hours) * 3_600_000);
        self.source.start(client, since).await
    }

    /// One poll from `cursor`, which moves as records are taken; on an error it stands after the
    /// last one taken.
    pub(crate) async fn poll(
        &self,
        client: &Client,
        cursor: &mut S::Cursor,
        sink: &mut impl Sink<S::Cursor, S::Item>,
    ) -> Result<PollReport, PollError> {
        let until = now_ms() - self.stability_window_ms;
        let mut report = PollReport::default();
        while report.fetched < self.max_per_poll {
            let budget = self.max_per_poll - report.fetched;
            let changes = sink.read(self.source.changes(client, cursor, until, budget)).await??;
            report.fetched += changes.records.len();
            for (after, record) in changes.records {
                match sink.read(self.source.item(client, record)).await?? {
                    Some(item) => {
                        sink.take(item).await?;
                        report.delivered += 1;
                    }
                    None => report.passed_over += 1,
                }
                *cursor = after;
                sink.passed(cursor);
            }
            sink.page_done(cursor);
            if !changes.full {
                return Ok(report);
            }
        }
        report.more = true;
        Ok(report)
    }
}

/// ThreatStream's newest change when a saved `cursor` is ahead of it (see the module doc); `None`
/// when the cursor is sound.
pub(crate) async fn cursor_ahead<S: Source>(
    source: &S,
    client: &Client,
    cursor: &S::Cursor,
) -> Result<Option<S::Cursor>, ApiError> {
    source.newest_if_ahead(client, cursor).await
}

/// One poll that takes nothing, for the triggers' and the tasks' `test`: it checks that the account
/// can read with these filters, and says how many records the first poll would find.
pub(crate) async fn test_poll<S: Source>(feed: &Feed<S>, client: &Client) -> Result<(), Failure> {
    let cursor = feed.starting_cursor(client).await?;
    let until = now_ms() - feed.stability_window_ms;
    let changes = feed.source.changes(client, &cursor, until, feed.max_per_poll).await?;
    let more = if changes.full { " or more" } else { "" };
    tracing::info!(
        "Test poll: {}{more} changed after {}",
        count_of(changes.records.len(), S::NOUN),
        S::describe(&cursor)
    );
    Ok(())
}
