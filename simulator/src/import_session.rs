//! Import sessions ("import jobs") and their life cycle.
//!
//! An import with approval does not create records: it creates a session that
//! is `processing` for a while, then `done` ("Ready To Review"). Approving it
//! (`approved`; `approving` while still processing) turns its observables into
//! active records; rejecting it (`deleted`, ThreatStream's word) drops them
//! for good. Time passes lazily: [`SessionBook::settle`] runs before anything
//! reads sessions or records, so no timer thread is needed.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::observable_record::Draft;
use crate::timestamp;

pub(crate) const PROCESSING: &str = "processing";
pub(crate) const DONE: &str = "done";
pub(crate) const APPROVING: &str = "approving";
pub(crate) const APPROVED: &str = "approved";
pub(crate) const REJECTED: &str = "deleted";

/// ThreatStream's first import session id in the published plugin's help
/// example; starting there makes demo output look familiar.
const FIRST_IMPORT_SESSION_ID: u64 = 1_000_000_344;

/// The user id ThreatStream would show for the simulated account.
pub(crate) const USER_ID: u64 = 121;

/// One import job as ThreatStream would hold it.
#[derive(Clone, Debug, Serialize)]
pub struct ImportSession {
    pub id: u64,
    pub job_id: String,
    /// `processing`, `done` (ready to review), `approving`, `approved` or
    /// `deleted` (rejected).
    pub status: String,
    /// `"v1"` or `"v2"`: which import route created it.
    pub api_version: String,
    /// Every non-file form field, in arrival order.
    pub fields: Vec<(String, String)>,
    pub file_name: Option<String>,
    pub file_bytes: Option<Vec<u8>>,
    /// Values found in the file or `datatext`.
    pub observables: Vec<String>,
    /// Non-empty lines that held no observable.
    pub num_rejected: usize,
    /// The importing user's e-mail.
    pub created_by: String,
    /// The approving user's e-mail, once approved.
    pub approved_by: Option<String>,
    pub created_ts: String,
    pub date_modified: String,
    /// When processing finished; `None` while `processing`.
    pub processed_ts: Option<String>,
    /// The records approval will create.
    #[serde(skip)]
    pub(crate) drafts: Vec<Draft>,
    #[serde(skip)]
    pub(crate) ready_at_ms: i64,
    /// Set by `default_state=active` or an approval that came early.
    #[serde(skip)]
    pub(crate) approve_when_ready: bool,
}

impl ImportSession {
    /// A copy without the uploaded file and the drafts, for answers that
    /// show neither: cloning a 50 MiB upload per approval would be waste.
    pub(crate) fn summary(&self) -> ImportSession {
        ImportSession {
            id: self.id,
            job_id: self.job_id.clone(),
            status: self.status.clone(),
            api_version: self.api_version.clone(),
            fields: self.fields.clone(),
            file_name: self.file_name.clone(),
            file_bytes: None,
            observables: self.observables.clone(),
            num_rejected: self.num_rejected,
            created_by: self.created_by.clone(),
            approved_by: self.approved_by.clone(),
            created_ts: self.created_ts.clone(),
            date_modified: self.date_modified.clone(),
            processed_ts: self.processed_ts.clone(),
            drafts: Vec::new(),
            ready_at_ms: self.ready_at_ms,
            approve_when_ready: self.approve_when_ready,
        }
    }

    /// The value of form field `name`, if sent.
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Why an approval or rejection was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotFound,
    /// The session is already in the opposite final state.
    Conflict(String),
}

pub(crate) struct SessionBook {
    sessions: BTreeMap<u64, ImportSession>,
    /// Sessions still `processing`, so settling never scans the rest.
    pending: BTreeSet<u64>,
    next_id: u64,
}

impl Default for SessionBook {
    fn default() -> Self {
        SessionBook {
            sessions: BTreeMap::new(),
            pending: BTreeSet::new(),
            next_id: FIRST_IMPORT_SESSION_ID,
        }
    }
}

impl SessionBook {
    /// The id for a session about to be built, so that parsing a large
    /// upload can happen without holding the book.
    pub(crate) fn reserve_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn insert(&mut self, session: ImportSession) {
        if session.status == PROCESSING {
            self.pending.insert(session.id);
        }
        self.sessions.insert(session.id, session);
    }

    pub(crate) fn get(&self, id: u64) -> Option<&ImportSession> {
        self.sessions.get(&id)
    }

