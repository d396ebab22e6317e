//! The Monitor Observables task: run again and again with the state it returned, it yields every
//! observable once, in `update_id` order, with `has_more_pages` while more wait; an upstream failure
//! is reported the task way (status ok, `status_code`, `exception`, the state unchanged); a malformed
//! state is refused before any request; and `http` mode serves the task, trigger and test_task routes
//! as runtime 6.6.x does.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, Simulator};

use crate::harness::{assert_untouched, connection, simulator, trigger_message, Event, Invocation, Preset, Server};

fn message(sim: &Simulator, input: &Value, state: Value) -> Value {
    json!({"version": "v1", "type": "task_start",
           "body": {"task": "monitor_observables", "meta": {"jobId": "job-9"}, "input": input, "state": state,
                    "connection": connection(sim)}})
}

/// One run, which must exit 0 with a task event.
#[track_caller]
fn run(sim: &Simulator, input: &Value, state: Value) -> Event {
    let run = Invocation::run("monitor_observables")
        .stdin_raw(message(sim, input, state).to_string())
        .invoke();
    let event = run.event();
    if run.code != 0 || event.body.status != "ok" || event.kind.as_deref() != Some("task_event") {
        run.fail("expected an ok task event and exit 0");
    }
    event
}

fn update_ids(output: &Value) -> Vec<u64> {
    output
        .as_array()
        .expect("a task's output is a list")
        .iter()
        .map(|observable| observable["update_id"].as_u64().expect("each has its update_id"))
        .collect()
}

/// The output is the array the runtime expects of a task, as schemas/ publishes it and help.md shows
/// it: the list itself, never `{"observables": [...]}`.
#[test]
fn the_output_is_the_array_its_published_schema_describes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/monitor_observables.output.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the schema")).expect("JSON");
    assert_eq!(schema["type"], "array");
    assert_eq!(schema["items"], json!({"$ref": "#/definitions/result"}));
    let sim = simulator();
    let input = json!({"stability_window_seconds": 0});
    let state = run(&sim, &input, json!({})).body.state.expect("a state");
    sim.add_records(&[json!({"value": "array.stream.example"})])
        .expect("a record is added");
    let output = run(&sim, &input, state).body.output.expect("an output");
    let items = output.as_array().expect("a task's output is an array");
    assert!(
        !items.is_empty() && items.iter().all(|item| item["update_id"].is_u64()),
        "{output}"
    );
}

#[test]
fn runs_with_the_state_they_returned_yield_every_observable_once() {
    let sim = simulator();
    let input = json!({"stability_window_seconds": 0, "max_per_poll": 7});
    let first = run(&sim, &input, json!({}));
    assert_eq!(first.body.output, Some(json!([])), "a first run starts from now");
    assert_eq!(first.body.has_more_pages, Some(false));
    let mut state = first.body.state.expect("a state");
    assert_eq!(state["cursor"], json!(sim.last_update_id()));

    let specs: Vec<Value> = (0..25)
        .map(|n| json!({"value": format!("task-{n}.stream.example")}))
        .collect();
    let added = sim.add_records(&specs).expect("records are added");
    let expected: Vec<u64> = added.iter().filter_map(|record| record["update_id"].as_u64()).collect();
    let (mut collected, mut more_pages) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let event = run(&sim, &input, state);
        collected.extend(update_ids(&event.body.output.expect("an output")));
        more_pages.push(event.body.has_more_pages.expect("has_more_pages"));
        state = event.body.state.expect("a state");
        if more_pages.last() == Some(&false) {
            break;
        }
    }
    assert_eq!(collected, expected, "each once, in update_id order");
    assert_eq!(more_pages, [true, true, true, false], "7, 7, 7 and the last 4");
    let again = run(&sim, &input, state.clone());
    assert_eq!(again.body.output, Some(json!([])));
    assert_eq!(again.body.state.expect("a state")["cursor"], state["cursor"]);
}

#[test]
fn an_upstream_failure_is_reported_the_task_way_with_the_state_unchanged() {
    let sim = simulator();
    sim.push_fault(Fault::Status {
        status: 401,
        body: "{\"message\": \"bad key\"}".into(),
    });
    let given = json!({"cursor": 5, "last_poll": "2024-03-05T11:02:17.000Z"});
    let event = run(&sim, &json!({}), given.clone());
    assert_eq!(event.body.status_code, Some(401));
    let exception = event.body.exception.expect("the failure as an exception");
    let (cause, assistance) = Preset::InvalidCredentials.texts();
    assert_eq!(
        (exception.cause.as_str(), exception.assistance.as_str()),
        (cause, assistance)
    );
    assert_eq!(event.body.state, Some(given), "the next run tries the same again");
    assert_eq!(event.body.output, Some(json!([])));
    assert_eq!(event.body.has_more_pages, Some(false));
    assert_eq!(event.body.error, None);
}

