//! The control routes for the tenant's settings:
//! `GET`, `PUT`, `POST /__simulator/latency` and
//! `GET`, `PUT`, `POST /__simulator/sandbox` (`PUT` and `POST` alike). Shapes
//! are in the crate doc; a Rust test uses `methods/conditions.rs` instead.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::answer::{Answer, Refused};
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::sandbox::detonations::{SandboxSubmission, SubmitResponse};
use crate::tenant::Tenant;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["__simulator", "latency"]) => to(|c| latency(c.tenant)),
        ("PUT" | "POST", ["__simulator", "latency"]) => to(|c| set_latency(c.tenant, &c.request.body)),
        ("GET", ["__simulator", "sandbox"]) => to(|c| sandbox(c.tenant)),
        ("PUT" | "POST", ["__simulator", "sandbox"]) => to(|c| set_sandbox(c.tenant, &c.request.body)),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencySpec {
    millis: u64,
}

pub(crate) fn latency(tenant: &Tenant) -> Answer {
    let millis = u64::try_from(tenant.latency().as_millis()).unwrap_or(u64::MAX);
    Ok(response::json(200, &json!({ "millis": millis })))
}

pub(crate) fn set_latency(tenant: &Tenant, body: &[u8]) -> Answer {
    let spec: LatencySpec = serde_json::from_slice(body).map_err(|e| Refused::bad(&format!("Bad latency: {e}")))?;
    tenant.set_latency(Duration::from_millis(spec.millis));
    latency(tenant)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SandboxSpec {
    processing_millis: Option<u64>,
    submit_response: Option<String>,
    platforms: Option<Vec<String>>,
    premium_platforms: Option<Vec<String>>,
}

pub(crate) fn set_sandbox(tenant: &Tenant, body: &[u8]) -> Answer {
    let spec: SandboxSpec =
        serde_json::from_slice(body).map_err(|e| Refused::bad(&format!("Bad sandbox settings: {e}")))?;
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
            return Err(Refused::bad(&text));
        }
    }
    tenant.sandbox.set_settings(settings);
    let mut platforms = tenant.sandbox.platforms();
    if let Some(standard) = spec.platforms {
        platforms.standard = standard;
    }
    if let Some(premium) = spec.premium_platforms {
        platforms.premium = premium;
    }
    tenant.sandbox.set_platforms(platforms);
    sandbox(tenant)
}

pub(crate) fn sandbox(tenant: &Tenant) -> Answer {
    let settings = tenant.sandbox.settings();
    let submissions: Vec<Value> = tenant.sandbox.submissions().iter().map(submission_json).collect();
    let shape = match settings.response {
        SubmitResponse::ByPlatform => "by_platform",
        SubmitResponse::List => "list",
    };
    let millis = u64::try_from(settings.processing.as_millis()).unwrap_or(u64::MAX);
    let platforms = tenant.sandbox.platforms();
    let body = json!({"processing_millis": millis, "submit_response": shape, "platforms": platforms.standard,
        "premium_platforms": platforms.premium, "submissions": submissions});
    Ok(response::json(200, &body))
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
