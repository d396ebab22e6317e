//! What the simulator remembers between requests.
//!
//! The server's tasks, the feed thread and the test thread that owns the
//! [`crate::Simulator`] share this through an `Arc`. Records sit behind a
//! read-write lock because searches vastly outnumber writes; everything else
//! is a few pushes and clones under plain mutexes, never I/O. When two locks
//! are needed, sessions are taken before records, and records before threat
//! models, which come before investigations.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use serde_json::Value;

use crate::admin::Admin;
use crate::context::model_book::ModelBook;
use crate::control::feed::FeedSlot;
use crate::faults::fault::Fault;
use crate::http::request::RecordedRequest;
use crate::import::session::{ImportSession, Refusal, SessionBook};
use crate::intelligence::observable_record::Draft;
use crate::intelligence::store::RecordStore;
use crate::intelligence::synthetic::{synthetic_value, SyntheticLoad, SyntheticObservable};
use crate::investigations::book::InvestigationBook;
use crate::manage::comments::CommentBook;
use crate::manage::false_positive::FalsePositives;
use crate::permissions::{Denials, Permission};
use crate::timestamp;

/// How long an import session stays `processing` unless told otherwise:
/// long enough that a client must poll, short enough for tests.
pub const DEFAULT_IMPORT_DELAY: Duration = Duration::from_secs(1);

/// What a [`crate::SimulatorBuilder`] sets up in the state beyond the seed
/// records; its setters are in `methods/records.rs`.
#[derive(Clone, Debug, Default)]
pub(crate) struct StateOptions {
    pub(crate) import_delay: Option<Duration>,
    pub(crate) denied: Vec<Permission>,
    pub(crate) synthetic: Option<(u64, u64)>,
}

impl StateOptions {
    pub(crate) fn apply(&self, state: &State) {
        if let Some(delay) = self.import_delay {
            state.set_import_delay(delay);
        }
        state.denials.set(self.denied.iter().copied());
        if let Some((values, records)) = self.synthetic {
            state.load_synthetic(values, records);
        }
    }
}

/// The one account the simulator accepts.
pub(crate) struct Account {
    pub(crate) username: String,
    pub(crate) api_key: String,
}

pub(crate) struct State {
    pub(crate) account: Account,
    records: RwLock<RecordStore>,
    sessions: Mutex<SessionBook>,
    comments: Mutex<CommentBook>,
    pub(crate) false_positives: FalsePositives,
    models: Mutex<ModelBook>,
    investigations: Mutex<InvestigationBook>,
    pub(crate) denials: Denials,
    /// Rules, the allowlist and snapshots (`admin/`).
    pub(crate) admin: Admin,
    pub(crate) feed: FeedSlot,
    /// What synthetic bench data is loaded (see [`crate::intelligence::synthetic`]).
    synthetic: Mutex<SyntheticLoad>,
    import_delay_ms: AtomicU64,
    inner: Mutex<Inner>,
}

struct Inner {
    requests: Vec<RecordedRequest>,
    faults: VecDeque<Fault>,
    endless_pages: bool,
}

