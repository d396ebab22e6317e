//! The InsightConnect envelope: what the binary does with every kind of start message.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::harness::{
    assert_event_snapshot, connection, drain, output_of, plugin_command, simulator, wait_at_most, Invocation, Preset,
    CANARY_KEY, RUN_DEADLINE, VERSION,
};

fn cause(run: &crate::harness::Run) -> String {
    run.exception().cause
}

#[test]
fn meta_is_echoed_and_the_envelope_is_the_only_stdout_line() {
    let sim = simulator();
    let meta = json!({"jobId": "j-1", "stepId": "s-2", "nested": {"z": 1, "a": [1, 2]}});
    let run = Invocation::run("lookup_hash")
        .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
        .meta(meta.clone())
        .against(&sim)
        .invoke();
    let event = run.event();
    assert_eq!(event.body.meta, meta);
    assert_eq!(event.kind.as_deref(), Some("action_event"));
    assert_eq!(event.version, "v1");
    assert_eq!(run.stdout.lines().count(), 1, "stdout must hold only the envelope");
    assert!(run.stdout.starts_with("{\"body\":{\"log\":"), "runtime key order");
    let signature = format!("rapid7/Anomali ThreatStream:{VERSION}. Step name: lookup_hash");
    assert!(event.body.log.contains(&signature), "{}", event.body.log);
    assert!(
        run.stderr.contains("Step name: lookup_hash"),
        "log lines go to stderr too"
    );
}

#[test]
fn bad_stdin_gets_an_error_envelope() {
    let cases: [(&[u8], &str); 9] = [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (br#"{"version":"v1","body":{}}"#, "\"type\" missing from input message"),
        (
            br#"{"version":"v1","type":"trigger_start","body":{}}"#,
            "Message is trigger_start but field \"trigger\" is missing from body",
        ),
        (
            br#"{"version":"v9","type":"action_start","body":{}}"#,
            "Unsupported version 'v9'. Only v1 is supported",
        ),
        (
            br#"{"version":"v1","type":"action_start","body":{"input":{}}}"#,
            "Message is action_start but field \"action\" is missing from body",
        ),
        (
            br#"{"version":"v1","type":"action_start","body":{"action":"no_such_action"}}"#,
            "Unknown action \"no_such_action\"",
        ),
    ];
    for (stdin, expected) in cases {
        let run = Invocation::run("x").stdin_raw(stdin).errs();
        if !cause(&run).contains(expected) {
            run.fail(&format!("cause should contain {expected:?}"));
        }
    }
}

#[test]
fn not_json_snapshot() {
    let run = Invocation::run("x").stdin_raw("not json").errs();
    assert_event_snapshot!("not_json", run.json());
}

#[test]
fn invalid_connections_are_refused_before_any_request() {
    let sim = simulator();
    let base = connection(&sim);
    let mut cases = Vec::new();
    for (field, value, cause) in [
        // null is unset, as the published plugin's samples send optional fields, so this one is missing.
        (
            "username",
            json!(null),
            "The connection is invalid: (top level): \"username\"",
        ),
        ("username", json!(""), "The connection's username is empty."),
        (
            "api_key",
            json!("a-bare-string-key"),
            "The connection is invalid: /api_key:",
        ),
        (
            "api_key",
            json!({"secretKey": ""}),
            "The connection's API key is empty.",
        ),
        (
            "api_key",
            // Any string under `key` is a secret, masked wherever it appears: a one-letter one would
            // mask that letter in the error text too.
            json!({"key": "wrong-place-for-the-key"}),
            "The connection is invalid: /api_key: \"secretKey\"",
        ),
        (
            "url",
            json!("ts.example.com"),
            "The connection's ThreatStream URL cannot be used: 'ts.example.com' is not an absolute URL",
        ),
        (
            "url",
            json!("ftp://ts.example.com"),
            "The connection's ThreatStream URL cannot be used: the URL must start with https:// or http://.",
        ),
        ("ssl_verify", json!("yes"), "The connection is invalid: /ssl_verify:"),
        ("api_version", json!("v3"), "The connection is invalid: /api_version:"),
        ("timeout", json!(0), "The connection is invalid: /timeout:"),
    ] {
        let mut connection = base.clone();
        connection[field] = value;
        cases.push((connection, cause));
    }
    let mut without_url = base.clone();
    without_url.as_object_mut().map(|fields| fields.remove("url"));
    cases.push((without_url, "The connection is invalid: (top level): \"url\""));
    for (connection, expected) in cases {
        let run = Invocation::run("lookup_ip")
            .input(json!({"ip_address": "198.51.100.23"}))
            .connection(connection)
            .errs();
        if !cause(&run).starts_with(expected) {
            run.fail(&format!("the cause should start with {expected:?}"));
        }
    }
    assert!(sim.requests().is_empty());
}

#[test]
fn test_command_checks_the_connection() {
    let sim = simulator();
    let output = Invocation::test("lookup_ip").against(&sim).ok();
    assert_eq!(output, json!({"connection": "Successful"}));
    let request = &sim.requests()[0];
    assert_eq!(request.path, "/api/v2/intelligence/");
    assert_eq!(request.query.as_deref(), Some("limit=1"));
}

#[test]
fn test_command_failure_uses_connection_test_text() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["api_key"] = json!({"secretKey": "wrong"});
    let run = Invocation::test("lookup_ip")
        .connection(connection)
        .fails(Preset::InvalidCredentials);
    let error = run.event().body.error.unwrap_or_default();
    assert!(
        error.starts_with("Connection test failed!\n\nAuthentication failed: invalid credentials."),
        "{error}"
    );
    assert!(error.contains(" Response was: "), "{error}");
    assert_event_snapshot!("test_invalid_credentials", run.json());
}

