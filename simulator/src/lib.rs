//! A local stand-in for Anomali ThreatStream's REST API.
//!
//! The plugin's tests and `make demo` need a ThreatStream that answers over a
//! real socket, can be told to misbehave, and remembers what it was asked. This
//! crate is that server: hyper on 127.0.0.1, on its own thread and runtime, so
//! synchronous and asynchronous tests alike can start one with
//! [`Simulator::start`] and drop it when done.
//!
//! It speaks only the wire format (JSON bodies, query strings, multipart
//! forms) and never imports the plugin, so the two cannot agree by sharing a
//! bug. As a process (`threatstream-simulator --help`) it serves `make demo`,
//! the benches and anyone trying the plugin without a ThreatStream account.
//!
//! # Where things are, and adding a route
//! Every route, ThreatStream's and the control routes alike, is one line of
//! a table (a `match` on method and path segments; why not a router crate is
//! in `routes.rs`'s module doc) at the top of the file of its handler, in the
//! folder of its capability, as the plugin's actions are grouped:
//! `intelligence/` (records, search), `manage/` (one observable, tags,
//! comments), `import/` (imports and import sessions), `admin/` (rules,
//! the allowlist, users, snapshots), `sandbox/`,
//! `context/` (threat models, enrichment), `control/` (most of the `/__simulator/`
//! routes), `faults/`, `receiver/` (the dispatcher stand-in), `http/` (the
//! wire every handler shares: requests, answers and refusals, forms,
//! paging, the server, and what a route's line is written with) and
//! `methods/` (this crate's Rust API by capability). `routes.rs` is the one
//! router: it tries the files' tables in the order of its `TABLES`.
//! `dispatch.rs` takes a request to it: recorded, delayed, faulted,
//! then 404, 405 and 401 in ThreatStream's order.
//!
//! Adding a route is one file: in an existing file of its capability, a
//! handler (a function from what it reads, usually `&State` and the
//! [`RecordedRequest`], plus its path's parameters, to `Answer`, a response
//! or a `Refused` status and message), whose doc comment names the route
//! (`` `GET /api/v1/...` ``) and says what it answers, and its line in the
//! table at the top of that file. A unit test fails while a route of a
//! table is named, with its method, neither in the list below nor in the doc
//! comments of its file, so the list needs no edit; another fails while two files' tables answer
//! one path, or a file's table is missing from `TABLES` (a new file of
//! handlers adds its `mod` line and its entry there). State the route keeps
//! goes in `state.rs` (or beside its capability, as `import/session.rs`'s
//! book of sessions does). Handler files import `http::answer` and
//! `http::route`, never the router, so no import cycle runs back through it.
//!
//! # Routes
//! ThreatStream's own (authenticated with `Authorization: apikey user:key`;
//! credentials in the query string are deliberately *not* accepted, so a plugin
//! that falls back to them fails loudly):
//! - `GET /api/v2/intelligence/`: observable search: `value` (a loose,
//!   case-insensitive prefix match), `type`, `itype`, `status`,
//!   `meta.severity`, `tags.name`, `trustedcircles`, `confidence__gte` and
//!   friends, `update_id__gt`, `modified_ts__lt`/`__gt`, `order_by`
//!   (`update_id`, `-update_id`, ...), the `q` language (malformed: 400), and
//!   `limit` with a `meta.next` link by key, as XSOAR's and Elastic's test data
//!   show it: `search_after=<ms>%2C<id>` (restating the filters), or
//!   `update_id__gt` when ordered by `update_id`; `offset` is still honoured.
//!   Records carry `sort`. Cloud records (`remote_api: true`) answer only a
//!   request with `remote_api=true`. See `intelligence/filters.rs`,
//!   `intelligence/query_language.rs` and `intelligence/search_after.rs`.
//! - `GET /api/v1/intelligence/`: legacy search (`ip`, `url`, `md5`,
//!   `domain`, `email`, `value`), objects in the flat v1 shape.
//! - `GET`, `PATCH /api/v2/intelligence/<id>/`: one observable; PATCH changes
//!   status, confidence, severity, tlp, expiration_ts or itype (202, the record).
//! - `PATCH /api/v{1,2}/intelligence/`: import without approval
//!   (`{"meta", "objects"}`; 202, empty body; live at once).
//! - `POST /api/v2/intelligence/import/`, `POST /api/v1/intelligence/import/`:
//!   import with approval (multipart): creates an import session.
//! - `GET /api/v1/importsession/` (`status`, `status__in`,
//!   `date_modified__gte`, paging), `GET /api/v1/importsession/<id>/`:
//!   sessions are `processing` for [`DEFAULT_IMPORT_DELAY`] (see
//!   [`SimulatorBuilder::import_delay`]), or until released while held
//!   ([`Simulator::hold`]), then `done` (ready to review), or `errors` with
//!   `messages` when nothing in them was an observable.
//! - `PATCH /api/v1/importsession/<id>/approve_all/` approves (answers the
//!   session `approving`; from the next request it is `approved` and the
//!   observables are active records); `DELETE /api/v1/importsession/<id>/`
//!   rejects (204, status `deleted`; they never appear).
//! - `PATCH /api/v1/importsession/<id>/edit_classification/` with
//!   `{"is_public", "circles"}` (either or both): the session, reclassified
//!   (Approve Intel; 409 once approved or rejected; a session in `errors`
//!   answers unchanged). `GET /api/v1/importsession/<id>/rejects/`: the lines
//!   the import left out, `{"id", "value", "reason"}`, paged (unconfirmed
//!   route; see `import/rejects.rs`).
//! - `POST /api/v2/intelligence/<id>/clone/`: 202 `{"import_session_id"
//!   (text), "job_id"}`, a session holding the observable as the caller's
//!   own (Import Intel); 403 `{"message": "The entity <value> is not
//!   cloneable"}` for a `string`, a `pending` observable or one the
//!   caller's organization owns (organization 2: most seed records; `2001:db8::bad:c0de`
//!   and the SHA-256 record are other organizations').
//! - `POST /api/v1/falsepositive/report/` `{"intelligence", "reason",
//!   "comment"}`: `{"success": true}`, kept for
//!   [`Simulator::false_positive_reports`] (Edit Intel; an unknown id or a
//!   missing text is a 400).
//! - `POST /api/v2/intelligence/bulk_tagging/`, `PATCH
//!   /api/v2/intelligence/bulk_remove_tags/`, `POST
//!   /api/v1/intelligence/<id>/tag/`, `DELETE
//!   /api/v1/intelligence/<id>/tag/<tag_id>/`: tags, shown on later look-ups
//!   as `{"id", "name", "tlp"}`.
//! - `GET`, `POST /api/v2/intelligence/comments/?value=`: comments.
//! - `GET`, `POST /api/v1/rule/`, `GET`, `PATCH`, `DELETE /api/v1/rule/<id>/`:
//!   keyword rules (`admin/rules.rs`).
//! - `GET /api/v1/orgwhitelist/`, `POST /api/v1/orgwhitelist/bulk/`,
//!   `PATCH`, `DELETE /api/v1/orgwhitelist/<id>/`: the organization's
//!   allowlist (`admin/allowlist.rs`).
//! - `GET /api/v1/orgadmin/`, `GET /api/v1/orgadmin/<user_id>/`: the
//!   organization's users (`admin/users.rs`).
//! - `POST /api/v1/snapshot/`, `GET /api/v1/snapshot/<id>/`,
//!   `GET /api/v1/snapshot/<id>/download/<n>/`: snapshots, the bulk export
//!   (`admin/snapshots.rs`).
//!
//! Every change gives the record a fresh, strictly increasing `update_id` and
//! `modified_ts`. Writes (and the list of users) can be refused per [`Permission`] (403,
//! `{"message"}` naming it). The seed data for verdict tests is the table in
//! [`verdict_seed`].
//!
//! Control routes for scripts (no authentication, never recorded):
//! - `GET /__simulator/requests`: JSON array of
//!   `{"method", "path", "query", "headers": [[name, value], ...], "body"}`,
//!   `body` decoded as lossy UTF-8. `DELETE /__simulator/requests` forgets them.
//! - `POST /__simulator/faults`: queue one fault object, or an array of them.
//!   Every object names its `kind` (snake case of the [`Fault`] variant):
//!   `{"kind": "status", "status": 500, "body": "..."}` (`kind` may be left
//!   out when `status` is present), `{"kind": "rate_limited", "retry_after":
//!   "2"}` (`retry_after` optional), `{"kind": "html", "status": 502}`,
//!   `{"kind": "broken_json"}`, `{"kind": "invalid_utf8"}`, `{"kind": "slow",
//!   "millis": 1500}`, `{"kind": "drop_connection"}`, `{"kind":
//!   "endless_pages"}`, `{"kind": "huge_body", "bytes": 10485760}`, `{"kind":
//!   "wrong_types"}`, `{"kind": "redirect", "status": 302, "location":
//!   "http://..."}`. An object that also names a `path` (a prefix, or
//!   exact with `"match": "exact"`) or `times` (a count, or `"always"`)
//!   becomes a [`FaultRule`] instead of joining the queue.
//! - `DELETE /__simulator/faults`: [`Simulator::clear_faults`].
//! - `GET /__simulator/latency`, `PUT` (or `POST`) it with `{"millis": 50}`:
//!   [`Simulator::set_latency`].
//! - `GET /__simulator/sandbox`: `{"processing_millis", "submit_response",
//!   "platforms", "premium_platforms", "submissions": [{"id", "platform",
//!   "fields": [[name, value], ...], "files": [{"field", "file_name",
//!   "base64"}]}]}`. `PUT` (or `POST`) `{"processing_millis": 1000,
//!   "submit_response": "by_platform" | "list", "platforms": [...],
//!   "premium_platforms": [...]}` (every key optional) to change the sandbox.
//! - `GET /__simulator/false_positives`: the false-positive reports received.
//! - `POST /__simulator/hold` `{"what": "import_sessions"}` (or
//!   `"sandbox_reports"`, `"snapshots"`): every import session (or sandbox
//!   submission, or snapshot, `inprogress`) made from then on stays
//!   `processing` until `POST /__simulator/release` with
//!   the same body, which finishes all of them at once and answers
//!   `{"released": N, "held": [...]}`; `GET /__simulator/hold` answers
//!   `{"held": [...]}`. [`Simulator::hold`] and [`Simulator::release`] from
//!   Rust. A test that must see `processing` holds instead of racing a clock.
//! - `/__simulator/records`, `/__simulator/feed`, `/__simulator/synthetic`,
//!   `/__simulator/permissions`, `/__simulator/import_delay`: add and list
//!   records, run a live feed, load bench data, deny permissions, set the
//!   import delay; shapes in `control/records.rs`, Rust equivalents in
//!   `methods/records.rs`.
//!
//! # Sandbox, threat model and enrichment routes
//! Authenticated like the routes above; all `GET` but the submission.
//! - `POST /api/v1/submit/new/`: a detonation, URL-encoded (`report_radio-url`)
//!   or multipart (file part `file` or `report_radio-file`), with
//!   `report_radio-platform`, `report_radio-classification`,
//!   `use_premium_sandbox` / `use_vmray_sandbox` (`"true"`/`"false"` only),
//!   `report_radio-notes` or `detail`. Answers 202 `{"success": true,
//!   "reports": ...}` shaped by [`SubmitResponse`]; ids count up from 188 and
//!   `ALL` submits to WINDOWS7 and WINDOWSXP. No URL or file, both, an
//!   unknown platform or a capitalised flag is a 400 `{"success": false,
//!   "message"}`. Every accepted form is in [`Simulator::sandbox_submissions`].
//! - `GET /api/v1/submit/parameters/`: `platform_choices` and
//!   `premium_platform_choices`, each `[{"name", "label", "types",
//!   "platform"}]`: every platform of `sandbox/submit.rs` but `ALL` and
//!   `VMRAY`, and WINDOWS7 and WINDOWS10x64 for premium, unless set
//!   ([`Simulator::set_sandbox_platforms`]). A submission naming a platform
//!   its sandbox does not offer is a 400.
//! - `GET /api/v1/submit/<id>/`: `{"id", "status", "verdict", "platform",
//!   "platform_label", "date_added", "url" or "file", ...}` (Splunk SOAR's and
//!   FortiSOAR's fields); `processing` (verdict `benign`) for the builder's
//!   [`SimulatorBuilder::sandbox_processing`] time (or until released while
//!   held, [`Simulator::hold`]), then `done`, or `errors`
//!   (verdict still `benign`) for a URL whose host is under `.invalid`. The
//!   verdict is `malicious` when the URL or file mentions
//!   `malicious.example.net`, `evil-domain.example`, `198.51.100.23` or the
//!   EICAR string.
//! - `GET /api/v1/submit/<id>/report/`: the Cuckoo-style report of Splunk
//!   SOAR and FortiSOAR, `{"success": true, "pcap", "screenshots", "results":
//!   {"info", "target", "signatures", "network", "behavior", "dropped",
//!   "debug"}}`; 404 with `{"success": false, "message"}` while processing and
//!   after errors. The `pcap` link leads back to the simulator:
//! - `GET /userUploads/<day>/userId-16783_dump-<id>.pcap`: the detonation's
//!   capture (libpcap format; its SHA-256 is the report's
//!   `network.pcap_sha256`), answered without credentials as a pre-signed
//!   link would be (Splunk SOAR downloads it so); 404 until the report exists.
//!
//!   Reports 101 (Rapid7 4.0.0's compact fixture: a benign URL
//!   on WINDOWS7, `results.screenshots`, no `machine`) and 100 (a malicious
//!   file on WINDOWSXP) exist from the start, and 133 (the 3.x samples' id) is
//!   101 again. Unknown ids 404.
//! - `GET /api/v1/threat_model_search/`: `model_type` (comma list), `name`
//!   (substring), `value` (keyword in name, aliases, text, tags), `alias`,
//!   `tags` and `publication_status` (comma lists), `is_public`, `feed_id`,
//!   `modified_ts__gte`/`__gt`/`__lte`/`__lt` (and `created_ts__*`),
//!   `order_by` (default `-modified_ts`), `limit`/`offset` with `meta.next`.
//! - For `<model>` in actor, attackpattern, campaign, incident, malware,
//!   signature, tipreport, ttp, vulnerability: `GET /api/v1/<model>/` (the
//!   search's `order_by` and date filters: `order_by=modified_ts` and
//!   `modified_ts__gte` follow changes oldest first, as Splunk SOAR's
//!   incident poll does),
//!   `GET /api/v1/<model>/associated_with_intelligence/?value=` (exact value,
//!   any case; each with `association_info`), `GET /api/v1/<model>/<id>/`
//!   (text in `body` for tipreport, `notes` for signature, `description`
//!   otherwise; tag names in `tags` and objects in `tags_v2`, alias objects,
//!   a bulletin's publication status in `status`, an incident's `status` an
//!   object), and `GET /api/v1/<model>/<id>/intelligence/` (paged, the linked
//!   records as they are now). Unknown ids 404. The search answers tags as
//!   objects, aliases as names, `organization` and `owner_user`, `+00:00`
//!   timestamps and a `meta` with `took`.
//! - Threat models are state (`context/model_book.rs`): `POST
//!   /api/v1/<model>/` (201, the model; `name` required, a signature's
//!   `s_type` and a malware's `is_family` and `malware_types` too; an
//!   `intelligence` list links records at once), `PATCH
//!   /api/v1/<model>/<id>/` (202, the model; only what is sent changes),
//!   `DELETE /api/v1/<model>/<id>/` (204; needs `org_admin`), `POST
//!   /api/v1/<model>/<id>/tag/` (`{"tags": [{"name", "tlp"}]}`; 201
//!   `{"success", "tags"}`), `GET` and `POST /api/v1/<model>/<id>/comment/`
//!   (`{"title", "body", "tlp"}`; 201, the comment), `POST
//!   /api/v1/<model>/<id>/<target>/bulk_add/` and `.../bulk_remove/` with
//!   `<target>` `intelligence` (`ids`, `remote_ids`, `local_ids`) or a model
//!   type (`ids`; the same at `/api/v1/<model>/<id>/<target>/bulk_remove/`),
//!   answering `{"success", "ids"}` with only the ids changed
//!   (405 for an unknown target), and `GET /api/v1/<model>/<id>/<target>/`
//!   (the linked models of that type). Links go both ways; a change of
//!   fields, tags or links gives a new `modified_ts`, strictly later than
//!   any before. `GET /api/v1/incidentstatustype/`: New (1), Open (2),
//!   Closed (3). Writes need `threat_model` (`org_admin` to delete).
//! - Investigations (`investigations/`): `GET`, `POST /api/v1/investigation/`,
//!   `GET`, `PATCH`, `DELETE /api/v1/investigation/<id>/`, and `GET`, `POST
//!   /api/v1/investigationelement/?investigation_id=` (`{"objects": [{"r_type",
//!   "r_id", "add_related_indicators"}]}`; 201 with the counts added and
//!   already there, `errors` and the elements). Writes need `investigation`.
//! - `GET /api/v1/pdns/<ip|domain>/<value>/`: `{"success", "results": [{"ip",
//!   "domain", "rrtype", "source", "first_seen", "last_seen"}]}`, unsorted.
//! - `GET /api/v1/inteldetails/whois/<value>/`: `{"data": "<raw text>"}`, or
//!   `{"data": "No Whois Data Available"}`.
//! - `GET /api/v1/inteldetails/insights/?type=&value=`: `{"insights": [...]}`,
//!   objects `{"type", "insight", "severity", "source"}`, or plain strings for
//!   `phisher@example.org` (no public source shows the items).
//! - `GET /api/v1/inteldetails/confidence_trend/?type=confidence&value=`:
//!   `{"min_confidence", "average_confidence", "max_confidence"}` over the
//!   value's records (404 when it has none); `GET
//!   /api/v1/inteldetails/automatic/?type=&value=`: `{"<service>":
//!   {"Classification", ...}}` by the value's records (`{}` when none). See
//!   `context/intel_details.rs`.
//! - `GET /api/v1/inteldetails/references/<value>/`: an object of service name
//!   to link (`{"VirusTotal": "https://...", "urlscan.io": "https://..."}`),
//!   by the kind of value, with a boolean `remote_api` for addresses, hashes
//!   and e-mail addresses (which have no link), as Splunk SOAR documents it.
//!
//! # Seed threat context
//! | observable (in `data/intelligence.json`) | threat models |
//! | --- | --- |
//! | `198.51.100.23` | actor 3101, campaign 3201, incident 3301, malware 3401, vulnerability 3601, signature 3701, tipreport 3801 |
//! | `evil-domain.example` | actor 3101, campaign 3201, malware 3402, ttp 3501, signature 3702, tipreport 3801, attackpattern 3901 |
//! | `44d88612fea8a8f36de82e1278abb02f` | incident 3301, malware 3404, tipreport 3802 |
//! | `phisher@example.org` | actor 3102, campaign 3202, ttp 3501 |
//! | `http://malicious.example.net/payload.exe` | campaign 3201, malware 3403 |
//!
//! `198.51.100.230` has none. Six untied fillers per type (ids from 10000,
//! 11000, ... by type) bring the total past 60. Passive DNS exists for
//! `ip/198.51.100.23`, `domain/evil-domain.example` and
//! `ip/2001:db8::bad:c0de`; insights for the first four observables above.
//! Whois: `evil-domain.example` (gTLD registrar text), `example.jp` (JPRS,
//! `[Domain Name]`), `example.co.jp` (JPRS in Japanese), `198.51.100.23`
//! (ARIN), `203.0.113.9` (APNIC with KRNIC's mirrored objects: three
//! `last-modified:`, a dateless `changed:` and one with a date),
//! `2001:db8::bad:c0de` (RIPE), `opaque-whois.example` (no recognisable fields) and
//! `huge-whois.example` (over 2 MiB).
//!
//! # Test equipment
//! [`SimulatorBuilder::latency`] (or [`Simulator::set_latency`]) delays every
//! API request, concurrently; [`Simulator::add_fault_rule`] aims a fault at a
//! path, once, N times or until cleared.
//!
//! # The dispatcher receiver
//! [`Receiver`] stands in for the InsightConnect dispatcher that triggers
//! POST events to: it takes a JSON POST at any path, records it (bounded;
//! see [`ReceiverBuilder::keep_events`]), and can fail or go silent. As a
//! process: `threatstream-simulator --receiver`. Its control routes:
//! `GET /__receiver/stats`, `GET /__receiver/events` (`{"stats", "events":
//! [{"path", "headers", "body", "received_at_ms", "since_start_ms",
//! "outcome", "status", "update_ids"}]}`), `DELETE /__receiver/events`,
//! `GET /__receiver/update_ids`, `POST /__receiver/fail` `{"times": 3,
//! "status": 503}` (status defaults to 500), `POST /__receiver/silence`
//! `{"mode": "hang"}` or `{"mode": "delay", "millis": 30000}`, and
//! `POST /__receiver/recover`.

