//! Get Sandbox PCAP: the packet capture of a detonation, as a file, for a playbook to store or hand to
//! a network tool.
//!
//! As Splunk SOAR's Get PCAP does it (the only public client that downloads it): the report
//! (`GET /api/v1/submit/{id}/report/`) names the capture in its top-level `pcap`, a link that authorises
//! itself, and the capture is downloaded with a plain GET carrying no credentials; a report without a
//! link, a failed download and an empty one are errors (Splunk's 4.0.0 refuses the last two). The file
//! is named as Splunk names it, after the last part of the link's path. Beyond Splunk: the download is
//! capped at `MAX_PCAP_BYTES` (the capture travels base64-encoded in the step's output, which the
//! orchestrator holds in memory), and checked against the report's `network.pcap_sha256`, the SHA-256
//! Cuckoo writes of the capture, when the report has one.

use base64::Engine;
use ring::digest::{digest, SHA256};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::actions::connection::Connection;
use crate::actions::failure::{absent, Missing};
use crate::actions::input::TextId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, ApiError};

/// The largest capture this step returns: 20 MiB, 27 MiB of base64 in the output. A two-minute
/// detonation's capture is usually well under a megabyte; one larger than this is a flood better
/// fetched from ThreatStream's UI.
pub(crate) const MAX_PCAP_BYTES: usize = 20 * 1024 * 1024;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetSandboxPcapInput {
    /// Report ID, as Submit File or Submit URL answered it
    #[schemars(title = "Report ID", example = "101")]
    report_id: TextId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetSandboxPcapOutput {
    /// The packet capture of the detonation, at most 20 MiB
    #[schemars(title = "PCAP", example = json!({"filename": "20190819_134705_userId-16783_dump.pcap",
        "content": "1MOyoQIABAAAAAAAAAAAAP//AAABAAAA"}))]
    pcap: PcapFile,
    /// Size of the capture in bytes
    #[schemars(title = "Size", example = 24)]
    size: usize,
    /// SHA-256 of the capture, in hexadecimal
    #[schemars(title = "SHA256", example = &"5d1e5bd14ebe2bb1e0c56e88ba4b5d1fd3cf2f44ad5fa2ddf8c4b2d3c1bd8e2d")]
    sha256: String,
    /// Whether the report states the capture's SHA-256 (network.pcap_sha256) and it matches; false when the report states none
    #[schemars(title = "Verified", example = true)]
    verified: bool,
}

/// A file in an output, InsightConnect's `file` type.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "file", title = "File")]
pub(crate) struct PcapFile {
    /// Name of the file
    #[schemars(title = "Filename")]
    filename: String,
    /// File contents, base64-encoded
    #[schemars(title = "Content", extend("format" = "bytes", "displayType" = "bytes"))]
    content: String,
}

pub(crate) struct GetSandboxPcap;

impl TypedStep for GetSandboxPcap {
    const ID: &'static str = "get_sandbox_pcap";
    const TITLE: &'static str = "Get Sandbox PCAP";
    const DESCRIPTION: &'static str = "Get the packet capture of a sandbox detonation as a file";
    type Input = GetSandboxPcapInput;
    type Output = GetSandboxPcapOutput;
}

impl TypedAction for GetSandboxPcap {
    async fn run(connection: &Connection, input: GetSandboxPcapInput) -> Result<GetSandboxPcapOutput, Failure> {
        let not = "a report ID; give the positive whole number Submit File or Submit URL answered";
        let id = input.report_id.read("report_id", not)?;
        let client = &connection.client;
        let report = threatstream::sandbox_report(client, id)
            .await
            .map_err(|error| no_report(error, id))?;
        let link = pcap_link(&report).ok_or_else(|| no_capture(id))?;
        let bytes = threatstream::sandbox_pcap(client, &link, MAX_PCAP_BYTES)
            .await
            .map_err(|error| not_downloaded(error, id))?;
        if bytes.is_empty() {
            return Err(Failure::upstream(
                format!("The packet capture of report {id} is empty."),
                "Get Sandbox Report shows the detonation; an empty capture means it saw no traffic worth keeping.",
            ));
        }
        let sha256 = hex(digest(&SHA256, &bytes).as_ref());
        let stated = report["results"]["network"]["pcap_sha256"]
            .as_str()
            .map(str::trim)
            .filter(|stated| !stated.is_empty());
        if let Some(stated) = stated.filter(|stated| !stated.eq_ignore_ascii_case(&sha256)) {
            return Err(Failure::upstream(
                format!(
                    "The packet capture of report {id} does not match its report: the download's SHA-256 is {sha256}, \
                     the report states {stated}."
                ),
                "The download was cut short or changed on the way; run the step again.",
            ));
        }
        Ok(GetSandboxPcapOutput {
            pcap: PcapFile {
                filename: file_name(&link, id),
                content: base64::engine::general_purpose::STANDARD.encode(&bytes),
            },
            size: bytes.len(),
            sha256,
            verified: stated.is_some(),
        })
    }
}

