//! Threat models as state: created, changed, tagged, commented, linked to
//! observables and to each other, listed by change and deleted; and the
//! investigations that hold them.

use serde_json::{json, Value};
use threatstream_simulator::{Permission, Simulator};

use crate::support::{get_json, send_json, start, KEY};

async fn create(sim: &Simulator, model: &str, body: Value) -> Value {
    let (status, created) = send_json(sim, "POST", &format!("/api/v1/{model}/"), Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

fn id_of(model: &Value) -> u64 {
    model["id"].as_u64().expect("an id")
}

#[tokio::test]
async fn create_link_and_get_shows_the_links_both_ways() {
    let sim = start();
    let incident = create(
        &sim,
        "incident",
        json!({"name": "Case 4711", "status": 1, "is_public": "false",
        "tags": ["phishing"], "description": "<p>two hosts</p>"}),
    )
    .await;
    let id = id_of(&incident);
    assert_eq!(incident["status"]["display_name"], "New");
    assert_eq!(incident["publication_status"], "new");
    assert_eq!(incident["tags_v2"][0]["name"], "phishing");
    assert_eq!(incident["resource_uri"], format!("/api/v1/incident/{id}/"));

    let path = format!("/api/v1/incident/{id}/intelligence/bulk_add/");
    let (status, linked) = send_json(
        &sim,
        "POST",
        &path,
        Some(&json!({"ids": ["500000101", 500_000_501, 9]})),
    )
    .await;
    assert_eq!(
        (status, &linked),
        (200, &json!({"success": true, "ids": [500_000_101, 500_000_501]}))
    );
    let (_, again) = send_json(&sim, "POST", &path, Some(&json!({"ids": [500_000_101]}))).await;
    assert_eq!(again["ids"], json!([]), "already linked: left out");
    let (_, observables) = get_json(&sim, &format!("/api/v1/incident/{id}/intelligence/")).await;
    let values: Vec<&str> = observables["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|record| record["value"].as_str())
        .collect();
    assert_eq!(values, ["198.51.100.23", "evil-domain.example"]);
    let (_, associated) = get_json(
        &sim,
        "/api/v1/incident/associated_with_intelligence/?value=evil-domain.example",
    )
    .await;
    assert!(associated["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["id"] == id));

    let (_, to_actor) = send_json(
        &sim,
        "POST",
        &format!("/api/v1/incident/{id}/actor/bulk_add/"),
        Some(&json!({"ids": [3101]})),
    )
    .await;
    assert_eq!(to_actor["ids"], json!([3101]));
    let (_, actors) = get_json(&sim, &format!("/api/v1/incident/{id}/actor/")).await;
    assert_eq!(actors["objects"][0]["name"], "Lazy Quokka");
    let (_, incidents) = get_json(&sim, "/api/v1/actor/3101/incident/").await;
    assert_eq!(incidents["objects"][0]["id"], id, "links go both ways");
    let (status, _) = send_json(
        &sim,
        "POST",
        &format!("/api/v1/incident/{id}/dragon/bulk_add/"),
        Some(&json!({"ids": [1]})),
    )
    .await;
    assert_eq!(status, 405, "an unknown target is Splunk's 405");

    let (_, removed) = send_json(
        &sim,
        "POST",
        &format!("/api/v1/incident/{id}/intelligence/bulk_remove/"),
        Some(&json!({"ids": [500_000_501, 500_000_301]})),
    )
    .await;
    assert_eq!(removed["ids"], json!([500_000_501]));
}

#[tokio::test]
async fn updates_change_only_what_is_sent_and_move_modified_ts() {
    let sim = start();
    let created = create(
        &sim,
        "tipreport",
        json!({"name": "Bulletin", "body": "<p>draft</p>", "status": "new",
        "tags_v2": [{"name": "draft", "tlp": "amber"}]}),
    )
    .await;
    let id = id_of(&created);
    assert_eq!(created["status"], "new", "a bulletin's publication state is its status");
    let (status, updated) = send_json(
        &sim,
        "PATCH",
        &format!("/api/v1/tipreport/{id}/"),
        Some(&json!({"status": "published"})),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        (&updated["status"], &updated["body"], &updated["name"]),
        (&json!("published"), &json!("<p>draft</p>"), &json!("Bulletin"))
    );
    assert!(updated["modified_ts"].as_str() > created["modified_ts"].as_str());
    assert!(updated["published_ts"].is_string());

    let (status, tagged) = send_json(
        &sim,
        "POST",
        &format!("/api/v1/tipreport/{id}/tag/"),
        Some(&json!({"tags": [{"name": "DRAFT", "tlp": "red"}, {"name": "final", "tlp": "red"}]})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(tagged["success"], true);
    assert_eq!(
        tagged["tags"].as_array().map(|tags| tags.len()),
        Some(1),
        "draft was there: {tagged}"
    );
    let shown = sim.threat_model("tipreport", id).expect("the bulletin");
    assert_eq!(shown["tags"], json!(["draft", "final"]));
    assert_eq!(shown["tags_v2"][1]["tlp"], "red");

    let (status, comment) = send_json(
        &sim,
        "POST",
        &format!("/api/v1/tipreport/{id}/comment/"),
        Some(&json!({"title": "t", "body": "Closed."})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        (&comment["body"], &comment["tip_report"]),
        (&json!("Closed."), &json!(id))
    );
    let (_, comments) = get_json(&sim, &format!("/api/v1/tipreport/{id}/comment/")).await;
    assert_eq!(comments["objects"][0]["id"], comment["id"]);

    for (body, why) in [
        (json!({"status": "done"}), "status"),
        (json!({"tlp": "blue"}), "tlp"),
        (json!({"name": ""}), "name"),
    ] {
        let (status, _) = send_json(&sim, "PATCH", &format!("/api/v1/tipreport/{id}/"), Some(&body)).await;
        assert_eq!(status, 400, "{why}");
    }
    let (status, _) = send_json(&sim, "POST", "/api/v1/signature/", Some(&json!({"name": "no type"}))).await;
    assert_eq!(status, 400, "a signature needs s_type");
}

#[tokio::test]
async fn the_incident_list_follows_changes_oldest_first() {
    let sim = start();
    let first = id_of(&create(&sim, "incident", json!({"name": "one"})).await);
    let second = id_of(&create(&sim, "incident", json!({"name": "two"})).await);
    let changed = sim
        .change_threat_model("incident", first, |fields| fields["name"] = json!("one again"))
        .expect("changed");
    let since = sim.threat_model("incident", second).expect("second")["modified_ts"].clone();
    let path = format!(
        "/api/v1/incident/?order_by=modified_ts&modified_ts__gte={}",
        since.as_str().unwrap_or_default()
    );
    let (_, page) = get_json(&sim, &path).await;
    let ids: Vec<u64> = page["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_u64())
        .collect();
    assert_eq!(ids, [second, first]);
    assert_eq!(page["objects"][1]["modified_ts"], changed["modified_ts"]);
    let (_, types) = get_json(&sim, "/api/v1/incidentstatustype/").await;
    assert_eq!(types["objects"][1]["display_name"], "Open");
}

#[tokio::test]
async fn deletes_need_org_admin_and_model_writes_their_own_permission() {
    let sim = Simulator::builder().api_key(KEY).deny(Permission::OrgAdmin).start();
    let id = id_of(&create(&sim, "actor", json!({"name": "Heron"})).await);
    let (status, body) = send_json(&sim, "DELETE", &format!("/api/v1/actor/{id}/"), None).await;
    assert_eq!(status, 403);
    assert!(body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("'org_admin' permission (Org Admin)"));
    sim.set_denied(&[Permission::ThreatModel, Permission::Investigation]);
    for (method, path, body) in [
        ("POST", "/api/v1/actor/".to_owned(), json!({"name": "x"})),
        ("PATCH", format!("/api/v1/actor/{id}/"), json!({"name": "x"})),
        (
            "POST",
            format!("/api/v1/actor/{id}/tag/"),
            json!({"tags": [{"name": "x"}]}),
        ),
        ("POST", format!("/api/v1/actor/{id}/comment/"), json!({"body": "x"})),
        (
            "POST",
            format!("/api/v1/actor/{id}/intelligence/bulk_add/"),
            json!({"ids": [500_000_101]}),
        ),
        ("POST", "/api/v1/investigation/".to_owned(), json!({"name": "x"})),
    ] {
        let (status, answer) = send_json(&sim, method, &path, Some(&body)).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    assert_eq!(
        sim.threat_model("actor", id).expect("kept")["name"],
        "Heron",
        "nothing changed"
    );
    sim.set_denied(&[]);
    assert_eq!(
        send_json(&sim, "DELETE", &format!("/api/v1/actor/{id}/"), None).await.0,
        204
    );
    assert_eq!(get_json(&sim, &format!("/api/v1/actor/{id}/")).await.0, 404);
}

#[tokio::test]
async fn investigations_hold_observables_and_models_once_each() {
    let sim = start();
    let (status, created) = send_json(
        &sim,
        "POST",
        "/api/v1/investigation/",
        Some(&json!({"name": "Case 4711", "priority": "very low", "tags": ["case"]})),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_u64().expect("an id");
    assert_eq!(
        (&created["priority"], &created["status"], &created["elements"]),
        (&json!("verylow"), &json!("unassigned"), &json!(0))
    );
    let objects = json!({"objects": [
        {"r_type": "intelligence2", "r_id": 500_000_101, "add_related_indicators": 0, "investigation_id": id},
        {"r_type": "incident", "r_id": 3301, "add_related_indicators": 0, "investigation_id": id},
        {"r_type": "actor", "r_id": 999_999, "add_related_indicators": 0, "investigation_id": id}]});
    let path = format!("/api/v1/investigationelement/?investigation_id={id}");
    let (status, added) = send_json(&sim, "POST", &path, Some(&objects)).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        (
            &added["added_elements_count"],
            &added["all_added"],
            &added["errors"][0]["r_id"]
        ),
        (&json!(2), &json!(false), &json!(999_999))
    );
    assert_eq!(
        added["objects"][1]["entity"]["name"],
        "Pebble Harvest intrusion at a regional bank"
    );
    let (_, again) = send_json(&sim, "POST", &path, Some(&objects)).await;
    assert_eq!(
        (&again["added_elements_count"], &again["already_exists_elements_count"]),
        (&json!(0), &json!(2))
    );
    let (_, listed) = get_json(&sim, &path).await;
    assert_eq!(listed["meta"]["total_count"], 2);
    let (status, updated) = send_json(
        &sim,
        "PATCH",
        &format!("/api/v1/investigation/{id}/"),
        Some(&json!({"status": "in-progress"})),
    )
    .await;
    assert_eq!(
        (status, &updated["status"], &updated["name"], &updated["elements"]),
        (200, &json!("in-progress"), &json!("Case 4711"), &json!(2))
    );
    let (_, all) = get_json(&sim, "/api/v1/investigation/").await;
    assert_eq!(all["objects"][0]["id"], id);
    assert_eq!(
        send_json(&sim, "DELETE", &format!("/api/v1/investigation/{id}/"), None)
            .await
            .0,
        204
    );
    assert_eq!(get_json(&sim, &format!("/api/v1/investigation/{id}/")).await.0, 404);
}