mod admin;
mod context;
mod control;
mod dispatch;
mod faults;
mod http;
mod import;
mod intelligence;
mod investigations;
mod manage;
mod methods;
mod permissions;
mod receiver;
mod routes;
mod sandbox;
mod state;
mod tenant;
mod timestamp;

use std::net::SocketAddr;
use std::sync::Arc;

pub use control::feed::{FeedPlan, FeedProgress};
pub use control::hold::Hold;
pub use faults::fault::Fault;
pub use faults::rule::{FaultRule, PathMatch, Repeat};
pub use http::form::{FormEncoding, FormFile, SubmittedForm};
pub use http::request::RecordedRequest;
pub use import::session::ImportSession;
pub use intelligence::synthetic::{absent_value, synthetic_value, SyntheticObservable};
pub use intelligence::verdict_seed::{self, VerdictRecord, UNKNOWN_VALUES, VERDICT_RECORDS};
pub use permissions::Permission;
pub use receiver::log::{Outcome, ReceivedEvent, ReceiverStats, DEFAULT_KEPT_EVENTS};
pub use receiver::{Receiver, ReceiverBuilder, Silence};
pub use sandbox::detonations::{SandboxSubmission, SubmitResponse, DEFAULT_SANDBOX_PROCESSING};
pub use state::DEFAULT_IMPORT_DELAY;

