//! Rules against the simulator: a rule created, listed, changed, disabled and deleted end to end;
//! every bad input refused before any request; the create sent once on a 503; each write's 403
//! naming what it needs; the idempotent writes retried.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Permission, Simulator};

use crate::harness::{
    assert_refused_before_any_request, bodies_to, run_ok, simulator, simulator_builder, Invocation, Preset,
};

fn fault(sim: &Simulator, status: u16, path: &str) {
    let body = json!({"message": "refused by the test"}).to_string();
    sim.add_fault_rule(FaultRule::new(Fault::Status { status, body }).path_exact(path).always());
}

/// A rule made through the plugin; answers its ID.
fn created(sim: &Simulator, name: &str) -> u64 {
    let output = run_ok(
        sim,
        "create_rule",
        json!({"name": name, "keywords": ["evil-domain"], "match_within": ["observables"]}),
    );
    output["rule"]["id"].as_u64().expect("an ID")
}

#[test]
fn a_rule_is_created_listed_changed_disabled_and_deleted() {
    let sim = simulator();
    let output = run_ok(
        &sim,
        "create_rule",
        json!({"name": " C2 domains of campaign 7 ", "keywords": ["evil-domain", "10\\.0\\.0\\.1", "evil-domain"],
            "match_within": ["observables", "threat_bulletins"], "include_itypes": ["c2_domain"],
            "exclude_itypes": [], "tags": ["campaign-7"], "new_investigation_name": "", "existing_investigation_id": "",
            "exclude_allowlisted": true, "exclude_own_organization": false}),
    );
    let rule = &output["rule"];
    let id = rule["id"].as_u64().expect("an ID");
    assert_eq!(
        (&rule["name"], &rule["keywords"], &rule["match_within"]),
        (
            &json!("C2 domains of campaign 7"),
            &json!(["evil-domain", "10\\.0\\.0\\.1"]),
            &json!(["observables", "threat_bulletins"])
        )
    );
    assert_eq!(
        (
            &rule["include_itypes"],
            &rule["tags"],
            &rule["exclude_allowlisted"],
            &rule["enabled"]
        ),
        (
            &json!(["c2_domain"]),
            &json!(["campaign-7"]),
            &json!(true),
            &json!(true)
        )
    );
    assert_eq!(
        bodies_to(&sim, "POST", "/api/v1/rule/"),
        [
            json!({"name": "C2 domains of campaign 7", "keywords": ["evil-domain", "10\\.0\\.0\\.1"],
            "match_observables": true, "match_reportedfiles": false, "match_signatures": false, "match_tips": true,
            "match_vulnerabilities": false, "match_impacts": ["c2_domain"], "tags": [{"name": "campaign-7"}],
            "exclude_notify_org_whitelisted": true})
        ],
        "only what was given, under ThreatStream's names"
    );

    let second = created(&sim, "Second rule");
    let listed = run_ok(&sim, "list_rules", json!({"id": "", "limit": 0}));
    assert_eq!(listed["count"], 2);
    let ids: Vec<u64> = listed["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert_eq!(ids, [second, id], "newest first");
    let list = sim
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/v1/rule/")
        .expect("a list");
    assert_eq!(list.query.as_deref(), Some("order_by=-created_ts&limit=100&offset=0"));
    let one = run_ok(&sim, "list_rules", json!({"id": id.to_string()}));
    assert_eq!((&one["count"], &one["rules"][0]["id"]), (&json!(1), &json!(id)));

    let changed = run_ok(
        &sim,
        "update_rule",
        json!({"id": id, "name": "", "keywords": ["other-evil-domain"], "match_within": [], "tags": [],
            "exclude_allowlisted": false, "state": "disabled"}),
    );
    assert_eq!(
        bodies_to(&sim, "PATCH", &format!("/api/v1/rule/{id}/")),
        [json!({"keywords": ["other-evil-domain"], "is_enabled": false})],
        "an untouched form changes nothing else"
    );
    assert_eq!(
        (
            &changed["rule"]["keywords"],
            &changed["rule"]["enabled"],
            &changed["rule"]["name"]
        ),
        (
            &json!(["other-evil-domain"]),
            &json!(false),
            &json!("C2 domains of campaign 7")
        )
    );
    assert_eq!(
        changed["rule"]["match_within"],
        json!(["observables", "threat_bulletins"])
    );

    assert_eq!(
        run_ok(&sim, "delete_rule", json!({"id": id})),
        json!({"success": true, "id": id})
    );
    let left: Vec<Value> = sim.rules().iter().map(|rule| rule["id"].clone()).collect();
    assert_eq!(left, [json!(second)]);
    let again = Invocation::run("delete_rule")
        .input(json!({"id": id}))
        .against(&sim)
        .errs();
    assert_eq!(
        again.exception().cause,
        format!("ThreatStream has no rule with ID {id}.")
    );
}

#[test]
fn bad_rule_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let rule = |change: Value| {
        let mut input = json!({"name": "C2", "keywords": ["evil-domain"], "match_within": ["signatures"]});
        for (key, value) in change.as_object().expect("an object") {
            input[key] = value.clone();
        }
        input
    };
    let cases = [
        ("create_rule", rule(json!({"name": "  "})), "'name'"),
        ("create_rule", rule(json!({"name": "x".repeat(251)})), "'name'"),
        ("create_rule", rule(json!({"keywords": []})), "'keywords'"),
        (
            "create_rule",
            rule(json!({"keywords": ["ok-keyword", "ab"]})),
            "'keywords[1]'",
        ),
        ("create_rule", rule(json!({"keywords": ["*evil"]})), "'keywords[0]'"),
        (
            "create_rule",
            rule(json!({"keywords": ["198.51.100.23"]})),
            "198\\.51\\.100\\.23",
        ),
        ("create_rule", rule(json!({"keywords": ["10.0.0.1/24"]})), "10.0.0.0/24"),
        (
            "create_rule",
            rule(json!({"keywords": ["10\\.0\\.0\\.\\d+"]})),
            "CIDR notation",
        ),
        (
            "create_rule",
            rule(json!({"keywords": vec!["keyword"; 101]})),
            "'keywords'",
        ),
        ("create_rule", rule(json!({"match_within": []})), "'match_within'"),
        ("create_rule", rule(json!({"match_within": ["emails"]})), "match_within"),
        (
            "create_rule",
            rule(json!({"include_itypes": ["C2 IP"]})),
            "'include_itypes[0]'",
        ),
        (
            "create_rule",
            rule(json!({"include_itypes": ["c2_ip"], "exclude_itypes": ["c2_domain"]})),
            "'exclude_itypes'",
        ),
        ("create_rule", rule(json!({"tags": ["ok", " "]})), "'tags[1]'"),
        (
            "create_rule",
            rule(json!({"new_investigation_name": "new", "existing_investigation_id": 5})),
            "'existing_investigation_id'",
        ),
        (
            "create_rule",
            rule(json!({"existing_investigation_id": "five"})),
            "'existing_investigation_id'",
        ),
        ("update_rule", json!({"id": 14093}), "nothing to change"),
        (
            "update_rule",
            json!({"id": 14093, "name": "", "keywords": [], "state": ""}),
            "nothing to change",
        ),
        ("update_rule", json!({"id": "abc", "name": "x"}), "'id'"),
        ("update_rule", json!({"id": 0, "name": "x"}), "'id'"),
        ("update_rule", json!({"id": -3, "name": "x"}), "'id'"),
        ("update_rule", json!({"id": 14093, "keywords": ["ab"]}), "'keywords[0]'"),
        ("update_rule", json!({"id": 14093, "state": "paused"}), "state"),
        ("delete_rule", json!({"id": ""}), "'id'"),
        ("delete_rule", json!({"id": "1.5"}), "'id'"),
        ("list_rules", json!({"id": "x"}), "'id'"),
        ("list_rules", json!({"limit": 10001}), "limit"),
    ];
    assert_refused_before_any_request(&sim, cases);
}

