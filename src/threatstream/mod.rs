//! The Anomali ThreatStream REST API: the clients, their errors and the calls the actions make.
//!
//! This room knows nothing of InsightConnect envelopes or presets; it answers with records and typed
//! `ApiError`s, and the `actions` room decides what a user reads.
//!
//! A call is a function in the module of its API (`intelligence`, `import`, `threat_models`,
//! `model_writes`, `associations`, `investigations`, `incidents`, `enrichment`, ...), each
//! `pub(crate)`, so an action calls a new one as `threatstream::<api>::<call>` with no line here; a
//! paged list reads its pages with `paging::each_page`. The re-exports below are the calls many
//! actions share.

pub(crate) mod allowlist;
pub(crate) mod allowlisted;
pub(crate) mod associations;
pub(crate) mod batch;
pub(crate) mod canonical;
mod client;
pub(crate) mod comments;
pub(crate) mod direct_import;
pub(crate) mod download;
pub(crate) mod enrichment;
mod error;
mod exchange;
pub(crate) mod feed;
mod filters;
pub(crate) mod import;
pub(crate) mod import_session;
pub(crate) mod incidents;
pub(crate) mod intelligence;
pub(crate) mod investigations;
pub(crate) mod model_writes;
mod next_link;
pub(crate) mod observable;
mod paging;
mod pool;
mod redirect;
mod refusal;
mod remote;
mod retry;
pub(crate) mod rules;
pub(crate) mod sandbox;
pub(crate) mod snapshots;
pub(crate) mod tags;
pub(crate) mod threat_models;
pub(crate) mod timestamp;
mod tls;
mod upload;
pub(crate) mod users;
mod vocabulary;

pub(crate) use batch::lookup_many;
pub(crate) use client::{ApiVersion, Client, ClientConfig};
pub(crate) use comments::{add_comment, comments};
pub(crate) use direct_import::{import_requests, import_without_approval, Interrupted};
pub(crate) use error::ApiError;
pub(crate) use feed::{changes, newest_update_id, starting_cursor, FeedFilter};
pub(crate) use filters::{Field, Lookup, Order, SearchQuery};
pub(crate) use import::{import_with_approval, ImportSource};
pub(crate) use import_session::{
    approve_import_session, approver_id, edit_classification, follow_import_session, import_session,
    import_session_rejects, import_sessions, reject_import_session, Rejection, SessionFilter,
};
#[cfg(test)]
pub(crate) use intelligence::record_of;
pub(crate) use intelligence::{lookup, numeric_id, probe, record_value, search_v2, Observable, Record};
pub(crate) use observable::{clone_observable, observable, report_false_positive, update_observable};
pub(crate) use pool::client_for;
pub(crate) use remote::is_remote;
pub(crate) use sandbox::{
    detonation_state, pcap as sandbox_pcap, platforms as sandbox_platforms, report as sandbox_report, submit,
    DetonationState, SandboxPlatform, SandboxPlatforms, Submission, Target,
};
pub(crate) use tags::{add_tags, names as tag_names, remove_tags, Tag, DEFAULT_TLP};
pub(crate) use threat_models::{ModelType, PublicationStatus};
pub(crate) use timestamp::{format_ms, now_ms};
pub(crate) use upload::Upload;
pub(crate) use vocabulary::{RecordType, Severity, Status};
