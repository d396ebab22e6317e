//! The rule for untouched inputs, end to end: a form left as it is writes nothing nobody asked for.
//!
//! Every write step's samples (the `tests/<step>.json` `insight-plugin` writes, and what `sample`
//! prints) are run with only their target filled in, and what reached the simulator is compared with
//! what the sample asks for: a refusal before any request, or exactly the one write of the target with
//! no field the form left empty. Then the cases one by one: a confidence of 0 from the form, an
//! ID of 0 beside a value, comments of a value many observables share, and IDs handed from one step to
//! the next in either JSON form.

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use crate::harness::{
    assert_untouched, connection, output_of, plugin_command, records, run_ok, simulator, simulator_builder, Invocation,
};

/// Every action that writes to ThreatStream; `an_action_not_in_writes_only_reads` keeps it complete.
const WRITES: [&str; 32] = [
    "add_approval_indicator",
    "import_observable",
    "import_observables_without_approval",
    "submit_file",
    "submit_url",
    "approve_import_session",
    "reject_import_session",
    "add_tags",
    "remove_tags",
    "update_observable",
    "add_comment",
    "clone_observable",
    "edit_import_classification",
    "report_false_positive",
    "create_rule",
    "update_rule",
    "delete_rule",
    "add_to_allowlist",
    "update_allowlist_note",
    "remove_from_allowlist",
    "create_snapshot",
    "create_threat_model",
    "update_threat_model",
    "delete_threat_model",
    "add_threat_model_tags",
    "add_threat_model_comment",
    "link_threat_model",
    "unlink_threat_model",
    "create_investigation",
    "update_investigation",
    "delete_investigation",
    "add_investigation_elements",
];

/// A spec example as the form sends it: a list or object the spec writes as JSON text, parsed.
fn example(given: &Value) -> Value {
    let parsed = given.as_str().and_then(|text| serde_json::from_str::<Value>(text).ok());
    parsed
        .filter(|value| value.is_array() || value.is_object())
        .unwrap_or_else(|| given.clone())
}

/// Every action not in `WRITES`, run with the examples its spec gives every input, sends ThreatStream
/// nothing but reads: a new write action fails here until it is in `WRITES`, and a new read action
/// needs no line in this file.
#[test]
fn an_action_not_in_writes_only_reads() {
    let spec: Value = serde_norway::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plugin.spec.yaml")).expect("the spec"),
    )
    .expect("the spec is YAML");
    let sim = simulator();
    for step in anomali_threatstream::action_ids().filter(|step| !WRITES.contains(step)) {
        let inputs = spec["actions"][step]["input"].as_object().cloned().unwrap_or_default();
        let input: serde_json::Map<String, Value> = inputs
            .into_iter()
            .filter_map(|(name, field)| Some((name, example(field.get("example")?))))
            .collect();
        // Examples of inputs that exclude each other (an ID and a value) are refused together:
        // then each is tried without one of them.
        let fewer = input.keys().map(|left_out| {
            let mut fewer = input.clone();
            fewer.remove(left_out);
            fewer
        });
        let methods = std::iter::once(input.clone())
            .chain(fewer)
            .map(|input| {
                sim.clear_requests();
                Invocation::run(step).input(Value::Object(input)).against(&sim).invoke();
                sim.requests()
                    .into_iter()
                    .map(|request| request.method)
                    .collect::<Vec<String>>()
            })
            .find(|methods| !methods.is_empty());
        let methods = methods.unwrap_or_else(|| panic!("{step}'s examples sent no request, so this proves nothing"));
        assert!(
            methods.iter().all(|method| method == "GET"),
            "{step} is not in WRITES but sent {methods:?}"
        );
    }
}

/// Where a sample comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// `tests/<step>.json`, as `insight-plugin samples` writes it.
    Toolchain,
    /// What `icon_anomali_threatstream sample <step>` prints.
    Binary,
}

fn sample(source: Source, step: &str) -> Value {
    let text = match source {
        Source::Toolchain => {
            let path = format!("{}/tests/{step}.json", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
        }
        Source::Binary => {
            let output = output_of(plugin_command().args(["sample", step]));
            assert!(output.status.success(), "sample {step} exits 0");
            String::from_utf8(output.stdout).expect("UTF-8")
        }
    };
    serde_json::from_str(&text).expect("a sample is JSON")
}

fn file(text: &str) -> Value {
    let content = base64::engine::general_purpose::STANDARD.encode(text);
    json!({"filename": "observables.csv", "content": content})
}

/// An import session the plugin made and ThreatStream processed, as text.
fn processed_session(sim: &Simulator) -> String {
    let output = run_ok(
        sim,
        "import_observable",
        json!({"datatext": "203.0.113.93", "wait_for_processing": 30}),
    );
    output["results"]["import_session_id"]
        .as_str()
        .expect("an ID")
        .to_owned()
}

/// The requests that change something, as `METHOD path`.
fn writes(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|request| request.method != "GET")
        .map(|request| format!("{} {}", request.method, request.path))
        .collect()
}

