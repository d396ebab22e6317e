//! Submit File: detonate a file in ThreatStream's sandbox.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{submit, Classification, Options, Platform, SubmitOutput};
use crate::actions::connection::Connection;
use crate::actions::file::File;
use crate::actions::TypedAction;
use crate::protocol::{Failure, Output};
use crate::threatstream::Target;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitFileInput {
    /// Platform on which the submitted URL or file will be run
    #[schemars(title = "Platform", example = Platform::Windows7)]
    platform: Platform,
    /// Classification of the Sandbox submission, either public or private
    #[schemars(title = "Classification", example = Classification::Private, extend("default" = "private"))]
    classification: Option<Classification>,
    /// Specify whether the premium sandbox should be used for detonation
    #[schemars(title = "Use Premium Sandbox", example = false)]
    use_premium_sandbox: bool,
    /// File to detonate
    #[schemars(title = "File", example = json!({"filename": "setup.exe", "content": "VGVzdGluZyBjb250ZW50Cg=="}))]
    file: File,
    /// A comma-separated list that provides additional details for the indicator. This information is displayed in the Tag column of the ThreatStream UI
    #[schemars(title = "Detail", example = "Credential-Exposure,compromised_email")]
    detail: Option<String>,
}

pub(crate) struct SubmitFile;

impl TypedAction for SubmitFile {
    const ID: &'static str = "submit_file";
    const TITLE: &'static str = "Submit File";
    const DESCRIPTION: &'static str = "Submit a file to a ThreatStream sandbox";
    type Input = SubmitFileInput;
    type OutputSchema = SubmitOutput;

    async fn run(connection: &Connection, input: SubmitFileInput) -> Result<Output, Failure> {
        let file = input.file.decoded("file")?;
        let options = Options {
            platform: input.platform,
            classification: input.classification,
            premium: input.use_premium_sandbox,
            detail: input.detail,
        };
        submit(connection, options, Target::File(file)).await
    }
}
