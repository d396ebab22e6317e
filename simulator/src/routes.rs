//! The simulator's one table of routes: ThreatStream's API and the
//! `/__simulator/` control routes, each a line from method and path to the
//! handler in its capability's folder.
//!
//! A `match` on the method and the path's segments rather than a router
//! crate such as `matchit` (already in the tree through axum), because
//! ThreatStream's paths need what a path-pattern router does not give: ids
//! that are plain digits (`+42` is a 404, not a handler's 400, so that 404
//! still comes before 405 and 401), observable values that keep their
//! slashes (`/references/http://a.example/x/`), and literal segments that win
//! over a parameter in the same place (`intelligence/import/` against
//! `intelligence/<id>/`). In a `match` each of those is a pattern or a
//! function call on the same line, checked by the compiler, with no second
//! table of parameter types to keep in step.
//!
//! Reading the table: arms run top to bottom, so a literal segment comes
//! before a parameter in the same place; a parameter is parsed with `?`, and
//! one that does not parse answers 404 (it never falls through to a later
//! arm). A route that changes nothing but needs its path's parameters binds
//! them in a `move` closure. How a request reaches the table (recorded,
//! delayed, faulted, then 404, 405, 401 in ThreatStream's order) is in
//! `dispatch.rs`.

use std::sync::Arc;

use crate::admin::{allowlist, rules, snapshots, users};
use crate::context::associations::{self, Change};
use crate::context::{enrichment, intel_details, model_routes, model_search, model_writes, threat_models::ModelType};
use crate::control::{hold, records, requests, settings};
use crate::http::answer::{number, Answer};
use crate::http::request::RecordedRequest;
use crate::import::{approval, clone, direct, reclassify, rejects, review};
use crate::intelligence::search::{self, ApiVersion};
use crate::investigations::routes as investigations;
use crate::manage::{comments, detail, false_positive, tags};
use crate::sandbox::detonations as sandbox;
use crate::sandbox::pcap::{self, UPLOADS_PREFIX};
use crate::state::State;
use crate::tenant::Tenant;

/// What a handler may read: the simulator's state, its tenant (sandbox,
/// latency, fault rules) and the request.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a Arc<State>,
    pub(crate) tenant: &'a Tenant,
    pub(crate) request: &'a RecordedRequest,
}

