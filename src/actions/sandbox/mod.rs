//! The sandbox: detonate a file or a URL in ThreatStream's sandbox, then read the report.
//!
//! 4.0.0's three actions, with its ids, inputs and outputs, then the platforms the tenant offers and a
//! detonation's packet capture. The submissions are writes, sent once; the platform is checked against
//! 4.0.0's list by the input schema before anything is sent, and when ThreatStream refuses a
//! submission, the platforms its sandbox does offer are read and named if the one chosen is not among
//! them (tenants retire platforms and license premium ones). Which form fields go on the wire, where
//! the public clients disagree, is said in `threatstream::sandbox`.

mod artifacts;
mod get_sandbox_pcap;
mod get_sandbox_platforms;
mod get_sandbox_report;
mod network;
mod report;
mod submit_file;
mod submit_url;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::connection::Connection;
use super::failure::{unconfirmed, Write};
use super::input::{given, line, MAX_LINE_CHARS};
use super::wire_name;
use crate::protocol::{Action, Failure};
use crate::threatstream::{self, ApiError, SandboxPlatform, SandboxPlatforms, Submission};

/// The sandbox actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &submit_file::SubmitFile,
    &submit_url::SubmitUrl,
    &get_sandbox_report::GetSandboxReport,
    &get_sandbox_platforms::GetSandboxPlatforms,
    &get_sandbox_pcap::GetSandboxPcap,
];

/// The platforms 4.0.0 offers, spelled as ThreatStream takes them.
#[derive(Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum Platform {
    #[serde(rename = "ALL")]
    All,
    #[serde(rename = "ANDROID4.4")]
    Android44,
    #[serde(rename = "ANDROID5.1")]
    Android51,
    #[serde(rename = "ANDROID6.0")]
    Android60,
    #[serde(rename = "MACOSX")]
    MacOsX,
    #[serde(rename = "WINDOWSXP")]
    WindowsXp,
    #[serde(rename = "WINDOWSXPNATIVE")]
    WindowsXpNative,
    #[serde(rename = "WINDOWS7")]
    Windows7,
    #[serde(rename = "WINDOWS7NATIVE")]
    Windows7Native,
    #[serde(rename = "WINDOWS7OFFICE2010")]
    Windows7Office2010,
    #[serde(rename = "WINDOWS7OFFICE2013")]
    Windows7Office2013,
    #[serde(rename = "WINDOWS10")]
    Windows10,
    #[serde(rename = "WINDOWS10x64")]
    Windows10X64,
}

#[derive(Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum Classification {
    #[default]
    Private,
    Public,
}

/// A submission, when a failure leaves unknown whether ThreatStream started the detonation.
const SUBMISSION: Write = Write {
    what: "the submission",
    check: "ThreatStream's sandbox page lists the detonations started just now",
    twice: Some("start a second detonation"),
};

/// What both submissions choose before the thing detonated: their `..SubmissionChoices` inputs
/// (`actions::input::step_input!`).
pub(crate) struct SubmissionChoices {
    pub(crate) platform: Platform,
    pub(crate) classification: Option<Classification>,
    pub(crate) premium: bool,
}

/// The detail both submissions take after the thing detonated: their `..SubmissionDetail` input.
pub(crate) struct SubmissionDetail(pub(crate) Option<String>);

/// Submits `target` and answers with 4.0.0's `{success, reports}`: one report per platform. The detail
/// is checked first (one line, at most `MAX_LINE_CHARS`), before the request.
async fn submit(
    connection: &Connection,
    choices: SubmissionChoices,
    detail: SubmissionDetail,
    target: threatstream::Target,
) -> Result<SubmitOutput, Failure> {
    let detail = given(detail.0).map(|detail| detail.trim().to_owned());
    if let Some(detail) = &detail {
        line(detail, "detail", "the detail", MAX_LINE_CHARS)?;
    }
    let submission = Submission {
        platform: wire_name(&choices.platform),
        classification: wire_name(&choices.classification.unwrap_or_default()),
        premium: choices.premium,
        detail,
        target,
    };
    let (platform, premium, kind) = (
        submission.platform.clone(),
        submission.premium,
        submission.target.kind(),
    );
    let detonations = match threatstream::submit(&connection.client, submission).await {
        Ok(detonations) => detonations,
        Err(error) if matches!(error, ApiError::Status { status: 400, .. } | ApiError::Rejected { .. }) => {
            let offered = threatstream::sandbox_platforms(&connection.client).await;
            return Err(
                unknown_platform(offered.ok(), &platform, premium, kind).unwrap_or_else(|| Failure::from(error))
            );
        }
        Err(error) => return Err(unconfirmed(error, &SUBMISSION, Failure::from)),
    };
    let reports = detonations
        .into_iter()
        .map(|detonation| Report {
            status: detonation.status,
            detail: detonation.detail,
            id: detonation.id,
            platform: Some(detonation.platform).filter(|platform| !platform.is_empty()),
        })
        .collect();
    // The client refuses an answer without `success: true`, so what comes back succeeded.
    Ok(SubmitOutput { success: true, reports })
}

/// When ThreatStream refused a submission to `platform` and its sandbox (premium or not) does not
/// offer that platform for this `kind` (`file` or `url`), the failure naming the platforms it does
/// offer; `None` when the platforms could not be read, or the platform is offered and the refusal was
/// about something else.
fn unknown_platform(offered: Option<SandboxPlatforms>, platform: &str, premium: bool, kind: &str) -> Option<Failure> {
    let offered = offered?;
    let fits = |candidate: &&SandboxPlatform| candidate.types.is_empty() || candidate.types.iter().any(|t| t == kind);
    let names: Vec<&str> = offered
        .of(premium)
        .iter()
        .filter(fits)
        .map(|p| p.name.as_str())
        .collect();
    if platform == "ALL" || names.contains(&platform) {
        return None;
    }
    let sandbox = if premium { "premium" } else { "standard" };
    let things = if kind == "file" { "files" } else { "URLs" };
    let cause = format!("ThreatStream's {sandbox} sandbox has no platform {platform} for {things}.");
    let assistance = if names.is_empty() {
        format!("It offers no platform for {things}; Get Sandbox Platforms lists what each sandbox offers.")
    } else {
        format!(
            "Choose one of the platforms it offers: {} (Get Sandbox Platforms lists them).",
            names.join(", ")
        )
    };
    Some(Failure::caller(cause, assistance))
}

/// The submissions' output.
#[derive(Serialize, JsonSchema)]
pub(crate) struct SubmitOutput {
    /// Operation status
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// Reports containing submission details, one for each platform the file or URL is detonated on
    #[schemars(title = "Reports", example = json!([{"status": "/api/v1/submit/101/",
        "detail": "/api/v1/submit/101/report/", "id": 101, "platform": "WINDOWS7"}]))]
    reports: Vec<Report>,
}

/// One platform's detonation.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "report", title = "report")]
pub(crate) struct Report {
    /// Link to submission status
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Status")]
    status: Option<String>,
    /// Link to submission details
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Details")]
    detail: Option<String>,
    /// Submission ID, the Report ID Get Sandbox Report takes
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "ID")]
    id: Option<u64>,
    /// Platform on which the submitted URL or file will be run
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Platform")]
    platform: Option<String>,
}
