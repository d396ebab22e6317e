//! A trigger's run, for every feed (`engine::Source`): it delivers each record the feed keeps, once,
//! as it happens, for as long as it runs and across restarts.
//!
//! It polls every `interval` from the cursor it saved, and at once again while a poll stops at
//! `max_per_poll` with more waiting, so a burst is worked off rather than left to wait an interval per
//! page. Each record is one event, delivered before the cursor moves past it; the cursor is saved
//! every `SAVE_EVERY_EVENTS` events or `SAVE_EVERY`, whichever comes first, at the end of each page
//! and when the trigger stops, so restarts make progress however slow the dispatcher. A poll that
//! fails upstream is logged and tried again next interval: the trigger never ends on its own, and
//! never in silence. A saved cursor ahead of ThreatStream's newest change ends the run at start,
//! saying how to reset it (see `engine`).
//!
//! The guarantee, in the words of the tests: every record that changes while the trigger runs is
//! delivered, in the feed's order; exactly once while the process lives and the dispatcher answers;
//! and at least once across a crash, the repeats being at most the `SAVE_EVERY_EVENTS` delivered after
//! the last save, which the dispatcher already saw.

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::{error, info};

use super::engine::{cursor_ahead, Feed, PollError, Sink, Source};
use crate::actions::input::or_default;
use crate::actions::{TriggerRun, TypedTrigger};
use crate::plural::count_of;
use crate::protocol::{Failure, Halt};
use crate::threatstream::{ApiError, Client};

/// Replaces the interval between polls, in milliseconds, so the tests of a running trigger need not
/// wait ten seconds a poll. Test-only: production leaves it unset, and the input still must be at
/// least 10 seconds.
const POLL_VARIABLE: &str = "ANOMALI_THREATSTREAM_TEST_POLL_MS";

pub(crate) fn default_interval() -> u32 {
    60
}

/// The shortest interval between polls: a shorter one would poll ThreatStream for nothing.
const MIN_INTERVAL: u32 = 10;

/// The interval asked for: 0, what a form sends for the field cleared, is the default.
pub(crate) fn interval(given: u32) -> Result<u32, Failure> {
    let seconds = or_default(given, default_interval());
    if seconds < MIN_INTERVAL {
        let problem = format!("it is {seconds} seconds; give at least {MIN_INTERVAL}");
        return Err(Failure::invalid_input("interval", problem));
    }
    Ok(seconds)
}

fn poll_interval(seconds: u32) -> Duration {
    std::env::var(POLL_VARIABLE)
        .ok()
        .and_then(|millis| millis.parse().ok())
        .map_or(Duration::from_secs(u64::from(seconds)), Duration::from_millis)
}

/// Runs a trigger on `feed` until it is asked to stop or fails: each item becomes the event
/// `event(item)`. `seconds` is the checked interval between polls.
pub(crate) async fn follow<S: Source, T: TypedTrigger<State = S::State>>(
    feed: Feed<S>,
    client: &Client,
    context: &mut TriggerRun<'_, T>,
    seconds: u32,
    event: impl Fn(S::Item) -> T::Output + Send + Sync,
) -> Result<(), Failure> {
    let saved = match context.saved_state()? {
        Some(state) => S::cursor_of(&state)?,
        None => None,
    };
    let mut run = Run {
        feed,
        client,
        context,
        interval: poll_interval(seconds),
        event: &event,
    };
    match run.follow(saved).await {
        Halt::Stopped => Ok(()),
        Halt::Failed(failure) => Err(failure),
    }
}

/// One run of a trigger.
struct Run<'a, 'c, S: Source, T: TypedTrigger, E> {
    feed: Feed<S>,
    client: &'a Client,
    context: &'a mut TriggerRun<'c, T>,
    interval: Duration,
    event: &'a E,
}

