//! Get Sandbox Report: what the sandbox found, or that it is still looking.
//!
//! 4.0.0 read the report alone and failed while the detonation ran. This asks for the detonation's
//! state first: a detonation still running is not an error but an output `status` (such as
//! `processing`) with an empty report, so a workflow can loop until `done`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use super::report::{sandbox_report, unfinished_report, SandboxReport};
use crate::actions::connection::Connection;
use crate::actions::failure::absent;
use crate::actions::{positive_id, TypedAction};
use crate::protocol::{output_of, Failure, Output};
use crate::threatstream::{self, ApiError};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetSandboxReportInput {
    /// Report ID, as Submit File or Submit URL answered it
    #[schemars(title = "Report ID", example = "101")]
    report_id: String,
}

/// The report ID as ThreatStream numbers submissions.
fn report_id(given: &str) -> Result<u64, Failure> {
    let not = "a report ID; give the positive whole number Submit File or Submit URL answered";
    positive_id(given, "report_id", not)
}

#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct GetSandboxReportOutput {
    /// Sandbox report; empty while the detonation is still running
    #[schemars(title = "Sandbox Report", example = json!({"signatures": [{"description":
        "Found graphical window changes (likely an installer)", "severity": "-2.0", "data": []}],
        "screenshots": ["https://ts.example.com/userUploads/screenshot_00.png"],
        "info": {"category": "URL", "started": "2019-12-04 21:04:30", "ended": "2019-12-04 21:09:32",
            "duration": 302, "is_malicious": false, "machine": {}},
        "domains": ["star-mini.c10r.facebook.com"]}))]
    sandbox_report: SandboxReport,
    /// State of the detonation: processing while it runs, done when the report is complete
    #[schemars(title = "Status", example = &"done")]
    status: String,
}

pub(crate) struct GetSandboxReport;

impl TypedAction for GetSandboxReport {
    const ID: &'static str = "get_sandbox_report";
    const TITLE: &'static str = "Get Sandbox Report";
    const DESCRIPTION: &'static str = "Get a sandbox report";
    type Input = GetSandboxReportInput;
    type OutputSchema = GetSandboxReportOutput;

    async fn run(connection: &Connection, input: GetSandboxReportInput) -> Result<Output, Failure> {
        let id = report_id(&input.report_id)?;
        let client = &connection.client;
        let state = threatstream::detonation_state(client, id)
            .await
            .map_err(|error| unknown_submission(error, id))?;
        // A state without a status is a finished one, as every peer reads it.
        let status = state.get("status").and_then(Value::as_str).unwrap_or("done").to_owned();
        let report = match status.as_str() {
            "done" => sandbox_report(
                &threatstream::sandbox_report(client, id)
                    .await
                    .map_err(|error| failed_report(error, id))?,
            ),
            "errors" => return Err(detonation_failed(id, &state)),
            _ => unfinished_report(),
        };
        output_of(&json!({"sandbox_report": report, "status": status}))
    }
}

/// A 404 for the state means ThreatStream has no such submission.
fn unknown_submission(error: ApiError, id: u64) -> Failure {
    absent(error, || format!("no sandbox submission with report ID {id}")).unwrap_or_else(Failure::from)
}

/// The report of a finished detonation that could not be read names the ID.
fn failed_report(error: ApiError, id: u64) -> Failure {
    let missing = || format!("no sandbox report for report ID {id}");
    match error {
        // ThreatStream may also say so in a 2xx answer.
        ApiError::Rejected { .. } => Failure::from(error).with_cause(format!("ThreatStream has {}.", missing())),
        error => absent(error, missing).unwrap_or_else(Failure::from),
    }
}

fn detonation_failed(id: u64, state: &Value) -> Failure {
    Failure::upstream(
        format!("The sandbox could not detonate the submission with report ID {id}."),
        "Submit the file or URL again, on another platform if it keeps failing.",
    )
    .with_data(state.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_ids_are_positive_whole_numbers() {
        assert_eq!(report_id(" 101 ").unwrap(), 101);
        for bad in [
            "",
            "abc",
            "0",
            "-5",
            "1.5",
            "+7",
            "exampleid",
            "99999999999999999999999",
        ] {
            let failure = report_id(bad).expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'report_id'"),
                "{}",
                failure.cause
            );
        }
    }
}