/// The capture's link: the report's top-level `pcap`, or one under `results` (the compact shape).
fn pcap_link(report: &Value) -> Option<String> {
    [&report["pcap"], &report["results"]["pcap"]]
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .find(|link| !link.is_empty())
        .map(str::to_owned)
}

/// The last part of the link's path, as Splunk SOAR names the file; `report-<id>.pcap` when the path
/// ends in nothing usable.
fn file_name(link: &str, id: u64) -> String {
    let path = link.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let usable = !last.is_empty() && last.len() <= 255 && !last.chars().any(|c| c.is_control() || c == '\\');
    if usable {
        last.to_owned()
    } else {
        format!("report-{id}.pcap")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The report could not be read: a 404 (or an answer saying it failed) while the detonation runs or
/// after it failed, or for an ID ThreatStream does not know.
fn no_report(error: ApiError, id: u64) -> Failure {
    let what = || format!("no sandbox report for report ID {id}");
    let failure = match error {
        ApiError::Rejected { .. } => Failure::from(error).with_cause(format!("ThreatStream has {}.", what())),
        error => absent(error, || Missing::sandbox_report(what())).unwrap_or_else(Failure::from),
    };
    let mut failure = failure;
    if failure.cause.starts_with("ThreatStream has no") {
        failure.assistance = "Get Sandbox Report shows whether the detonation is still processing, done or in \
                              errors; a capture exists once it is done."
            .to_owned();
    }
    failure
}

fn no_capture(id: u64) -> Failure {
    Failure::upstream(
        format!("The sandbox report of report ID {id} has no packet capture."),
        "Not every detonation keeps one (Get Sandbox Report shows the report's parts); there is nothing to download.",
    )
}

/// The download failed: over the cap, or refused or lost on the way.
fn not_downloaded(error: ApiError, id: u64) -> Failure {
    if let ApiError::BodyTooLarge { limit } = error {
        return Failure::upstream(
            format!(
                "The packet capture of report {id} is larger than the {} MiB this step returns.",
                limit / (1024 * 1024)
            ),
            "Download it from the report in ThreatStream's UI; Get Sandbox Report gives its link (pcap).",
        );
    }
    let failure = Failure::from(error);
    let cause = format!(
        "The packet capture of report {id} could not be downloaded: {}",
        failure.cause
    );
    failure.with_cause(cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_the_reports_and_names_the_file() {
        let splunk =
            json!({"pcap": "https://ts.example.com/userUploads/2019-08-19/20190819_134705_userId-16783_dump.pcap"});
        let link = pcap_link(&splunk).expect("a link");
        assert_eq!(file_name(&link, 7), "20190819_134705_userId-16783_dump.pcap");
        assert_eq!(
            pcap_link(&json!({"pcap": " ", "results": {"pcap": "/userUploads/a.pcap"}})).as_deref(),
            Some("/userUploads/a.pcap")
        );
        assert_eq!(pcap_link(&json!({"pcap": null, "results": {}})), None);
        assert_eq!(
            file_name("https://s3.example/bucket/dump.pcap?X-Amz-Signature=abc", 7),
            "dump.pcap"
        );
        assert_eq!(file_name("https://s3.example/bucket/", 7), "report-7.pcap");
    }

    #[test]
    fn a_capture_over_the_cap_says_where_else_to_get_it() {
        let failure = not_downloaded(ApiError::BodyTooLarge { limit: MAX_PCAP_BYTES }, 188);
        assert_eq!(
            failure.cause,
            "The packet capture of report 188 is larger than the 20 MiB this step returns."
        );
        assert!(
            failure.assistance.contains("Get Sandbox Report"),
            "{}",
            failure.assistance
        );
    }
}
