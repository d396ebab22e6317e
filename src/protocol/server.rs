//! `http` mode: the runtime's REST routes (protocol reference §5), answered by the same step pipeline
//! as `run` and `test`.
//!
//! The orchestrator runs plugin containers with `http` and POSTs start messages to them; the answer is
//! the envelope `run` would print, with the runtime's status codes (§4.4), its secrets masked like
//! every event's (§2.5, `mask`).
//! This file knows routes, status codes and the runtime's error shapes; the step itself is
//! `step::execute`, untouched, so the CLI and the server cannot drift apart. Like the rest of
//! `protocol`, it sees the plugin only through `Plugin`.
//!
//! Time-outs: a request's headers must arrive within `HEADER_TIMEOUT` and its whole body within
//! `BODY_TIMEOUT` (else 408); a step that has not finished after `STEP_DEADLINE` is abandoned with a
//! 500 (each ThreatStream request also has the connection's own time-out). Bodies larger than
//! `MAX_MESSAGE_BYTES` get 413.
//!
//! Memory: the steps in flight share one process budget for the bytes they read from ThreatStream
//! (`crate::budget`, set by `--memory-budget`). A step starts only when it has room (`admission`), and
//! one that runs out of it mid-way fails with a 503.

mod admission;
mod documents;
mod request;
mod shutdown;
mod step_route;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

use self::documents::Documents;
use self::request::Glance;
use self::shutdown::Work;
use self::step_route::StepRoute;
use super::envelope::MAX_MESSAGE_BYTES;
use super::failure::{Failure, FailureKind};
use super::plugin::Plugin;
use super::step::{execute, Outcome};
use crate::budget::{install_process_pool, Pool};
use crate::plural::count_of;

/// A client that has not sent its request line and headers by then is gone or hostile.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Enough for `MAX_MESSAGE_BYTES` at well under 1 MB/s; the orchestrator sends from nearby.
const BODY_TIMEOUT: Duration = Duration::from_secs(300);

/// Longer than any sound step: a lookup of a few hundred pages takes minutes, not a quarter hour.
const STEP_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// After the last step has finished, how long connections still mid-request get to complete.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// The runtime's answer to new work once shutdown has begun (protocol reference §5.2).
const SHUTTING_DOWN: &str = "Shutdown in progress. No new work can be accepted.";

/// What every handler shares.
struct Server {
    plugin: &'static Plugin,
    documents: Documents,
    work: Arc<Work>,
    memory: Arc<Pool>,
    debug: bool,
}

type Shared = Arc<Server>;

/// Serves `plugin` on `address` until SIGTERM or SIGINT, then drains and returns.
///
/// Prints `listening on http://<address>` to stderr once bound, so a caller that asked for port 0
/// learns the port. The steps in flight share `memory_budget` bytes of ThreatStream's answers. An
/// error means the server could not start.
pub(crate) async fn serve(
    plugin: &'static Plugin,
    address: SocketAddr,
    memory_budget: u64,
    debug: bool,
) -> Result<(), String> {
    let threads = tokio::runtime::Handle::current().metrics().num_workers();
    let documents = Documents::new(plugin, threads)?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let bound = listener.local_addr().map_err(|error| error.to_string())?;
    eprintln!("listening on http://{bound}");
    let work = Work::new();
    let router = routes(Arc::new(Server {
        plugin,
        documents,
        work: Arc::clone(&work),
        memory: install_process_pool(memory_budget),
        debug,
    }));
    let connections = GracefulShutdown::new();
    let stop = async {
        crate::protocol::signals::stop_requested().await;
        eprintln!(
            "Shutdown requested: finishing {} in flight, refusing new ones",
            count_of(work.tally().active, "step")
        );
        work.drain().await;
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => serve_connection(stream, &router, &connections),
                Err(error) => accept_failed(&error).await,
            },
        }
    }
    drop(listener);
    // Idle keep-alive connections close at once; one still mid-request gets a moment to finish.
    if tokio::time::timeout(CLOSE_GRACE, connections.shutdown()).await.is_err() {
        eprintln!("Closing connections still open after {}s", CLOSE_GRACE.as_secs());
    }
    eprintln!("Shutdown complete");
    Ok(())
}

fn serve_connection(stream: TcpStream, router: &Router, connections: &GracefulShutdown) {
    // Answers are written whole; waiting to coalesce them only adds latency.
    let _ = stream.set_nodelay(true);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
    let connection = connections.watch(connection);
    tokio::spawn(async move {
        // A client that goes away mid-request is not the server's problem.
        let _ = connection.await;
    });
}

