//! ThreatStream's sandbox: `POST /api/v1/submit/new/` queues a detonation,
//! `GET /api/v1/submit/{id}/` says where it stands, and
//! `GET /api/v1/submit/{id}/report/` returns the report once it is done.
//!
//! The submission is answered `202 Accepted` (FortiSOAR's connector accepts
//! nothing else) with `reports` keyed by platform, as every public client
//! reads it. The state carries the fields Splunk SOAR's data paths and
//! FortiSOAR's output schema list (`status`, `verdict`, `platform`,
//! `platform_label`, `date_added`, `file` or `url`, ...).
//!
//! A detonation is `processing` for a configurable time after it arrives
//! (three seconds unless told otherwise, or until released while the
//! simulator holds), so the plugin's polling is exercised, then `done`; its
//! verdict stays `benign` until then. A URL whose host is under `.invalid`
//! (RFC 2606: it never resolves) ends in `errors` instead, with the verdict
//! still `benign`, as the real tenant in Cortex XSOAR's README answered. The report route answers 404 with
//! `{"success": false, "message": ...}` while a detonation runs and after
//! one that ended in errors. Reports 100, 101 and 133 exist from the start
//! (see [`crate::sandbox::report`]).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::http::answer::{number, Answer, Refused};
use crate::http::form::{FormFile, SubmittedForm};
use crate::http::request::RecordedRequest;
use crate::http::response::{self, Response};
use crate::http::route::{to, with, Handler};
use crate::sandbox::pcap;
use crate::sandbox::platforms::{self, Platforms};
use crate::sandbox::report::{self as sandbox_report, Detonation, Target, Verdict};
use crate::sandbox::submit::{self as sandbox_submit, Detonated};

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v1", "submit", "new"]) => to(|c| submit(&c.tenant.sandbox, c.request)),
        ("GET", ["api", "v1", "submit", "parameters"]) => to(|c| parameters(&c.tenant.sandbox)),
        ("GET", ["api", "v1", "submit", id]) => with(number(id)?, |c, id| status(&c.tenant.sandbox, id)),
        ("GET", ["api", "v1", "submit", id, "report"]) => with(number(id)?, |c, id| report(&c.tenant.sandbox, id, &c.tenant.origin(c.request))),
        ("GET", ["userUploads", _day, file]) => with((*file).to_owned(), |c, file| pcap::download(&c.request.path, &file, |id| has_report(&c.tenant.sandbox, id))),
        _ => None,
    }
}

/// How long a new submission stays "processing" unless told otherwise.
pub const DEFAULT_SANDBOX_PROCESSING: Duration = Duration::from_secs(3);

/// New submissions are numbered from the id of the published plugin's submit
/// fixture, so early answers look like the samples in its help.
const FIRST_SUBMISSION_ID: u64 = 188;

/// One accepted submission, with every form field it arrived with.
#[derive(Clone, Debug)]
pub struct SandboxSubmission {
    pub id: u64,
    /// The platform this detonation runs on; `ALL` becomes one submission per
    /// platform, each with the same form.
    pub platform: String,
    pub form: SubmittedForm,
}

impl SandboxSubmission {
    /// The last value of a form field, e.g. `use_premium_sandbox`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.field(name)
    }

    /// The uploaded file, for a file submission.
    #[must_use]
    pub fn file(&self) -> Option<&FormFile> {
        self.form.files.first()
    }
}

/// How `POST /api/v1/submit/new/` lays out its `reports`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubmitResponse {
    /// Today's shape: `{"WINDOWS7": {"id", "status", "detail"}}`.
    #[default]
    ByPlatform,
    /// The older shape: `[{"id", "platform", "status", "detail"}]`.
    List,
}

/// The sandbox's behaviour, set by builder options or the control route.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SandboxSettings {
    pub(crate) processing: Duration,
    pub(crate) response: SubmitResponse,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        SandboxSettings {
            processing: DEFAULT_SANDBOX_PROCESSING,
            response: SubmitResponse::default(),
        }
    }
}

