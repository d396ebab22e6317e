//! The plugin's `http` mode as a test drives it: the binary started as `http --port 0 --bind
//! 127.0.0.1`, reqwest in front, its stderr kept (and checked for the API key when it stops).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{output_of, plugin_command, Invocation, CANARY_KEY};

/// The plugin binary serving on a free loopback port; killed when dropped.
pub(crate) struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    client: reqwest::Client,
}

/// One HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) text: String,
}

impl Answer {
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|error| panic!("not JSON ({error}): {self:?}"))
    }

    /// Asserts the status and answers with the JSON body.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        self.json()
    }
}

impl Server {
    #[track_caller]
    pub(crate) fn start() -> Server {
        Server::start_with(&[], &[])
    }

    /// `start`, with more arguments after `http` and variables in the environment.
    #[track_caller]
    pub(crate) fn start_with(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = plugin_command()
            .args(["http", "--port", "0", "--bind", "127.0.0.1"])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the plugin binary starts");
        let lines = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (listening, address) = std::sync::mpsc::channel();
        // Drained all along: a full pipe would block the server's log writes.
        std::thread::spawn({
            let stderr = Arc::clone(&stderr);
            move || {
                for line in lines.lines().map_while(Result::ok) {
                    if let Some(url) = line.trim().strip_prefix("listening on ") {
                        let _ = listening.send(url.to_owned());
                    }
                    let mut log = stderr.lock().expect("stderr log");
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let base = address.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "the server did not say where it listens within 30 s:\n{}",
                stderr.lock().expect("stderr log")
            )
        });
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("a test client");
        Server {
            child,
            base,
            stderr,
            client,
        }
    }

    /// `http://127.0.0.1:PORT`, where it listens.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr log").clone()
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        read(self.client.get(self.url(path)).send().await).await
    }

    pub(crate) async fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> Answer {
        read(self.client.post(self.url(path)).body(body).send().await).await
    }

    pub(crate) async fn request(&self, method: reqwest::Method, path: &str) -> Answer {
        read(self.client.request(method, self.url(path)).send().await).await
    }

    /// Posts `invocation`'s start message to `path`.
    pub(crate) async fn send(&self, path: &str, invocation: &Invocation<'_>) -> Answer {
        self.post(path, invocation.message().to_string()).await
    }

    pub(crate) fn terminate(&self) {
        let sent = output_of(Command::new("kill").args(["-TERM", &self.child.id().to_string()]));
        assert!(sent.status.success());
    }

    /// Waits for the process to exit on its own and answers with its exit code.
    pub(crate) fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not exit:\n{}", self.stderr());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            assert!(!self.stderr().contains(CANARY_KEY), "the API key leaked into stderr");
        }
    }
}

async fn read(sent: reqwest::Result<reqwest::Response>) -> Answer {
    let response = sent.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a readable body");
    Answer {
        status,
        content_type,
        text,
    }
}
