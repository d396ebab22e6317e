//! An investigation as every step shows it, and the fields Create and Update Investigation write.
//!
//! The answer's shape is XSOAR's test data (`create_investigation_response`,
//! `update_investigation_response`, `list_investigation_response`) and Splunk SOAR's example:
//! `assignee` and `reporter` are user objects (outputs keep their e-mail addresses), ids come as
//! numbers or as numeric text, `tags` is `null` until set, and `elements` is the number of elements.
//! A field ThreatStream leaves out, empty or `null` is left out here too.
//!
//! The fields written are XSOAR's `create_investigation` ones: `name`, `description`, `priority`
//! (`verylow` to `veryhigh`: XSOAR and FortiSOAR send these, and XSOAR's test data has ThreatStream
//! answer `verylow`; Splunk SOAR and CrowdStrike's spec write `very low`), `status` (`unassigned`,
//! `pending`, `in-progress`, `completed`), `tlp`, `tags` as names, and `assignee_id` with
//! `assignee_type: "user"`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::actions::chosen;
use crate::actions::import::Tlp;
use crate::actions::input::{given, line, NumberId, Untouched};
use crate::actions::models::limits::{text, written_names, MAX_MODEL_NAME_CHARS, MAX_TEXT_CHARS};
use crate::protocol::Failure;
use crate::threatstream::{numeric_id, tag_names, Record};

/// An investigation's priority; empty is not set
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum Priority {
    #[serde(rename = "verylow")]
    VeryLow,
    #[serde(rename = "low")]
    Low,
    #[serde(rename = "medium")]
    Medium,
    #[serde(rename = "high")]
    High,
    #[serde(rename = "veryhigh")]
    VeryHigh,
    #[serde(rename = "")]
    Unset,
}

/// An investigation's status; empty is not set
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum InvestigationStatus {
    #[serde(rename = "unassigned")]
    Unassigned,
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "in-progress")]
    InProgress,
    #[serde(rename = "completed")]
    Completed,
    #[serde(rename = "")]
    Unset,
}

/// The inputs Create and Update Investigation share.
pub(crate) struct InvestigationInputs<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) description: Option<&'a str>,
    pub(crate) priority: Option<Priority>,
    pub(crate) status: Option<InvestigationStatus>,
    pub(crate) tlp: Option<Tlp>,
    pub(crate) tags: &'a [String],
    pub(crate) assignee_id: Option<&'a NumberId>,
}

/// The fields given, in ThreatStream's names, checked.
pub(crate) fn fields(inputs: &InvestigationInputs<'_>) -> Result<Map<String, Value>, Failure> {
    let mut fields = Map::new();
    if let Some(name) = given(inputs.name).map(str::trim) {
        line(name, "name", "the name", MAX_MODEL_NAME_CHARS)?;
        fields.insert("name".into(), json!(name));
    }
    if let Some(text) = text(inputs.description, "description", MAX_TEXT_CHARS)? {
        fields.insert("description".into(), json!(text));
    }
    for (field, chosen) in [
        ("priority", chosen(inputs.priority)),
        ("status", chosen(inputs.status)),
        ("tlp", chosen(inputs.tlp)),
    ] {
        if let Some(chosen) = chosen {
            fields.insert(field.into(), json!(chosen));
        }
    }
    if !inputs.tags.is_empty() {
        fields.insert("tags".into(), json!(written_names(inputs.tags, "tags")?));
    }
    if let Some(assignee) = inputs.assignee_id.filter(|given| !given.untouched()) {
        fields.insert("assignee_id".into(), json!(assignee.read("assignee_id", "a user ID")?));
        fields.insert("assignee_type".into(), json!("user"));
    }
    Ok(fields)
}