/// A route's handler, its path's parameters already bound.
pub(crate) type Handler = Box<dyn FnOnce(&Call<'_>) -> Answer + Send>;

/// Every method a route may have: a path that some of them match answers
/// 405 to the others.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Where the control routes live; they need no credentials and are never
/// recorded (see `dispatch.rs`).
pub(crate) const CONTROL_PREFIX: &str = "/__simulator/";

/// What the table says about a request.
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

/// The table. A new route is one line here and a handler in its
/// capability's file.
#[rustfmt::skip]
fn route(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        // Intelligence (intelligence/): search, and the legacy v1 search.
        ("GET", ["api", "v2", "intelligence"]) => to(|c| search::search(c.state, c.request, ApiVersion::V2)),
        ("GET", ["api", "v1", "intelligence"]) => to(|c| search::search(c.state, c.request, ApiVersion::V1)),
        // Import without approval, with approval, by cloning, and the review of import sessions (import/).
        ("PATCH", ["api", "v1" | "v2", "intelligence"]) => to(|c| direct::import(c.state, c.request)),
        ("POST", ["api", "v2", "intelligence", "import"]) => to(|c| approval::import(c.state, c.request, ApiVersion::V2)),
        ("POST", ["api", "v1", "intelligence", "import"]) => to(|c| approval::import(c.state, c.request, ApiVersion::V1)),
        ("GET", ["api", "v1", "importsession"]) => to(|c| review::list(c.state, c.request)),
        ("GET", ["api", "v1", "importsession", id]) => with(number(id)?, |c, id| review::get(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "importsession", id]) => with(number(id)?, |c, id| review::reject(c.state, id)),
        ("PATCH", ["api", "v1", "importsession", id, "approve_all"]) => with(number(id)?, |c, id| review::approve(c.state, id)),
        ("PATCH", ["api", "v1", "importsession", id, "edit_classification"]) => with(number(id)?, |c, id| reclassify::edit(c.state, c.request, id)),
        ("GET", ["api", "v1", "importsession", id, "rejects"]) => with(number(id)?, |c, id| rejects::list(c.state, c.request, id)),
        ("POST", ["api", "v2", "intelligence", id, "clone"]) => with(number(id)?, |c, id| clone::clone(c.state, id)),
        // One observable, its tags, comments and false-positive reports (manage/).
        ("POST", ["api", "v2", "intelligence", "bulk_tagging"]) => to(|c| tags::bulk_tag(c.state, c.request)),
        ("PATCH", ["api", "v2", "intelligence", "bulk_remove_tags"]) => to(|c| tags::bulk_remove(c.state, c.request)),
        ("GET", ["api", "v2", "intelligence", "comments"]) => to(|c| comments::list(c.state, c.request)),
        ("POST", ["api", "v2", "intelligence", "comments"]) => to(|c| comments::add(c.state, c.request)),
        ("GET", ["api", "v2", "intelligence", id]) => with(number(id)?, |c, id| detail::get(c.state, c.request, id)),
        ("PATCH", ["api", "v2", "intelligence", id]) => with(number(id)?, |c, id| detail::update(c.state, c.request, id)),
        ("POST", ["api", "v1", "intelligence", id, "tag"]) => with(number(id)?, |c, id| tags::add(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "intelligence", id, "tag", tag]) => with((number(id)?, tag_id(tag)?), |c, (id, tag)| tags::remove(c.state, id, &tag)),
        ("POST", ["api", "v1", "falsepositive", "report"]) => to(|c| false_positive::report(c.state, c.request)),
        // The sandbox (sandbox/).
        ("POST", ["api", "v1", "submit", "new"]) => to(|c| sandbox::submit(&c.tenant.sandbox, c.request)),
        ("GET", ["api", "v1", "submit", "parameters"]) => to(|c| sandbox::parameters(&c.tenant.sandbox)),
        ("GET", ["api", "v1", "submit", id]) => with(number(id)?, |c, id| sandbox::status(&c.tenant.sandbox, id)),
        ("GET", ["api", "v1", "submit", id, "report"]) => with(number(id)?, |c, id| sandbox::report(&c.tenant.sandbox, id, &c.tenant.origin(c.request))),
        ("GET", ["userUploads", _day, file]) => with((*file).to_owned(), |c, file| pcap::download(&c.request.path, &file, |id| sandbox::has_report(&c.tenant.sandbox, id))),
        // Administration (admin/): rules, the allowlist, users, snapshots.
        ("GET", ["api", "v1", "rule"]) => to(|c| rules::list(c.state, c.request)),
        ("POST", ["api", "v1", "rule"]) => to(|c| rules::create(c.state, c.request)),
        ("GET", ["api", "v1", "rule", id]) => with(number(id)?, |c, id| rules::get(c.state, id)),
        ("PATCH", ["api", "v1", "rule", id]) => with(number(id)?, |c, id| rules::update(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "rule", id]) => with(number(id)?, |c, id| rules::delete(c.state, id)),
        ("GET", ["api", "v1", "orgwhitelist"]) => to(|c| allowlist::list(c.state, c.request)),
        ("POST", ["api", "v1", "orgwhitelist", "bulk"]) => to(|c| allowlist::bulk(c.state, c.request)),
        ("PATCH", ["api", "v1", "orgwhitelist", id]) => with(number(id)?, |c, id| allowlist::update(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "orgwhitelist", id]) => with(number(id)?, |c, id| allowlist::delete(c.state, id)),
        ("GET", ["api", "v1", "orgadmin"]) => to(|c| users::list(c.state, c.request)),
        ("GET", ["api", "v1", "orgadmin", id]) => with(number(id)?, |c, id| users::get(c.state, id)),
        ("POST", ["api", "v1", "snapshot"]) => to(|c| snapshots::create(c.state, c.request)),
        ("GET", ["api", "v1", "snapshot", id]) => with(number(id)?, |c, id| snapshots::get(c.state, id)),
        ("GET", ["api", "v1", "snapshot", id, "download", file]) => with((number(id)?, number(file)?), |c, (id, file)| snapshots::download(c.state, id, file)),
        // Investigations and their elements (investigations/).
        ("GET", ["api", "v1", "investigation"]) => to(|c| investigations::list(c.state, c.request)),
        ("POST", ["api", "v1", "investigation"]) => to(|c| investigations::create(c.state, c.request)),
        ("GET", ["api", "v1", "investigation", id]) => with(number(id)?, |c, id| investigations::get(c.state, id, c.request)),
        ("PATCH", ["api", "v1", "investigation", id]) => with(number(id)?, |c, id| investigations::update(c.state, id, c.request)),
        ("DELETE", ["api", "v1", "investigation", id]) => with(number(id)?, |c, id| investigations::delete(c.state, id, c.request)),
        ("GET", ["api", "v1", "investigationelement"]) => to(|c| investigations::elements(c.state, c.request)),
        ("POST", ["api", "v1", "investigationelement"]) => to(|c| investigations::add_elements(c.state, c.request)),
        // Threat context: enrichment and intel details, then threat models by type (context/).
        ("GET", ["api", "v1", "pdns", kind, value @ ..]) => with((dns_kind(kind)?, observable(value)?), |_, (kind, value)| enrichment::passive_dns(kind, &value)),
        ("GET", ["api", "v1", "inteldetails", "whois", value @ ..]) => with(observable(value)?, |_, value| enrichment::whois(&value)),
        ("GET", ["api", "v1", "inteldetails", "insights"]) => to(|c| enrichment::insights(c.request)),
        ("GET", ["api", "v1", "inteldetails", "references", value @ ..]) => with(observable(value)?, |_, value| enrichment::references(&value)),
        ("GET", ["api", "v1", "inteldetails", "confidence_trend"]) => to(|c| intel_details::confidence_trend(c.state, c.request)),
        ("GET", ["api", "v1", "inteldetails", "automatic"]) => to(|c| intel_details::automatic(c.state, c.request)),
        ("GET", ["api", "v1", "threat_model_search"]) => to(|c| model_search::search(c.state, c.request)),
        ("GET", ["api", "v1", "incidentstatustype"]) => to(|c| model_writes::status_types(c.request)),
        ("GET", ["api", "v1", model]) => with(ModelType::parse(model)?, |c, model| model_routes::list(c.state, model, c.request)),
        ("POST", ["api", "v1", model]) => with(ModelType::parse(model)?, |c, model| model_writes::create(c.state, model, c.request)),
        ("GET", ["api", "v1", model, "associated_with_intelligence"]) => with(ModelType::parse(model)?, |c, model| model_routes::associated(c.state, model, c.request)),
        ("GET", ["api", "v1", model, id]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_routes::detail(c.state, model, id, c.request)),
        ("PATCH", ["api", "v1", model, id]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_writes::update(c.state, model, id, c.request)),
        ("DELETE", ["api", "v1", model, id]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_writes::delete(c.state, model, id, c.request)),
        ("POST", ["api", "v1", model, id, "tag"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_writes::tag(c.state, model, id, c.request)),
        ("GET", ["api", "v1", model, id, "comment"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_routes::comments(c.state, model, id, c.request)),
        ("POST", ["api", "v1", model, id, "comment"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_writes::comment(c.state, model, id, c.request)),
        ("GET", ["api", "v1", model, id, "intelligence"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| model_routes::intelligence(c.state, model, id, c.request)),
        ("GET", ["api", "v1", model, id, target]) => with((ModelType::parse(model)?, number(id)?, word(target)?), |c, (model, id, target)| model_routes::linked(c.state, model, id, &target, c.request)),
        ("POST", ["api", "v1", model, id, target, "bulk_add"]) => with((ModelType::parse(model)?, number(id)?, word(target)?), |c, (model, id, target)| associations::bulk(c.state, (model, id), &target, Change::Add, c.request)),
        ("POST", ["api", "v1", model, id, target, "bulk_remove"]) => with((ModelType::parse(model)?, number(id)?, word(target)?), |c, (model, id, target)| associations::bulk(c.state, (model, id), &target, Change::Remove, c.request)),
        // Control routes (control/): the request log and faults.
        ("GET", ["__simulator", "requests"]) => to(|c| requests::list(c.state)),
        ("DELETE", ["__simulator", "requests"]) => to(|c| requests::forget(c.state)),
        ("POST", ["__simulator", "faults"]) => to(|c| requests::push_faults(c.state, c.tenant, &c.request.body)),
        ("DELETE", ["__simulator", "faults"]) => to(|c| requests::clear_faults(c.state, c.tenant)),
        // Latency, the sandbox's settings, holding work in `processing`.
        ("GET", ["__simulator", "latency"]) => to(|c| settings::latency(c.tenant)),
        ("PUT" | "POST", ["__simulator", "latency"]) => to(|c| settings::set_latency(c.tenant, &c.request.body)),
        ("GET", ["__simulator", "sandbox"]) => to(|c| settings::sandbox(c.tenant)),
        ("PUT" | "POST", ["__simulator", "sandbox"]) => to(|c| settings::set_sandbox(c.tenant, &c.request.body)),
        ("GET", ["__simulator", "hold"]) => to(|c| hold::held(c.state, c.tenant)),
        ("POST", ["__simulator", "hold"]) => to(|c| hold::hold(c.state, c.tenant, &c.request.body)),
        ("POST", ["__simulator", "release"]) => to(|c| hold::release(c.state, c.tenant, &c.request.body)),
        // Records, the live feed, bench data, permissions, the import delay.
        ("GET", ["__simulator", "records"]) => to(|c| records::list(c.state, c.request)),
        ("POST", ["__simulator", "records"]) => to(|c| records::add(c.state, &c.request.body)),
        ("GET", ["__simulator", "feed"]) => to(|c| records::feed_progress(c.state)),
        ("POST", ["__simulator", "feed"]) => to(|c| records::start_feed(c.state, &c.request.body)),
        ("DELETE", ["__simulator", "feed"]) => to(|c| records::stop_feed(c.state)),
        ("GET", ["__simulator", "synthetic"]) => to(|c| records::synthetic(c.state)),
        ("POST", ["__simulator", "synthetic"]) => to(|c| records::load_synthetic(c.state, &c.request.body)),
        ("GET", ["__simulator", "permissions"]) => to(|c| records::permissions(c.state)),
        ("PUT", ["__simulator", "permissions"]) => to(|c| records::set_permissions(c.state, &c.request.body)),
        ("GET", ["__simulator", "import_delay"]) => to(|c| records::import_delay(c.state)),
        ("GET", ["__simulator", "false_positives"]) => to(|c| false_positive::list(c.state)),
        ("PUT", ["__simulator", "import_delay"]) => to(|c| records::set_import_delay(c.state, &c.request.body)),
        _ => None,
    }
}

fn to(handler: impl FnOnce(&Call<'_>) -> Answer + Send + 'static) -> Option<Handler> {
    Some(Box::new(handler))
}

/// A handler that needs what the path held, parsed.
fn with<P: Send + 'static>(
    params: P,
    handler: impl FnOnce(&Call<'_>, P) -> Answer + Send + 'static,
) -> Option<Handler> {
    Some(Box::new(move |call| handler(call, params)))
}

/// Passive DNS is kept by IP address and by domain.
fn dns_kind(segment: &str) -> Option<&'static str> {
    ["ip", "domain"].into_iter().find(|kind| *kind == segment)
}

/// A lower-case word in a path, such as the type a model is linked to.
fn word(segment: &str) -> Option<String> {
    let valid = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    valid.then(|| segment.to_owned())
}

/// A tag's id in a path: letters and digits only.
fn tag_id(segment: &str) -> Option<String> {
    let valid = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then(|| segment.to_owned())
}

/// The observable at the end of a path, percent-decoded. Every segment up
/// to the final `/` counts, so a URL sent with its slashes unescaped still
/// arrives whole.
fn observable(rest: &[&str]) -> Option<String> {
    let raw = rest.join("/");
    let decoded = percent_encoding::percent_decode_str(&raw).decode_utf8_lossy();
    (!raw.is_empty()).then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests;
