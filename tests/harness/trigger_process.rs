//! A running trigger as a test drives it: the binary with a trigger_start message, a workspace of its
//! own (the state cache and the terminate flag), signals, and what it left when it stopped, checked
//! for the API key.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{drain, output_of, plugin_command, CANARY_KEY};

/// Every wait in these tests ends by then: a trigger that has not delivered by now has stalled.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A workspace of its own per test (the state cache and the terminate flag), removed afterwards.
pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    pub fn new(name: &str) -> Workspace {
        let root = std::env::temp_dir().join(format!("anomali-trigger-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("tmp")).expect("a temporary workspace");
        Workspace { root }
    }

    pub fn state_file(&self, trigger_id: &str) -> PathBuf {
        self.root.join("cache").join(format!("{trigger_id}.json"))
    }

    /// The saved state, checked for the API key.
    pub fn state(&self, trigger_id: &str) -> Option<Value> {
        let text = std::fs::read_to_string(self.state_file(trigger_id)).ok()?;
        assert!(!text.contains(CANARY_KEY), "the API key leaked into the state file");
        Some(serde_json::from_str(&text).expect("the state file is JSON"))
    }

    pub fn raise_terminate_flag(&self) {
        std::fs::write(self.root.join("tmp").join("terminate_trigger.flag"), b"").expect("the flag is written");
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The trigger as a process; killed if still running when dropped.
pub struct Running {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

/// What a stopped trigger left.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    pub fn start(message: &Value, workspace: &Workspace, debug: bool) -> Running {
        let mut running = Running::waiting(workspace, debug, &[]);
        running.send(message);
        running
    }

    /// The trigger with no one reading its stdout: the pipe's reader is gone from the start.
    pub fn start_unread(message: &Value, workspace: &Workspace, debug: bool) -> Running {
        let mut running = Running::spawn(workspace, debug, &[], false);
        running.send(message);
        running
    }

    /// The binary started with `run` (after `args`), waiting for its start message (`send`).
    pub fn waiting(workspace: &Workspace, debug: bool, args: &[&str]) -> Running {
        Running::spawn(workspace, debug, args, true)
    }

    fn spawn(workspace: &Workspace, debug: bool, args: &[&str], read_stdout: bool) -> Running {
        let mut command = plugin_command();
        command
            .env("ANOMALI_THREATSTREAM_WORKSPACE", &workspace.root)
            .env("ANOMALI_THREATSTREAM_TEST_POLL_MS", "20");
        if debug {
            command.arg("--debug");
        }
        let mut child = command
            .args(args)
            .arg("run")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the plugin binary starts");
        let stdout = if read_stdout {
            Some(drain(child.stdout.take()))
        } else {
            drop(child.stdout.take());
            None
        };
        let stderr = drain(child.stderr.take());
        Running {
            stdin: child.stdin.take(),
            child: Some(child),
            stdout,
            stderr: Some(stderr),
        }
    }

    /// Writes the start message and closes stdin.
    pub fn send(&mut self, message: &Value) {
        let mut stdin = self.stdin.take().expect("stdin is still open");
        stdin
            .write_all(message.to_string().as_bytes())
            .expect("the message is written");
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Whether the process has a thread named `name` (Linux: /proc/<pid>/task/*/comm).
    pub fn has_thread(&self, name: &str) -> bool {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid()));
        tasks
            .into_iter()
            .flatten()
            .flatten()
            .any(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name))
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let sent = output_of(Command::new("kill").args([signal, &pid]));
        assert!(sent.status.success(), "kill {signal} {pid}");
    }

    /// SIGKILL: no chance to save anything.
    pub fn kill(mut self) -> Finished {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        self.finish()
    }

    /// Waits for the process to end by itself, at most `DEADLINE`.
    pub fn finish(mut self) -> Finished {
        drop(self.stdin.take());
        let mut child = self.child.take().expect("running");
        let until = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting works") {
                break status;
            }
            if Instant::now() > until {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the trigger did not stop within {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let join =
            |pipe: Option<JoinHandle<String>>| pipe.map(|pipe| pipe.join().unwrap_or_default()).unwrap_or_default();
        let finished = Finished {
            code: status.code(),
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        };
        assert!(
            !finished.stdout.contains(CANARY_KEY) && !finished.stderr.contains(CANARY_KEY),
            "the API key leaked into the trigger's output: {finished:?}"
        );
        finished
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Finished {
    /// The last line of stdout: the trigger's final envelope.
    pub fn envelope(&self) -> Value {
        let last = self
            .stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no envelope: {self:?}"));
        serde_json::from_str(last).unwrap_or_else(|error| panic!("the envelope is not JSON ({error}): {self:?}"))
    }

    #[track_caller]
    pub fn stopped_cleanly(&self) {
        assert_eq!(self.code, Some(0), "{self:?}");
        let envelope = self.envelope();
        assert_eq!(envelope["type"], "trigger_event", "{self:?}");
        assert_eq!(envelope["body"]["status"], "ok", "{self:?}");
        assert_eq!(envelope["body"]["output"], Value::Null, "{self:?}");
    }
}

/// Waits until `done` holds, at most `DEADLINE`.
#[track_caller]
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + DEADLINE;
    while !done() {
        assert!(Instant::now() < until, "{what} did not happen within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
