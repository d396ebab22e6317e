//! The Rust side of mutable records, for tests that link the simulator:
//! builder options (import delay, denied permissions, synthetic bench data)
//! and [`Simulator`] methods to add, change and list records, run a feed and
//! steer import sessions. Scripts get the same through `/__simulator/`
//! routes (see the crate doc); both share the record specs below.
//!
//! A record spec is a JSON object: `value` (required), then optionally
//! `type` (must agree with the value; worked out when absent), `itype`
//! (default `mal_<type>`), `status`, `confidence`, `severity`, `tags` (names
//! or `{"name", "tlp"}`), `source`, `tlp`, `trusted_circle_ids`,
//! `description`. Ids, `update_id` and timestamps are assigned.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::feed::{self, FeedPlan, FeedProgress};
use crate::observable_record::{Draft, TagSpec};
use crate::observables::classify;
use crate::permissions::Permission;
use crate::state::State;
use crate::synthetic::{synthetic_value, SyntheticObservable};
use crate::timestamp;
use crate::{ImportSession, Simulator, SimulatorBuilder};

/// What a [`SimulatorBuilder`] sets up beyond the server itself.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecordOptions {
    import_delay: Option<Duration>,
    denied: Vec<Permission>,
    synthetic: Option<(u64, u64)>,
}

impl RecordOptions {
    pub(crate) fn apply(&self, state: &State) {
        if let Some(delay) = self.import_delay {
            state.set_import_delay(delay);
        }
        state.denials.set(self.denied.iter().copied());
        if let Some((values, records)) = self.synthetic {
            load_synthetic(state, values, records);
        }
    }
}

impl SimulatorBuilder {
    /// How long an import session stays `processing` before it is `done`
    /// (ready to review); [`crate::DEFAULT_IMPORT_DELAY`] unless set. Zero
    /// makes sessions ready at once.
    pub fn import_delay(mut self, delay: Duration) -> Self {
        self.records.import_delay = Some(delay);
        self
    }

    /// Takes `permission` away from the account: its writes get a 403.
    pub fn deny(mut self, permission: Permission) -> Self {
        self.records.denied.push(permission);
        self
    }

    /// Loads `records` synthetic records over `values` generated values
    /// (see [`crate::synthetic_value`]).
    pub fn synthetic(mut self, values: u64, records: u64) -> Self {
        self.records.synthetic = Some((values, records));
        self
    }
}

/// Stores the next `records` synthetic records; answers how many.
pub(crate) fn load_synthetic(state: &State, values: u64, records: u64) -> usize {
    let drafts = state.synthetic().load(values, records);
    state.create_records(&drafts).len()
}

/// The synthetic values loaded so far, in index order.
pub(crate) fn synthetic_values(state: &State) -> Vec<SyntheticObservable> {
    let values = state.synthetic().values;
    (0..values).map(synthetic_value).collect()
}

/// A [`Draft`] from a record spec (see the module doc).
pub(crate) fn draft_from_spec(spec: &Value) -> Result<Draft, String> {
    let value = spec["value"].as_str().map(str::trim).filter(|v| !v.is_empty());
    let value = value.ok_or("every record needs a 'value'")?;
    let kind = classify(value).ok_or_else(|| format!("'{value}' is not an observable"))?;
    if let Some(wanted) = spec["type"].as_str().filter(|wanted| *wanted != kind.type_name()) {
        return Err(format!("'{value}' is a {}, not a {wanted}", kind.type_name()));
    }
    let itype = spec["itype"]
        .as_str()
        .map_or_else(|| format!("mal_{}", kind.itype_suffix()), str::to_owned);
    let mut draft = Draft::new(value, kind, &itype);
    let text = |name: &str| spec[name].as_str().map(str::to_owned);
    draft.status = text("status").unwrap_or(draft.status);
    draft.confidence = spec["confidence"].as_i64().unwrap_or(draft.confidence);
    draft.severity = text("severity").or(draft.severity);
    draft.source = text("source").unwrap_or(draft.source);
    draft.tlp = text("tlp");
    draft.description = text("description");
    draft.tags = spec["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(tag_spec)
        .collect();
    draft.trusted_circle_ids = spec["trusted_circle_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    Ok(draft)
}

fn tag_spec(tag: &Value) -> Option<TagSpec> {
    match tag.as_str() {
        Some(name) => TagSpec::from_json(&serde_json::json!({ "name": name })),
        None => TagSpec::from_json(tag),
    }
}

/// Stores every spec, or none if any is invalid.
pub(crate) fn add_records(state: &State, specs: &[Value]) -> Result<Vec<Value>, String> {
    let drafts = specs.iter().map(draft_from_spec).collect::<Result<Vec<_>, _>>()?;
    Ok(state.create_records(&drafts))
}

impl Simulator {
    /// Adds records from specs (see [`crate::records_api`]), each with a
    /// fresh id and `update_id`; `Err` (and nothing stored) if one is invalid.
    pub fn add_records(&self, specs: &[Value]) -> Result<Vec<Value>, String> {
        add_records(&self.state, specs)
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

    /// See [`SimulatorBuilder::synthetic`]; loading again adds more records.
    pub fn load_synthetic(&self, values: u64, records: u64) -> usize {
        load_synthetic(&self.state, values, records)
    }

    /// The synthetic values that have records, in index order.
    #[must_use]
    pub fn synthetic_values(&self) -> Vec<SyntheticObservable> {
        synthetic_values(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observables::ObservableKind;
    use serde_json::json;

    #[test]
    fn specs_fill_defaults_and_refuse_nonsense() {
        let draft = draft_from_spec(
            &json!({"value": "203.0.113.200", "tags": ["a", {"name": "b", "tlp": "green"}],
                                             "confidence": 77, "status": "inactive"}),
        )
        .expect("valid");
        assert_eq!((draft.kind, draft.itype.as_str()), (ObservableKind::Ip, "mal_ip"));
        assert_eq!((draft.confidence, draft.status.as_str()), (77, "inactive"));
        assert_eq!(draft.tags.len(), 2);
        assert!(draft_from_spec(&json!({"value": "203.0.113.200", "type": "domain"})).is_err());
        assert!(draft_from_spec(&json!({"value": "not one"})).is_err());
        assert!(draft_from_spec(&json!({"type": "ip"})).is_err());
    }
}
