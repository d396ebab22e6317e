//! Curating what others shared and what an import left out, against the simulator: Clone Observable,
//! Edit Import Classification, Get Import Session Rejects and Report False Positive end to end, what
//! each sends, a 403 on each write naming its permission (or saying the value cannot be cloned), the
//! writes that are sent once on a 503 and the one that is retried, and bad inputs refused before any
//! request.

use std::time::Duration;

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Permission};

use crate::harness::{
    assert_refused_before_any_request, requests_to, run_ok, simulator, simulator_builder, simulator_processing_for,
    Invocation, Preset,
};

/// The seed's IPv6 record, which another organization owns: ThreatStream clones it.
const THEIRS: u64 = 500_000_201;
const THEIRS_VALUE: &str = "2001:db8::bad:c0de";
/// A seed record of the simulated organization itself: ThreatStream will not clone it.
const OURS: u64 = 500_000_101;

fn clone_path(id: u64) -> String {
    format!("/api/v2/intelligence/{id}/clone/")
}

fn body_of(request: &threatstream_simulator::RecordedRequest) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// A 403 in the runtime's words, whose assistance starts with `advice`.
#[track_caller]
fn forbidden_naming(invocation: Invocation, advice: &str) {
    let run = invocation.errs();
    let exception = run.exception();
    assert_eq!(exception.cause, Preset::Unauthorized.texts().0, "{exception:?}");
    assert!(exception.assistance.starts_with(advice), "{exception:?}");
}