/// One investigation, as every step shows it.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "investigation", title = "investigation")]
pub(crate) struct InvestigationSummary {
    /// ThreatStream ID of the investigation
    #[schemars(title = "ID")]
    id: u64,
    /// Name of the investigation
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Name")]
    name: Option<String>,
    /// Its description, often HTML
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Description")]
    description: Option<String>,
    /// `unassigned`, `pending`, `in-progress` or `completed`
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Status")]
    status: Option<String>,
    /// `verylow`, `low`, `medium`, `high` or `veryhigh`
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Priority")]
    priority: Option<String>,
    /// Traffic Light Protocol marking
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "TLP")]
    tlp: Option<String>,
    /// Names of its tags
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(title = "Tags")]
    tags: Vec<String>,
    /// Number of observables and threat models it holds
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Elements")]
    elements: Option<u64>,
    /// E-mail address of who it is assigned to
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Assignee")]
    assignee: Option<String>,
    /// ThreatStream user ID of who it is assigned to
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Assignee ID")]
    assignee_id: Option<u64>,
    /// E-mail address of who opened it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Reporter")]
    reporter: Option<String>,
    /// Where it came from: `user` (opened by someone) or `rules` (opened by a rule)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Source Type")]
    source_type: Option<String>,
    /// Whether every ThreatStream organization may see it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Is Public")]
    is_public: Option<bool>,
    /// When it was opened
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Created")]
    created_ts: Option<String>,
    /// When it last changed
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Modified")]
    modified_ts: Option<String>,
    /// API path of the investigation
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Resource URI")]
    resource_uri: Option<String>,
}

impl InvestigationSummary {
    /// ThreatStream's record in the shared shape; `id` when the record lacks one (an empty answer).
    pub(crate) fn of(record: &Record, id: u64) -> InvestigationSummary {
        let text = |field: &str| {
            record
                .get(field)
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
                .map(str::to_owned)
        };
        let email = |field: &str| {
            record
                .get(field)
                .and_then(|user| user.get("email"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        InvestigationSummary {
            id: record.get("id").and_then(numeric_id).unwrap_or(id),
            name: text("name"),
            description: text("description"),
            status: text("status"),
            priority: text("priority"),
            tlp: text("tlp"),
            tags: tag_names(record).map(str::to_owned).collect(),
            elements: record.get("elements").and_then(numeric_id),
            assignee: email("assignee"),
            assignee_id: record.get("assignee_id").and_then(numeric_id),
            reporter: email("reporter"),
            source_type: text("source_type"),
            is_public: record.get("is_public").and_then(Value::as_bool),
            created_ts: text("created_ts"),
            modified_ts: text("modified_ts"),
            resource_uri: text("resource_uri"),
        }
    }
}

/// An investigation, for help.md.
pub(crate) fn example_investigation() -> Value {
    json!({"id": 1001, "name": "Case 4711: invoice phishing", "status": "in-progress", "priority": "high",
           "tlp": "amber", "tags": ["case-4711"], "elements": 3, "reporter": "analyst@example.com",
           "source_type": "user", "is_public": false, "created_ts": "2026-09-14T08:30:12.367728",
           "modified_ts": "2026-09-14T08:31:40.113000", "resource_uri": "/api/v1/investigation/1001/"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xsoars_answers_read_into_the_shared_shape() {
        let answer = json!({"add_related_indicators": 0, "assignee": {"assignee_type": "user", "email": "a@example.com",
            "id": "111"}, "assignee_id": 111, "created_ts": "2023-03-22T14:15:02.367728", "description": null,
            "elements": 2, "id": 111, "name": "new_investigation", "owner_org": {"id": "11"}, "priority": "verylow",
            "reporter": {"email": "r@example.com", "id": "111"}, "reporter_id": 111, "source_type": "user",
            "status": "pending", "tags": ["tag1", "tag2"], "tlp": "amber", "is_public": false});
        let record = answer.as_object().cloned().unwrap_or_default();
        assert_eq!(
            serde_json::to_value(InvestigationSummary::of(&record, 0)).unwrap(),
            json!({"id": 111, "name": "new_investigation", "status": "pending", "priority": "verylow", "tlp": "amber",
                   "tags": ["tag1", "tag2"], "elements": 2, "assignee": "a@example.com", "assignee_id": 111,
                   "reporter": "r@example.com", "source_type": "user", "is_public": false,
                   "created_ts": "2023-03-22T14:15:02.367728"})
        );
    }
}
