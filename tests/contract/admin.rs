//! Administration routes: rules as XSOAR's test data and README show them (a page, the create and
//! update answers, the offset link Splunk SOAR pages by) and Splunk SOAR's empty 204 on delete; the
//! allowlist as XSOAR reads and writes it (entries with null notes, the bulk answer, the empty answers
//! to a note and a removal) and as CrowdStrike describes the bulk answer; users as XSOAR lists them;
//! snapshots in the only shapes published, CrowdStrike's OpenAPI description.

use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use super::fixture;
use crate::harness::{requests_to, simulator, Invocation, Preset};

fn run_ok(sim: &Simulator, action: &str, input: Value) -> Value {
    Invocation::run(action).input(input).against(sim).ok()
}

#[test]
fn rules_as_xsoars_list_shows_them() {
    let sim = simulator();
    fixture("admin/xsoar_list_rules").serve(&sim, "/api/v1/rule/");
    let output = run_ok(&sim, "list_rules", json!({"limit": 5}));
    assert_eq!(
        output,
        json!({"count": 2, "rules": [
            {"id": 11111, "name": "rule_1", "keywords": ["some_keyword"],
             "match_within": ["observables", "sandbox_reports", "threat_bulletins", "signatures", "vulnerabilities"],
             "tags": ["some_name"], "enabled": true, "notify_me": true, "exclude_allowlisted": false,
             "exclude_own_organization": false, "create_investigation": true, "matches": 0,
             "owner": "analyst@example.com", "created_ts": "2023-03-02T14:04:18.511057",
             "modified_ts": "2023-03-02T14:04:18.511057"},
            {"id": 11112, "name": "name", "keywords": ["some_keywords"], "match_within": ["observables"],
             "enabled": true, "notify_me": true, "exclude_allowlisted": false, "exclude_own_organization": false,
             "create_investigation": false, "matches": 0, "owner": "analyst@example.com",
             "created_ts": "2023-03-06T12:10:27.497296", "modified_ts": "2023-03-06T12:10:27.497296"}
        ]})
    );
    let list = &sim.requests()[0];
    assert_eq!(
        list.query.as_deref(),
        Some("order_by=-created_ts&limit=5&offset=0"),
        "XSOAR's order"
    );
}

#[test]
fn rules_are_read_across_an_offset_link() {
    let sim = simulator();
    fixture("admin/xsoar_rules_page_1").serve_once(&sim, "/api/v1/rule/");
    fixture("admin/xsoar_rules_page_2").serve_once(&sim, "/api/v1/rule/");
    let output = run_ok(&sim, "list_rules", json!({}));
    let ids: Vec<u64> = output["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert_eq!(ids, [44444, 55555, 14093]);
    let second = sim.requests().into_iter().nth(1).expect("a second page");
    let pairs = second.query_pairs();
    assert!(
        pairs.contains(&("offset".into(), "2".into())),
        "the server's link: {pairs:?}"
    );
    assert!(pairs.contains(&("order_by".into(), "-created_ts".into())), "{pairs:?}");
    assert_eq!(requests_to(&sim, "GET", "/api/v1/rule/").len(), 2);
}

#[test]
fn a_rule_is_shown_as_xsoars_create_and_update_answers_give_it() {
    let sim = simulator();
    fixture("admin/xsoar_create_rule").serve(&sim, "/api/v1/rule/");
    let created = run_ok(
        &sim,
        "create_rule",
        json!({"name": "rule_1", "keywords": ["keywords"], "match_within": ["observables"]}),
    );
    assert_eq!(
        created["rule"],
        json!({"id": 11111, "name": "rule_1", "keywords": ["keywords"], "match_within": ["observables"],
            "enabled": true, "notify_me": true, "exclude_allowlisted": false, "exclude_own_organization": false,
            "create_investigation": false, "matches": 0, "owner": "analyst@example.com",
            "created_ts": "2023-03-21T11:59:30.738690", "modified_ts": "2023-03-21T11:59:30.738705"})
    );
    fixture("admin/xsoar_update_rule").serve(&sim, "/api/v1/rule/11111/");
    let updated = run_ok(&sim, "update_rule", json!({"id": 11111, "exclude_allowlisted": true}));
    assert_eq!(updated["rule"]["exclude_allowlisted"], true);
    assert!(
        updated["rule"].get("match_within").is_none(),
        "no kind matched: {updated}"
    );
    assert_eq!(updated["rule"]["modified_ts"], "2023-03-21T12:29:37.984911");
}

#[test]
fn an_empty_answer_to_a_change_is_followed_by_a_read_of_the_rule() {
    let sim = simulator();
    fixture("admin/xsoar_note_updated_empty").serve_once(&sim, "/api/v1/rule/11111/");
    fixture("admin/xsoar_update_rule").serve_once(&sim, "/api/v1/rule/11111/");
    let updated = run_ok(&sim, "update_rule", json!({"id": "11111", "name": "rule_1"}));
    assert_eq!(updated["rule"]["id"], 11111);
    let methods: Vec<String> = sim.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["PATCH", "GET"]);
}

