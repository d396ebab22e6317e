//! Threat models and investigations written from a playbook, against the simulator's real state: the
//! analyst's loop end to end (look up, record an incident, link it, comment, open an investigation,
//! read it all back, and the New Incidents trigger delivering the incident once); bad inputs refused
//! before any request; the writes that are not idempotent sent once on a 503; a permission ThreatStream
//! denies named.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Outcome, Permission, Receiver, Simulator};

use crate::harness::{
    assert_untouched, connection, run_ok, simulator, simulator_builder, wait_until, Invocation, Preset, Running,
    Workspace,
};

/// The seeded actor the loop links its incident to (simulator/context/threat_models.json).
const ACTOR: u64 = 3101;

/// A New Incidents trigger_start message for `sim`, delivering to `receiver`.
fn incident_trigger(sim: &Simulator, receiver: &Receiver, input: Value) -> Value {
    json!({"version": "v1", "type": "trigger_start",
           "body": {"trigger": "new_incidents", "meta": {"triggerId": "t-incidents", "jobId": "job-8"},
                    "input": input,
                    "dispatcher": {"url": format!("{}/events", receiver.url()), "webhook_url": ""},
                    "connection": connection(sim)}})
}

/// The incidents the receiver accepted, in the order they arrived.
fn delivered_incidents(receiver: &Receiver) -> Vec<Value> {
    receiver
        .events()
        .into_iter()
        .filter(|event| event.outcome == Outcome::Accepted)
        .map(|event| event.body["body"]["output"].clone())
        .collect()
}

/// How many polls of the incident feed reached the simulator.
fn incident_polls(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|request| {
            request.path == "/api/v1/incident/"
                && request
                    .query
                    .as_deref()
                    .is_some_and(|query| query.contains("order_by=modified_ts&"))
        })
        .count()
}

fn id_of(value: &Value) -> u64 {
    value["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("a numeric id in {value}"))
}

/// The distinct values of `records`, letter case ignored: the simulator holds `Evil-Domain.Example`
/// beside `evil-domain.example`, and a domain given by value matches both.
fn values_of(records: &Value) -> Vec<String> {
    let mut values: Vec<String> = records
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|record| record["value"].as_str().map(str::to_lowercase))
        .collect();
    values.sort();
    values.dedup();
    values
}

