//! The Rust side of mutable records, for tests that link the simulator:
//! builder options (import delay, denied permissions, synthetic bench data)
//! and [`Simulator`] methods to add, change and list records, run a feed and
//! steer import sessions. Scripts get the same through `/__simulator/`
//! routes (`control/records.rs`); both take the record specs of
//! [`crate::intelligence::record_spec`].

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::control::feed::{self, FeedPlan, FeedProgress};
use crate::intelligence::record_spec;
use crate::intelligence::synthetic::SyntheticObservable;
use crate::permissions::Permission;
use crate::timestamp;
use crate::{ImportSession, Simulator, SimulatorBuilder};

impl SimulatorBuilder {
    /// How long an import session stays `processing` before it is `done`
    /// (ready to review); [`crate::DEFAULT_IMPORT_DELAY`] unless set. Zero
    /// makes sessions ready at once.
    pub fn import_delay(mut self, delay: Duration) -> Self {
        self.options.import_delay = Some(delay);
        self
    }

    /// Takes `permission` away from the account: its writes get a 403.
    pub fn deny(mut self, permission: Permission) -> Self {
        self.options.denied.push(permission);
        self
    }

    /// Loads `records` synthetic records over `values` generated values
    /// (see [`crate::synthetic_value`]).
    pub fn synthetic(mut self, values: u64, records: u64) -> Self {
        self.options.synthetic = Some((values, records));
        self
    }
}

impl Simulator {
    /// Adds records from specs (see [`crate::methods::records`]), each with a
    /// fresh id and `update_id`; `Err` (and nothing stored) if one is invalid.
    pub fn add_records(&self, specs: &[Value]) -> Result<Vec<Value>, String> {
        record_spec::add_records(&self.state, specs)
    }

    /// Every record changed (or created) after `update_id`, in `update_id`
    /// order, as it is now: what a perfect feed client receives next.
    #[must_use]
    pub fn records_changed_since(&self, update_id: u64) -> Vec<Value> {
        self.state.records().changed_since(update_id)
    }

    /// The highest `update_id` so far.
    #[must_use]
    pub fn last_update_id(&self) -> u64 {
        self.state.records().last_update_id()
    }

    #[must_use]
    pub fn record(&self, id: u64) -> Option<Value> {
        self.state.records().get(id).cloned()
    }

    /// Changes record `id` as a ThreatStream update would: `edit` runs on the
    /// stored v2 JSON, then the record gets a fresh `update_id` and
    /// `modified_ts`. `None` for an unknown id.
    pub fn change_record(&self, id: u64, edit: impl FnOnce(&mut Value)) -> Option<Value> {
        let now = timestamp::now_ms();
        self.state.records_mut().change(id, now, edit).cloned()
    }

    /// Starts a feed (see [`FeedPlan`]); only one runs at a time.
    pub fn start_feed(&self, plan: FeedPlan) -> Result<FeedProgress, String> {
        feed::start(&self.state, plan).map_err(feed::Refusal::message)
    }

    #[must_use]
    pub fn feed_progress(&self) -> FeedProgress {
        self.state.feed.progress()
    }

    /// Waits until the feed has made all its changes; `Err` with the
    /// progress so far if `deadline` passes first.
    pub fn wait_for_feed(&self, deadline: Duration) -> Result<FeedProgress, FeedProgress> {
        let started = Instant::now();
        loop {
            let progress = self.feed_progress();
            if !progress.running {
                return Ok(progress);
            }
            if started.elapsed() >= deadline {
                return Err(progress);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops the feed, if one runs.
    pub fn stop_feed(&self) {
        self.state.feed.stop();
    }

    /// Replaces the set of denied permissions.
    pub fn set_denied(&self, denied: &[Permission]) {
        self.state.denials.set(denied.iter().copied());
    }

    /// See [`SimulatorBuilder::import_delay`]; applies to sessions created
    /// from now on.
    pub fn set_import_delay(&self, delay: Duration) {
        self.state.set_import_delay(delay);
    }

    /// Every import session, oldest first.
    #[must_use]
    pub fn import_sessions(&self) -> Vec<ImportSession> {
        self.state.sessions().all().cloned().collect()
    }

    /// Every false-positive report received, oldest first: `{"intelligence",
    /// "reason", "comment", "user", "date"}`.
    #[must_use]
    pub fn false_positive_reports(&self) -> Vec<Value> {
        self.state.false_positives.all()
    }

    /// See [`SimulatorBuilder::synthetic`]; loading again adds more records.
    pub fn load_synthetic(&self, values: u64, records: u64) -> usize {
        self.state.load_synthetic(values, records)
    }

    /// The synthetic values that have records, in index order.
    #[must_use]
    pub fn synthetic_values(&self) -> Vec<SyntheticObservable> {
        self.state.synthetic_values()
    }
}
