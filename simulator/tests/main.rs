//! The simulator exercised over real loopback sockets, the way the plugin
//! will use it. One test binary keeps link time down on small CI machines.

/// Shared client set-up and request helpers.
mod support;

/// Latency on every request, and faults aimed at paths or repeated.
mod conditions;
/// Request recording and the `/__simulator/` control routes.
mod control;
/// Clone and reclassify, import rejects, false positives, intel details, platforms and captures.
mod curation;
/// Passive DNS, whois, insights and external references.
mod enrichment;
/// Every fault kind, and that faults come before authentication.
mod faults;
/// The feed, record and synthetic-data control routes, faults on new routes.
mod feed;
/// Import with approval and the import session route.
mod import;
/// Verdict seed data, domain and e-mail filters, `q`, every v2 filter.
mod lookups;
/// Threat models and investigations as state: writes, links, lists by change.
mod model_writes;
/// Import without approval, get/update by id, tags and comments.
mod observables;
/// Denied permissions: 403 naming the permission, nothing changed.
mod permissions;
/// HTTPS with the generated certificate, and the bin.
mod process;
/// The dispatcher receiver for trigger events, as a library and a process.
mod receiver;
/// Import sessions processed, listed, approved and rejected.
mod review;
/// Sandbox submissions, status and reports.
mod sandbox;
/// Authentication, search, filters, paging, the v1 shape, 404/405.
mod search;
/// Threat model associations, search, detail and observables.
mod threat_models;
