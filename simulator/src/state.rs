//! What the simulator remembers between requests.
//!
//! The server's tasks and the test thread that owns the [`crate::Simulator`]
//! share this through an `Arc`; one mutex is enough because every critical
//! section is a few pushes and clones, never I/O.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::fault::Fault;
use crate::import::ImportSession;
use crate::request::RecordedRequest;

/// ThreatStream's first import session id in the published plugin's help
/// example; starting there makes demo output look familiar.
const FIRST_IMPORT_SESSION_ID: u64 = 1_000_000_344;

/// The one account the simulator accepts.
pub(crate) struct Account {
    pub(crate) username: String,
    pub(crate) api_key: String,
}

pub(crate) struct State {
    pub(crate) account: Account,
    /// v2 observable records, seed file first, then the bulk ones.
    pub(crate) records: Vec<Value>,
    /// What searches filter on, per record, worked out once: looking keys up in 50,000 JSON maps on
    /// every request made the bulk benchmark measure the simulator instead of the plugin.
    pub(crate) keys: Vec<RecordKey>,
    inner: Mutex<Inner>,
}

/// A record's lower-cased value and its type, in the same order as `State::records`.
pub(crate) struct RecordKey {
    pub(crate) value: String,
    pub(crate) kind: String,
}

impl RecordKey {
    pub(crate) fn of(record: &Value) -> RecordKey {
        let text = |field: &str| record.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        RecordKey {
            value: text("value").to_lowercase(),
            kind: text("type"),
        }
    }
}

struct Inner {
    requests: Vec<RecordedRequest>,
    faults: VecDeque<Fault>,
    endless_pages: bool,
    sessions: BTreeMap<u64, ImportSession>,
    next_session_id: u64,
}

impl State {
    pub(crate) fn new(account: Account, records: Vec<Value>) -> State {
        State {
            account,
            keys: records.iter().map(RecordKey::of).collect(),
            records,
            inner: Mutex::new(Inner {
                requests: Vec::new(),
                faults: VecDeque::new(),
                endless_pages: false,
                sessions: BTreeMap::new(),
                next_session_id: FIRST_IMPORT_SESSION_ID,
            }),
        }
    }

    /// A panic while holding the lock cannot leave `Inner` half-updated in a
    /// way that matters to a test double, so poisoning is ignored.
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        self.inner().requests.push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.inner().requests.clone()
    }

    pub(crate) fn clear_requests(&self) {
        self.inner().requests.clear();
    }

    pub(crate) fn push_fault(&self, fault: Fault) {
        self.inner().faults.push_back(fault);
    }

    pub(crate) fn next_fault(&self) -> Option<Fault> {
        self.inner().faults.pop_front()
    }

    pub(crate) fn clear_faults(&self) {
        let mut inner = self.inner();
        inner.faults.clear();
        inner.endless_pages = false;
    }

    pub(crate) fn start_endless_pages(&self) {
        self.inner().endless_pages = true;
    }

    pub(crate) fn endless_pages(&self) -> bool {
        self.inner().endless_pages
    }

    /// Stores a session built by `make` from the id it is given.
    pub(crate) fn create_session(&self, make: impl FnOnce(u64) -> ImportSession) -> ImportSession {
        let mut inner = self.inner();
        let id = inner.next_session_id;
        inner.next_session_id += 1;
        let session = make(id);
        inner.sessions.insert(id, session.clone());
        session
    }

    pub(crate) fn import_session(&self, id: u64) -> Option<ImportSession> {
        self.inner().sessions.get(&id).cloned()
    }
}