struct Stored {
    submission: SandboxSubmission,
    ready_at: Instant,
    /// Made while the sandbox held: `processing` until released.
    held: bool,
    verdict: Verdict,
    /// Whether the detonation ends in `errors` rather than `done`.
    fails: bool,
    /// Unix seconds, for the timestamps in the status and report.
    submitted: u64,
}

impl Stored {
    fn done(&self) -> bool {
        !self.held && Instant::now() >= self.ready_at
    }
}

pub(crate) struct Sandbox {
    inner: Mutex<Inner>,
}

struct Inner {
    settings: SandboxSettings,
    platforms: Platforms,
    submissions: BTreeMap<u64, Stored>,
    next_id: u64,
    holding: bool,
}

impl Sandbox {
    pub(crate) fn new(settings: SandboxSettings) -> Sandbox {
        Sandbox {
            inner: Mutex::new(Inner {
                settings,
                platforms: Platforms::default(),
                submissions: BTreeMap::new(),
                next_id: FIRST_SUBMISSION_ID,
                holding: false,
            }),
        }
    }

    /// Poisoning is ignored: every update is a single insert or assignment.
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn settings(&self) -> SandboxSettings {
        self.inner().settings
    }

    pub(crate) fn set_settings(&self, settings: SandboxSettings) {
        self.inner().settings = settings;
    }

    pub(crate) fn platforms(&self) -> Platforms {
        self.inner().platforms.clone()
    }

    pub(crate) fn set_platforms(&self, platforms: Platforms) {
        self.inner().platforms = platforms;
    }

    pub(crate) fn submissions(&self) -> Vec<SandboxSubmission> {
        self.inner()
            .submissions
            .values()
            .map(|s| s.submission.clone())
            .collect()
    }

    /// Holds every submission made from now on in `processing`.
    pub(crate) fn hold(&self) {
        self.inner().holding = true;
    }

    pub(crate) fn holding(&self) -> bool {
        self.inner().holding
    }

    /// Stops holding; every held submission is done at once. Answers how
    /// many were held.
    pub(crate) fn release(&self) -> usize {
        let mut inner = self.inner();
        inner.holding = false;
        let now = Instant::now();
        let held = inner.submissions.values_mut().filter(|stored| stored.held);
        held.map(|stored| {
            stored.held = false;
            stored.ready_at = stored.ready_at.min(now);
        })
        .count()
    }

