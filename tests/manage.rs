//! Import sessions and observable management against the simulator: what each action sends, how an
//! observable is found by value, every bad input refused before any request, a 403 on every write
//! naming its permission, and which writes are retried.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Permission, Simulator};

use crate::harness::{
    assert_refused_before_any_request, records, requests_to, run_ok, simulator, simulator_builder,
    simulator_processing_for, Invocation, Preset,
};

const HASH_ID: u64 = 500_000_401;

/// An import session made through the plugin, already processed.
fn processed_session(sim: &Simulator, text: &str) -> String {
    let output = run_ok(
        sim,
        "import_observable",
        json!({"datatext": text, "wait_for_processing": 30}),
    );
    assert_eq!(output["import_session"]["status"], "done", "{output}");
    output["results"]["import_session_id"]
        .as_str()
        .expect("an ID")
        .to_owned()
}

/// Asserts a 403 in the runtime's words (the assistance is the action's own); answers with the run.
#[track_caller]
fn forbidden(invocation: Invocation) -> crate::harness::Run {
    let run = invocation.errs();
    assert_eq!(run.exception().cause, Preset::Unauthorized.texts().0);
    run
}

#[test]
fn sessions_are_read_listed_approved_again_and_rejected() {
    let sim = simulator_processing_for(std::time::Duration::ZERO);
    let first = processed_session(&sim, "203.0.113.60");
    let second = processed_session(&sim, "203.0.113.61\nnot an observable");
    let read = run_ok(&sim, "get_import_session", json!({"import_session_id": second}));
    assert_eq!(read["import_session"]["num_rejected"], 1);
    assert_eq!(read["import_session"]["status_label"], "Ready To Review");

    run_ok(&sim, "approve_import_session", json!({"import_session_id": first}));
    let again = run_ok(&sim, "approve_import_session", json!({"import_session_id": first}));
    assert_eq!(again["import_session"]["status"], "approved", "approving twice is fine");
    let path = format!("/api/v1/importsession/{first}/approve_all/");
    assert_eq!(requests_to(&sim, "PATCH", &path).len(), 2);

    assert_eq!(
        run_ok(&sim, "reject_import_session", json!({"import_session_id": second})),
        json!({"success": true})
    );
    assert_eq!(
        requests_to(&sim, "DELETE", &format!("/api/v1/importsession/{second}/")).len(),
        1
    );
    assert!(
        records(&sim, "203.0.113.61").is_empty(),
        "a rejected session's observables never appear"
    );
    let rejected = run_ok(&sim, "get_import_session", json!({"import_session_id": second}));
    assert_eq!(rejected["import_session"]["status_label"], "Rejected");

    let approved = run_ok(&sim, "list_import_sessions", json!({"status": "approved"}));
    assert_eq!(approved["count"], 1);
    assert_eq!(approved["import_sessions"][0]["id"], first.as_str());
    let untouched = run_ok(&sim, "list_import_sessions", json!({"status": ""}));
    let every = run_ok(&sim, "list_import_sessions", json!({}));
    assert!(every["count"].as_u64() >= Some(2), "{every}");
    assert_eq!(untouched, every, "the form's empty status lists every status");
    let all = run_ok(
        &sim,
        "list_import_sessions",
        json!({"modified_since": "2000-01-01T00:00:00Z", "limit": 1}),
    );
    assert_eq!(all["count"], 1, "the limit holds");
    let none = run_ok(
        &sim,
        "list_import_sessions",
        json!({"modified_since": "2999-01-01T00:00:00Z"}),
    );
    assert_eq!(none, json!({"count": 0, "import_sessions": []}));
    let list = sim
        .requests()
        .into_iter()
        .rfind(|request| request.path == "/api/v1/importsession/")
        .expect("a list");
    assert!(list
        .query_pairs()
        .contains(&("date_modified__gte".into(), "2999-01-01T00:00:00Z".into())));
}

