//! Get Sandbox Report: where a detonation stands, and what the sandbox found.
//!
//! 4.0.0 read the report alone and failed while the detonation ran. This asks for the detonation's
//! state first (`GET /api/v1/submit/{id}/`) and answers with its `status`, `verdict` and `platform`,
//! as Cortex XSOAR's analysis status does, so a workflow branches on the status rather than catching
//! a failure:
//! - `processing` (or any status the sandbox is still working under): an empty report;
//! - `done`, or no status at all (XSOAR reads a missing status as done): the report;
//! - `errors`: the detonation failed. XSOAR's status command succeeds with `Status=errors`, and its
//!   playbook then reads whatever report there is; so does this, and an errored detonation without a
//!   report gets an empty one rather than a failure.
//!
//! A 404 for the state fails the step, naming the ID. XSOAR answers "No report found with id N" and
//! succeeds, but with no context at all, which an InsightConnect output cannot express without
//! inventing a status; Rapid7 4.0.0, Splunk SOAR and FortiSOAR all fail, and a Report ID ThreatStream
//! does not know is a wrong input, not a state to loop on. A 404 for the report of a detonation that
//! is `done` fails the same way, as 4.0.0 did.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tracing::warn;

use super::report::{sandbox_report, SandboxReport};
use crate::actions::connection::Connection;
use crate::actions::failure::{absent, Missing};
use crate::actions::input::TextId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, ApiError, Client, DetonationState};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetSandboxReportInput {
    /// Report ID, as Submit File or Submit URL answered it (a number, or the number as text)
    #[schemars(title = "Report ID", example = "101")]
    report_id: TextId,
}

/// The report ID as ThreatStream numbers submissions.
fn report_id(given: &TextId) -> Result<u64, Failure> {
    let not = "a report ID; give the positive whole number Submit File or Submit URL answered";
    given.read("report_id", not)
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetSandboxReportOutput {
    /// Sandbox report; empty while the detonation is still running
    #[schemars(title = "Sandbox Report", example = example_report())]
    sandbox_report: SandboxReport,
    /// State of the detonation: processing while it runs, done when the report is complete, errors when the detonation failed
    #[schemars(title = "Status", example = &"done")]
    status: String,
    /// The detonation verdict, as ThreatStream spells it, such as benign or malicious; benign until the detonation is done
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Verdict", example = &"malicious")]
    verdict: Option<String>,
    /// Platform the detonation ran on
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Platform", example = &"WINDOWS7")]
    platform: Option<String>,
}

fn example_report() -> Value {
    json!({"signatures": [{"description": "Contacts a domain listed in threat intelligence",
        "severity": "3.0", "data": []}],
        "screenshots": ["https://ts.example.com/userUploads/screenshot_00.png"],
        "info": {"category": "URL", "started": "2019-12-04 21:04:30", "ended": "2019-12-04 21:09:32",
            "duration": 302, "is_malicious": true, "machine": {}},
        "domains": ["evil-domain.example"],
        "pcap": "https://ts.example.com/userUploads/dump.pcap",
        "network": {"hosts": ["198.51.100.23"], "domains": [{"domain": "evil-domain.example", "ip": "198.51.100.23"}],
            "tcp": [{"src": "10.0.2.15", "dst": "198.51.100.23", "sport": 49170, "dport": 8443}],
            "pcap_sha256": "9f2c4b5de0d1a8e5c3b7f6a4d2e1c0b9a8f7e6d5c4b3a2918070605040302010"}})
}

pub(crate) struct GetSandboxReport;

impl TypedStep for GetSandboxReport {
    const ID: &'static str = "get_sandbox_report";
    const TITLE: &'static str = "Get Sandbox Report";
    const DESCRIPTION: &'static str = "Get a sandbox report";
    type Input = GetSandboxReportInput;
    type Output = GetSandboxReportOutput;
}

impl TypedAction for GetSandboxReport {
    async fn run(connection: &Connection, input: GetSandboxReportInput) -> Result<GetSandboxReportOutput, Failure> {
        let id = report_id(&input.report_id)?;
        let client = &connection.client;
        let state = threatstream::detonation_state(client, id)
            .await
            .map_err(|error| missing(error, || format!("no sandbox submission with report ID {id}")))?;
        let report = if state.is("done") {
            let answer = threatstream::sandbox_report(client, id)
                .await
                .map_err(|error| missing(error, || format!("no sandbox report for report ID {id}")))?;
            sandbox_report(&answer)
        } else if state.is("errors") {
            report_of_failed_detonation(client, id).await
        } else {
            SandboxReport::default()
        };
        let DetonationState {
            status,
            verdict,
            platform,
        } = state;
        Ok(GetSandboxReportOutput {
            sandbox_report: report,
            status,
            verdict,
            platform,
        })
    }
}

/// Whatever report a failed detonation left; none is no failure, since the status already says what
/// happened.
async fn report_of_failed_detonation(client: &Client, id: u64) -> SandboxReport {
    match threatstream::sandbox_report(client, id).await {
        Ok(answer) => sandbox_report(&answer),
        Err(error) => {
            warn!("The detonation with report ID {id} ended in errors, and its report could not be read: {error}");
            SandboxReport::default()
        }
    }
}

/// The failure naming what ThreatStream does not have (`what`, such as "no sandbox report for
/// report ID 7"): on a 404, or on a 2xx answer that says it failed.
fn missing(error: ApiError, what: impl FnOnce() -> String) -> Failure {
    match error {
        ApiError::Rejected { .. } => Failure::from(error).with_cause(format!("ThreatStream has {}.", what())),
        error => absent(error, || Missing::sandbox_report(what())).unwrap_or_else(Failure::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_ids_are_positive_whole_numbers_as_numbers_or_text() {
        assert_eq!(report_id(&TextId::of(json!(" 101 "))).unwrap(), 101);
        assert_eq!(report_id(&TextId::of(json!(101))).unwrap(), 101);
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
            let failure = report_id(&TextId::of(json!(bad))).expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'report_id'"),
                "{}",
                failure.cause
            );
        }
    }
}