    fn store(
        &self,
        platforms: Vec<String>,
        form: &SubmittedForm,
        (verdict, fails): (Verdict, bool),
    ) -> (Vec<SandboxSubmission>, SubmitResponse) {
        let mut inner = self.inner();
        let ready_at = Instant::now() + inner.settings.processing;
        let held = inner.holding;
        let submitted = unix_now();
        let mut stored = Vec::new();
        for platform in platforms {
            let id = inner.next_id;
            inner.next_id += 1;
            let submission = SandboxSubmission {
                id,
                platform,
                form: form.clone(),
            };
            stored.push(submission.clone());
            let entry = Stored {
                submission,
                ready_at,
                held,
                verdict,
                fails,
                submitted,
            };
            inner.submissions.insert(id, entry);
        }
        (stored, inner.settings.response)
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub(crate) fn submit(sandbox: &Sandbox, request: &RecordedRequest) -> Answer {
    let form = match request.form() {
        Ok(form) => form,
        Err(message) => return Ok(rejected(&message)),
    };
    let plan = match sandbox_submit::plan(&form, &sandbox.platforms()) {
        Ok(plan) => plan,
        Err(message) => return Ok(rejected(&message)),
    };
    let outcome = match plan.target {
        Detonated::Url(url) => (Verdict::of(url.as_bytes()), never_resolves(url)),
        Detonated::File(file) => (Verdict::of(&file.bytes), false),
    };
    let (submissions, shape) = sandbox.store(plan.platforms, &form, outcome);
    let body = json!({"success": true, "reports": reports(&submissions, shape)});
    Ok(response::json(202, &body))
}

/// Whether the URL's host is under `.invalid`, which no resolver answers.
fn never_resolves(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().trim_end_matches('.');
    host.to_ascii_lowercase().ends_with(".invalid")
}

fn rejected(message: &str) -> Response {
    response::json(400, &json!({"success": false, "message": message}))
}

fn reports(submissions: &[SandboxSubmission], shape: SubmitResponse) -> Value {
    let link = |s: &SandboxSubmission| json!({"id": s.id, "status": status_path(s.id), "detail": report_path(s.id)});
    match shape {
        SubmitResponse::ByPlatform => {
            let by_platform: Map<String, Value> = submissions.iter().map(|s| (s.platform.clone(), link(s))).collect();
            Value::Object(by_platform)
        }
        SubmitResponse::List => submissions
            .iter()
            .map(|s| {
                let mut entry = link(s);
                entry["platform"] = json!(s.platform);
                entry
            })
            .collect(),
    }
}

fn status_path(id: u64) -> String {
    format!("/api/v1/submit/{id}/")
}

fn report_path(id: u64) -> String {
    format!("/api/v1/submit/{id}/report/")
}

pub(crate) fn status(sandbox: &Sandbox, id: u64) -> Answer {
    if let Some(seeded) = seeded_detonation(id) {
        let form = SubmittedForm::default();
        return Ok(response::json(200, &state(&seeded, "done", &form)));
    }
    let inner = sandbox.inner();
    let Some(stored) = inner.submissions.get(&id) else {
        return Err(not_found(id));
    };
    let status = match (stored.done(), stored.fails) {
        (false, _) => "processing",
        (true, false) => "done",
        (true, true) => "errors",
    };
    Ok(response::json(
        200,
        &state(&detonation(stored), status, &stored.submission.form),
    ))
}

/// The state of a detonation, in the fields Splunk SOAR and FortiSOAR list.
fn state(detonation: &Detonation<'_>, status: &str, form: &SubmittedForm) -> Value {
    let id = detonation.id;
    // ThreatStream says "benign" until the detonation is done.
    let verdict = if status == "done" {
        detonation.verdict
    } else {
        Verdict::Benign
    };
    let notes = form
        .field("report_radio-notes")
        .or_else(|| form.field("detail"))
        .unwrap_or_default();
    let mut state = json!({
        "id": id,
        "status": status,
        "verdict": verdict.as_str(),
        "platform": detonation.platform,
        "platform_label": platforms::label(detonation.platform),
        "classification": form.field("report_radio-classification").unwrap_or("private"),
        "date_added": date_added(detonation.submitted),
        "notes": notes,
        "detail": report_path(id),
        "html_report": format!("/api/v1/submit/{id}/report/html/"),
        "import_indicators": form.field("import_indicators").is_none_or(|flag| flag.eq_ignore_ascii_case("true")),
        "message": "",
        "pdf_generated": 0,
        "priority": 2,
        "resource_uri": status_path(id),
        "sandbox_vendor": if form.field("use_premium_sandbox") == Some("true") { "Joe Sandbox" } else { "Cuckoo" },
        "user_id": sandbox_report::USER_ID,
    });
    match detonation.target {
        Target::Url(url) => state["url"] = json!(url),
        Target::File { name, .. } => state["file"] = json!(format!("/{name}")),
    }
    state
}

/// `2018-08-17T17:52:13.000000`: the state's `date_added`, in Splunk SOAR's example shape.
fn date_added(unix_seconds: u64) -> String {
    let plain = sandbox_report::timestamp(unix_seconds);
    format!("{}T{}.000000", &plain[..10], &plain[11..])
}

/// `GET /api/v1/submit/<id>/report/`; links to the capture go to `origin`.
pub(crate) fn report(sandbox: &Sandbox, id: u64, origin: &str) -> Answer {
    if let Some(seeded) = seeded_report(id, origin) {
        return Ok(response::json(200, &seeded));
    }
    let inner = sandbox.inner();
    let Some(stored) = inner.submissions.get(&id) else {
        return Err(not_found(id));
    };
    if !stored.done() {
        let message = format!("The report of submission {id} is not ready: it is still processing.");
        return Ok(response::json(404, &json!({"success": false, "message": message})));
    }
    if stored.fails {
        let message = format!("Submission {id} ended in errors: the sandbox could not reach the URL.");
        return Ok(response::json(404, &json!({"success": false, "message": message})));
    }
    Ok(response::json(
        200,
        &sandbox_report::report(&detonation(stored), origin),
    ))
}

fn detonation(stored: &Stored) -> Detonation<'_> {
    let submission = &stored.submission;
    let target = match (submission.field("report_radio-url"), submission.file()) {
        (Some(url), _) => Target::Url(url),
        (None, Some(file)) => Target::File {
            name: &file.file_name,
            bytes: &file.bytes,
        },
        (None, None) => Target::Url(""),
    };
    Detonation {
        id: submission.id,
        platform: &submission.platform,
        target,
        verdict: stored.verdict,
        submitted: stored.submitted,
    }
}

fn not_found(id: u64) -> Refused {
    Refused::new(404, &format!("Not found: sandbox submission {id}"))
}

/// Report 101 is the published samples' `report_id` (a URL on WINDOWS7);
/// report 100 is a malicious file on WINDOWSXP, the other half of the help
/// example's submit answer.
const SEEDED_URL_REPORT: u64 = 101;
const SEEDED_FILE_REPORT: u64 = 100;
/// The 3.x samples' `report_id` (`tests/get_sandbox_report.json`): the same fixture as 101.
const SEEDED_OLD_SAMPLE_REPORT: u64 = 133;
/// 2019-12-04 21:04:27 UTC, three seconds before the fixture's `started`.
const SEEDED_SUBMITTED: u64 = 1_575_493_467;
/// What report 100 detonated.
const SEEDED_FILE: &[u8] = b"MZ invoice-2019-12 dropper for evil-domain.example";

fn seeded_detonation(id: u64) -> Option<Detonation<'static>> {
    let (platform, target, verdict) = match id {
        SEEDED_URL_REPORT | SEEDED_OLD_SAMPLE_REPORT => {
            ("WINDOWS7", Target::Url("https://www.example.com/"), Verdict::Benign)
        }
        SEEDED_FILE_REPORT => (
            "WINDOWSXP",
            Target::File {
                name: "invoice-2019-12.exe",
                bytes: SEEDED_FILE,
            },
            Verdict::Malicious,
        ),
        _ => return None,
    };
    Some(Detonation {
        id,
        platform,
        target,
        verdict,
        submitted: SEEDED_SUBMITTED,
    })
}

