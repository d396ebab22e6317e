//! Enrichment and threat model routes: passive DNS, WHOIS, insights, references, associations.

use serde_json::json;

use super::fixture;
use crate::harness::{simulator, Invocation};

#[test]
fn passive_dns_as_xsoar_shows_it() {
    let sim = simulator();
    fixture("context/xsoar_passive_dns").serve(&sim, "/api/v1/pdns/domain/phish-kit.example/");
    let output = Invocation::run("get_passive_dns")
        .input(json!({"value": "phish-kit.example"}))
        .against(&sim)
        .ok();
    let results = output["results"].as_array().expect("a list of resolutions");
    // Newest last_seen first, read from ThreatStream's space-separated timestamps.
    assert_eq!(results.len(), 2);
    assert_eq!(
        (&results[0]["ip"], &results[0]["rrtype"], &results[0]["last_seen"]),
        (&json!("203.0.113.11"), &json!("TXT"), &json!("2016-02-03 11:30:00"))
    );
    assert_eq!(
        (&results[1]["ip"], &results[1]["source"]),
        (&json!("203.0.113.10"), &json!("Example Labs"))
    );
}
