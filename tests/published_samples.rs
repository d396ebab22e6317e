//! Every published sample start message (anomali-plugin.md §5: the 2.0.0-3.x `tests/*.json` and
//! 4.0.0's unit-test inputs) run against the simulator with only its URL and credentials changed, and
//! each output checked against the types of the version the sample came from.

use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use crate::harness::{simulator_builder, Invocation, CANARY_KEY};
use crate::migration::{v2_0_0, v4_0_0};

/// What the published samples carry that each version typed differently from what ThreatStream
/// sends, so either JSON type is the real data (help.md says so): ids and scores come as numbers or
/// strings depending on the API version and the endpoint.
const NUMBER_OR_STRING: [&str; 6] = ["confidence", "update_id", "id", "asn", "source_feed_id", "duration"];

/// Whether `value` is what the published type `their_type` describes; problems go to `problems`.
fn conforms(place: &str, value: &Value, their_type: &str, theirs: &Value, problems: &mut Vec<String>) {
    if let Some(item) = their_type.strip_prefix("[]") {
        match value.as_array() {
            Some(items) => items
                .iter()
                .enumerate()
                .for_each(|(at, item_value)| conforms(&format!("{place}[{at}]"), item_value, item, theirs, problems)),
            None => problems.push(format!("{place}: not a list")),
        }
        return;
    }
    let field = place.rsplit('.').next().unwrap_or_default();
    let fits = match their_type {
        _ if NUMBER_OR_STRING.contains(&field) && (value.is_number() || value.is_string()) => true,
        "string" | "date" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        custom => return conforms_to_type(place, value, custom, theirs, problems),
    };
    if !fits {
        problems.push(format!("{place}: {value} is not {their_type}"));
    }
}

fn conforms_to_type(place: &str, value: &Value, name: &str, theirs: &Value, problems: &mut Vec<String>) {
    let (Some(fields), Some(object)) = (theirs["types"][name].as_object(), value.as_object()) else {
        problems.push(format!("{place}: {value} is not a {name}"));
        return;
    };
    for (field, param) in fields {
        match object.get(field) {
            Some(inner) => conforms(
                &format!("{place}.{field}"),
                inner,
                param[0].as_str().unwrap_or_default(),
                theirs,
                problems,
            ),
            None if param[1] == true => problems.push(format!("{place}.{field}: required by {name}, missing")),
            None => {}
        }
    }
}

/// The published sample's connection with its URL and credentials pointed at `sim`, the rest as
/// published (`ssl_verify` null or false included).
fn pointed_at(connection: &Value, sim: &Simulator, username: &str) -> Value {
    let mut connection = connection.clone();
    connection["url"] = json!(sim.url());
    connection["username"] = json!(username);
    connection["api_key"] = json!({"secretKey": CANARY_KEY});
    connection
}

