//! What a simulator holds beyond its intelligence records (those live in
//! `state.rs`): its sandbox.
//!
//! Kept apart from `State` so the sandbox can grow without touching the
//! records' lock, and so the builder options, [`Simulator`] methods and
//! control routes for it live here together.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::sandbox::{Sandbox, SandboxSettings, SandboxSubmission, SubmitResponse};
use crate::{Simulator, SimulatorBuilder};

pub(crate) struct Tenant {
    pub(crate) sandbox: Sandbox,
}

/// The builder's options for a [`Tenant`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TenantOptions {
    sandbox: SandboxSettings,
}

impl Tenant {
    pub(crate) fn new(options: TenantOptions) -> Tenant {
        Tenant {
            sandbox: Sandbox::new(options.sandbox),
        }
    }
}

impl SimulatorBuilder {
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

/// The control route for what this module owns: `sandbox`.
pub(crate) fn control(tenant: &Tenant, name: &str, request: &RecordedRequest) -> Option<Response> {
    let response = match (request.method.as_str(), name) {
        ("GET", "sandbox") => sandbox_json(tenant),
        ("PUT" | "POST", "sandbox") => set_sandbox(tenant, &request.body),
        (_, "sandbox") => response::message(405, "Method not allowed"),
        _ => return None,
    };
    Some(response)
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
