//! One import session as every step shows it: ThreatStream's record read into the plugin's names.
//!
//! The fields and their types are the ones the public clients show for `GET /api/v1/importsession/`
//! and the approve answer (XSOAR's `list_import_job_response` and `approve_import_job_response` test
//! data and its README's real run, FortiSOAR's output schemas, Splunk SOAR's example values). Ids come
//! as numbers or as numeric text (`approved_by_id: 111`, `approved_by.id: "111"`, association ids
//! `"10909"`), so every id is read either way. The submitter is `email` and `user_id`: a session has no
//! user object. `messages` is one string, the only place ThreatStream says why a session ended in
//! `errors`. A field ThreatStream leaves out, sends empty or sends as `null` is left out here too.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::threatstream::{approver_id, numeric_id, tag_names, Record};

/// One import session, as every action shows it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "import_session", title = "import_session")]
pub(crate) struct ImportSessionSummary {
    /// ID of the import session
    #[schemars(title = "ID")]
    pub(super) id: String,
    /// ID of the import job (ThreatStream's jobID)
    #[schemars(title = "Job ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<String>,
    /// ThreatStream's status: processing, done (ready to review), approving, approved, rejecting, deleted (rejected) or errors
    #[schemars(title = "Status")]
    pub(super) status: String,
    /// The status as ThreatStream's UI names it, such as Ready To Review
    #[schemars(title = "Status Label")]
    status_label: String,
    /// What ThreatStream says about the import, such as why it ended in errors; absent when it says nothing
    #[schemars(title = "Messages")]
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<String>,
    /// Observables the import found (numIndicators); 0 while processing
    #[schemars(title = "Number of Observables")]
    #[serde(skip_serializing_if = "Option::is_none")]
    num_indicators: Option<i64>,
    /// Observables the import left out (numRejected)
    #[schemars(title = "Number Rejected")]
    #[serde(skip_serializing_if = "Option::is_none")]
    num_rejected: Option<i64>,
    /// Observables the import made public (num_public)
    #[schemars(title = "Number Public")]
    #[serde(skip_serializing_if = "Option::is_none")]
    num_public: Option<i64>,
    /// Observables the import kept private (num_private)
    #[schemars(title = "Number Private")]
    #[serde(skip_serializing_if = "Option::is_none")]
    num_private: Option<i64>,
    /// E-mail address of who approved the session
    #[schemars(title = "Approved By")]
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by: Option<String>,
    /// ThreatStream user ID of who approved the session; absent while nobody has
    #[schemars(title = "Approved By ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by_id: Option<u64>,
    /// E-mail address of who submitted the import (ThreatStream's email)
    #[schemars(title = "Submitted By")]
    #[serde(skip_serializing_if = "Option::is_none")]
    submitted_by: Option<String>,
    /// ThreatStream user ID of who submitted the import (user_id)
    #[schemars(title = "Submitted By ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    submitted_by_id: Option<u64>,
    /// When the import was submitted (ThreatStream's date)
    #[schemars(title = "Date Created")]
    #[serde(skip_serializing_if = "Option::is_none")]
    date_created: Option<String>,
    /// When ThreatStream finished processing the import
    #[schemars(title = "Processed Time")]
    #[serde(skip_serializing_if = "Option::is_none")]
    processed_ts: Option<String>,
    /// When the session last changed
    #[schemars(title = "Date Modified")]
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    /// When the imported observables expire
    #[schemars(title = "Expiration Time Stamp")]
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_ts: Option<String>,
    /// Confidence given to the imported observables, 0-100
    #[schemars(title = "Confidence")]
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<i64>,
    /// How much of the confidence is the submitter's rather than ThreatStream's scoring, 0-100
    #[schemars(title = "Source Confidence Weight")]
    #[serde(skip_serializing_if = "Option::is_none")]
    source_confidence_weight: Option<i64>,
    /// Threat type of the imported observables, such as malware or exploit
    #[schemars(title = "Threat Type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    threat_type: Option<String>,
    /// Traffic Light Protocol marking of the import
    #[schemars(title = "TLP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    tlp: Option<String>,
    /// Whether the imported observables are visible to every ThreatStream organization
    #[schemars(title = "Is Public")]
    #[serde(skip_serializing_if = "Option::is_none")]
    is_public: Option<bool>,
    /// Names of the tags given to the imported observables
    #[schemars(title = "Tags")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    /// Intelligence initiatives of the import, such as malware-intelligence
    #[schemars(title = "Intelligence Initiatives")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    intelligence_initiatives: Vec<String>,
    /// Threat models the imported observables will be tied to
    #[schemars(title = "Associations")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    associations: Vec<SessionAssociation>,
    /// IDs of the trusted circles the import is shared with
    #[schemars(title = "Trusted Circles")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    trusted_circles: Vec<u64>,
    /// Where the observables came from, as the submitter named it
    #[schemars(title = "Intelligence Source")]
    #[serde(skip_serializing_if = "Option::is_none")]
    intelligence_source: Option<String>,
    /// Name of the imported file (fileName)
    #[schemars(title = "File Name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    file_name: Option<String>,
    /// Kind of import (fileType), such as `analyst` for pasted text, `url`, or the file type
    #[schemars(title = "File Type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    file_type: Option<String>,
    /// Name of the session
    #[schemars(title = "Name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Notes of the import, which ThreatStream shows as tags
    #[schemars(title = "Notes")]
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    /// Comment given to every imported observable
    #[schemars(title = "Default Comment")]
    #[serde(skip_serializing_if = "Option::is_none")]
    default_comment: Option<String>,
}

