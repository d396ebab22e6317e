//! New Observables: a trigger that delivers every observable ThreatStream adds or changes, once, as it
//! happens, for as long as it runs and across restarts. Each event carries the observable and its
//! verdict (see `threatstream::verdict`), judged on that one record with the connection's thresholds.
//!
//! It polls every `interval` seconds from the cursor it saved (see `engine`), and at once again while
//! a poll stops at `max_per_poll` with more waiting, so a burst is worked off rather than left to
//! wait an interval per thousand. Each observable is one event, delivered before the cursor moves past
//! it; the cursor is saved every `SAVE_EVERY_EVENTS` events or `SAVE_EVERY`, whichever comes first, at
//! the end of each page and when the trigger stops, so restarts make progress however slow the
//! dispatcher. A poll that fails upstream is logged and tried again next interval: the trigger never
//! ends on its own, and never in silence. A saved cursor ahead of ThreatStream's newest change ends
//! the run at start, saying how to reset it (see `engine`).
//!
//! The guarantee, in the words of the tests: every observable that changes while the trigger runs is
//! delivered, in `update_id` order; exactly once while the process lives and the dispatcher answers;
//! and at least once across a crash, the repeats being at most the `SAVE_EVERY_EVENTS` delivered after
//! the last save, which carry `update_id`s the dispatcher already saw.

use std::future::Future;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};
use tracing::{error, info};

use super::engine::{cursor_ahead, test_poll, Feed, FeedState, PollError, Sink};
use super::input::{feed_input, FeedInput};
use crate::actions::connection::Connection;
use crate::actions::input::or_default;
use crate::actions::lookups::ResultRecord;
use crate::actions::typed::TypedTrigger;
use crate::actions::verdict::{example_verdict, VerdictInputs, VerdictOutput};
use crate::plural::count_of;
use crate::protocol::{output_of, Failure, Halt, Output, TriggerContext};
use crate::threatstream::verdict::{verdict_of, VerdictOptions};
use crate::threatstream::{ApiError, Client};

/// Replaces the interval between polls, in milliseconds, so the tests of a running trigger need not
/// wait ten seconds a poll. Test-only: production leaves it unset, and the input still must be at
/// least 10 seconds.
const POLL_VARIABLE: &str = "ANOMALI_THREATSTREAM_TEST_POLL_MS";

fn default_interval() -> u32 {
    60
}

/// The shortest interval between polls: a shorter one would poll ThreatStream for nothing.
const MIN_INTERVAL: u32 = 10;

feed_input! {
    NewObservablesInput {
        /// Seconds between polls, at least 10; 0 or empty is the default, 60
        #[serde(default = "default_interval")]
        #[schemars(title = "Interval", range(max = 86400), example = 60)]
        pub(crate) interval: u32,
    }
}

/// The interval asked for: 0, what a form sends for the field cleared, is the default.
fn interval(given: u32) -> Result<u32, Failure> {
    let seconds = or_default(given, default_interval());
    if seconds < MIN_INTERVAL {
        let problem = format!("it is {seconds} seconds; give at least {MIN_INTERVAL}");
        return Err(Failure::invalid_input("interval", problem));
    }
    Ok(seconds)
}

// One event's output (a `//` comment: a doc comment would become the schema's description).
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct NewObservable {
    /// The observable as ThreatStream holds it now, without empty fields; its update_id tells a change from a repeat
    #[schemars(title = "Observable", example = example_observable())]
    observable: ResultRecord,
    /// The verdict on this record alone, with the connection's thresholds: malicious, suspicious, benign or unknown, and why
    #[schemars(title = "Verdict", example = example_verdict(&json!([example_observable()])))]
    verdict: VerdictOutput,
}

fn example_observable() -> Value {
    json!({"id": 100000512, "value": "185.220.101.45", "type": "ip", "itype": "c2_ip", "threat_type": "c2",
           "confidence": 88, "status": "active", "source": "Anomali Labs", "meta": {"severity": "high"},
           "tags": [{"id": 31, "name": "apt29"}], "update_id": 950112,
           "created_ts": "2024-03-05T11:02:17.000Z", "modified_ts": "2024-03-05T11:02:17.000Z"})
}

