//! The organization's users and snapshots against the simulator: users listed (active only, up to a
//! limit), a snapshot started, followed while in progress and read with its files once completed;
//! bad inputs refused before any request; the snapshot sent once on a 503; 403s naming Org Admin.

use serde_json::json;
use threatstream_simulator::{Fault, FaultRule, Hold, Permission};

use crate::harness::{
    assert_refused_before_any_request, bodies_to, run_ok, simulator, simulator_builder, Invocation, Preset,
};

#[test]
fn users_are_listed_with_what_a_playbook_assigns_by() {
    let sim = simulator();
    let all = run_ok(&sim, "list_users", json!({"active_only": false, "limit": 0}));
    assert_eq!(all["count"], 3);
    assert_eq!(
        all["users"][2],
        json!({"user_id": "303", "email": "former-analyst@example.com", "is_active": false,
            "is_locked": false, "is_org_admin": false, "is_readonly": false, "can_approve_intel": false,
            "can_share_intelligence": false, "can_submit_sandbox": true, "date_joined": "2020-08-26T12:54:37"}),
        "a user who never logged in has no last_login"
    );
    assert_eq!(all["users"][0]["last_login"], "2026-09-14T08:00:12.193422");
    let active = run_ok(&sim, "list_users", json!({"active_only": true}));
    let emails: Vec<&str> = active["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, ["analyst@example.com", "soc-lead@example.com"]);
    let one = run_ok(&sim, "list_users", json!({"limit": 1}));
    assert_eq!(one["count"], 1);
    let queries: Vec<String> = sim.requests().into_iter().filter_map(|r| r.query).collect();
    assert_eq!(
        queries,
        ["limit=1000&offset=0", "limit=1000&offset=0", "limit=1&offset=0"]
    );
}

#[test]
fn listing_users_without_org_admin_says_so() {
    let sim = simulator_builder().deny(Permission::OrgAdmin).start();
    let run = Invocation::run("list_users").input(json!({})).against(&sim).errs();
    assert_eq!(run.exception().cause, Preset::Unauthorized.texts().0);
    assert!(
        run.exception().assistance.starts_with(
            "The account configured in the connection lacks ThreatStream's Org Admin permission, which listing the \
             organization's users needs."
        ),
        "{:?}",
        run.exception()
    );
}

#[test]
fn a_snapshot_is_started_followed_and_read_with_its_files() {
    let sim = simulator();
    sim.hold(Hold::Snapshots);
    let started = run_ok(
        &sim,
        "create_snapshot",
        json!({"chunk_size_mb": 1, "format": "json_v2"}),
    );
    let id = started["snapshot"]["id"].as_u64().expect("an ID");
    assert_eq!(started["snapshot"]["status"], "inprogress");
    assert_eq!(
        bodies_to(&sim, "POST", "/api/v1/snapshot/"),
        [json!({"custom_config": {"chunk_size": "1MB", "format": "json_v2"}})]
    );
    let following = run_ok(&sim, "get_snapshot", json!({"id": id.to_string()}));
    assert_eq!(
        following,
        json!({"snapshot": {"id": id, "status": "inprogress", "snapshot_ts": started["snapshot"]["snapshot_ts"],
            "location": format!("snapshots/{id}/"), "file_count": 0, "total_count": 0}})
    );
    assert_eq!(sim.release(Hold::Snapshots), 1);

    let done = run_ok(&sim, "get_snapshot", json!({"id": id}));
    let snapshot = &done["snapshot"];
    assert_eq!(snapshot["status"], "completed");
    let records = sim.records_changed_since(0).len() as u64;
    assert_eq!(snapshot["total_count"], records, "every record is in the export");
    let files = snapshot["files"].as_array().expect("files");
    assert!(files.len() > 1, "1 MB chunks of {records} records: {snapshot}");
    assert_eq!(snapshot["file_count"], files.len());
    for (index, file) in files.iter().enumerate() {
        assert_eq!(file["number"], index + 1);
        assert_eq!(file["name"], (index + 1).to_string());
        assert_eq!(file["sha256"].as_str().map(str::len), Some(64));
    }
    let counted: u64 = files.iter().filter_map(|file| file["total_count"].as_u64()).sum();
    assert_eq!(counted, records);
    assert_eq!(
        run_ok(&sim, "create_snapshot", json!({"chunk_size_mb": 0}))["snapshot"]["status"],
        "completed"
    );
    assert_eq!(
        bodies_to(&sim, "POST", "/api/v1/snapshot/")[1],
        json!({"custom_config": {"chunk_size": "10MB", "format": "json_v2"}}),
        "the form's 0 is ThreatStream's default"
    );
    let unknown = Invocation::run("get_snapshot")
        .input(json!({"id": 99}))
        .against(&sim)
        .errs();
    assert_eq!(unknown.exception().cause, "ThreatStream has no snapshot with ID 99.");
}

#[test]
fn bad_snapshot_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let cases = [
        ("create_snapshot", json!({"chunk_size_mb": 1025}), "chunk_size_mb"),
        ("create_snapshot", json!({"chunk_size_mb": -1}), "chunk_size_mb"),
        ("create_snapshot", json!({"format": "csv"}), "format"),
        ("get_snapshot", json!({"id": ""}), "'id'"),
        ("get_snapshot", json!({"id": "seven"}), "'id'"),
        ("get_snapshot", json!({"id": 0}), "'id'"),
        ("list_users", json!({"limit": 10001}), "limit"),
    ];
    assert_refused_before_any_request(&sim, cases);
}

#[test]
fn a_snapshot_is_started_exactly_once_when_the_server_answers_503() {
    let sim = simulator();
    let body = "{}".to_owned();
    sim.add_fault_rule(
        FaultRule::new(Fault::Status { status: 503, body })
            .path_exact("/api/v1/snapshot/")
            .always(),
    );
    let run = Invocation::run("create_snapshot").input(json!({})).against(&sim).errs();
    let exception = run.exception();
    assert!(
        exception
            .cause
            .ends_with("ThreatStream may have applied the snapshot before the failure, so it was not sent again."),
        "{exception:?}"
    );
    assert!(
        exception
            .assistance
            .contains("a second copy would start a second export"),
        "{exception:?}"
    );
    assert_eq!(bodies_to(&sim, "POST", "/api/v1/snapshot/").len(), 1);

    let denied = simulator_builder().deny(Permission::OrgAdmin).start();
    let run = Invocation::run("create_snapshot")
        .input(json!({}))
        .against(&denied)
        .errs();
    assert!(
        run.exception().assistance.contains(
            "lacks ThreatStream's Org Admin permission, which exporting the organization's intelligence needs"
        ),
        "{:?}",
        run.exception()
    );
}
