//! A drop-in for every published version: the contracts of 2.0.0 and 4.0.0 held as data, checked
//! against our generated schemas, and the published sample start messages run against the simulator.
//!
//! "A superset" means: every action, input and output of the published version exists here under the
//! same name; each accepts at least the values the published type allowed (its enum values included);
//! and no input is required here that the published version left optional.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use threatstream_simulator::{Simulator, SimulatorBuilder};

use crate::harness::{Invocation, CANARY_KEY};

/// 4.0.0's spec (anomali-plugin.md §1.1, §1.4-1.6): each parameter is `[type, required]`, with an
/// enum where the spec had one.
fn v4_0_0() -> Value {
    json!({
        "connection": connection_2_to_4(),
        "actions": {
            "lookup_ip": {"input": {"ip_address": ["string", false]}, "output": {"results": ["[]result", false]}},
            "lookup_url": {"input": {"url": ["string", false]}, "output": {"results": ["[]result", false]}},
            "lookup_hash": {"input": {"hash": ["string", false]}, "output": {"results": ["[]result", false]}},
            "get_observables": {"input": {"value": ["string", false]}, "output": {"results": ["[]result", false]}},
            "import_observable": {
                "input": {"file": ["file", true], "observable_settings": ["observable_settings", false],
                          "tlp": ["string", false, ["red", "amber", "green", "clear", "amber+strict", ""]]},
                "output": {"results": ["import_observable_response", false]}},
            "submit_file": {"input": submit_inputs("file", "file"), "output": submit_outputs()},
            "submit_url": {"input": submit_inputs("url", "string"), "output": submit_outputs()},
            "get_sandbox_report": {"input": {"report_id": ["string", true]},
                                   "output": {"sandbox_report": ["sandbox_report", true]}},
        },
        "types": {
            "result": result_fields("integer", "integer"),
            "observable_settings": settings(true),
            "import_observable_response": response(),
            "report": {"status": ["string", false], "detail": ["string", false], "id": ["integer", false],
                       "platform": ["string", false]},
            "info": {"category": ["string", true], "confidence": ["integer", false], "is_unknown": ["boolean", false],
                     "is_suspicious": ["boolean", false], "is_malicious": ["boolean", false],
                     "started": ["string", true], "ended": ["string", true], "duration": ["integer", true],
                     "package": ["string", false], "machine": ["object", false], "custom": ["string", false],
                     "id": ["integer", false], "version": ["string", false]},
            "sandbox_report": {"screenshots": ["[]string", true], "info": ["info", true],
                               "signatures": ["[]object", true], "domains": ["[]string", true]},
        },
    })
}

/// 2.0.0's spec (anomali-plugin.md §1.1-1.2).
fn v2_0_0() -> Value {
    json!({
        "connection": connection_2_to_4(),
        "actions": {
            "lookup_ip": {"input": {"ip_address": ["string", false]}, "output": {"results": ["[]result", false]}},
            "lookup_url": {"input": {"url": ["string", false]}, "output": {"results": ["[]result", false]}},
            "lookup_hash": {"input": {"hash": ["string", false]}, "output": {"results": ["[]result", false]}},
            "add_approval_indicator": {
                "input": {"file": ["file", true], "indicator_settings": ["indicator_settings", false]},
                "output": {"results": ["import_indicator_response", false]}},
        },
        "types": {
            "result": result_fields("string", "string"),
            "indicator_settings": settings(false),
            "import_indicator_response": response(),
        },
    })
}

fn connection_2_to_4() -> Value {
    json!({"username": ["string", true], "url": ["string", true], "api_key": ["credential_secret_key", true],
           "ssl_verify": ["boolean", true]})
}