/// The loop of issue 23, as one analyst closing one case would run it.
#[test]
fn the_analysts_loop_ends_in_threatstream_linked_and_found_again() {
    let sim = simulator();
    // 1. Look up two observables.
    let ip = run_ok(&sim, "lookup_ip", json!({"ip_address": "198.51.100.23"}));
    let domain = run_ok(&sim, "lookup_domain", json!({"domain": "evil-domain.example"}));
    assert_eq!(ip["verdict"]["verdict"], "malicious", "{ip}");
    assert_eq!(domain["verdict"]["verdict"], "malicious", "{domain}");
    let domain_id = id_of(&domain["results"][0]);

    // 2. Create an incident and link both.
    let created = run_ok(
        &sim,
        "create_threat_model",
        json!({"model_type": "incident", "name": "Case 4711: invoice phishing",
               "description": "<p>Two lures; the payload called home to 198.51.100.23.</p>",
               "tlp": "amber", "tags": ["case-4711"], "incident_status": "Open"}),
    );
    let incident = id_of(&created["model"]);
    assert_eq!(created["model"]["name"], "Case 4711: invoice phishing");
    assert_eq!(created["model"]["status"]["display_name"], "Open");
    let linked = run_ok(
        &sim,
        "link_threat_model",
        json!({"model_type": "incident", "id": incident, "observable_values": ["198.51.100.23"],
               "observable_ids": [domain_id]}),
    );
    assert!(linked["not_found"].as_array().is_some_and(Vec::is_empty), "{linked}");
    assert_eq!(
        values_of(&linked["linked"]),
        ["198.51.100.23", "evil-domain.example"],
        "{linked}"
    );
    let again = run_ok(
        &sim,
        "link_threat_model",
        json!({"model_type": "incident", "id": incident, "observable_ids": [domain_id]}),
    );
    assert_eq!(values_of(&again["already_linked"]), ["evil-domain.example"], "{again}");

    // 3. Link the incident to an actor.
    let actor = run_ok(
        &sim,
        "link_threat_model",
        json!({"model_type": "incident", "id": incident, "linked_model_type": "actor", "linked_model_ids": [ACTOR]}),
    );
    assert_eq!(actor["linked"][0]["kind"], "actor", "{actor}");
    assert_eq!(actor["linked"][0]["id"], ACTOR);

    // 4. Comment on it.
    let note = "Contained: both mailboxes reset, the C2 blocked at the proxy.";
    let comment = run_ok(
        &sim,
        "add_threat_model_comment",
        json!({"model_type": "incident", "id": incident, "comment": note, "tlp": "amber"}),
    );
    assert_eq!(comment["comment"]["body"], note, "{comment}");

    // 5. Open an investigation holding the incident and the observables.
    let opened = run_ok(
        &sim,
        "create_investigation",
        json!({"name": "Case 4711", "priority": "high", "tags": ["case-4711"]}),
    );
    let investigation = id_of(&opened["investigation"]);
    let added = run_ok(
        &sim,
        "add_investigation_elements",
        json!({"investigation_id": investigation, "model_type": "incident", "model_ids": [incident],
               "observable_values": ["198.51.100.23", "evil-domain.example"]}),
    );
    assert!(added["errors"].as_array().is_some_and(Vec::is_empty), "{added}");
    assert!(added["not_found"].as_array().is_some_and(Vec::is_empty), "{added}");

    // 6. Read everything back.
    let model = run_ok(
        &sim,
        "get_threat_model",
        json!({"model_type": "incident", "id": incident, "include_observables": true, "include_comments": true,
               "linked_model_types": ["actor"]}),
    );
    assert_eq!(model["found"], true);
    assert_eq!(model["model"]["tags"], json!(["case-4711"]));
    assert_eq!(
        values_of(&model["observables"]),
        ["198.51.100.23", "evil-domain.example"]
    );
    assert_eq!(model["comments"][0]["body"], note, "{model}");
    let actors: Vec<u64> = model["linked_models"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    assert_eq!(actors, [ACTOR], "{model}");
    let read = run_ok(&sim, "get_investigation", json!({"id": investigation}));
    assert_eq!(read["found"], true);
    let elements = read["elements"].as_array().cloned().unwrap_or_default();
    let incidents: Vec<u64> = elements
        .iter()
        .filter(|element| element["kind"] == "incident")
        .filter_map(|element| element["r_id"].as_u64())
        .collect();
    assert_eq!(incidents, [incident], "{read}");
    assert_eq!(
        values_of(&json!(elements
            .iter()
            .filter(|element| element["kind"] == "observable")
            .collect::<Vec<_>>())),
        ["198.51.100.23", "evil-domain.example"],
        "{read}"
    );
    let found = run_ok(&sim, "list_investigations", json!({}));
    assert!(
        found["investigations"]
            .as_array()
            .is_some_and(|all| all.iter().any(|one| one["id"] == investigation)),
        "{found}"
    );

    // 7. The trigger delivers the incident once, with its observables.
    let (receiver, workspace) = (Receiver::builder().start(), Workspace::new("incident-loop"));
    let input = json!({"backfill_hours": 1, "stability_window_seconds": 0, "tags": ["case-4711"]});
    let running = Running::start(&incident_trigger(&sim, &receiver, input.clone()), &workspace, false);
    wait_until("the incident delivered", || !delivered_incidents(&receiver).is_empty());
    running.signal("-TERM");
    running.finish().stopped_cleanly();
    sim.clear_requests();
    let restarted = Running::start(&incident_trigger(&sim, &receiver, input), &workspace, false);
    // A poll asks for the incidents changed since the cursor; the second such request starts only
    // once the first poll has delivered all it found.
    wait_until("the restarted trigger polling twice", || incident_polls(&sim) >= 2);
    restarted.signal("-TERM");
    restarted.finish().stopped_cleanly();
    let events = delivered_incidents(&receiver);
    assert_eq!(events.len(), 1, "once, across a restart: {events:?}");
    assert_eq!(id_of(&events[0]["incident"]), incident);
    assert_eq!(
        values_of(&events[0]["observables"]),
        ["198.51.100.23", "evil-domain.example"]
    );
}

/// Every bad input of the new steps exits 1, naming what is wrong, before any request.
#[test]
fn bad_model_and_investigation_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let cases = [
        (
            "create_threat_model",
            json!({"model_type": "dossier", "name": "Case 4711"}),
            "model_type",
        ),
        (
            "create_threat_model",
            json!({"model_type": "incident", "name": ""}),
            "name",
        ),
        (
            "create_threat_model",
            json!({"model_type": "incident", "name": "  "}),
            "name",
        ),
        (
            "update_threat_model",
            json!({"model_type": "incident", "id": "twelve", "name": "x"}),
            "id",
        ),
        (
            "delete_threat_model",
            json!({"model_type": "incident", "id": "3301a"}),
            "id",
        ),
        (
            "link_threat_model",
            json!({"model_type": "incident", "id": 3301}),
            "link",
        ),
        (
            "link_threat_model",
            json!({"model_type": "incident", "id": 3301, "observable_ids": [], "observable_values": [""]}),
            "observable_values",
        ),
        (
            "unlink_threat_model",
            json!({"model_type": "incident", "id": 3301, "linked_model_ids": [3101]}),
            "linked_model_type",
        ),
        (
            "add_threat_model_comment",
            json!({"model_type": "incident", "id": 3301, "comment": ""}),
            "comment",
        ),
        (
            "add_threat_model_tags",
            json!({"model_type": "incident", "id": 3301, "tags": []}),
            "tags",
        ),
        ("get_investigation", json!({"id": "case"}), "id"),
        ("create_investigation", json!({"name": ""}), "name"),
        (
            "add_investigation_elements",
            json!({"investigation_id": 1}),
            "observable_ids",
        ),
    ];
    for (step, input, named) in cases {
        Invocation::run(step).input(input).against(&sim).refused_naming(named);
    }
    assert_untouched(&sim);
}