/// What a sample must come to.
enum Expected {
    /// Status ok, and an output valid against the version's output types.
    Ok,
    /// Refused before any request, naming the input: the published plugin searched all intelligence
    /// for an empty hash, and 4.0.0's unit test asked for report `exampleid`, which is no report ID.
    Refused(&'static str),
}

struct Sample {
    name: &'static str,
    version: fn() -> Value,
    action: &'static str,
    input: Value,
    connection: Value,
    expected: Expected,
}

/// The old-style samples' connection (2.0.0-3.1.x `tests/*.json`).
fn old_connection() -> Value {
    json!({"api_key": {"secretKey": ""}, "url": "", "username": "", "ssl_verify": false})
}

/// 4.0.0's unit-test connection (`unit_test/util.py`).
fn unit_test_connection() -> Value {
    json!({"username": "test", "url": "https://example.com", "api_key": {"secretKey": "anomali_api_key"},
           "ssl_verify": false})
}

/// anomali-plugin.md §5.1 (start messages) and §5.2 (4.0.0's unit-test inputs), as published.
fn samples() -> Vec<Sample> {
    let old = |name, version, action, input| Sample {
        name,
        version,
        action,
        input,
        connection: old_connection(),
        expected: Expected::Ok,
    };
    let unit = |name, action, input| Sample {
        name,
        version: v4_0_0,
        action,
        input,
        connection: unit_test_connection(),
        expected: Expected::Ok,
    };
    let seed_file = json!({"content": "dmFsdWUsaXR5cGUsdGFncwo0ZDY4NDYyY2E2MDcxZjliNmFkMGZhYmVhOGJkMWM5ZixtYWxfbWQ1LAo=",
                           "filename": "TestHashesAnom.csv"});
    let observable_file = json!({"content": "dmFsdWUsaXR5cGUsdGFncyxwcml2YXRlX3RhZ3MsaXNfYW5vbnltb3VzLHRscAoxLjIuMy40LGJydXRlX2lwLCJwaGlzaW5nLGV4cGxvaXRhdGlvbiIsLHRydWUsZ3JlZW4K",
                                 "filename": "TestFile.csv"});
    let empty_settings = json!({"classification": "private", "confidence": 0, "domain_mapping": "", "email_mapping": "",
        "expiration_ts": "2018-12-19T00:00:00-05:00", "ip_mapping": "", "md5_mapping": "", "notes": [], "severity": "",
        "source_confidence_weight": 0, "trustedcircles": [], "url_mapping": ""});
    let mut observable_settings = empty_settings.clone();
    observable_settings["threat_type"] = json!("");
    let hello = json!({"content": "SGVsbG8gV29ybGQK", "filename": "testfile"});
    vec![
        Sample {
            connection: json!({"api_key": {"secretKey": null}, "ssl_verify": null, "url": null, "username": null}),
            ..old(
                "2.0.0 lookup_ip.json",
                v2_0_0,
                "lookup_ip",
                json!({"ip_address": "107.180.51.15"}),
            )
        },
        old(
            "2.0.0 lookup_url.json",
            v2_0_0,
            "lookup_url",
            json!({"url": "google.com"}),
        ),
        Sample {
            expected: Expected::Refused("hash"),
            ..old("2.0.0 lookup_hash.json", v2_0_0, "lookup_hash", json!({"hash": ""}))
        },
        old(
            "2.0.0 add_approval_indicator.json",
            v2_0_0,
            "add_approval_indicator",
            json!({"file": seed_file, "indicator_settings": empty_settings}),
        ),
        old(
            "3.x get_observables.json",
            v4_0_0,
            "get_observables",
            json!({"value": "window.google"}),
        ),
        old(
            "3.x get_sandbox_report.json",
            v4_0_0,
            "get_sandbox_report",
            json!({"report_id": "133"}),
        ),
        old(
            "3.x submit_file.json",
            v4_0_0,
            "submit_file",
            json!({"use_premium_sandbox": false, "platform": "WINDOWS7",
            "classification": "private", "file": {"filename": "Test", "content": "VGVzdGluZyBjb250ZW50Cg=="}}),
        ),
        old(
            "3.x submit_url.json",
            v4_0_0,
            "submit_url",
            json!({"use_premium_sandbox": false, "platform": "WINDOWS7",
            "classification": "private", "url": "google.com"}),
        ),
        old(
            "3.x import_observable.json",
            v4_0_0,
            "import_observable",
            json!({"file": observable_file, "observable_settings": observable_settings}),
        ),
        unit(
            "4.0.0 get_observables_success",
            "get_observables",
            json!({"value": "Example observable"}),
        ),
        Sample {
            expected: Expected::Refused("report_id"),
            ..unit(
                "4.0.0 get_sandbox_report_success",
                "get_sandbox_report",
                json!({"report_id": "exampleid"}),
            )
        },
        unit(
            "4.0.0 import_observables_success",
            "import_observable",
            json!({"file": hello, "observable_settings": {}}),
        ),
        unit(
            "4.0.0 lookup_hash_success",
            "lookup_hash",
            json!({"hash": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}),
        ),
        unit("4.0.0 lookup_ip_success", "lookup_ip", json!({"ip_address": "0.0.0.0"})),
        unit(
            "4.0.0 lookup_url_success",
            "lookup_url",
            json!({"url": "www.example.com"}),
        ),
        unit(
            "4.0.0 submit_file_success",
            "submit_file",
            json!({"classification": "private",
            "detail": "Credential-Exposure,compromised_email", "file": hello, "platform": "WINDOWS7",
            "use_premium_sandbox": true}),
        ),
        unit(
            "4.0.0 submit_url_success",
            "submit_url",
            json!({"classification": "private",
            "detail": "Credential-Exposure,compromised_email", "url": "example.com", "platform": "WINDOWS7",
            "use_premium_sandbox": true}),
        ),
    ]
}

/// A simulator for `username` holding records for the samples' values (the SHA-256 of 4.0.0's sample
/// is seeded already), so their lookups have something to return: records in today's v2 shape.
fn samples_simulator(username: &str) -> Simulator {
    let sim = simulator_builder().username(username).start();
    sim.add_records(&[
        json!({"value": "107.180.51.15", "itype": "mal_ip", "confidence": 100, "severity": "very-high",
               "source": "Test Name 1"}),
        json!({"value": "window.google", "itype": "apt_domain", "confidence": 17, "source": "user@example.com"}),
    ])
    .expect("the sample records are valid");
    sim
}

#[test]
fn every_published_sample_runs_unchanged_but_for_where_it_points() {
    for sample in samples() {
        let username = if sample.connection["username"] == "test" {
            "test"
        } else {
            "analyst@example.com"
        };
        let sim = samples_simulator(username);
        let invocation = Invocation::run(sample.action)
            .input(sample.input.clone())
            .connection(pointed_at(&sample.connection, &sim, username));
        match sample.expected {
            Expected::Refused(input) => {
                invocation.refused_naming(&format!("'{input}'"));
                assert!(sim.requests().is_empty(), "{}: refused before any request", sample.name);
            }
            Expected::Ok => {
                let output = invocation.ok();
                let theirs = (sample.version)();
                let mut problems = Vec::new();
                for (name, param) in theirs["actions"][sample.action]["output"].as_object().expect("outputs") {
                    match output.get(name) {
                        Some(value) => conforms(
                            name,
                            value,
                            param[0].as_str().unwrap_or_default(),
                            &theirs,
                            &mut problems,
                        ),
                        None if param[1] == true => problems.push(format!("{name}: missing")),
                        None => {}
                    }
                }
                assert!(problems.is_empty(), "{}: {problems:?}\n{output}", sample.name);
            }
        }
    }
}

#[test]
fn the_samples_with_records_return_them() {
    let sim = samples_simulator("analyst@example.com");
    let connection = pointed_at(&old_connection(), &sim, "analyst@example.com");
    for (action, input) in [
        ("lookup_ip", json!({"ip_address": "107.180.51.15"})),
        ("get_observables", json!({"value": "window.google"})),
        (
            "lookup_hash",
            json!({"hash": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}),
        ),
    ] {
        let output = Invocation::run(action).input(input).connection(connection.clone()).ok();
        assert_eq!(
            output["results"].as_array().map(Vec::len),
            Some(1),
            "{action}: {output}"
        );
    }
}
