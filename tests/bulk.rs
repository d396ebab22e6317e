//! Lookup Observables against the simulator: a thousand values in few requests, invalid entries and
//! duplicates, agreement with the single lookups, hostile values, failures, v1 and bad inputs.

use serde_json::{json, Value};
use threatstream_simulator::{absent_value, synthetic_value, Fault, FaultRule, VERDICT_RECORDS};

use crate::harness::{assert_untouched, connection, simulator, simulator_builder, Invocation, Preset};

fn column<'a>(output: &'a Value, list: &str, field: &str) -> Vec<&'a Value> {
    output[list]
        .as_array()
        .expect("an array")
        .iter()
        .map(|entry| &entry[field])
        .collect()
}

/// A value given again in another spelling that is the same observable.
fn respelled(value: &str, kind: &str) -> String {
    match kind {
        "ip" => value.replace('.', "[.]"),
        "url" => value.to_owned(),
        _ => value.to_uppercase(),
    }
}

/// 1,000 entries: 920 distinct observables (460 with five records each, 460 without, alternating),
/// 30 invalid and 50 repeats; with the distinct values in order and the invalid entries' positions.
fn thousand() -> (Vec<String>, Vec<String>, Vec<usize>) {
    let mut distinct = Vec::new();
    for i in 0..460 {
        distinct.push(synthetic_value(i));
        distinct.push(absent_value(i));
    }
    let (mut given, mut invalid) = (Vec::new(), Vec::new());
    let (mut next, mut repeats) = (0, 0);
    for slot in 0..1000 {
        // An invalid entry is due every 33 slots and a repeat every 20; one that falls due on a slot
        // already taken comes next.
        if invalid.len() < 30 && slot >= 33 * invalid.len() + 10 {
            invalid.push(slot);
            given.push(if slot % 2 == 0 {
                String::new()
            } else {
                format!("not an observable {slot}")
            });
        } else if repeats < 50 && slot >= 20 * repeats + 19 {
            let earlier = &distinct[next / 2];
            given.push(respelled(&earlier.value, earlier.kind));
            repeats += 1;
        } else {
            given.push(distinct[next].value.clone());
            next += 1;
        }
    }
    assert_eq!(
        (next, invalid.len(), repeats),
        (920, 30, 50),
        "the list is built as described"
    );
    let values = distinct.into_iter().map(|observable| observable.value).collect();
    (given, values, invalid)
}

#[test]
fn a_thousand_mixed_values_take_a_few_requests_and_keep_their_order() {
    let sim = simulator_builder().synthetic(460, 2300).start();
    let (given, distinct, invalid) = thousand();
    let output = Invocation::run("lookup_observables")
        .input(json!({"observables": given}))
        .against(&sim)
        .ok();
    let values: Vec<&str> = column(&output, "results", "value")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(values, distinct, "one entry per distinct value, in input order");
    let matched = column(&output, "results", "matched_records");
    assert!(
        matched.iter().step_by(2).all(|count| *count == 5),
        "every synthetic value has its five records"
    );
    assert!(
        matched.iter().skip(1).step_by(2).all(|count| *count == 0),
        "the absent values have none"
    );
    assert!(column(&output, "results", "records")
        .iter()
        .all(|records| records.is_null()));
    let positions: Vec<usize> = column(&output, "invalid", "index")
        .iter()
        .filter_map(|i| i.as_u64())
        .map(|i| i as usize)
        .collect();
    assert_eq!(positions, invalid);
    assert_eq!(
        (
            output["summary"]["invalid"].as_u64(),
            output["summary"]["duplicates"].as_u64()
        ),
        (Some(30), Some(50))
    );
    let judged: u64 = ["malicious", "suspicious", "benign", "unknown"]
        .iter()
        .filter_map(|verdict| output["summary"][verdict].as_u64())
        .sum();
    assert_eq!(judged, 920);
    let requests = sim.requests();
    assert!(requests.len() <= 25, "{} requests", requests.len());
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/api/v2/intelligence/")
        );
        let query = request.query.as_deref().unwrap_or_default();
        assert!(
            query.starts_with("q=") && 10 + request.path.len() + query.len() < 8000,
            "{query:.100}"
        );
    }
}

#[test]
fn the_bulk_verdicts_are_the_single_lookups_verdicts() {
    let sim = simulator();
    let mut values: Vec<(&str, &str)> = Vec::new();
    for row in &VERDICT_RECORDS {
        if !values.iter().any(|(value, _)| *value == row.value) {
            values.push((row.value, row.kind));
        }
    }
    let given: Vec<&str> = values.iter().map(|(value, _)| *value).collect();
    let bulk = Invocation::run("lookup_observables")
        .input(json!({"observables": given, "include_records": true}))
        .against(&sim)
        .ok();
    let entries = bulk["results"].as_array().expect("results");
    assert_eq!(entries.len(), values.len());
    for ((value, kind), entry) in values.iter().zip(entries) {
        let (action, input) = match *kind {
            "ip" => ("lookup_ip", "ip_address"),
            "md5" => ("lookup_hash", "hash"),
            "domain" => ("lookup_domain", "domain"),
            "url" => ("lookup_url", "url"),
            "email" => ("lookup_email", "email"),
            other => panic!("no lookup for type {other}"),
        };
        let single = Invocation::run(action).input(json!({input: value})).against(&sim).ok();
        let mut verdict = entry.as_object().cloned().unwrap_or_default();
        for field in ["value", "input", "type", "records"] {
            verdict.remove(field);
        }
        assert_eq!(Value::Object(verdict), single["verdict"], "{value}");
        assert_eq!(entry["records"], single["results"], "{value}");
    }
}