#[test]
fn a_session_in_the_wrong_state_or_unknown_is_named() {
    let sim = simulator_processing_for(std::time::Duration::ZERO);
    let id = processed_session(&sim, "203.0.113.62");
    run_ok(&sim, "reject_import_session", json!({"import_session_id": id}));
    let conflict = Invocation::run("approve_import_session")
        .input(json!({"import_session_id": id}))
        .against(&sim)
        .errs();
    assert_eq!(
        conflict.exception().cause,
        format!("Import session {id} cannot be approved in its current state.")
    );
    assert!(
        conflict.exception().data.contains("rejected"),
        "{:?}",
        conflict.exception()
    );
    let unknown = Invocation::run("get_import_session")
        .input(json!({"import_session_id": "42"}))
        .against(&sim)
        .errs();
    assert_eq!(
        unknown.exception().cause,
        "ThreatStream has no import session with ID 42."
    );
    // What to check is the ID, not the connection's URL.
    let advice = unknown.exception().assistance;
    assert!(
        advice.starts_with("Check the import session ID") && advice.contains("List Import Sessions"),
        "{advice}"
    );
}

#[test]
fn a_session_that_ended_in_errors_says_why_and_approving_it_is_no_success() {
    let sim = simulator_processing_for(std::time::Duration::ZERO);
    let output = run_ok(
        &sim,
        "import_observable",
        json!({"datatext": "nothing to import here", "wait_for_processing": 30}),
    );
    let session = &output["import_session"];
    assert_eq!(
        (&session["status"], &session["status_label"]),
        (&json!("errors"), &json!("Errors"))
    );
    assert!(
        session["messages"]
            .as_str()
            .is_some_and(|why| why.contains("No observables")),
        "{session}"
    );
    let id = session["id"].as_str().expect("an ID").to_owned();

    // ThreatStream answers 200 with the session, approved by nobody: XSOAR's "Import Session Approval
    // Failed", here an error that says what came back and what to check.
    let run = Invocation::run("approve_import_session")
        .input(json!({"import_session_id": id}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        format!(
            "ThreatStream did not confirm the approval of import session {id}: the session it answered with \
             has approved_by_id null and status 'errors', so nobody approved it."
        )
    );
    assert!(
        exception.assistance.contains("Approve Intel") && exception.assistance.contains("status done"),
        "{}",
        exception.assistance
    );
    assert!(
        exception.data.contains(r#""approved_by_id":null"#),
        "{}",
        exception.data
    );
    assert_eq!(
        run_ok(&sim, "reject_import_session", json!({"import_session_id": id})),
        json!({"success": true}),
        "a session in errors can still be rejected"
    );
}

#[test]
fn a_value_with_several_observables_needs_all_matches() {
    let sim = simulator();
    // The seed has several records of this domain, in more than one letter case.
    let ids: Vec<u64> = records(&sim, "evil-domain.example")
        .iter()
        .filter_map(|record| record["id"].as_u64())
        .collect();
    assert!(ids.len() > 1, "{ids:?}");
    sim.clear_requests();
    let run = Invocation::run("add_tags")
        .input(json!({"value": "evil-domain.example", "tags": ["reviewed"]}))
        .against(&sim)
        .errs();
    let listed: Vec<String> = ids.iter().map(u64::to_string).collect();
    let expected = format!(
        "'evil-domain.example' matches {} observables: IDs {}.",
        ids.len(),
        listed.join(", ")
    );
    assert_eq!(run.exception().cause, expected);
    assert!(
        sim.requests().iter().all(|request| request.method == "GET"),
        "nothing was written"
    );
    let output = run_ok(
        &sim,
        "add_tags",
        json!({"value": "evil-domain.example", "tags": ["reviewed"], "all_matches": true}),
    );
    assert_eq!(output, json!({"success": true, "ids": ids}));
    let tagging = sim
        .requests()
        .into_iter()
        .find(|request| request.path == "/api/v2/intelligence/bulk_tagging/");
    let body: Value = serde_json::from_slice(&tagging.expect("a bulk call").body).expect("JSON");
    // IDs as strings and a TLP on every tag, red when none is given, as XSOAR sends them.
    let listed: Vec<String> = ids.iter().map(u64::to_string).collect();
    assert_eq!(
        body,
        json!({"ids": listed, "tags": [{"name": "reviewed", "tlp": "red"}]})
    );
}

#[test]
fn an_observable_that_does_not_exist_is_named_before_any_write() {
    let sim = simulator();
    let by_id = Invocation::run("update_observable")
        .input(json!({"id": 42, "status": "inactive"}))
        .against(&sim)
        .errs();
    assert_eq!(by_id.exception().cause, "ThreatStream has no observable with ID 42.");
    assert!(by_id
        .exception()
        .assistance
        .starts_with("Check the observable ID and where it came from"));
    let by_value = Invocation::run("add_comment")
        .input(json!({"value": "never-seen.example", "comment": "x"}))
        .against(&sim)
        .errs();
    assert_eq!(
        by_value.exception().cause,
        "ThreatStream has no observable whose value is 'never-seen.example'."
    );
    assert!(by_value
        .exception()
        .assistance
        .contains("Get Observables shows whether"));
    assert!(sim.requests().iter().all(|request| request.method == "GET"));
}

#[test]
fn an_update_sends_only_the_fields_given() {
    let sim = simulator();
    let output = run_ok(
        &sim,
        "update_observable",
        json!({"id": HASH_ID, "status": "inactive", "confidence": 15, "severity": "very-high", "tlp": "",
            "itype": "suspicious_md5", "expiration_ts": "2030-01-01T00:00:00Z"}),
    );
    assert_eq!(output, json!({"success": true, "ids": [HASH_ID]}));
    let patch = sim
        .requests()
        .into_iter()
        .find(|request| request.method == "PATCH")
        .expect("a PATCH");
    assert_eq!(patch.path, format!("/api/v2/intelligence/{HASH_ID}/"));
    let body: Value = serde_json::from_slice(&patch.body).expect("JSON");
    assert_eq!(
        body,
        json!({"status": "inactive", "confidence": 15, "severity": "very-high",
            "expiration_ts": "2030-01-01T00:00:00Z", "itype": "suspicious_md5"})
    );
    let record = sim.record(HASH_ID).expect("kept");
    assert_eq!(
        (record["status"].as_str(), record["meta"]["severity"].as_str()),
        (Some("inactive"), Some("very-high"))
    );

    run_ok(
        &sim,
        "update_observable",
        json!({"id": HASH_ID, "status": "", "confidence": 20}),
    );
    let patches: Vec<Value> = sim
        .requests()
        .into_iter()
        .filter(|request| request.method == "PATCH")
        .map(|request| serde_json::from_slice(&request.body).expect("JSON"))
        .collect();
    assert_eq!(
        patches[1],
        json!({"confidence": 20}),
        "the form's empty status changes nothing"
    );
}

#[test]
fn bad_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let cases = [
        ("add_tags", json!({"id": 1, "tags": []}), "'tags'"),
        ("add_tags", json!({"id": 1, "tags": ["ok", "  "]}), "'tags[1]'"),
        ("add_tags", json!({"id": "abc", "tags": ["a"]}), "id"),
        (
            "add_tags",
            json!({"id": 1, "value": "a.example", "tags": ["a"]}),
            "'id'",
        ),
        ("add_tags", json!({"tags": ["a"]}), "'id'"),
        ("remove_tags", json!({"value": "a.example", "tags": []}), "'tags'"),
        ("remove_tags", json!({"id": 0, "tags": ["a"]}), "'id'"),
        ("update_observable", json!({"id": 1, "status": "deleted"}), "status"),
        ("update_observable", json!({"id": 1}), "nothing to update"),
        ("update_observable", json!({"id": 1, "confidence": 101}), "confidence"),
        ("update_observable", json!({"id": "x1", "status": "active"}), "'id'"),
        (
            "update_observable",
            json!({"id": 1, "confidence": "high"}),
            "'confidence'",
        ),
        (
            "update_observable",
            json!({"value": "a.example", "itype": "Not An Itype"}),
            "'itype'",
        ),
        (
            "update_observable",
            json!({"id": 1, "expiration_ts": "tomorrow"}),
            "'expiration_ts'",
        ),
        ("add_comment", json!({"id": 1, "comment": "  "}), "'comment'"),
        ("add_comment", json!({"id": 1, "comment": "x", "tlp": "purple"}), "tlp"),
        ("get_comments", json!({}), "'id'"),
        (
            "get_import_session",
            json!({"import_session_id": "abc"}),
            "'import_session_id'",
        ),
        (
            "approve_import_session",
            json!({"import_session_id": "-1"}),
            "'import_session_id'",
        ),
        (
            "reject_import_session",
            json!({"import_session_id": ""}),
            "'import_session_id'",
        ),
        ("list_import_sessions", json!({"status": "ready"}), "status"),
        ("list_import_sessions", json!({"limit": 100_000}), "limit"),
        (
            "list_import_sessions",
            json!({"modified_since": "yesterday"}),
            "'modified_since'",
        ),
    ];
    assert_refused_before_any_request(&sim, cases);
}

#[test]
fn a_403_on_each_write_names_the_permission_it_needs() {
    let cases = [
        (
            Permission::Tag,
            "add_tags",
            json!({"id": HASH_ID, "tags": ["a"]}),
            "Tag Intel",
        ),
        (
            Permission::Tag,
            "remove_tags",
            json!({"id": HASH_ID, "tags": ["a"]}),
            "Tag Intel",
        ),
        (
            Permission::Update,
            "update_observable",
            json!({"id": HASH_ID, "status": "falsepos"}),
            "Edit Intel",
        ),
        (
            Permission::Comment,
            "add_comment",
            json!({"id": HASH_ID, "comment": "x"}),
            "Comment on Intel",
        ),
        (
            Permission::ApproveIntel,
            "import_observables_without_approval",
            json!({"classification": "private", "observables": [{"value": "203.0.113.70", "itype": "c2_ip"}]}),
            "Approve Intel",
        ),
        (
            Permission::ApproveIntel,
            "add_approval_indicator",
            json!({"datatext": "203.0.113.71", "default_state": "active"}),
            "Import Intel or Approve Intel",
        ),
        (
            Permission::Import,
            "import_observable",
            json!({"datatext": "203.0.113.72"}),
            "Import Intel",
        ),
    ];
    for (permission, action, input, label) in cases {
        let sim = simulator_builder().deny(permission).start();
        let run = forbidden(Invocation::run(action).input(input).against(&sim));
        let expected = format!("The account configured in the connection lacks ThreatStream's {label} permission");
        assert!(
            run.exception().assistance.starts_with(&expected),
            "{action}: {:?}",
            run.exception()
        );
        assert!(
            run.exception().data.contains(permission.name()),
            "{action}: ThreatStream's message is the data"
        );
    }
    for action in ["approve_import_session", "reject_import_session"] {
        let sim = simulator_processing_for(std::time::Duration::ZERO);
        let id = processed_session(&sim, "203.0.113.73");
        sim.set_denied(&[Permission::ApproveIntel]);
        let run = forbidden(
            Invocation::run(action)
                .input(json!({"import_session_id": id}))
                .against(&sim),
        );
        assert!(
            run.exception()
                .assistance
                .contains("lacks ThreatStream's Approve Intel permission"),
            "{action}"
        );
    }
}

#[test]
fn a_comment_is_sent_exactly_once_when_the_server_answers_503() {
    let sim = simulator();
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 503,
            body: "{}".into(),
        })
        .path_exact("/api/v2/intelligence/comments/")
        .always(),
    );
    Invocation::run("add_comment")
        .input(json!({"id": HASH_ID, "comment": "Seen in case 4711"}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "Get Comments");
    assert_eq!(
        requests_to(&sim, "POST", "/api/v2/intelligence/comments/").len(),
        1,
        "a second copy would be a second comment"
    );
}

#[test]
fn idempotent_writes_ride_out_a_503() {
    let sim = simulator();
    for (action, input, method, path) in [
        (
            "add_tags",
            json!({"id": HASH_ID, "tags": ["a"]}),
            "POST",
            "/api/v2/intelligence/bulk_tagging/".to_owned(),
        ),
        (
            "remove_tags",
            json!({"id": HASH_ID, "tags": ["a"]}),
            "PATCH",
            "/api/v2/intelligence/bulk_remove_tags/".to_owned(),
        ),
        // By value: read by ID, the observable's own path would meet the fault first.
        (
            "update_observable",
            json!({"value": "44d88612fea8a8f36de82e1278abb02f", "status": "active"}),
            "PATCH",
            format!("/api/v2/intelligence/{HASH_ID}/"),
        ),
    ] {
        sim.clear_requests();
        sim.add_fault_rule(
            FaultRule::new(Fault::Status {
                status: 503,
                body: "{}".into(),
            })
            .path_exact(&path),
        );
        run_ok(&sim, action, input);
        assert_eq!(requests_to(&sim, method, &path).len(), 2, "{action} is retried once");
    }
}
