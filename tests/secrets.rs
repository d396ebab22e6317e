//! The API key travels only in the Authorization header: never in a URL, a query string or a body the
//! simulator receives, whatever the action and whatever the outcome. (The harness checks stdout and
//! stderr of every run, and every request a simulator recorded after each run `against` it.) And a
//! ThreatStream that echoes the key back (in a record's field, a field's name, a session's status)
//! gets it masked on every way out: the event `run` prints, stderr and the event's log, each event a
//! trigger delivers, a task's output; `http` mode's answers are in tests/server.rs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Receiver, Simulator, USERNAME};

use crate::harness::{
    canary_leaks, connection, simulator, simulator_processing_for, trigger_message, wait_until, Invocation, Running,
    Workspace, CANARY_KEY,
};

/// A record whose description quotes the key and which has a field named after it, as a tenant that
/// echoes the key (or a hostile one that plants it) would answer.
fn plant_echoing_record(sim: &Simulator, value: &str) -> Value {
    let added = sim
        .add_records(&[json!({"value": value, "description": format!("echo {CANARY_KEY} echo")})])
        .expect("the record is added");
    let id = added[0]["id"].as_u64().expect("an id");
    sim.change_record(id, |record| record[CANARY_KEY] = json!("a field named after the key"))
        .expect("the record is changed")
}

#[test]
fn a_key_echoed_in_records_is_masked_in_what_run_prints() {
    let sim = simulator();
    plant_echoing_record(&sim, "198.51.100.201");
    // The harness fails the run if the key reaches stdout or stderr.
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.201"}))
        .against(&sim)
        .ok();
    let record = &output["results"][0];
    assert_eq!(record["description"], "echo ******** echo");
    assert_eq!(record["********"], "a field named after the key");
    let output = Invocation::run("lookup_observables")
        .input(json!({"observables": ["198.51.100.201"], "include_records": true}))
        .against(&sim)
        .ok();
    assert!(output.to_string().contains("echo ******** echo"), "{output}");
}

#[test]
fn a_key_echoed_in_a_logged_answer_is_masked_on_stderr_and_in_the_log() {
    let sim = simulator_processing_for(Duration::ZERO);
    // Every read of an import session answers with the key as its status, which the import logs.
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 200,
            body: json!({"id": 7, "status": CANARY_KEY, "numIndicators": 1}).to_string(),
        })
        .path_prefix("/api/v1/importsession/")
        .always(),
    );
    let run = Invocation::run("add_approval_indicator")
        .input(json!({"datatext": "203.0.113.61", "wait_for_processing": 5}))
        .against(&sim)
        .invoke();
    let event = run.event();
    assert_eq!((run.code, event.body.status.as_str()), (0, "ok"), "{}", run.stdout);
    let line = "is ********\n";
    assert!(event.body.log.contains(line), "the log: {}", event.body.log);
    assert!(run.stderr.contains(line), "stderr: {}", run.stderr);
    let output = event.body.output.expect("an output");
    assert_eq!(output["import_session"]["status"], "********", "{output}");
}

#[test]
fn a_key_echoed_in_records_is_masked_in_trigger_events_and_task_output() {
    let (sim, receiver, workspace) = (simulator(), Receiver::start(), Workspace::new("secrets"));
    let running = Running::start(
        &trigger_message(
            &sim,
            Some(&receiver),
            json!({"stability_window_seconds": 0}),
            "t-secrets",
        ),
        &workspace,
        false,
    );
    wait_until("the first start saving its cursor", || {
        workspace.state("t-secrets").is_some()
    });
    let before = sim.last_update_id();
    let planted = plant_echoing_record(&sim, "echo.secrets.example");
    wait_until("the record delivered", || {
        receiver
            .update_ids()
            .contains(&planted["update_id"].as_u64().unwrap_or_default())
    });
    workspace.raise_terminate_flag();
    running.finish().stopped_cleanly();
    let events: Vec<String> = receiver.events().iter().map(|event| event.body.to_string()).collect();
    assert!(events.iter().all(|event| !event.contains(CANARY_KEY)), "{events:?}");
    let last = receiver.events().pop().expect("an event");
    let observable = &last.body["body"]["output"]["observable"];
    assert_eq!(observable["description"], "echo ******** echo", "{observable}");
    assert_eq!(observable["********"], "a field named after the key", "{observable}");

    let task = json!({"version": "v1", "type": "task_start",
                      "body": {"task": "monitor_observables", "meta": {}, "state": {"cursor": before},
                               "input": {"stability_window_seconds": 0}, "connection": connection(&sim)}});
    let run = Invocation::run("monitor_observables")
        .stdin_raw(task.to_string())
        .invoke();
    let output = run.event().body.output.expect("an output");
    assert_eq!(output[0]["description"], "echo ******** echo", "{output}");
}

