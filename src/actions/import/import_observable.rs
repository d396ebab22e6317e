//! Import Observable: 4.0.0's name for the import with approval, with its `observable_settings` and
//! the traffic-light marking `tlp`. Text (`datatext`) works here too.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::settings::ObservableSettings;
use super::{example_response, import, source, ObservableResponse};
use crate::actions::connection::Connection;
use crate::actions::file::File;
use crate::actions::TypedAction;
use crate::protocol::{output_of, Failure, Output};

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
    #[schemars(title = "TLP", example = Tlp::Red)]
    tlp: Option<Tlp>,
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

impl Tlp {
    fn wire_name(self) -> Option<&'static str> {
        match self {
            Tlp::Red => Some("red"),
            Tlp::Amber => Some("amber"),
            Tlp::Green => Some("green"),
            Tlp::Clear => Some("clear"),
            Tlp::AmberStrict => Some("amber+strict"),
            Tlp::Unset => None,
        }
    }
}

#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct ImportObservableOutput {
    /// Results from importing observable(s)
    #[schemars(title = "Results", example = example_response())]
    results: ObservableResponse,
}

pub(crate) struct ImportObservable;

impl TypedAction for ImportObservable {
    const ID: &'static str = "import_observable";
    const TITLE: &'static str = "Import Observable";
    const DESCRIPTION: &'static str = "Import observable(s) into Anomali ThreatStream with approval";
    type Input = ImportObservableInput;
    type OutputSchema = ImportObservableOutput;

    async fn run(connection: &Connection, input: ImportObservableInput) -> Result<Output, Failure> {
        let settings = input.observable_settings.unwrap_or_default().0;
        let mut fields = settings.form_fields("observable_settings")?;
        if let Some(tlp) = input.tlp.and_then(Tlp::wire_name) {
            fields.push(("tlp", tlp.to_owned()));
        }
        let source = source(input.file, input.datatext)?;
        output_of(&json!({"results": import(connection, fields, source).await?}))
    }
}
