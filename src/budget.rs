//! Memory budgets: how many bytes of ThreatStream's answers a step, and a process, may hold.
//!
//! A broken or hostile ThreatStream, or a proxy in front of it, can answer with hundreds of megabytes,
//! and a step that reads thirteen such answers at once (Enrich Observable) would hold all of them. Two
//! budgets bound that, counted in the bytes ThreatStream sends:
//!
//! - Each step has its own `Budget` (the connection's Memory Budget, 256 MiB by default). Every answer
//!   the step reads is charged to it chunk by chunk as it arrives, paged and streamed reads included,
//!   and stays charged until the step ends: what a step keeps is made of what it read. The one
//!   exception is a reader that hands each page on and keeps nothing (the feed, whose trigger polls for
//!   days): its `Lease` gives the page back once decoded. An answer that would pass the budget fails
//!   while it is read, so the bytes beyond it are never held, and a failed read gives back what it took.
//! - In `http` mode the steps in flight also draw every byte from one process-wide `Pool`. A step
//!   starts only when the pool has room (it waits for that, holding nothing, and is refused with a 503
//!   when none comes); a step that needs more than the pool has left mid-way fails at once rather than
//!   wait, since two steps each waiting for the other's bytes would both hang.
//!
//! The counts are of bytes received, not of the memory their decoded form takes (about as much again
//! for ThreatStream's records; BENCHMARKS.md measures it). This sits outside both rooms because both
//! use it: `threatstream` charges answers to it, `protocol`'s server sets the pool and admits steps.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

pub(crate) const MIB: u64 = 1024 * 1024;

/// Which budget an answer would have passed, and its size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Step { limit: u64 },
    Process { limit: u64 },
}

/// Bytes shared by every step of the process.
#[derive(Debug)]
pub(crate) struct Pool {
    limit: u64,
    used: AtomicU64,
    freed: Notify,
}

impl Pool {
    pub(crate) fn new(limit: u64) -> Arc<Pool> {
        Arc::new(Pool {
            limit,
            used: AtomicU64::new(0),
            freed: Notify::new(),
        })
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes not held by any step.
    pub(crate) fn free(&self) -> u64 {
        self.limit.saturating_sub(self.used.load(Ordering::Acquire))
    }

    /// Takes `bytes` when they fit, all or nothing.
    fn take(&self, bytes: u64) -> bool {
        take_within(&self.used, bytes, self.limit)
    }

    fn give_back(&self, bytes: u64) {
        if bytes > 0 {
            self.used.fetch_sub(bytes, Ordering::AcqRel);
            self.freed.notify_waiters();
        }
    }

    /// Waits, up to `wait`, until at least `room` bytes are free; whether they are. Nothing is taken:
    /// this is the gate a new step passes, not a reservation.
    pub(crate) async fn room_for(&self, room: u64, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before the check, so a release between the check and the wait is not missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if self.free() >= room {
                return true;
            }
            if tokio::time::timeout_at(deadline, freed).await.is_err() {
                return self.free() >= room;
            }
        }
    }
}

/// Adds `bytes` to `used` unless that would pass `limit`.
fn take_within(used: &AtomicU64, bytes: u64, limit: u64) -> bool {
    used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
        now.checked_add(bytes).filter(|after| *after <= limit)
    })
    .is_ok()
}

static PROCESS_POOL: OnceLock<Arc<Pool>> = OnceLock::new();

/// Makes `limit` bytes the process budget every later step draws from (`http` mode); the first call
/// wins. Answers with the pool in force.
pub(crate) fn install_process_pool(limit: u64) -> Arc<Pool> {
    Arc::clone(PROCESS_POOL.get_or_init(|| Pool::new(limit)))
}

/// The process budget, when `http` mode set one.
pub(crate) fn process_pool() -> Option<Arc<Pool>> {
    PROCESS_POOL.get().cloned()
}

/// One step's budget: shared by the clones of the step's client, given back whole when the step ends.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: u64,
    used: AtomicU64,
    pool: Option<Arc<Pool>>,
}

impl Budget {
    /// A step's budget of `limit` bytes, drawing from the process budget when there is one.
    pub(crate) fn for_step(limit: u64) -> Arc<Budget> {
        Budget::within(limit, process_pool())
    }

