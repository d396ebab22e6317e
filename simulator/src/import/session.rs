//! Import sessions ("import jobs") and their life cycle.
//!
//! An import with approval does not create records: it creates a session that
//! is `processing` for a while, then `done` ("Ready To Review"), or `errors`
//! with a `messages` text when nothing in it was an observable. Approving it
//! answers `approving`, as XSOAR's test data shows ThreatStream answering,
//! and the next moment (the next request, or the end of processing) it is
//! `approved` and its observables are active records; rejecting it (`deleted`,
//! ThreatStream's word) drops them for good. Approving a session in `errors`
//! answers the session unchanged, with nobody in `approved_by_id`: the 2xx
//! that is no approval, which XSOAR checks for. Time passes lazily:
//! [`SessionBook::settle`] runs before anything reads sessions or records, so
//! no timer thread is needed.
//!
//! The JSON is the public shape (XSOAR's `list_import_job_response` and
//! `approve_import_job_response`, FortiSOAR's output schemas): the submitter
//! as `email` and `user_id`, `approved_by` a user object with a string `id`,
//! `messages` one string, tags with string ids, and `associations` only in
//! the answers about one session.
//!
//! A test that must see a session `processing` holds them
//! ([`crate::Simulator::hold`]): a session created while the book holds stays
//! `processing` until the release, however short its delay, so no assertion
//! races a clock.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{json, Value};

use crate::intelligence::observable_record::{Draft, OWNER_ORGANIZATION_ID};
use crate::timestamp;

pub(crate) const PROCESSING: &str = "processing";
pub(crate) const DONE: &str = "done";
pub(crate) const APPROVING: &str = "approving";
pub(crate) const APPROVED: &str = "approved";
pub(crate) const REJECTED: &str = "deleted";
pub(crate) const ERRORS: &str = "errors";

/// Why a session whose text held no observable ended in `errors`.
pub(crate) const NOTHING_TO_IMPORT: &str = "No observables were found in the import.";

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
    /// The first of those lines, as sent (see `rejects.rs`).
    pub rejects: Vec<String>,
    /// The importing user's e-mail.
    pub created_by: String,
    /// The approving user's e-mail, once approved.
    pub approved_by: Option<String>,
    pub created_ts: String,
    pub date_modified: String,
    /// When processing finished; `None` while `processing`.
    pub processed_ts: Option<String>,
    /// ThreatStream's `messages`: why the session ended in `errors`.
    pub messages: String,
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
            rejects: Vec::new(),
            created_by: self.created_by.clone(),
            approved_by: self.approved_by.clone(),
            created_ts: self.created_ts.clone(),
            date_modified: self.date_modified.clone(),
            processed_ts: self.processed_ts.clone(),
            messages: self.messages.clone(),
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
    /// New sessions are held in `processing` until [`SessionBook::release`].
    holding: bool,
    /// The sessions created while holding.
    held: Vec<u64>,
}

