//! Graceful shutdown: SIGTERM or SIGINT lets in-flight steps finish and refuses new ones.
//!
//! The runtime answers new work with 503 once shutdown has begun (protocol reference §5.2), so the
//! orchestrator can retry it on another container instead of losing it to a killed process. `Work`
//! counts the steps running; the server keeps accepting connections until the count reaches zero,
//! so late requests get that 503 rather than a refused connection.

use std::sync::Arc;

use tokio::sync::watch;

/// What `/api/v1/admin/status` reports, and what the drain waits on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Tally {
    pub(super) active: usize,
    pub(super) shutting_down: bool,
}

/// The steps in flight. Starting a step and starting the shutdown both happen under the channel's
/// lock, so no step can slip in after the drain has seen the count reach zero.
#[derive(Debug)]
pub(super) struct Work {
    tally: watch::Sender<Tally>,
}

/// Held for as long as a step runs; dropping it (normally, on panic or on abort) ends the step.
#[derive(Debug)]
pub(super) struct Step {
    work: Arc<Work>,
}

impl Work {
    pub(super) fn new() -> Arc<Work> {
        Arc::new(Work {
            tally: watch::Sender::new(Tally::default()),
        })
    }

    /// Registers a new step, or answers `None` once shutdown has begun.
    pub(super) fn begin(self: &Arc<Self>) -> Option<Step> {
        let admitted = self.tally.send_if_modified(|tally| {
            if tally.shutting_down {
                return false;
            }
            tally.active += 1;
            true
        });
        admitted.then(|| Step { work: Arc::clone(self) })
    }

    pub(super) fn tally(&self) -> Tally {
        *self.tally.borrow()
    }

    /// Refuses new steps from now on and waits until the running ones have finished.
    pub(super) async fn drain(&self) {
        self.tally.send_modify(|tally| tally.shutting_down = true);
        let mut tally = self.tally.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = tally.wait_for(|tally| tally.active == 0).await;
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        self.work.tally.send_modify(|tally| tally.active -= 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_waits_for_running_steps_and_refuses_new_ones() {
        let work = Work::new();
        let step = work.begin().expect("admitted before shutdown");
        assert_eq!(work.tally().active, 1);
        let drained = tokio::spawn({
            let work = Arc::clone(&work);
            async move { work.drain().await }
        });
        tokio::task::yield_now().await;
        while !work.tally().shutting_down {
            tokio::task::yield_now().await;
        }
        assert!(work.begin().is_none(), "no new step once shutdown began");
        assert!(!drained.is_finished());
        drop(step);
        drained.await.expect("drain finishes");
        assert_eq!(
            work.tally(),
            Tally {
                active: 0,
                shutting_down: true
            }
        );
    }
}