    /// A budget of `limit` bytes drawing from `pool`, or from nothing else.
    pub(crate) fn within(limit: u64, pool: Option<Arc<Pool>>) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            used: AtomicU64::new(0),
            pool,
        })
    }

    /// Bytes charged now.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    fn charge(&self, bytes: u64) -> Result<(), Exceeded> {
        if !take_within(&self.used, bytes, self.limit) {
            return Err(Exceeded::Step { limit: self.limit });
        }
        if let Some(pool) = &self.pool {
            if !pool.take(bytes) {
                self.used.fetch_sub(bytes, Ordering::AcqRel);
                return Err(Exceeded::Process { limit: pool.limit });
            }
        }
        Ok(())
    }

    fn release(&self, bytes: u64) {
        if bytes > 0 {
            self.used.fetch_sub(bytes, Ordering::AcqRel);
            if let Some(pool) = &self.pool {
                pool.give_back(bytes);
            }
        }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.give_back(*self.used.get_mut());
        }
    }
}

/// The bytes of one answer, charged as they arrive; given back when dropped, unless `keep` leaves them
/// charged until the step ends.
#[derive(Debug)]
#[must_use = "a dropped lease gives its bytes back at once"]
pub(crate) struct Lease {
    budget: Arc<Budget>,
    bytes: u64,
}

impl Lease {
    pub(crate) fn new(budget: &Arc<Budget>) -> Lease {
        Lease {
            budget: Arc::clone(budget),
            bytes: 0,
        }
    }

    /// Charges `bytes` more, or says which budget they would pass (charging nothing).
    pub(crate) fn add(&mut self, bytes: u64) -> Result<(), Exceeded> {
        self.budget.charge(bytes)?;
        self.bytes += bytes;
        Ok(())
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Leaves the bytes charged to the step until it ends: the caller keeps what they were read into.
    pub(crate) fn keep(mut self) {
        self.bytes = 0;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_holds_what_it_keeps_until_it_ends() {
        let budget = Budget::within(100, None);
        let mut kept = Lease::new(&budget);
        kept.add(60).unwrap();
        kept.keep();
        assert_eq!(budget.used(), 60);
        let mut passing = Lease::new(&budget);
        passing.add(40).unwrap();
        assert_eq!(passing.add(1), Err(Exceeded::Step { limit: 100 }));
        assert_eq!(budget.used(), 100, "a refused charge takes nothing");
        drop(passing);
        assert_eq!(budget.used(), 60, "a lease not kept gives its bytes back");
    }

    /// Charges `bytes` to `budget` for the rest of the step.
    fn hold(budget: &Arc<Budget>, bytes: u64) -> Result<(), Exceeded> {
        let mut lease = Lease::new(budget);
        lease.add(bytes)?;
        lease.keep();
        Ok(())
    }

    #[test]
    fn steps_share_the_pool_and_give_it_back_when_they_end() {
        let pool = Pool::new(100);
        let first = Budget::within(80, Some(Arc::clone(&pool)));
        let second = Budget::within(80, Some(Arc::clone(&pool)));
        hold(&first, 70).unwrap();
        assert_eq!(hold(&first, 70), Err(Exceeded::Step { limit: 80 }));
        assert_eq!(hold(&second, 31), Err(Exceeded::Process { limit: 100 }));
        assert_eq!(second.used(), 0, "a refused charge leaves the step's count as it was");
        hold(&second, 30).unwrap();
        assert_eq!(pool.free(), 0);
        drop(first);
        assert_eq!(pool.free(), 70, "an ended step gives back everything it held");
        drop(second);
        assert_eq!(pool.free(), 100);
    }

    #[test]
    fn room_comes_when_a_step_ends_or_the_wait_runs_out() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let pool = Pool::new(100);
            let holder = Budget::within(100, Some(Arc::clone(&pool)));
            hold(&holder, 95).unwrap();
            assert!(!pool.room_for(10, Duration::from_millis(20)).await);
            let waiting = tokio::spawn({
                let pool = Arc::clone(&pool);
                async move { pool.room_for(10, Duration::from_secs(30)).await }
            });
            tokio::task::yield_now().await;
            drop(holder);
            assert!(waiting.await.unwrap(), "the end of a step wakes whoever waits for room");
        });
    }
}