#[test]
fn a_rule_is_created_exactly_once_when_the_server_answers_503() {
    let sim = simulator();
    fault(&sim, 503, "/api/v1/rule/");
    let run = Invocation::run("create_rule")
        .input(json!({"name": "C2", "keywords": ["evil-domain"], "match_within": ["observables"]}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        format!(
            "{} ThreatStream may have applied the new rule before the failure, so it was not sent again.",
            Preset::ServiceUnavailable.texts().0
        )
    );
    assert_eq!(
        exception.assistance,
        "List Rules shows whether it was created before running the step again: a second copy would create a \
         second rule."
    );
    assert_eq!(
        bodies_to(&sim, "POST", "/api/v1/rule/").len(),
        1,
        "a second copy would be a second rule"
    );
}

#[test]
fn changing_or_deleting_a_rule_rides_out_a_503() {
    let sim = simulator();
    let id = created(&sim, "C2");
    let path = format!("/api/v1/rule/{id}/");
    for (action, input, method) in [
        ("update_rule", json!({"id": id, "name": "Renamed"}), "PATCH"),
        ("delete_rule", json!({"id": id}), "DELETE"),
    ] {
        let body = "{}".to_owned();
        sim.add_fault_rule(FaultRule::new(Fault::Status { status: 503, body }).path_exact(&path));
        run_ok(&sim, action, input);
        assert_eq!(bodies_to(&sim, method, &path).len(), 2, "{action} is retried once");
    }
}

#[test]
fn a_403_on_each_rule_write_says_what_it_needs() {
    let sim = simulator_builder().deny(Permission::OrgAdmin).start();
    let id = created(&sim, "C2");
    let delete = Invocation::run("delete_rule")
        .input(json!({"id": id}))
        .against(&sim)
        .errs();
    assert_eq!(delete.exception().cause, Preset::Unauthorized.texts().0);
    assert!(
        delete.exception().assistance.starts_with(
            "The account configured in the connection lacks ThreatStream's Org Admin permission, which deleting a rule needs."
        ),
        "{:?}",
        delete.exception()
    );
    assert!(
        delete.exception().data.contains("org_admin"),
        "ThreatStream's message is the data"
    );

    fault(&sim, 403, "/api/v1/rule/");
    fault(&sim, 403, &format!("/api/v1/rule/{id}/"));
    for (action, input) in [
        (
            "create_rule",
            json!({"name": "C2", "keywords": ["evil-domain"], "match_within": ["observables"]}),
        ),
        ("update_rule", json!({"id": id, "name": "Renamed"})),
    ] {
        let run = Invocation::run(action).input(input).against(&sim).errs();
        assert_eq!(run.exception().cause, Preset::Unauthorized.texts().0, "{action}");
        assert!(
            run.exception()
                .assistance
                .contains("No public ThreatStream client names the permission"),
            "{action}: {:?}",
            run.exception()
        );
    }
}