#[test]
fn a_clone_is_reclassified_approved_and_becomes_our_own_copy() {
    let sim = simulator_processing_for(Duration::ZERO);
    let cloned = run_ok(&sim, "clone_observable", json!({"id": THEIRS.to_string()}));
    let session = cloned["import_session_id"].as_str().expect("text").to_owned();
    assert_eq!(cloned["id"], THEIRS, "{cloned}");
    assert!(cloned["job_id"].as_str().is_some_and(|job| !job.is_empty()), "{cloned}");
    assert_eq!(requests_to(&sim, "POST", &clone_path(THEIRS)).len(), 1);

    let edited = run_ok(
        &sim,
        "edit_import_classification",
        json!({"import_session_id": session, "classification": "private", "trusted_circles": [146, 146]}),
    );
    assert_eq!(edited["success"], true, "{edited}");
    assert_eq!(edited["import_session"]["id"], session.as_str(), "{edited}");
    let path = format!("/api/v1/importsession/{session}/edit_classification/");
    let sent = requests_to(&sim, "PATCH", &path);
    assert_eq!(sent.len(), 1);
    assert_eq!(body_of(&sent[0]), json!({"is_public": false, "circles": [146]}));

    run_ok(&sim, "approve_import_session", json!({"import_session_id": session}));
    let copies = run_ok(&sim, "get_observables", json!({"value": THEIRS_VALUE}));
    let ours = copies["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|record| record["id"] != THEIRS)
        .unwrap_or_else(|| panic!("the approved clone is found: {copies}"));
    assert_eq!(ours["value"], THEIRS_VALUE);
}

#[test]
fn only_the_classification_given_is_sent() {
    let sim = simulator_processing_for(Duration::ZERO);
    let cloned = run_ok(&sim, "clone_observable", json!({"id": THEIRS}));
    let session = cloned["import_session_id"].as_str().expect("text").to_owned();
    // The form's untouched circles ([]) and classification ("") send nothing of theirs.
    for (input, body) in [
        (
            json!({"classification": "public", "trusted_circles": []}),
            json!({"is_public": true}),
        ),
        (
            json!({"classification": "", "trusted_circles": [7, 146]}),
            json!({"circles": [7, 146]}),
        ),
    ] {
        sim.clear_requests();
        let mut input = input;
        input["import_session_id"] = json!(session);
        run_ok(&sim, "edit_import_classification", input);
        let path = format!("/api/v1/importsession/{session}/edit_classification/");
        let sent = requests_to(&sim, "PATCH", &path);
        assert_eq!(sent.len(), 1);
        assert_eq!(body_of(&sent[0]), body);
    }
}

#[test]
fn what_cannot_be_cloned_is_named_as_such() {
    let sim = simulator();
    let run = Invocation::run("clone_observable")
        .input(json!({"id": OURS}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        format!("ThreatStream will not clone observable {OURS}: it is not cloneable.")
    );
    assert!(exception.assistance.contains("Update Observable"), "{exception:?}");
    assert!(
        exception.data.contains("is not cloneable"),
        "ThreatStream's words are the data"
    );

    let unknown = Invocation::run("clone_observable")
        .input(json!({"id": 42}))
        .against(&sim)
        .errs();
    assert_eq!(unknown.exception().cause, "ThreatStream has no observable with ID 42.");
}

#[test]
fn a_403_on_each_write_names_the_permission_it_needs() {
    let lacks =
        |label: &str| format!("The account configured in the connection lacks ThreatStream's {label} permission");
    let sim = simulator_builder().deny(Permission::Import).start();
    forbidden_naming(
        Invocation::run("clone_observable")
            .input(json!({"id": THEIRS}))
            .against(&sim),
        &lacks("Import Intel"),
    );

    let sim = simulator_processing_for(Duration::ZERO);
    let cloned = run_ok(&sim, "clone_observable", json!({"id": THEIRS}));
    sim.set_denied(&[Permission::ApproveIntel]);
    forbidden_naming(
        Invocation::run("edit_import_classification")
            .input(json!({"import_session_id": cloned["import_session_id"], "classification": "public"}))
            .against(&sim),
        &lacks("Import Intel or Approve Intel"),
    );

    sim.set_denied(&[Permission::Update]);
    forbidden_naming(
        Invocation::run("report_false_positive")
            .input(json!({"id": OURS, "reason": "Our scanner", "comment": "Case 4711"}))
            .against(&sim),
        &lacks("Edit Intel"),
    );
    assert!(sim.false_positive_reports().is_empty());
}

#[test]
fn a_clone_and_a_report_are_sent_once_when_the_server_answers_503() {
    let sim = simulator();
    for path in [clone_path(THEIRS), "/api/v1/falsepositive/report/".to_owned()] {
        sim.add_fault_rule(
            FaultRule::new(Fault::Status {
                status: 503,
                body: "{}".into(),
            })
            .path_exact(&path)
            .always(),
        );
    }
    Invocation::run("clone_observable")
        .input(json!({"id": THEIRS}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "List Import Sessions");
    assert_eq!(
        requests_to(&sim, "POST", &clone_path(THEIRS)).len(),
        1,
        "a second copy would be a second clone"
    );
    Invocation::run("report_false_positive")
        .input(json!({"id": OURS, "reason": "Our scanner", "comment": "Case 4711"}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "observable's page");
    assert_eq!(
        requests_to(&sim, "POST", "/api/v1/falsepositive/report/").len(),
        1,
        "a second copy would be a second report"
    );
}

#[test]
fn a_reclassification_rides_out_a_503() {
    let sim = simulator_processing_for(Duration::ZERO);
    let cloned = run_ok(&sim, "clone_observable", json!({"id": THEIRS}));
    let session = cloned["import_session_id"].as_str().expect("text").to_owned();
    let path = format!("/api/v1/importsession/{session}/edit_classification/");
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 503,
            body: "{}".into(),
        })
        .path_exact(&path),
    );
    run_ok(
        &sim,
        "edit_import_classification",
        json!({"import_session_id": session, "classification": "public"}),
    );
    assert_eq!(
        requests_to(&sim, "PATCH", &path).len(),
        2,
        "setting a classification twice is setting it once"
    );
}

#[test]
fn rejects_are_the_lines_an_import_left_out_and_why() {
    let sim = simulator_processing_for(Duration::ZERO);
    let imported = run_ok(
        &sim,
        "import_observable",
        json!({"datatext": "198.51.100.77\nnot an observable\n256.1.1.1", "wait_for_processing": 30}),
    );
    let session = imported["results"]["import_session_id"]
        .as_str()
        .expect("an ID")
        .to_owned();
    let all = run_ok(
        &sim,
        "get_import_session_rejects",
        json!({"import_session_id": session}),
    );
    assert_eq!((&all["count"], &all["more"]), (&json!(2), &json!(false)), "{all}");
    assert_eq!(
        all["rejects"][0],
        json!({"id": 1, "value": "not an observable", "reason": "No observable was found in the line."})
    );
    assert_eq!(all["rejects"][1]["value"], "256.1.1.1");
    let first = run_ok(
        &sim,
        "get_import_session_rejects",
        json!({"import_session_id": session, "limit": 1}),
    );
    assert_eq!((&first["count"], &first["more"]), (&json!(1), &json!(true)), "{first}");

    let unknown = Invocation::run("get_import_session_rejects")
        .input(json!({"import_session_id": "42"}))
        .against(&sim)
        .errs();
    assert_eq!(
        unknown.exception().cause,
        "ThreatStream has no import session with ID 42."
    );
}

#[test]
fn a_false_positive_is_reported_with_its_reason_for_each_observable_selected() {
    let sim = simulator();
    let output = run_ok(
        &sim,
        "report_false_positive",
        json!({"id": OURS, "reason": " Internal vulnerability scanner ", "comment": "Our own host; case 4711",
            "all_matches": false}),
    );
    assert_eq!(output, json!({"success": true, "ids": [OURS]}));
    let reports = sim.false_positive_reports();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        (
            &reports[0]["intelligence"],
            &reports[0]["reason"],
            &reports[0]["comment"]
        ),
        (
            &json!(OURS),
            &json!("Internal vulnerability scanner"),
            &json!("Our own host; case 4711")
        )
    );
    let unknown = Invocation::run("report_false_positive")
        .input(json!({"id": 42, "reason": "r", "comment": "c"}))
        .against(&sim)
        .errs();
    assert_eq!(unknown.exception().cause, "ThreatStream has no observable with ID 42.");
    assert_eq!(sim.false_positive_reports().len(), 1, "nothing was reported for it");
}