/// Fills `step`'s target into `input` and answers with the writes its sample may then send (none when
/// it is refused before any request).
fn target(step: &str, input: &mut Value, sim: &Simulator, source: Source) -> Vec<String> {
    let session = || processed_session(sim);
    match step {
        "add_approval_indicator" | "import_observable" => {
            input["file"] = file("203.0.113.91\n");
            vec!["POST /api/v2/intelligence/import/".into()]
        }
        "import_observables_without_approval" => {
            input["observables"] = json!([{"value": "203.0.113.92", "itype": "c2_ip"}]);
            vec!["PATCH /api/v2/intelligence/".into()]
        }
        "submit_file" | "submit_url" => {
            if step == "submit_file" {
                input["file"] = file("not really a program");
            } else {
                input["url"] = json!("https://downloads.example.com/setup.exe");
            }
            match source {
                // The toolchain leaves the required platform "", which no platform is.
                Source::Toolchain => Vec::new(),
                // The runtime's sample takes a required enum's first value, ALL.
                Source::Binary => vec!["POST /api/v1/submit/new/".into()],
            }
        }
        "approve_import_session" => {
            let id = session();
            input["import_session_id"] = json!(id);
            vec![format!("PATCH /api/v1/importsession/{id}/approve_all/")]
        }
        "reject_import_session" => {
            let id = session();
            input["import_session_id"] = json!(id);
            vec![format!("DELETE /api/v1/importsession/{id}/")]
        }
        "add_tags" | "remove_tags" | "update_observable" | "add_comment" | "report_false_positive" => {
            input["value"] = json!("suspicious-login.example");
            Vec::new()
        }
        // The one input is the target: the clone is the write asked for.
        "clone_observable" => {
            input["id"] = json!(500_000_201);
            vec!["POST /api/v2/intelligence/500000201/clone/".into()]
        }
        // An untouched classification and circles change nothing, so nothing is sent.
        "edit_import_classification" => {
            input["import_session_id"] = json!("1000000344");
            Vec::new()
        }
        "create_threat_model" => {
            input["model_type"] = json!("incident");
            input["name"] = json!("Case 4711");
            vec!["POST /api/v1/incident/".into()]
        }
        "delete_threat_model" => {
            input["model_type"] = json!("incident");
            input["id"] = json!(3301);
            vec!["DELETE /api/v1/incident/3301/".into()]
        }
        // The model alone: nothing to change, tag, say or link is refused before any request.
        "update_threat_model"
        | "add_threat_model_tags"
        | "add_threat_model_comment"
        | "link_threat_model"
        | "unlink_threat_model" => {
            input["model_type"] = json!("actor");
            input["id"] = json!(3101);
            Vec::new()
        }
        "create_investigation" => {
            input["name"] = json!("Case 4711");
            vec!["POST /api/v1/investigation/".into()]
        }
        "delete_investigation" => {
            let opened = run_ok(sim, "create_investigation", json!({"name": "Case 4712"}));
            let id = opened["investigation"]["id"].as_u64().expect("an ID");
            input["id"] = json!(id);
            vec![format!("DELETE /api/v1/investigation/{id}/")]
        }
        "update_investigation" => {
            input["id"] = json!(1001);
            Vec::new()
        }
        "add_investigation_elements" => {
            input["investigation_id"] = json!(1001);
            Vec::new()
        }
        _ => admin_target(step, input, sim),
    }
}

