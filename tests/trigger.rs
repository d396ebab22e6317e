//! The New Observables trigger, run for real: the binary with a trigger_start message on stdin, the
//! simulator's live feed, and the dispatcher receiver. Exactly once in `update_id` order; a failing
//! dispatcher; SIGKILL and a restart on the same state; a graceful stop; `--debug`, backfill, excluded
//! tags and an observable that changes again; the test command; every bad input refused before any
//! request. Every wait has a deadline, and the poll interval is shortened to 20 ms (test-only).

use std::collections::HashSet;

use serde_json::{json, Value};
use threatstream_simulator::{FeedPlan, Outcome, Receiver, Simulator};

use crate::harness::{
    assert_untouched, output_of, plugin_command, simulator, trigger_message, wait_until, Invocation, Running,
    Workspace, CANARY_KEY, DEADLINE,
};

fn receiver() -> Receiver {
    Receiver::builder().keep_events(100_000).start()
}

/// The `update_id`s of the accepted events, in the order they arrived, checked for the API key and
/// for the runtime's event shape.
fn delivered(receiver: &Receiver) -> Vec<u64> {
    let mut ids = Vec::new();
    for event in receiver
        .events()
        .into_iter()
        .filter(|event| event.outcome == Outcome::Accepted)
    {
        let text = event.body.to_string();
        assert!(!text.contains(CANARY_KEY), "the API key leaked into an event");
        assert_eq!(event.header("content-type"), Some("application/json"));
        ids.extend(event.update_ids);
    }
    ids
}

/// What a perfect feed client receives from `after` on: every change, in order.
fn changes_since(sim: &Simulator, after: u64) -> Vec<u64> {
    sim.records_changed_since(after)
        .iter()
        .filter_map(|record| record["update_id"].as_u64())
        .collect()
}

/// Starts the trigger and waits until its first start has saved where it begins.
fn started(sim: &Simulator, receiver: &Receiver, workspace: &Workspace, input: Value, id: &str) -> Running {
    let running = Running::start(&trigger_message(sim, Some(receiver), input, id), workspace, false);
    wait_until("the first start saving its cursor", || workspace.state(id).is_some());
    running
}

fn feed(sim: &Simulator, per_second: f64, total: u64) -> u64 {
    let plan = FeedPlan {
        per_second,
        total,
        update_fraction: 0.0,
    };
    sim.start_feed(plan).expect("the feed starts").after_update_id
}

#[test]
fn every_observable_added_during_a_run_is_delivered_once_in_update_id_order() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("exactly-once"));
    let running = started(
        &sim,
        &receiver,
        &workspace,
        json!({"stability_window_seconds": 0}),
        "t-once",
    );
    let after = feed(&sim, 500.0, 200);
    sim.wait_for_feed(DEADLINE).expect("the feed finishes");
    let expected = changes_since(&sim, after);
    assert_eq!(expected.len(), 200);
    wait_until("every observable delivered", || {
        receiver.stats().distinct_update_ids >= 200
    });
    running.signal("-TERM");
    let finished = running.finish();
    finished.stopped_cleanly();

    assert_eq!(delivered(&receiver), expected, "each once, in update_id order");
    assert_eq!(receiver.stats().duplicate_update_ids, 0);
    let event = &receiver.events()[0].body;
    assert_eq!(event["type"], "trigger_event");
    assert_eq!(event["version"], "v1");
    assert_eq!(event["body"]["meta"], json!({"triggerId": "t-once", "jobId": "job-7"}));
    let keys: Vec<&String> = event["body"].as_object().expect("a body").keys().collect();
    assert_eq!(keys, ["meta", "output", "log"], "no status in a trigger event");
    assert_eq!(event["body"]["output"]["observable"]["update_id"], json!(expected[0]));
    assert_eq!(
        event["body"]["output"]["observable"]["source"],
        "Anomali Labs Live Feed"
    );
    // The feed's observables are active with a confidence of 50-99: suspicious or malicious alone.
    let verdict = &event["body"]["output"]["verdict"];
    let confidence = event["body"]["output"]["observable"]["confidence"]
        .as_i64()
        .expect("a confidence");
    let word = if confidence >= 65 { "malicious" } else { "suspicious" };
    assert_eq!(
        (&verdict["verdict"], &verdict["matched_records"]),
        (&json!(word), &json!(1)),
        "{verdict}"
    );
    let state = workspace.state("t-once").expect("the state is saved");
    assert_eq!(
        state["cursor"],
        json!(expected[199]),
        "a graceful stop saves the last delivered"
    );
    assert!(
        finished.stderr.contains("Poll: "),
        "a log line per poll: {}",
        finished.stderr
    );
}

