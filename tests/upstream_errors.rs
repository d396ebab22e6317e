//! ThreatStream failing in every way it can: each HTTP status and transport error becomes the
//! runtime's preset, with the response body as `data`, exit code 1, and nothing lost on stdout.

use std::time::Duration;

use serde_json::json;
use threatstream_simulator::{Fault, Simulator};

use crate::harness::{assert_event_snapshot, connection, simulator, Invocation, Preset};

fn lookup(sim: &Simulator) -> Invocation<'_> {
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(sim)
}

#[test]
fn wrong_api_key_is_invalid_credentials() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["api_key"] = json!({"secretKey": "wrong-key"});
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .connection(connection)
        .fails(Preset::InvalidCredentials);
    assert_event_snapshot!("lookup_ip_invalid_credentials", run.json());
}

#[test]
fn every_status_maps_to_its_preset_with_the_body_as_data() {
    let table = [
        (400, Preset::BadRequest),
        (401, Preset::InvalidCredentials),
        (403, Preset::Unauthorized),
        (404, Preset::NotFound),
        (405, Preset::MethodNotAllowed),
        (408, Preset::Timeout),
        (409, Preset::Conflict),
        (429, Preset::RateLimit),
        (500, Preset::ServerError),
        (502, Preset::ServerError),
        (503, Preset::ServiceUnavailable),
        (504, Preset::ServerError),
        (418, Preset::Unknown),
    ];
    let sim = simulator();
    for (status, preset) in table {
        let body = format!("{{\"message\": \"simulated {status}\"}}");
        for _ in 0..8 {
            sim.push_fault(Fault::Status {
                status,
                body: body.clone(),
            });
        }
        let run = lookup(&sim).fails(preset);
        sim.clear_faults();
        let data = run.exception().data;
        if data != body {
            run.fail(&format!("HTTP {status}: data should be the response body"));
        }
    }
}

#[test]
fn a_proxy_html_page_is_invalid_json() {
    let sim = simulator();
    for _ in 0..8 {
        sim.push_fault(Fault::Html { status: 200 });
    }
    lookup(&sim).fails(Preset::InvalidJson);
}

#[test]
fn truncated_json_is_invalid_json() {
    let sim = simulator();
    sim.push_fault(Fault::BrokenJson);
    lookup(&sim).fails(Preset::InvalidJson);
}

#[test]
fn wrong_json_types_name_the_field() {
    let sim = simulator();
    sim.push_fault(Fault::WrongTypes);
    let run = lookup(&sim).fails(Preset::InvalidJson);
    let data = run.exception().data;
    if !data.contains("objects") {
        run.fail("the data should name the offending field");
    }
}

#[test]
fn a_dropped_connection_is_a_connection_error() {
    let sim = simulator();
    for _ in 0..8 {
        sim.push_fault(Fault::DropConnection);
    }
    lookup(&sim).fails(Preset::ConnectionError);
}

#[test]
fn nothing_listening_is_a_connection_error() {
    let sim = simulator();
    let mut connection = connection(&sim);
    drop(sim);
    connection["url"] = json!("http://127.0.0.1:9");
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .connection(connection)
        .fails(Preset::ConnectionError);
}

#[test]
fn a_hung_server_times_out_within_the_connection_timeout() {
    let sim = simulator();
    for _ in 0..8 {
        sim.push_fault(Fault::Slow(Duration::from_secs(30)));
    }
    let mut connection = connection(&sim);
    connection["timeout"] = json!(1);
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .connection(connection)
        .fails(Preset::Timeout);
}

#[test]
fn endless_pages_end_in_a_clear_error() {
    let sim = simulator();
    sim.push_fault(Fault::EndlessPages);
    let run = lookup(&sim).errs();
    let cause = run.exception().cause;
    if !cause.contains("pages") {
        run.fail("the cause should say paging did not end");
    }
    assert!(
        sim.requests().len() <= 3,
        "the repeat should be noticed at once, not after {} pages",
        sim.requests().len()
    );
}