use state::{Account, State, StateOptions};
use tenant::{Tenant, TenantOptions};

/// The account every simulator accepts unless told otherwise.
pub const USERNAME: &str = "analyst@example.com";

/// The API key a [`SimulatorBuilder`] uses when none is given; the bin's
/// default too, so `make demo` works without configuration.
pub const DEFAULT_API_KEY: &str = "demo-api-key-not-secret";

/// How many copies of the bulk observable (`203.0.113.77`) exist by default:
/// enough for three pages of 1000.
pub const DEFAULT_BULK_RECORDS: usize = 2500;

/// A running ThreatStream stand-in. Dropping it stops the server.
#[must_use = "dropping the Simulator stops its server"]
pub struct Simulator {
    state: Arc<State>,
    /// The sandbox, latency and fault rules; see `tenant.rs`.
    tenant: Arc<Tenant>,
    addr: SocketAddr,
    running: Option<http::server::Running>,
    ca_pem: Option<String>,
}

impl Simulator {
    /// Starts a plain-HTTP simulator on a free port for [`USERNAME`] and
    /// `api_key`.
    pub fn start(api_key: &str) -> Simulator {
        Simulator::builder().api_key(api_key).start()
    }

    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// The base URL, without a trailing slash, ready for `+ "/api/v2/..."`.
    #[must_use]
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr())
    }

    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every API request received so far, oldest first.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    pub fn clear_requests(&self) {
        self.state.clear_requests();
    }

    /// Queues a fault; each answers exactly one later API request, in order.
    pub fn push_fault(&self, fault: Fault) {
        self.state.push_fault(fault);
    }

    /// Forgets queued faults and fault rules, and ends
    /// [`Fault::EndlessPages`].
    pub fn clear_faults(&self) {
        self.state.clear_faults();
        self.tenant.fault_rules.clear();
    }

    #[must_use]
    pub fn import_session(&self, id: u64) -> Option<ImportSession> {
        self.state.import_session(id)
    }

    /// The self-signed certificate to trust, when started with TLS.
    #[must_use]
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.state.feed.stop();
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