/// A threat model an import session ties its observables to.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "import_session_association", title = "import_session_association")]
pub(crate) struct SessionAssociation {
    /// The model's type as Get Threat Model takes it (`actor`, `campaign`, `incident`, `malware`, `signature`, `tipreport`, `ttp`, `vulnerability`, `attackpattern`); other kinds keep ThreatStream's name, such as `identity` or `tool`
    #[schemars(title = "Model Type")]
    model_type: String,
    /// ThreatStream's ID of the model
    #[schemars(title = "ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    /// The model's name
    #[schemars(title = "Name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

/// ThreatStream's plural keys under `associations` and the model type each holds.
const ASSOCIATION_KEYS: [(&str, &str); 16] = [
    ("actors", "actor"),
    ("attackpatterns", "attackpattern"),
    ("campaigns", "campaign"),
    ("courseofaction", "courseofaction"),
    ("customtms", "customtm"),
    ("identities", "identity"),
    ("incidents", "incident"),
    ("infrastructure", "infrastructure"),
    ("intrusionsets", "intrusionset"),
    ("investigations", "investigation"),
    ("malware", "malware"),
    ("signatures", "signature"),
    ("tip_reports", "tipreport"),
    ("tools", "tool"),
    ("ttps", "ttp"),
    ("vulnerabilities", "vulnerability"),
];

/// An example session, for help.md.
pub(crate) fn example_session() -> Value {
    json!({"id": "1000000344", "job_id": "00bc2d03-c608-4824-863d-0a7c9126615a", "status": "done",
        "status_label": "Ready To Review", "num_indicators": 2, "num_rejected": 1, "num_public": 0,
        "num_private": 2, "submitted_by": "analyst@example.com", "submitted_by_id": 121,
        "date_created": "2026-09-14T08:21:58.774Z", "processed_ts": "2026-09-14T08:22:03.101Z",
        "date_modified": "2026-09-14T08:22:03.101Z", "expiration_ts": "2026-12-13T08:21:58.774Z",
        "confidence": 80, "source_confidence_weight": 100, "threat_type": "malware", "is_public": false,
        "tags": ["campaign-7"], "intelligence_initiatives": ["malware-intelligence"],
        "associations": [{"model_type": "actor", "id": 10909, "name": "Example Actor"}],
        "trusted_circles": [146], "file_name": "observables.csv", "file_type": "csv"})
}

/// ThreatStream's session record in the shared shape.
pub(crate) fn summary(record: &Record) -> ImportSessionSummary {
    let status = text(record, "status").unwrap_or_default();
    ImportSessionSummary {
        id: text(record, "id").unwrap_or_default(),
        job_id: text(record, "jobID").or_else(|| text(record, "job_id")),
        status_label: status_label(&status),
        status,
        messages: messages(record),
        num_indicators: number(record, "numIndicators"),
        num_rejected: number(record, "numRejected"),
        num_public: number(record, "num_public"),
        num_private: number(record, "num_private"),
        approved_by: approver(record),
        approved_by_id: approver_id(record),
        submitted_by: text(record, "email"),
        submitted_by_id: record.get("user_id").and_then(numeric_id),
        date_created: text(record, "date"),
        processed_ts: text(record, "processed_ts"),
        date_modified: text(record, "date_modified"),
        expiration_ts: text(record, "expiration_ts"),
        confidence: number(record, "confidence"),
        source_confidence_weight: number(record, "source_confidence_weight"),
        threat_type: text(record, "threat_type"),
        tlp: text(record, "tlp"),
        is_public: record.get("is_public").and_then(Value::as_bool),
        tags: tag_names(record).map(str::to_owned).collect(),
        intelligence_initiatives: initiatives(record),
        associations: associations(record),
        trusted_circles: ids(record, "trusted_circles"),
        intelligence_source: text(record, "intelligence_source"),
        file_name: text(record, "fileName"),
        file_type: text(record, "fileType"),
        name: text(record, "name"),
        notes: text(record, "notes"),
        default_comment: text(record, "default_comment"),
    }
}

/// What the UI shows for a status; a status it does not name is shown as ThreatStream sent it.
pub(super) fn status_label(status: &str) -> String {
    let label = match status {
        "processing" => "Processing",
        "done" => "Ready To Review",
        "approving" => "Approving",
        "approved" => "Approved",
        "rejecting" => "Rejecting",
        "deleted" => "Rejected",
        "errors" => "Errors",
        other => other,
    };
    label.to_owned()
}

/// A text field, or a number written as text (ids come both ways); blank text is none.
fn text(record: &Record, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn number(record: &Record, field: &str) -> Option<i64> {
    match record.get(field)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// `messages` is one string in every source; a list of strings is joined, one per line, in case a
/// release sends it so.
fn messages(record: &Record) -> Option<String> {
    let joined = match record.get("messages")? {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        Value::String(text) => text.trim().to_owned(),
        _ => String::new(),
    };
    Some(joined).filter(|text| !text.is_empty())
}

/// `approved_by` is a user object (`{"email", "id": "111", ...}`); an older reading had it an e-mail
/// address, which is still taken.
fn approver(record: &Record) -> Option<String> {
    match record.get("approved_by")? {
        Value::Object(user) => ["email", "username", "name"]
            .iter()
            .filter_map(|key| user.get(*key).and_then(Value::as_str))
            .find(|name| !name.trim().is_empty())
            .map(str::to_owned),
        _ => text(record, "approved_by"),
    }
}

/// `[{"id": 1, "type": "malware-intelligence"}]` as its types.
fn initiatives(record: &Record) -> Vec<String> {
    list(record, "intelligence_initiatives")
        .filter_map(|initiative| {
            initiative
                .get("type")
                .and_then(Value::as_str)
                .or_else(|| initiative.as_str())
        })
        .filter(|kind| !kind.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// The ids in a list of objects with an `id`, or of ids.
fn ids(record: &Record, field: &str) -> Vec<u64> {
    list(record, field)
        .filter_map(|item| numeric_id(item.get("id").unwrap_or(item)))
        .collect()
}

/// `{"actors": [{"id": "10909", "name": ...}], "campaigns": [], ...}` as one list, in ThreatStream's order.
fn associations(record: &Record) -> Vec<SessionAssociation> {
    let Some(Value::Object(kinds)) = record.get("associations") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (key, models) in kinds {
        let model_type = ASSOCIATION_KEYS
            .iter()
            .find(|(plural, _)| plural == key)
            .map_or(key.as_str(), |(_, singular)| singular);
        for model in models.as_array().into_iter().flatten() {
            let id = model.get("id").and_then(numeric_id);
            let name = model
                .get("name")
                .and_then(Value::as_str)
                .filter(|name| !name.trim().is_empty())
                .map(str::to_owned);
            if id.is_some() || name.is_some() {
                found.push(SessionAssociation {
                    model_type: model_type.to_owned(),
                    id,
                    name,
                });
            }
        }
    }
    found
}

fn list<'a>(record: &'a Record, field: &str) -> impl Iterator<Item = &'a Value> {
    record.get(field).and_then(Value::as_array).into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::record_of;

    #[test]
    fn a_session_is_shown_under_the_plugins_names_with_the_uis_status() {
        let shown = summary(&record_of(json!({"id": 1000000344, "jobID": "j-1", "status": "done",
            "numIndicators": 2, "numRejected": "1", "approved_by": null, "processed_ts": "2026-09-14T08:22:03Z",
            "date_modified": "2026-09-14T08:22:03Z", "messages": "", "fields": {}})));
        assert_eq!(
            serde_json::to_value(shown).unwrap(),
            json!({"id": "1000000344", "job_id": "j-1", "status": "done", "status_label": "Ready To Review",
                "num_indicators": 2, "num_rejected": 1, "processed_ts": "2026-09-14T08:22:03Z",
                "date_modified": "2026-09-14T08:22:03Z"})
        );
        let approved = summary(&record_of(json!({"id": "7", "status": "approved",
            "approved_by": {"email": "lead@example.com", "id": "111"}, "approved_by_id": 111})));
        assert_eq!(approved.approved_by.as_deref(), Some("lead@example.com"));
        assert_eq!(approved.approved_by_id, Some(111));
        assert_eq!(approved.status_label, "Approved");
        assert_eq!(status_label("deleted"), "Rejected");
        assert_eq!(status_label("queued"), "queued");
    }

    #[test]
    fn what_explains_a_session_is_kept_with_ids_read_either_way() {
        // The second item of XSOAR's list_import_job_response, with SOAR's string ids in associations.
        let shown = summary(&record_of(json!({"id": 120759, "status": "errors",
            "messages": "Failed to import the URL ", "email": "submitter@example.com", "user_id": "111",
            "approved_by_id": null, "confidence": 50, "threat_type": "exploit", "tlp": null,
            "tags": [{"id": "id1", "name": "tag1", "org_id": 11}, {"id": "id2", "name": "tag2", "org_id": 11}],
            "intelligence_initiatives": [{"id": 1, "type": "malware-intelligence"}],
            "associations": {"actors": [{"id": "10909", "name": "Example Actor", "resource_uri": "/api/v1/actor/10909/"}],
                "campaigns": [], "tip_reports": [{"id": 7, "name": "Bulletin"}], "tools": [{"id": "3"}]},
            "trusted_circles": [{"id": 146, "name": "Circle"}, 311], "fileType": "url", "fileName": "txt",
            "num_public": 0, "num_private": 0, "is_public": false, "default_comment": null})));
        assert_eq!(
            serde_json::to_value(shown).unwrap(),
            json!({"id": "120759", "status": "errors", "status_label": "Errors",
                "messages": "Failed to import the URL", "num_public": 0, "num_private": 0,
                "submitted_by": "submitter@example.com", "submitted_by_id": 111, "confidence": 50,
                "threat_type": "exploit", "is_public": false, "tags": ["tag1", "tag2"],
                "intelligence_initiatives": ["malware-intelligence"],
                "associations": [{"model_type": "actor", "id": 10909, "name": "Example Actor"},
                    {"model_type": "tipreport", "id": 7, "name": "Bulletin"}, {"model_type": "tool", "id": 3}],
                "trusted_circles": [146, 311], "file_name": "txt", "file_type": "url"})
        );
    }

    #[test]
    fn messages_sent_as_a_list_are_one_per_line() {
        let shown = summary(&record_of(
            json!({"messages": ["Line 3: not an observable", " ", "Line 9: too long"]}),
        ));
        assert_eq!(
            shown.messages.as_deref(),
            Some("Line 3: not an observable\nLine 9: too long")
        );
        assert_eq!(summary(&record_of(json!({"messages": "  "}))).messages, None);
    }
}
