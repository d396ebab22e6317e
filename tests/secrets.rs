//! The API key travels only in the Authorization header: never in a URL, a query string or a body the
//! simulator receives, whatever the action and whatever the outcome. (The harness checks stdout and
//! stderr of every run.)

use serde_json::json;
use threatstream_simulator::Fault;

use crate::harness::{simulator, Invocation, CANARY_KEY};

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
    for request in requests {
        assert!(
            !request.path.contains(CANARY_KEY) && !request.query.clone().unwrap_or_default().contains(CANARY_KEY),
            "{request:?}"
        );
        assert!(
            !String::from_utf8_lossy(&request.body).contains(CANARY_KEY),
            "{request:?}"
        );
        for (name, value) in &request.headers {
            if value.contains(CANARY_KEY) {
                assert_eq!(name, "authorization", "the key appeared in header {name}");
            }
        }
    }
}
