//! The New Observables trigger when its surroundings misbehave: a saved cursor ahead of ThreatStream,
//! a slow dispatcher with crashes in between, a full disk, a stop while it is still starting, and a
//! stdout nobody reads. Every wait has a deadline; the poll interval is 20 ms (test-only).

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};
use threatstream_simulator::{Outcome, Receiver, Silence, Simulator};

use crate::harness::{simulator, trigger_message, wait_until, Running, Workspace, CANARY_KEY};

/// The trigger's `SAVE_EVERY_EVENTS`: a crash repeats at most this many events.
const SAVE_EVERY_EVENTS: usize = 50;

fn receiver() -> Receiver {
    Receiver::builder().keep_events(100_000).start()
}

fn started(sim: &Simulator, receiver: &Receiver, workspace: &Workspace, id: &str) -> Running {
    let input = json!({"stability_window_seconds": 0});
    let running = Running::start(&trigger_message(sim, Some(receiver), input, id), workspace, false);
    wait_until("the first start saving its cursor", || workspace.state(id).is_some());
    running
}

fn cursor(workspace: &Workspace, id: &str) -> Option<u64> {
    workspace.state(id).and_then(|state| state["cursor"].as_u64())
}

/// `count` new records, each with its own value; their update_ids.
fn add(sim: &Simulator, prefix: &str, count: usize) -> Vec<u64> {
    let specs: Vec<Value> = (0..count)
        .map(|n| json!({"value": format!("{prefix}-{n}.faults.example")}))
        .collect();
    let added = sim.add_records(&specs).expect("records are added");
    added.iter().filter_map(|record| record["update_id"].as_u64()).collect()
}

/// The update_ids the receiver accepted, in order, each checked for the API key.
fn accepted(receiver: &Receiver) -> Vec<u64> {
    let mut ids = Vec::new();
    for event in receiver
        .events()
        .into_iter()
        .filter(|event| event.outcome == Outcome::Accepted)
    {
        assert!(
            !event.body.to_string().contains(CANARY_KEY),
            "the API key leaked into an event"
        );
        ids.extend(event.update_ids);
    }
    ids
}

fn temporaries(workspace: &Workspace) -> Vec<String> {
    let entries = std::fs::read_dir(workspace.root.join("cache")).expect("the cache exists");
    entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp-"))
        .collect()
}

/// A cursor ahead of ThreatStream would skip every change until ThreatStream's update_ids passed it:
/// the run ends at once, naming both numbers and how to reset, and the reset it names works.
#[test]
fn a_saved_cursor_ahead_of_threatstream_ends_the_run_saying_how_to_reset_it() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("ahead"));
    std::fs::create_dir_all(workspace.root.join("cache")).expect("a cache");
    let ahead = r#"{"cursor": 1000000000000, "last_poll": "2026-01-01T00:00:00.000Z"}"#;
    std::fs::write(workspace.state_file("t-ahead"), ahead).expect("a state");
    let newest = sim.last_update_id();
    let input = json!({"stability_window_seconds": 0});
    let message = trigger_message(&sim, Some(&receiver), input, "t-ahead");
    let finished = Running::start(&message, &workspace, false).finish();
    assert_eq!(finished.code, Some(1), "{finished:?}");
    let event = finished.envelope();
    assert_eq!(
        (&event["type"], &event["body"]["status"]),
        (&json!("trigger_event"), &json!("error"))
    );
    let exception = &event["body"]["exception"];
    assert_eq!(
        exception["cause"],
        format!(
            "The trigger's saved cursor (update_id 1000000000000) is ahead of ThreatStream's newest change \
             (update_id {newest}): following it would skip every change until ThreatStream's update_ids pass it."
        )
    );
    let place = workspace.state_file("t-ahead").display().to_string();
    let assistance = exception["assistance"].as_str().expect("an assistance");
    assert!(
        assistance.contains(&format!("write {{\"cursor\": {newest}}} into {place}, or delete it")),
        "{assistance}"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.state_file("t-ahead")).ok().as_deref(),
        Some(ahead)
    );
    let requests = sim.requests();
    assert_eq!(requests.len(), 1, "one request, the newest change: {requests:?}");
    let query = requests[0].query.clone().unwrap_or_default();
    assert_eq!(query, "order_by=-update_id&limit=1");

    std::fs::write(workspace.state_file("t-ahead"), format!("{{\"cursor\": {newest}}}")).expect("reset");
    let running = Running::start(&message, &workspace, false);
    let added = add(&sim, "after-reset", 1);
    wait_until("the change after the reset delivered", || {
        receiver.update_ids() == added
    });
    workspace.raise_terminate_flag();
    running.finish().stopped_cleanly();
}

