//! Runs the real `icon_anomali_threatstream` binary and checks what it prints.
//!
//! `Invocation::run("lookup_ip").input(..).against(&sim).ok()` builds a start message, pipes it through
//! the binary and asserts the exit status and envelope shape. Every run uses `CANARY_KEY` and fails if the
//! key shows up on stdout or stderr, or (run `against` a simulator) in any request the simulator recorded
//! anywhere but the Authorization header. The envelope is decoded with this file's own types
//! (`deny_unknown_fields`), and the preset texts below are a separate copy of the runtime's, so a wrong
//! text in `src/` cannot pass by agreeing with itself.
//!
//! What more than one topic file needs lives here too, so topic files never import from each other:
//! simulators with the canary key (`simulator_builder`), `run_ok`, `records`, the trigger's start
//! message, and `http` mode's `Server` (`harness/http_server.rs`).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};
use threatstream_simulator::{Receiver, Simulator, SimulatorBuilder, USERNAME};

mod http_server;
mod trigger_process;

pub(crate) use http_server::{Answer, Server};
pub(crate) use trigger_process::{wait_until, Running, Workspace, DEADLINE};

pub const BIN: &str = env!("CARGO_BIN_EXE_icon_anomali_threatstream");

/// The plugin's version, which envelopes' logs carry: tests and snapshots never spell it out, so a
/// version bump touches no test.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Longer than any run of the binary in these tests takes, retries and held answers included: a run
/// still going then has hung, and the test fails saying so instead of hanging CI.
pub const RUN_DEADLINE: Duration = Duration::from_secs(90);

/// Obviously fake, and unique enough that finding it anywhere but the Authorization header is a leak.
pub const CANARY_KEY: &str = "canary-key-3c1f0e2d-never-print-me";

pub fn simulator() -> Simulator {
    Simulator::start(CANARY_KEY)
}

/// A simulator with the canary key, for the settings `simulator()` leaves at their defaults.
pub fn simulator_builder() -> SimulatorBuilder {
    SimulatorBuilder::default().api_key(CANARY_KEY)
}

/// A simulator whose import sessions are processing for `delay`.
pub fn simulator_processing_for(delay: Duration) -> Simulator {
    simulator_builder().import_delay(delay).start()
}

/// Environment variables that change how the binary reaches ThreatStream.
pub const ISOLATED_VARIABLES: [&str; 8] = [
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "NO_PROXY",
];

/// The plugin binary, isolated from the machine's TLS and proxy settings (they must not decide a
/// test's outcome), with a 1 ms back-off step so tests of retries do not sleep for real seconds.
pub fn plugin_command() -> Command {
    let mut command = Command::new(BIN);
    for name in ISOLATED_VARIABLES {
        command.env_remove(name);
    }
    command.env("ANOMALI_THREATSTREAM_TEST_BACKOFF_MS", "1");
    command
}

/// A connection to `sim` with the canary key.
pub fn connection(sim: &Simulator) -> Value {
    json!({"username": USERNAME, "url": sim.url(), "api_key": {"secretKey": CANARY_KEY}})
}

/// A New Observables trigger_start message for `sim`, delivering to `dispatcher` (none: `{}`).
pub fn trigger_message(sim: &Simulator, dispatcher: Option<&Receiver>, input: Value, trigger_id: &str) -> Value {
    let dispatcher = dispatcher.map_or(
        json!({}),
        |receiver| json!({"url": format!("{}/events", receiver.url()), "webhook_url": ""}),
    );
    json!({"version": "v1", "type": "trigger_start",
           "body": {"trigger": "new_observables", "meta": {"triggerId": trigger_id, "jobId": "job-7"},
                    "input": input, "dispatcher": dispatcher, "connection": connection(sim)}})
}

/// Runs `action` against `sim`, which must succeed; answers with its output.
#[track_caller]
pub fn run_ok(sim: &Simulator, action: &str, input: Value) -> Value {
    Invocation::run(action).input(input).against(sim).ok()
}

/// Every record whose value is `value`, as Get Observables answers.
#[track_caller]
pub fn records(sim: &Simulator, value: &str) -> Vec<Value> {
    let output = run_ok(sim, "get_observables", json!({"value": value}));
    output["results"].as_array().cloned().unwrap_or_default()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub body: Body,
    pub version: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub log: String,
    pub status: String,
    pub meta: Value,
    /// A task's: its new state, whether more is waiting, and the upstream status of a failure it
    /// reports the task way (protocol reference §3.1).
    pub state: Option<Value>,
    pub has_more_pages: Option<bool>,
    pub status_code: Option<u16>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub exception: Option<Exception>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub cause: String,
    pub assistance: String,
    pub data: String,
}

