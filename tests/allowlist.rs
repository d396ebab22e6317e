//! The allowlist against the simulator: values added (each once, told by their shape), listed across
//! pages, noted and removed by ID and by value; every bad input refused before any request; the bulk
//! write sent once on a 503 and never for values already there; each write's 403 naming Org Admin.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Permission, Simulator};

use crate::harness::{
    assert_refused_before_any_request, bodies_to, run_ok, simulator, simulator_builder, Invocation, Preset,
};

const LIST: &str = "/api/v1/orgwhitelist/";
const BULK: &str = "/api/v1/orgwhitelist/bulk/";

fn entry_id(sim: &Simulator, value: &str) -> u64 {
    let entries = sim.allowlist();
    let entry = entries
        .iter()
        .find(|entry| entry["value"] == value)
        .expect("on the allowlist");
    entry["id"].as_u64().expect("an ID")
}

#[test]
fn values_are_added_once_listed_noted_and_removed() {
    let sim = simulator();
    let output = run_ok(
        &sim,
        "add_to_allowlist",
        json!({"values": ["Partner.Example", "partner.example", "alerts@partner.example", "198.51.100.0/24",
            "44D88612FEA8A8F36DE82E1278ABB02F"], "value_type": "", "notes": "Partner (case 4711)"}),
    );
    assert_eq!(
        output,
        json!({"success": true, "message": "Created 4 item(s).", "already_allowlisted": [], "added": [
            {"value": "partner.example", "value_type": "domain"},
            {"value": "alerts@partner.example", "value_type": "email"},
            {"value": "198.51.100.0/24", "value_type": "cidr"},
            {"value": "44d88612fea8a8f36de82e1278abb02f", "value_type": "md5"}]})
    );
    let note = "Partner (case 4711)";
    assert_eq!(
        bodies_to(&sim, "POST", BULK),
        [json!({"whitelist": [
            {"value_type": "domain", "value": "partner.example", "notes": note},
            {"value_type": "email", "value": "alerts@partner.example", "notes": note},
            {"value_type": "cidr", "value": "198.51.100.0/24", "notes": note},
            {"value_type": "md5", "value": "44d88612fea8a8f36de82e1278abb02f", "notes": note}]})]
    );
    let read = sim
        .requests()
        .into_iter()
        .find(|r| r.path == LIST)
        .expect("the list was read first");
    assert_eq!(
        read.query.as_deref(),
        Some("format=json&showNote=true&order_by=-created_ts&limit=1000&offset=0")
    );

    sim.clear_requests();
    let again = run_ok(
        &sim,
        "add_to_allowlist",
        json!({"values": ["PARTNER.example", "Mozilla/5.0 (compatible; Scanner)"], "value_type": "user-agent"}),
    );
    assert_eq!(
        again["added"],
        json!([{"value": "PARTNER.example", "value_type": "user-agent"},
            {"value": "Mozilla/5.0 (compatible; Scanner)", "value_type": "user-agent"}]),
        "another type is another entry"
    );
    sim.clear_requests();
    let nothing_new = run_ok(
        &sim,
        "add_to_allowlist",
        json!({"values": ["partner.example"], "notes": ""}),
    );
    assert_eq!(
        nothing_new,
        json!({"success": true, "added": [],
            "already_allowlisted": [{"value": "partner.example", "value_type": "domain"}]})
    );
    assert!(bodies_to(&sim, "POST", BULK).is_empty(), "nothing new, nothing written");

    let listed = run_ok(&sim, "list_allowlist", json!({"limit": 0}));
    assert_eq!(listed["count"], 6);
    assert_eq!(listed["entries"][5]["value"], "partner.example", "newest first");
    assert_eq!(listed["entries"][5]["notes"], note);

    let id = entry_id(&sim, "alerts@partner.example");
    let noted = run_ok(
        &sim,
        "update_allowlist_note",
        json!({"id": id.to_string(), "notes": " Reviewed "}),
    );
    assert_eq!(noted, json!({"success": true, "id": id, "notes": "Reviewed"}));
    assert_eq!(
        bodies_to(&sim, "PATCH", &format!("{LIST}{id}/")),
        [json!({"notes": "Reviewed"})]
    );
    assert!(sim
        .allowlist()
        .iter()
        .any(|entry| entry["id"] == id && entry["notes"] == "Reviewed"));

    let removed = run_ok(
        &sim,
        "remove_from_allowlist",
        json!({"value": "Partner.Example", "value_type": ""}),
    );
    let types: Vec<&Value> = removed["removed"]
        .as_array()
        .expect("removed")
        .iter()
        .map(|e| &e["value_type"])
        .collect();
    assert_eq!(
        types,
        [&json!("user-agent"), &json!("domain")],
        "every entry of the value, newest first"
    );
    run_ok(&sim, "remove_from_allowlist", json!({"id": id}));
    assert_eq!(bodies_to(&sim, "DELETE", &format!("{LIST}{id}/")).len(), 1);
    let values: Vec<Value> = sim.allowlist().iter().map(|entry| entry["value"].clone()).collect();
    assert_eq!(
        values,
        [
            json!("198.51.100.0/24"),
            json!("44d88612fea8a8f36de82e1278abb02f"),
            json!("Mozilla/5.0 (compatible; Scanner)")
        ]
    );

    sim.clear_requests();
    let missing = Invocation::run("remove_from_allowlist")
        .input(json!({"id": id}))
        .against(&sim)
        .errs();
    assert_eq!(
        missing.exception().cause,
        format!("ThreatStream has no allowlist entry with ID {id}.")
    );
    assert!(sim.requests().iter().all(|r| r.method == "GET"), "nothing was deleted");
}