/// With a slow dispatcher and a crash every few dozen events, each restart goes on from a cursor saved
/// during the page, and repeats at most `SAVE_EVERY_EVENTS` events; at the end nothing is missing.
#[test]
fn a_slow_dispatcher_and_repeated_crashes_still_make_progress() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("slow"));
    receiver.silence(Silence::Delay(Duration::from_millis(20)));
    let mut running = started(&sim, &receiver, &workspace, "t-slow");
    let expected = add(&sim, "slow", 300);
    let mut saved = cursor(&workspace, "t-slow");
    for crash in 0..3 {
        let before = receiver.stats().accepted;
        wait_until("more than a save's worth of events delivered", || {
            receiver.stats().accepted > before + SAVE_EVERY_EVENTS as u64
        });
        let killed = running.kill();
        assert_ne!(killed.code, Some(0), "SIGKILL: {killed:?}");
        let now = cursor(&workspace, "t-slow");
        assert!(
            now > saved,
            "crash {crash}: the cursor moved on from {saved:?} (now {now:?})"
        );
        saved = now;
        let message = trigger_message(&sim, Some(&receiver), json!({"stability_window_seconds": 0}), "t-slow");
        running = Running::start(&message, &workspace, false);
    }
    receiver.recover();
    wait_until("every observable delivered", || {
        receiver.stats().distinct_update_ids >= expected.len() as u64
    });
    workspace.raise_terminate_flag();
    running.finish().stopped_cleanly();

    let ids = accepted(&receiver);
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(
        distinct,
        expected.iter().copied().collect(),
        "none skipped, none invented"
    );
    let repeats = ids.len() - distinct.len();
    assert!(repeats <= 3 * SAVE_EVERY_EVENTS, "{repeats} repeats after 3 crashes");
}

/// A save that fails (the file's place taken by a directory, so the rename fails; then a full disk)
/// leaves no temporary file, is logged once with the path, and the events keep flowing; the next save
/// that works says so; a stop whose last save fails ends with an error event naming the file.
#[test]
fn a_failing_save_leaves_no_temporary_is_logged_once_and_delivery_goes_on() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("full"));
    let running = started(&sim, &receiver, &workspace, "t-full");
    let state = workspace.state_file("t-full");
    std::fs::remove_file(&state).expect("the state file");
    std::fs::create_dir(&state).expect("a directory in its place");
    let mut delivered = Vec::new();
    for batch in 0..3 {
        delivered.extend(add(&sim, &format!("full-{batch}"), 2));
        wait_until("the batch delivered", || receiver.update_ids() == delivered);
        // A save may be under way as we look; none may stay.
        wait_until("no temporary file left", || temporaries(&workspace).is_empty());
    }
    std::fs::remove_dir(&state).expect("the directory goes");
    delivered.extend(add(&sim, "full-saved", 1));
    wait_until("the cursor saved again", || {
        cursor(&workspace, "t-full") == delivered.last().copied()
    });

    // A full disk: the temporary file is /dev/full, where every write fails with ENOSPC.
    let temporary = workspace
        .root
        .join("cache")
        .join(format!("t-full.json.tmp-{}", running.pid()));
    std::os::unix::fs::symlink("/dev/full", &temporary).expect("a symlink to /dev/full");
    delivered.extend(add(&sim, "full-disk", 1));
    wait_until("the change delivered", || receiver.update_ids() == delivered);
    wait_until("the failed temporary removed", || {
        !temporary.exists() && temporary.symlink_metadata().is_err()
    });
    delivered.extend(add(&sim, "full-after", 1));
    wait_until("the cursor saved again", || {
        cursor(&workspace, "t-full") == delivered.last().copied()
    });

    std::fs::remove_file(&state).expect("the state file");
    std::fs::create_dir(&state).expect("a directory in its place again");
    workspace.raise_terminate_flag();
    let finished = running.finish();
    assert_eq!(finished.code, Some(1), "the last save failed: {finished:?}");
    let event = finished.envelope();
    let cause = event["body"]["exception"]["cause"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let place = state.display().to_string();
    assert!(
        cause.starts_with(&format!("The trigger's state could not be saved to {place}: ")),
        "{cause}"
    );
    assert_eq!(temporaries(&workspace), Vec::<String>::new());

    let failures: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|line| line.starts_with(&format!("ERROR: The trigger's state could not be saved to {place}")))
        .collect();
    assert_eq!(
        failures.len(),
        2,
        "once per run of failures (directory, full disk): {failures:#?}"
    );
    assert!(failures[1].contains("No space left on device"), "{}", failures[1]);
    assert_eq!(
        finished.stderr.matches("The trigger's state is saved again").count(),
        2,
        "{}",
        finished.stderr
    );
}

