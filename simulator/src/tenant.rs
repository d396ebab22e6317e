//! What a simulator holds beyond its intelligence records (those live in
//! `state.rs`): its sandbox, and the conditions a test imposes on the
//! network, namely per-request latency and faults aimed at paths.
//!
//! Kept apart from `State` so the sandbox and the test equipment can grow
//! without touching the records' lock, and so the builder options,
//! [`Simulator`] methods and control routes for them live here together.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::fault_rule::{FaultRule, FaultRules};
use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::sandbox::{Sandbox, SandboxSettings, SandboxSubmission, SubmitResponse};
use crate::{Simulator, SimulatorBuilder};

pub(crate) struct Tenant {
    pub(crate) sandbox: Sandbox,
    pub(crate) fault_rules: FaultRules,
    /// Microseconds, so the latency can change while requests read it.
    latency_micros: AtomicU64,
}

/// The builder's options for a [`Tenant`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TenantOptions {
    latency: Duration,
    sandbox: SandboxSettings,
}

impl Tenant {
    pub(crate) fn new(options: TenantOptions) -> Tenant {
        let tenant = Tenant {
            sandbox: Sandbox::new(options.sandbox),
            fault_rules: FaultRules::default(),
            latency_micros: AtomicU64::new(0),
        };
        tenant.set_latency(options.latency);
        tenant
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_micros.load(Ordering::Relaxed))
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.store(micros, Ordering::Relaxed);
    }

    /// Waits out the latency without holding a worker, so concurrent
    /// requests wait side by side rather than one after another.
    pub(crate) async fn delay(&self) {
        let latency = self.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
}

impl SimulatorBuilder {
    /// Delays every API request (not the control routes) by this much before
    /// it is answered or meets its fault. Default: none.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.tenant.latency = latency;
        self
    }

    /// How long a sandbox submission stays `processing` before it is `done`.
    /// Default: [`crate::DEFAULT_SANDBOX_PROCESSING`].
    pub fn sandbox_processing(mut self, processing: Duration) -> Self {
        self.tenant.sandbox.processing = processing;
        self
    }

    /// How `POST /api/v1/submit/new/` lays out `reports`. Default:
    /// [`SubmitResponse::ByPlatform`].
    pub fn submit_response(mut self, shape: SubmitResponse) -> Self {
        self.tenant.sandbox.response = shape;
        self
    }
}

impl Simulator {
    pub fn set_latency(&self, latency: Duration) {
        self.tenant.set_latency(latency);
    }

    #[must_use]
    pub fn latency(&self) -> Duration {
        self.tenant.latency()
    }

    /// Adds a fault for the requests whose path matches; rules are checked,
    /// oldest first, before the queue of [`Simulator::push_fault`].
    pub fn add_fault_rule(&self, rule: FaultRule) {
        self.tenant.fault_rules.add(rule);
    }

    /// Every accepted sandbox submission, oldest first, with its form.
    #[must_use]
    pub fn sandbox_submissions(&self) -> Vec<SandboxSubmission> {
        self.tenant.sandbox.submissions()
    }

    /// Applies to submissions made from now on.
    pub fn set_sandbox_processing(&self, processing: Duration) {
        let mut settings = self.tenant.sandbox.settings();
        settings.processing = processing;
        self.tenant.sandbox.set_settings(settings);
    }

    pub fn set_submit_response(&self, shape: SubmitResponse) {
        let mut settings = self.tenant.sandbox.settings();
        settings.response = shape;
        self.tenant.sandbox.set_settings(settings);
    }
}

/// The control routes for what this module owns: `latency` and `sandbox`.
pub(crate) fn control(tenant: &Tenant, name: &str, request: &RecordedRequest) -> Option<Response> {
    let response = match (request.method.as_str(), name) {
        ("GET", "latency") => latency_json(tenant),
        ("PUT" | "POST", "latency") => set_latency(tenant, &request.body),
        ("GET", "sandbox") => sandbox_json(tenant),
        ("PUT" | "POST", "sandbox") => set_sandbox(tenant, &request.body),
        (_, "latency" | "sandbox") => response::message(405, "Method not allowed"),
        _ => return None,
    };
    Some(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencySpec {
    millis: u64,
}

fn latency_json(tenant: &Tenant) -> Response {
    let millis = u64::try_from(tenant.latency().as_millis()).unwrap_or(u64::MAX);
    response::json(200, &json!({ "millis": millis }))
}

fn set_latency(tenant: &Tenant, body: &[u8]) -> Response {
    match serde_json::from_slice::<LatencySpec>(body) {
        Ok(spec) => {
            tenant.set_latency(Duration::from_millis(spec.millis));
            latency_json(tenant)
        }
        Err(e) => response::message(400, &format!("Bad latency: {e}")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SandboxSpec {
    processing_millis: Option<u64>,
    submit_response: Option<String>,
}

fn set_sandbox(tenant: &Tenant, body: &[u8]) -> Response {
    let spec: SandboxSpec = match serde_json::from_slice(body) {
        Ok(spec) => spec,
        Err(e) => return response::message(400, &format!("Bad sandbox settings: {e}")),
    };
    let mut settings = tenant.sandbox.settings();
    if let Some(millis) = spec.processing_millis {
        settings.processing = Duration::from_millis(millis);
    }
    match spec.submit_response.as_deref() {
        None => {}
        Some("by_platform") => settings.response = SubmitResponse::ByPlatform,
        Some("list") => settings.response = SubmitResponse::List,
        Some(other) => {
            let text =
                format!("Bad sandbox settings: submit_response must be \"by_platform\" or \"list\", not {other:?}");
            return response::message(400, &text);
        }
    }
    tenant.sandbox.set_settings(settings);
    sandbox_json(tenant)
}

fn sandbox_json(tenant: &Tenant) -> Response {
    let settings = tenant.sandbox.settings();
    let submissions: Vec<Value> = tenant.sandbox.submissions().iter().map(submission_json).collect();
    let shape = match settings.response {
        SubmitResponse::ByPlatform => "by_platform",
        SubmitResponse::List => "list",
    };
    let millis = u64::try_from(settings.processing.as_millis()).unwrap_or(u64::MAX);
    response::json(
        200,
        &json!({"processing_millis": millis, "submit_response": shape, "submissions": submissions}),
    )
}

fn submission_json(submission: &SandboxSubmission) -> Value {
    use base64::Engine;
    let files: Vec<Value> = submission
        .form
        .files
        .iter()
        .map(|file| {
            let bytes = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
            json!({"field": file.field, "file_name": file.file_name, "base64": bytes})
        })
        .collect();
    json!({
        "id": submission.id,
        "platform": submission.platform,
        "fields": submission.form.fields,
        "files": files,
    })
}
