//! End-to-end tests: the real binary, real start messages on stdin, and the ThreatStream simulator on
//! 127.0.0.1. One test binary, one module per topic.

// The `Invocation` builder, the test-side wire types and the preset texts, written apart from `src/`.
mod harness;

// The lookup actions: requests sent, paging, exact matching, cleaning, v1 and v2.
mod lookups;

// The verdict on every lookup against the simulator's verdict seed, and the options that change it.
mod verdict;

// Lookup Observables: a thousand values in few requests, invalid entries, duplicates, failures.
mod bulk;

// Upstream failures: every HTTP status and transport error mapped to its preset.
mod upstream_errors;

// The envelope itself: bad stdin, unknown actions, meta echo, the test command, info and sample.
mod protocol;

// Add Approval Indicator: the multipart upload, what ThreatStream receives, bad inputs.
mod import;

// The import lifecycle end to end: import, wait, approve, look up, tag, close, comment; the import
// without approval.
mod import_loop;

// The rule for untouched inputs: every write step's samples with only the target filled write nothing
// else; IDs in either JSON form chain one step to the next.
mod untouched;

// One normaliser for every observable input (single, bulk, enrichment alike), and the limits on
// every text and list.
mod input_checks;

// Import sessions and observable management: finding observables by value, bad inputs, permissions,
// and which writes are retried.
mod manage;

// Administration: rules (keyword alerts), the organization's allowlist, its users and snapshots.
mod admin;
mod allowlist;
mod rules;

// The connection's Check Allowlist: an allowlisted value's verdict, the allowlist read once per process.
mod allowlist_verdict;

// Download Snapshot: a file streamed to a directory, its SHA-256 checked, nothing partial left.
mod snapshot_download;

// Every published version's contract, as data, against our schemas.
mod migration;

// Every published version's sample start messages, run against the simulator.
mod published_samples;

// The sandbox: submissions, reports followed until done, bad inputs.
mod sandbox;
// Threat context: enrichment's concurrent sections and partial failures, passive DNS, whois, threat models.
mod context;
// Get WHOIS: registry layouts, address records from RIPE and APNIC, odd, huge and missing records.
mod whois;

// Clone and reclassify, an import's rejects, false-positive reports: what each sends, permissions,
// writes sent once or retried on a 503, bad inputs.
mod curation;

// Search Intelligence's pages, query and filters; the confidence trend and intel details; the
// sandbox's platforms and captures.
mod power_search;

// Retries, time-outs, TLS verification and proxies.
mod resilience;

// Malformed envelopes, connections and inputs; hostile answers from upstream.
mod hostile;

// The API key travels only in the Authorization header.
mod secrets;

// The connection's Remote API option: the cloud asked for associations, and after a 404 by ID.
mod remote;

// A broken or hostile tenant: answers that say they failed, redirects, retried writes, memory budgets.
mod tenant;

// `http` mode over loopback: routes, status codes, masking, concurrency and graceful shutdown.
mod server;

// Threat models and investigations from a playbook: the analyst's loop, bad inputs, writes sent once,
// permissions.
mod models;

// The New Incidents trigger and the Monitor Incidents task: exactly once by modified_ts, a changed
// incident again, filters, SIGKILL and a restart.
mod incidents;

// The New Observables trigger: exactly once, a failing dispatcher, SIGKILL and restart, --debug, bad inputs.
mod trigger;

// The trigger when things around it fail: a cursor ahead of ThreatStream, a slow dispatcher and
// crashes, a full disk, a stop while starting, an unread stdout.
mod trigger_faults;

// The Monitor Observables task: state round trips, upstream failures the task way, http routes.
mod task;

// The image without Docker: Dockerfile, .dockerignore and Makefile against the plugin image rules.
mod image;

// `make image` where the registry cannot be reached: the local base, with a notice (a fake engine).
mod image_build;

// Answers the public ThreatStream clients show (fixtures under tests/fixtures/, each naming its source),
// replayed through the plugin route by route; docs/threatstream-api.md is their table.
mod contract;

mod layout;
