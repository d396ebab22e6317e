//! How a request reaches its route. A control route (`/__simulator/...`) is
//! answered at once: no credentials, never recorded, never delayed or
//! faulted, so a script can steer the simulator while the plugin meets its
//! faults. Any other request is recorded, waits out the latency, meets its
//! fault (if any), then routing, method and authentication in that order
//! (404, 405, 401), as in ThreatStream's Tastypie dispatch.

use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::Request;

use crate::faults::fault::{self, Outcome};
use crate::http::answer::Refused;
use crate::http::request::RecordedRequest;
use crate::http::response::{self, Response};
use crate::http::route::Call;
use crate::http::server::{DropConnection, Service};
use crate::routes::{self, Resolved, CONTROL_PREFIX};
use crate::sandbox::pcap::UPLOADS_PREFIX;
use crate::state::State;
use crate::tenant::Tenant;

/// The API server's service: every connection answers through [`handle`].
pub(crate) fn service(state: Arc<State>, tenant: Arc<Tenant>) -> Service {
    Arc::new(move |request| Box::pin(handle(Arc::clone(&state), Arc::clone(&tenant), request)))
}

async fn handle(
    state: Arc<State>,
    tenant: Arc<Tenant>,
    request: Request<Incoming>,
) -> Result<Response, DropConnection> {
    let (parts, body) = request.into_parts();
    // A body that fails to arrive means the client is gone: nobody to answer.
    let body = body.collect().await.map_err(|_| DropConnection)?.to_bytes();
    let request = RecordedRequest::from_parts(&parts, body.to_vec());
    let call = Call {
        state: &state,
        tenant: &tenant,
        request: &request,
    };
    if request.path.starts_with(CONTROL_PREFIX) {
        return Ok(control(&call));
    }
    state.record(request.clone());
    tenant.delay().await;
    // A rule aimed at this path goes before the queue, which stays intact
    // for the requests the rule does not concern.
    let fault = tenant.fault_rules.take(&request.path).or_else(|| state.next_fault());
    if let Some(fault) = fault {
        match fault::apply(fault).await {
            Outcome::Answer(response) => return Ok(response),
            Outcome::DropConnection => return Err(DropConnection),
            Outcome::EndlessPages => state.start_endless_pages(),
            Outcome::Proceed => {}
        }
    }
    Ok(api(&call))
}

fn api(call: &Call<'_>) -> Response {
    let request = call.request;
    let handler = match routes::resolve(&request.method, &request.path) {
        Resolved::Found(handler) => handler,
        Resolved::WrongMethod => {
            let text = format!("Method {} not allowed on {}", request.method, request.path);
            return response::message(405, &text);
        }
        Resolved::NotFound => return Refused::not_found(&request.path).into_response(),
    };
    // Uploaded files are reached by their links alone, as pre-signed links are (see `sandbox/pcap.rs`).
    if !request.path.starts_with(UPLOADS_PREFIX) && !authenticated(call.state, request) {
        return response::message(401, AUTH_FAILED);
    }
    handler(call).unwrap_or_else(Refused::into_response)
}

/// Shapes are in the crate doc.
fn control(call: &Call<'_>) -> Response {
    let request = call.request;
    match routes::resolve(&request.method, &request.path) {
        Resolved::Found(handler) => handler(call).unwrap_or_else(Refused::into_response),
        Resolved::WrongMethod => response::message(405, "Method not allowed"),
        Resolved::NotFound => Refused::not_found(&request.path).into_response(),
    }
}

const AUTH_FAILED: &str = "Authentication failed: the username or API key is invalid.";

/// Only the header form counts; see the crate doc for why.
fn authenticated(state: &State, request: &RecordedRequest) -> bool {
    let Some((scheme, credentials)) = request.header("authorization").and_then(|h| h.split_once(' ')) else {
        return false;
    };
    let account = &state.account;
    let expected = format!("{}:{}", account.username, account.api_key);
    scheme.eq_ignore_ascii_case("apikey") && credentials.trim() == expected
}
