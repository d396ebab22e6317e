//! Get Import Session: the state and counts of one import session, such as an import answered, and
//! what explains them (ThreatStream's `messages` when it ended in `errors`, the submitter, the tags).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{example_session, session_failure, session_id, summary, ImportSessionSummary, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::input::TextId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetImportSessionInput {
    /// ID of the import session, as Add Approval Indicator or Import Observable answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: TextId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetImportSessionOutput {
    /// The import session
    #[schemars(title = "Import Session", example = example_session())]
    import_session: ImportSessionSummary,
}

pub(crate) struct GetImportSession;

impl TypedStep for GetImportSession {
    const ID: &'static str = "get_import_session";
    const TITLE: &'static str = "Get Import Session";
    const DESCRIPTION: &'static str = "Get the status and counts of an import session";
    type Input = GetImportSessionInput;
    type Output = GetImportSessionOutput;
}

impl TypedAction for GetImportSession {
    async fn run(connection: &Connection, input: GetImportSessionInput) -> Result<GetImportSessionOutput, Failure> {
        let id = session_id(&input.import_session_id, "import_session_id")?;
        let session = threatstream::import_session(&connection.client, id)
            .await
            .map_err(|error| session_failure(error, id, SessionCall::Read))?;
        Ok(GetImportSessionOutput {
            import_session: summary(&session),
        })
    }
}