#[test]
fn the_key_is_only_ever_in_the_authorization_header() {
    let sim = simulator();
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .ok();
    Invocation::run("lookup_url")
        .input(json!({"url": "http://malicious.example.net/payload.exe"}))
        .against(&sim)
        .ok();
    Invocation::run("lookup_hash")
        .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
        .against(&sim)
        .ok();
    Invocation::test("lookup_ip").against(&sim).ok();
    // A 500 is not retried: one request, one fault.
    sim.push_fault(Fault::Status {
        status: 500,
        body: format!("{{\"echo\": \"{CANARY_KEY}\"}}"),
    });
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .errs();
    let data = run.exception().data;
    assert_eq!(
        data, "{\"echo\": \"********\"}",
        "an echoed key is masked in error data"
    );

    let requests = sim.requests();
    assert_eq!(
        requests.len(),
        5,
        "three lookups, the test, the failing lookup: {requests:?}"
    );
    // The harness checked each run's requests already (`canary_leaks`); the key did travel, in the one
    // place it should.
    assert_eq!(canary_leaks(&sim), Vec::<String>::new());
    let expected = format!("apikey {USERNAME}:{CANARY_KEY}");
    for request in requests {
        assert_eq!(request.header("authorization"), Some(expected.as_str()), "{request:?}");
    }
}

/// The harness's check is not vacuous: the key anywhere else in a request the simulator received is
/// found, and said where.
#[test]
fn the_harness_finds_the_key_wherever_else_a_request_carries_it() {
    let sim = simulator();
    assert_eq!(canary_leaks(&sim), Vec::<String>::new(), "nothing received yet");
    let sent = [
        format!("GET /api/v2/intelligence/?api_key={CANARY_KEY} HTTP/1.1\r\n"),
        format!("GET /api/v1/inteldetails/whois/{CANARY_KEY}/ HTTP/1.1\r\n"),
        format!("GET /api/v2/intelligence/ HTTP/1.1\r\nX-Api-Key: {CANARY_KEY}\r\n"),
        format!(
            "PATCH /api/v2/intelligence/ HTTP/1.1\r\nContent-Length: {}\r\n\r\n{CANARY_KEY}",
            CANARY_KEY.len()
        ),
    ];
    for request in &sent {
        send_raw(&sim, request);
    }
    let leaks = canary_leaks(&sim);
    assert_eq!(
        leaks,
        [
            "request 0, GET /api/v2/intelligence/: query",
            &format!("request 1, GET /api/v1/inteldetails/whois/{CANARY_KEY}/: path"),
            "request 2, GET /api/v2/intelligence/: header x-api-key",
            "request 3, PATCH /api/v2/intelligence/: body",
        ]
    );
    // And a run against that simulator fails on them.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Invocation::run("lookup_ip")
            .input(json!({"ip_address": "198.51.100.23"}))
            .against(&sim)
            .ok()
    }));
    let failure = run.expect_err("the harness fails the run");
    let message = failure.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.starts_with("the API key reached the simulator outside the Authorization header"),
        "{message}"
    );
}

/// Sends `head` (the request line and any headers; a body after a blank line) as one HTTP/1.1
/// request and reads the answer to its end.
fn send_raw(sim: &Simulator, head: &str) {
    let mut stream = TcpStream::connect(sim.addr()).expect("the simulator accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read time-out");
    let request = if head.contains("\r\n\r\n") {
        head.replacen("\r\n\r\n", "\r\nHost: simulator\r\nConnection: close\r\n\r\n", 1)
    } else {
        format!("{head}Host: simulator\r\nConnection: close\r\n\r\n")
    };
    stream.write_all(request.as_bytes()).expect("the request is written");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
}
