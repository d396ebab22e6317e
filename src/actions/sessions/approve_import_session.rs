//! Approve Import Session: the observables of an import session become active intelligence.
//!
//! Approving an approved session succeeds again, so a workflow may approve without checking first, and
//! the call is retried like a read. ThreatStream answers with the session, `approving` while it makes
//! the observables active (its UI then shows `approved`); a session still processing is approved once
//! processing ends.
//!
//! A 2xx is not an approval by itself: ThreatStream may answer with a session nobody approved (an
//! account without the Approve Intel permission on some releases, a session in `errors`). The step
//! succeeds only when the session names its approver, `approved_by_id`, as XSOAR's v3 integration
//! requires (`threatstream::approver_id`); otherwise it fails saying what ThreatStream answered.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{example_session, session_failure, session_id, summary, ImportSessionSummary, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::input::TextId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::{quoted, shown, Failure};
use crate::threatstream::{self, approver_id, Client, Record};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveImportSessionInput {
    /// ID of the import session to approve, as Add Approval Indicator or Import Observable answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: TextId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ApproveImportSessionOutput {
    /// Whether ThreatStream approved the session: true, since an answer that names no approver is an error
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// The import session after the approval: approving while ThreatStream makes the observables active, then approved
    #[schemars(title = "Import Session", example = example_approved())]
    import_session: ImportSessionSummary,
}

fn example_approved() -> Value {
    let mut session = example_session();
    session["status"] = json!("approving");
    session["status_label"] = json!("Approving");
    session["approved_by"] = json!("lead@example.com");
    session["approved_by_id"] = json!(111);
    session
}

pub(crate) struct ApproveImportSession;

impl TypedStep for ApproveImportSession {
    const ID: &'static str = "approve_import_session";
    const TITLE: &'static str = "Approve Import Session";
    const DESCRIPTION: &'static str = "Approve an import session, making its observables active";
    type Input = ApproveImportSessionInput;
    type Output = ApproveImportSessionOutput;
}

impl TypedAction for ApproveImportSession {
    async fn run(
        connection: &Connection,
        input: ApproveImportSessionInput,
    ) -> Result<ApproveImportSessionOutput, Failure> {
        let id = session_id(&input.import_session_id, "import_session_id")?;
        let client = &connection.client;
        let answer = threatstream::approve_import_session(client, id)
            .await
            .map_err(|error| session_failure(error, id, SessionCall::Approve))?;
        // ThreatStream answers with the session; an answer without one is read back.
        let session = match answer {
            Value::Object(session) if session.contains_key("status") => session,
            _ => threatstream::import_session(client, id)
                .await
                .map_err(|error| session_failure(error, id, SessionCall::Read))?,
        };
        if approver_id(&session).is_none() {
            return Err(not_approved(client, id, &session));
        }
        Ok(ApproveImportSessionOutput {
            success: true,
            import_session: summary(&session),
        })
    }
}

/// ThreatStream answered the approval with session `id` naming no approver: what it said, and what
/// to check. The session itself goes in the data.
fn not_approved(client: &Client, id: u64, session: &Record) -> Failure {
    let approver = match session.get("approved_by_id") {
        None => "no approved_by_id".to_owned(),
        Some(Value::String(text)) => format!("approved_by_id {}", quoted(text)),
        Some(other) => format!("approved_by_id {}", shown(&other.to_string())),
    };
    let status = match session.get("status") {
        Some(Value::String(status)) => format!("status {}", quoted(status)),
        _ => "no status".to_owned(),
    };
    Failure::upstream(
        format!(
            "ThreatStream did not confirm the approval of import session {id}: the session it answered \
             with has {approver} and {status}, so nobody approved it."
        ),
        "Check that the account in the connection has ThreatStream's Approve Intel permission, and that \
         the session is ready to review (status done, not errors or deleted): read it with Get Import \
         Session, then approve it again.",
    )
    .with_data(client.excerpt_of(&Value::Object(session.clone())))
}
