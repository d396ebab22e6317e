//! Admission: a step starts only when the process's memory budget has room for it.
//!
//! In `http` mode every step in flight draws the bytes of ThreatStream's answers from one process
//! budget (`crate::budget`). A new step waits for room before it starts, holding nothing, so waiting
//! cannot deadlock; when none comes within `WAIT`, it is refused with a 503 and the runtime's kind of
//! `{"error"}` answer, as new work is during shutdown, so the orchestrator may try it again.

use std::time::Duration;

use crate::budget::{Pool, MIB};

/// Free room a step needs to start: a few pages of intelligence. A step that then needs more than
/// the budget has left fails with a 503 of its own (`FailureKind::Overloaded`).
const ROOM: u64 = 8 * MIB;

/// How long a step waits for room: steps hold their bytes for seconds, rarely longer.
const WAIT: Duration = Duration::from_secs(10);

/// The answer to a step refused for want of room.
pub(super) const NO_ROOM: &str =
    "The plugin's memory budget is held by the steps in flight. No new work can be accepted now; try again later.";

/// Whether a new step may start: the pool has `ROOM` free (half the pool, for a pool smaller than twice
/// that), now or within `WAIT`.
pub(super) async fn admit(pool: &Pool) -> bool {
    pool.room_for(ROOM.min(pool.limit() / 2), WAIT).await
}
