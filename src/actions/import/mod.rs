//! Imports: observables handed to ThreatStream, filed as an import session for an analyst to approve,
//! or live at once.
//!
//! Two actions share one engine for the import with approval: Add Approval Indicator, under its 2.0.0
//! name and inputs, and Import Observable, 4.0.0's name for the same call with `tlp`. Both may ask for
//! the session to be approved as soon as it is processed (`default_state: active`) and may wait for
//! the processing (`wait_for_processing`), answering with the session's counts. Import Observables
//! Without Approval is the other route, straight into intelligence. Everything the user sent is checked
//! before the first request goes out, so a bad input never leaves a half-made import behind, and no
//! import is ever retried: each upload creates a new session, each PATCH new intelligence.

mod add_approval_indicator;
mod import_observable;
mod import_observables_without_approval;
mod settings;

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::connection::Connection;
use super::failure::{forbidden, unconfirmed, Permission, Write};
use super::file::File;
use super::input::given;
use super::sessions::{summary, ImportSessionSummary};
use super::spec_named;
use crate::plural::count_of;
use crate::protocol::{Action, Failure};
use crate::threatstream::{self, ImportSource};

pub(crate) use import_observable::Tlp;

/// An import with approval, when a failure leaves unknown whether ThreatStream created the session.
const IMPORT: Write = Write {
    what: "the import",
    check: "List Import Sessions (or ThreatStream's Import Sessions page) shows whether it created an import \
            session just now",
    twice: Some("create a second import session"),
};

/// The import actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &add_approval_indicator::AddApprovalIndicator,
    &import_observable::ImportObservable,
    &import_observables_without_approval::ImportObservablesWithoutApproval,
];

/// Longest `wait_for_processing`: a step that waits longer belongs in a workflow loop.
pub(crate) const MAX_WAIT_SECONDS: u64 = 600;

/// Whether an import with approval waits for an analyst, or is approved once processed.
#[derive(Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum DefaultState {
    // Not sent: the session waits for an analyst's approval. (Not doc comments: they would make the
    // schema a `oneOf` instead of an enum.)
    #[default]
    Pending,
    // Sent as `default_state=active`: ThreatStream approves the session once it is processed.
    Active,
}

/// What happens to an import with approval after the upload.
pub(crate) struct Follow {
    pub(crate) state: DefaultState,
    /// Seconds to wait for the processing; 0 does not wait.
    pub(crate) wait: u64,
}

/// Exactly one source of observables: a file (checked and decoded), or text.
fn source(file: Option<File>, datatext: Option<String>) -> Result<ImportSource, Failure> {
    let datatext = given(datatext);
    let file = given(file);
    match (file, datatext) {
        (Some(file), None) => Ok(ImportSource::File(file.decoded("file")?)),
        (None, Some(text)) => Ok(ImportSource::Text(text)),
        (Some(_), Some(_)) => Err(Failure::invalid_input("file", "give either file or datatext, not both")),
        (None, None) => Err(Failure::invalid_input(
            "file",
            "give a file of observables, or datatext",
        )),
    }
}

/// Sends the import, once, and answers with the session ThreatStream created, followed until it is
/// processed when `follow` asks to wait.
async fn import(
    connection: &Connection,
    mut fields: Vec<(&'static str, String)>,
    source: ImportSource,
    follow: Follow,
) -> Result<Imported, Failure> {
    match &source {
        ImportSource::File(upload) => info!(
            "Importing file {} ({}), {}",
            upload.name,
            count_of(upload.bytes.len(), "byte"),
            count_of(fields.len(), "setting")
        ),
        ImportSource::Text(text) => info!(
            "Importing {} of text, {}",
            count_of(text.len(), "character"),
            count_of(fields.len(), "setting")
        ),
    }
    let needed: &[Permission] = match follow.state {
        DefaultState::Pending => &[Permission::Import],
        DefaultState::Active => {
            fields.push(("default_state", "active".to_owned()));
            &[Permission::Import, Permission::Approve]
        }
    };
    let session = threatstream::import_with_approval(&connection.client, fields, source)
        .await
        .map_err(|error| {
            unconfirmed(error, &IMPORT, |error| {
                forbidden(error, needed, "importing observables")
            })
        })?;
    match follow.state {
        DefaultState::Pending => info!("Import session {} waits for an analyst's approval", session.id),
        DefaultState::Active => info!(
            "Import session {} is approved by ThreatStream once processed (default_state: active)",
            session.id
        ),
    }
    let results = ImportResponse {
        job_id: session.job_id,
        success: true,
        import_session_id: session.id,
    };
    let import_session = match follow.wait {
        0 => None,
        wait => Some(followed_session(connection, &results.import_session_id, wait).await?),
    };
    Ok(Imported {
        results,
        import_session,
    })
}

/// What both imports with approval answer: the session ThreatStream created, and, when asked to wait,
/// the session as processing left it. Each action's output names `results` its own way.
struct Imported {
    results: ImportResponse,
    import_session: Option<ImportSessionSummary>,
}

/// The session ThreatStream created, read until processed or `wait` seconds have passed. A failure
/// here comes after the import was accepted, so it names the session: importing again would import twice.
async fn followed_session(connection: &Connection, id: &str, wait: u64) -> Result<ImportSessionSummary, Failure> {
    let after_import = |failure: Failure| {
        let cause = format!(
            "ThreatStream accepted the import as import session {id}, but following the session failed: {} \
             Do not import again; read the session with Get Import Session.",
            failure.cause
        );
        failure.with_cause(cause)
    };
    let number = id.parse::<u64>().map_err(|_| {
        after_import(Failure::upstream(
            "ThreatStream's import session ID is not a number.",
            "Please contact support.",
        ))
    })?;
    // The schema keeps it within MAX_WAIT_SECONDS.
    let wait = Duration::from_secs(wait);
    let session = threatstream::follow_import_session(&connection.client, number, wait)
        .await
        .map_err(|error| after_import(Failure::from(error)))?;
    Ok(summary(&session))
}

/// The session an import created. Each version's spec names this type differently (2.0.0
/// `import_indicator_response`, 3.0.0 on `import_observable_response`), so its schema comes under
/// both names, as `IndicatorResponse` and `ObservableResponse`.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "import_response", title = "import_response")]
pub(crate) struct ImportResponse {
    /// ID of the import job
    #[schemars(title = "Job ID")]
    job_id: String,
    /// If import was successful
    #[schemars(title = "Success")]
    success: bool,
    /// ID of the import session waiting for approval in ThreatStream
    #[schemars(title = "Import Session ID")]
    import_session_id: String,
}

/// An example of the import's answer, for help.md.
fn example_response() -> serde_json::Value {
    serde_json::json!({"job_id": "00bc2d03-c608-4824-863d-0a7c9126615a", "success": true,
        "import_session_id": "1000000344"})
}

spec_named!(
    #[derive(Serialize)]
    #[serde(transparent)]
    IndicatorResponse(ImportResponse),
    "import_indicator_response"
);
spec_named!(
    #[derive(Serialize)]
    #[serde(transparent)]
    ObservableResponse(ImportResponse),
    "import_observable_response"
);
