//! Reject Import Session: the observables of an import session are dropped, never stored.
//!
//! ThreatStream's rejection is a DELETE of the session, answered 204 with no body; the session stays
//! listed with status deleted (Rejected in the UI). Rejecting a rejected session succeeds again, so
//! the call is retried like a read. When an attempt got no answer and the retry finds no session, the
//! first attempt most likely rejected it: the goal is reached, and the step succeeds with a warning in
//! its log saying so.
//!
//! The route is FortiSOAR's: its connector's Reject IOC By Import ID sends `DELETE
//! /api/v1/importsession/{id}` with no body and takes a 204 as the success (also a 200 or 202 with
//! JSON), and the community FortiSOAR-Anomali extension does the same; XSOAR and Splunk SOAR name the
//! resulting status `deleted` Rejected. No public client rejects any other way. The plugin keeps the
//! trailing slash every other session route has; an answer body, if any, is not read.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::{session_failure, session_id, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::input::TextId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, Rejection};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectImportSessionInput {
    /// ID of the import session to reject, as Add Approval Indicator or Import Observable answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: TextId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct RejectImportSessionOutput {
    /// Whether ThreatStream rejected the session
    #[schemars(title = "Success", example = true)]
    success: bool,
}

pub(crate) struct RejectImportSession;

impl TypedStep for RejectImportSession {
    const ID: &'static str = "reject_import_session";
    const TITLE: &'static str = "Reject Import Session";
    const DESCRIPTION: &'static str = "Reject an import session, dropping its observables";
    type Input = RejectImportSessionInput;
    type Output = RejectImportSessionOutput;
}

impl TypedAction for RejectImportSession {
    async fn run(
        connection: &Connection,
        input: RejectImportSessionInput,
    ) -> Result<RejectImportSessionOutput, Failure> {
        let id = session_id(&input.import_session_id, "import_session_id")?;
        let rejection = threatstream::reject_import_session(&connection.client, id)
            .await
            .map_err(|error| session_failure(error, id, SessionCall::Reject))?;
        if let Rejection::Presumed { earlier } = rejection {
            warn!(
                "ThreatStream has no import session {id} any more: an earlier attempt to reject it got no answer \
                 ({earlier}) and most likely rejected it, which removes it. Taken as rejected."
            );
        }
        Ok(RejectImportSessionOutput { success: true })
    }
}