#[test]
fn quotes_and_backslashes_cannot_break_out_of_a_value() {
    let sim = simulator();
    let hostile = [
        r#"http://hostile.example/a"b\c"#,
        r#"http://hostile.example/x")OR(value="203.0.113.11"#,
    ];
    sim.add_records(&[
        json!({"value": hostile[0], "confidence": 90}),
        json!({"value": hostile[1], "confidence": 30}),
    ])
    .expect("the simulator stores them");
    let output = Invocation::run("lookup_observables")
        .input(json!({"observables": [hostile[0], hostile[1], r#"http://hostile.example/a"b\"#, "198.51.100.23"]}))
        .against(&sim)
        .ok();
    let verdicts = column(&output, "results", "verdict");
    assert_eq!(
        verdicts,
        [
            &json!("malicious"),
            &json!("suspicious"),
            &json!("unknown"),
            &json!("malicious")
        ]
    );
    assert_eq!(
        column(&output, "results", "matched_records")[..3],
        [&json!(1), &json!(1), &json!(0)]
    );
    // The URL and IP searches run concurrently, so either may have arrived first.
    let q: Vec<String> = sim
        .requests()
        .iter()
        .flat_map(|request| request.query_pairs())
        .filter(|(k, v)| k == "q" && v.ends_with("type=url"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        q[0],
        r#"(value="http://hostile.example/a\"b\\c" OR value="http://hostile.example/x\")OR(value=\"203.0.113.11" OR value="http://hostile.example/a\"b\\") AND type=url"#
    );
}

#[test]
fn a_search_that_keeps_failing_fails_the_whole_action() {
    let sim = simulator();
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 503,
            body: "{}".into(),
        })
        .times(4),
    );
    let run = Invocation::run("lookup_observables")
        .input(
            json!({"observables": ["198.51.100.23", "evil-domain.example", "phisher@example.org"], "concurrency": 1}),
        )
        .against(&sim)
        .fails(Preset::ServiceUnavailable);
    assert_eq!(
        sim.requests().len(),
        4,
        "the first search, retried, and nothing after it"
    );
    assert!(run.event().body.output.is_none());

    let sim = simulator();
    sim.add_fault_rule(FaultRule::new(Fault::Status {
        status: 400,
        body: "{}".into(),
    }));
    Invocation::run("lookup_observables")
        .input(json!({"observables": ["198.51.100.23", "evil-domain.example", "phisher@example.org"]}))
        .against(&sim)
        .fails(Preset::BadRequest);
}

#[test]
fn v1_looks_each_observable_up_once_with_its_legacy_filter() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["api_version"] = json!("v1");
    let output = Invocation::run("lookup_observables")
        .input(json!({"observables": ["198.51.100.23", "Evil-Domain.example", "evil-domain.example", "nope", "phisher@example.org"]}))
        .connection(connection)
        .ok();
    assert_eq!(column(&output, "results", "verdict"), [&json!("malicious"); 3]);
    let mut filters: Vec<(String, String)> = sim
        .requests()
        .iter()
        .map(|request| request.query_pairs()[0].clone())
        .collect();
    filters.sort();
    let expected = [
        ("domain", "evil-domain.example"),
        ("email", "phisher@example.org"),
        ("ip", "198.51.100.23"),
    ];
    assert_eq!(filters, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
}

#[test]
fn a_type_hint_leaves_other_shapes_invalid() {
    let sim = simulator();
    let output = Invocation::run("lookup_observables")
        .input(json!({"observables": ["198.51.100.23", "evil-domain.example"], "type": "domain"}))
        .against(&sim)
        .ok();
    assert_eq!(column(&output, "results", "value"), [&json!("evil-domain.example")]);
    assert_eq!(
        output["invalid"],
        json!([{"index": 0, "value": "198.51.100.23", "reason": "'198.51.100.23' is not a domain"}])
    );
}

#[test]
fn lists_that_cannot_be_looked_up_never_reach_threatstream() {
    let sim = simulator();
    let too_many: Vec<String> = (0..1001).map(|i| format!("198.51.{}.{}", i / 256, i % 256)).collect();
    let one = json!(["198.51.100.23"]);
    let cases = [
        (json!({}), "observables"),
        (json!({"observables": []}), "it is missing or empty"),
        (json!({"observables": too_many}), "it has 1001 entries"),
        (
            json!({"observables": ["", "not one", "198.51.100.0/24"]}),
            "none of its 3 entries is an observable",
        ),
        (json!({"observables": one, "concurrency": 9}), "concurrency"),
        (json!({"observables": one, "type": "string"}), "type"),
        (
            json!({"observables": one, "malicious_threshold": 10, "suspicious_threshold": 20}),
            "suspicious_threshold",
        ),
    ];
    for (input, named) in cases {
        Invocation::run("lookup_observables")
            .input(input)
            .against(&sim)
            .refused_naming(named);
    }
    assert_untouched(&sim);
}
