//! Import sessions: follow what an import with approval became, then approve or reject it.
//!
//! Every session is shown in one shape, `import_session`, which the imports' `wait_for_processing`
//! output shares: ThreatStream's status (`done`), the name the UI gives it (`Ready To Review`) and the
//! counts, under the plugin's snake_case names. Approving and rejecting need ThreatStream's Approve
//! Intel permission; both are idempotent and retried like reads.

mod approve_import_session;
mod get_import_session;
mod list_import_sessions;
mod reject_import_session;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use super::failure::{absent, forbidden, Permission};
use super::positive_id;
use crate::protocol::{Action, Failure};
use crate::threatstream::{ApiError, Record};

/// The import session actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &get_import_session::GetImportSession,
    &list_import_sessions::ListImportSessions,
    &approve_import_session::ApproveImportSession,
    &reject_import_session::RejectImportSession,
];

/// One import session, as every action shows it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "import_session", title = "import_session")]
pub(crate) struct ImportSessionSummary {
    /// ID of the import session
    #[schemars(title = "ID")]
    id: String,
    /// ID of the import job (ThreatStream's jobID)
    #[schemars(title = "Job ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<String>,
    /// ThreatStream's status: processing, done (ready to review), approving, approved, rejecting, deleted (rejected) or errors
    #[schemars(title = "Status")]
    status: String,
    /// The status as ThreatStream's UI names it, such as Ready To Review
    #[schemars(title = "Status Label")]
    status_label: String,
    /// Observables the import found (numIndicators); 0 while processing
    #[schemars(title = "Number of Observables")]
    #[serde(skip_serializing_if = "Option::is_none")]
    num_indicators: Option<i64>,
    /// Observables the import left out (numRejected)
    #[schemars(title = "Number Rejected")]
    #[serde(skip_serializing_if = "Option::is_none")]
    num_rejected: Option<i64>,
    /// Who approved the session
    #[schemars(title = "Approved By")]
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by: Option<String>,
    /// When ThreatStream finished processing the import
    #[schemars(title = "Processed Time")]
    #[serde(skip_serializing_if = "Option::is_none")]
    processed_ts: Option<String>,
    /// When the session last changed
    #[schemars(title = "Date Modified")]
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
}

/// An example session, for help.md.
pub(crate) fn example_session() -> Value {
    json!({"id": "1000000344", "job_id": "00bc2d03-c608-4824-863d-0a7c9126615a", "status": "done",
        "status_label": "Ready To Review", "num_indicators": 2, "num_rejected": 1,
        "processed_ts": "2026-09-14T08:22:03.101Z", "date_modified": "2026-09-14T08:22:03.101Z"})
}

/// ThreatStream's session record in the shared shape.
pub(crate) fn summary(record: &Record) -> ImportSessionSummary {
    let status = text(record, "status").unwrap_or_default();
    ImportSessionSummary {
        id: text(record, "id").unwrap_or_default(),
        job_id: text(record, "jobID").or_else(|| text(record, "job_id")),
        status_label: status_label(&status),
        status,
        num_indicators: number(record, "numIndicators"),
        num_rejected: number(record, "numRejected"),
        approved_by: approver(record),
        processed_ts: text(record, "processed_ts"),
        date_modified: text(record, "date_modified"),
    }
}

/// What the UI shows for a status; a status it does not name is shown as ThreatStream sent it.
fn status_label(status: &str) -> String {
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

/// A text field, or a number written as text (ids come both ways).
fn text(record: &Record, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
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

/// `approved_by` is an e-mail address, or a user object on some releases.
fn approver(record: &Record) -> Option<String> {
    match record.get("approved_by")? {
        Value::Object(user) => ["email", "username", "name"]
            .iter()
            .find_map(|key| user.get(*key).and_then(Value::as_str))
            .map(str::to_owned),
        _ => text(record, "approved_by"),
    }
}

/// An import session ID as ThreatStream numbers sessions, from the text the imports answer with.
pub(crate) fn session_id(given: &str, input: &str) -> Result<u64, Failure> {
    let not = "an import session ID; give the positive whole number an import answered";
    positive_id(given, input, not)
}

/// What was being done to a session, for the words of its failures.
#[derive(Clone, Copy)]
enum SessionCall {
    Read,
    Approve,
    Reject,
}

/// A failed call about session `id`: a 404 names the session, a 409 says its state forbids the change
/// (ThreatStream's answer, in the data, says which state), and a 403 on a change names the Approve Intel
/// permission.
fn session_failure(error: ApiError, id: u64, call: SessionCall) -> Failure {
    let error = match absent(error, || format!("no import session with ID {id}")) {
        Ok(missing) => return missing,
        Err(error) => error,
    };
    let conflict = matches!(error, ApiError::Status { status: 409, .. });
    let (failure, verb) = match call {
        SessionCall::Read => (Failure::from(error), "read"),
        SessionCall::Approve => (
            forbidden(error, &[Permission::Approve], "approving an import session"),
            "approved",
        ),
        SessionCall::Reject => (
            forbidden(error, &[Permission::Approve], "rejecting an import session"),
            "rejected",
        ),
    };
    if conflict {
        return failure.with_cause(format!("Import session {id} cannot be {verb} in its current state."));
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: Value) -> Record {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test records are objects"),
        }
    }

    #[test]
    fn a_session_is_shown_under_the_plugins_names_with_the_uis_status() {
        let shown = summary(&record(json!({"id": 1000000344, "jobID": "j-1", "status": "done",
            "numIndicators": 2, "numRejected": "1", "approved_by": null, "processed_ts": "2026-09-14T08:22:03Z",
            "date_modified": "2026-09-14T08:22:03Z", "fields": {}})));
        assert_eq!(
            serde_json::to_value(shown).unwrap(),
            json!({"id": "1000000344", "job_id": "j-1", "status": "done", "status_label": "Ready To Review",
                "num_indicators": 2, "num_rejected": 1, "processed_ts": "2026-09-14T08:22:03Z",
                "date_modified": "2026-09-14T08:22:03Z"})
        );
        let approved = summary(&record(json!({"id": "7", "status": "approved",
            "approved_by": {"email": "lead@example.com"}})));
        assert_eq!(approved.approved_by.as_deref(), Some("lead@example.com"));
        assert_eq!(approved.status_label, "Approved");
        assert_eq!(status_label("deleted"), "Rejected");
        assert_eq!(status_label("queued"), "queued");
    }

    #[test]
    fn session_ids_are_positive_whole_numbers() {
        assert_eq!(session_id(" 1000000344 ", "import_session_id").unwrap(), 1_000_000_344);
        for bad in ["", "abc", "0", "-1", "1.5", "+3", "1 2"] {
            let failure = session_id(bad, "import_session_id").expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'import_session_id'"),
                "{}",
                failure.cause
            );
        }
    }
}
