//! Reject Import Session: the observables of an import session are dropped, never stored.
//!
//! ThreatStream's rejection is a DELETE of the session, answered 204 with no body; the session stays
//! listed with status deleted (Rejected in the UI). Rejecting a rejected session succeeds again, so
//! the call is retried like a read.
//!
//! Why a DELETE: the API's public users document the session statuses (`deleted` is Rejected) and the
//! approve route, but none calls a reject route; the UI's rejection leaves a `deleted` session, which is
//! what a DELETE of the resource yields. Not yet checked against a live instance; the simulator follows
//! this reading (shared/reference/threatstream-api-and-peers.md, import sessions).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{session_failure, session_id, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::TypedAction;
use crate::protocol::{output_of, Failure, Output};
use crate::threatstream;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectImportSessionInput {
    /// ID of the import session to reject, as Add Approval Indicator or Import Observable answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: String,
}

#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct RejectImportSessionOutput {
    /// Whether ThreatStream rejected the session
    #[schemars(title = "Success", example = true)]
    success: bool,
}

pub(crate) struct RejectImportSession;

impl TypedAction for RejectImportSession {
    const ID: &'static str = "reject_import_session";
    const TITLE: &'static str = "Reject Import Session";
    const DESCRIPTION: &'static str = "Reject an import session, dropping its observables";
    type Input = RejectImportSessionInput;
    type OutputSchema = RejectImportSessionOutput;

    async fn run(connection: &Connection, input: RejectImportSessionInput) -> Result<Output, Failure> {
        let id = session_id(&input.import_session_id, "import_session_id")?;
        threatstream::reject_import_session(&connection.client, id)
            .await
            .map_err(|error| session_failure(error, id, SessionCall::Reject))?;
        output_of(&json!({"success": true}))
    }
}
