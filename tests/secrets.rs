//! The API key travels only in the Authorization header: never in a URL, a query string or a body the
//! simulator receives, whatever the action and whatever the outcome. (The harness checks stdout and
//! stderr of every run, and every request a simulator recorded after each run `against` it.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use threatstream_simulator::{Fault, Simulator, USERNAME};

use crate::harness::{canary_leaks, simulator, Invocation, CANARY_KEY};

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