    /// Oldest first.
    pub(crate) fn all(&self) -> impl Iterator<Item = &ImportSession> {
        self.sessions.values()
    }

    /// Finishes the processing of every session whose time has come; answers
    /// the drafts of those that were already approved, for the caller to store.
    pub(crate) fn settle(&mut self, now_ms: i64) -> Vec<Draft> {
        let due: Vec<u64> = self
            .pending
            .iter()
            .copied()
            .filter(|id| self.sessions.get(id).is_some_and(|s| s.ready_at_ms <= now_ms))
            .collect();
        let mut drafts = Vec::new();
        for id in due {
            self.pending.remove(&id);
            if let Some(session) = self.sessions.get_mut(&id) {
                drafts.extend(finish_processing(session, now_ms));
            }
        }
        drafts
    }

    /// Approves session `id` and answers the drafts to store now (none while
    /// it is still processing, or when it was approved before).
    pub(crate) fn approve(&mut self, id: u64, approver: &str, now_ms: i64) -> Result<Vec<Draft>, Refusal> {
        let session = self.sessions.get_mut(&id).ok_or(Refusal::NotFound)?;
        let now = timestamp::format_ms(now_ms);
        match session.status.as_str() {
            APPROVED | APPROVING => Ok(Vec::new()),
            REJECTED => Err(Refusal::Conflict(format!(
                "Import session {id} was rejected; it cannot be approved."
            ))),
            PROCESSING => {
                session.approve_when_ready = true;
                session.approved_by = Some(approver.to_owned());
                set_status(session, APPROVING, now);
                Ok(Vec::new())
            }
            _ => {
                session.approved_by = Some(approver.to_owned());
                set_status(session, APPROVED, now);
                Ok(std::mem::take(&mut session.drafts))
            }
        }
    }

    /// Rejects session `id`: its observables are dropped, never stored.
    pub(crate) fn reject(&mut self, id: u64, now_ms: i64) -> Result<(), Refusal> {
        let session = self.sessions.get_mut(&id).ok_or(Refusal::NotFound)?;
        match session.status.as_str() {
            REJECTED => Ok(()),
            APPROVED | APPROVING => Err(Refusal::Conflict(format!(
                "Import session {id} was approved; it cannot be rejected."
            ))),
            _ => {
                session.drafts.clear();
                self.pending.remove(&id);
                set_status(session, REJECTED, timestamp::format_ms(now_ms));
                Ok(())
            }
        }
    }
}

fn finish_processing(session: &mut ImportSession, now_ms: i64) -> Vec<Draft> {
    let at = timestamp::format_ms(session.ready_at_ms.min(now_ms));
    session.processed_ts = Some(at.clone());
    if session.approve_when_ready {
        set_status(session, APPROVED, at);
        std::mem::take(&mut session.drafts)
    } else {
        set_status(session, DONE, at);
        Vec::new()
    }
}

fn set_status(session: &mut ImportSession, status: &str, at: String) {
    status.clone_into(&mut session.status);
    session.date_modified = at;
}

/// `GET /api/v1/importsession/<id>/`; lists leave the file out (`with_file`
/// false), since a session can hold 50 MiB of it.
pub(crate) fn session_json(session: &ImportSession, with_file: bool) -> Value {
    let mut json = summary_json(session);
    let fields: Map<String, Value> = session
        .fields
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    json["fields"] = Value::Object(fields);
    json["observables"] = Value::from(session.observables.clone());
    if with_file {
        let file = session
            .file_bytes
            .as_ref()
            .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes));
        json["fileBytesBase64"] = Value::from(file);
    }
    json
}

/// The fields of reference §1.11, as ThreatStream names them.
fn summary_json(session: &ImportSession) -> Value {
    let processed = session.processed_ts.is_some();
    let number = |name: &str| session.field(name).and_then(|value| value.parse::<i64>().ok());
    json!({
        "id": session.id,
        "jobID": session.job_id,
        "status": session.status,
        "numIndicators": if processed { session.observables.len() } else { 0 },
        "numRejected": if processed { session.num_rejected } else { 0 },
        "approved_by": session.approved_by,
        "approved_by_id": session.approved_by.as_ref().map(|_| USER_ID),
        "user_id": USER_ID,
        "email": session.created_by,
        "date": session.created_ts,
        "date_modified": session.date_modified,
        "processed_ts": session.processed_ts,
        "confidence": number("confidence"),
        "source_confidence_weight": number("source_confidence_weight"),
        "expiration_ts": session.field("expiration_ts"),
        "threat_type": session.field("threat_type"),
        "tags": tags_of(session),
        "is_public": session.field("classification") == Some("public"),
        "default_state": session.field("default_state"),
        "notes": session.field("notes"),
        "fileName": session.file_name,
        "fileType": file_type(session),
        "intelligence_initiatives": [],
        "sandbox_submit": null,
        "api_version": session.api_version,
        "resource_uri": format!("/api/v1/importsession/{}/", session.id),
    })
}

