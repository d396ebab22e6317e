//! ThreatStream's sandbox: detonating a file or a URL, following the detonation, reading its report.
//!
//! The sandbox lives under the v1 API whatever the connection's API version, as the published plugin
//! and every peer call it. A submission is a write that starts a detonation, so it is sent once and
//! never retried; the status and report reads are retried like any read.

use serde_json::Value;
use tracing::info;

use super::client::Client;
use super::error::ApiError;
use super::intelligence::numeric_id;
use super::upload::{form, Upload};

const SUBMIT_PATH: &str = "api/v1/submit/new/";

/// What a detonation runs on, and how ThreatStream should file it.
pub(crate) struct Submission {
    pub(crate) platform: String,
    pub(crate) classification: String,
    pub(crate) premium: bool,
    pub(crate) detail: Option<String>,
    pub(crate) target: Target,
}

/// What is detonated.
pub(crate) enum Target {
    File(Upload),
    Url(String),
}

/// One platform's detonation, as ThreatStream answered the submission.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Detonation {
    /// The report id to follow; from the answer's `id`, or read off its status link when absent.
    pub(crate) id: Option<u64>,
    pub(crate) platform: String,
    pub(crate) status: Option<String>,
    pub(crate) detail: Option<String>,
}

/// Submits, once, and answers with a detonation per platform.
pub(crate) async fn submit(client: &Client, submission: Submission) -> Result<Vec<Detonation>, ApiError> {
    let mut fields = vec![
        ("report_radio-platform", submission.platform),
        // ThreatStream takes only the lower-case words; "True" is refused.
        ("use_premium_sandbox", submission.premium.to_string()),
        ("report_radio-classification", submission.classification),
    ];
    if let Some(detail) = submission.detail {
        fields.push(("detail", detail));
    }
    let answer = match submission.target {
        Target::File(upload) => {
            info!(
                "Submitting file {} ({} bytes) to the sandbox",
                upload.name,
                upload.bytes.len()
            );
            client.post_form(SUBMIT_PATH, form(fields, Some(upload))).await?
        }
        Target::Url(url) => {
            info!("Submitting URL {url} to the sandbox");
            fields.push(("report_radio-url", url));
            client.post_urlencoded(SUBMIT_PATH, &fields).await?
        }
    };
    Ok(detonations(answer.get("reports")))
}

/// The `reports` of an answer in either of ThreatStream's shapes: a map by platform (current) or a
/// list naming each platform (older instances).
fn detonations(reports: Option<&Value>) -> Vec<Detonation> {
    match reports {
        Some(Value::Object(by_platform)) => by_platform
            .iter()
            .map(|(platform, report)| detonation(report, Some(platform)))
            .collect(),
        Some(Value::Array(listed)) => listed.iter().map(|report| detonation(report, None)).collect(),
        _ => Vec::new(),
    }
}

fn detonation(report: &Value, platform: Option<&str>) -> Detonation {
    let text = |field: &str| report.get(field).and_then(Value::as_str).map(str::to_owned);
    let status = text("status");
    let id = report
        .get("id")
        .and_then(numeric_id)
        .or_else(|| status.as_deref().and_then(id_in_link));
    Detonation {
        id,
        platform: platform
            .map(str::to_owned)
            .or_else(|| text("platform"))
            .unwrap_or_default(),
        status,
        detail: text("detail"),
    }
}

/// The id in a link such as `/api/v1/submit/188/`.
fn id_in_link(link: &str) -> Option<u64> {
    let rest = link.split("/submit/").nth(1)?;
    rest.split('/').next()?.parse().ok()
}

/// The detonation's state: `GET /api/v1/submit/{id}/` (`status`, `verdict`, `platform`, ...).
pub(crate) async fn detonation_state(client: &Client, id: u64) -> Result<Value, ApiError> {
    client.get_json(&format!("api/v1/submit/{id}/"), &[]).await
}

/// The detonation's report: `GET /api/v1/submit/{id}/report/`; one that says it failed is an error, as
/// every answer is (`refusal`).
pub(crate) async fn report(client: &Client, id: u64) -> Result<Value, ApiError> {
    client.get_json(&format!("api/v1/submit/{id}/report/"), &[]).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn both_answer_shapes_give_one_detonation_per_platform() {
        let by_platform =
            json!({"WINDOWS7": {"status": "/api/v1/submit/188/", "detail": "/api/v1/submit/188/report/"}});
        assert_eq!(
            detonations(Some(&by_platform)),
            [Detonation {
                id: Some(188),
                platform: "WINDOWS7".into(),
                status: Some("/api/v1/submit/188/".into()),
                detail: Some("/api/v1/submit/188/report/".into()),
            }]
        );
        let listed = json!([{"id": 101, "platform": "WINDOWS7", "status": "/api/v1/submit/101/"},
                            {"id": "100", "platform": "WINDOWSXP"}]);
        let found = detonations(Some(&listed));
        assert_eq!(found.iter().map(|d| d.id).collect::<Vec<_>>(), [Some(101), Some(100)]);
        assert_eq!(found[1].platform, "WINDOWSXP");
        assert!(detonations(None).is_empty());
    }

    #[test]
    fn ids_are_read_off_status_links() {
        assert_eq!(id_in_link("/api/v1/submit/188/"), Some(188));
        assert_eq!(id_in_link("https://ts.example.com/api/v1/submit/7/report/"), Some(7));
        assert_eq!(id_in_link("/api/v1/submit/x/"), None);
        assert_eq!(id_in_link("/elsewhere/"), None);
    }
}
