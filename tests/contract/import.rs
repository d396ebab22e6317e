//! Import and import session routes: the imports' answers (ids as text or numbers, the empty 202),
//! sessions listed and read (messages, submitter, tags, associations, ids either way), the approval
//! (success only when the session names its approver) and the rejection (FortiSOAR's DELETE, 204).

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Simulator};

use super::fixture;
use crate::harness::{connection, requests_to, simulator, Invocation, Preset};

fn run_ok(sim: &Simulator, action: &str, input: Value) -> Value {
    Invocation::run(action).input(input).against(sim).ok()
}

#[test]
fn sessions_as_xsoars_list_shows_them_keep_what_explains_them() {
    let sim = simulator();
    fixture("import/xsoar_list_import_jobs").serve(&sim, "/api/v1/importsession/");
    let output = run_ok(&sim, "list_import_sessions", json!({"limit": 2}));
    assert_eq!(
        output,
        json!({"count": 2, "import_sessions": [
            {"id": "111111", "status": "done", "status_label": "Ready To Review", "num_indicators": 0,
             "num_rejected": 0, "num_public": 0, "num_private": 0, "submitted_by": "submitter@example.com",
             "submitted_by_id": 203, "date_created": "2023-03-19T16:41:21.895297",
             "processed_ts": "2023-03-19T16:41:22.065901", "date_modified": "2023-03-19T16:41:22.066700",
             "expiration_ts": "2023-06-16T21:00:00", "confidence": 50, "source_confidence_weight": 0,
             "threat_type": "malware", "is_public": false, "intelligence_initiatives": ["malware-intelligence"],
             "intelligence_source": "intelligence_source", "file_type": "analyst"},
            {"id": "120759", "status": "errors", "status_label": "Errors", "messages": "Failed to import the URL",
             "num_indicators": 0, "num_rejected": 0, "num_public": 0, "num_private": 0,
             "submitted_by": "submitter@example.com", "submitted_by_id": 111,
             "date_created": "2023-03-19T14:29:40.592787", "processed_ts": "2023-03-19T14:29:40.793205",
             "date_modified": "2023-03-19T14:29:40.804336", "expiration_ts": "2023-06-17T14:29:40.592394",
             "confidence": 50, "source_confidence_weight": 0, "threat_type": "exploit", "is_public": false,
             "tags": ["tag1", "tag2"], "intelligence_source": "txt", "file_name": "txt", "file_type": "url"}
        ]})
    );
    let list = &sim.requests()[0];
    assert!(list.query_pairs().contains(&("limit".into(), "2".into())), "{list:?}");
}

#[test]
fn approved_sessions_name_their_reviewer_and_a_null_next_ends_the_list() {
    let sim = simulator();
    fixture("import/xsoar_readme_approved_sessions").serve(&sim, "/api/v1/importsession/");
    let output = run_ok(&sim, "list_import_sessions", json!({"status": "approved"}));
    assert_eq!(output["count"], 2);
    for session in output["import_sessions"].as_array().expect("a list") {
        assert_eq!(
            (
                &session["approved_by"],
                &session["approved_by_id"],
                &session["status_label"]
            ),
            (&json!("reviewer@example.com"), &json!(111), &json!("Approved"))
        );
    }
    assert_eq!(
        requests_to(&sim, "GET", "/api/v1/importsession/").len(),
        1,
        "meta.next null is the last page"
    );
}

#[test]
fn an_empty_page_lists_no_session() {
    let sim = simulator();
    fixture("import/empty_list_page").serve(&sim, "/api/v1/importsession/");
    let output = run_ok(&sim, "list_import_sessions", json!({}));
    assert_eq!(output, json!({"count": 0, "import_sessions": []}));
    assert_eq!(requests_to(&sim, "GET", "/api/v1/importsession/").len(), 1);
}