#[test]
fn a_deleted_rule_is_an_empty_204() {
    let sim = simulator();
    fixture("admin/splunk_delete_rule_204").serve(&sim, "/api/v1/rule/14093/");
    let output = run_ok(&sim, "delete_rule", json!({"id": "14093"}));
    assert_eq!(output, json!({"success": true, "id": 14093}));
}

#[test]
fn the_allowlist_as_xsoar_lists_it() {
    let sim = simulator();
    fixture("admin/xsoar_list_allowlist").serve(&sim, "/api/v1/orgwhitelist/");
    let output = run_ok(&sim, "list_allowlist", json!({}));
    assert_eq!(
        output,
        json!({"count": 3, "entries": [
            {"id": 13, "value": "example.com", "value_type": "domain", "notes": "example domain",
             "created_ts": "2023-02-21T19:59:02.091404", "modified_ts": "2023-02-21T19:59:02.091404"},
            {"id": 12, "value": "1.2.4.5", "value_type": "ip", "notes": "example ip",
             "created_ts": "2023-03-14T14:28:20.110021", "modified_ts": "2023-03-20T11:38:26.279451"},
            {"id": 11, "value": "u", "value_type": "user-agent",
             "created_ts": "2023-03-14T14:26:18.765256", "modified_ts": "2023-03-14T14:26:18.765256"}
        ]})
    );
    let query = sim.requests()[0].query.clone().unwrap_or_default();
    assert_eq!(
        query, "format=json&showNote=true&order_by=-created_ts&limit=1000&offset=0",
        "XSOAR's query"
    );
}

#[test]
fn the_bulk_answer_in_xsoars_and_crowdstrikes_shapes_and_a_refusal() {
    let sim = simulator();
    fixture("admin/xsoar_empty_allowlist").serve(&sim, "/api/v1/orgwhitelist/");
    fixture("admin/xsoar_bulk_created").serve_once(&sim, "/api/v1/orgwhitelist/bulk/");
    let added = run_ok(&sim, "add_to_allowlist", json!({"values": ["example.com"]}));
    assert_eq!(added["message"], "Created 1 item(s).");

    fixture("admin/crowdstrike_bulk_created").serve_once(&sim, "/api/v1/orgwhitelist/bulk/");
    let counted = run_ok(&sim, "add_to_allowlist", json!({"values": ["example.com", "1.2.4.5"]}));
    assert_eq!(
        counted,
        json!({"success": true, "already_allowlisted": [], "added": [
            {"value": "example.com", "value_type": "domain"}, {"value": "1.2.4.5", "value_type": "ip"}]})
    );

    fixture("admin/refused_bulk").serve_once(&sim, "/api/v1/orgwhitelist/bulk/");
    let refused = Invocation::run("add_to_allowlist")
        .input(json!({"values": ["1.2.4.5"]}))
        .against(&sim)
        .fails(Preset::BadRequest);
    assert!(
        refused.exception().data.contains("Invalid value for type ip"),
        "{:?}",
        refused.exception()
    );
    assert!(
        !refused.exception().cause.contains("may have applied"),
        "a refusal applied nothing"
    );
}

