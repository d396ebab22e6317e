//! The request log and the fault queue, for scripts: `GET` and `DELETE
//! /__simulator/requests`, `POST` and `DELETE /__simulator/faults`. Like
//! every control route they need no credentials and are never recorded, so
//! they never show up in assertions about what the plugin sent. Shapes are
//! in the crate doc; a Rust test uses [`crate::Simulator::requests`] and
//! [`crate::Simulator::push_fault`] instead.

use serde_json::{json, Value};

use crate::faults::fault::{self, Queued};
use crate::http::answer::{Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::state::State;
use crate::tenant::Tenant;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["__simulator", "requests"]) => to(|c| list(c.state)),
        ("DELETE", ["__simulator", "requests"]) => to(|c| forget(c.state)),
        ("POST", ["__simulator", "faults"]) => to(|c| push_faults(c.state, c.tenant, &c.request.body)),
        ("DELETE", ["__simulator", "faults"]) => to(|c| clear_faults(c.state, c.tenant)),
        _ => None,
    }
}

pub(crate) fn list(state: &State) -> Answer {
    let requests: Vec<Value> = state.requests().iter().map(request_json).collect();
    Ok(response::json(200, &Value::Array(requests)))
}

pub(crate) fn forget(state: &State) -> Answer {
    state.clear_requests();
    Ok(response::no_content())
}

pub(crate) fn push_faults(state: &State, tenant: &Tenant, body: &[u8]) -> Answer {
    let faults = fault::parse_specs(body).map_err(|message| Refused::bad(&format!("Bad fault: {message}")))?;
    let queued = faults.len();
    for fault in faults {
        match fault {
            Queued::Next(fault) => state.push_fault(fault),
            Queued::Rule(rule) => tenant.fault_rules.add(rule),
        }
    }
    Ok(response::json(200, &json!({ "queued": queued })))
}

pub(crate) fn clear_faults(state: &State, tenant: &Tenant) -> Answer {
    state.clear_faults();
    tenant.fault_rules.clear();
    Ok(response::no_content())
}

fn request_json(request: &RecordedRequest) -> Value {
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": request.headers,
        "body": String::from_utf8_lossy(&request.body),
    })
}