/// The runtime 6.6.x preset texts (insightconnect_plugin_runtime exceptions.py), as the reference gives them.
#[derive(Clone, Copy, Debug)]
pub enum Preset {
    Unauthorized,
    RateLimit,
    NotFound,
    ServerError,
    ServiceUnavailable,
    InvalidJson,
    Unknown,
    Timeout,
    BadRequest,
    InvalidCredentials,
    MethodNotAllowed,
    Conflict,
    ConnectionError,
}

impl Preset {
    pub fn texts(self) -> (&'static str, &'static str) {
        match self {
            Preset::Unauthorized => ("The account configured in your connection is unauthorized to access this service.", "Verify the permissions for your account and try again."),
            Preset::RateLimit => ("The account configured in your plugin connection is currently rate-limited.", "Adjust the time between requests if possible."),
            Preset::NotFound => ("Invalid or unreachable endpoint provided.", "Verify the URLs or endpoints in your configuration are correct."),
            Preset::ServerError => ("Server error occurred", "Verify your plugin connection inputs are correct and not malformed and try again. If the issue persists, please contact support."),
            Preset::ServiceUnavailable => ("The service is currently unavailable.", "Try again later. If the issue persists, please contact support."),
            Preset::InvalidJson => ("Received an unexpected response from the server.", "(non-JSON or no response was received)."),
            Preset::Unknown => ("Something unexpected occurred.", "Check the logs and if the issue persists please contact support."),
            Preset::Timeout => ("The connection timed out.", "This is likely a network error. Verify the network activity. If the issue persists, please contact support."),
            Preset::BadRequest => ("The server is unable to process the request.", "Verify your plugin input is correct and not malformed and try again. If the issue persists, please contact support."),
            Preset::InvalidCredentials => ("Authentication failed: invalid credentials.", "Please verify the credentials for your account and try again."),
            Preset::MethodNotAllowed => ("The request method is not allowed for this resource.", "Please try a supported method for this resource."),
            Preset::Conflict => ("Request cannot be completed due to a conflict with the current state of the resource.", "Please check your request, and try again."),
            Preset::ConnectionError => ("Failed to connect to the server.", "Please check your network connection and try again."),
        }
    }
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub stdin: String,
}

impl Run {
    /// The envelope: the last line of stdout, decoded with the test-side types.
    #[track_caller]
    pub fn event(&self) -> Event {
        serde_json::from_str(self.last_line())
            .unwrap_or_else(|error| self.fail(&format!("envelope does not decode: {error}")))
    }

    /// The envelope as plain JSON, for snapshots.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.last_line())
            .unwrap_or_else(|error| self.fail(&format!("stdout is not JSON: {error}")))
    }

    #[track_caller]
    fn last_line(&self) -> &str {
        self.stdout
            .lines()
            .last()
            .unwrap_or_else(|| self.fail("stdout is empty"))
    }

    /// The envelope's exception; a run without one fails.
    #[track_caller]
    pub fn exception(&self) -> Exception {
        self.event()
            .body
            .exception
            .unwrap_or_else(|| self.fail("the envelope has no exception"))
    }

    #[track_caller]
    pub fn fail(&self, why: &str) -> ! {
        panic!(
            "{why}\n--- command: {BIN}\n--- stdin:\n{}\n--- exit: {}\n--- stdout:\n{}\n--- stderr:\n{}",
            truncate(&self.stdin),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(2000).collect()
}

/// One invocation of the binary, described by its setters and run by an ending verb. Run `against` a
/// simulator, it also checks every request that simulator recorded for the canary key.
#[must_use]
pub struct Invocation<'s> {
    args: Vec<String>,
    action: String,
    input: Value,
    connection: Value,
    meta: Value,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    simulator: Option<&'s Simulator>,
}

impl Invocation<'static> {
    pub fn run(action: &str) -> Invocation<'static> {
        Invocation::command(&["run"], action)
    }

    pub fn test(action: &str) -> Invocation<'static> {
        Invocation::command(&["test"], action)
    }

    pub fn command(args: &[&str], action: &str) -> Invocation<'static> {
        Invocation {
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            action: action.to_owned(),
            input: json!({}),
            connection: json!({}),
            meta: json!({}),
            stdin: None,
            env: Vec::new(),
            simulator: None,
        }
    }
}

