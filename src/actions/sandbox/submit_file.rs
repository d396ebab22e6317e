//! Submit File: detonate a file in ThreatStream's sandbox.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{submission_input, submit, Classification, Platform, SubmitOutput};
use crate::actions::connection::Connection;
use crate::actions::file::File;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::Target;

submission_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct SubmitFileInput {
        /// File to detonate
        #[schemars(title = "File", example = json!({"filename": "setup.exe", "content": "VGVzdGluZyBjb250ZW50Cg=="}))]
        file: File,
    }
}

pub(crate) struct SubmitFile;

impl TypedStep for SubmitFile {
    const ID: &'static str = "submit_file";
    const TITLE: &'static str = "Submit File";
    const DESCRIPTION: &'static str = "Submit a file to a ThreatStream sandbox";
    type Input = SubmitFileInput;
    type Output = SubmitOutput;
}

impl TypedAction for SubmitFile {
    async fn run(connection: &Connection, input: SubmitFileInput) -> Result<SubmitOutput, Failure> {
        let options = input.options();
        let file = input.file.decoded("file")?;
        submit(connection, options, Target::File(file)).await
    }
}
