//! The Anomali ThreatStream REST API: the clients, their errors and the calls the actions make.
//!
//! This room knows nothing of InsightConnect envelopes or presets; it answers with records and typed
//! `ApiError`s, and the `actions` room decides what a user reads. The threat model, investigation
//! and enrichment calls are used through their modules (`threat_models::search`,
//! `model_writes::create_model`, `associations::change_links`, `investigations::add_elements`,
//! `incidents::incident_changes`, `enrichment::whois`), whose names say which API they belong to;
//! so are the administration calls (`rules`, `allowlist`, `users`, `snapshots`).

pub(crate) mod allowlist;
pub(crate) mod allowlisted;
pub(crate) mod associations;
mod batch;
pub(crate) mod canonical;
mod client;
mod comments;
mod direct_import;
pub(crate) mod download;
pub(crate) mod enrichment;
mod error;
mod exchange;
mod feed;
mod filters;
mod import;
mod import_session;
pub(crate) mod incidents;
mod intelligence;
pub(crate) mod investigations;
pub(crate) mod model_writes;
mod next_link;
mod observable;
mod paging;
mod pool;
mod redirect;
mod refusal;
mod remote;
mod retry;
pub(crate) mod rules;
mod sandbox;
pub(crate) mod snapshots;
mod tags;
pub(crate) mod threat_models;
pub(crate) mod timestamp;
mod tls;
mod upload;
pub(crate) mod users;
pub(crate) mod verdict;

pub(crate) use batch::lookup_many;
pub(crate) use client::{ApiVersion, Client, ClientConfig};
pub(crate) use comments::{add_comment, comments};
pub(crate) use direct_import::{import_requests, import_without_approval, Interrupted};
pub(crate) use error::ApiError;
pub(crate) use feed::{changes, newest_update_id, starting_cursor, FeedFilter};
pub(crate) use import::{import_with_approval, ImportSource};
pub(crate) use import_session::{
    approve_import_session, approver_id, follow_import_session, import_session, import_sessions, reject_import_session,
    Rejection, SessionFilter,
};
pub(crate) use intelligence::{lookup, numeric_id, probe, record_value, Observable, Record};
pub(crate) use observable::{observable, update_observable};
pub(crate) use pool::client_for;
pub(crate) use remote::is_remote;
pub(crate) use sandbox::{detonation_state, report as sandbox_report, submit, DetonationState, Submission, Target};
pub(crate) use tags::{add_tags, names as tag_names, remove_tags, Tag, DEFAULT_TLP};
pub(crate) use threat_models::ModelType;
pub(crate) use timestamp::{format_ms, now_ms};
pub(crate) use upload::Upload;