impl Default for SessionBook {
    fn default() -> Self {
        SessionBook {
            sessions: BTreeMap::new(),
            pending: BTreeSet::new(),
            next_id: FIRST_IMPORT_SESSION_ID,
            holding: false,
            held: Vec::new(),
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

    pub(crate) fn insert(&mut self, mut session: ImportSession) {
        if session.status == PROCESSING {
            self.pending.insert(session.id);
            if self.holding {
                session.ready_at_ms = i64::MAX;
                self.held.push(session.id);
            }
        }
        self.sessions.insert(session.id, session);
    }

    /// Holds every session created from now on in `processing`.
    pub(crate) fn hold(&mut self) {
        self.holding = true;
    }

    pub(crate) fn holding(&self) -> bool {
        self.holding
    }

    /// Stops holding; every held session finishes processing at `now_ms`
    /// (the next settle). Answers how many were held.
    pub(crate) fn release(&mut self, now_ms: i64) -> usize {
        self.holding = false;
        let held = std::mem::take(&mut self.held);
        for id in &held {
            if let Some(session) = self.sessions.get_mut(id) {
                session.ready_at_ms = session.ready_at_ms.min(now_ms);
            }
        }
        held.len()
    }

    pub(crate) fn get(&self, id: u64) -> Option<&ImportSession> {
        self.sessions.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut ImportSession> {
        self.sessions.get_mut(&id)
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

    /// Approves session `id`: it is `approving` until the next settle, which
    /// makes it `approved` (or, while processing, until processing ends). A
    /// session in `errors` stays as it is, approved by nobody.
    pub(crate) fn approve(&mut self, id: u64, approver: &str, now_ms: i64) -> Result<(), Refusal> {
        let session = self.sessions.get_mut(&id).ok_or(Refusal::NotFound)?;
        match session.status.as_str() {
            APPROVED | APPROVING | ERRORS => return Ok(()),
            REJECTED => {
                return Err(Refusal::Conflict(format!(
                    "Import session {id} was rejected; it cannot be approved."
                )))
            }
            PROCESSING => {}
            _ => {
                session.ready_at_ms = now_ms;
                self.pending.insert(id);
            }
        }
        session.approve_when_ready = true;
        session.approved_by = Some(approver.to_owned());
        set_status(session, APPROVING, timestamp::format_ms(now_ms));
        Ok(())
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

/// Ends processing (a session that found nothing ends in `errors`) and
/// carries out an approval given meanwhile; answers the drafts to store.
fn finish_processing(session: &mut ImportSession, now_ms: i64) -> Vec<Draft> {
    let at = timestamp::format_ms(session.ready_at_ms.min(now_ms));
    if session.processed_ts.is_none() {
        session.processed_ts = Some(at.clone());
        if session.observables.is_empty() {
            NOTHING_TO_IMPORT.clone_into(&mut session.messages);
            session.approve_when_ready = false;
            session.approved_by = None;
            set_status(session, ERRORS, at);
            return Vec::new();
        }
    }
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

/// A session in ThreatStream's shape. `detail` is for the answers about one
/// session (`GET /api/v1/importsession/<id>/`, `approve_all`), which carry
/// its `associations`; list items do not.
pub(crate) fn session_json(session: &ImportSession, detail: bool) -> Value {
    let processed = session.processed_ts.is_some();
    let number = |name: &str| session.field(name).and_then(|value| value.trim().parse::<i64>().ok());
    let text = |name: &str| session.field(name).unwrap_or_default().to_owned();
    let is_public = session.field("classification") == Some("public");
    let found = if processed { session.observables.len() } else { 0 };
    let mut json = json!({
        "id": session.id,
        "jobID": session.job_id,
        "status": session.status,
        "messages": session.messages,
        "numIndicators": found,
        "numRejected": if processed { session.num_rejected } else { 0 },
        "num_public": if is_public { found } else { 0 },
        "num_private": if is_public { 0 } else { found },
        "approved_by_id": session.approved_by.as_ref().map(|_| USER_ID),
        "user_id": USER_ID,
        "email": session.created_by,
        "date": session.created_ts,
        "date_modified": session.date_modified,
        "processed_ts": session.processed_ts,
        "expiration_ts": session.field("expiration_ts"),
        "confidence": number("confidence").unwrap_or(50),
        "source_confidence_weight": number("source_confidence_weight").unwrap_or(0),
        "threat_type": session.field("threat_type"),
        "tlp": session.field("tlp"),
        "tags": tags_of(session),
        "is_public": is_public,
        "is_anonymous": false,
        "exclude_source_domain": false,
        "visibleForReview": true,
        "notes": text("notes"),
        "name": "",
        "default_comment": null,
        "intelligence_source": text("intelligence_source"),
        "intelligence_initiatives": [],
        "trusted_circles": circles_of(session),
        "workgroups": [],
        "fileName": session.file_name,
        "fileType": file_type(session),
        "file_name_label": null,
        "sandbox_submit": null,
        "organization": organization(),
        "resource_uri": format!("/api/v1/importsession/{}/", session.id),
    });
    if let Some(email) = &session.approved_by {
        json["approved_by"] = user(email);
    }
    if detail {
        let lists = ASSOCIATION_KINDS.iter().map(|kind| ((*kind).to_owned(), json!([])));
        json["associations"] = Value::Object(lists.collect());
    }
    json
}

/// The kinds of threat model under a session's `associations`, as the
/// approve answer in XSOAR's test data lists them (all empty here).
const ASSOCIATION_KINDS: [&str; 15] = [
    "actors",
    "attackpatterns",
    "campaigns",
    "courseofaction",
    "customtms",
    "identities",
    "incidents",
    "infrastructure",
    "intrusionsets",
    "malware",
    "signatures",
    "tip_reports",
    "tools",
    "ttps",
    "vulnerabilities",
];

/// The simulated account as ThreatStream shows a user (an import session's approver, a rule's
/// `user`, XSOAR's `list_rule_response`): its id as a string.
pub(crate) fn user(email: &str) -> Value {
    json!({
        "avatar_s3_url": null,
        "can_share_intelligence": false,
        "email": email,
        "id": USER_ID.to_string(),
        "is_active": true,
        "is_readonly": false,
        "must_change_password": false,
        "name": "",
        "nickname": null,
        "organization": organization(),
        "resource_uri": format!("/api/v1/user/{USER_ID}/"),
    })
}

/// The organization as v1 objects nest it: its id as a string.
pub(crate) fn organization() -> Value {
    json!({
        "id": OWNER_ORGANIZATION_ID.to_string(),
        "name": "Simulated Organization",
        "resource_uri": format!("/api/v1/userorganization/{OWNER_ORGANIZATION_ID}/"),
    })
}

/// The form's `tags` (`[{"name", "tlp"}]`) as ThreatStream lists a
/// session's tags: with a short string id and the organization's id.
fn tags_of(session: &ImportSession) -> Value {
    let given: Vec<Value> = session
        .field("tags")
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let tags = given.into_iter().enumerate().filter_map(|(n, tag)| {
        let mut tag = tag.as_object()?.clone();
        tag.insert("id".into(), json!(format!("t{n}")));
        tag.insert("org_id".into(), json!(OWNER_ORGANIZATION_ID));
        Some(Value::Object(tag))
    });
    Value::Array(tags.collect())
}

/// The form's `trustedcircles` (`146,311`) as circle objects.
fn circles_of(session: &ImportSession) -> Value {
    let ids = session
        .field("trustedcircles")
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.trim().parse::<u64>().ok());
    Value::Array(ids.map(|id| json!({"id": id})).collect())
}

/// `analyst` for pasted text, as ThreatStream calls it; a file's extension
/// otherwise.
fn file_type(session: &ImportSession) -> String {
    let Some(name) = session.file_name.as_deref() else {
        return "analyst".to_owned();
    };
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    extension.unwrap_or_else(|| "txt".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intelligence::observables::ObservableKind;

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
            rejects: vec!["not an observable".to_owned()],
            created_by: "a@example.com".to_owned(),
            approved_by: None,
            created_ts: timestamp::format_ms(0),
            date_modified: timestamp::format_ms(0),
            processed_ts: None,
            messages: String::new(),
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

    fn status(book: &SessionBook, id: u64) -> Option<&str> {
        book.get(id).map(|s| s.status.as_str())
    }

    #[test]
    fn processing_ends_lazily_then_approval_is_approving_until_the_next_settle() {
        let mut book = SessionBook::default();
        let id = add(&mut book, 1000);
        assert!(book.settle(999).is_empty());
        assert_eq!(status(&book, id), Some(PROCESSING));
        assert!(book.settle(5000).is_empty());
        let done = book.get(id).expect("kept");
        assert_eq!(
            (done.status.as_str(), done.processed_ts.as_deref()),
            (DONE, Some("1970-01-01T00:00:01.000Z"))
        );
        assert_eq!(book.approve(id, "a@example.com", 6000), Ok(()));
        assert_eq!(status(&book, id), Some(APPROVING));
        assert_eq!(book.approve(id, "a@example.com", 6000), Ok(()), "idempotent");
        assert_eq!(book.settle(6000).len(), 1, "the drafts, once");
        assert_eq!(status(&book, id), Some(APPROVED));
        assert_eq!(
            book.get(id).and_then(|s| s.processed_ts.as_deref()),
            Some("1970-01-01T00:00:01.000Z"),
            "approval leaves the processing time alone"
        );
        assert_eq!(book.approve(id, "a@example.com", 7000), Ok(()), "idempotent");
        assert!(book.settle(8000).is_empty());
        assert!(matches!(book.reject(id, 8000), Err(Refusal::Conflict(_))));
        assert_eq!(book.approve(id + 1, "a@example.com", 0).err(), Some(Refusal::NotFound));
    }

    #[test]
    fn early_approval_waits_for_processing_and_rejection_drops_everything() {
        let mut book = SessionBook::default();
        let early = add(&mut book, 1000);
        assert_eq!(book.approve(early, "a@example.com", 10), Ok(()));
        assert_eq!(status(&book, early), Some(APPROVING));
        assert!(book.settle(20).is_empty(), "not before processing ends");
        let rejected = add(&mut book, 1000);
        assert_eq!(book.reject(rejected, 20), Ok(()));
        assert_eq!(book.reject(rejected, 30), Ok(()), "idempotent");
        assert_eq!(book.settle(2000).len(), 1, "only the approved session's observable");
        assert_eq!(status(&book, early), Some(APPROVED));
        assert_eq!(status(&book, rejected), Some(REJECTED));
        assert!(matches!(
            book.approve(rejected, "a@example.com", 0),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn a_session_with_nothing_to_import_ends_in_errors_and_approving_it_approves_nobody() {
        let mut book = SessionBook::default();
        let id = book.reserve_id();
        let mut empty = session(id, 0);
        empty.observables.clear();
        empty.drafts.clear();
        book.insert(empty);
        assert_eq!(
            book.approve(id, "a@example.com", 0),
            Ok(()),
            "approved while processing"
        );
        assert!(book.settle(10).is_empty());
        let failed = book.get(id).expect("kept");
        assert_eq!(
            (failed.status.as_str(), failed.messages.as_str()),
            (ERRORS, NOTHING_TO_IMPORT)
        );
        assert_eq!(failed.approved_by, None);
        assert_eq!(book.approve(id, "a@example.com", 20), Ok(()));
        let json = session_json(book.get(id).expect("kept"), true);
        assert_eq!(
            (&json["status"], &json["approved_by_id"], &json["messages"]),
            (&json!("errors"), &Value::Null, &json!(NOTHING_TO_IMPORT))
        );
        assert!(json.get("approved_by").is_none());
    }

    #[test]
    fn json_is_the_public_shape_with_counts_hidden_until_processed() {
        let mut book = SessionBook::default();
        let id = add(&mut book, 0);
        let before = session_json(book.get(id).expect("kept"), false);
        assert_eq!(
            (before["numIndicators"].as_u64(), before["fileType"].as_str()),
            (Some(0), Some("csv"))
        );
        assert!(before.get("associations").is_none(), "lists carry no associations");
        book.settle(0);
        book.approve(id, "a@example.com", 0).expect("approved");
        let after = session_json(book.get(id).expect("kept"), true);
        assert_eq!(
            (after["numIndicators"].as_u64(), after["numRejected"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            (&after["status"], &after["approved_by_id"], &after["approved_by"]["id"]),
            (&json!("approving"), &json!(USER_ID), &json!(USER_ID.to_string()))
        );
        assert_eq!(after["approved_by"]["email"], "a@example.com");
        assert_eq!(
            (after["email"].as_str(), after["user_id"].as_u64()),
            (Some("a@example.com"), Some(USER_ID))
        );
        assert_eq!(after["associations"].as_object().map(|kinds| kinds.len()), Some(15));
        assert_eq!(after["messages"], "");
        for extra in [
            "fields",
            "observables",
            "fileBytesBase64",
            "api_version",
            "default_state",
        ] {
            assert!(after.get(extra).is_none(), "{extra} is not ThreatStream's");
        }
    }
}