fn tags_of(session: &ImportSession) -> Value {
    session
        .field("tags")
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| json!([]))
}

fn file_type(session: &ImportSession) -> String {
    let extension = session
        .file_name
        .as_deref()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase());
    extension.unwrap_or_else(|| "txt".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observables::ObservableKind;

    fn session(id: u64, ready_at_ms: i64) -> ImportSession {
        ImportSession {
            id,
            job_id: String::new(),
            status: PROCESSING.to_owned(),
            api_version: "v2".to_owned(),
            fields: Vec::new(),
            file_name: Some("a.CSV".to_owned()),
            file_bytes: None,
            observables: vec!["198.51.100.7".to_owned()],
            num_rejected: 1,
            created_by: "a@example.com".to_owned(),
            approved_by: None,
            created_ts: timestamp::format_ms(0),
            date_modified: timestamp::format_ms(0),
            processed_ts: None,
            drafts: vec![Draft::new("198.51.100.7", ObservableKind::Ip, "mal_ip")],
            ready_at_ms,
            approve_when_ready: false,
        }
    }

    fn add(book: &mut SessionBook, ready_at_ms: i64) -> u64 {
        let id = book.reserve_id();
        book.insert(session(id, ready_at_ms));
        id
    }

    #[test]
    fn processing_ends_lazily_then_approval_hands_over_the_drafts() {
        let mut book = SessionBook::default();
        let id = add(&mut book, 1000);
        assert!(book.settle(999).is_empty());
        assert_eq!(book.get(id).map(|s| s.status.as_str()), Some(PROCESSING));
        assert!(book.settle(5000).is_empty());
        let done = book.get(id).expect("kept");
        assert_eq!(
            (done.status.as_str(), done.processed_ts.as_deref()),
            (DONE, Some("1970-01-01T00:00:01.000Z"))
        );
        assert_eq!(book.approve(id, "a@example.com", 6000).map(|d| d.len()), Ok(1));
        assert_eq!(
            book.approve(id, "a@example.com", 7000).map(|d| d.len()),
            Ok(0),
            "idempotent"
        );
        assert!(matches!(book.reject(id, 8000), Err(Refusal::Conflict(_))));
        assert_eq!(book.approve(id + 1, "a@example.com", 0).err(), Some(Refusal::NotFound));
    }

    #[test]
    fn early_approval_waits_for_processing_and_rejection_drops_everything() {
        let mut book = SessionBook::default();
        let early = add(&mut book, 1000);
        assert_eq!(book.approve(early, "a@example.com", 10).map(|d| d.len()), Ok(0));
        assert_eq!(book.get(early).map(|s| s.status.as_str()), Some(APPROVING));
        let rejected = add(&mut book, 1000);
        assert_eq!(book.reject(rejected, 20), Ok(()));
        assert_eq!(book.reject(rejected, 30), Ok(()), "idempotent");
        assert_eq!(book.settle(2000).len(), 1, "only the approved session's observable");
        assert_eq!(book.get(early).map(|s| s.status.as_str()), Some(APPROVED));
        assert_eq!(book.get(rejected).map(|s| s.status.as_str()), Some(REJECTED));
        assert!(matches!(
            book.approve(rejected, "a@example.com", 0),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn json_hides_counts_until_processed() {
        let mut book = SessionBook::default();
        let id = add(&mut book, 0);
        let before = session_json(book.get(id).expect("kept"), false);
        assert_eq!(
            (before["numIndicators"].as_u64(), before["fileType"].as_str()),
            (Some(0), Some("csv"))
        );
        assert!(before.get("fileBytesBase64").is_none());
        book.settle(0);
        let after = session_json(book.get(id).expect("kept"), true);
        assert_eq!(
            (after["numIndicators"].as_u64(), after["numRejected"].as_u64()),
            (Some(1), Some(1))
        );
        assert!(after["approved_by_id"].is_null() && after["fileBytesBase64"].is_null());
    }
}