/// What the one write carried: only the target, nothing the form left empty.
fn assert_only_the_target_was_sent(step: &str, sim: &Simulator, source: Source, output: &Value) {
    match step {
        "add_approval_indicator" | "import_observable" => {
            let id = output["results"]["import_session_id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("the session's ID");
            let session = sim.import_session(id).expect("the session the sample made");
            assert_eq!(session.observables, ["203.0.113.91"]);
            let defaults: &[(&str, &str)] = match source {
                Source::Toolchain => &[],
                // The settings' one schema default; their other fields are empty.
                Source::Binary => &[("classification", "private")],
            };
            let defaults: Vec<(String, String)> = defaults
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect();
            assert_eq!(
                session.fields, defaults,
                "{step} ({source:?}) sent more than its defaults"
            );
        }
        "import_observables_without_approval" => {
            let patch = sim
                .requests()
                .into_iter()
                .find(|request| request.method == "PATCH")
                .expect("the import");
            let body: Value = serde_json::from_slice(&patch.body).expect("JSON");
            assert_eq!(
                body,
                json!({"meta": {"classification": "private"}, "objects": [{"srcip": "203.0.113.92", "itype": "c2_ip"}]}),
                "{source:?}"
            );
        }
        "create_rule" | "add_to_allowlist" | "create_snapshot" | "create_threat_model" | "create_investigation" => {
            let post = sim
                .requests()
                .into_iter()
                .find(|request| request.method == "POST")
                .expect("the write");
            let body: Value = serde_json::from_slice(&post.body).expect("JSON");
            let expected = match step {
                "create_rule" => json!({"name": "C2 watch", "keywords": ["evil-domain"], "match_observables": true,
                    "match_reportedfiles": false, "match_signatures": false, "match_tips": false,
                    "match_vulnerabilities": false}),
                "add_to_allowlist" => json!({"whitelist": [{"value_type": "domain", "value": "partner.example"}]}),
                "create_snapshot" => json!({"custom_config": {"chunk_size": "10MB", "format": "json_v2"}}),
                // A model is created private unless asked otherwise, as XSOAR and Splunk SOAR create
                // one: `is_public: false` is sent, so no tenant default can publish it.
                "create_threat_model" => json!({"name": "Case 4711", "is_public": false}),
                _ => json!({"name": "Case 4711"}),
            };
            assert_eq!(body, expected, "{step} ({source:?})");
        }
        "submit_file" | "submit_url" => {
            for submission in sim.sandbox_submissions() {
                let names: Vec<&str> = submission.form.fields.iter().map(|(name, _)| name.as_str()).collect();
                assert!(!names.contains(&"detail"), "{step} ({source:?}) sent the empty detail");
            }
        }
        _ => {}
    }
}

/// `target` for the administration steps: a rule or an allowlist entry to act on, made first.
fn admin_target(step: &str, input: &mut Value, sim: &Simulator) -> Vec<String> {
    let rule = || {
        let made = run_ok(
            sim,
            "create_rule",
            json!({"name": "C2 watch", "keywords": ["evil-domain"], "match_within": ["observables"]}),
        );
        made["rule"]["id"].as_u64().expect("a rule ID")
    };
    let entry = || {
        sim.allow("domain", "partner.example", None);
        sim.allowlist()[0]["id"].as_u64().expect("an entry ID")
    };
    match step {
        "create_rule" => {
            input["name"] = json!("C2 watch");
            input["keywords"] = json!(["evil-domain"]);
            input["match_within"] = json!(["observables"]);
            vec!["POST /api/v1/rule/".into()]
        }
        // Given only the rule, an update has nothing to change.
        "update_rule" => {
            input["id"] = json!(rule());
            Vec::new()
        }
        "delete_rule" => {
            let id = rule();
            input["id"] = json!(id);
            vec![format!("DELETE /api/v1/rule/{id}/")]
        }
        "add_to_allowlist" => {
            input["values"] = json!(["partner.example"]);
            vec!["POST /api/v1/orgwhitelist/bulk/".into()]
        }
        // Given only the entry, a note's change has no note.
        "update_allowlist_note" => {
            input["id"] = json!(entry());
            Vec::new()
        }
        "remove_from_allowlist" => {
            let id = entry();
            input["value"] = json!("partner.example");
            vec![format!("DELETE /api/v1/orgwhitelist/{id}/")]
        }
        "create_snapshot" => vec!["POST /api/v1/snapshot/".into()],
        other => panic!("{other} is not a write"),
    }
}

#[test]
fn every_write_steps_untouched_sample_with_only_its_target_writes_nothing_else() {
    for source in [Source::Toolchain, Source::Binary] {
        for step in WRITES {
            let sim = simulator_builder().import_delay(Duration::ZERO).start();
            let mut message = sample(source, step);
            message["body"]["connection"] = connection(&sim);
            let expected = target(step, &mut message["body"]["input"], &sim, source);
            sim.clear_requests();
            let run = Invocation::run(step)
                .against(&sim)
                .stdin_raw(message.to_string())
                .invoke();
            if expected.is_empty() {
                assert_eq!(run.code, 1, "{step} ({source:?}) should be refused: {}", run.stdout);
                assert_untouched(&sim);
                continue;
            }
            assert_eq!(run.code, 0, "{step} ({source:?}) failed: {}", run.stdout);
            assert_eq!(writes(&sim), expected, "{step} ({source:?})");
            let output = run.event().body.output.unwrap_or_default();
            assert_only_the_target_was_sent(step, &sim, source, &output);
        }
    }
}

/// The first case: the form's 0 set a confidence of 40 to 0.
#[test]
fn an_untouched_confidence_changes_nothing_and_0_as_text_sets_0() {
    let sim = simulator();
    let record = records(&sim, "suspicious-login.example")[0].clone();
    let id = record["id"].as_u64().expect("an ID");
    assert_eq!(record["confidence"], 40);
    sim.clear_requests();
    let output = run_ok(
        &sim,
        "update_observable",
        json!({"id": 0, "value": "suspicious-login.example", "all_matches": false, "status": "", "confidence": 0,
            "severity": "", "tlp": "red", "expiration_ts": "", "itype": ""}),
    );
    assert_eq!(output, json!({"success": true, "ids": [id]}));
    let patch = sim
        .requests()
        .into_iter()
        .find(|request| request.method == "PATCH")
        .expect("a PATCH");
    let body: Value = serde_json::from_slice(&patch.body).expect("JSON");
    assert_eq!(body, json!({"tlp": "red"}));
    assert_eq!(sim.record(id).expect("kept")["confidence"], 40);

    run_ok(&sim, "update_observable", json!({"id": id, "confidence": "0"}));
    assert_eq!(sim.record(id).expect("kept")["confidence"], 0, "0 given as text is set");
}

/// The second case: `id: 0` beside a value was "give either id or value, not both".
#[test]
fn an_id_of_0_beside_a_value_is_not_given() {
    let sim = simulator();
    for (step, own) in [
        ("add_tags", json!({"tags": ["triaged"]})),
        ("remove_tags", json!({"tags": ["triaged"]})),
        ("update_observable", json!({"status": "active"})),
        ("add_comment", json!({"comment": "seen in case 4711"})),
        ("get_comments", json!({})),
    ] {
        let mut input = json!({"id": 0, "value": "suspicious-login.example", "all_matches": false});
        for (name, value) in own.as_object().expect("an object") {
            input[name] = value.clone();
        }
        run_ok(&sim, step, input);
    }
}

#[test]
fn comments_of_a_value_many_observables_share_need_no_all_matches() {
    let sim = simulator();
    assert!(records(&sim, "evil-domain.example").len() > 1);
    run_ok(
        &sim,
        "add_comment",
        json!({"value": "evil-domain.example", "comment": "one note for the value", "all_matches": true}),
    );
    let output = run_ok(&sim, "get_comments", json!({"value": "evil-domain.example"}));
    let comments = output["comments"].as_array().expect("a list");
    assert_eq!(comments.len(), 1, "{output}");
    assert_eq!(comments[0]["comment"], "one note for the value");
}

#[test]
fn one_steps_id_feeds_the_next_in_either_json_form() {
    let sim = simulator_builder()
        .sandbox_processing(Duration::ZERO)
        .import_delay(Duration::ZERO)
        .start();
    let submitted = run_ok(
        &sim,
        "submit_url",
        json!({"platform": "WINDOWS10", "use_premium_sandbox": false, "url": "https://downloads.example.com/a.exe"}),
    );
    let report_id = submitted["reports"][0]["id"].clone();
    assert!(report_id.is_u64(), "Submit URL answers the ID as a number: {submitted}");
    let report = run_ok(&sim, "get_sandbox_report", json!({"report_id": report_id}));
    assert_eq!(report["status"], "done");

    let session: u64 = processed_session(&sim).parse().expect("a number as text");
    let read = run_ok(&sim, "get_import_session", json!({"import_session_id": session}));
    assert_eq!(read["import_session"]["id"], session.to_string());

    let id = records(&sim, "suspicious-login.example")[0]["id"]
        .as_u64()
        .expect("an ID");
    let updated = run_ok(
        &sim,
        "update_observable",
        json!({"id": id.to_string(), "status": "active"}),
    );
    assert_eq!(updated["ids"], json!([id]));
    let model = run_ok(&sim, "get_threat_model", json!({"model_type": "actor", "id": "3101"}));
    assert_eq!(model["found"], true);
}

/// The last sandbox case: `sections: []`, as the form and the samples send it, fetched nothing.
#[test]
fn enrichment_with_an_empty_list_of_sections_fetches_every_section() {
    let sim = simulator();
    let every = run_ok(&sim, "enrich_observable", json!({"value": "198.51.100.23"}));
    let empty = run_ok(
        &sim,
        "enrich_observable",
        json!({"value": "198.51.100.23", "sections": []}),
    );
    assert_eq!(empty, every);
    for section in ["associations", "passive_dns", "whois", "insights", "references"] {
        assert!(empty.get(section).is_some(), "{section} missing: {empty}");
    }
}
