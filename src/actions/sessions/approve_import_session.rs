//! Approve Import Session: the observables of an import session become active intelligence.
//!
//! Approving an approved session succeeds again, so a workflow may approve without checking first, and
//! the call is retried like a read. A session still processing is approved once processing ends
//! (ThreatStream shows it as approving meanwhile).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{example_session, session_failure, session_id, summary, ImportSessionSummary, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::TypedAction;
use crate::protocol::{output_of, Failure, Output};
use crate::threatstream;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveImportSessionInput {
    /// ID of the import session to approve, as Add Approval Indicator or Import Observable answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: String,
}

#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct ApproveImportSessionOutput {
    /// Whether ThreatStream approved the session
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// The import session after the approval
    #[schemars(title = "Import Session", example = example_approved())]
    import_session: ImportSessionSummary,
}

fn example_approved() -> Value {
    let mut session = example_session();
    session["status"] = json!("approved");
    session["status_label"] = json!("Approved");
    session["approved_by"] = json!("analyst@example.com");
    session
}

pub(crate) struct ApproveImportSession;

impl TypedAction for ApproveImportSession {
    const ID: &'static str = "approve_import_session";
    const TITLE: &'static str = "Approve Import Session";
    const DESCRIPTION: &'static str = "Approve an import session, making its observables active";
    type Input = ApproveImportSessionInput;
    type OutputSchema = ApproveImportSessionOutput;

    async fn run(connection: &Connection, input: ApproveImportSessionInput) -> Result<Output, Failure> {
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
        output_of(&json!({"success": true, "import_session": summary(&session)}))
    }
}
