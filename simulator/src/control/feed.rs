//! A live intelligence feed while a test runs: new observables, and updates
//! of ones it added earlier, at a steady rate, each with a fresh `update_id`
//! and `modified_ts` = now. It is what a trigger polling with
//! `order_by=update_id&update_id__gt=N` must deliver exactly once.
//!
//! The feed runs on its own thread (so it needs no runtime and survives a
//! blocked test), is stopped when the simulator is dropped, and only one
//! runs at a time. Values come from 100.64.0.0/10 and `*.stream.example`,
//! apart from every seeded and synthetic value; `total` counts adds and
//! updates together.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::intelligence::observable_record::{Draft, SEVERITIES};
use crate::intelligence::observables::{classify, ObservableKind};
use crate::intelligence::synthetic::mix;
use crate::state::State;
use crate::timestamp;

/// What a feed should do; the JSON of `POST /__simulator/feed`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedPlan {
    /// Changes per second, at most 100,000.
    pub per_second: f64,
    /// How many changes (adds plus updates) before the feed stops.
    pub total: u64,
    /// The share of changes (0 to 1) that update an observable this feed
    /// added earlier instead of adding one.
    #[serde(default)]
    pub update_fraction: f64,
}

/// How far the current (or last) feed got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FeedProgress {
    pub running: bool,
    pub added: u64,
    pub updated: u64,
    pub total: u64,
    /// The last `update_id` before the feed's first change: every change it
    /// makes has a higher one.
    pub after_update_id: u64,
}

struct Counters {
    added: AtomicU64,
    updated: AtomicU64,
    finished: AtomicBool,
    stop: AtomicBool,
    total: u64,
    after_update_id: u64,
}

struct FeedRun {
    counters: Arc<Counters>,
    thread: Option<JoinHandle<()>>,
}

/// The simulator's one feed, and the serial that keeps values unique across feeds.
#[derive(Default)]
pub(crate) struct FeedSlot {
    run: Mutex<Option<FeedRun>>,
    serial: Arc<AtomicU64>,
}

impl FeedSlot {
    fn run(&self) -> MutexGuard<'_, Option<FeedRun>> {
        self.run.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn progress(&self) -> FeedProgress {
        self.run()
            .as_ref()
            .map(|run| progress_of(&run.counters))
            .unwrap_or_default()
    }