fn submit_inputs(target: &str, target_type: &str) -> Value {
    let platforms = [
        "ALL",
        "ANDROID4.4",
        "ANDROID5.1",
        "ANDROID6.0",
        "MACOSX",
        "WINDOWSXP",
        "WINDOWSXPNATIVE",
        "WINDOWS7",
        "WINDOWS7NATIVE",
        "WINDOWS7OFFICE2010",
        "WINDOWS7OFFICE2013",
        "WINDOWS10",
        "WINDOWS10x64",
    ];
    let mut inputs = json!({"platform": ["string", true, platforms],
        "classification": ["string", false, ["private", "public"]], "use_premium_sandbox": ["boolean", true],
        "detail": ["string", false]});
    inputs[target] = json!([target_type, true]);
    inputs
}

fn submit_outputs() -> Value {
    json!({"success": ["boolean", false], "reports": ["[]report", false]})
}

/// The result record: 2.0.0 typed confidence and update_id as strings, 4.0.0 as integers.
fn result_fields(confidence: &str, update_id: &str) -> Value {
    let mut fields = json!({"id": ["integer", false], "lat": ["number", false], "lon": ["number", false],
        "source_feed_id": ["integer", false], "confidence": [confidence, false], "update_id": [update_id, false]});
    for text in [
        "asn",
        "classification",
        "country",
        "date_first",
        "date_last",
        "details2",
        "domain",
        "email",
        "itype",
        "md5",
        "org",
        "resource_uri",
        "severity",
        "source",
        "srcip",
        "state",
        "url",
    ] {
        fields[text] = json!(["string", false]);
    }
    fields
}

/// The import settings; 4.0.0 added threat_type and required confidence and classification.
fn settings(v4: bool) -> Value {
    let mut fields = json!({"confidence": ["integer", v4], "source_confidence_weight": ["integer", false],
        "severity": ["string", false, ["low", "medium", "high", "very-high", ""]],
        "classification": ["string", true, ["public", "private"]], "expiration_ts": ["date", false],
        "notes": ["[]string", false], "trustedcircles": ["[]integer", false]});
    for mapping in [
        "ip_mapping",
        "domain_mapping",
        "url_mapping",
        "email_mapping",
        "md5_mapping",
    ] {
        fields[mapping] = json!(["string", false]);
    }
    if v4 {
        fields["threat_type"] = json!(["string", false]);
    }
    fields
}

fn response() -> Value {
    json!({"job_id": ["string", false], "success": ["boolean", false], "import_session_id": ["string", false]})
}

fn our_schema(name: &str) -> Value {
    let path = format!("{}/schemas/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).expect("a schema is JSON")
}

/// Where a contract check looks: the published version's types, and our schema's definitions.
struct Check<'a> {
    theirs: &'a Value,
    root: &'a Value,
    problems: Vec<String>,
}

