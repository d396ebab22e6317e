//! The verdict end to end: every lookup against the simulator's verdict seed (simulator/src/intelligence/
//! verdict_seed.rs), for each kind of value: malicious, suspicious, benign (falsepos), unknown (low
//! confidence), unknown (unscored) and unknown (no record).

use serde_json::{json, Value};
use threatstream_simulator::{UNKNOWN_VALUES, VERDICT_RECORDS};

use crate::harness::{simulator, Invocation};

/// The typed lookup for a seed type, and its input's name.
fn typed_lookup(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "ip" => ("lookup_ip", "ip_address"),
        "domain" => ("lookup_domain", "domain"),
        "url" => ("lookup_url", "url"),
        "md5" => ("lookup_hash", "hash"),
        "email" => ("lookup_email", "email"),
        other => panic!("no lookup for type {other}"),
    }
}

/// The verdict each value of the seed is built to produce.
fn expected(meant_as: &str) -> &'static str {
    match meant_as {
        "malicious" => "malicious",
        "suspicious" => "suspicious",
        "benign" => "benign",
        "unknown (low confidence)" | "unscored" => "unknown",
        other => panic!("the seed means {other}, which this test does not know"),
    }
}

/// Every seeded value once, with its type and meaning, then the values without records.
fn cases() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut cases: Vec<(&str, &str, &str)> = Vec::new();
    for row in &VERDICT_RECORDS {
        if !cases.iter().any(|(value, _, _)| *value == row.value) {
            cases.push((row.value, row.kind, expected(row.meant_as)));
        }
    }
    cases.extend(UNKNOWN_VALUES.iter().map(|(kind, value)| (*value, *kind, "unknown")));
    cases
}

#[test]
fn every_lookup_judges_every_kind_of_seeded_value() {
    let sim = simulator();
    let cases = cases();
    assert!(cases.len() >= 30, "the seed has every type and meaning");
    for (value, kind, verdict) in cases {
        let (action, input) = typed_lookup(kind);
        for (action, input) in [(action, input), ("get_observables", "value")] {
            let output = Invocation::run(action).input(json!({input: value})).against(&sim).ok();
            assert_eq!(
                output["verdict"]["verdict"], verdict,
                "{action} {value}: {}",
                output["verdict"]
            );
        }
    }
}

fn verdict_of(action: &str, input: Value) -> Value {
    let sim = simulator();
    let output = Invocation::run(action).input(input).against(&sim).ok();
    output["verdict"].clone()
}

#[test]
fn malicious_says_which_record_decided() {
    let verdict = verdict_of("lookup_ip", json!({"ip_address": "203.0.113.11"}));
    assert_eq!(
        verdict,
        json!({"verdict": "malicious", "score": 90, "confidence": 90, "severity": "very-high",
            "threat_types": ["c2", "scan"], "itypes": ["c2_ip", "scan_ip"], "tags": ["Emotet", "botnet-c2"],
            "sources": 2, "first_seen": "2024-02-01T09:00:00.000Z", "last_seen": "2024-02-21T10:00:00.000Z",
            "matched_records": 2, "active_records": 2,
            "reason": "Active record 500001001 (Abuse.ch Feodo Tracker, c2_ip) has confidence 90, at least the \
                       malicious threshold of 65."})
    );
}

#[test]
fn falsepos_is_benign_and_low_confidence_is_unknown() {
    let benign = verdict_of("lookup_hash", json!({"hash": "D41D8CD98F00B204E9800998ECF8427E"}));
    assert_eq!(
        (benign["verdict"].as_str(), benign["score"].as_u64()),
        (Some("benign"), Some(0))
    );
    assert_eq!(
        (benign["matched_records"].as_u64(), benign["active_records"].as_u64()),
        (Some(2), Some(0))
    );
    assert!(
        benign["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Falsepos record 500001024 (Analyst, mal_md5)"),
        "{benign}"
    );
    let low = verdict_of("lookup_domain", json!({"domain": "low-signal.example"}));
    assert_eq!(
        (low["verdict"].as_str(), low["score"].as_u64()),
        (Some("unknown"), Some(10))
    );
    assert!(
        low["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("not evidence of innocence"),
        "{low}"
    );
    let unscored = verdict_of("lookup_url", json!({"url": "http://unscored.example/"}));
    assert_eq!(
        (unscored["verdict"].as_str(), unscored["confidence"].as_i64()),
        (Some("unknown"), Some(-1))
    );
    let none = verdict_of("lookup_email", json!({"email": "nobody@never-seen.example"}));
    assert_eq!(none["reason"], "No ThreatStream record matches this observable.");
}

#[test]
fn options_change_the_verdict_and_the_connection_sets_thresholds() {
    let sim = simulator();
    let judge = |input: Value, connection: Value| {
        let output = Invocation::run("lookup_ip").input(input).connection(connection).ok();
        output["verdict"]["verdict"].as_str().unwrap_or_default().to_owned()
    };
    let plain = crate::harness::connection(&sim);
    let suspicious = json!({"ip_address": "203.0.113.12"});
    assert_eq!(judge(suspicious.clone(), plain.clone()), "suspicious");
    let mut lowered = plain.clone();
    lowered["malicious_threshold"] = json!(40);
    assert_eq!(
        judge(suspicious.clone(), lowered.clone()),
        "malicious",
        "the connection's threshold"
    );
    let raised = json!({"ip_address": "203.0.113.12", "malicious_threshold": 90});
    assert_eq!(
        judge(raised, lowered),
        "suspicious",
        "the action's threshold beats the connection's"
    );
    let inactive = json!({"ip_address": "203.0.113.13", "include_inactive": true});
    assert_eq!(
        judge(inactive, plain.clone()),
        "benign",
        "an inactive record never outweighs falsepos"
    );
    let escalated = json!({"domain": "suspicious-login.example", "severity_escalates": true});
    let output = Invocation::run("lookup_domain").input(escalated).connection(plain).ok();
    assert_eq!(
        output["verdict"]["verdict"], "suspicious",
        "medium severity escalates nothing"
    );
}