#[test]
fn connection_test_message_answers_with_connection_test_type() {
    let sim = simulator();
    let message = json!({"version": "v1", "type": "connection_test", "body": {"connection": connection(&sim)}});
    let run = Invocation::test("").stdin_raw(message.to_string()).invoke();
    let event = run.event();
    assert_eq!(event.kind.as_deref(), Some("connection_test"));
    assert_eq!(event.body.output, Some(json!({"connection": "Successful"})));
}

#[test]
fn message_after_double_dash_and_debug_after_subcommand() {
    let sim = simulator();
    let message = Invocation::run("lookup_hash")
        .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
        .against(&sim)
        .message();
    let output = output_of(plugin_command().args(["run", "--debug", "--", &message.to_string()]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let event: Value = serde_json::from_slice(&output.stdout).expect("envelope");
    assert_eq!(event["body"]["output"]["results"].as_array().map(Vec::len), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("Page 1"),
        "debug lines on stderr"
    );
}

#[test]
fn info_sample_and_version() {
    let info = output_of(plugin_command().arg("info"));
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        text.starts_with("Name:        \u{1b}[92mAnomali ThreatStream\u{1b}[0m\n"),
        "{text}"
    );
    // The runtime greens the count and each id, and leaves a stray reset after each description.
    let count = anomali_threatstream::action_ids().count();
    assert!(
        text.contains(&format!(
            "\nActions (\u{1b}[92m{count}\u{1b}[0m):\n\
             └── \u{1b}[92mlookup_ip\u{1b}[0m (Lookup an IP address in Anomali ThreatStream\u{1b}[0m)\n"
        )),
        "{text}"
    );
    for id in anomali_threatstream::action_ids() {
        assert!(
            text.contains(&format!("└── \u{1b}[92m{id}\u{1b}[0m (")),
            "{id} in {text}"
        );
    }
    assert!(text.ends_with("\u{1b}[0m)\n\n"), "print() adds a blank line: {text:?}");

    let sample = output_of(plugin_command().args(["sample", "lookup_url"]));
    // Python's json.dump: one line, ", " and ": " separators; then a line break, which Python leaves out.
    let printed = String::from_utf8_lossy(&sample.stdout);
    assert!(
        printed.starts_with(
            r#"{"body": {"action": "lookup_url", "meta": {}, "input": {"url": "", "malicious_threshold": 0, "#
        ),
        "{printed}"
    );
    assert!(
        printed.ends_with("}, \"type\": \"action_start\", \"version\": \"v1\"}\n"),
        "{printed}"
    );
    assert_eq!(printed.lines().count(), 1, "{printed}");
    let message: Value = serde_json::from_slice(&sample.stdout).expect("sample is JSON");
    assert_eq!(message["body"]["action"], "lookup_url");
    assert_eq!(
        message["body"]["input"],
        json!({"url": "", "malicious_threshold": 0, "suspicious_threshold": 0, "include_inactive": false,
            "severity_escalates": false})
    );
    assert_eq!(message["body"]["connection"]["api_key"], json!({"secretKey": ""}));
    assert_eq!(message["type"], "action_start");

    let unknown = output_of(plugin_command().args(["sample", "nope"]));
    assert_eq!(unknown.status.code(), Some(1));

    let version = output_of(plugin_command().arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("icon_anomali_threatstream {VERSION}")
    );
}

/// `help`, `--help` and no arguments at all print the same help on stdout and exit 0 (the runtime's
/// plugins answer no arguments so, §1.1); `help run` is the help of `run`; an unknown command is a
/// usage error on stderr, exit 2.
#[test]
fn help_in_every_spelling() {
    let help = |args: &[&str]| {
        let output = output_of(plugin_command().args(args));
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(
            output.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let full = help(&["help"]);
    assert!(
        full.contains("Usage: icon_anomali_threatstream [OPTIONS] [COMMAND]"),
        "{full}"
    );
    for command in ["run", "test", "info", "sample", "http", "help"] {
        assert!(full.contains(&format!("\n  {command} ")), "{command} in {full}");
    }
    assert_eq!(help(&["--help"]), full);
    assert_eq!(help(&[]), full);
    assert!(help(&["help", "run"]).contains("Usage: icon_anomali_threatstream run"));
    let unknown = output_of(plugin_command().arg("lookup"));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unrecognized subcommand 'lookup'"));
}

/// A stdout closed before the plugin starts (the Rust runtime then hands it `/dev/null`, where every
/// write succeeds) would lose the event in silence: nothing runs, exit 1, a line on stderr. A
/// redirection to `/dev/null` is a choice, and runs.
#[test]
fn a_closed_stdout_runs_nothing_and_exits_1() {
    let sim = simulator();
    let message = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .message()
        .to_string();
    let run_with = |redirect: &str| {
        // The plugin's environment, with a shell in front to set up its stdout.
        let mut shell = Command::new("sh");
        for (name, value) in plugin_command().get_envs() {
            match value {
                Some(value) => shell.env(name, value),
                None => shell.env_remove(name),
            };
        }
        let child = shell
            .args(["-c", &format!("exec \"$0\" run {redirect}"), crate::harness::BIN])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh runs the plugin");
        finished_with(child, &message)
    };
    let (code, stderr) = run_with(">&-");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("standard output is closed, so the step's event would be lost: nothing was run"),
        "{stderr}"
    );
    assert!(sim.requests().is_empty(), "nothing ran: {:?}", sim.requests());
    let (code, stderr) = run_with(">/dev/null");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(sim.requests().len(), 1);
}

/// A reader that went away before the event was written: the step ran, its event is lost, and the
/// exit status says so.
#[test]
fn a_stdout_whose_reader_went_away_exits_1_with_a_line_on_stderr() {
    let sim = simulator();
    let message = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .message()
        .to_string();
    let mut child = plugin_command()
        .arg("run")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the plugin starts");
    drop(child.stdout.take());
    let (code, stderr) = finished_with(child, &message);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("ERROR: the step's event could not be written to standard output (Broken pipe"),
        "{stderr}"
    );
    assert_eq!(sim.requests().len(), 1, "the step ran");
}

/// Writes `message` to the child's stdin and waits for it; its exit code and stderr.
fn finished_with(mut child: std::process::Child, message: &str) -> (Option<i32>, String) {
    let stderr = drain(child.stderr.take());
    let stdout = drain(child.stdout.take());
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let _ = stdin.write_all(message.as_bytes());
    drop(stdin);
    let status = wait_at_most(&mut child, RUN_DEADLINE, message);
    let _ = stdout.join();
    let stderr = stderr.join().unwrap_or_default();
    assert!(!stderr.contains(CANARY_KEY), "{stderr}");
    (status.code(), stderr)
}