impl<'s> Invocation<'s> {
    pub fn input(mut self, input: Value) -> Invocation<'s> {
        self.input = input;
        self
    }

    pub fn connection(mut self, connection: Value) -> Invocation<'s> {
        self.connection = connection;
        self
    }

    /// Connects to `sim` with the canary key; after the run, the key must appear in nothing `sim`
    /// recorded but the Authorization header ([`canary_leaks`]).
    pub fn against(self, sim: &Simulator) -> Invocation<'_> {
        Invocation {
            args: self.args,
            action: self.action,
            input: self.input,
            connection: connection(sim),
            meta: self.meta,
            stdin: self.stdin,
            env: self.env,
            simulator: Some(sim),
        }
    }

    pub fn meta(mut self, meta: Value) -> Invocation<'s> {
        self.meta = meta;
        self
    }

    /// Sets an environment variable for this run (the harness clears TLS and proxy variables otherwise).
    pub fn env(mut self, name: &str, value: &str) -> Invocation<'s> {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends these bytes instead of a start message built from the setters.
    pub fn stdin_raw(mut self, bytes: impl Into<Vec<u8>>) -> Invocation<'s> {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn message(&self) -> Value {
        json!({"version": "v1", "type": "action_start",
               "body": {"action": self.action, "meta": self.meta, "input": self.input, "connection": self.connection}})
    }

    /// Runs the binary and checks that the canary key appears nowhere in its output, nor (run
    /// `against` a simulator) anywhere but the Authorization header of what the simulator received.
    #[track_caller]
    pub fn invoke(self) -> Run {
        let stdin = self
            .stdin
            .clone()
            .unwrap_or_else(|| self.message().to_string().into_bytes());
        let shown = String::from_utf8_lossy(&stdin).into_owned();
        let mut command = plugin_command();
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        let mut child = command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the plugin binary starts");
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // Written and read from threads so a plugin that answers before reading everything, or writes
        // more than a pipe holds, cannot deadlock us.
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&stdin);
        });
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = wait_at_most(&mut child, RUN_DEADLINE, &shown);
        let _ = writer.join();
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
            stdin: shown,
        };
        if run.stdout.contains(CANARY_KEY) || run.stderr.contains(CANARY_KEY) {
            run.fail("the API key leaked into the plugin's output");
        }
        let leaks = self.simulator.map(canary_leaks).unwrap_or_default();
        if !leaks.is_empty() {
            run.fail(&format!(
                "the API key reached the simulator outside the Authorization header: {leaks:?}"
            ));
        }
        run
    }

    /// Asserts exit 0 and an ok envelope; answers with the output.
    #[track_caller]
    pub fn ok(self) -> Value {
        let run = self.invoke();
        let event = run.event();
        if run.code != 0 || event.body.status != "ok" || event.body.error.is_some() || event.body.exception.is_some() {
            run.fail("expected an ok envelope and exit 0");
        }
        event
            .body
            .output
            .unwrap_or_else(|| run.fail("ok envelope without output"))
    }

    /// Asserts exit 1 and an error envelope carrying `preset`'s texts; answers with the run.
    #[track_caller]
    pub fn fails(self, preset: Preset) -> Run {
        let run = self.errs();
        let exception = run.exception();
        let (cause, assistance) = preset.texts();
        if exception.cause != cause || exception.assistance != assistance {
            run.fail(&format!("expected preset {preset:?}"));
        }
        run
    }

    /// Asserts exit 1 and the error of a write that may have been applied: `preset`'s cause, then that
    /// ThreatStream may have applied it; an assistance that says how to check (naming `check`, such
    /// as an action) instead of the preset's "try again".
    #[track_caller]
    pub fn fails_unconfirmed(self, preset: Preset, check: &str) -> Run {
        let run = self.errs();
        let exception = run.exception();
        let (cause, assistance) = preset.texts();
        let unconfirmed = exception.cause.starts_with(cause)
            && exception.cause.contains("ThreatStream may have applied")
            && exception.assistance != assistance
            && exception.assistance.contains(check)
            && !exception.assistance.contains("try again");
        if !unconfirmed {
            run.fail(&format!(
                "expected preset {preset:?}, told as a write that may have been applied, checked with {check}"
            ));
        }
        run
    }

    /// Asserts exit 1 and an error envelope whose cause names `what` (an input, a field).
    #[track_caller]
    pub fn refused_naming(self, what: &str) -> Run {
        let shown = self
            .message()
            .get("body")
            .map(|body| body["input"].to_string())
            .unwrap_or_default();
        let run = self.errs();
        if !run.exception().cause.contains(what) {
            run.fail(&format!(
                "the error for input {} should name '{what}'",
                shown.chars().take(200).collect::<String>()
            ));
        }
        run
    }

    /// Asserts exit 1 and an error envelope of any kind.
    #[track_caller]
    pub fn errs(self) -> Run {
        let run = self.invoke();
        let event = run.event();
        if run.code != 1 || event.body.status != "error" || event.body.output.is_some() {
            run.fail("expected an error envelope and exit 1");
        }
        let error = event.body.error.clone().unwrap_or_default();
        if !(error.starts_with("An error occurred during plugin execution!\n\n")
            || error.starts_with("Connection test failed!\n\n"))
        {
            run.fail("error text is not in the runtime's format");
        }
        run
    }
}