#[test]
fn values_already_on_xsoars_list_are_not_sent_again() {
    let sim = simulator();
    fixture("admin/xsoar_list_allowlist").serve(&sim, "/api/v1/orgwhitelist/");
    let output = run_ok(&sim, "add_to_allowlist", json!({"values": ["Example.com", "1.2.4.5"]}));
    assert_eq!(
        output,
        json!({"success": true, "added": [], "already_allowlisted": [
            {"value": "example.com", "value_type": "domain"}, {"value": "1.2.4.5", "value_type": "ip"}]})
    );
    assert_eq!(requests_to(&sim, "POST", "/api/v1/orgwhitelist/bulk/").len(), 0);
}

#[test]
fn a_note_and_a_removal_answered_empty_succeed() {
    let sim = simulator();
    fixture("admin/xsoar_note_updated_empty").serve(&sim, "/api/v1/orgwhitelist/12/");
    let noted = run_ok(&sim, "update_allowlist_note", json!({"id": 12, "notes": "reviewed"}));
    assert_eq!(noted, json!({"success": true, "id": 12, "notes": "reviewed"}));

    let sim = simulator();
    fixture("admin/xsoar_list_allowlist").serve(&sim, "/api/v1/orgwhitelist/");
    fixture("admin/xsoar_entry_deleted_empty").serve(&sim, "/api/v1/orgwhitelist/13/");
    let removed = run_ok(&sim, "remove_from_allowlist", json!({"value": "EXAMPLE.COM"}));
    assert_eq!(removed["removed"][0]["id"], 13);
    assert_eq!(requests_to(&sim, "DELETE", "/api/v1/orgwhitelist/13/").len(), 1);
}

#[test]
fn users_as_xsoar_lists_them() {
    let sim = simulator();
    fixture("admin/xsoar_list_users").serve(&sim, "/api/v1/orgadmin/");
    let output = run_ok(&sim, "list_users", json!({}));
    assert_eq!(output["count"], 3);
    assert_eq!(
        output["users"][1],
        json!({"user_id": "222", "email": "new-analyst@example.com", "is_active": true, "is_locked": false,
            "is_org_admin": false, "is_readonly": false, "can_approve_intel": false,
            "can_share_intelligence": false, "can_submit_sandbox": false, "date_joined": "2022-08-26T16:51:25"}),
        "never logged in: no last_login"
    );
    assert_eq!(output["users"][0]["last_login"], "2023-03-16T15:48:24.808760");
}

#[test]
fn snapshots_in_crowdstrikes_shapes_keep_their_links_to_themselves() {
    let sim = simulator();
    fixture("admin/crowdstrike_snapshot_created").serve(&sim, "/api/v1/snapshot/");
    let started = run_ok(&sim, "create_snapshot", json!({}));
    assert_eq!(
        started,
        json!({"snapshot": {"id": 42, "status": "inprogress", "snapshot_ts": "2026-09-14T08:21:58.774012",
            "file_count": 0, "total_count": 0}})
    );

    fixture("admin/crowdstrike_snapshot_in_progress").serve_once(&sim, "/api/v1/snapshot/42/");
    let waiting = run_ok(&sim, "get_snapshot", json!({"id": 42}));
    assert_eq!(waiting["snapshot"]["status"], "inprogress");

    fixture("admin/crowdstrike_snapshot_completed").serve_once(&sim, "/api/v1/snapshot/42/");
    let done = run_ok(&sim, "get_snapshot", json!({"id": "42"}));
    assert_eq!(
        done,
        json!({"snapshot": {"id": 42, "status": "completed", "files": [
            {"number": 1, "name": "intel-0001.json",
             "sha256": "5f1e0c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7", "total_count": 250000},
            {"number": 2, "name": "intel-0002.json",
             "sha256": "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "total_count": 1234}],
            "file_count": 2, "total_count": 251234}})
    );
    assert!(
        !done.to_string().contains("Signature"),
        "a pre-signed link is a credential"
    );
}
