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
//! bug.
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
//!   `limit`/`offset` paging with `meta.next`. See `filters.rs` and
//!   `query_language.rs`.
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
//!   [`SimulatorBuilder::import_delay`]), then `done` (ready to review).
//! - `PATCH /api/v1/importsession/<id>/approve_all/` approves (the
//!   observables become active records); `DELETE /api/v1/importsession/<id>/`
//!   rejects (status `deleted`; they never appear).
//! - `POST /api/v2/intelligence/bulk_tagging/`, `PATCH
//!   /api/v2/intelligence/bulk_remove_tags/`, `POST
//!   /api/v1/intelligence/<id>/tag/`, `DELETE
//!   /api/v1/intelligence/<id>/tag/<tag_id>/`: tags, shown on later look-ups
//!   as `{"id", "name", "tlp"}`.
//! - `GET`, `POST /api/v2/intelligence/comments/?value=`: comments.
//!
//! Every change gives the record a fresh, strictly increasing `update_id` and
//! `modified_ts`. Writes can be refused per [`Permission`] (403,
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
//!   "wrong_types"}`.
//! - `DELETE /__simulator/faults`: [`Simulator::clear_faults`].
//! - `/__simulator/records`, `/feed`, `/synthetic`, `/permissions`,
//!   `/import_delay`: add and list records, run a live feed, load bench data,
//!   deny permissions, set the import delay; shapes in `record_control.rs`,
//!   Rust equivalents in [`records_api`].

mod comments;
mod control;
mod direct_import;
mod fault;
mod feed;
mod filler;
mod filters;
mod import;
mod import_session;
mod observable_detail;
mod observable_record;
mod observables;
mod paging;
mod permissions;
mod query_language;
mod record_control;
mod record_key;
mod record_routes;
pub mod records_api;
mod request;
mod response;
mod routes;
mod search;
mod seed;
mod server;
mod session_routes;
mod state;
mod store;
mod synthetic;
mod tags;
mod timestamp;
mod tls;
mod v1_shape;
pub mod verdict_seed;

use std::net::SocketAddr;
use std::sync::Arc;

pub use fault::Fault;
pub use feed::{FeedPlan, FeedProgress};
pub use import_session::ImportSession;
pub use permissions::Permission;
pub use request::RecordedRequest;
pub use state::DEFAULT_IMPORT_DELAY;
pub use synthetic::{absent_value, synthetic_value, SyntheticObservable};
pub use verdict_seed::{VerdictRecord, UNKNOWN_VALUES, VERDICT_RECORDS};

use state::{Account, State};

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
    addr: SocketAddr,
    running: Option<server::Running>,
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

    /// Forgets queued faults and ends [`Fault::EndlessPages`].
    pub fn clear_faults(&self) {
        self.state.clear_faults();
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
    records: records_api::RecordOptions,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            username: USERNAME.to_owned(),
            api_key: DEFAULT_API_KEY.to_owned(),
            port: 0,
            tls: false,
            bulk_records: DEFAULT_BULK_RECORDS,
            records: records_api::RecordOptions::default(),
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
        let account = Account {
            username: self.username,
            api_key: self.api_key,
        };
        let state = Arc::new(State::new(account, seed::records(self.bulk_records)));
        self.records.apply(&state);
        let tls = self
            .tls
            .then(|| tls::self_signed().expect("generate the simulator's TLS certificate"));
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let acceptor = tls.map(|t| t.acceptor);
        let running =
            server::spawn(Arc::clone(&state), self.port, acceptor).expect("bind and start the simulator on 127.0.0.1");
        Simulator {
            state,
            addr: running.addr,
            running: Some(running),
            ca_pem,
        }
    }
}
