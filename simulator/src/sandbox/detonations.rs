//! ThreatStream's sandbox: `POST /api/v1/submit/new/` queues a detonation,
//! `GET /api/v1/submit/{id}/` says whether it is done, and
//! `GET /api/v1/submit/{id}/report/` returns the report once it is.
//!
//! A detonation is "processing" for a configurable time after it arrives
//! (three seconds unless told otherwise), so the plugin's polling is
//! exercised, then "done". Until then the report route answers 404 with
//! `{"success": false, "message": ...}`: Cortex XSOAR treats 404 on the
//! report and status routes as "no report yet" (threatstream-api-and-peers.md
//! §1.15), and the published plugin 4.0.0 treats a falsy `success` as no
//! report, so either reading of the answer comes to the same conclusion.
//! Reports 100, 101 and 133 exist from the start (see [`crate::sandbox::report`]).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::http::answer::{Answer, Refused};
use crate::http::form::{FormFile, SubmittedForm};
use crate::http::request::RecordedRequest;
use crate::http::response::{self, Response};
use crate::sandbox::report::{self as sandbox_report, Detonation, Target, Verdict};
use crate::sandbox::submit::{self as sandbox_submit, Detonated, PLATFORMS};

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
    submissions: BTreeMap<u64, Stored>,
    next_id: u64,
    holding: bool,
}

impl Sandbox {
    pub(crate) fn new(settings: SandboxSettings) -> Sandbox {
        Sandbox {
            inner: Mutex::new(Inner {
                settings,
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
        verdict: Verdict,
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
    let plan = match sandbox_submit::plan(&form) {
        Ok(plan) => plan,
        Err(message) => return Ok(rejected(&message)),
    };
    let verdict = match plan.target {
        Detonated::Url(url) => Verdict::of(url.as_bytes()),
        Detonated::File(file) => Verdict::of(&file.bytes),
    };
    let (submissions, shape) = sandbox.store(plan.platforms, &form, verdict);
    Ok(response::json(
        200,
        &json!({"success": true, "reports": reports(&submissions, shape)}),
    ))
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
    if let Some(seeded) = seeded_status(id) {
        return Ok(response::json(200, &seeded));
    }
    let inner = sandbox.inner();
    let Some(stored) = inner.submissions.get(&id) else {
        return Err(not_found(id));
    };
    Ok(response::json(200, &status_json(stored, stored.done())))
}

fn status_json(stored: &Stored, done: bool) -> Value {
    let submission = &stored.submission;
    // ThreatStream says "benign" until detonation finishes (§1.13).
    let verdict = if done { stored.verdict } else { Verdict::Benign };
    let mut status = json!({
        "id": submission.id,
        "status": if done { "done" } else { "processing" },
        "verdict": verdict.as_str(),
        "platform": submission.platform,
        "classification": submission.field("report_radio-classification").unwrap_or("private"),
        "premium": submission.field("use_premium_sandbox") == Some("true"),
        "date_added": sandbox_report::timestamp(stored.submitted),
        "detail": submission.field("detail").or_else(|| submission.field("report_radio-notes")),
        "report": report_path(submission.id),
        "resource_uri": status_path(submission.id),
    });
    match (submission.field("report_radio-url"), submission.file()) {
        (Some(url), _) => status["url"] = json!(url),
        (None, Some(file)) => status["file_name"] = json!(file.file_name),
        (None, None) => {}
    }
    status
}

pub(crate) fn report(sandbox: &Sandbox, id: u64) -> Answer {
    if let Some(seeded) = seeded_report(id) {
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
    Ok(response::json(200, &sandbox_report::report(&detonation(stored))))
}

fn detonation(stored: &Stored) -> Detonation<'_> {
    let submission = &stored.submission;
    let target = match (submission.field("report_radio-url"), submission.file()) {
        (Some(url), _) => Target::Url(url),
        (None, Some(file)) => Target::File {
            name: &file.file_name,
            size: file.bytes.len(),
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

fn seeded_detonation(id: u64) -> Option<Detonation<'static>> {
    let (platform, target, verdict) = match id {
        SEEDED_URL_REPORT | SEEDED_OLD_SAMPLE_REPORT => {
            ("WINDOWS7", Target::Url("https://www.example.com/"), Verdict::Benign)
        }
        SEEDED_FILE_REPORT => (
            "WINDOWSXP",
            Target::File {
                name: "invoice-2019-12.exe",
                size: 73_802,
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

fn seeded_report(id: u64) -> Option<Value> {
    let detonation = seeded_detonation(id)?;
    Some(if matches!(id, SEEDED_URL_REPORT | SEEDED_OLD_SAMPLE_REPORT) {
        sandbox_report::fixture_report()
    } else {
        sandbox_report::report(&detonation)
    })
}

fn seeded_status(id: u64) -> Option<Value> {
    let detonation = seeded_detonation(id)?;
    let mut status = json!({
        "id": id,
        "status": "done",
        "verdict": detonation.verdict.as_str(),
        "platform": detonation.platform,
        "classification": "private",
        "premium": false,
        "date_added": sandbox_report::timestamp(SEEDED_SUBMITTED),
        "detail": null,
        "report": report_path(id),
        "resource_uri": status_path(id),
    });
    match detonation.target {
        Target::Url(url) => status["url"] = json!(url),
        Target::File { name, .. } => status["file_name"] = json!(name),
    }
    Some(status)
}

/// `GET /api/v1/submit/parameters/`, in the shape Cortex XSOAR reads
/// (`platform_choices`, `premium_platform_choices`).
pub(crate) fn parameters() -> Answer {
    let choice =
        |name: &&str| json!({"name": name, "label": name, "types": ["file", "url"], "platform": platform_family(name)});
    let standard: Vec<Value> = PLATFORMS
        .iter()
        .filter(|p| !matches!(**p, "ALL" | "VMRAY"))
        .map(choice)
        .collect();
    let premium: Vec<Value> = ["WINDOWS7", "WINDOWS10x64"].iter().map(choice).collect();
    let body = json!({"platform_choices": standard, "premium_platform_choices": premium});
    Ok(response::json(200, &body))
}

fn platform_family(name: &str) -> &'static str {
    match name {
        n if n.starts_with("ANDROID") => "android",
        n if n.starts_with("MACOSX") => "macosx",
        "LINUX" => "linux",
        _ => "windows",
    }
}