/// Reads a pipe to its end on a thread of its own.
pub fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `command`'s exit status and output, as `Command::output` gives them (stdin closed), but the process is
/// killed and the test fails past [`RUN_DEADLINE`]: every process a test spawns runs through this or
/// [`wait_at_most`].
#[track_caller]
pub fn output_of(command: &mut Command) -> Output {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{shown} does not start: {error}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_at_most(&mut child, RUN_DEADLINE, &shown);
    Output {
        status,
        stdout: stdout.join().unwrap_or_default().into_bytes(),
        stderr: stderr.join().unwrap_or_default().into_bytes(),
    }
}

/// Waits for `child`; past `deadline` it is killed and the test fails.
#[track_caller]
pub fn wait_at_most(child: &mut Child, deadline: Duration, what: &str) -> ExitStatus {
    let until = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().expect("waiting on the plugin works") {
            return status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            let what: String = what.chars().take(300).collect();
            panic!("the process did not finish within {deadline:?}; killed it. It was: {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Where the canary key shows up in the requests `sim` recorded other than in the Authorization
/// header (its URL path, its query, its body, any other header), one line per place; empty when it
/// travelled only where it should.
pub fn canary_leaks(sim: &Simulator) -> Vec<String> {
    let mut leaks = Vec::new();
    for (number, request) in sim.requests().iter().enumerate() {
        let mut places = Vec::new();
        if request.path.contains(CANARY_KEY) {
            places.push("path".to_owned());
        }
        if request.query.as_deref().unwrap_or_default().contains(CANARY_KEY) {
            places.push("query".to_owned());
        }
        if memchr::memmem::find(&request.body, CANARY_KEY.as_bytes()).is_some() {
            places.push("body".to_owned());
        }
        for (name, value) in &request.headers {
            if name != "authorization" && value.contains(CANARY_KEY) {
                places.push(format!("header {name}"));
            }
        }
        if !places.is_empty() {
            let at = format!("request {number}, {} {}", request.method, request.path);
            leaks.push(format!("{at}: {}", places.join(", ")));
        }
    }
    leaks
}

/// Fails unless `sim` received no request at all.
#[track_caller]
pub fn assert_untouched(sim: &Simulator) {
    let requests = sim.requests();
    assert!(requests.is_empty(), "requests reached the simulator: {requests:?}");
}

/// The requests the simulator received for `method` on `path`, in order.
pub fn requests_to(sim: &Simulator, method: &str, path: &str) -> Vec<threatstream_simulator::RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|request| request.method == method && request.path == path)
        .collect()
}

/// The JSON bodies of those requests (`null` for a body that is not JSON).
pub fn bodies_to(sim: &Simulator, method: &str, path: &str) -> Vec<Value> {
    requests_to(sim, method, path)
        .iter()
        .map(|request| serde_json::from_slice(&request.body).unwrap_or(Value::Null))
        .collect()
}

/// Runs each `(action, input, named)`: every one refused with an error naming `named`, and not one
/// request sent for any of them.
pub fn assert_refused_before_any_request<'a>(
    sim: &Simulator,
    cases: impl IntoIterator<Item = (&'a str, Value, &'a str)>,
) {
    for (action, input, named) in cases {
        Invocation::run(action).input(input).against(sim).refused_naming(named);
    }
    assert_untouched(sim);
}

/// Snapshots an envelope with insta, filtering out what changes between runs or releases and what
/// another crate words: the simulator's port, the plugin's version, serde_json's parse errors.
macro_rules! assert_event_snapshot {
    ($name:expr, $event:expr) => {{
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in $crate::harness::snapshot_filters() {
            settings.add_filter(&pattern, replacement);
        }
        settings.bind(|| insta::assert_json_snapshot!($name, $event));
    }};
}
pub(crate) use assert_event_snapshot;

pub fn snapshot_filters() -> Vec<(String, &'static str)> {
    vec![
        (r"http://127\.0\.0\.1:\d+".to_owned(), "http://127.0.0.1:[port]"),
        (format!(":{}", VERSION.replace('.', r"\.")), ":[version]"),
        (
            r"not valid JSON: [^.]*\.".to_owned(),
            "not valid JSON: [the parser's words].",
        ),
    ]
}
