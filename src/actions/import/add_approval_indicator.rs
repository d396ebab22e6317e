//! Add Approval Indicator: hand ThreatStream a file (or text) of observables, which it files as an
//! import session for an analyst to approve.
//!
//! Everything the user sent is checked before the one request goes out, so a bad input never leaves a
//! half-made import behind. The file is decoded in place and moved into the request body, so a large
//! import holds as few copies of it as possible.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::info;

use crate::protocol::{output_of, Failure, Output, Preset};
use crate::threatstream::{self, ApiError, ImportSource};

use super::content::Base64Bytes;
use super::settings::IndicatorSettings;
use crate::actions::connection::Connection;
use crate::actions::TypedAction;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddApprovalIndicatorInput {
    /// File of data to be imported into Anomali ThreatStream, such as a CSV or text file of observables. Give either this or Data Text
    #[schemars(title = "File", example = json!({"filename": "TestHashesAnom.csv",
        "content": "dmFsdWUsaXR5cGUsdGFncwo0ZDY4NDYyY2E2MDcxZjliNmFkMGZhYmVhOGJkMWM5ZixtYWxfbWQ1LAo="}))]
    file: Option<File>,
    /// Observables to import, as plain text (for example one IP address, domain, URL or hash per line). Give either this or File
    #[schemars(
        title = "Data Text",
        example = "198.51.100.7\nevil-domain.example\n44d88612fea8a8f36de82e1278abb02f",
        extend("alternativeTo" = "file")
    )]
    datatext: Option<String>,
    /// Settings needed for importing an indicator that needs approval
    #[schemars(title = "Indicator Settings", example = json!({"classification": "private", "confidence": 80,
        "severity": "high", "threat_type": "malware", "md5_mapping": "mal_md5", "notes": ["phishing", "campaign-7"],
        "trustedcircles": [146]}))]
    indicator_settings: Option<IndicatorSettings>,
}

/// The InsightConnect `file` type.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "file", title = "File")]
pub(crate) struct File {
    /// Name of the file
    #[schemars(title = "Filename")]
    filename: String,
    /// File contents, base64-encoded
    #[schemars(title = "Content", extend("format" = "bytes", "displayType" = "bytes"))]
    content: Base64Bytes,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AddApprovalIndicatorOutput {
    /// Results from adding indicator(s)
    #[schemars(title = "Results", example = json!({"job_id": "00bc2d03-c608-4824-863d-0a7c9126615a",
        "success": true, "import_session_id": "1000000344"}))]
    results: ImportIndicatorResponse,
}

#[derive(Serialize, JsonSchema)]
#[schemars(rename = "import_indicator_response", title = "import_indicator_response")]
pub(crate) struct ImportIndicatorResponse {
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

impl AddApprovalIndicatorInput {
    /// Exactly one source of observables, decoded and non-empty.
    fn source(self) -> Result<(ImportSource, IndicatorSettings), Failure> {
        let settings = self.indicator_settings.unwrap_or_default();
        let datatext = self.datatext.filter(|text| !text.trim().is_empty());
        let source = match (self.file, datatext) {
            (Some(file), None) => file.decoded()?,
            (None, Some(text)) => ImportSource::Text(text),
            (Some(_), Some(_)) => {
                return Err(Failure::invalid_input("file", "give either file or datatext, not both"));
            }
            (None, None) => {
                return Err(Failure::invalid_input(
                    "file",
                    "give a file of observables, or datatext",
                ));
            }
        };
        Ok((source, settings))
    }
}

impl File {
    fn decoded(self) -> Result<ImportSource, Failure> {
        let name = self.filename.trim().to_owned();
        if name.is_empty() {
            let reason = "the file has no filename; ThreatStream reads the extension to decide how to parse it";
            return Err(Failure::invalid_input("file.filename", reason));
        }
        let Base64Bytes(bytes) = self.content;
        if bytes.is_empty() {
            return Err(Failure::invalid_input("file.content", "the file is empty"));
        }
        Ok(ImportSource::File { name, bytes })
    }
}

async fn run(connection: &Connection, input: AddApprovalIndicatorInput) -> Result<Output, Failure> {
    let (source, settings) = input.source()?;
    let fields = settings.form_fields()?;
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
    let output = AddApprovalIndicatorOutput {
        results: ImportIndicatorResponse {
            job_id: session.job_id,
            success: true,
            import_session_id: session.id,
        },
    };
    output_of(&output)
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

pub(crate) struct AddApprovalIndicator;

impl TypedAction for AddApprovalIndicator {
    const ID: &'static str = "add_approval_indicator";
    const TITLE: &'static str = "Add Approval Indicator";
    const DESCRIPTION: &'static str = "Import indicator(s) into Anomali ThreatStream with approval";
    type Input = AddApprovalIndicatorInput;
    type OutputSchema = AddApprovalIndicatorOutput;

    async fn run(connection: &Connection, input: AddApprovalIndicatorInput) -> Result<Output, Failure> {
        run(connection, input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn source(input: Value) -> Result<ImportSource, Failure> {
        let raw = serde_json::value::RawValue::from_string(input.to_string()).unwrap();
        let input: AddApprovalIndicatorInput = crate::actions::parse_input(&raw)?;
        input.source().map(|(source, _)| source)
    }

    fn cause(input: Value) -> String {
        source(input).err().map(|failure| failure.cause).unwrap_or_default()
    }

    #[test]
    fn decodes_the_seed_file_and_wrapped_base64() {
        let seed = json!({"file": {"filename": "TestHashesAnom.csv",
            "content": "dmFsdWUsaXR5cGUsdGFncwo0ZDY4NDYyY2E2MDcxZjliNmFkMGZhYmVhOGJkMWM5ZixtYWxfbWQ1LAo="}});
        let ImportSource::File { name, bytes } = source(seed).expect("valid") else {
            panic!("a file")
        };
        assert_eq!(name, "TestHashesAnom.csv");
        assert_eq!(bytes, b"value,itype,tags\n4d68462ca6071f9b6ad0fabea8bd1c9f,mal_md5,\n");
        let wrapped = json!({"file": {"filename": "a.txt", "content": "aGVs\nbG8=\n"}});
        assert!(matches!(source(wrapped), Ok(ImportSource::File { bytes, .. }) if bytes == b"hello"));
    }

    #[test]
    fn exactly_one_source() {
        assert!(cause(json!({})).contains("'file'"));
        assert!(cause(json!({"datatext": "  "})).contains("'file'"));
        assert!(
            cause(json!({"datatext": "1.2.3.4", "file": {"filename": "a", "content": "YQ=="}})).contains("not both")
        );
        assert!(matches!(
            source(json!({"datatext": "198.51.100.7"})),
            Ok(ImportSource::Text(_))
        ));
    }

    #[test]
    fn bad_files_are_named() {
        assert!(cause(json!({"file": {"filename": "a.csv", "content": "%%%"}})).contains("'file.content'"));
        assert!(cause(json!({"file": {"filename": "a.csv", "content": ""}})).contains("empty"));
        assert!(cause(json!({"file": {"filename": " ", "content": "YQ=="}})).contains("'file.filename'"));
    }
}
