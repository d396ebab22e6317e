//! Riding out what real networks do: rate limits, restarting gateways, broken connections, TLS
//! interception and proxies. Idempotent calls are retried within bounds; the import never is.

use serde_json::json;
use threatstream_simulator::{Fault, Simulator};

use crate::harness::{connection, simulator, simulator_builder, Invocation, Preset};

fn lookup(sim: &Simulator) -> Invocation<'_> {
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(sim)
}

fn log(run: &crate::harness::Run) -> String {
    run.event().body.log
}

#[test]
fn a_gateway_hiccup_is_retried_and_logged() {
    let sim = simulator();
    sim.push_fault(Fault::Status {
        status: 503,
        body: "{}".into(),
    });
    sim.push_fault(Fault::Status {
        status: 502,
        body: "{}".into(),
    });
    let run = lookup(&sim).invoke();
    let event = run.event();
    if event.body.status != "ok" {
        run.fail("two gateway errors should be ridden out");
    }
    assert_eq!(sim.requests().len(), 3);
    let log = log(&run);
    assert!(
        log.contains("WARNING: ThreatStream answered HTTP 503; retrying in"),
        "{log}"
    );
    assert!(log.contains("(attempt 3 of 4)"), "{log}");
}

#[test]
fn rate_limits_wait_as_long_as_the_server_asks() {
    let sim = simulator();
    sim.push_fault(Fault::RateLimited {
        retry_after: Some("1".into()),
    });
    let run = lookup(&sim).invoke();
    assert_eq!(run.event().body.status, "ok", "{}", run.stdout);
    assert!(
        log(&run).contains("retrying in 1.0 s (attempt 2 of 4)"),
        "{}",
        log(&run)
    );
}

#[test]
fn a_rate_limit_beyond_the_budget_fails_at_once() {
    let sim = simulator();
    sim.push_fault(Fault::RateLimited {
        retry_after: Some("3600".into()),
    });
    lookup(&sim).fails(Preset::RateLimit);
    assert_eq!(sim.requests().len(), 1, "an hour's wait is not attempted");
}

#[test]
fn a_dropped_connection_is_retried() {
    let sim = simulator();
    sim.push_fault(Fault::DropConnection);
    let run = lookup(&sim).invoke();
    assert_eq!(run.event().body.status, "ok", "{}", run.stdout);
    assert_eq!(sim.requests().len(), 2);
}

#[test]
fn persistent_unavailability_gives_up_after_four_attempts() {
    let sim = simulator();
    for _ in 0..10 {
        sim.push_fault(Fault::Status {
            status: 503,
            body: "{\"message\": \"maintenance\"}".into(),
        });
    }
    lookup(&sim).fails(Preset::ServiceUnavailable);
    assert_eq!(sim.requests().len(), 4);
}

#[test]
fn errors_that_will_not_change_are_not_retried() {
    let sim = simulator();
    for (fault, preset) in [
        (
            Fault::Status {
                status: 500,
                body: "{}".into(),
            },
            Preset::ServerError,
        ),
        (
            Fault::Status {
                status: 400,
                body: "{}".into(),
            },
            Preset::BadRequest,
        ),
        (Fault::Html { status: 200 }, Preset::InvalidJson),
    ] {
        sim.clear_requests();
        sim.push_fault(fault);
        lookup(&sim).fails(preset);
        assert_eq!(sim.requests().len(), 1);
    }
}

#[test]
fn the_connection_test_is_retried_too() {
    let sim = simulator();
    sim.push_fault(Fault::Status {
        status: 504,
        body: "{}".into(),
    });
    assert_eq!(
        Invocation::test("lookup_ip").against(&sim).ok(),
        json!({"connection": "Successful"})
    );
    assert_eq!(sim.requests().len(), 2);
}

fn tls_simulator() -> Simulator {
    simulator_builder().tls(true).start()
}

#[test]
fn an_untrusted_certificate_is_refused_with_a_clear_cause() {
    let sim = tls_simulator();
    let run = lookup(&sim).errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        "The TLS certificate of the ThreatStream server could not be verified."
    );
    assert!(exception.assistance.contains("ssl_verify") && exception.assistance.contains("SSL_CERT_FILE"));
    assert!(
        sim.requests().is_empty(),
        "no request gets through an untrusted handshake"
    );
}

#[test]
fn an_https_url_at_a_plain_http_server_says_so() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["url"] = json!(format!("https://{}", sim.addr()));
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .connection(connection)
        .errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        "The ThreatStream server answered in plain HTTP, not HTTPS."
    );
    assert!(
        exception
            .assistance
            .contains("use http:// in the URL, or check the port"),
        "{}",
        exception.assistance
    );
    assert!(sim.requests().is_empty(), "a TLS hello is no API request");
}

#[test]
fn ssl_verify_false_accepts_it_with_a_warning() {
    let sim = tls_simulator();
    let mut connection = connection(&sim);
    connection["ssl_verify"] = json!(false);
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .connection(connection)
        .invoke();
    assert_eq!(run.event().body.status, "ok", "{}", run.stdout);
    assert!(log(&run).contains("WARNING: SSL Verify is off"), "{}", log(&run));
}

#[test]
fn ssl_cert_file_adds_a_private_ca() {
    let sim = tls_simulator();
    let ca = std::env::temp_dir().join(format!("threatstream-sim-ca-{}.pem", sim.addr().port()));
    std::fs::write(&ca, sim.ca_cert_pem().expect("a TLS simulator has a CA")).expect("write CA");
    let run = lookup(&sim)
        .env("SSL_CERT_FILE", ca.to_str().unwrap_or_default())
        .invoke();
    let _ = std::fs::remove_file(&ca);
    assert_eq!(run.event().body.status, "ok", "{}", run.stdout);
}

#[test]
fn http_proxy_is_honoured_and_no_proxy_bypasses_it() {
    let sim = simulator();
    let mut connection = connection(&sim);
    // Resolvable by no one: only a proxy can reach it.
    connection["url"] = json!("http://threatstream.invalid");
    let through_proxy = Invocation::run("lookup_hash")
        .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
        .connection(connection.clone())
        .env("HTTP_PROXY", &sim.url());
    assert_eq!(through_proxy.ok()["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(sim.requests().len(), 1);
    Invocation::run("lookup_hash")
        .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
        .connection(connection)
        .env("HTTP_PROXY", &sim.url())
        .env("NO_PROXY", "threatstream.invalid")
        .fails(Preset::ConnectionError);
    assert_eq!(
        sim.requests().len(),
        1,
        "NO_PROXY kept the second run away from the proxy"
    );
}
