//! The investigations a simulator keeps, and how each reads in an answer.
//!
//! The shape is XSOAR's test data (`create_investigation_response`,
//! `update_investigation_response`, `list_investigation_response` in
//! `mocked_data.json`) and Splunk SOAR's `create investigation` example:
//! `owner_org` and `reporter` objects with ids as text, `reporter_id` a
//! number, `source_type: "user"`, `tags` null until set, and `elements` the
//! count of elements (Splunk's example; CrowdStrike's spec too). An element
//! answers as XSOAR's `add_investigation_elements` data shows it: `id`,
//! `r_type`, `r_id`, `investigation_id`, `add_related_indicators` and the
//! `entity` it names.

use serde_json::{json, Value};

use crate::context::model_book::{v1_stamp, ORGANIZATION_ID, OWNER_ID};
use crate::timestamp;

/// Investigations are numbered from here, as XSOAR's README example (1022).
const FIRST_ID: u64 = 1001;

/// The kinds of element an investigation holds (XSOAR's `r_type` values,
/// CrowdStrike's `InvestigationElement` enum): `intelligence2` is an
/// observable.
pub(crate) const ELEMENT_TYPES: [&str; 8] = [
    "intelligence2",
    "actor",
    "campaign",
    "incident",
    "signature",
    "tipreport",
    "ttp",
    "vulnerability",
];

pub(crate) struct Investigation {
    pub(crate) id: u64,
    /// Every field but `id`, `elements` and the stamps, in answer form.
    pub(crate) detail: Value,
    pub(crate) created_ts: String,
    pub(crate) modified_ts: String,
    pub(crate) elements: Vec<Element>,
}

#[derive(Clone)]
pub(crate) struct Element {
    pub(crate) id: u64,
    pub(crate) r_type: String,
    pub(crate) r_id: u64,
    pub(crate) add_related_indicators: u8,
    pub(crate) created_ts: String,
    /// What the element names, as it was when added.
    pub(crate) entity: Value,
}

impl Investigation {
    pub(crate) fn answer(&self) -> Value {
        let mut answer = self.detail.clone();
        answer["id"] = json!(self.id);
        answer["created_ts"] = json!(self.created_ts);
        answer["modified_ts"] = json!(self.modified_ts);
        answer["elements"] = json!(self.elements.len());
        answer["resource_uri"] = json!(format!("/api/v1/investigation/{}/", self.id));
        answer
    }

    pub(crate) fn has(&self, r_type: &str, r_id: u64) -> bool {
        self.elements
            .iter()
            .any(|element| element.r_type == r_type && element.r_id == r_id)
    }
}

impl Element {
    pub(crate) fn answer(&self, investigation_id: u64) -> Value {
        json!({"id": self.id, "r_type": self.r_type, "r_id": self.r_id, "investigation_id": investigation_id,
               "add_related_indicators": self.add_related_indicators, "created_ts": self.created_ts,
               "entity": self.entity})
    }
}

#[derive(Default)]
pub(crate) struct InvestigationBook {
    items: Vec<Investigation>,
    next_id: u64,
    next_element: u64,
    last_stamp_ms: i64,
}

impl InvestigationBook {
    pub(crate) fn all(&self) -> &[Investigation] {
        &self.items
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Investigation> {
        self.items.iter().find(|item| item.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut Investigation> {
        self.items.iter_mut().find(|item| item.id == id)
    }

    /// Now, after every stamp handed out before.
    pub(crate) fn stamp(&mut self) -> String {
        let now = timestamp::now_ms().max(self.last_stamp_ms + 1);
        self.last_stamp_ms = now;
        v1_stamp(now)
    }

    /// Stores a new investigation with `detail` (as `defaults` fills it in);
    /// answers its id.
    pub(crate) fn create(&mut self, detail: Value, reporter: &str) -> u64 {
        let id = self.next_id.max(FIRST_ID);
        self.next_id = id + 1;
        let stamp = self.stamp();
        let mut full = defaults(reporter);
        if let (Some(full), Some(given)) = (full.as_object_mut(), detail.as_object()) {
            full.extend(given.clone());
        }
        self.items.push(Investigation {
            id,
            detail: full,
            created_ts: stamp.clone(),
            modified_ts: stamp,
            elements: Vec::new(),
        });
        id
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.items.len();
        self.items.retain(|item| item.id != id);
        self.items.len() < before
    }

    /// Adds an element to investigation `id`; answers it.
    pub(crate) fn add_element(
        &mut self,
        id: u64,
        r_type: &str,
        r_id: u64,
        related: u8,
        entity: Value,
    ) -> Option<Element> {
        let number = self.next_element.max(1);
        self.next_element = number + 1;
        let stamp = self.stamp();
        let investigation = self.get_mut(id)?;
        let element = Element {
            id: number,
            r_type: r_type.to_owned(),
            r_id,
            add_related_indicators: related,
            created_ts: stamp.clone(),
            entity,
        };
        investigation.elements.push(element.clone());
        investigation.modified_ts = stamp;
        Some(element)
    }
}

/// What a new investigation holds before its body's fields: XSOAR's
/// `create_investigation_response`.
fn defaults(reporter: &str) -> Value {
    json!({
        "add_related_indicators": 0, "assignee": null, "circles": [], "description": null, "graph_content": null,
        "intelligence_initiatives": [], "is_public": false, "name": "",
        "owner_org": {"id": ORGANIZATION_ID.to_string(), "name": "Example Security",
                      "resource_uri": format!("/api/v1/userorganization/{ORGANIZATION_ID}/")},
        "owner_org_id": null, "priority": "medium",
        "reporter": {"email": reporter, "id": OWNER_ID.to_string(), "name": "",
                     "resource_uri": format!("/api/v1/user/{OWNER_ID}/")},
        "reporter_id": OWNER_ID, "source_type": "user", "status": "unassigned", "tags": null, "tlp": "white",
        "users": [], "workgroups": [],
    })
}