#[test]
fn one_session_as_fortisoar_reads_it() {
    let sim = simulator();
    fixture("import/fortisoar_session_detail").serve(&sim, "/api/v1/importsession/875/");
    let output = run_ok(&sim, "get_import_session", json!({"import_session_id": "875"}));
    let session = &output["import_session"];
    assert_eq!(
        (
            &session["id"],
            &session["status_label"],
            &session["approved_by"],
            &session["approved_by_id"]
        ),
        (
            &json!("875"),
            &json!("Approved"),
            &json!("reviewer@example.com"),
            &json!(111)
        )
    );
    assert_eq!(
        (
            &session["num_indicators"],
            &session["num_rejected"],
            &session["num_private"]
        ),
        (&json!(3), &json!(1), &json!(3))
    );
    assert_eq!(
        (
            &session["tags"],
            &session["tlp"],
            &session["trusted_circles"],
            &session["notes"]
        ),
        (
            &json!(["campaign-7"]),
            &json!("amber"),
            &json!([146]),
            &json!("phishing,campaign-7")
        )
    );
    // In ThreatStream's order, named as Get Threat Model takes them; the empty kinds add nothing.
    assert_eq!(
        session["associations"],
        json!([{"model_type": "tipreport", "id": 10910, "name": "Bulletin 7"},
            {"model_type": "actor", "id": 10909, "name": "Example Actor"}])
    );
}

#[test]
fn ids_sent_as_text_are_read_as_numbers() {
    let sim = simulator();
    fixture("import/session_ids_as_text").serve(&sim, "/api/v1/importsession/875/");
    let output = run_ok(&sim, "get_import_session", json!({"import_session_id": "875"}));
    let session = &output["import_session"];
    assert_eq!(
        (&session["id"], &session["submitted_by_id"], &session["approved_by_id"]),
        (&json!("875"), &json!(16783), &json!(142))
    );
    assert_eq!(
        session["associations"],
        json!([{"model_type": "actor", "id": 10909, "name": "Example Actor"},
            {"model_type": "investigation", "id": 34, "name": "Case 34"}])
    );
}

#[test]
fn the_approval_as_xsoar_shows_it_succeeds_approving() {
    let sim = simulator();
    let path = "/api/v1/importsession/222222/approve_all/";
    fixture("import/xsoar_approve_import_job").serve(&sim, path);
    let output = run_ok(&sim, "approve_import_session", json!({"import_session_id": "222222"}));
    assert_eq!(output["success"], true);
    let session = &output["import_session"];
    assert_eq!(
        (&session["status"], &session["status_label"]),
        (&json!("approving"), &json!("Approving"))
    );
    assert_eq!(
        (
            &session["approved_by"],
            &session["approved_by_id"],
            &session["submitted_by_id"]
        ),
        (&json!("reviewer@example.com"), &json!(111), &json!(202))
    );
    assert_eq!(session["tags"], json!(["test", "test2"]));
    assert!(
        session.get("associations").is_none(),
        "fifteen empty lists are no association"
    );
    assert_eq!(requests_to(&sim, "PATCH", path).len(), 1);
    assert_eq!(
        sim.requests().len(),
        1,
        "the answer is the session: nothing is read back"
    );
}

#[test]
fn an_approval_that_names_no_approver_fails_saying_what_came_back() {
    for (name, id, shown, data) in [
        (
            "import/approve_approved_by_id_null",
            "333333",
            "approved_by_id null and status 'done'",
            r#""approved_by_id":null"#,
        ),
        (
            "import/approve_approved_by_id_zero",
            "333334",
            "approved_by_id 0 and status 'approving'",
            r#""approved_by_id":0"#,
        ),
    ] {
        let sim = simulator();
        fixture(name).serve(&sim, &format!("/api/v1/importsession/{id}/approve_all/"));
        let run = Invocation::run("approve_import_session")
            .input(json!({"import_session_id": id}))
            .against(&sim)
            .errs();
        let exception = run.exception();
        assert_eq!(
            exception.cause,
            format!(
                "ThreatStream did not confirm the approval of import session {id}: the session it answered \
                 with has {shown}, so nobody approved it."
            ),
            "{name}"
        );
        assert!(
            exception.assistance.contains("Approve Intel permission")
                && exception.assistance.contains("Get Import Session"),
            "{name}: {}",
            exception.assistance
        );
        assert!(exception.data.contains(data), "{name}: {}", exception.data);
    }
}

