//! Where a request goes: control routes aside, every request is recorded,
//! meets its queued fault (if any), then routing, method and authentication
//! in that order, as in ThreatStream's Tastypie dispatch.

use std::fmt;
use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::Request;

use crate::control;
use crate::fault::{self, Outcome};
use crate::import;
use crate::record_routes::{self, RecordRoute};
use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::search::{self, ApiVersion};
use crate::server::Service;
use crate::state::State;
use crate::tenant::Tenant;
use crate::v1_routes::{self, V1Route};

/// Returned to hyper to make it close the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose by a simulator fault")
    }
}

impl std::error::Error for DropConnection {}

/// The API endpoints the simulator knows, by exact path.
enum Route {
    Search(ApiVersion),
    Import(ApiVersion),
    ImportSession(u64),
    /// Sandbox, threat models and enrichment.
    V1(V1Route),
}

impl Route {
    fn resolve(path: &str) -> Option<Route> {
        match path {
            "/api/v2/intelligence/" => Some(Route::Search(ApiVersion::V2)),
            "/api/v1/intelligence/" => Some(Route::Search(ApiVersion::V1)),
            "/api/v2/intelligence/import/" => Some(Route::Import(ApiVersion::V2)),
            "/api/v1/intelligence/import/" => Some(Route::Import(ApiVersion::V1)),
            _ => import_session_id(path)
                .map(Route::ImportSession)
                .or_else(|| V1Route::resolve(path).map(Route::V1)),
        }
    }

    fn method(&self) -> &'static str {
        match self {
            Route::V1(route) => route.method(),
            Route::Import(_) => "POST",
            Route::Search(_) | Route::ImportSession(_) => "GET",
        }
    }
}

fn import_session_id(path: &str) -> Option<u64> {
    let id = path.strip_prefix("/api/v1/importsession/")?.strip_suffix('/')?;
    id.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| id.parse().ok())
        .flatten()
}

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
    if control::owns(&request.path) {
        return Ok(control::handle(&state, &tenant, &request));
    }
    state.record(request.clone());
    tenant.delay().await;
    // A rule aimed at this path goes before the queue, which stays intact
    // for the requests the rule does not concern.
    let fault = tenant.fault_rules.take(&request.path).or_else(|| state.next_fault());
    if let Some(fault) = fault {
        match fault::apply(&state, fault).await {
            Outcome::Answer(response) => return Ok(response),
            Outcome::DropConnection => return Err(DropConnection),
            Outcome::Proceed => {}
        }
    }
    Ok(api(&state, &tenant, &request).await)
}

async fn api(state: &State, tenant: &Tenant, request: &RecordedRequest) -> Response {
    if let Some(route) = RecordRoute::resolve(&request.method, &request.path) {
        return record_routes::serve(state, request, route);
    }
    let Some(route) = Route::resolve(&request.path) else {
        return response::message(404, &format!("Not found: {}", request.path));
    };
    if request.method != route.method() {
        let text = format!("Method {} not allowed on {}", request.method, request.path);
        return response::message(405, &text);
    }
    if !authenticated(state, request) {
        return response::message(401, AUTH_FAILED);
    }
    match route {
        Route::Search(version) => search::search(state, request, version),
        Route::Import(version) => import::import(state, request, version),
        Route::ImportSession(id) => match state.import_session(id) {
            Some(session) => response::json(200, &import::session_json(&session)),
            None => response::message(404, &format!("Not found: {}", request.path)),
        },
        Route::V1(route) => v1_routes::answer(tenant, route, request),
    }
}

pub(crate) const AUTH_FAILED: &str = "Authentication failed: the username or API key is invalid.";

/// Only the header form counts; see the crate doc for why.
pub(crate) fn authenticated(state: &State, request: &RecordedRequest) -> bool {
    let Some((scheme, credentials)) = request.header("authorization").and_then(|h| h.split_once(' ')) else {
        return false;
    };
    let account = &state.account;
    let expected = format!("{}:{}", account.username, account.api_key);
    scheme.eq_ignore_ascii_case("apikey") && credentials.trim() == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_slash_paths_resolve() {
        assert!(Route::resolve("/api/v2/intelligence/").is_some());
        assert!(Route::resolve("/api/v2/intelligence").is_none());
        assert!(Route::resolve("//api/v2/intelligence/").is_none());
        assert!(Route::resolve("/api/v2/intelligence/import").is_none());
        assert!(matches!(
            Route::resolve("/api/v1/importsession/42/"),
            Some(Route::ImportSession(42))
        ));
        assert!(Route::resolve("/api/v1/importsession/42").is_none());
        assert!(Route::resolve("/api/v1/importsession/+42/").is_none());
        assert!(Route::resolve("/api/v1/importsession//").is_none());
    }
}