#[test]
fn a_dispatcher_that_fails_five_times_loses_nothing() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("failing"));
    receiver.fail_next(5, 503);
    let running = started(
        &sim,
        &receiver,
        &workspace,
        json!({"stability_window_seconds": 0}),
        "t-fail",
    );
    let after = feed(&sim, 1000.0, 30);
    sim.wait_for_feed(DEADLINE).expect("the feed finishes");
    let expected = changes_since(&sim, after);
    wait_until("every observable delivered", || {
        receiver.stats().distinct_update_ids >= 30
    });
    workspace.raise_terminate_flag();
    let finished = running.finish();
    finished.stopped_cleanly();

    assert_eq!(receiver.stats().failed, 5);
    assert_eq!(
        delivered(&receiver),
        expected,
        "the failed event was sent again, nothing after it first"
    );
    assert!(
        finished
            .stderr
            .contains("The dispatcher did not take the event (HTTP 503); trying again"),
        "{}",
        finished.stderr
    );
}

/// The guarantee across a crash: at least once, nothing skipped, and a repeat only of what the
/// dispatcher had already taken (after the last saved page).
#[test]
fn killed_mid_run_and_restarted_on_the_same_state_it_skips_nothing() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("killed"));
    let input = json!({"stability_window_seconds": 0});
    let first = started(&sim, &receiver, &workspace, input.clone(), "t-kill");
    let after = feed(&sim, 400.0, 600);
    wait_until("a first part delivered", || receiver.stats().accepted >= 100);
    let killed = first.kill();
    assert_ne!(killed.code, Some(0), "SIGKILL ends it without a clean stop");
    let before_kill: HashSet<u64> = delivered(&receiver).into_iter().collect();
    assert!(before_kill.len() < 600, "killed mid-run");

    let second = Running::start(
        &trigger_message(&sim, Some(&receiver), input, "t-kill"),
        &workspace,
        false,
    );
    sim.wait_for_feed(DEADLINE).expect("the feed finishes");
    let expected = changes_since(&sim, after);
    wait_until("every observable delivered after the restart", || {
        receiver.stats().distinct_update_ids >= 600
    });
    workspace.raise_terminate_flag();
    second.finish().stopped_cleanly();

    let ids = delivered(&receiver);
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(
        distinct,
        expected.iter().copied().collect(),
        "none skipped, none invented"
    );
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            assert!(
                before_kill.contains(&id),
                "{id} was repeated without having been delivered before the kill"
            );
        }
    }
}

/// --debug prints events on stdout; a first start with backfill takes what changed before it;
/// excluded tags stay out; an observable that changes again comes again, with its new update_id.
#[test]
fn debug_backfill_excluded_tags_and_an_observable_that_changes_again() {
    let (sim, workspace) = (simulator(), Workspace::new("debug"));
    let added = sim
        .add_records(&[
            json!({"value": "203.0.113.201", "tags": ["InsightConnect"]}),
            json!({"value": "backfilled.example"}),
        ])
        .expect("records are added");
    let kept = added[1]["id"].as_u64().expect("an id");
    let input = json!({"stability_window_seconds": 0, "backfill_hours": 1, "exclude_tags": ["insightconnect"]});
    let running = Running::start(&trigger_message(&sim, None, input, "t-debug"), &workspace, true);
    let cursor = |workspace: &Workspace| workspace.state("t-debug").and_then(|state| state["cursor"].as_u64());
    let first = added[1]["update_id"].as_u64().expect("an update_id");
    wait_until("the backfilled observable delivered", || {
        cursor(&workspace) >= Some(first)
    });
    let changed = sim
        .change_record(kept, |record| record["confidence"] = json!(99))
        .expect("changed");
    let second = changed["update_id"].as_u64().expect("an update_id");
    wait_until("the change delivered", || cursor(&workspace) >= Some(second));
    workspace.raise_terminate_flag();
    let finished = running.finish();
    finished.stopped_cleanly();

    let events: Vec<Value> = finished
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["body"].get("status").is_none())
        .collect();
    let observables: Vec<(&Value, &Value)> = events
        .iter()
        .map(|event| {
            (
                &event["body"]["output"]["observable"]["value"],
                &event["body"]["output"]["observable"]["update_id"],
            )
        })
        .collect();
    assert_eq!(
        observables,
        [
            (&json!("backfilled.example"), &json!(first)),
            (&json!("backfilled.example"), &json!(second))
        ]
    );
}

#[test]
fn the_test_of_a_trigger_polls_once_with_documented_filters_and_emits_nothing() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("test"));
    let input = json!({"types": ["ip", "domain"], "min_confidence": 60, "severities": ["very-high"],
                       "tags": ["apt29"], "trusted_circles": [146], "itypes": ["c2_ip"]});
    let stdin = trigger_message(&sim, Some(&receiver), input, "t-test").to_string();
    let run = Invocation::test("new_observables")
        .stdin_raw(stdin)
        .env("ANOMALI_THREATSTREAM_WORKSPACE", &workspace.root.to_string_lossy())
        .invoke();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["body"]["output"], json!({"connection": "Successful"}));
    assert_eq!(run.json()["type"], "trigger_event");
    assert_eq!(receiver.stats().received, 0, "a test emits nothing");
    assert!(workspace.state("t-test").is_none(), "a test saves nothing");
    let requests = sim.requests();
    assert_eq!(requests.len(), 2, "the starting cursor, then one poll: {requests:?}");
    let poll: Vec<String> = requests[1]
        .query
        .clone()
        .unwrap_or_default()
        .split('&')
        .map(str::to_owned)
        .collect();
    let names: Vec<&str> = poll.iter().filter_map(|pair| pair.split('=').next()).collect();
    assert_eq!(
        names,
        [
            "type",
            "itype",
            "status",
            "meta.severity",
            "tags.name",
            "trustedcircles",
            "confidence__gte",
            "update_id__gt",
            "modified_ts__lt",
            "order_by",
            "limit"
        ]
    );
}

