//! The New Incidents trigger and the Monitor Incidents task, run for real against the simulator's
//! incidents: each incident created or changed is delivered once, oldest change first, with its
//! observables; a changed incident comes again; SIGKILL and a restart on the same state skip nothing;
//! the filters (published only, tags, statuses) keep what they say; the task's state round trips.
//! Every wait has a deadline, and the poll interval is shortened to 20 ms (test-only).

use std::collections::HashSet;

use serde_json::{json, Value};
use threatstream_simulator::{Outcome, Receiver, Simulator};

use crate::harness::{
    assert_untouched, connection, run_ok, simulator, wait_until, Event, Invocation, Running, Workspace, CANARY_KEY,
};

fn trigger(sim: &Simulator, receiver: &Receiver, input: &Value, id: &str) -> Value {
    json!({"version": "v1", "type": "trigger_start",
           "body": {"trigger": "new_incidents", "meta": {"triggerId": id, "jobId": "job-8"}, "input": input,
                    "dispatcher": {"url": format!("{}/events", receiver.url()), "webhook_url": ""},
                    "connection": connection(sim)}})
}

fn task(sim: &Simulator, input: &Value, state: Value) -> Value {
    json!({"version": "v1", "type": "task_start",
           "body": {"task": "monitor_incidents", "meta": {"jobId": "job-9"}, "input": input, "state": state,
                    "connection": connection(sim)}})
}

/// One task run, which must exit 0 with an ok task event.
#[track_caller]
fn run_task(sim: &Simulator, input: &Value, state: Value) -> Event {
    let run = Invocation::run("monitor_incidents")
        .stdin_raw(task(sim, input, state).to_string())
        .invoke();
    let event = run.event();
    if run.code != 0 || event.body.status != "ok" || event.kind.as_deref() != Some("task_event") {
        run.fail("expected an ok task event and exit 0");
    }
    event
}

/// (incident ID, modified_ts) of each incident the receiver accepted, in the order they arrived.
fn delivered(receiver: &Receiver) -> Vec<(u64, String)> {
    receiver
        .events()
        .into_iter()
        .filter(|event| event.outcome == Outcome::Accepted)
        .map(|event| {
            let text = event.body.to_string();
            assert!(!text.contains(CANARY_KEY), "the API key leaked into an event");
            change(&event.body["body"]["output"])
        })
        .collect()
}

fn change(item: &Value) -> (u64, String) {
    let incident = &item["incident"];
    let id = incident["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("an incident id in {item}"));
    let modified = incident["modified_ts"].as_str().expect("a modified_ts").to_owned();
    (id, modified)
}

/// Creates an incident as a playbook would; answers its ID.
fn incident(sim: &Simulator, fields: Value) -> u64 {
    let mut input = json!({"model_type": "incident"});
    input
        .as_object_mut()
        .expect("an object")
        .extend(fields.as_object().cloned().unwrap_or_default());
    let created = run_ok(sim, "create_threat_model", input);
    created["model"]["id"].as_u64().expect("an id")
}

fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .expect("a task's output is a list")
        .iter()
        .map(|item| change(item).0)
        .collect()
}

#[test]
fn each_incident_new_or_changed_is_delivered_once_with_its_observables() {
    let (sim, receiver, workspace) = (
        simulator(),
        Receiver::builder().start(),
        Workspace::new("incidents-once"),
    );
    let input = json!({"stability_window_seconds": 0});
    let running = Running::start(&trigger(&sim, &receiver, &input, "t-inc"), &workspace, false);
    wait_until("the first start saving its cursor", || {
        workspace.state("t-inc").is_some()
    });
    let first = incident(&sim, json!({"name": "Case 1"}));
    let second = incident(&sim, json!({"name": "Case 2"}));
    run_ok(
        &sim,
        "link_threat_model",
        json!({"model_type": "incident", "id": second, "observable_ids": [500_000_601]}),
    );
    wait_until("both delivered", || {
        delivered(&receiver).iter().any(|(id, _)| *id == second)
            && delivered(&receiver).iter().any(|(id, _)| *id == first)
    });
    let changed = sim
        .change_threat_model("incident", first, |fields| fields["name"] = json!("Case 1, contained"))
        .expect("changed");
    let again = changed["modified_ts"].as_str().expect("a stamp").to_owned();
    wait_until("the change delivered", || {
        delivered(&receiver).contains(&(first, again.clone()))
    });
    running.signal("-TERM");
    running.finish().stopped_cleanly();

    let changes = delivered(&receiver);
    let distinct: HashSet<&(u64, String)> = changes.iter().collect();
    assert_eq!(distinct.len(), changes.len(), "no change twice: {changes:?}");
    let stamps: Vec<&String> = changes.iter().map(|(_, stamp)| stamp).collect();
    let mut ordered = stamps.clone();
    ordered.sort();
    assert_eq!(stamps, ordered, "oldest change first");
    assert_eq!(changes.last(), Some(&(first, again)), "a changed incident comes again");
    let events = receiver.events();
    let with_link = events
        .iter()
        .map(|event| &event.body["body"]["output"])
        .rfind(|item| change(item).0 == second)
        .expect("the second incident");
    assert_eq!(
        with_link["observables"][0]["value"], "phisher@example.org",
        "{with_link}"
    );
    assert_eq!(with_link["incident"]["model_type"], "incident");
    let state = workspace.state("t-inc").expect("a state");
    assert_eq!(state["modified_ts"], json!(changes.last().map(|(_, stamp)| stamp)));
}

