//! The simulator's one router: ThreatStream's API and the `/__simulator/`
//! control routes, each a line from method and path to its handler. The
//! lines live in the files of their handlers, not here: every file with
//! handlers starts (right after its imports) with `fn routes`, a `match` on
//! the method and the path's segments, so a new route is one file: its
//! handler and its line side by side (`sandbox/pcap.rs` alone keeps its line
//! in `sandbox/detonations.rs`, and says why). This file tries those tables
//! in the order of [`TABLES`]: a path no table has for any method is a 404,
//! one that only other methods have is a 405.
//!
//! A `match` on the method and the path's segments rather than a router
//! crate such as `matchit` (already in the tree through axum), because
//! ThreatStream's paths need what a path-pattern router does not give: ids
//! that are plain digits (`+42` is a 404, not a handler's 400, so that 404
//! still comes before 405 and 401), observable values that keep their
//! slashes (`/references/http://a.example/x/`), and literal segments that win
//! over a parameter in the same place (`intelligence/comments/` against
//! `intelligence/<id>/`). In a `match` each of those is a pattern or a
//! function call on the same line, checked by the compiler, with no second
//! table of parameter types to keep in step.
//!
//! Reading a table: arms run top to bottom, so a literal segment comes
//! before a parameter in the same place; a parameter is parsed with `?`, and
//! one that does not parse ends that table's `match` with `None`. The next
//! table is then tried, which is how a literal in one file wins over a
//! parameter in another (`comments` is no id, so `manage/detail.rs` passes
//! `GET /api/v2/intelligence/comments/` on to `manage/comments.rs`), and a
//! path no table takes is a 404. No two tables take the same method and
//! path (the unit test `no_two_tables_answer_one_path` tries a path made
//! from every line, and its neighbours), so the order of [`TABLES`] is only
//! the order to read them in. A route that changes nothing but needs its
//! path's parameters binds them in a `move` closure; what a line is written
//! with (`Call`, `to`, `with`, the parameters' parsers) is in
//! `http/route.rs`, which the tables import instead of this file, so no
//! import cycle runs through the router.
//!
//! Reading every route: the crate doc lists them (and a unit test fails
//! while a line is named neither there nor in its handler's doc comment);
//! [`TABLES`] names the files in order; `grep -rn '\]) =>' simulator/src`
//! prints every line. A new file of handlers adds its `mod` line and its
//! `routes` to [`TABLES`]. How a request reaches the router (recorded,
//! delayed, faulted, then 404, 405, 401 in ThreatStream's order) is in
//! `dispatch.rs`.

use crate::admin::{allowlist, rules, snapshots, users};
use crate::context::{associations, enrichment, intel_details, model_routes, model_search, model_writes};
use crate::control::{hold, records, requests, settings};
use crate::http::route::{Handler, Table};
use crate::import::{approval, clone, direct, reclassify, rejects, review};
use crate::intelligence::search;
use crate::investigations::routes as investigations;
use crate::manage::{comments, detail, false_positive, tags};
use crate::sandbox::detonations;
use crate::sandbox::pcap::UPLOADS_PREFIX;

/// Every file's table, by capability as the crate's folders are; each
/// file's table is at the top of that file.
const TABLES: &[Table] = &[
    // Intelligence (intelligence/): search, and the legacy v1 search.
    search::routes,
    // Import without approval, with approval, by cloning, and the review of import sessions (import/).
    direct::routes,
    approval::routes,
    review::routes,
    reclassify::routes,
    rejects::routes,
    clone::routes,
    // One observable, its tags, comments and false-positive reports (manage/).
    tags::routes,
    comments::routes,
    detail::routes,
    false_positive::routes,
    // The sandbox and its packet captures (sandbox/).
    detonations::routes,
    // Administration (admin/): rules, the allowlist, users, snapshots.
    rules::routes,
    allowlist::routes,
    users::routes,
    snapshots::routes,
    // Investigations and their elements (investigations/).
    investigations::routes,
    // Threat context: enrichment and intel details, then threat models by type (context/).
    enrichment::routes,
    intel_details::routes,
    model_search::routes,
    model_routes::routes,
    model_writes::routes,
    associations::routes,
    // Control routes (control/): the request log and faults, latency and the sandbox's
    // settings, holding work in `processing`, records, the live feed, bench data,
    // permissions, the import delay.
    requests::routes,
    settings::routes,
    hold::routes,
    records::routes,
];

/// The handler of the one table that has a line for `method` and `path`.
fn route(method: &str, path: &[&str]) -> Option<Handler> {
    TABLES.iter().find_map(|table| table(method, path))
}

/// Every method a route may have: a path that some of them match answers
/// 405 to the others.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Where the control routes live; they need no credentials and are never
/// recorded (see `dispatch.rs`).
pub(crate) const CONTROL_PREFIX: &str = "/__simulator/";

/// What the tables say about a request.
pub(crate) enum Resolved {
    Found(Handler),
    WrongMethod,
    NotFound,
}

pub(crate) fn resolve(method: &str, path: &str) -> Resolved {
    let Some(parts) = segments(path) else {
        return Resolved::NotFound;
    };
    if let Some(handler) = route(method, &parts) {
        return Resolved::Found(handler);
    }
    if METHODS.iter().any(|other| route(other, &parts).is_some()) {
        Resolved::WrongMethod
    } else {
        Resolved::NotFound
    }
}

/// `/api/v2/intelligence/` as `[api, v2, intelligence]`. ThreatStream's
/// paths end in `/`; the control routes' and uploaded files' do not; a path
/// of the other shape matches nothing. Empty segments stay, so that `//`
/// never matches a literal or an id, while an observable value keeps its `//`.
fn segments(path: &str) -> Option<Vec<&str>> {
    let inner = if path.starts_with(CONTROL_PREFIX) || path.starts_with(UPLOADS_PREFIX) {
        path.strip_prefix('/').filter(|inner| !inner.ends_with('/'))?
    } else {
        path.strip_prefix('/')?.strip_suffix('/')?
    };
    Some(inner.split('/').collect())
}

#[cfg(test)]
mod tests;