#[test]
fn an_approver_id_sent_as_text_is_an_approval() {
    let sim = simulator();
    fixture("import/approve_approved_by_id_text").serve(&sim, "/api/v1/importsession/875/approve_all/");
    let output = run_ok(&sim, "approve_import_session", json!({"import_session_id": "875"}));
    assert_eq!(output["success"], true);
    assert_eq!(output["import_session"]["approved_by_id"], 142);
}

#[test]
fn imports_answer_the_session_id_as_text_or_as_a_number_and_it_leaves_as_text() {
    for (name, version, session_id) in [
        ("import/rapid7_import_answer", "v1", "482"),
        ("import/splunk_import_answer", "v1", "1045"),
        ("import/crowdstrike_import_answer", "v2", "1045"),
    ] {
        for action in ["add_approval_indicator", "import_observable"] {
            let sim = simulator();
            let answer = fixture(name);
            answer.serve(&sim, &format!("/api/{version}/intelligence/import/"));
            let mut connection = connection(&sim);
            connection["api_version"] = json!(version);
            let output = Invocation::run(action)
                .input(json!({"datatext": "198.51.100.7"}))
                .connection(connection)
                .ok();
            assert_eq!(
                output,
                json!({"results": {"job_id": answer.body["job_id"], "success": true,
                    "import_session_id": session_id}}),
                "{name}, {action}"
            );
        }
    }
}

#[test]
fn an_import_answered_with_success_false_failed() {
    let sim = simulator();
    fixture("import/xsoar_import_failed").serve(&sim, "/api/v2/intelligence/import/");
    let run = Invocation::run("add_approval_indicator")
        .input(json!({"datatext": "198.51.100.7"}))
        .against(&sim)
        .fails(Preset::BadRequest);
    assert!(
        run.exception().data.contains(r#""success":false"#),
        "{:?}",
        run.exception()
    );
}

#[test]
fn the_import_without_approval_takes_an_empty_202_as_accepted() {
    let input = json!({"observables": [{"value": "198.51.100.7", "itype": "c2_ip"}], "classification": "private"});
    let accepted = json!({"success": true, "observables_sent": 1, "requests": 1});
    for version in ["v2", "v1"] {
        let sim = simulator();
        fixture("import/import_without_approval_202_empty").serve(&sim, &format!("/api/{version}/intelligence/"));
        let mut connection = connection(&sim);
        connection["api_version"] = json!(version);
        let output = Invocation::run("import_observables_without_approval")
            .input(input.clone())
            .connection(connection)
            .ok();
        assert_eq!(output, accepted, "{version}");
    }
    // A 202 whose body is an HTML page, as Splunk SOAR's connector expects of it (its
    // _process_html_response turns a 202 into {}), is accepted the same way.
    let sim = simulator();
    sim.add_fault_rule(
        FaultRule::new(Fault::Html { status: 202 })
            .path_exact("/api/v2/intelligence/")
            .always(),
    );
    let output = Invocation::run("import_observables_without_approval")
        .input(input)
        .against(&sim)
        .ok();
    assert_eq!(output, accepted);
}

#[test]
fn rejecting_is_fortisoars_delete_answered_204() {
    let sim = simulator();
    let path = "/api/v1/importsession/875/";
    fixture("import/fortisoar_reject_204").serve(&sim, path);
    let output = run_ok(&sim, "reject_import_session", json!({"import_session_id": "875"}));
    assert_eq!(output, json!({"success": true}));
    assert_eq!(requests_to(&sim, "DELETE", path).len(), 1);
    assert_eq!(sim.requests().len(), 1);
}