#[test]
fn bad_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let cases = [
        ("clone_observable", json!({"id": 0}), "'id'"),
        ("clone_observable", json!({"id": "abc"}), "id"),
        ("clone_observable", json!({}), "id"),
        (
            "edit_import_classification",
            json!({"import_session_id": "1000000344"}),
            "nothing to change",
        ),
        (
            "edit_import_classification",
            json!({"import_session_id": "1000000344", "classification": "", "trusted_circles": []}),
            "nothing to change",
        ),
        (
            "edit_import_classification",
            json!({"import_session_id": "abc", "classification": "public"}),
            "'import_session_id'",
        ),
        (
            "edit_import_classification",
            json!({"import_session_id": "1", "trusted_circles": [0]}),
            "'trusted_circles'",
        ),
        (
            "edit_import_classification",
            json!({"import_session_id": "1", "classification": "secret"}),
            "classification",
        ),
        (
            "get_import_session_rejects",
            json!({"import_session_id": ""}),
            "import_session_id",
        ),
        (
            "get_import_session_rejects",
            json!({"import_session_id": "1", "limit": 10_001}),
            "limit",
        ),
        (
            "report_false_positive",
            json!({"id": OURS, "reason": "  ", "comment": "c"}),
            "'reason'",
        ),
        (
            "report_false_positive",
            json!({"id": OURS, "reason": "r", "comment": ""}),
            "'comment'",
        ),
        (
            "report_false_positive",
            json!({"id": OURS, "reason": "two\nlines", "comment": "c"}),
            "'reason'",
        ),
        ("report_false_positive", json!({"reason": "r", "comment": "c"}), "'id'"),
    ];
    assert_refused_before_any_request(&sim, cases);
}