/// Whether detonation `id` has a report: a seeded one, or one done without errors.
pub(crate) fn has_report(sandbox: &Sandbox, id: u64) -> bool {
    seeded_detonation(id).is_some()
        || sandbox
            .inner()
            .submissions
            .get(&id)
            .is_some_and(|stored| stored.done() && !stored.fails)
}

fn seeded_report(id: u64, origin: &str) -> Option<Value> {
    let detonation = seeded_detonation(id)?;
    Some(if matches!(id, SEEDED_URL_REPORT | SEEDED_OLD_SAMPLE_REPORT) {
        sandbox_report::fixture_report()
    } else {
        sandbox_report::report(&detonation, origin)
    })
}

/// `GET /api/v1/submit/parameters/`: the tenant's platforms (`platforms.rs`).
pub(crate) fn parameters(sandbox: &Sandbox) -> Answer {
    Ok(response::json(200, &sandbox.platforms().parameters()))
}

#[cfg(test)]
mod tests {
    use super::never_resolves;

    #[test]
    fn only_hosts_under_invalid_never_resolve() {
        for url in [
            "https://gone.invalid/setup.exe",
            "gone.INVALID",
            "http://u@x.invalid.:8080/?q",
        ] {
            assert!(never_resolves(url), "{url}");
        }
        for url in [
            "https://example.com/invalid",
            "http://invalid.example/",
            "https://example.com/?h=a.invalid",
        ] {
            assert!(!never_resolves(url), "{url}");
        }
    }
}