/// A failed accept is usually one client giving up; running out of file descriptors is not, and
/// retrying at once would spin, so that waits a moment.
async fn accept_failed(error: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        eprintln!("ERROR: cannot accept a connection: {error}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The runtime's routes: the step routes under both `/` (legacy) and `/api/v1`, the rest under
/// `/api/v1` only (protocol reference §5.2).
fn routes(server: Shared) -> Router {
    Router::new()
        .route("/actions/{name}", post(run_action))
        .route("/actions/{name}/test", post(test_action))
        .route("/api/v1/actions/{name}", post(run_action).get(action_section))
        .route("/api/v1/actions/{name}/test", post(test_action))
        .route("/triggers/{name}/test", post(test_trigger))
        .route("/api/v1/triggers/{name}/test", post(test_trigger))
        .route("/tasks/{name}", post(run_task))
        .route("/tasks/{name}/test", post(test_task))
        .route("/api/v1/tasks/{name}", post(run_task).get(task_section))
        .route("/api/v1/tasks/{name}/test", post(test_task))
        .route("/api/v1/connection/test", post(test_connection))
        .route("/api/v1/connection/test_task", post(test_connection))
        .route(
            "/api/v1/actions",
            get(|State(server): State<Shared>| async move { ok(&server.documents.actions) }),
        )
        .route(
            "/api/v1/triggers",
            get(|State(server): State<Shared>| async move { ok(&server.documents.triggers) }),
        )
        .route("/api/v1/triggers/{name}", get(trigger_section))
        .route(
            "/api/v1/tasks",
            get(|State(server): State<Shared>| async move { ok(&server.documents.tasks) }),
        )
        .route(
            "/api/v1/connection",
            get(|State(server): State<Shared>| async move { ok(&server.documents.connection) }),
        )
        .route(
            "/api/v1/definitions/actions",
            get(|State(server): State<Shared>| async move { ok(&server.documents.definitions) }),
        )
        .route(
            "/api/v1/info",
            get(|State(server): State<Shared>| async move { ok(&server.documents.info) }),
        )
        .route("/api/v1/spec", get(spec))
        .route("/api/v1/api", get(api))
        .route("/api/v1/status", get(|| async { ok(&json!({"status": "Ready"})) }))
        .route("/api/v1/admin/status", get(admin_status))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(server)
}

async fn run_action(State(server): State<Shared>, Path(name): Path<String>, request: Request) -> Response {
    step(server, StepRoute::Run, Some(name), request).await
}

async fn test_action(State(server): State<Shared>, Path(name): Path<String>, request: Request) -> Response {
    step(server, StepRoute::TestAction, Some(name), request).await
}

async fn test_trigger(State(server): State<Shared>, Path(name): Path<String>, request: Request) -> Response {
    step(server, StepRoute::TestTrigger, Some(name), request).await
}

async fn run_task(State(server): State<Shared>, Path(name): Path<String>, request: Request) -> Response {
    step(server, StepRoute::RunTask, Some(name), request).await
}

async fn test_task(State(server): State<Shared>, Path(name): Path<String>, request: Request) -> Response {
    step(server, StepRoute::TestTask, Some(name), request).await
}

async fn test_connection(State(server): State<Shared>, request: Request) -> Response {
    step(server, StepRoute::TestConnection, None, request).await
}

/// The checks Flask makes before the runtime's step (§5.2), then the step, then the runtime's status.
async fn step(server: Shared, route: StepRoute, name: Option<String>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let origin = Origin::of(&parts.method, &parts.uri, &parts.headers);
    let Some(running) = server.work.begin() else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, &json!({ "error": SHUTTING_DOWN }));
    };
    let message = match read_body(&parts.headers, body).await {
        Ok(message) => message,
        Err(refusal) => return refusal.answer(&origin),
    };
    let glance = match Glance::of(&message) {
        Ok(glance) => glance,
        Err(error) => {
            let description = format!("Failed to decode JSON object: {error}");
            return abort(StatusCode::BAD_REQUEST, &description, &origin);
        }
    };
    if glance.empty {
        return answer(StatusCode::BAD_REQUEST, &json!({"error": "Empty input provided"}));
    }
    if let Some(description) = route.refusal(&glance, name.as_deref()) {
        return abort(StatusCode::BAD_REQUEST, &description, &origin);
    }
    drop(glance);
    if !admission::admit(&server.memory).await {
        eprintln!("Refused a step: no room in the memory budget");
        return answer(StatusCode::SERVICE_UNAVAILABLE, &json!({ "error": admission::NO_ROOM }));
    }
    let kind = route.kind();
    let (plugin, debug) = (server.plugin, server.debug);
    // A task of its own: a panicking step cannot take the connection down with it, and a step whose
    // client went away still finishes (an import half done is worse than one done unseen).
    let mut task = tokio::spawn(async move {
        let _running = running;
        execute(plugin, kind, Vec::from(message), debug).await
    });
    match tokio::time::timeout(STEP_DEADLINE, &mut task).await {
        Ok(Ok(outcome)) => envelope(&outcome, route, &origin),
        Ok(Err(_)) => unexpected("The step panicked.", &origin),
        Err(_) => {
            task.abort();
            let why = format!("The step did not finish within {} seconds.", STEP_DEADLINE.as_secs());
            unexpected(&why, &origin)
        }
    }
}

