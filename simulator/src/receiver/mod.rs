//! A stand-in for the InsightConnect dispatcher that a running trigger POSTs
//! its events to (insightconnect-protocol.md §3.6): a second small HTTP
//! server that accepts a JSON POST at any path, remembers it, and can be
//! told to fail or to go silent, so the plugin's delivery guarantees can be
//! tested against a dispatcher that misbehaves.
//!
//! Control routes live under `/__receiver/` (listed in the crate doc) so a
//! script can drive a receiver started as a process with
//! `threatstream-simulator --receiver`.

pub(crate) mod log;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, UNIX_EPOCH};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::http::request::RecordedRequest;
use crate::http::response::{self, Response};
use crate::http::server::{self, DropConnection, Service};
use log::{EventLog, Outcome, ReceivedEvent, ReceiverStats, DEFAULT_KEPT_EVENTS};

const CONTROL: &str = "/__receiver/";

/// How a silent receiver treats the posts it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Silence {
    /// Read the post, record it as [`Outcome::Held`], never answer. On
    /// [`Receiver::recover`] the held connections are closed unanswered.
    Hang,
    /// Answer 200, but only after this long.
    Delay(Duration),
}

/// A running dispatcher stand-in. Dropping it stops the server.
#[must_use = "dropping the Receiver stops its server"]
pub struct Receiver {
    shared: Arc<Shared>,
    addr: std::net::SocketAddr,
    running: Option<server::Running>,
}

/// Options for a [`Receiver`]; see [`Receiver::builder`].
#[must_use]
#[derive(Clone, Debug)]
pub struct ReceiverBuilder {
    port: u16,
    keep: usize,
}

impl Default for ReceiverBuilder {
    fn default() -> Self {
        ReceiverBuilder {
            port: 0,
            keep: DEFAULT_KEPT_EVENTS,
        }
    }
}

impl ReceiverBuilder {
    /// 0 (the default) lets the OS pick a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How many whole events to keep (default 1,000); counters and the set of
    /// `update_id`s cover every event regardless.
    pub fn keep_events(mut self, keep: usize) -> Self {
        self.keep = keep;
        self
    }

    /// # Panics
    /// When the port cannot be bound: a test cannot go on without it.
    pub fn start(self) -> Receiver {
        self.try_start().unwrap_or_else(|message| panic!("{message}"))
    }

    /// Like [`ReceiverBuilder::start`], but a port that cannot be bound is an
    /// error naming it: what the binary reports in one line.
    pub fn try_start(self) -> Result<Receiver, String> {
        let shared = Arc::new(Shared::new(self.keep));
        let running = server::spawn(service(Arc::clone(&shared)), self.port, None)
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", self.port))?;
        Ok(Receiver {
            shared,
            addr: running.addr,
            running: Some(running),
        })
    }
}