/// Create, comment and add elements are not idempotent: on a 503 each is sent once, and the error
/// says how to check whether ThreatStream applied it.
#[test]
fn creates_comments_and_elements_are_sent_once_on_a_503() {
    let sim = simulator();
    let unavailable = || Fault::Status {
        status: 503,
        body: "{\"message\": \"maintenance\"}".into(),
    };
    let posts = |sim: &Simulator, path: &str| {
        sim.requests()
            .iter()
            .filter(|request| request.method == "POST" && request.path.starts_with(path))
            .count()
    };

    sim.push_fault(unavailable());
    Invocation::run("create_threat_model")
        .input(json!({"model_type": "incident", "name": "Case 4712"}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "Search Threat Models");
    assert_eq!(posts(&sim, "/api/v1/incident/"), 1);

    let opened = run_ok(&sim, "create_investigation", json!({"name": "Case 4712"}));
    let investigation = id_of(&opened["investigation"]);
    sim.clear_requests();
    // The model is read first (it must exist); the comment's POST is the second request.
    sim.add_fault_rule(FaultRule::new(unavailable()).path_prefix("/api/v1/incident/3301/comment/"));
    Invocation::run("add_threat_model_comment")
        .input(json!({"model_type": "incident", "id": 3301, "comment": "Seen again in case 4712"}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "Get Threat Model");
    assert_eq!(posts(&sim, "/api/v1/incident/3301/comment/"), 1);

    sim.clear_requests();
    sim.add_fault_rule(FaultRule::new(unavailable()).path_prefix("/api/v1/investigationelement/"));
    Invocation::run("add_investigation_elements")
        .input(json!({"investigation_id": investigation, "model_type": "incident", "model_ids": [3301]}))
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "Get Investigation");
    assert_eq!(posts(&sim, "/api/v1/investigationelement/"), 1);
}

/// A class of write the account may not do is a 403 with ThreatStream's body; the step names the
/// permission it needs and changes nothing.
#[test]
fn a_403_on_each_class_of_write_names_the_permission_it_needs() {
    let cases = [
        (
            Permission::ThreatModel,
            "create_threat_model",
            json!({"model_type": "actor", "name": "Quiet Walrus"}),
            "Edit Threat Models",
        ),
        (
            Permission::ThreatModel,
            "add_threat_model_tags",
            json!({"model_type": "actor", "id": ACTOR, "tags": ["case-4711"]}),
            "Edit Threat Models",
        ),
        (
            Permission::ThreatModel,
            "link_threat_model",
            json!({"model_type": "actor", "id": ACTOR, "observable_ids": [500_000_601]}),
            "Edit Threat Models",
        ),
        (
            Permission::OrgAdmin,
            "delete_threat_model",
            json!({"model_type": "actor", "id": ACTOR}),
            "Org Admin",
        ),
        (
            Permission::Investigation,
            "create_investigation",
            json!({"name": "Case 4713"}),
            "Edit Investigations",
        ),
    ];
    for (permission, action, input, label) in cases {
        let sim = simulator_builder().deny(permission).start();
        let run = Invocation::run(action).input(input).against(&sim).errs();
        let exception = run.exception();
        assert_eq!(exception.cause, Preset::Unauthorized.texts().0, "{action}");
        let expected = format!("The account configured in the connection lacks ThreatStream's {label} permission");
        assert!(exception.assistance.starts_with(&expected), "{action}: {exception:?}");
        assert!(
            exception.data.contains(permission.name()),
            "{action}: ThreatStream's message is the data: {exception:?}"
        );
        let actor = sim.threat_model("actor", ACTOR).expect("the seeded actor");
        assert!(!actor.to_string().contains("case-4711"), "{action}: nothing was tagged");
    }
}