impl<S: Source, T: TypedTrigger<State = S::State>, E: Fn(S::Item) -> T::Output + Send + Sync> Run<'_, '_, S, T, E> {
    /// Polls until a stop is asked for or a failure ends the run; the cursor is saved either way.
    async fn follow(&mut self, saved: Option<S::Cursor>) -> Halt {
        let started = match saved {
            Some(cursor) => self.resume(cursor).await,
            None => self.start().await,
        };
        let mut cursor = match started {
            Ok(cursor) => cursor,
            Err(halt) => return halt,
        };
        info!(
            "Following changes after {}, polling every {:.1} s",
            S::describe(&cursor),
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
        match self.context.save_last_state(&S::state_at(&cursor)) {
            Ok(()) => halt,
            Err(failure) => Halt::Failed(failure),
        }
    }

    /// The cursor of a first start, tried again each interval until ThreatStream answers.
    async fn start(&mut self) -> Result<S::Cursor, Halt> {
        loop {
            match self
                .context
                .unless_stopped(self.feed.starting_cursor(self.client))
                .await?
            {
                Ok(cursor) => {
                    self.context.save_state(&S::state_at(&cursor));
                    return Ok(cursor);
                }
                Err(problem) => self.unreachable("find where to start", problem),
            }
            self.context.pause(self.interval).await?;
        }
    }

    /// The saved cursor, once ThreatStream's newest change shows it is not ahead (see `engine`);
    /// tried again each interval until ThreatStream answers.
    async fn resume(&mut self, cursor: S::Cursor) -> Result<S::Cursor, Halt> {
        loop {
            let check = cursor_ahead(&self.feed.source, self.client, &cursor);
            match self.context.unless_stopped(check).await? {
                Ok(None) => return Ok(cursor),
                Ok(Some(newest)) => return Err(Halt::Failed(self.ahead(&cursor, &newest))),
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

    fn ahead(&self, cursor: &S::Cursor, newest: &S::Cursor) -> Failure {
        Failure::caller(
            format!(
                "The trigger's saved cursor ({}) is ahead of ThreatStream's newest change ({}): following it would \
                 skip every change until ThreatStream's {} pass it.",
                S::describe(cursor),
                S::describe(newest),
                S::MOVES_BY
            ),
            format!(
                "The state was saved against another ThreatStream, ThreatStream was restored from a backup, or \
                 the state was edited. To follow ThreatStream from its newest change on, write {} into {}, or \
                 delete it for a first start, and start the trigger again.",
                S::reset(newest),
                self.context.state_place()
            ),
        )
    }

    /// One poll, logged with its counts; `true` when more records are waiting already.
    async fn poll(&mut self, cursor: &mut S::Cursor) -> Result<bool, Halt> {
        let mut events = Events::<S, T, E>::new(&mut *self.context, self.event, cursor.clone());
        match self.feed.poll(self.client, cursor, &mut events).await {
            Ok(report) => {
                let more = if report.more { "; more waiting" } else { "" };
                info!(
                    "Poll: {} delivered, {} {}; cursor at {}{more}",
                    count_of(report.delivered, S::NOUN),
                    report.passed_over,
                    S::PASSED_OVER,
                    S::describe(cursor)
                );
                Ok(report.more)
            }
            Err(PollError::Api(problem)) => {
                error!(
                    "Poll failed at {}: {}; trying again in {:.1} s",
                    S::describe(cursor),
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

/// Each item as one event to the dispatcher. The cursor is saved after `SAVE_EVERY_EVENTS` events or
/// `SAVE_EVERY`, whichever comes first, and at the end of each page.
struct Events<'a, 'c, S: Source, T: TypedTrigger, E> {
    context: &'a mut TriggerRun<'c, T>,
    event: &'a E,
    /// The cursor as last saved, and the events delivered and the time since.
    saved: S::Cursor,
    unsaved_events: usize,
    last_save: Instant,
}

impl<'a, 'c, S: Source, T: TypedTrigger<State = S::State>, E> Events<'a, 'c, S, T, E> {
    fn new(context: &'a mut TriggerRun<'c, T>, event: &'a E, cursor: S::Cursor) -> Self {
        Events {
            context,
            event,
            saved: cursor,
            unsaved_events: 0,
            last_save: Instant::now(),
        }
    }

    /// Saves `cursor` if it moved; a failed save is logged by the context, and the next one tries again.
    fn save(&mut self, cursor: &S::Cursor) {
        if *cursor == self.saved {
            return;
        }
        self.context.save_state(&S::state_at(cursor));
        self.saved = cursor.clone();
        self.unsaved_events = 0;
        self.last_save = Instant::now();
    }
}

impl<S: Source, T: TypedTrigger<State = S::State>, E: Fn(S::Item) -> T::Output + Send + Sync> Sink<S::Cursor, S::Item>
    for Events<'_, '_, S, T, E>
{
    async fn take(&mut self, item: S::Item) -> Result<(), Halt> {
        self.context.send(&(self.event)(item)).await?;
        self.unsaved_events += 1;
        Ok(())
    }

    fn passed(&mut self, cursor: &S::Cursor) {
        if self.unsaved_events >= SAVE_EVERY_EVENTS || self.last_save.elapsed() >= SAVE_EVERY {
            self.save(cursor);
        }
    }

    fn page_done(&mut self, cursor: &S::Cursor) {
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
