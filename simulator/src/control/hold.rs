//! Holding work in `processing` until a test releases it, so a test that
//! must see an import session, a sandbox report or a snapshot still
//! processing never races a clock: `POST /__simulator/hold` `{"what":
//! "import_sessions"}` (or `"sandbox_reports"`, `"snapshots"`) holds whatever of that kind is created from then on;
//! `POST /__simulator/release` with the same body lets all of it finish at
//! once and answers how many were held; `GET /__simulator/hold` lists what is
//! held. [`crate::Simulator::hold`] and [`crate::Simulator::release`] do the
//! same from Rust.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::admin::snapshots;
use crate::control::records::parse;
use crate::http::answer::Answer;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::state::State;
use crate::tenant::Tenant;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["__simulator", "hold"]) => to(|c| held(c.state, c.tenant)),
        ("POST", ["__simulator", "hold"]) => to(|c| hold(c.state, c.tenant, &c.request.body)),
        ("POST", ["__simulator", "release"]) => to(|c| release(c.state, c.tenant, &c.request.body)),
        _ => None,
    }
}

/// What [`crate::Simulator::hold`] keeps in `processing`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    /// Import sessions: `processing` (and `approving` once approved early);
    /// their observables appear only after the release.
    ImportSessions,
    /// Sandbox submissions: status `processing`, and the report route's 404
    /// "not ready".
    SandboxReports,
    /// Snapshots: `inprogress`, without files.
    Snapshots,
}

const ALL: [Hold; 3] = [Hold::ImportSessions, Hold::SandboxReports, Hold::Snapshots];

/// Starts holding `what`.
pub(crate) fn start(state: &State, tenant: &Tenant, what: Hold) {
    match what {
        Hold::ImportSessions => state.sessions().hold(),
        Hold::SandboxReports => tenant.sandbox.hold(),
        Hold::Snapshots => state.admin.snapshots().hold(),
    }
}

/// Stops holding `what` and finishes what was held; answers how many.
pub(crate) fn stop(state: &State, tenant: &Tenant, what: Hold) -> usize {
    match what {
        Hold::ImportSessions => state.sessions().release(timestamp::now_ms()),
        Hold::SandboxReports => tenant.sandbox.release(),
        Hold::Snapshots => snapshots::release(state),
    }
}

/// What is held now.
pub(crate) fn current(state: &State, tenant: &Tenant) -> Vec<Hold> {
    let holding = |what: &Hold| match what {
        Hold::ImportSessions => state.sessions().holding(),
        Hold::SandboxReports => tenant.sandbox.holding(),
        Hold::Snapshots => state.admin.snapshots().holding(),
    };
    ALL.into_iter().filter(holding).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldRequest {
    what: Hold,
}

pub(crate) fn held(state: &State, tenant: &Tenant) -> Answer {
    Ok(response::json(200, &json!({"held": current(state, tenant)})))
}

pub(crate) fn hold(state: &State, tenant: &Tenant, body: &[u8]) -> Answer {
    let wanted: HoldRequest = parse(body)?;
    start(state, tenant, wanted.what);
    held(state, tenant)
}

pub(crate) fn release(state: &State, tenant: &Tenant, body: &[u8]) -> Answer {
    let wanted: HoldRequest = parse(body)?;
    let released = stop(state, tenant, wanted.what);
    let body = json!({"released": released, "held": current(state, tenant)});
    Ok(response::json(200, &body))
}