#[test]
fn bad_inputs_and_envelopes_exit_1_before_any_request() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("bad"));
    let good = trigger_message(&sim, Some(&receiver), json!({}), "t-bad");
    let with = |path: &str, value: Value| {
        let mut message = good.clone();
        *message.pointer_mut(path).expect("the field exists") = value;
        message
    };
    std::fs::create_dir_all(workspace.root.join("cache")).expect("a cache");
    std::fs::write(workspace.state_file("t-corrupt"), b"{\"cursor\": 4").expect("a corrupt state");
    let cases = [
        (with("/body/input", json!({"types": ["hash"]})), "/types/0"),
        (with("/body/input", json!({"interval": 5})), "'interval'"),
        (with("/body/input", json!({"itypes": ["C2 IP"]})), "'itypes'"),
        (with("/body/input", json!({"tags": ["a,b"]})), "'tags'"),
        (with("/body/input", json!({"max_per_poll": 10_001})), "/max_per_poll"),
        (
            with("/body/dispatcher", json!({"url": "ftp://dispatcher.example/events"})),
            "dispatcher.url",
        ),
        (with("/body/dispatcher", json!({})), "dispatcher.url"),
        (
            with("/body/meta", json!({"triggerId": "../../etc/cron.d/x"})),
            "meta.triggerId",
        ),
        (with("/body/meta", json!({"triggerId": "t-corrupt"})), "not JSON"),
    ];
    for (message, named) in cases {
        Invocation::run("new_observables")
            .stdin_raw(message.to_string())
            .env("ANOMALI_THREATSTREAM_WORKSPACE", &workspace.root.to_string_lossy())
            .refused_naming(named);
    }
    assert_untouched(&sim);
    assert_eq!(receiver.stats().received, 0);
}

/// `info` lists the triggers and the tasks in the runtime's order (triggers, actions, tasks), and
/// `sample` writes their start messages as the runtime does (protocol reference §1.2, §7.1).
#[test]
fn info_and_sample_know_the_triggers_and_the_tasks() {
    let info = output_of(plugin_command().arg("info"));
    let text = String::from_utf8_lossy(&info.stdout);
    let green = |text: &str| format!("\u{1b}[92m{text}\u{1b}[0m");
    let triggers = text.find(&format!(
        "\nTriggers ({}):\n└── {} (",
        green("2"),
        green("new_observables")
    ));
    assert!(text.contains(&format!("└── {} (", green("new_incidents"))), "{text}");
    let actions = text.find("\nActions (");
    let tasks = text.find(&format!(
        "\nTasks ({}):\n└── {} (",
        green("2"),
        green("monitor_observables")
    ));
    assert!(
        text.contains(&format!("└── {} (", green("monitor_incidents"))),
        "{text}"
    );
    assert!(triggers < actions && actions < tasks && triggers.is_some(), "{text}");

    let sample = output_of(plugin_command().args(["sample", "new_observables"]));
    let printed = String::from_utf8_lossy(&sample.stdout);
    assert!(
        printed.starts_with(r#"{"body": {"trigger": "new_observables", "meta": {}, "input": {"#),
        "{printed}"
    );
    let message: Value = serde_json::from_slice(&sample.stdout).expect("sample is JSON");
    assert_eq!(
        message["body"]["dispatcher"],
        json!({"url": "http://localhost:8000", "webhook_url": ""})
    );
    assert_eq!(message["type"], "trigger_start");
    let sample = output_of(plugin_command().args(["sample", "monitor_observables"]));
    let message: Value = serde_json::from_slice(&sample.stdout).expect("sample is JSON");
    let keys: Vec<&String> = message["body"].as_object().expect("a body").keys().collect();
    assert_eq!(keys, ["task", "meta", "input", "connection", "state"]);
    assert_eq!(message["body"]["state"], json!({"cursor": null, "last_poll": null}));
    assert_eq!(message["type"], "task_start");
    let sample = output_of(plugin_command().args(["sample", "monitor_incidents"]));
    let message: Value = serde_json::from_slice(&sample.stdout).expect("sample is JSON");
    assert_eq!(
        message["body"]["state"],
        json!({"modified_ts": null, "incident_ids": [], "last_poll": null})
    );
}
