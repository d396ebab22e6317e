//! One way to build clients and read answers, so each test says only what
//! it checks.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use threatstream_simulator::{Simulator, USERNAME};

pub(crate) const KEY: &str = "test-api-key-0123";

pub(crate) fn start() -> Simulator {
    Simulator::start(KEY)
}

/// A simulator whose import sessions are ready for review at once.
pub(crate) fn ready_at_once() -> Simulator {
    Simulator::builder()
        .api_key(KEY)
        .import_delay(std::time::Duration::ZERO)
        .start()
}

pub(crate) fn auth() -> String {
    format!("apikey {USERNAME}:{KEY}")
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build a reqwest client")
}

/// GET with the right credentials; `path` includes any query.
pub(crate) async fn get(sim: &Simulator, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", sim.url()))
        .header("authorization", auth())
        .send()
        .await
        .expect("the simulator answers")
}

pub(crate) async fn get_json(sim: &Simulator, path: &str) -> (u16, Value) {
    let response = get(sim, path).await;
    let status = response.status().as_u16();
    let body = json_of(response).await;
    (status, body)
}

pub(crate) fn values(page: &Value) -> Vec<String> {
    page["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .map(|o| o["value"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes a body as JSON without reqwest's `json` feature, which would
/// change the plugin's reqwest build when the whole workspace is tested.
pub(crate) async fn json_of(response: reqwest::Response) -> Value {
    let bytes = response.bytes().await.expect("a body");
    serde_json::from_slice(&bytes).expect("a JSON body")
}

/// Any method, with an optional JSON body, with the right credentials.
pub(crate) async fn send(sim: &Simulator, method: &str, path: &str, body: Option<&Value>) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let mut request = client()
        .request(method, format!("{}{path}", sim.url()))
        .header("authorization", auth());
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    request.send().await.expect("the simulator answers")
}

/// Status and body; an empty body reads as `null`.
pub(crate) async fn send_json(sim: &Simulator, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let response = send(sim, method, path, body).await;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    (status, serde_json::from_slice(&bytes).expect("a JSON body"))
}

/// A control route, no credentials: status and body (`null` when empty).
pub(crate) async fn control(sim: &Simulator, method: &str, name: &str, body: Option<&Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let mut request = client().request(method, format!("{}/__simulator/{name}", sim.url()));
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    (status, body)
}

/// The v2 search path for these query pairs, encoded.
pub(crate) fn search_path(pairs: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().copied())
        .finish();
    format!("/api/v2/intelligence/?{query}")
}

/// Every object of a v2 search, following `meta.next` to the end.
pub(crate) async fn search_all(sim: &Simulator, pairs: &[(&str, &str)]) -> Vec<Value> {
    let mut path = search_path(pairs);
    let mut objects = Vec::new();
    for _ in 0..1000 {
        let (status, page) = get_json(sim, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        objects.extend(page["objects"].as_array().cloned().unwrap_or_default());
        match page["meta"]["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => return objects,
        }
    }
    panic!("more than 1000 pages for {pairs:?}");
}

/// POST a multipart form with the right credentials: status and JSON body.
pub(crate) async fn post_multipart(sim: &Simulator, path: &str, form: reqwest::multipart::Form) -> (u16, Value) {
    let response = client()
        .post(format!("{}{path}", sim.url()))
        .header("authorization", auth())
        .multipart(form)
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status().as_u16();
    (status, json_of(response).await)
}

/// The simulator's binary as a child process, killed when dropped: a failed
/// assertion (a panic) never leaves it running.
pub(crate) struct BinProcess {
    child: Child,
    /// The first line it printed.
    pub(crate) line: String,
}

impl BinProcess {
    /// Starts the binary with `args` and waits (at most 30 s) for its first
    /// line, which announces where it listens.
    pub(crate) fn start(args: &[&str]) -> BinProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threatstream-simulator"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the bin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (first_line, line) = mpsc::channel();
        // Reads to the end, so the bin never writes into a closed pipe; the
        // end comes when the bin is killed.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_line.send(lines.next().and_then(Result::ok).unwrap_or_default());
            lines.for_each(drop);
        });
        let mut bin = BinProcess {
            child,
            line: String::new(),
        };
        bin.line = line
            .recv_timeout(Duration::from_secs(30))
            .expect("the bin prints a line within 30 s");
        bin
    }

    /// The URL the first line announces (`listening on URL`).
    #[track_caller]
    pub(crate) fn url(&self) -> String {
        let announced = self.line.trim().strip_prefix("listening on ");
        announced
            .unwrap_or_else(|| panic!("announced {:?}", self.line))
            .to_owned()
    }
}

/// Runs the simulator's binary to its end (stdin closed), as `Command::output` does, but killed and
/// failed past 30 s: for the runs that exit by themselves (`--help`, bad arguments, a busy port).
pub(crate) fn bin_output(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threatstream-simulator"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the bin");
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let until = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait on the bin") {
            break status;
        }
        if std::time::Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("threatstream-simulator {args:?} did not exit within 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

impl Drop for BinProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 20 ms until it answers `Some`, or fails after `deadline`.
pub(crate) async fn wait_for<T, F, Fut>(what: &str, deadline: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            started.elapsed() < deadline,
            "gave up after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
