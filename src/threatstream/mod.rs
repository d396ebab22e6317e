//! The Anomali ThreatStream REST API: the clients, their errors and the calls the actions make.
//!
//! This room knows nothing of InsightConnect envelopes or presets; it answers with records and typed
//! `ApiError`s, and the `actions` room decides what a user reads.

mod batch;
mod client;
mod error;
mod import;
mod intelligence;
mod pool;
mod retry;
pub(crate) mod verdict;

pub(crate) use batch::lookup_many;
pub(crate) use client::{ApiVersion, Client, ClientConfig};
pub(crate) use error::ApiError;
pub(crate) use import::{import_with_approval, ImportSource};
pub(crate) use intelligence::{lookup, probe, Observable, Record};
pub(crate) use pool::client_for;
