//! ThreatStream's sandbox: detonating a file or a URL, following the detonation, reading its report.
//!
//! The sandbox lives under the v1 API whatever the connection's API version, as the published plugin
//! and every peer call it. A submission is a write that starts a detonation, so it is sent once and
//! never retried; the status and report reads are retried like any read.
//!
//! The submission's form, where the public clients disagree:
//! - the file goes in the part `file`, as Rapid7's 4.0.0 (the plugin this one replaces, so a migrated
//!   workflow sends what it sent), Splunk SOAR's connector and Anomali's OpenAPI description for
//!   CrowdStrike Foundry send it. Cortex XSOAR and FortiSOAR name the part `report_radio-file`; both
//!   names have been sent to live tenants for years by maintained clients, so the server evidently
//!   takes either, and the drop-in keeps 4.0.0's.
//! - the detail (tags) goes in `report_radio-notes`, as Cortex XSOAR sends it since a customer found
//!   that `detail` was not applied (demisto/content pull request 27420, 2023) and as Splunk SOAR's
//!   documented `fields` example spells it. Rapid7 4.0.0 and FortiSOAR send `detail`, the name XSOAR
//!   dropped.
//! - the premium flag is the lower-case word `true` or `false`, as Rapid7 and XSOAR send it; Splunk
//!   SOAR notes that `True` is refused.
//!
//! The answers, where they disagree:
//! - `reports` is an object keyed by platform in every source, with several platforms when the
//!   submission asked for `ALL`; a list naming each platform is read too.
//! - the detonation's state may leave `status` out; XSOAR reads that as `done`.
//! - the report carries `success: true` in Rapid7 4.0.0's and Splunk's shape and no `success` at all
//!   in XSOAR's test data and Rapid7's older fixture, and XSOAR never looks for it: only an answer
//!   that says it failed (`success: false`, an `error`) is refused.
//! - the report's path ends in a slash, as Rapid7 and Splunk SOAR call it; XSOAR and FortiSOAR leave
//!   the slash out, and every other sandbox path has one in all four.

use serde_json::Value;
use tracing::info;

use super::client::Client;
use super::error::ApiError;
use super::intelligence::numeric_id;
use super::upload::{form, Upload};
use crate::plural::count_of;

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