/// The event as the answer (masked already, as every event is), with the runtime's status.
fn envelope(outcome: &Outcome, route: StepRoute, origin: &Origin) -> Response {
    let passed_without_output =
        outcome.failure.is_none() && outcome.event.body.output.as_deref().map(|output| output.get()) == Some("null");
    if route == StepRoute::TestConnection && passed_without_output {
        return StatusCode::NO_CONTENT.into_response();
    }
    let status = step_status(outcome.failure.as_ref());
    match serde_json::to_vec(&outcome.event) {
        Ok(encoded) => answer_encoded(status, encoded),
        Err(_) => unexpected("The event could not be encoded.", origin),
    }
}

/// The runtime's status for a finished step (protocol reference §4.4): a `ClientException` and every
/// `PluginException`, preset or not, are the caller's 400; only a defect of the plugin is a 500. A
/// step the process's memory budget had no room for is a 503, as new work during shutdown is: the
/// orchestrator may try it again.
///
/// The runtime answers 500 for an invalid connection and for a required input left empty, because
/// it happens to raise those as plain exceptions; both are the caller's to fix, so we answer 400.
fn step_status(failure: Option<&Failure>) -> StatusCode {
    match failure {
        None => StatusCode::OK,
        Some(failure) => match failure.kind {
            FailureKind::Defect => StatusCode::INTERNAL_SERVER_ERROR,
            FailureKind::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            FailureKind::Caller | FailureKind::Upstream(_) => StatusCode::BAD_REQUEST,
        },
    }
}

/// Why a request body was not read.
enum Refusal {
    TooLarge,
    TimedOut,
    Unreadable,
}

