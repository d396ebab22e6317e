//! The feed: records added and changed while a client pages with
//! `order_by=update_id&update_id__gt=N` reach it exactly once, in order;
//! plus the record and synthetic-data control routes, and faults on new routes.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use serde_json::{json, Value};
use threatstream_simulator::{absent_value, Fault, FeedPlan, Simulator};

use crate::support::{control, get_json, search_path, send_json, start, wait_for, KEY};

const DEADLINE: Duration = Duration::from_secs(30);

/// One keyset page after `cursor`: `(id, update_id)` pairs.
async fn page_after(sim: &Simulator, cursor: u64) -> Vec<(u64, u64)> {
    let cursor = cursor.to_string();
    let query = [
        ("order_by", "update_id"),
        ("update_id__gt", cursor.as_str()),
        ("limit", "40"),
    ];
    let (status, page) = get_json(sim, &search_path(&query)).await;
    assert_eq!(status, 200, "{page}");
    let objects = page["objects"].as_array().cloned().unwrap_or_default();
    objects
        .iter()
        .map(|o| {
            (
                o["id"].as_u64().expect("id"),
                o["update_id"].as_u64().expect("update_id"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_feed_reaches_a_keyset_client_exactly_once_in_update_id_order() {
    let sim = start();
    let plan = FeedPlan {
        per_second: 400.0,
        total: 300,
        update_fraction: 0.2,
    };
    let started = sim.start_feed(plan).expect("the feed starts");
    let mut cursor = started.after_update_id;
    let mut delivered: Vec<(u64, u64)> = Vec::new();
    let clock = std::time::Instant::now();
    loop {
        let finished = !sim.feed_progress().running;
        let page = page_after(&sim, cursor).await;
        if let Some(&(_, last)) = page.last() {
            cursor = last;
        }
        let empty = page.is_empty();
        delivered.extend(page);
        if finished && empty {
            break;
        }
        assert!(
            delivered.len() <= 600,
            "the feed repeats itself: {} changes delivered",
            delivered.len()
        );
        assert!(clock.elapsed() < DEADLINE, "the feed did not finish in {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let progress = sim.feed_progress();
    assert_eq!((progress.added + progress.updated, progress.total), (300, 300));
    assert!(progress.updated > 0, "{progress:?}");
    let update_ids: Vec<u64> = delivered.iter().map(|(_, update_id)| *update_id).collect();
    assert!(
        update_ids.windows(2).all(|pair| pair[0] < pair[1]),
        "strictly increasing, so nothing twice"
    );
    let latest: BTreeMap<u64, u64> = sim
        .records_changed_since(started.after_update_id)
        .iter()
        .map(|r| {
            (
                r["id"].as_u64().expect("id"),
                r["update_id"].as_u64().expect("update_id"),
            )
        })
        .collect();
    assert_eq!(latest.len() as u64, progress.added, "only the feed changed records");
    let delivered_pairs: HashSet<(u64, u64)> = delivered.iter().copied().collect();
    for (id, update_id) in &latest {
        assert!(
            delivered_pairs.contains(&(*id, *update_id)),
            "record {id} at {update_id} was never delivered"
        );
    }
}

#[tokio::test]
async fn the_feed_control_routes_start_report_and_stop() {
    let sim = start();
    let plan = json!({"per_second": 20, "total": 100000, "update_fraction": 0.5});
    let (status, started) = control(&sim, "POST", "feed", Some(&plan)).await;
    assert_eq!(status, 202, "{started}");
    let after = started["after_update_id"].as_u64().expect("the starting cursor");
    assert_eq!(
        control(&sim, "POST", "feed", Some(&plan)).await.0,
        409,
        "one feed at a time"
    );
    wait_for("the feed to add a record", DEADLINE, || async {
        let (_, progress) = control(&sim, "GET", "feed", None).await;
        (progress["running"] == true && progress["added"].as_u64() > Some(0)).then_some(())
    })
    .await;
    assert_eq!(control(&sim, "DELETE", "feed", None).await.0, 204);
    let (_, progress) = control(&sim, "GET", "feed", None).await;
    assert_eq!(progress["running"], false);
    assert!(progress["added"].as_u64() > Some(0), "{progress}");
    let (_, changed) = control(&sim, "GET", &format!("records?update_id__gt={after}"), None).await;
    let changed = changed.as_array().cloned().unwrap_or_default();
    assert_eq!(changed.len() as u64, progress["added"].as_u64().unwrap_or_default());
    assert!(changed.iter().all(|r| r["source"] == "Anomali Labs Live Feed"));
    assert_eq!(
        control(&sim, "POST", "feed", Some(&json!({"per_second": 0, "total": 1})))
            .await
            .0,
        400
    );
    assert_eq!(control(&sim, "POST", "feed", Some(&json!({"rate": 1}))).await.0, 400);
}

#[tokio::test]
async fn records_can_be_added_and_changed_from_tests_and_scripts() {
    let sim = start();
    let before = sim.last_update_id();
    let specs = json!([{"value": "added-by-script.example", "tags": ["fresh"], "confidence": 70},
                       {"value": "203.0.113.230", "status": "inactive"}]);
    let (status, created) = control(&sim, "POST", "records", Some(&specs)).await;
    assert_eq!(status, 201, "{created}");
    let ids: Vec<u64> = created
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert_eq!(ids.len(), 2);
    let (_, page) = get_json(&sim, &search_path(&[("value", "added-by-script.example")])).await;
    assert_eq!(
        (
            page["objects"][0]["itype"].as_str(),
            page["objects"][0]["tags"][0]["name"].as_str()
        ),
        (Some("mal_domain"), Some("fresh"))
    );
    let changed = sim
        .change_record(ids[0], |record| record["confidence"] = json!(99))
        .expect("known id");
    assert_eq!(changed["confidence"], 99);
    let order: Vec<u64> = sim
        .records_changed_since(before)
        .iter()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert_eq!(order, [ids[1], ids[0]], "in update_id order");
    assert_eq!(
        control(&sim, "POST", "records", Some(&json!([{"value": "x"}]))).await.0,
        400
    );
    assert!(sim
        .add_records(&[json!({"value": "ok.example"}), json!({"value": "?"})])
        .is_err());
    assert_eq!(
        get_json(&sim, &search_path(&[("value", "ok.example")])).await.1["meta"]["total_count"],
        0,
        "all or nothing"
    );
}

#[tokio::test]
async fn synthetic_bench_data_is_listed_and_found() {
    let sim = Simulator::builder().api_key(KEY).synthetic(500, 2500).start();
    let (status, listed) = control(&sim, "GET", "synthetic", None).await;
    assert_eq!(status, 200);
    let present = listed["values"].as_array().cloned().unwrap_or_default();
    let absent = listed["absent"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        (present.len(), absent.len(), listed["records"].as_u64()),
        (500, 500, Some(2500))
    );
    assert_eq!(absent[3], json!(absent_value(3)));
    let sample: Vec<&Value> = present.iter().step_by(50).collect();
    let q = sample
        .iter()
        .map(|o| format!("value=\"{}\"", o["value"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" OR ");
    let (_, page) = get_json(&sim, &search_path(&[("q", &q), ("limit", "1000")])).await;
    for observable in &sample {
        let exact = page["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["value"] == observable["value"])
            .count();
        assert_eq!(exact, 5, "{observable}");
    }
    let (_, page) = get_json(
        &sim,
        &search_path(&[("value", absent[1]["value"].as_str().unwrap_or_default())]),
    )
    .await;
    assert_eq!(page["meta"]["total_count"], 0);
    let (status, more) = control(&sim, "POST", "synthetic", Some(&json!({"values": 500, "records": 500}))).await;
    assert_eq!((status, more["records"].as_u64()), (201, Some(500)));
    assert_eq!(control(&sim, "GET", "synthetic", None).await.1["records"], 3000);
}

#[tokio::test]
async fn faults_answer_the_new_routes_too_and_import_delay_is_steerable() {
    let sim = start();
    sim.push_fault(Fault::Status {
        status: 503,
        body: "{}".into(),
    });
    let (status, _) = send_json(
        &sim,
        "PATCH",
        "/api/v2/intelligence/500000101/",
        Some(&json!({"status": "inactive"})),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(
        sim.record(500_000_101).map(|r| r["status"].clone()),
        Some(json!("active")),
        "the fault answered instead"
    );
    assert_eq!(sim.requests().len(), 1, "and the request was recorded");
    assert_eq!(
        control(&sim, "PUT", "import_delay", Some(&json!({"millis": 0})))
            .await
            .0,
        200
    );
    assert_eq!(control(&sim, "GET", "import_delay", None).await.1, json!({"millis": 0}));
}
