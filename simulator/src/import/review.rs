//! Reviewing import sessions over the API: list, read, approve, reject.
//!
//! - `GET /api/v1/importsession/<id>/`: one session, with its
//!   `associations`; an unknown id is a 404.
//! - `GET /api/v1/importsession/` with `status`, `status__in` (comma list),
//!   `date_modified__gte`, `limit`/`offset`; oldest first, with `meta.next`.
//! - `PATCH /api/v1/importsession/<id>/approve_all/` answers 200 with the
//!   session, `status: approving` and `approved_by_id` set (how XSOAR tells
//!   success, and what its test data answers); it is `approved` from the
//!   next request on. Approving an approved session succeeds again;
//!   approving a rejected one is a 409; approving one in `errors` answers it
//!   unchanged, `approved_by_id: null`.
//! - `DELETE /api/v1/importsession/<id>/` rejects: 204, status `deleted`, as
//!   FortiSOAR's connector rejects (Reject IOC By Import ID). Rejecting again
//!   is a 204; rejecting an approved session is a 409.
//!
//! Approving and rejecting need the "Approve Intel" permission.

use serde_json::json;

use crate::http::answer::{number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::import::session::{session_json, ImportSession, Refusal};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "importsession"]) => to(|c| list(c.state, c.request)),
        ("GET", ["api", "v1", "importsession", id]) => with(number(id)?, |c, id| get(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "importsession", id]) => with(number(id)?, |c, id| reject(c.state, id)),
        ("PATCH", ["api", "v1", "importsession", id, "approve_all"]) => with(number(id)?, |c, id| approve(c.state, id)),
        _ => None,
    }
}

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::new(400, &message))?;
    let filter = SessionFilter::from_query(&pairs)?;
    let sessions = state.sessions();
    let matches: Vec<&ImportSession> = sessions.all().filter(|session| filter.accepts(session)).collect();
    let objects: Vec<_> = matches
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(|session| session_json(session, false))
        .collect();
    let meta = paging::meta(&request.path, &pairs, paging, matches.len(), false);
    Ok(response::json(200, &json!({"meta": meta, "objects": objects})))
}

/// `GET /api/v1/importsession/<id>/`: the session with its associations.
pub(crate) fn get(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    let session = state
        .import_session(id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    Ok(response::json(200, &session_json(&session, true)))
}

pub(crate) fn approve(state: &State, id: u64) -> Answer {
    state.denials.require(Permission::ApproveIntel)?;
    let session = state.approve_session(id).map_err(|refusal| refused(id, refusal))?;
    Ok(response::json(200, &session_json(&session, true)))
}

pub(crate) fn reject(state: &State, id: u64) -> Answer {
    state.denials.require(Permission::ApproveIntel)?;
    state
        .sessions()
        .reject(id, timestamp::now_ms())
        .map_err(|refusal| refused(id, refusal))?;
    Ok(response::no_content())
}

fn refused(id: u64, refusal: Refusal) -> Refused {
    match refusal {
        Refusal::NotFound => Refused::new(404, &format!("No import session with id {id}.")),
        Refusal::Conflict(message) => Refused::new(409, &message),
    }
}

#[derive(Debug, Default)]
struct SessionFilter {
    statuses: Option<Vec<String>>,
    modified_since_ms: Option<i64>,
}

impl SessionFilter {
    fn from_query(pairs: &[(String, String)]) -> Result<SessionFilter, Refused> {
        let mut filter = SessionFilter::default();
        for (key, value) in pairs {
            match key.as_str() {
                "status" | "status__in" => {
                    filter.statuses = Some(value.split(',').map(|s| s.trim().to_lowercase()).collect());
                }
                "date_modified__gte" => {
                    let since = timestamp::parse(value).ok_or_else(|| {
                        Refused::new(400, &format!("Invalid value for 'date_modified__gte': '{value}'."))
                    })?;
                    filter.modified_since_ms = Some(since);
                }
                _ => {}
            }
        }
        Ok(filter)
    }

    fn accepts(&self, session: &ImportSession) -> bool {
        let status_ok = self
            .statuses
            .as_ref()
            .is_none_or(|statuses| statuses.contains(&session.status));
        let modified = timestamp::parse(&session.date_modified).unwrap_or_default();
        status_ok && self.modified_since_ms.is_none_or(|since| modified >= since)
    }
}
