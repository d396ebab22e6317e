//! Administering the organization, as the plugin's rules, allowlist,
//! users and snapshot steps do: keyword rules (`rules.rs`), the
//! organization's allowlist (`allowlist.rs`), its users (`users.rs`) and
//! bulk exports (`snapshots.rs`).
//!
//! These are ThreatStream's v1 Tastypie resources: lists paged by offset
//! with `meta.next`, objects stamped with naive ISO times in microseconds
//! (`2023-03-30T13:25:42.306343`, as XSOAR's test data shows them), ids of
//! nested users and organizations as strings. Each book keeps its own lock,
//! so a rule never waits for a snapshot being built.

pub(crate) mod allowlist;
pub(crate) mod rules;
pub(crate) mod snapshots;
pub(crate) mod users;

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::timestamp;

/// What the simulator remembers of the organization's administration.
#[derive(Default)]
pub(crate) struct Admin {
    rules: Mutex<rules::RuleBook>,
    allowlist: Mutex<allowlist::Allowlist>,
    snapshots: Mutex<snapshots::SnapshotBook>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Admin {
    pub(crate) fn rules(&self) -> MutexGuard<'_, rules::RuleBook> {
        lock(&self.rules)
    }

    pub(crate) fn allowlist(&self) -> MutexGuard<'_, allowlist::Allowlist> {
        lock(&self.allowlist)
    }

    pub(crate) fn snapshots(&self) -> MutexGuard<'_, snapshots::SnapshotBook> {
        lock(&self.snapshots)
    }
}

/// `2023-03-30T13:25:42.306000`: the naive microsecond time of v1 objects.
pub(crate) fn v1_time(ms: i64) -> String {
    let iso = timestamp::format_ms(ms);
    format!("{}000", iso.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_times_are_naive_with_microseconds() {
        assert_eq!(v1_time(1_680_183_942_306), "2023-03-30T13:45:42.306000");
    }
}
