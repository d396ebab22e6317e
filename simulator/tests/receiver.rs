//! The dispatcher receiver a trigger posts its events to: recording,
//! failures, silence and recovery, bounded storage, and the bin's mode.

use std::time::Duration;

use serde_json::{json, Value};
use threatstream_simulator::{Outcome, Receiver, Silence};

use crate::support::{client, json_of, BinProcess};

fn trigger_event(update_id: u64) -> Value {
    json!({
        "body": {"meta": {}, "output": {"observable": {"value": "198.51.100.23", "update_id": update_id}}, "log": ""},
        "type": "trigger_event",
        "version": "v1"
    })
}

async fn post(url: &str, event: &Value) -> Result<u16, reqwest::Error> {
    let response = client()
        .post(url)
        .header("content-type", "application/json")
        .timeout(Duration::from_secs(2))
        .body(event.to_string())
        .send()
        .await?;
    Ok(response.status().as_u16())
}

#[tokio::test]
async fn events_are_recorded_with_path_headers_and_time() {
    let receiver = Receiver::start();
    let url = format!("{}/dispatch/trigger/42", receiver.url());
    assert_eq!(post(&url, &trigger_event(7)).await.ok(), Some(200));
    assert_eq!(post(&url, &trigger_event(8)).await.ok(), Some(200));
    let events = receiver.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].path, "/dispatch/trigger/42");
    assert_eq!(events[0].header("Content-Type"), Some("application/json"));
    assert_eq!(events[0].body, trigger_event(7));
    assert_eq!(events[0].outcome, Outcome::Accepted);
    assert!(events[0].since_start <= events[1].since_start);
    assert_eq!(receiver.update_ids(), vec![7, 8]);
    let not_json = client().post(&url).body("{").send().await.expect("an answer");
    assert_eq!(not_json.status(), 400);
    assert_eq!(receiver.stats().invalid, 1);
}

#[tokio::test]
async fn failures_come_first_then_deliveries_resume() {
    let receiver = Receiver::start();
    receiver.fail_next(2, 503);
    let url = receiver.url();
    assert_eq!(post(&url, &trigger_event(1)).await.ok(), Some(503));
    assert_eq!(post(&url, &trigger_event(1)).await.ok(), Some(503));
    assert_eq!(post(&url, &trigger_event(1)).await.ok(), Some(200));
    let stats = receiver.stats();
    assert_eq!((stats.received, stats.failed, stats.accepted), (3, 2, 1));
    assert_eq!(
        (stats.distinct_update_ids, stats.duplicate_update_ids),
        (1, 0),
        "only accepted events count"
    );
    post(&url, &trigger_event(1)).await.expect("an answer");
    assert_eq!(receiver.stats().duplicate_update_ids, 1, "a second delivery shows");
}

#[tokio::test]
async fn a_silent_receiver_holds_posts_until_it_recovers() {
    let receiver = Receiver::start();
    receiver.silence(Silence::Hang);
    let url = receiver.url();
    let held = post(&url, &trigger_event(1)).await;
    assert!(held.is_err_and(|e| e.is_timeout()), "no answer while silent");
    assert_eq!(receiver.stats().held, 1);
    receiver.recover();
    assert_eq!(post(&url, &trigger_event(2)).await.ok(), Some(200));
    assert_eq!(receiver.update_ids(), vec![2]);
    receiver
        .wait_for_accepted(1, Duration::from_secs(5))
        .expect("the post after recovery was accepted");
}

#[tokio::test]
async fn a_delaying_receiver_answers_late() {
    let receiver = Receiver::start();
    receiver.silence(Silence::Delay(Duration::from_secs(5)));
    let late = post(&receiver.url(), &trigger_event(3)).await;
    assert!(late.is_err_and(|e| e.is_timeout()), "the client gave up first");
    assert_eq!(
        receiver.events()[0].outcome,
        Outcome::Accepted,
        "the receiver did take it"
    );
    receiver.recover();
    assert_eq!(post(&receiver.url(), &trigger_event(4)).await.ok(), Some(200));
}

#[tokio::test]
async fn storage_is_bounded_while_counters_cover_everything() {
    let receiver = Receiver::builder().keep_events(5).start();
    for id in 0..40 {
        assert_eq!(post(&receiver.url(), &trigger_event(id)).await.ok(), Some(200));
    }
    assert_eq!(receiver.events().len(), 5);
    assert_eq!(receiver.events()[0].update_ids, vec![35]);
    let stats = receiver.stats();
    assert_eq!((stats.accepted, stats.distinct_update_ids, stats.kept), (40, 40, 5));
    receiver.clear();
    assert_eq!(receiver.stats().received, 0);
}

#[tokio::test]
async fn the_control_routes_steer_a_receiver() {
    let receiver = Receiver::start();
    let control = |name: &str| format!("{}/__receiver/{name}", receiver.url());
    let fail = client()
        .post(control("fail"))
        .body(r#"{"times": 1, "status": 500}"#)
        .send()
        .await;
    assert_eq!(fail.expect("an answer").status(), 204);
    assert_eq!(post(&receiver.url(), &trigger_event(9)).await.ok(), Some(500));
    let silence = client()
        .post(control("silence"))
        .body(r#"{"mode": "hang"}"#)
        .send()
        .await;
    assert_eq!(silence.expect("an answer").status(), 204);
    assert!(post(&receiver.url(), &trigger_event(10)).await.is_err());
    client().post(control("recover")).send().await.expect("an answer");
    assert_eq!(post(&receiver.url(), &trigger_event(11)).await.ok(), Some(200));
    let stats = json_of(client().get(control("stats")).send().await.expect("an answer")).await;
    assert_eq!(
        (
            stats["received"].as_u64(),
            stats["failed"].as_u64(),
            stats["held"].as_u64(),
            stats["accepted"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    let listed = json_of(client().get(control("events")).send().await.expect("an answer")).await;
    assert_eq!(listed["events"][2]["update_ids"], json!([11]));
    assert_eq!(listed["events"][1]["outcome"], "held");
    let ids = json_of(client().get(control("update_ids")).send().await.expect("an answer")).await;
    assert_eq!(ids, json!({"update_ids": [11]}));
    let bad = client()
        .post(control("silence"))
        .body(r#"{"mode": "nap"}"#)
        .send()
        .await;
    assert_eq!(bad.expect("an answer").status(), 400);
}

#[tokio::test]
async fn the_bin_runs_a_receiver() {
    let bin = BinProcess::start(&["--receiver", "--keep-events", "3"]);
    let url = bin.url();
    let status = post(&url, &trigger_event(5)).await.ok();
    let stats = client()
        .get(format!("{url}/__receiver/stats"))
        .send()
        .await
        .expect("an answer");
    let stats = json_of(stats).await;
    assert_eq!(status, Some(200));
    assert_eq!(stats["accepted"], 1);
}
