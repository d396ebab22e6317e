//! A drop-in for every published version: the contracts of 2.0.0 and 4.0.0 held as data and checked
//! against our generated schemas. (`published_samples` runs those versions' sample messages.)
//!
//! "A superset" means: every action, input and output of the published version exists here under the
//! same name; each accepts at least the values the published type allowed (its enum values included);
//! and no input is required here that the published version left optional.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// 4.0.0's spec (anomali-plugin.md §1.1, §1.4-1.6): each parameter is `[type, required]`, with an
/// enum where the spec had one.
pub(crate) fn v4_0_0() -> Value {
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
pub(crate) fn v2_0_0() -> Value {
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
