//! Routes under `/__simulator/` that let a shell script (the demo, a bench)
//! steer the simulator the way a Rust test uses its methods. They need no
//! credentials and are not recorded, so they never show up in assertions
//! about what the plugin sent. Shapes are documented in the crate doc.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::fault::{self, Queued};
use crate::record_control;
use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::state::State;
use crate::tenant::{self, Tenant};

const PREFIX: &str = "/__simulator/";

pub(crate) fn owns(path: &str) -> bool {
    path.starts_with(PREFIX)
}

pub(crate) fn handle(state: &Arc<State>, tenant: &Tenant, request: &RecordedRequest) -> Response {
    let name = request.path.trim_start_matches(PREFIX);
    if let Some(response) = tenant::control(tenant, name, request) {
        return response;
    }
    if let Some(response) = record_control::handle(state, name, request) {
        return response;
    }
    match (request.method.as_str(), name) {
        ("GET", "requests") => response::json(200, &requests_json(state)),
        ("DELETE", "requests") => {
            state.clear_requests();
            response::no_content()
        }
        ("POST", "faults") => push_faults(state, tenant, &request.body),
        ("DELETE", "faults") => {
            state.clear_faults();
            tenant.fault_rules.clear();
            response::no_content()
        }
        (_, "requests" | "faults") => response::message(405, "Method not allowed"),
        _ => response::message(404, &format!("Not found: {}", request.path)),
    }
}

fn push_faults(state: &State, tenant: &Tenant, body: &[u8]) -> Response {
    match fault::parse_specs(body) {
        Ok(faults) => {
            let queued = faults.len();
            for fault in faults {
                match fault {
                    Queued::Next(fault) => state.push_fault(fault),
                    Queued::Rule(rule) => tenant.fault_rules.add(rule),
                }
            }
            response::json(200, &json!({ "queued": queued }))
        }
        Err(message) => response::message(400, &format!("Bad fault: {message}")),
    }
}

fn requests_json(state: &State) -> Value {
    let requests: Vec<Value> = state.requests().iter().map(request_json).collect();
    Value::Array(requests)
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