impl Check<'_> {
    /// Our object schema `ours` against the published parameters `params`.
    fn params(&mut self, place: &str, ours: &Value, params: &Map<String, Value>, inputs: bool) {
        let required: BTreeSet<&str> = ours["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, param) in params {
            let here = format!("{place}.{name}");
            let Some(property) = ours["properties"].get(name) else {
                self.problems.push(format!("{here}: missing"));
                continue;
            };
            if inputs && required.contains(name.as_str()) && param[1] != true {
                self.problems
                    .push(format!("{here}: required here, optional in the published version"));
            }
            self.accepts(&here, property, param, inputs);
        }
    }

    /// Whether `property` accepts every value the published `[type, required, enum?]` allowed.
    fn accepts(&mut self, place: &str, property: &Value, param: &Value, inputs: bool) {
        let their_type = param[0].as_str().unwrap_or_default();
        let property = self.resolved(property);
        if let Some(values) = param.get(2).and_then(Value::as_array) {
            let ours = property["enum"].as_array().cloned().unwrap_or_default();
            for value in values.iter().filter(|value| !ours.is_empty() && !ours.contains(value)) {
                self.problems
                    .push(format!("{place}: enum value {value} is refused here"));
            }
        }
        if let Some(item) = their_type.strip_prefix("[]") {
            if !json_types(&property).contains(&"array") {
                self.problems
                    .push(format!("{place}: {their_type} but not an array here"));
            } else {
                self.accepts(&format!("{place}[]"), &property["items"], &json!([item, false]), inputs);
            }
            return;
        }
        let wanted: &[&str] = match their_type {
            "string" | "date" => &["string"],
            "integer" => &["integer", "number"],
            "number" => &["number"],
            "boolean" => &["boolean"],
            "object" => &["object"],
            custom => return self.custom(place, &property, custom, inputs),
        };
        let ours = json_types(&property);
        if !ours.is_empty() && !wanted.iter().any(|kind| ours.contains(kind)) {
            self.problems
                .push(format!("{place}: {their_type} is not accepted by {property}"));
        }
    }

    fn custom(&mut self, place: &str, property: &Value, name: &str, inputs: bool) {
        let fields = match name {
            "file" => json!({"filename": ["string", true], "content": ["string", true]}),
            "credential_secret_key" => json!({"secretKey": ["string", true]}),
            _ => self.theirs["types"][name].clone(),
        };
        let Some(fields) = fields.as_object() else {
            self.problems
                .push(format!("{place}: the published type {name} is not in the contract"));
            return;
        };
        self.params(&format!("{place}<{name}>"), property, fields, inputs);
    }

    /// The schema a property stands for: the definition behind a reference, the branch of an `allOf`.
    fn resolved(&self, property: &Value) -> Value {
        let branch = property["allOf"].get(0).unwrap_or(property);
        match branch["$ref"]
            .as_str()
            .and_then(|target| target.strip_prefix("#/definitions/"))
        {
            Some(name) => self.root["definitions"][name].clone(),
            None => branch.clone(),
        }
    }
}

fn json_types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn superset_problems(theirs: &Value) -> Vec<String> {
    let connection = our_schema("connection");
    let mut check = Check {
        theirs,
        root: &connection,
        problems: Vec::new(),
    };
    check.params(
        "connection",
        &connection,
        theirs["connection"].as_object().expect("a map"),
        true,
    );
    let mut problems = check.problems;
    for (id, action) in theirs["actions"].as_object().expect("a map") {
        for (side, inputs) in [("input", true), ("output", false)] {
            let ours = our_schema(&format!("{id}.{side}"));
            let mut check = Check {
                theirs,
                root: &ours,
                problems: Vec::new(),
            };
            check.params(
                &format!("{id} {side}"),
                &ours,
                action[side].as_object().expect("a map"),
                inputs,
            );
            problems.extend(check.problems);
        }
    }
    problems
}

#[test]
fn every_4_0_0_action_input_and_output_is_here_no_narrower() {
    let problems = superset_problems(&v4_0_0());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_2_0_0_action_input_and_output_is_here_no_narrower() {
    let problems = superset_problems(&v2_0_0());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_contract_check_finds_what_is_missing_narrower_or_newly_required() {
    let mut theirs = v4_0_0();
    theirs["actions"]["lookup_ip"]["input"]["ip_address"] = json!(["integer", false]);
    theirs["actions"]["lookup_ip"]["input"]["ghost"] = json!(["string", false]);
    theirs["actions"]["submit_file"]["input"]["platform"] = json!(["string", false, ["WINDOWS95"]]);
    theirs["actions"]["get_sandbox_report"]["input"]["report_id"] = json!(["string", false]);
    let problems = superset_problems(&theirs).join("\n");
    for expected in [
        "lookup_ip input.ip_address: integer",
        "lookup_ip input.ghost: missing",
        "\"WINDOWS95\" is refused",
        "report_id: required here",
    ] {
        assert!(problems.contains(expected), "{expected} not in\n{problems}");
    }
}

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
    let sim = SimulatorBuilder::default()
        .username(username)
        .api_key(CANARY_KEY)
        .start();
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
