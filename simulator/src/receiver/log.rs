//! What the dispatcher receiver remembers, in memory that stays bounded over
//! a long soak (10 minutes at 50 events a second is 30,000 events).
//!
//! Counters cover every post ever received. Whole events are kept only for
//! the most recent `keep` posts (1,000 unless told otherwise), oldest
//! dropped first. For exactly-once checks the log keeps the set of distinct
//! `update_id`s seen in accepted events (8 bytes each, so 30,000 ids cost
//! well under a megabyte) and counts repeats.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// How many whole events a receiver keeps unless told otherwise.
pub const DEFAULT_KEPT_EVENTS: usize = 1000;

/// One POST the receiver got.
#[derive(Clone, Debug)]
pub struct ReceivedEvent {
    /// The path it was posted to, as sent.
    pub path: String,
    /// Lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The JSON body; `Value::Null` when the body was not JSON.
    pub body: Value,
    pub received_at: SystemTime,
    /// Time since the receiver started, for ordering and rates.
    pub since_start: Duration,
    pub outcome: Outcome,
    /// Every `update_id` anywhere in the body (number or numeric string).
    pub update_ids: Vec<u64>,
}

impl ReceivedEvent {
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the receiver did with a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered 200, at once or after a [`crate::Silence::Delay`].
    Accepted,
    /// Answered with this status because failures were asked for.
    Failed(u16),
    /// Never answered: the receiver was silent ([`crate::Silence::Hang`]).
    Held,
    /// Answered 400: the body was not JSON.
    Invalid,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Failed(_) => "failed",
            Outcome::Held => "held",
            Outcome::Invalid => "invalid",
        }
    }
}

/// Counters over every post since the start (or the last clear).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    pub received: u64,
    pub accepted: u64,
    pub failed: u64,
    pub held: u64,
    pub invalid: u64,
    /// Distinct `update_id`s among accepted events.
    pub distinct_update_ids: u64,
    /// `update_id`s in accepted events that an earlier accepted event had
    /// already carried: deliveries that were not exactly once.
    pub duplicate_update_ids: u64,
    /// Whole events currently kept.
    pub kept: usize,
}

pub(crate) struct EventLog {
    started: Instant,
    keep: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    events: VecDeque<ReceivedEvent>,
    stats: ReceiverStats,
    seen: HashSet<u64>,
}

impl EventLog {
    pub(crate) fn new(keep: usize) -> EventLog {
        EventLog {
            started: Instant::now(),
            keep,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Poisoning is ignored: each update leaves the counters consistent.
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn record(&self, path: String, headers: Vec<(String, String)>, body: Value, outcome: Outcome) {
        let update_ids = update_ids(&body);
        let event = ReceivedEvent {
            path,
            headers,
            body,
            received_at: SystemTime::now(),
            since_start: self.started.elapsed(),
            outcome,
            update_ids,
        };
        let mut inner = self.inner();
        inner.count(&event);
        if self.keep > 0 {
            if inner.events.len() == self.keep {
                inner.events.pop_front();
            }
            inner.events.push_back(event);
        }
        inner.stats.kept = inner.events.len();
    }

    pub(crate) fn events(&self) -> Vec<ReceivedEvent> {
        self.inner().events.iter().cloned().collect()
    }

    pub(crate) fn stats(&self) -> ReceiverStats {
        self.inner().stats
    }

    pub(crate) fn update_ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self.inner().seen.iter().copied().collect();
        ids.sort_unstable();
        ids
    }

    pub(crate) fn clear(&self) {
        *self.inner() = Inner::default();
    }
}

impl Inner {
    fn count(&mut self, event: &ReceivedEvent) {
        let stats = &mut self.stats;
        stats.received += 1;
        match event.outcome {
            Outcome::Accepted => stats.accepted += 1,
            Outcome::Failed(_) => stats.failed += 1,
            Outcome::Held => stats.held += 1,
            Outcome::Invalid => stats.invalid += 1,
        }
        if event.outcome != Outcome::Accepted {
            return;
        }
        for id in &event.update_ids {
            if self.seen.insert(*id) {
                self.stats.distinct_update_ids += 1;
            } else {
                self.stats.duplicate_update_ids += 1;
            }
        }
    }
}

/// Every `update_id` in the body, depth first. The trigger's output shape
/// is the plugin's to choose, so the receiver does not assume one.
fn update_ids(body: &Value) -> Vec<u64> {
    let mut found = Vec::new();
    collect_update_ids(body, &mut found);
    found
}

fn collect_update_ids(value: &Value, found: &mut Vec<u64>) {
    match value {
        Value::Object(map) => {
            for (key, field) in map {
                let id = match field {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                };
                match (key == "update_id", id) {
                    (true, Some(id)) => found.push(id),
                    _ => collect_update_ids(field, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_update_ids(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(update_id: u64) -> Value {
        json!({"body": {"meta": {}, "output": {"observable": {"update_id": update_id}}, "log": ""},
               "type": "trigger_event", "version": "v1"})
    }

    #[test]
    fn update_ids_are_found_wherever_they_are() {
        let body = json!({"a": [{"update_id": 1}, {"b": {"update_id": "2"}}], "update_id": "x"});
        assert_eq!(update_ids(&body), vec![1, 2]);
    }

    #[test]
    fn only_accepted_events_count_towards_exactly_once() {
        let log = EventLog::new(10);
        for (id, outcome) in [
            (1, Outcome::Accepted),
            (1, Outcome::Failed(503)),
            (1, Outcome::Accepted),
            (2, Outcome::Held),
        ] {
            log.record("/".into(), Vec::new(), event(id), outcome);
        }
        let stats = log.stats();
        assert_eq!((stats.received, stats.accepted, stats.failed, stats.held), (4, 2, 1, 1));
        assert_eq!((stats.distinct_update_ids, stats.duplicate_update_ids), (1, 1));
        assert_eq!(log.update_ids(), vec![1]);
    }

    #[test]
    fn storage_is_bounded_but_counters_are_not() {
        let log = EventLog::new(3);
        for id in 0..100 {
            log.record("/".into(), Vec::new(), event(id), Outcome::Accepted);
        }
        let kept: Vec<u64> = log.events().iter().flat_map(|e| e.update_ids.clone()).collect();
        assert_eq!(kept, vec![97, 98, 99]);
        assert_eq!(log.stats().distinct_update_ids, 100);
        assert_eq!(log.stats().kept, 3);
        log.clear();
        assert_eq!(log.stats(), ReceiverStats::default());
    }
}