/// A panic while holding a lock cannot leave the state half-updated in a way
/// that matters to a test double, so poisoning is ignored everywhere.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    pub(crate) fn new(account: Account, records: Vec<Value>) -> State {
        State {
            account,
            records: RwLock::new(RecordStore::new(records)),
            sessions: Mutex::new(SessionBook::default()),
            comments: Mutex::new(CommentBook::default()),
            false_positives: FalsePositives::default(),
            models: Mutex::new(ModelBook::seeded()),
            investigations: Mutex::new(InvestigationBook::default()),
            denials: Denials::default(),
            admin: Admin::default(),
            feed: FeedSlot::default(),
            synthetic: Mutex::new(SyntheticLoad::default()),
            import_delay_ms: AtomicU64::new(millis(DEFAULT_IMPORT_DELAY)),
            inner: Mutex::new(Inner {
                requests: Vec::new(),
                faults: VecDeque::new(),
                endless_pages: false,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
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

    /// The records for reading, after every import session that is due has
    /// finished processing.
    pub(crate) fn records(&self) -> RwLockReadGuard<'_, RecordStore> {
        self.settle();
        self.records.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn records_mut(&self) -> RwLockWriteGuard<'_, RecordStore> {
        self.settle();
        self.raw_records_mut()
    }

    fn raw_records_mut(&self) -> RwLockWriteGuard<'_, RecordStore> {
        self.records.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `drafts` as new records, stamped now; answers the records.
    pub(crate) fn create_records(&self, drafts: &[Draft]) -> Vec<Value> {
        let now = timestamp::now_ms();
        let mut store = self.records_mut();
        drafts.iter().map(|draft| store.create(draft, now).clone()).collect()
    }

    /// Sessions, settled; hold the guard only briefly.
    pub(crate) fn sessions(&self) -> MutexGuard<'_, SessionBook> {
        self.settle();
        lock(&self.sessions)
    }

    /// Ends every due session's processing and stores the observables of
    /// those approved meanwhile. Cheap when nothing is pending.
    fn settle(&self) {
        let now = timestamp::now_ms();
        let mut sessions = lock(&self.sessions);
        let drafts = sessions.settle(now);
        if !drafts.is_empty() {
            let mut store = self.raw_records_mut();
            for draft in &drafts {
                store.create(draft, now);
            }
        }
    }

    /// Approves session `id` (its observables are stored at the next
    /// settle); answers the session as it is now, `approving`.
    pub(crate) fn approve_session(&self, id: u64) -> Result<ImportSession, Refusal> {
        let mut sessions = self.sessions();
        sessions.approve(id, &self.account.username, timestamp::now_ms())?;
        sessions.get(id).map(ImportSession::summary).ok_or(Refusal::NotFound)
    }

    /// Stores a session built by `make` from its id and the time its
    /// processing ends; answers the id. `make` runs without any lock held,
    /// since it may parse a 50 MiB upload.
    pub(crate) fn create_session(&self, make: impl FnOnce(u64, i64) -> ImportSession) -> u64 {
        let delay = i64::try_from(self.import_delay_ms.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        let ready_at = timestamp::now_ms().saturating_add(delay);
        let id = lock(&self.sessions).reserve_id();
        let session = make(id, ready_at);
        lock(&self.sessions).insert(session);
        id
    }

    pub(crate) fn import_session(&self, id: u64) -> Option<ImportSession> {
        self.sessions().get(id).cloned()
    }

    pub(crate) fn import_delay(&self) -> Duration {
        Duration::from_millis(self.import_delay_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn set_import_delay(&self, delay: Duration) {
        self.import_delay_ms.store(millis(delay), Ordering::Relaxed);
    }

    pub(crate) fn comments(&self) -> MutexGuard<'_, CommentBook> {
        lock(&self.comments)
    }

    /// The threat models; take the records first when both are needed.
    pub(crate) fn models(&self) -> MutexGuard<'_, ModelBook> {
        lock(&self.models)
    }

    /// The investigations; take the records and models first when needed.
    pub(crate) fn investigations(&self) -> MutexGuard<'_, InvestigationBook> {
        lock(&self.investigations)
    }

    pub(crate) fn synthetic(&self) -> MutexGuard<'_, SyntheticLoad> {
        lock(&self.synthetic)
    }

    /// Stores the next `records` synthetic records; answers how many.
    pub(crate) fn load_synthetic(&self, values: u64, records: u64) -> usize {
        let drafts = self.synthetic().load(values, records);
        self.create_records(&drafts).len()
    }

    /// The synthetic values loaded so far, in index order.
    pub(crate) fn synthetic_values(&self) -> Vec<SyntheticObservable> {
        let values = self.synthetic().values;
        (0..values).map(synthetic_value).collect()
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