    /// Stops the feed, if one runs, and waits for its thread.
    pub(crate) fn stop(&self) {
        let thread = self.run().as_mut().and_then(|run| {
            run.counters.stop.store(true, Ordering::Relaxed);
            run.thread.take()
        });
        if let Some(thread) = thread {
            // A panicked feed thread has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

fn progress_of(counters: &Counters) -> FeedProgress {
    FeedProgress {
        running: !counters.finished.load(Ordering::Relaxed),
        added: counters.added.load(Ordering::Relaxed),
        updated: counters.updated.load(Ordering::Relaxed),
        total: counters.total,
        after_update_id: counters.after_update_id,
    }
}

/// Why a feed did not start.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    BadPlan(String),
    Busy(String),
}

impl Refusal {
    pub(crate) fn message(self) -> String {
        match self {
            Refusal::BadPlan(message) | Refusal::Busy(message) => message,
        }
    }
}

/// Starts `plan` on `state`.
pub(crate) fn start(state: &Arc<State>, plan: FeedPlan) -> Result<FeedProgress, Refusal> {
    check(plan).map_err(Refusal::BadPlan)?;
    let mut slot = state.feed.run();
    if slot
        .as_ref()
        .is_some_and(|run| !run.counters.finished.load(Ordering::Relaxed))
    {
        return Err(Refusal::Busy(
            "A feed is already running; DELETE /__simulator/feed stops it.".to_owned(),
        ));
    }
    let counters = Arc::new(Counters {
        added: AtomicU64::new(0),
        updated: AtomicU64::new(0),
        finished: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        total: plan.total,
        after_update_id: state.records().last_update_id(),
    });
    let feeder = Feeder {
        state: Arc::clone(state),
        plan,
        counters: Arc::clone(&counters),
        serial: Arc::clone(&state.feed.serial),
        added_ids: Vec::new(),
    };
    let thread = std::thread::Builder::new()
        .name("threatstream-simulator-feed".into())
        .spawn(move || feeder.run())
        .map_err(|error| Refusal::Busy(format!("Could not start the feed thread: {error}")))?;
    let progress = progress_of(&counters);
    *slot = Some(FeedRun {
        counters,
        thread: Some(thread),
    });
    Ok(progress)
}

fn check(plan: FeedPlan) -> Result<(), String> {
    if !(plan.per_second.is_finite() && plan.per_second > 0.0 && plan.per_second <= 100_000.0) {
        return Err("'per_second' must be above 0 and at most 100000.".to_owned());
    }
    if !(0.0..=1.0).contains(&plan.update_fraction) {
        return Err("'update_fraction' must be between 0 and 1.".to_owned());
    }
    Ok(())
}

struct Feeder {
    state: Arc<State>,
    plan: FeedPlan,
    counters: Arc<Counters>,
    serial: Arc<AtomicU64>,
    added_ids: Vec<u64>,
}

impl Feeder {
    /// Catches up with the schedule, then sleeps until the next change is due.
    fn run(mut self) {
        let started = Instant::now();
        let mut done = 0;
        while done < self.plan.total && !self.counters.stop.load(Ordering::Relaxed) {
            let due = (started.elapsed().as_secs_f64() * self.plan.per_second) as u64 + 1;
            while done < due.min(self.plan.total) {
                self.step(done);
                done += 1;
            }
            let next_at = Duration::from_secs_f64(done as f64 / self.plan.per_second);
            let wait = next_at.saturating_sub(started.elapsed());
            std::thread::sleep(wait.clamp(Duration::from_millis(1), Duration::from_millis(50)));
        }
        self.counters.finished.store(true, Ordering::Relaxed);
    }

    fn step(&mut self, n: u64) {
        let roll = (mix(n ^ 0xfeed) >> 11) as f64 / (1_u64 << 53) as f64;
        if !self.added_ids.is_empty() && roll < self.plan.update_fraction {
            let id = self.added_ids[(mix(n) % self.added_ids.len() as u64) as usize];
            self.update(id, n);
            self.counters.updated.fetch_add(1, Ordering::Relaxed);
        } else {
            let serial = self.serial.fetch_add(1, Ordering::Relaxed);
            let created = self.state.create_records(&[feed_draft(serial)]);
            self.added_ids
                .extend(created.iter().filter_map(|record| record["id"].as_u64()));
            self.counters.added.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Raises the confidence, and every fifth update retracts the observable.
    fn update(&self, id: u64, n: u64) {
        let now = timestamp::now_ms();
        self.state.records_mut().change(id, now, |record| {
            let confidence = record["confidence"].as_i64().unwrap_or(50);
            record["confidence"] = (confidence % 100 + 1).into();
            if n % 5 == 0 {
                record["status"] = "inactive".into();
            }
        });
    }
}

/// The `serial`th observable any feed adds.
fn feed_draft(serial: u64) -> Draft {
    let n = serial / 5;
    let value = match serial % 5 {
        0 => format!("100.{}.{}.{}", 64 + (n >> 16) % 64, (n >> 8) % 256, n % 256),
        1 => format!("feed-{serial}.stream.example"),
        2 => format!("https://feed-{serial}.stream.example/ioc"),
        3 => format!("actor{serial}@feed.stream.example"),
        _ => format!("{:016x}{:016x}", mix(serial ^ 0xfeed_f00d), mix(!serial)),
    };
    let kind = classify(&value).unwrap_or(ObservableKind::Domain);
    let mut draft = Draft::new(&value, kind, &format!("mal_{}", kind.itype_suffix()));
    draft.confidence = 50 + i64::try_from(serial % 50).unwrap_or_default();
    draft.severity = Some(SEVERITIES[(serial % 4) as usize].to_owned());
    "Anomali Labs Live Feed".clone_into(&mut draft.source);
    draft.feed_id = 4242;
    draft.is_public = true;
    draft
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_values_classify_and_do_not_repeat() {
        let values: std::collections::HashSet<String> = (0..1000).map(|s| feed_draft(s).value).collect();
        assert_eq!(values.len(), 1000);
        assert_eq!(feed_draft(0).value, "100.64.0.0");
        assert_eq!(feed_draft(4).kind, ObservableKind::Hash("MD5"));
        assert_eq!(feed_draft(3).itype, "mal_email");
    }

    #[test]
    fn plans_are_checked() {
        let plan = |per_second, update_fraction| FeedPlan {
            per_second,
            total: 1,
            update_fraction,
        };
        assert!(check(plan(50.0, 0.1)).is_ok());
        for bad in [
            plan(0.0, 0.0),
            plan(f64::NAN, 0.0),
            plan(1e6, 0.0),
            plan(1.0, 1.5),
            plan(1.0, -0.1),
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