impl Receiver {
    pub fn start() -> Receiver {
        Receiver::builder().start()
    }

    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::default()
    }

    /// The base URL without a trailing slash; post events to any path of it.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[must_use]
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// The kept events, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<ReceivedEvent> {
        self.shared.log.events()
    }

    #[must_use]
    pub fn stats(&self) -> ReceiverStats {
        self.shared.log.stats()
    }

    /// Distinct `update_id`s of accepted events, ascending.
    #[must_use]
    pub fn update_ids(&self) -> Vec<u64> {
        self.shared.log.update_ids()
    }

    /// Answers the next `count` posts with `status` (say 500 or 503).
    pub fn fail_next(&self, count: u32, status: u16) {
        let mut mode = self.shared.mode();
        mode.failures.extend(std::iter::repeat_n(status, count as usize));
    }

    /// Goes silent until [`Receiver::recover`]; queued failures still come first.
    pub fn silence(&self, silence: Silence) {
        self.shared.mode().silence = Some(silence);
    }

    /// Ends silence and queued failures, and closes held connections.
    pub fn recover(&self) {
        self.shared.recover();
    }

    /// Forgets events and counters.
    pub fn clear(&self) {
        self.shared.log.clear();
    }

    /// Blocks until at least `count` events were accepted.
    ///
    /// # Errors
    /// When `timeout` passes first; the message has the counters.
    pub fn wait_for_accepted(&self, count: u64, timeout: Duration) -> Result<ReceiverStats, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let stats = self.stats();
            if stats.accepted >= count {
                return Ok(stats);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{count} accepted events expected within {timeout:?}; got {stats:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

struct Shared {
    log: EventLog,
    mode: Mutex<Mode>,
    /// Bumped on recover; held posts wait for it to change.
    recovered: watch::Sender<u64>,
}

#[derive(Default)]
struct Mode {
    failures: VecDeque<u16>,
    silence: Option<Silence>,
}

/// What to do with one post, decided when it arrives.
enum Reply {
    Accept,
    Fail(u16),
    Delay(Duration),
    Hold(watch::Receiver<u64>),
}

impl Shared {
    fn new(keep: usize) -> Shared {
        Shared {
            log: EventLog::new(keep),
            mode: Mutex::new(Mode::default()),
            recovered: watch::Sender::new(0),
        }
    }

    /// Poisoning is ignored: the mode is two plain fields.
    fn mode(&self) -> MutexGuard<'_, Mode> {
        self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn recover(&self) {
        let mut mode = self.mode();
        *mode = Mode::default();
        // Sent under the lock, so a post that saw Hang is already subscribed.
        self.recovered.send_modify(|generation| *generation += 1);
    }

    fn reply(&self) -> Reply {
        let mut mode = self.mode();
        if let Some(status) = mode.failures.pop_front() {
            return Reply::Fail(status);
        }
        match mode.silence {
            None => Reply::Accept,
            Some(Silence::Delay(delay)) => Reply::Delay(delay),
            Some(Silence::Hang) => Reply::Hold(self.recovered.subscribe()),
        }
    }
}

fn service(shared: Arc<Shared>) -> Service {
    Arc::new(move |request| Box::pin(receive(Arc::clone(&shared), request)))
}

async fn receive(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response, DropConnection> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| DropConnection)?.to_bytes();
    let request = RecordedRequest::from_parts(&parts, body.to_vec());
    if let Some(name) = request.path.strip_prefix(CONTROL) {
        return Ok(control(&shared, name, &request));
    }
    if request.method != "POST" {
        return Ok(response::message(405, "The dispatcher takes POSTs only."));
    }
    let Ok(event) = serde_json::from_slice::<Value>(&request.body) else {
        shared
            .log
            .record(request.path, request.headers, Value::Null, Outcome::Invalid);
        return Ok(response::message(400, "The body is not JSON."));
    };
    let reply = shared.reply();
    let outcome = match &reply {
        Reply::Accept | Reply::Delay(_) => Outcome::Accepted,
        Reply::Fail(status) => Outcome::Failed(*status),
        Reply::Hold(_) => Outcome::Held,
    };
    shared.log.record(request.path, request.headers, event, outcome);
    match reply {
        Reply::Accept => Ok(accepted()),
        Reply::Fail(status) => Ok(response::message(status, "Simulated dispatcher failure.")),
        Reply::Delay(delay) => {
            tokio::time::sleep(delay).await;
            Ok(accepted())
        }
        Reply::Hold(mut recovered) => {
            // Either recover() or the server stopping ends the wait; the
            // connection then closes without an answer.
            let _ = recovered.changed().await;
            Err(DropConnection)
        }
    }
}

fn accepted() -> Response {
    response::json(200, &json!({}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailSpec {
    times: u32,
    #[serde(default = "server_error")]
    status: u16,
}

fn server_error() -> u16 {
    500
}

#[derive(Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
enum SilenceSpec {
    Hang,
    Delay { millis: u64 },
}

fn control(shared: &Shared, name: &str, request: &RecordedRequest) -> Response {
    match (request.method.as_str(), name) {
        ("GET", "stats") => response::json(200, &stats_json(shared.log.stats())),
        ("GET", "events") => response::json(200, &events_json(shared)),
        ("DELETE", "events") => {
            shared.log.clear();
            response::no_content()
        }
        ("GET", "update_ids") => response::json(200, &json!({"update_ids": shared.log.update_ids()})),
        ("POST", "fail") => parsed(&request.body, |spec: FailSpec| {
            let mut mode = shared.mode();
            mode.failures
                .extend(std::iter::repeat_n(spec.status, spec.times as usize));
        }),
        ("POST", "silence") => parsed(&request.body, |spec: SilenceSpec| {
            shared.mode().silence = Some(match spec {
                SilenceSpec::Hang => Silence::Hang,
                SilenceSpec::Delay { millis } => Silence::Delay(Duration::from_millis(millis)),
            });
        }),
        ("POST", "recover") => {
            shared.recover();
            response::no_content()
        }
        _ => response::message(404, &format!("Not found: {}", request.path)),
    }
}

fn parsed<T: serde::de::DeserializeOwned>(body: &[u8], apply: impl FnOnce(T)) -> Response {
    match serde_json::from_slice(body) {
        Ok(spec) => {
            apply(spec);
            response::no_content()
        }
        Err(e) => response::message(400, &format!("Bad control body: {e}")),
    }
}

fn stats_json(stats: ReceiverStats) -> Value {
    json!({
        "received": stats.received,
        "accepted": stats.accepted,
        "failed": stats.failed,
        "held": stats.held,
        "invalid": stats.invalid,
        "distinct_update_ids": stats.distinct_update_ids,
        "duplicate_update_ids": stats.duplicate_update_ids,
        "kept": stats.kept,
    })
}

fn events_json(shared: &Shared) -> Value {
    let events: Vec<Value> = shared.log.events().iter().map(event_json).collect();
    json!({"stats": stats_json(shared.log.stats()), "events": events})
}

fn event_json(event: &ReceivedEvent) -> Value {
    let received_ms = event
        .received_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let status = match event.outcome {
        Outcome::Accepted => Some(200),
        Outcome::Failed(status) => Some(status),
        Outcome::Invalid => Some(400),
        Outcome::Held => None,
    };
    json!({
        "path": event.path,
        "headers": event.headers,
        "body": event.body,
        "received_at_ms": u64::try_from(received_ms).unwrap_or(u64::MAX),
        "since_start_ms": u64::try_from(event.since_start.as_millis()).unwrap_or(u64::MAX),
        "outcome": event.outcome.as_str(),
        "status": status,
        "update_ids": event.update_ids,
    })
}