/// A stop while the message is still on its way, or while a very long input is checked, ends the run
/// with the stop event (or, for an input refused first, its error event), never with the signal's
/// default (exit 143, no event).
#[test]
fn a_stop_while_starting_ends_with_an_event() {
    let (sim, receiver, workspace) = (simulator(), receiver(), Workspace::new("starting"));
    let message = trigger_message(&sim, Some(&receiver), json!({}), "t-starting");
    let mut waiting = Running::waiting(&workspace, false, &[]);
    wait_until("the plugin listening for stops", || waiting.has_thread("stop-signals"));
    waiting.signal("-TERM");
    waiting.send(&message);
    let finished = waiting.finish();
    finished.stopped_cleanly();
    let log = finished.envelope()["body"]["log"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        log.contains("Asked to stop while starting: stopped before the first poll"),
        "{log}"
    );
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    assert!(workspace.state("t-starting").is_none(), "nothing saved");

    let itypes: Vec<String> = (0..100_000).map(|n| format!("itype_{n:06}")).collect();
    let message = trigger_message(&sim, Some(&receiver), json!({"itypes": itypes}), "t-long-input");
    let mut waiting = Running::waiting(&workspace, false, &[]);
    wait_until("the plugin listening for stops", || waiting.has_thread("stop-signals"));
    waiting.send(&message);
    waiting.signal("-TERM");
    let finished = waiting.finish();
    assert!(
        matches!(finished.code, Some(0 | 1)),
        "{:?} {}",
        finished.code,
        finished.stderr
    );
    assert_eq!(finished.envelope()["type"], "trigger_event", "{finished:?}");
    assert_eq!(receiver.stats().received, 0);
}

/// Under --debug the events go to stdout; with its reader gone, an event cannot be delivered, so the
/// run ends (exit 1, a line on stderr) with the cursor still before it.
#[test]
fn a_debug_trigger_whose_stdout_is_gone_stops_without_skipping() {
    let (sim, workspace) = (simulator(), Workspace::new("unread"));
    let message = trigger_message(&sim, None, json!({"stability_window_seconds": 0}), "t-unread");
    let running = Running::start_unread(&message, &workspace, true);
    wait_until("the first start saving its cursor", || {
        workspace.state("t-unread").is_some()
    });
    let start = cursor(&workspace, "t-unread");
    add(&sim, "unread", 1);
    let finished = running.finish();
    assert_eq!(finished.code, Some(1), "{finished:?}");
    assert!(
        finished
            .stderr
            .contains("The trigger's event could not be written to standard output (--debug)"),
        "{}",
        finished.stderr
    );
    assert!(
        finished
            .stderr
            .contains("ERROR: the step's event could not be written to standard output"),
        "{}",
        finished.stderr
    );
    assert_eq!(
        cursor(&workspace, "t-unread"),
        start,
        "the undelivered event is not skipped"
    );
}