/// Options for a [`Simulator`]; see [`Simulator::builder`].
#[must_use]
#[derive(Clone, Debug)]
pub struct SimulatorBuilder {
    username: String,
    api_key: String,
    port: u16,
    tls: bool,
    bulk_records: usize,
    /// Latency and sandbox options, set in `methods/conditions.rs`.
    tenant: TenantOptions,
    /// Import delay, denied permissions, synthetic data; set in `methods/records.rs`.
    options: StateOptions,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            username: USERNAME.to_owned(),
            api_key: DEFAULT_API_KEY.to_owned(),
            port: 0,
            tls: false,
            bulk_records: DEFAULT_BULK_RECORDS,
            tenant: TenantOptions::default(),
            options: StateOptions::default(),
        }
    }
}

impl SimulatorBuilder {
    pub fn api_key(mut self, api_key: &str) -> Self {
        api_key.clone_into(&mut self.api_key);
        self
    }

    pub fn username(mut self, username: &str) -> Self {
        username.clone_into(&mut self.username);
        self
    }

    /// 0 (the default) lets the OS pick a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 and
    /// localhost.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// How many records share the bulk value `203.0.113.77`.
    pub fn bulk_records(mut self, count: usize) -> Self {
        self.bulk_records = count;
        self
    }

    /// Binds and starts serving before returning.
    ///
    /// # Panics
    /// When the port cannot be bound or the certificate cannot be made: this
    /// is test equipment, and a test cannot go on without its server.
    pub fn start(self) -> Simulator {
        self.try_start().unwrap_or_else(|message| panic!("{message}"))
    }

    /// Like [`SimulatorBuilder::start`], but a port that cannot be bound, or
    /// a certificate that cannot be made, is an error naming it: what the
    /// binary reports in one line.
    pub fn try_start(self) -> Result<Simulator, String> {
        let port = self.port;
        let account = Account {
            username: self.username,
            api_key: self.api_key,
        };
        let state = Arc::new(State::new(account, intelligence::seed::records(self.bulk_records)));
        let tenant = Arc::new(Tenant::new(TenantOptions {
            tls: self.tls,
            ..self.tenant
        }));
        self.options.apply(&state);
        let tls = if self.tls {
            Some(http::tls::self_signed().map_err(|e| format!("cannot make a TLS certificate: {e}"))?)
        } else {
            None
        };
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let acceptor = tls.map(|t| t.acceptor);
        let service = dispatch::service(Arc::clone(&state), Arc::clone(&tenant));
        let running = http::server::spawn(service, port, acceptor)
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        Ok(Simulator {
            state,
            tenant,
            addr: running.addr,
            running: Some(running),
            ca_pem,
        })
    }
}
