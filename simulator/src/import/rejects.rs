//! `GET /api/v1/importsession/<id>/rejects/`: the lines of an import that
//! held no observable, and why.
//!
//! Unconfirmed: no public client calls this route (XSOAR, Splunk SOAR,
//! FortiSOAR, Google SecOps, Rapid7 and CrowdStrike's OpenAPI description
//! were searched), and only the count, `numRejected`, appears in public
//! answers. The shape is ThreatStream's usual Tastypie list (`meta` with
//! `next`, `objects`), each reject `{"id", "value", "reason"}`: the line as
//! it was sent and the reason it was left out. While the session is
//! processing nothing is known yet, so the list is empty.

use serde_json::json;

use crate::http::answer::{number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::route::{with, Handler};
use crate::import::session::PROCESSING;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "importsession", id, "rejects"]) => with(number(id)?, |c, id| list(c.state, c.request, id)),
        _ => None,
    }
}

/// Why a line was left out; the one reason the simulator's parser has.
pub(crate) const NOT_AN_OBSERVABLE: &str = "No observable was found in the line.";

pub(crate) fn list(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let session = state
        .import_session(id)
        .ok_or_else(|| Refused::new(404, &format!("No import session with id {id}.")))?;
    let rejects = if session.status == PROCESSING {
        Vec::new()
    } else {
        session
            .rejects
            .iter()
            .enumerate()
            .map(|(n, line)| json!({"id": n + 1, "value": line, "reason": NOT_AN_OBSERVABLE}))
            .collect()
    };
    Ok(paging::page(rejects, paging, &request.path, &pairs))
}