#[test]
fn a_malformed_state_or_input_exits_1_before_any_request() {
    let sim = simulator();
    for (state, named) in [
        (json!({"cursor": "abc"}), "The task state is invalid: /cursor"),
        (json!({"cursor": -1}), "The task state is invalid: /cursor"),
        (json!({"position": 1}), "The task state is invalid"),
        (json!([1]), "The task state is invalid"),
        (json!("x"), "The task state is invalid"),
    ] {
        Invocation::run("monitor_observables")
            .stdin_raw(message(&sim, &json!({}), state).to_string())
            .refused_naming(named);
    }
    Invocation::run("monitor_observables")
        .stdin_raw(message(&sim, &json!({"types": ["hash"]}), json!({})).to_string())
        .refused_naming("/types/0");
    assert_untouched(&sim);
}

/// A state whose cursor is ahead of ThreatStream would skip every change until ThreatStream's
/// update_ids passed it: the run fails, naming both numbers and the state to reset to, which works.
#[test]
fn a_state_ahead_of_threatstream_fails_the_run_saying_how_to_reset_it() {
    let sim = simulator();
    let newest = sim.last_update_id();
    let input = json!({"stability_window_seconds": 0});
    let refused = Invocation::run("monitor_observables")
        .stdin_raw(message(&sim, &input, json!({"cursor": 1_000_000_000_000_u64})).to_string())
        .errs();
    let exception = refused.exception();
    assert_eq!(
        exception.cause,
        format!(
            "The task state's cursor (update_id 1000000000000) is ahead of ThreatStream's newest change (update_id \
             {newest}): following it would skip every change until ThreatStream's update_ids pass it."
        )
    );
    assert!(
        exception.assistance.ends_with(&format!(
            "run the task with the state {{\"cursor\": {newest}}}, or with {{}} for a first run."
        )),
        "{}",
        exception.assistance
    );
    let requests = sim.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].query.as_deref(), Some("order_by=-update_id&limit=1"));

    let added = sim
        .add_records(&[json!({"value": "after-reset.task.example"})])
        .expect("a record");
    let event = run(&sim, &input, json!({"cursor": newest}));
    assert_eq!(
        update_ids(&event.body.output.expect("an output")),
        [added[0]["update_id"].as_u64().unwrap_or_default()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_mode_serves_the_task_the_trigger_test_and_test_task_as_the_runtime_does() {
    let (sim, server) = (simulator(), Server::start());
    let spec: Value = serde_norway::from_str(include_str!("../plugin.spec.yaml")).expect("spec");
    let task = message(&sim, &json!({"stability_window_seconds": 0}), json!({})).to_string();
    for path in ["/api/v1/tasks/monitor_observables", "/tasks/monitor_observables"] {
        let event = server.post(path, task.clone()).await.expect(200);
        assert_eq!(event["type"], "task_event", "{path}");
        assert_eq!(event["body"]["output"], json!([]), "{path}");
        assert_eq!(event["body"]["has_more_pages"], false, "{path}");
        assert!(event["body"]["state"]["cursor"].is_u64(), "{path}: {event}");
    }
    let tested = server
        .post("/api/v1/tasks/monitor_observables/test", task.clone())
        .await
        .expect(200);
    assert_eq!(tested["body"]["output"], json!({"connection": "Successful"}));

    let trigger = trigger_message(&sim, None, json!({}), "t-http").to_string();
    let tested = server
        .post("/api/v1/triggers/new_observables/test", trigger.clone())
        .await
        .expect(200);
    assert_eq!(
        (&tested["type"], &tested["body"]["output"]),
        (&json!("trigger_event"), &json!({"connection": "Successful"}))
    );
    let refused = server.post("/api/v1/tasks/monitor_observables", trigger).await;
    assert_eq!(refused.status, 400, "a trigger never runs over HTTP: {refused:?}");

    let test_task = json!({"version": "v1", "type": "connection_test",
                           "body": {"connection": connection(&sim), "task": "monitor_observables"}});
    let tested = server
        .post("/api/v1/connection/test_task", test_task.to_string())
        .await
        .expect(200);
    assert_eq!(
        (&tested["type"], &tested["body"]["output"]),
        (&json!("connection_test"), &json!({"connection": "Successful"}))
    );

    let section = server.get("/api/v1/tasks/monitor_observables").await.expect(200);
    let entry = &spec["tasks"]["monitor_observables"];
    for field in ["title", "description", "input", "output", "schedule", "state"] {
        assert_eq!(section[field], entry[field], "tasks section .{field}");
    }
    let section = server.get("/api/v1/triggers/new_observables").await.expect(200);
    assert_eq!(section["output"], spec["triggers"]["new_observables"]["output"]);
    assert_eq!(
        server.get("/api/v1/tasks/nope").await.expect(400),
        json!({"error": "Task nope does not exist"})
    );

    sim.push_fault(Fault::Status {
        status: 401,
        body: "{}".into(),
    });
    let given = json!({"cursor": 3});
    let failed = message(&sim, &json!({}), given.clone()).to_string();
    let event = server
        .post("/api/v1/tasks/monitor_observables", failed)
        .await
        .expect(200);
    assert_eq!(
        (&event["body"]["status"], &event["body"]["status_code"]),
        (&json!("ok"), &json!(401))
    );
    assert_eq!(event["body"]["state"], given);
}