impl Target {
    /// `file` or `url`, as a platform's `types` name what it detonates.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Target::File(_) => "file",
            Target::Url(_) => "url",
        }
    }
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
///
/// # Contract: POST `/api/v1/submit/new/`
///
/// - Capability: Sandbox (`submit_file`)
/// - Parameters and body: Multipart: `report_radio-platform`, `use_premium_sandbox` (`true`/`false`),
///   `report_radio-classification`, `report_radio-notes` when a detail is given, the file as part `file`. No
///   query. Sent once
/// - Answer and paging: 2xx `{success: true, reports: {"<PLATFORM>": {id, status, detail}, ...}}`, one entry per
///   platform; `id` may be missing (read from the `status` link) or text; the list form `[{id, platform, status,
///   detail}]` is read too. Anything but `success: true` is a refusal. No paging
/// - Confirmed by: R7 `submit_file/action.py` and `submit_file_success.json.resp`; SOAR `_handle_detonate_file`
///   and `threatstream.json`; XS3 `submit_report` and `_test.py`; FS `submit_urls_files` and `info.json`; CS
///   `Anomali.json`
/// - Fixtures: `sandbox/rapid7_submit_without_id`, `sandbox/rapid7_submit_list_form`,
///   `sandbox/splunk_submit_two_platforms`, `sandbox/submit_id_as_text`, `sandbox/fortisoar_submit_accepted`
/// - Choice: File part `file` (R7, SOAR, CS) or `report_radio-file` (XS3, FS; SOAR also sends a text field of
///   that name) → `file`, what 4.0.0 sent. Notes in `report_radio-notes` (XS3 since demisto/content#27420, SOAR's
///   example), `detail` (R7, FS) or `notes` (CS) → `report_radio-notes`. Premium `true`/`false` (R7, XS3), `true`
///   only (SOAR: `True` refused) or a Python bool (FS) → `true`/`false`. Only 202 (FS), 200 (CS) or any 2xx
///   (others) → any 2xx with `success: true`. `import_indicators` (XS3 only) → not sent
///
/// # Contract: POST `/api/v1/submit/new/`
///
/// - Capability: Sandbox (`submit_url`)
/// - Parameters and body: Urlencoded: the same fields and `report_radio-url`
/// - Answer and paging: As for a file
/// - Confirmed by: The same sources' URL functions: R7 `submit_url/action.py`, SOAR `_handle_detonate_url`, XS3
///   `submit_report`, FS `submit_urls_files`
/// - Fixtures: `sandbox/xsoar_submit_mock`
/// - Choice: As for a file
pub(crate) async fn submit(client: &Client, submission: Submission) -> Result<Vec<Detonation>, ApiError> {
    let mut fields = vec![
        ("report_radio-platform", submission.platform),
        // ThreatStream takes only the lower-case words; "True" is refused.
        ("use_premium_sandbox", submission.premium.to_string()),
        ("report_radio-classification", submission.classification),
    ];
    if let Some(detail) = submission.detail {
        fields.push(("report_radio-notes", detail));
    }
    let answer = match submission.target {
        Target::File(upload) => {
            info!(
                "Submitting file {} ({}) to the sandbox",
                upload.name,
                count_of(upload.bytes.len(), "byte")
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

/// Where a detonation stands: `GET /api/v1/submit/{id}/`, read as every public client reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DetonationState {
    /// `processing`, `done` or `errors`, as ThreatStream spells it; `done` when it says none.
    pub(crate) status: String,
    /// `benign` until the detonation is over, then ThreatStream's conclusion.
    pub(crate) verdict: Option<String>,
    pub(crate) platform: Option<String>,
}

impl DetonationState {
    fn of(answer: &Value) -> DetonationState {
        let text = |field: &str| {
            answer
                .get(field)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        DetonationState {
            // XSOAR's reading: a state without a status is a finished one.
            status: text("status").unwrap_or_else(|| "done".to_owned()),
            verdict: text("verdict"),
            platform: text("platform"),
        }
    }

    /// Whether the status is `status`, whatever its case.
    pub(crate) fn is(&self, status: &str) -> bool {
        self.status.eq_ignore_ascii_case(status)
    }
}

/// The detonation's state; an answer that says it failed is an error, as every answer is.
///
/// # Contract: GET `/api/v1/submit/{id}/`
///
/// - Capability: Sandbox (`get_sandbox_report`)
/// - Parameters and body: None
/// - Answer and paging: `{id, status: processing|done|errors, verdict, platform, platform_label, classification,
///   date_added, detail, notes, file|url, md5, sha1, sha256, jobID (text), message, priority, resource_uri,
///   sandbox_vendor, user {id, username}, user_id, ...}`; FS adds `circles`, `comments`; SOAR `remote_api`. A
///   missing `status` is `done`. A 404 fails the step, naming the ID. No paging
/// - Confirmed by: XS3 `get_submission_status` and `mocked_get_commands_response.json`
///   `threatstream-get-analysis-status`, its README's `errors` example; SOAR `_handle_get_status` and
///   `threatstream.json`; FS `get_submit_url_status` and `info.json` (R7 has no status call)
/// - Fixtures: `sandbox/xsoar_state_errors`, `sandbox/xsoar_report_as_state`, `sandbox/xsoar_not_found`,
///   `sandbox/splunk_state_done`, `sandbox/splunk_state_processing`
/// - Choice: A missing status: `done` (XS3) → `done`. `errors`: XS3 passes it through and succeeds → the step
///   succeeds with the status. 404: XS3 succeeds with a message, the others fail → fail naming the ID. XS3
///   title-cases the verdict → kept as ThreatStream spells it
pub(crate) async fn detonation_state(client: &Client, id: u64) -> Result<DetonationState, ApiError> {
    let answer: Value = client.get_json(&format!("api/v1/submit/{id}/"), &[]).await?;
    Ok(DetonationState::of(&answer))
}

/// The detonation's report: `GET /api/v1/submit/{id}/report/`, with or without `success: true`; one
/// that says it failed (`success: false`, an `error`) is an error, as every answer is.
///
/// # Contract: GET `/api/v1/submit/{id}/report/`
///
/// - Capability: Sandbox (`get_sandbox_report`, `get_sandbox_pcap`)
/// - Parameters and body: None
/// - Answer and paging: Compact: `{success?, results: {info {category, confidence, started, ended, duration,
///   is_*}, network {domains [{domain, ip?}], hosts}, screenshots, signatures [{description, severity "-2.0",
///   data}]}}`. Cuckoo-style: `{success, remote_api, pcap, screenshots, results: {info {..., machine}, network
///   {dns, domains, hosts, tcp, udp, http, icmp, smtp, irc, pcap_sha256, sorted_pcap_sha256}, signatures [{name,
///   severity, alert, data}], behavior, debug, dropped, target, procmemory, static}}`; XS3 also reads
///   `network.packets`. Asked only once the state is `done` or `errors`. Empty `results` is an empty report. A
///   404 fails the step when the detonation is `done`; after `errors`, any failure to read it is an empty report
///   and a line in the log. No paging
/// - Confirmed by: R7 `get_sandbox_report/action.py` and `get_sandbox_report_success.json.resp` (@9e17eb1d7 with
///   `success`, @830bf767 without); XS3 `get_report` and `threatstream-analysis-report`; SOAR
///   `_handle_get_report`, `_handle_get_pcap`, `threatstream_view.py`, `threatstream.json`; FS
///   `get_submitted_url_report` and `info.json`
/// - Fixtures: `sandbox/rapid7_4_0_0_report`, `sandbox/rapid7_3_1_2_report_without_success`,
///   `sandbox/xsoar_report_without_success`, `sandbox/splunk_report_cuckoo`, `sandbox/splunk_report_error_key`,
///   `sandbox/fortisoar_report_empty_blocks`, `sandbox/report_empty_results`
/// - Choice: `success` required by R7 4.0.0, ignored by XS3 → not required; only `success: false` or an `error`
///   refuses. Screenshots under `results` (R7) or at the top (SOAR, FS) → both kept. XS3 and FS leave out the
///   trailing slash; R7 and SOAR keep it → kept. Get Sandbox PCAP reads the top-level `pcap` link and downloads
///   it with a plain GET carrying no credentials, as SOAR `_handle_get_pcap` does (the link authorises itself and
///   is no API route); refused over 20 MiB, an empty or failed download fails, and it is checked against
///   `network.pcap_sha256` when the report gives one
pub(crate) async fn report(client: &Client, id: u64) -> Result<Value, ApiError> {
    client.get_json(&format!("api/v1/submit/{id}/report/"), &[]).await
}

/// A platform a sandbox offers, as `GET /api/v1/submit/parameters/` lists it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SandboxPlatform {
    /// The name a submission sends, such as `WINDOWS7`.
    pub(crate) name: String,
    /// The name the UI shows, such as `Windows 7`.
    pub(crate) label: Option<String>,
    /// The operating system family, such as `windows`.
    pub(crate) family: Option<String>,
    /// What it detonates: `file`, `url` or both; empty when the answer does not say.
    pub(crate) types: Vec<String>,
}

/// The platforms of the standard and the premium sandbox.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SandboxPlatforms {
    pub(crate) standard: Vec<SandboxPlatform>,
    pub(crate) premium: Vec<SandboxPlatform>,
}

impl SandboxPlatforms {
    /// The platforms of the sandbox a submission goes to.
    pub(crate) fn of(&self, premium: bool) -> &[SandboxPlatform] {
        if premium {
            &self.premium
        } else {
            &self.standard
        }
    }
}

/// `GET /api/v1/submit/parameters/`: `platform_choices` (the standard sandbox) and
/// `premium_platform_choices`, as Cortex XSOAR's `get_supported_platforms` reads them, each a list of
/// `{name, label, types, platform}` (XSOAR's README samples). An entry without a name is left out; a
/// list that is missing is empty.
///
/// # Contract: GET `/api/v1/submit/parameters/`
///
/// - Capability: Sandbox (`get_sandbox_platforms`; `submit_file` and `submit_url` after a refusal)
/// - Parameters and body: None
/// - Answer and paging: `{platform_choices: [...], premium_platform_choices: [...]}`, each item `{name, label,
///   types: ["file", "url"], platform}`; an item without `name` is left out, a missing list is empty. Submit File
///   and Submit URL ask it only after ThreatStream refuses a submission, to name the platforms it offers. No
///   paging
/// - Confirmed by: XS3 `get_supported_platforms` and its README samples
/// - Fixtures: `sandbox/xsoar_platforms`
/// - Choice: —
pub(crate) async fn platforms(client: &Client) -> Result<SandboxPlatforms, ApiError> {
    let answer: Value = client.get_json("api/v1/submit/parameters/", &[]).await?;
    let list = |key: &str| -> Vec<SandboxPlatform> {
        let items = answer
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        items.iter().filter_map(platform).collect()
    };
    Ok(SandboxPlatforms {
        standard: list("platform_choices"),
        premium: list("premium_platform_choices"),
    })
}

fn platform(item: &Value) -> Option<SandboxPlatform> {
    let text = |field: &str| {
        item.get(field)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let types = item
        .get("types")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Some(SandboxPlatform {
        name: text("name")?,
        label: text("label"),
        family: text("platform"),
        types: types.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
    })
}

/// The capture a report's `pcap` links to, downloaded as Splunk SOAR's Get PCAP downloads it: a plain
/// GET without credentials (`Client::download`), refused when over `cap` bytes. A link without a host
/// (`/userUploads/...`) is on the instance.
pub(crate) async fn pcap(client: &Client, link: &str, cap: usize) -> Result<Vec<u8>, ApiError> {
    let url = client.base().join(link.trim()).map_err(|error| ApiError::Decode {
        path: "pcap".to_owned(),
        reason: format!("the link is not a URL ({error})"),
        excerpt: String::new(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::Decode {
            path: "pcap".to_owned(),
            reason: "the link is not an http or https URL".to_owned(),
            excerpt: String::new(),
        });
    }
    let bytes = client.download(&url, cap).await?;
    info!("Downloaded a capture of {} bytes", bytes.len());
    Ok(bytes)
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
    fn a_state_without_a_status_is_done_and_errors_pass_through() {
        let xsoar = json!({"platform": "TEST_PLATFORM", "status": "errors", "verdict": "benign"});
        assert_eq!(
            DetonationState::of(&xsoar),
            DetonationState {
                status: "errors".into(),
                verdict: Some("benign".into()),
                platform: Some("TEST_PLATFORM".into()),
            }
        );
        for finished in [
            json!({"verdict": "malicious"}),
            json!({"status": ""}),
            json!({"status": null}),
        ] {
            assert!(DetonationState::of(&finished).is("done"), "{finished}");
        }
        assert!(DetonationState::of(&json!({"status": "Processing"})).is("processing"));
    }

    #[test]
    fn platforms_keep_every_named_entry_of_either_list() {
        let xsoar = json!({"name": "WINDOWS7", "label": "Windows 7", "platform": "windows", "types": ["file", "url"]});
        assert_eq!(
            platform(&xsoar),
            Some(SandboxPlatform {
                name: "WINDOWS7".into(),
                label: Some("Windows 7".into()),
                family: Some("windows".into()),
                types: vec!["file".into(), "url".into()],
            })
        );
        let older = platform(&json!({"name": "ALL", "types": ["file", "url"], "label": "All"})).unwrap();
        assert_eq!((older.family, older.types.len()), (None, 2));
        assert_eq!(platform(&json!({"label": "nameless"})), None);
    }

    #[test]
    fn ids_are_read_off_status_links() {
        assert_eq!(id_in_link("/api/v1/submit/188/"), Some(188));
        assert_eq!(id_in_link("https://ts.example.com/api/v1/submit/7/report/"), Some(7));
        assert_eq!(id_in_link("/api/v1/submit/x/"), None);
        assert_eq!(id_in_link("/elsewhere/"), None);
    }
}