pub(crate) struct NewObservables;

impl TypedTrigger for NewObservables {
    const ID: &'static str = "new_observables";
    const TITLE: &'static str = "New Observables";
    const DESCRIPTION: &'static str = "Deliver each observable that is new or changed in Anomali ThreatStream";
    type Input = NewObservablesInput;
    type Event = NewObservable;
    type State = FeedState;

    async fn run(
        connection: &Connection,
        input: NewObservablesInput,
        context: &mut TriggerContext,
    ) -> Result<Output, Failure> {
        let feed = input.feed()?;
        let seconds = interval(input.interval)?;
        let verdict = VerdictInputs::default().options(connection)?;
        let saved = match context.saved_state() {
            Some(saved) => FeedState::deserialize(saved).map_err(Failure::invalid_trigger_state)?,
            None => FeedState::default(),
        };
        let mut run = Run {
            feed,
            verdict,
            client: &connection.client,
            context,
            interval: poll_interval(seconds),
        };
        match run.follow(saved.cursor).await {
            Halt::Stopped => output_of(&Value::Null),
            Halt::Failed(failure) => Err(failure),
        }
    }

    async fn test(connection: &Connection, input: NewObservablesInput) -> Result<Output, Failure> {
        test_poll(&input.feed()?, &connection.client).await
    }
}

fn poll_interval(seconds: u32) -> Duration {
    std::env::var(POLL_VARIABLE)
        .ok()
        .and_then(|millis| millis.parse().ok())
        .map_or(Duration::from_secs(u64::from(seconds)), Duration::from_millis)
}

/// One run of the trigger.
struct Run<'a> {
    feed: Feed,
    verdict: VerdictOptions,
    client: &'a Client,
    context: &'a mut TriggerContext,
    interval: Duration,
}

impl Run<'_> {
    /// Polls until a stop is asked for or a failure ends the run; the cursor is saved either way.
    async fn follow(&mut self, saved: Option<u64>) -> Halt {
        let started = match saved {
            Some(cursor) => self.resume(cursor).await,
            None => self.start().await,
        };
        let mut cursor = match started {
            Ok(cursor) => cursor,
            Err(halt) => return halt,
        };
        info!(
            "Following changes after update_id {cursor}, polling every {:.1} s",
            self.interval.as_secs_f64()
        );
        let halt = loop {
            let more = match self.poll(&mut cursor).await {
                Ok(more) => more,
                Err(halt) => break halt,
            };
            if !more {
                if let Err(halt) = self.context.pause(self.interval).await {
                    break halt;
                }
            }
        };
        match self.context.save_last_state(&FeedState::at(cursor).to_value()) {
            Ok(()) => halt,
            Err(failure) => Halt::Failed(failure),
        }
    }

    /// The cursor of a first start, tried again each interval until ThreatStream answers.
    async fn start(&mut self) -> Result<u64, Halt> {
        loop {
            match self
                .context
                .unless_stopped(self.feed.starting_cursor(self.client))
                .await?
            {
                Ok(cursor) => {
                    self.context.save_state(&FeedState::at(cursor).to_value());
                    return Ok(cursor);
                }
                Err(problem) => self.unreachable("find where to start", problem),
            }
            self.context.pause(self.interval).await?;
        }
    }

    /// The saved cursor, once ThreatStream's newest change shows it is not ahead (see `engine`);
    /// tried again each interval until ThreatStream answers.
    async fn resume(&mut self, cursor: u64) -> Result<u64, Halt> {
        loop {
            match self.context.unless_stopped(cursor_ahead(self.client, cursor)).await? {
                Ok(None) => return Ok(cursor),
                Ok(Some(newest)) => return Err(Halt::Failed(self.ahead(cursor, newest))),
                Err(problem) => self.unreachable("check the saved cursor", problem),
            }
            self.context.pause(self.interval).await?;
        }
    }

    fn unreachable(&self, what: &str, problem: ApiError) {
        error!(
            "Could not {what}: {}; trying again in {:.1} s",
            Failure::from(problem).plugin_error_text(),
            self.interval.as_secs_f64()
        );
    }

    fn ahead(&self, cursor: u64, newest: u64) -> Failure {
        Failure::caller(
            format!(
                "The trigger's saved cursor (update_id {cursor}) is ahead of ThreatStream's newest change \
                 (update_id {newest}): following it would skip every change until ThreatStream's update_ids \
                 pass it."
            ),
            format!(
                "The state was saved against another ThreatStream, ThreatStream was restored from a backup, or \
                 the state was edited. To follow ThreatStream from its newest change on, write {{\"cursor\": \
                 {newest}}} into {}, or delete it for a first start, and start the trigger again.",
                self.context.state_place()
            ),
        )
    }

    /// One poll, logged with its counts; `true` when more observables are waiting already.
    async fn poll(&mut self, cursor: &mut u64) -> Result<bool, Halt> {
        let mut events = Events::new(&mut *self.context, self.verdict, *cursor);
        match self.feed.poll(self.client, cursor, &mut events).await {
            Ok(report) => {
                let more = if report.more { "; more waiting" } else { "" };
                info!(
                    "Poll: {} delivered, {} excluded by tag; cursor at update_id {}{more}",
                    count_of(report.delivered, "observable"),
                    report.excluded,
                    cursor
                );
                Ok(report.more)
            }
            Err(PollError::Api(problem)) => {
                error!(
                    "Poll failed at update_id {cursor}: {}; trying again in {:.1} s",
                    Failure::from(problem).plugin_error_text(),
                    self.interval.as_secs_f64()
                );
                Ok(false)
            }
            Err(PollError::Halt(halt)) => Err(halt),
        }
    }
}

