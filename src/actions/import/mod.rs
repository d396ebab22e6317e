//! Imports: observables handed to ThreatStream, which files them as an import session for an analyst
//! to approve.
//!
//! Two actions share one engine: Add Approval Indicator, under its 2.0.0 name and inputs, and Import
//! Observable, 4.0.0's name for the same call with `tlp`. Everything the user sent is checked before
//! the one request goes out, so a bad input never leaves a half-made import behind, and the import
//! is never retried: each upload creates a new session.

mod add_approval_indicator;
mod import_observable;
mod settings;

use schemars::JsonSchema;
use serde::Serialize;
use tracing::info;

use super::connection::Connection;
use super::file::File;
use super::spec_named;
use crate::protocol::{Action, Failure, Preset};
use crate::threatstream::{self, ApiError, ImportSource};

/// The import actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &add_approval_indicator::AddApprovalIndicator,
    &import_observable::ImportObservable,
];

/// Exactly one source of observables: a file (checked and decoded), or text.
fn source(file: Option<File>, datatext: Option<String>) -> Result<ImportSource, Failure> {
    let datatext = datatext.filter(|text| !text.trim().is_empty());
    let file = file.filter(|file| !file.is_unset());
    match (file, datatext) {
        (Some(file), None) => {
            let file = file.decoded("file")?;
            Ok(ImportSource::File {
                name: file.name,
                bytes: file.bytes,
            })
        }
        (None, Some(text)) => Ok(ImportSource::Text(text)),
        (Some(_), Some(_)) => Err(Failure::invalid_input("file", "give either file or datatext, not both")),
        (None, None) => Err(Failure::invalid_input(
            "file",
            "give a file of observables, or datatext",
        )),
    }
}

/// Sends the import, once, and answers with the session ThreatStream created.
async fn import(
    connection: &Connection,
    fields: Vec<(&'static str, String)>,
    source: ImportSource,
) -> Result<ImportResponse, Failure> {
    match &source {
        ImportSource::File { name, bytes } => info!(
            "Importing file {name} ({} bytes), {} settings",
            bytes.len(),
            fields.len()
        ),
        ImportSource::Text(text) => info!("Importing {} characters of text, {} settings", text.len(), fields.len()),
    }
    let session = threatstream::import_with_approval(&connection.client, fields, source)
        .await
        .map_err(import_failure)?;
    Ok(ImportResponse {
        job_id: session.job_id,
        success: true,
        import_session_id: session.id,
    })
}

/// A 403 on import means the account may not import: the seed's troubleshooting note says which permission.
fn import_failure(error: ApiError) -> Failure {
    let forbidden = matches!(error, ApiError::Status { status: 403, .. });
    let mut failure = Failure::from(error);
    if forbidden && failure.preset_of() == Some(Preset::Unauthorized) {
        failure.assistance = "Importing observables needs the ThreatStream `approver` permission (or the import \
                              permission) for the account configured in the connection. Ask a ThreatStream \
                              administrator to grant it, then try again."
            .to_owned();
    }
    failure
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

spec_named!(IndicatorResponse(ImportResponse), "import_indicator_response");
spec_named!(ObservableResponse(ImportResponse), "import_observable_response");
