//! Add Approval Indicator: the 2.0.0 action, with its name and inputs, importing a file (or text) of
//! observables as an import session for an analyst to approve.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::settings::IndicatorSettings;
use super::{example_response, import, source, DefaultState, Follow, IndicatorResponse, MAX_WAIT_SECONDS};
use crate::actions::connection::Connection;
use crate::actions::file::File;
use crate::actions::sessions::{example_session, ImportSessionSummary};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;

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
    /// Active has ThreatStream approve the import session as soon as it is processed, with no analyst's review (this needs ThreatStream's Approve Intel permission); Pending leaves it for an analyst
    #[schemars(title = "Default State", example = DefaultState::Pending, extend("default" = "pending"))]
    default_state: Option<DefaultState>,
    /// Seconds to wait for ThreatStream to process the import, at most 600; 0 answers at once. When waiting, the output also carries the import session with its status and counts
    #[serde(default)]
    #[schemars(title = "Wait for Processing", range(min = 0, max = MAX_WAIT_SECONDS), example = 60)]
    wait_for_processing: u64,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AddApprovalIndicatorOutput {
    /// Results from adding indicator(s)
    #[schemars(title = "Results", example = example_response())]
    results: IndicatorResponse,
    /// The import session once processed, or still processing when Wait for Processing ran out; only when Wait for Processing is more than 0
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Import Session", example = example_session())]
    import_session: Option<ImportSessionSummary>,
}

pub(crate) struct AddApprovalIndicator;

impl TypedStep for AddApprovalIndicator {
    const ID: &'static str = "add_approval_indicator";
    const TITLE: &'static str = "Add Approval Indicator";
    const DESCRIPTION: &'static str = "Import indicator(s) into Anomali ThreatStream with approval";
    type Input = AddApprovalIndicatorInput;
    type Output = AddApprovalIndicatorOutput;
}

impl TypedAction for AddApprovalIndicator {
    async fn run(
        connection: &Connection,
        input: AddApprovalIndicatorInput,
    ) -> Result<AddApprovalIndicatorOutput, Failure> {
        let settings = input.indicator_settings.unwrap_or_default().0;
        let fields = settings.form_fields("indicator_settings")?;
        let source = source(input.file, input.datatext)?;
        let follow = Follow {
            state: input.default_state.unwrap_or_default(),
            wait: input.wait_for_processing,
        };
        let imported = import(connection, fields, source, follow).await?;
        Ok(AddApprovalIndicatorOutput {
            results: IndicatorResponse(imported.results),
            import_session: imported.import_session,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::{ImportSource, Upload};
    use serde_json::Value;

    fn source_of(input: Value) -> Result<ImportSource, Failure> {
        let raw = serde_json::value::RawValue::from_string(input.to_string()).unwrap();
        let input: AddApprovalIndicatorInput = crate::actions::parse_input(&raw)?;
        source(input.file, input.datatext)
    }

    fn cause(input: Value) -> String {
        source_of(input).err().map(|failure| failure.cause).unwrap_or_default()
    }

    #[test]
    fn decodes_the_seed_file_and_wrapped_base64() {
        let seed = json!({"file": {"filename": "TestHashesAnom.csv",
            "content": "dmFsdWUsaXR5cGUsdGFncwo0ZDY4NDYyY2E2MDcxZjliNmFkMGZhYmVhOGJkMWM5ZixtYWxfbWQ1LAo="}});
        let ImportSource::File(Upload { name, bytes }) = source_of(seed).expect("valid") else {
            panic!("a file")
        };
        assert_eq!(name, "TestHashesAnom.csv");
        assert_eq!(bytes, b"value,itype,tags\n4d68462ca6071f9b6ad0fabea8bd1c9f,mal_md5,\n");
        let wrapped = json!({"file": {"filename": "a.txt", "content": "aGVs\nbG8=\n"}});
        assert!(matches!(source_of(wrapped), Ok(ImportSource::File(Upload { bytes, .. })) if bytes == b"hello"));
    }

    #[test]
    fn exactly_one_source() {
        assert!(cause(json!({})).contains("'file'"));
        assert!(cause(json!({"datatext": "  "})).contains("'file'"));
        assert!(
            cause(json!({"datatext": "1.2.3.4", "file": {"filename": "a", "content": "YQ=="}})).contains("not both")
        );
        assert!(matches!(
            source_of(json!({"datatext": "198.51.100.7"})),
            Ok(ImportSource::Text(_))
        ));
    }

    #[test]
    fn an_empty_file_object_is_no_file() {
        let unset = json!({"file": {"filename": "", "content": ""}, "datatext": "198.51.100.7"});
        assert!(matches!(source_of(unset), Ok(ImportSource::Text(_))));
        assert!(cause(json!({"file": {"filename": "", "content": ""}})).contains("give a file of observables"));
    }

    #[test]
    fn bad_files_are_named() {
        assert!(cause(json!({"file": {"filename": "a.csv", "content": "%%%"}})).contains("'file.content'"));
        assert!(cause(json!({"file": {"filename": "a.csv", "content": ""}})).contains("empty"));
        assert!(cause(json!({"file": {"filename": " ", "content": "YQ=="}})).contains("'file.filename'"));
    }
}