/// The cursor is saved after this many events delivered since the last save, at the latest: what a
/// crash can make the trigger deliver again.
const SAVE_EVERY_EVENTS: usize = 50;

/// ... and after this long, whatever the count, so a slow dispatcher still makes progress that
/// survives a restart.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Each observable as one event to the dispatcher, with its verdict. The cursor is saved after
/// `SAVE_EVERY_EVENTS` events or `SAVE_EVERY`, whichever comes first, and at the end of each page.
struct Events<'a> {
    context: &'a mut TriggerContext,
    verdict: VerdictOptions,
    /// The cursor as last saved, and the events delivered and the time since.
    saved: u64,
    unsaved_events: usize,
    last_save: Instant,
}

impl<'a> Events<'a> {
    fn new(context: &'a mut TriggerContext, verdict: VerdictOptions, cursor: u64) -> Events<'a> {
        Events {
            context,
            verdict,
            saved: cursor,
            unsaved_events: 0,
            last_save: Instant::now(),
        }
    }

    /// Saves `cursor` if it moved; a failed save is logged by the context, and the next one tries again.
    fn save(&mut self, cursor: u64) {
        if cursor == self.saved {
            return;
        }
        self.context.save_state(&FeedState::at(cursor).to_value());
        self.saved = cursor;
        self.unsaved_events = 0;
        self.last_save = Instant::now();
    }
}

impl Sink for Events<'_> {
    async fn take(&mut self, _update_id: u64, observable: Value) -> Result<(), Halt> {
        let verdict = verdict_of(observable.as_object(), self.verdict);
        self.context
            .send(&json!({ "observable": observable, "verdict": verdict }))
            .await?;
        self.unsaved_events += 1;
        Ok(())
    }

    fn passed(&mut self, cursor: u64) {
        if self.unsaved_events >= SAVE_EVERY_EVENTS || self.last_save.elapsed() >= SAVE_EVERY {
            self.save(cursor);
        }
    }

    fn page_done(&mut self, cursor: u64) {
        self.save(cursor);
    }

    async fn read<F>(&mut self, read: F) -> Result<F::Output, Halt>
    where
        F: Future + Send,
        F::Output: Send,
    {
        self.context.unless_stopped(read).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_of_0_is_the_default_and_one_under_10_is_refused() {
        assert_eq!(interval(0), Ok(60));
        assert_eq!(interval(10), Ok(10));
        assert!(interval(9).unwrap_err().cause.starts_with("Invalid input 'interval'"));
    }

    #[test]
    fn the_interval_is_the_inputs_unless_a_test_shortens_it() {
        assert_eq!(poll_interval(60), Duration::from_secs(60));
    }
}