impl Refusal {
    fn answer(&self, origin: &Origin) -> Response {
        match self {
            Refusal::TooLarge => abort(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("The start message is larger than {MAX_MESSAGE_BYTES} bytes."),
                origin,
            ),
            Refusal::TimedOut => abort(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "The start message did not arrive within {} seconds.",
                    BODY_TIMEOUT.as_secs()
                ),
                origin,
            ),
            Refusal::Unreadable => abort(
                StatusCode::BAD_REQUEST,
                "The browser (or proxy) sent a request that this server could not understand.",
                origin,
            ),
        }
    }
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_MESSAGE_BYTES as u64) {
        return Err(Refusal::TooLarge);
    }
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_MESSAGE_BYTES).collect()).await {
        Err(_) => Err(Refusal::TimedOut),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(Refusal::TooLarge),
        Ok(Err(_)) => Err(Refusal::Unreadable),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

async fn action_section(State(server): State<Shared>, Path(name): Path<String>) -> Response {
    section(server.documents.action(&name), "Action", &name)
}

async fn trigger_section(State(server): State<Shared>, Path(name): Path<String>) -> Response {
    section(server.documents.trigger(&name), "Trigger", &name)
}

async fn task_section(State(server): State<Shared>, Path(name): Path<String>) -> Response {
    section(server.documents.task(&name), "Task", &name)
}

/// A step's section of the spec; the runtime answers 400 for one it does not have.
fn section(found: Option<&Value>, word: &str, name: &str) -> Response {
    match found {
        Some(section) => ok(section),
        None => answer(
            StatusCode::BAD_REQUEST,
            &json!({ "error": format!("{word} {name} does not exist") }),
        ),
    }
}

/// `?format=json` (the default) or `?format=yaml`.
#[derive(Deserialize)]
struct Format {
    format: Option<String>,
}

async fn spec(
    State(server): State<Shared>,
    format: Result<Query<Format>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match requested(format) {
        Some(Wanted::Json) => ok(&server.documents.spec),
        Some(Wanted::Yaml) => yaml(server.documents.spec_yaml.to_owned()),
        None => unsupported_format(),
    }
}

async fn api(
    State(server): State<Shared>,
    format: Result<Query<Format>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match requested(format) {
        Some(Wanted::Json) => ok(&server.documents.api),
        Some(Wanted::Yaml) => match serde_norway::to_string(&server.documents.api) {
            Ok(text) => yaml(text),
            Err(_) => unsupported_format(),
        },
        None => unsupported_format(),
    }
}

enum Wanted {
    Json,
    Yaml,
}

fn requested(format: Result<Query<Format>, axum::extract::rejection::QueryRejection>) -> Option<Wanted> {
    match format.ok()?.0.format.as_deref() {
        None | Some("json") => Some(Wanted::Json),
        Some("yaml") => Some(Wanted::Yaml),
        Some(_) => None,
    }
}

fn unsupported_format() -> Response {
    answer(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({"error": "The specified format is not supported"}),
    )
}

fn yaml(text: String) -> Response {
    (
        StatusCode::OK,
        [(CONTENT_TYPE, HeaderValue::from_static("application/yaml"))],
        text,
    )
        .into_response()
}

async fn admin_status(State(server): State<Shared>) -> Response {
    let tally = server.work.tally();
    ok(&json!({
        "active_work": tally.active,
        "shutdown_initiated": tally.shutting_down,
        "shutdown_safe": tally.active == 0,
    }))
}

async fn not_found(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    abort(
        StatusCode::NOT_FOUND,
        "The requested URL was not found on the server. If you entered the URL manually please check your \
         spelling and try again.",
        &Origin::of(&method, &uri, &headers),
    )
}

async fn method_not_allowed(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    abort(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
        &Origin::of(&method, &uri, &headers),
    )
}

/// The request as Flask's error pages name it: its method and full URL.
struct Origin {
    method: String,
    url: String,
}

impl Origin {
    fn of(method: &Method, uri: &Uri, headers: &HeaderMap) -> Origin {
        let host = headers
            .get(HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("localhost");
        let path = uri.path_and_query().map_or("/", |path| path.as_str());
        Origin {
            method: method.to_string(),
            url: format!("http://{host}{path}"),
        }
    }
}

/// The runtime's JSON error page for an aborted request (protocol reference §5.2).
fn abort(status: StatusCode, description: &str, origin: &Origin) -> Response {
    answer(status, &error_page(status, description, origin))
}

fn error_page(status: StatusCode, description: &str, origin: &Origin) -> Value {
    json!({
        "code": status.as_u16(),
        "description": description,
        "method": origin.method,
        "name": status.canonical_reason().unwrap_or_default(),
        "response": null,
        "url": origin.url,
    })
}

/// A 500 error page; `why` is ours, never a panic message, which could quote anything.
fn unexpected(why: &str, origin: &Origin) -> Response {
    let status = StatusCode::INTERNAL_SERVER_ERROR;
    let mut page = error_page(
        status,
        "The server encountered an internal error and was unable to complete your request. Either the \
         server is overloaded or there is an error in the application.",
        origin,
    );
    page["original_exception"] = json!({"exception": "ServerException", "message": why});
    eprintln!("ERROR: {why}");
    answer(status, &page)
}

fn ok(value: &impl Serialize) -> Response {
    answer(StatusCode::OK, value)
}

/// A JSON answer, newline-terminated like Flask's `jsonify`.
fn answer(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => answer_encoded(status, body),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// An answer already encoded as JSON.
fn answer_encoded(status: StatusCode, mut body: Vec<u8>) -> Response {
    body.push(b'\n');
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Preset;

    #[test]
    fn step_status_is_the_runtimes() {
        assert_eq!(step_status(None), StatusCode::OK);
        let caller = Failure::caller("bad input", "fix it");
        let upstream = Failure::preset(Preset::ServerError);
        let plugin = Failure::upstream("a plugin error without preset", "try again");
        let defect = Failure::defect("output breaks its schema", "report it");
        assert_eq!(step_status(Some(&caller)), StatusCode::BAD_REQUEST);
        assert_eq!(step_status(Some(&upstream)), StatusCode::BAD_REQUEST);
        assert_eq!(step_status(Some(&plugin)), StatusCode::BAD_REQUEST);
        assert_eq!(step_status(Some(&defect)), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn error_pages_name_the_request_like_flask() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("plugin:10001"));
        let uri: Uri = "/nope?x=1".parse().expect("a URI");
        let origin = Origin::of(&Method::GET, &uri, &headers);
        assert_eq!(
            error_page(StatusCode::NOT_FOUND, "gone", &origin),
            json!({"code": 404, "description": "gone", "method": "GET", "name": "Not Found", "response": null,
                   "url": "http://plugin:10001/nope?x=1"})
        );
    }
}
