//! Import Observable: 4.0.0's name for the import with approval, with its `observable_settings` and
//! the traffic-light marking `tlp`. Text (`datatext`) works here too.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::settings::ObservableSettings;
use super::{example_response, import, source, DefaultState, Follow, ObservableResponse, MAX_WAIT_SECONDS};
use crate::actions::connection::Connection;
use crate::actions::file::File;
use crate::actions::sessions::{example_session, ImportSessionSummary};
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::Failure;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportObservableInput {
    /// File of data to be imported into Anomali ThreatStream, such as a CSV or text file of observables. Give either this or Data Text
    #[schemars(title = "File", example = json!({"filename": "observables.csv",
        "content": "dmFsdWUsaXR5cGUsdGFncwoxOTguNTEuMTAwLjcsYnJ1dGVfaXAsc3NoCg=="}))]
    file: Option<File>,
    /// Observables to import, as plain text (for example one IP address, domain, URL or hash per line). Give either this or File
    #[schemars(
        title = "Data Text",
        example = "198.51.100.7\nevil-domain.example",
        extend("alternativeTo" = "file")
    )]
    datatext: Option<String>,
    /// Settings needed for importing an observable that needs approval
    #[schemars(title = "Observable Settings",
        example = json!({"classification": "public", "confidence": 100, "threat_type": "brute"}))]
    observable_settings: Option<ObservableSettings>,
    /// Protocol to indicate how sensitive information should be shared
    #[schemars(title = "TLP", example = Tlp::Red, extend("default" = ""))]
    tlp: Option<Tlp>,
    /// Active has ThreatStream approve the import session as soon as it is processed, with no analyst's review (this needs ThreatStream's Approve Intel permission); Pending leaves it for an analyst
    #[schemars(title = "Default State", example = DefaultState::Pending, extend("default" = "pending"))]
    default_state: Option<DefaultState>,
    /// Seconds to wait for ThreatStream to process the import, at most 600; 0 answers at once. When waiting, the output also carries the import session with its status and counts
    #[serde(default)]
    #[schemars(title = "Wait for Processing", range(min = 0, max = MAX_WAIT_SECONDS), example = 60)]
    wait_for_processing: u64,
}

/// The Traffic Light Protocol marking of the imported observables; empty is not sent.
#[derive(Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum Tlp {
    #[serde(rename = "red")]
    Red,
    #[serde(rename = "amber")]
    Amber,
    #[serde(rename = "green")]
    Green,
    #[serde(rename = "clear")]
    Clear,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    // Not set: ThreatStream decides.
    #[serde(rename = "")]
    Unset,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ImportObservableOutput {
    /// Results from importing observable(s)
    #[schemars(title = "Results", example = example_response())]
    results: ObservableResponse,
    /// The import session once processed, or still processing when Wait for Processing ran out; only when Wait for Processing is more than 0
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Import Session", example = example_session())]
    import_session: Option<ImportSessionSummary>,
}

pub(crate) struct ImportObservable;

impl TypedStep for ImportObservable {
    const ID: &'static str = "import_observable";
    const TITLE: &'static str = "Import Observable";
    const DESCRIPTION: &'static str = "Import observable(s) into Anomali ThreatStream with approval";
    type Input = ImportObservableInput;
    type Output = ImportObservableOutput;
}

impl TypedAction for ImportObservable {
    async fn run(connection: &Connection, input: ImportObservableInput) -> Result<ImportObservableOutput, Failure> {
        let settings = input.observable_settings.unwrap_or_default().0;
        let mut fields = settings.form_fields("observable_settings")?;
        if let Some(tlp) = chosen(input.tlp) {
            fields.push(("tlp", tlp));
        }
        let source = source(input.file, input.datatext)?;
        let follow = Follow {
            state: input.default_state.unwrap_or_default(),
            wait: input.wait_for_processing,
        };
        let imported = import(connection, fields, source, follow).await?;
        Ok(ImportObservableOutput {
            results: ObservableResponse(imported.results),
            import_session: imported.import_session,
        })
    }
}