/// At least once across a crash: nothing skipped, and a repeat only of what was delivered before it.
#[test]
fn killed_and_restarted_on_the_same_state_it_skips_nothing() {
    let (sim, receiver, workspace) = (
        simulator(),
        Receiver::builder().start(),
        Workspace::new("incidents-kill"),
    );
    let input = json!({"stability_window_seconds": 0});
    let first = Running::start(&trigger(&sim, &receiver, &input, "t-kill"), &workspace, false);
    wait_until("the first start saving its cursor", || {
        workspace.state("t-kill").is_some()
    });
    let mut created: Vec<u64> = (0..6)
        .map(|n| incident(&sim, json!({"name": format!("Before {n}")})))
        .collect();
    wait_until("a first part delivered", || delivered(&receiver).len() >= 2);
    let killed = first.kill();
    assert_ne!(killed.code, Some(0), "SIGKILL ends it without a clean stop");
    let before_kill: HashSet<u64> = delivered(&receiver).into_iter().map(|(id, _)| id).collect();
    created.extend((0..4).map(|n| incident(&sim, json!({"name": format!("After {n}")}))));

    let second = Running::start(&trigger(&sim, &receiver, &input, "t-kill"), &workspace, false);
    let all: HashSet<u64> = created.iter().copied().collect();
    wait_until("every incident delivered after the restart", || {
        delivered(&receiver)
            .into_iter()
            .map(|(id, _)| id)
            .collect::<HashSet<_>>()
            == all
    });
    workspace.raise_terminate_flag();
    second.finish().stopped_cleanly();
    let mut seen = HashSet::new();
    for (id, _) in delivered(&receiver) {
        assert!(all.contains(&id), "{id} was never created here");
        if !seen.insert(id) {
            assert!(
                before_kill.contains(&id),
                "{id} repeated without a delivery before the kill"
            );
        }
    }
}

/// The filters keep what they say, the task's state round trips, and a second run returns nothing.
#[test]
fn the_task_filters_by_publication_tags_and_status_and_returns_each_once() {
    let sim = simulator();
    let published = incident(
        &sim,
        json!({"name": "Published", "publication_status": "published", "incident_status": "New", "tags": ["phishing"]}),
    );
    let open = incident(
        &sim,
        json!({"name": "Open", "incident_status": "Open", "tags": ["Phishing"]}),
    );
    let plain = incident(&sim, json!({"name": "Plain"}));
    let backfill = json!({"backfill_hours": 1, "stability_window_seconds": 0});
    let with = |filters: Value| {
        let mut input = backfill.clone();
        input
            .as_object_mut()
            .expect("an object")
            .extend(filters.as_object().cloned().unwrap_or_default());
        input
    };
    let everything = run_task(&sim, &backfill, json!({}));
    assert_eq!(
        ids(&everything.body.output.clone().expect("an output")),
        [published, open, plain]
    );
    let cases = [
        (json!({"published_only": true}), vec![published]),
        (json!({"tags": ["PHISHING"]}), vec![published, open]),
        (json!({"statuses": ["open"]}), vec![open]),
        (json!({"tags": ["phishing"], "statuses": ["New"]}), vec![published]),
    ];
    for (filters, expected) in cases {
        let event = run_task(&sim, &with(filters.clone()), json!({}));
        assert_eq!(ids(&event.body.output.expect("an output")), expected, "{filters}");
    }

    let state = everything.body.state.expect("a state");
    assert!(state["modified_ts"].is_string(), "{state}");
    let next = run_task(&sim, &backfill, state.clone());
    assert_eq!(next.body.output, Some(json!([])), "each once");
    sim.change_threat_model("incident", plain, |fields| fields["name"] = json!("Plain, reviewed"));
    let changed = run_task(&sim, &backfill, state);
    assert_eq!(
        ids(&changed.body.output.expect("an output")),
        [plain],
        "a change comes again"
    );
}

#[test]
fn a_malformed_state_or_input_exits_1_before_any_request() {
    let sim = simulator();
    for (state, named) in [
        (json!({"modified_ts": "yesterday"}), "yesterday"),
        (json!({"modified_ts": 5}), "The task state is invalid: /modified_ts"),
        (json!({"incident_ids": ["a"]}), "The task state is invalid"),
        (json!({"cursor": 1}), "The task state is invalid"),
    ] {
        Invocation::run("monitor_incidents")
            .stdin_raw(task(&sim, &json!({}), state).to_string())
            .refused_naming(named);
    }
    for (input, named) in [
        (json!({"tags": ["a,b"]}), "tags"),
        (json!({"statuses": [""]}), "statuses"),
        (json!({"max_per_poll": 5000}), "max_per_poll"),
        (json!({"published_only": "yes"}), "published_only"),
    ] {
        Invocation::run("monitor_incidents")
            .stdin_raw(task(&sim, &input, json!({})).to_string())
            .refused_naming(named);
    }
    let receiver = Receiver::builder().start();
    for (input, named) in [
        (json!({"interval": 5}), "interval"),
        (json!({"observable_limit": 5000}), "observable_limit"),
        (json!({"statuses": ["new", " "]}), "statuses"),
    ] {
        Invocation::run("new_incidents")
            .stdin_raw(trigger(&sim, &receiver, &input, "t-bad").to_string())
            .refused_naming(named);
    }
    assert_untouched(&sim);
    assert_eq!(receiver.stats().received, 0);
}
