//! The intelligence records as mutable shared state.
//!
//! Imports, tags, updates and the feed all change records while searches
//! read them, so records live here with their [`RecordKey`]s, an id index,
//! and the counters that make `id` unique and `update_id` strictly increase
//! across every create and change: the feed cursor clients keep
//! (`update_id__gt`) is only sound if no change ever reuses or skips back.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::intelligence::observable_record::{Draft, TagSpec};
use crate::intelligence::record_key::RecordKey;
use crate::timestamp;

/// Created records get ids from here (or above the highest seeded id), so
/// they are easy to tell apart from seeded ones in a test's output.
const FIRST_CREATED_ID: u64 = 700_000_000;

/// Seeded tag ids have three characters; created ones have at least four,
/// so they can never collide.
const FIRST_TAG_NUMBER: u64 = 36 * 36 * 36;

/// ThreatStream's TLP for a tag nobody gave one to (XS3 hard-codes the same).
const DEFAULT_TAG_TLP: &str = "red";

pub(crate) struct RecordStore {
    /// Insertion order, which is the order of an unsorted search.
    records: Vec<Value>,
    keys: Vec<RecordKey>,
    by_id: HashMap<u64, usize>,
    next_id: u64,
    next_update_id: u64,
    next_tag: u64,
}

impl RecordStore {
    pub(crate) fn new(records: Vec<Value>) -> RecordStore {
        let keys: Vec<RecordKey> = records.iter().map(RecordKey::of).collect();
        let by_id = keys.iter().enumerate().map(|(index, key)| (key.id, index)).collect();
        let max_id = keys.iter().map(|key| key.id).max().unwrap_or_default();
        let max_update_id = keys.iter().map(|key| key.update_id).max().unwrap_or_default();
        RecordStore {
            records,
            keys,
            by_id,
            next_id: FIRST_CREATED_ID.max(max_id + 1),
            next_update_id: max_update_id + 1,
            next_tag: FIRST_TAG_NUMBER,
        }
    }

    pub(crate) fn records(&self) -> &[Value] {
        &self.records
    }

    pub(crate) fn keys(&self) -> &[RecordKey] {
        &self.keys
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Value> {
        self.by_id.get(&id).map(|&index| &self.records[index])
    }

    /// Where record `id` sits in insertion order: a search cursor's place.
    pub(crate) fn index_of(&self, id: u64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The highest `update_id` handed out so far: a feed cursor that has
    /// seen everything.
    pub(crate) fn last_update_id(&self) -> u64 {
        self.next_update_id - 1
    }

    pub(crate) fn create(&mut self, draft: &Draft, now_ms: i64) -> &Value {
        let tags = draft.tags.iter().map(|spec| self.tag(spec)).collect();
        let (id, update_id) = (self.next_id, self.next_update_id);
        self.next_id += 1;
        self.next_update_id += 1;
        let record = draft.render(id, update_id, tags, now_ms);
        self.keys.push(RecordKey::of(&record));
        self.records.push(record);
        self.by_id.insert(id, self.records.len() - 1);
        &self.records[self.records.len() - 1]
    }

    /// Applies `edit` to record `id`, then stamps the change: a fresh
    /// `update_id` and `modified_ts` = now. `None` for an unknown id.
    pub(crate) fn change(&mut self, id: u64, now_ms: i64, edit: impl FnOnce(&mut Value)) -> Option<&Value> {
        let index = *self.by_id.get(&id)?;
        let record = &mut self.records[index];
        edit(record);
        record["update_id"] = Value::from(self.next_update_id);
        record["modified_ts"] = Value::from(timestamp::format_ms(now_ms));
        self.next_update_id += 1;
        self.keys[index] = RecordKey::of(record);
        Some(&self.records[index])
    }

    /// A stored tag for `spec`, with a new id.
    pub(crate) fn tag(&mut self, spec: &TagSpec) -> Value {
        let id = base36(self.next_tag);
        self.next_tag += 1;
        let tlp = spec.tlp.as_deref().unwrap_or(DEFAULT_TAG_TLP);
        json!({"id": id, "name": spec.name, "tlp": tlp})
    }

    /// Every record whose `update_id` is above `update_id`, in `update_id`
    /// order: what a perfect feed client would receive next.
    pub(crate) fn changed_since(&self, update_id: u64) -> Vec<Value> {
        let mut indexes: Vec<usize> = (0..self.keys.len())
            .filter(|&index| self.keys[index].update_id > update_id)
            .collect();
        indexes.sort_by_key(|&index| self.keys[index].update_id);
        indexes.into_iter().map(|index| self.records[index].clone()).collect()
    }
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intelligence::observables::ObservableKind;

    fn store() -> RecordStore {
        RecordStore::new(vec![
            json!({"id": 5, "update_id": 100, "value": "a.example", "type": "domain"}),
        ])
    }

    #[test]
    fn creates_and_changes_with_strictly_increasing_update_ids() {
        let mut store = store();
        let draft = Draft::new("198.51.100.7", ObservableKind::Ip, "mal_ip");
        let created = store.create(&draft, 0)["id"].as_u64().expect("id");
        assert_eq!(created, FIRST_CREATED_ID);
        assert_eq!(store.get(created).map(|r| r["update_id"].clone()), Some(json!(101)));
        let changed = store.change(5, 60_000, |record| record["status"] = json!("inactive"));
        assert_eq!(changed.map(|r| r["update_id"].clone()), Some(json!(102)));
        assert_eq!(store.keys()[0].status, "inactive");
        assert_eq!(store.records()[0]["modified_ts"], "1970-01-01T00:01:00.000Z");
        assert!(store.change(6, 0, |_| {}).is_none());
        let order: Vec<u64> = store
            .changed_since(100)
            .iter()
            .filter_map(|r| r["id"].as_u64())
            .collect();
        assert_eq!(order, [created, 5]);
        assert_eq!(store.last_update_id(), 102);
    }

    #[test]
    fn tags_get_fresh_ids_and_a_default_tlp() {
        let mut store = store();
        let spec = TagSpec {
            name: "x".to_owned(),
            tlp: None,
        };
        let (first, second) = (store.tag(&spec), store.tag(&spec));
        assert_eq!(first["id"], "1000");
        assert_eq!(second["id"], "1001");
        assert_eq!(first["tlp"], "red");
        assert_eq!(base36(35), "z");
    }
}
