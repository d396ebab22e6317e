//! The import lifecycle against the simulator's real state: import, wait for processing, approve, look
//! up, tag, mark as a false positive, comment, untag; the import without approval; and how long the
//! imports wait. Sessions process for a short `import_delay`, and every wait has a deadline.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use threatstream_simulator::{Fault, Simulator, USERNAME};

use crate::harness::{assert_untouched, records, run_ok, simulator_processing_for, Invocation, Preset, RUN_DEADLINE};

/// Long enough that the first read of a session finds it processing, short enough to wait for.
const PROCESSING: Duration = Duration::from_millis(300);

/// The longest `wait_for_processing`. The harness kills a run long before: a run that waits it out fails.
const LONGEST_WAIT: u64 = 600;
const _: () = assert!(RUN_DEADLINE.as_secs() < LONGEST_WAIT);

fn file(name: &str, text: &str) -> Value {
    json!({"filename": name, "content": base64::engine::general_purpose::STANDARD.encode(text)})
}

/// The one record of `value`.
#[track_caller]
fn record(sim: &Simulator, value: &str) -> Value {
    let found = records(sim, value);
    assert_eq!(found.len(), 1, "one record of {value}: {found:?}");
    found[0].clone()
}

fn tag_names(record: &Value) -> Vec<String> {
    let tags = record["tags"].as_array().cloned().unwrap_or_default();
    tags.iter()
        .filter_map(|tag| tag["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn an_import_goes_from_file_to_a_closed_observable() {
    let sim = simulator_processing_for(PROCESSING);
    let csv = "value,itype\n203.0.113.45,c2_ip\nloop-campaign.example,mal_domain\nnothing to see here\n";
    // The run ends because the session is ready, not because the wait ran out.
    let imported = run_ok(
        &sim,
        "import_observable",
        json!({"file": file("loop.csv", csv), "observable_settings": {"classification": "private", "confidence": 90},
            "wait_for_processing": LONGEST_WAIT}),
    );
    assert!(session_reads(&sim) >= 1, "the session was read after the import");
    let session_id = imported["results"]["import_session_id"]
        .as_str()
        .expect("an ID")
        .to_owned();
    let session = &imported["import_session"];
    assert_eq!(session["id"], session_id.as_str());
    assert_eq!(session["job_id"], imported["results"]["job_id"]);
    assert_eq!(
        (session["status"].as_str(), session["status_label"].as_str()),
        (Some("done"), Some("Ready To Review"))
    );
    assert_eq!(
        (session["num_indicators"].as_i64(), session["num_rejected"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (&session["submitted_by"], &session["confidence"], &session["file_name"]),
        (&json!(USERNAME), &json!(90), &json!("loop.csv")),
        "the session says who imported what, and how"
    );
    assert!(
        records(&sim, "203.0.113.45").is_empty(),
        "nothing is live before the approval"
    );

    let approved = run_ok(&sim, "approve_import_session", json!({"import_session_id": session_id}));
    assert_eq!(approved["success"], true);
    // ThreatStream answers the approval with the session approving, naming its approver.
    assert_eq!(approved["import_session"]["status"], "approving");
    assert_eq!(approved["import_session"]["approved_by"], USERNAME);
    assert!(approved["import_session"]["approved_by_id"]
        .as_u64()
        .is_some_and(|id| id > 0));
    let read = run_ok(&sim, "get_import_session", json!({"import_session_id": session_id}));
    assert_eq!(read["import_session"]["status_label"], "Approved");
    let live = record(&sim, "203.0.113.45");
    assert_eq!(
        (live["status"].as_str(), live["itype"].as_str()),
        (Some("active"), Some("c2_ip"))
    );
    assert_eq!(live["confidence"], 90);
    let id = live["id"].as_u64().expect("a numeric ID");

    let tagged = run_ok(
        &sim,
        "add_tags",
        json!({"value": "203.0.113.45", "tags": ["loop-closed"], "tlp": "amber"}),
    );
    assert_eq!(tagged, json!({"success": true, "ids": [id]}));
    let tags = record(&sim, "203.0.113.45")["tags"].clone();
    assert_eq!(tags[0]["name"], "loop-closed");
    assert_eq!(tags[0]["tlp"], "amber");

    let closed = run_ok(
        &sim,
        "update_observable",
        json!({"value": "203.0.113.45", "status": "falsepos"}),
    );
    assert_eq!(closed, json!({"success": true, "ids": [id]}));
    let closed = record(&sim, "203.0.113.45");
    assert_eq!(closed["status"], "falsepos");
    let verdict = run_ok(&sim, "lookup_ip", json!({"ip_address": "203.0.113.45"}))["verdict"].clone();
    assert_eq!(
        verdict["verdict"], "benign",
        "a false positive closes the case: {verdict}"
    );

    let note = "Closed as a false positive: our own scanner (case 4711)";
    run_ok(&sim, "add_comment", json!({"id": id, "comment": note, "tlp": "amber"}));
    let comments = run_ok(&sim, "get_comments", json!({"value": "203.0.113.45"}));
    assert_eq!(comments["comments"][0]["comment"], note);
    assert_eq!(comments["comments"][0]["tlp"], "amber");

    let untagged = run_ok(&sim, "remove_tags", json!({"id": id, "tags": ["loop-closed"]}));
    assert_eq!(untagged, json!({"success": true, "ids": [id]}));
    assert!(tag_names(&record(&sim, "203.0.113.45")).is_empty());
    assert_eq!(
        record(&sim, "loop-campaign.example")["status"],
        "active",
        "the rest of the import is untouched"
    );
}

#[test]
fn observables_imported_without_approval_are_live_at_once() {
    let sim = simulator_processing_for(PROCESSING);
    let output = run_ok(
        &sim,
        "import_observables_without_approval",
        json!({"classification": "private", "confidence": 60, "severity": "high",
            "tags": [{"name": "playbook-import", "tlp": "red"}],
            "observables": [
                {"value": "203.0.113.99", "itype": "c2_ip", "confidence": 95},
                {"value": "44d88612fea8a8f36de82e1278abb02e", "itype": "mal_md5"},
                {"value": "phish-login.example", "itype": "phish_domain", "tags": [{"name": "own"}]}]}),
    );
    assert_eq!(output, json!({"success": true, "observables_sent": 3, "requests": 1}));
    let requests = sim.requests();
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("PATCH", "/api/v2/intelligence/")
    );
    let body: Value = serde_json::from_slice(&requests[0].body).expect("a JSON body");
    assert_eq!(
        body,
        json!({"meta": {"classification": "private", "confidence": 60, "severity": "high",
                "tags": [{"name": "playbook-import", "tlp": "red"}]},
            "objects": [
                {"srcip": "203.0.113.99", "itype": "c2_ip", "confidence": 95},
                {"md5": "44d88612fea8a8f36de82e1278abb02e", "subtype": "MD5", "itype": "mal_md5"},
                {"domain": "phish-login.example", "itype": "phish_domain", "tags": [{"name": "own"}]}]})
    );
    let ip = record(&sim, "203.0.113.99");
    assert_eq!(
        (ip["status"].as_str(), ip["confidence"].as_i64()),
        (Some("active"), Some(95))
    );
    assert_eq!(tag_names(&ip), ["playbook-import"]);
    assert_eq!(record(&sim, "44d88612fea8a8f36de82e1278abb02e")["confidence"], 60);
    assert_eq!(tag_names(&record(&sim, "phish-login.example")), ["own"]);
}

#[test]
fn a_large_import_without_approval_goes_in_requests_of_at_most_5_mb() {
    let sim = simulator_processing_for(PROCESSING);
    let path = "p".repeat(7900);
    let observables: Vec<Value> = (0..700)
        .map(|n| json!({"value": format!("https://drop.example.com/{n}/{path}"), "itype": "mal_url"}))
        .collect();
    let output = run_ok(
        &sim,
        "import_observables_without_approval",
        json!({"classification": "public", "observables": observables}),
    );
    assert_eq!(output, json!({"success": true, "observables_sent": 700, "requests": 2}));
    let mut sent = 0;
    for request in sim.requests().iter().filter(|request| request.method == "PATCH") {
        assert!(request.body.len() <= 5_000_000, "{} bytes", request.body.len());
        let body: Value = serde_json::from_slice(&request.body).expect("JSON");
        sent += body["objects"].as_array().map_or(0, Vec::len);
    }
    assert_eq!(sent, 700);
}

#[test]
fn an_import_without_approval_is_never_sent_twice() {
    let sim = simulator_processing_for(PROCESSING);
    sim.push_fault(Fault::Status {
        status: 503,
        body: "{\"message\": \"maintenance\"}".into(),
    });
    Invocation::run("import_observables_without_approval")
        .input(json!({"classification": "private", "observables": [{"value": "203.0.113.98", "itype": "c2_ip"}]}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "Get Observables");
    assert_eq!(
        sim.requests().len(),
        1,
        "a PATCH that may have been applied is not sent again"
    );
}

#[test]
fn bad_imports_without_approval_are_refused_before_any_request() {
    let sim = simulator_processing_for(PROCESSING);
    let with = |observables: Value| json!({"classification": "private", "observables": observables});
    let ten_megabytes: Vec<Value> = (0..110_000)
        .map(|n| {
            json!({"value": format!("host-{n:06}.phishing-kit-distribution.bulk-campaign.example"),
            "itype": "mal_domain"})
        })
        .collect();
    assert!(json!(ten_megabytes).to_string().len() > 10_000_000);
    let cases = [
        (with(json!([])), "'observables'"),
        (
            json!({"classification": "private", "observables": ten_megabytes}),
            "'observables'",
        ),
        (
            with(json!([{"value": "a.example", "itype": "mal_domain", "tags": [{"name": " "}]}])),
            "'observables[0].tags[0].name'",
        ),
        (
            with(json!([{"value": "a.example", "itype": "mal_domain", "tags": [{"tlp": "red"}]}])),
            "name",
        ),
        (
            with(json!([{"value": "not an observable", "itype": "mal_domain"}])),
            "'observables[0].value'",
        ),
        (
            with(json!([{"value": "phisher@example.org", "itype": "phish_email"}])),
            "'observables[0].confidence'",
        ),
        (
            with(json!([{"value": "a.example", "itype": "mal domain"}])),
            "'observables[0].itype'",
        ),
        (with(json!([{"value": "a.example"}])), "itype"),
        (
            json!({"classification": "secret", "observables": [{"value": "a.example", "itype": "mal_domain"}]}),
            "classification",
        ),
        (
            json!({"classification": "private", "severity": "extreme", "observables": []}),
            "severity",
        ),
        (
            json!({"classification": "private", "expiration_ts": "soon",
            "observables": [{"value": "a.example", "itype": "mal_domain"}]}),
            "'expiration_ts'",
        ),
    ];
    for (input, named) in cases {
        Invocation::run("import_observables_without_approval")
            .input(input)
            .against(&sim)
            .refused_naming(named);
    }
    assert_untouched(&sim);
}

#[test]
fn a_session_still_processing_at_the_deadline_is_an_answer_not_an_error() {
    let sim = simulator_processing_for(Duration::from_secs(120));
    let started = Instant::now();
    let output = run_ok(
        &sim,
        "add_approval_indicator",
        json!({"datatext": "203.0.113.46", "wait_for_processing": 1}),
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "gave up after {waited:?}");
    let session = &output["import_session"];
    assert_eq!(
        (session["status"].as_str(), session["status_label"].as_str()),
        (Some("processing"), Some("Processing"))
    );
    assert_eq!(session["num_indicators"], 0);
    // Read again while processing; and the pause between reads grows (a slower machine only lowers the
    // count), so a second of waiting is not hundreds of reads.
    let polls = session_reads(&sim);
    assert!((2..=20).contains(&polls), "{polls} reads of the session in one second");
}

/// How many times the plugin read an import session.
fn session_reads(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|request| request.path.starts_with("/api/v1/importsession/"))
        .count()
}

#[test]
fn without_a_wait_the_import_answers_at_once_as_before() {
    let sim = simulator_processing_for(PROCESSING);
    let output = run_ok(
        &sim,
        "add_approval_indicator",
        json!({"datatext": "203.0.113.47", "wait_for_processing": 0}),
    );
    assert!(output.get("import_session").is_none(), "{output}");
    assert_eq!(sim.requests().len(), 1);
    Invocation::run("add_approval_indicator")
        .input(json!({"datatext": "203.0.113.47", "wait_for_processing": LONGEST_WAIT + 1}))
        .against(&sim)
        .refused_naming("wait_for_processing");
}

#[test]
fn default_state_active_approves_the_session_once_processed() {
    let sim = simulator_processing_for(PROCESSING);
    let run = Invocation::run("add_approval_indicator")
        .input(json!({"datatext": "203.0.113.48", "default_state": "active", "wait_for_processing": 30}))
        .against(&sim)
        .invoke();
    let body = run.event().body;
    assert_eq!((run.code, body.status.as_str()), (0, "ok"), "{run:?}");
    assert!(
        body.log.contains("approved by ThreatStream once processed") && !body.log.contains("waiting for approval"),
        "an active import waits for no approval: {}",
        body.log
    );
    let output = body.output.expect("an ok event has an output");
    assert_eq!(output["import_session"]["status"], "approved");
    let session = &sim.import_sessions()[0];
    assert!(
        session
            .fields
            .contains(&("default_state".to_owned(), "active".to_owned())),
        "{:?}",
        session.fields
    );
    assert_eq!(record(&sim, "203.0.113.48")["status"], "active");
    run_ok(
        &sim,
        "add_approval_indicator",
        json!({"datatext": "203.0.113.49", "default_state": "pending"}),
    );
    let pending = &sim.import_sessions()[1];
    assert!(
        pending.fields.iter().all(|(name, _)| name != "default_state"),
        "pending is not sent"
    );
}

#[test]
fn a_session_that_cannot_be_read_after_the_import_is_named_so_nobody_imports_twice() {
    let sim = simulator_processing_for(PROCESSING);
    sim.add_fault_rule(
        threatstream_simulator::FaultRule::new(Fault::Status {
            status: 500,
            body: "{}".into(),
        })
        .path_prefix("/api/v1/importsession/")
        .always(),
    );
    let run = Invocation::run("import_observable")
        .input(json!({"datatext": "203.0.113.50", "wait_for_processing": 5}))
        .against(&sim)
        .errs();
    let id = sim.import_sessions()[0].id;
    let cause = run.exception().cause;
    assert!(
        cause.starts_with(&format!(
            "ThreatStream accepted the import as import session {id}, but following"
        )),
        "{cause}"
    );
    assert!(cause.contains("Do not import again"), "{cause}");
}
