//! Submit File: detonate a file in ThreatStream's sandbox.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{submit, SubmissionChoices, SubmissionDetail, SubmitOutput};
use crate::actions::connection::Connection;
use crate::actions::file::File;
use crate::actions::input::step_input;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::Target;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct SubmitFileInput {
        ..SubmissionChoices,
        /// File to detonate
        #[schemars(title = "File", example = json!({"filename": "setup.exe", "content": "VGVzdGluZyBjb250ZW50Cg=="}))]
        file: File,
        ..SubmissionDetail,
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
        let (choices, detail) = (SubmissionChoices::from(&input), SubmissionDetail::from(&input));
        let file = input.file.decoded("file")?;
        submit(connection, choices, detail, Target::File(file)).await
    }
}