#[test]
fn the_whole_allowlist_is_read_across_pages() {
    let sim = simulator();
    for n in 0..2500 {
        sim.allow("domain", &format!("host-{n}.partner.example"), None);
    }
    let listed = run_ok(&sim, "list_allowlist", json!({}));
    assert_eq!(listed["count"], 2500);
    assert_eq!(listed["entries"][0]["value"], "host-2499.partner.example");
    let queries: Vec<String> = sim.requests().into_iter().filter_map(|r| r.query).collect();
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert!(
        queries[2].ends_with("limit=1000&offset=2000"),
        "the server's next link: {queries:?}"
    );
    let capped = run_ok(&sim, "list_allowlist", json!({"limit": 1500}));
    assert_eq!(capped["count"], 1500);
}

#[test]
fn bad_allowlist_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let many: Vec<String> = (0..1001).map(|n| format!("h{n}.example")).collect();
    let cases = [
        ("add_to_allowlist", json!({"values": []}), "'values'"),
        ("add_to_allowlist", json!({"values": many}), "'values'"),
        (
            "add_to_allowlist",
            json!({"values": ["partner.example", " "]}),
            "'values[1]'",
        ),
        (
            "add_to_allowlist",
            json!({"values": ["partner.example"], "value_type": "ip"}),
            "'values[0]'",
        ),
        (
            "add_to_allowlist",
            json!({"values": ["198.51.100.1/24"]}),
            "198.51.100.0/24",
        ),
        ("add_to_allowlist", json!({"values": ["Mozilla/5.0"]}), "user-agent"),
        (
            "add_to_allowlist",
            json!({"values": ["abcd"], "value_type": "md5"}),
            "'values[0]'",
        ),
        (
            "add_to_allowlist",
            json!({"values": ["a.example"], "value_type": "hash"}),
            "value_type",
        ),
        (
            "add_to_allowlist",
            json!({"values": ["a.example"], "notes": "x".repeat(1001)}),
            "'notes'",
        ),
        ("update_allowlist_note", json!({"id": 13, "notes": "  "}), "'notes'"),
        ("update_allowlist_note", json!({"id": "thirteen", "notes": "x"}), "'id'"),
        ("update_allowlist_note", json!({"id": 0, "notes": "x"}), "'id'"),
        ("remove_from_allowlist", json!({}), "'id'"),
        ("remove_from_allowlist", json!({"id": 13, "value": "a.example"}), "'id'"),
        (
            "remove_from_allowlist",
            json!({"value": "partner", "value_type": "domain"}),
            "'value'",
        ),
        ("list_allowlist", json!({"limit": 100001}), "limit"),
    ];
    assert_refused_before_any_request(&sim, cases);
}

#[test]
fn the_bulk_write_is_sent_exactly_once_when_the_server_answers_503() {
    let sim = simulator();
    let body = "{}".to_owned();
    sim.add_fault_rule(
        FaultRule::new(Fault::Status { status: 503, body })
            .path_exact(BULK)
            .always(),
    );
    let run = Invocation::run("add_to_allowlist")
        .input(json!({"values": ["partner.example"]}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        format!(
            "{} ThreatStream may have applied the new allowlist entries before the failure.",
            Preset::ServiceUnavailable.texts().0
        )
    );
    assert!(
        exception
            .assistance
            .starts_with("List Allowlist shows which were added"),
        "{exception:?}"
    );
    assert_eq!(bodies_to(&sim, "POST", BULK).len(), 1);
}

#[test]
fn a_403_on_each_allowlist_write_names_org_admin() {
    let sim = simulator();
    sim.allow("domain", "partner.example", None);
    let id = entry_id(&sim, "partner.example");
    sim.set_denied(&[Permission::OrgAdmin]);
    for (action, input) in [
        ("add_to_allowlist", json!({"values": ["other.example"]})),
        ("update_allowlist_note", json!({"id": id, "notes": "x"})),
        ("remove_from_allowlist", json!({"id": id})),
    ] {
        let run = Invocation::run(action).input(input).against(&sim).errs();
        assert_eq!(run.exception().cause, Preset::Unauthorized.texts().0, "{action}");
        assert!(
            run.exception().assistance.starts_with(
                "The account configured in the connection lacks ThreatStream's Org Admin permission, which changing \
                 the organization's allowlist needs."
            ),
            "{action}: {:?}",
            run.exception()
        );
    }
    assert_eq!(sim.allowlist().len(), 1, "nothing changed");
}

#[test]
fn a_note_or_a_removal_rides_out_a_503() {
    let sim = simulator_builder().start();
    sim.allow("ip", "198.51.100.7", None);
    let id = entry_id(&sim, "198.51.100.7");
    let path = format!("{LIST}{id}/");
    for (action, input, method) in [
        ("update_allowlist_note", json!({"id": id, "notes": "x"}), "PATCH"),
        ("remove_from_allowlist", json!({"id": id}), "DELETE"),
    ] {
        let body = "{}".to_owned();
        sim.add_fault_rule(FaultRule::new(Fault::Status { status: 503, body }).path_exact(&path));
        run_ok(&sim, action, input);
        assert_eq!(bodies_to(&sim, method, &path).len(), 2, "{action} is retried once");
    }
}
