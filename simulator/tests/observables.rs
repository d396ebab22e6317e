//! Managing observables: import without approval, get and update by id,
//! tags (bulk and one at a time) and comments, each seen by a later look-up.

use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use crate::support::{get_json, search_path, send, send_json, start};

/// The one record `value` has (exact, case-insensitive).
async fn only_record(sim: &Simulator, value: &str) -> Value {
    let (_, page) = get_json(sim, &search_path(&[("value", value), ("limit", "1000")])).await;
    let exact: Vec<&Value> = page["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["value"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(value)))
        .collect();
    assert_eq!(exact.len(), 1, "{value}: {page}");
    exact[0].clone()
}

fn tag_names(record: &Value) -> Vec<&str> {
    record["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect()
}

#[tokio::test]
async fn import_without_approval_is_live_at_once_with_tags_and_overrides() {
    let sim = start();
    let body = json!({
        "meta": {"classification": "private", "confidence": 60, "severity": "medium", "allow_unresolved": true,
                 "tags": [{"name": "pushed", "tlp": "green"}], "trustedcircles": [311], "source_confidence_weight": 100},
        "objects": [
            {"srcip": "198.51.100.210", "itype": "c2_ip", "confidence": 95, "severity": "very-high"},
            {"domain": "direct-push.example", "itype": "mal_domain", "tags": [{"name": "own", "tlp": "red"}]},
            {"md5": "0123456789ABCDEF0123456789ABCDEF", "subtype": "MD5", "itype": "mal_md5"},
            {"value": "push@direct-push.example", "itype": "phish_email", "classification": "public"},
            {"url": "not a url", "itype": "mal_url"}
        ]
    });
    let response = send(&sim, "PATCH", "/api/v2/intelligence/", Some(&body)).await;
    assert_eq!(response.status(), 202);
    assert!(
        response.bytes().await.expect("a body").is_empty(),
        "fire and forget: no body"
    );
    let ip = only_record(&sim, "198.51.100.210").await;
    assert_eq!(
        (
            ip["status"].as_str(),
            ip["confidence"].as_i64(),
            ip["meta"]["severity"].as_str()
        ),
        (Some("active"), Some(95), Some("very-high"))
    );
    assert_eq!(
        (tag_names(&ip), ip["trusted_circle_ids"].clone()),
        (vec!["pushed"], json!([311]))
    );
    assert_eq!(ip["tags"][0]["tlp"], "green");
    assert!(ip["tags"][0]["id"].is_string());
    let domain = only_record(&sim, "direct-push.example").await;
    assert_eq!(
        (tag_names(&domain), domain["confidence"].as_i64()),
        (vec!["own"], Some(60))
    );
    assert_eq!(
        only_record(&sim, "0123456789abcdef0123456789abcdef").await["subtype"],
        "MD5"
    );
    assert_eq!(only_record(&sim, "push@direct-push.example").await["is_public"], true);
    let no_confidence = json!({"objects": [{"email": "dropped@direct-push.example", "itype": "phish_email"}]});
    assert_eq!(
        send(&sim, "PATCH", "/api/v2/intelligence/", Some(&no_confidence))
            .await
            .status(),
        202
    );
    let (_, page) = get_json(&sim, &search_path(&[("value", "dropped@direct-push.example")])).await;
    assert_eq!(
        page["meta"]["total_count"], 0,
        "an e-mail without a confidence is dropped, silently"
    );

    let v1 = json!({"objects": [{"srcip": "198.51.100.211", "itype": "scan_ip"}]});
    assert_eq!(
        send(&sim, "PATCH", "/api/v1/intelligence/", Some(&v1)).await.status(),
        202
    );
    only_record(&sim, "198.51.100.211").await;
    for bad in [
        json!({"meta": {}}),
        json!([1]),
        json!({"objects": [], "meta": {"severity": "extreme"}}),
    ] {
        assert_eq!(
            send_json(&sim, "PATCH", "/api/v2/intelligence/", Some(&bad)).await.0,
            400,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn get_and_patch_by_id_bump_update_id_and_show_in_lookups() {
    let sim = start();
    let (status, record) = get_json(&sim, "/api/v2/intelligence/500000101/").await;
    assert_eq!((status, record["value"].as_str()), (200, Some("198.51.100.23")));
    let before = record["update_id"].as_u64().expect("an update_id");
    let change = json!({"status": "falsepos", "confidence": 20, "severity": "low", "tlp": "red",
                        "expiration_ts": "2031-05-01T00:00:00Z", "itype": "scan_ip"});
    let (status, changed) = send_json(&sim, "PATCH", "/api/v2/intelligence/500000101/", Some(&change)).await;
    assert_eq!(status, 202, "{changed}");
    assert_eq!(
        (changed["status"].as_str(), changed["confidence"].as_i64()),
        (Some("falsepos"), Some(20))
    );
    assert_eq!(
        (changed["itype"].as_str(), changed["threat_type"].as_str()),
        (Some("scan_ip"), Some("scan"))
    );
    assert_eq!(
        (changed["meta"]["severity"].as_str(), changed["tlp"].as_str()),
        (Some("low"), Some("red"))
    );
    assert_eq!(changed["expiration_ts"], "2031-05-01T00:00:00.000Z");
    assert!(changed["update_id"].as_u64() > Some(before));
    assert_ne!(changed["modified_ts"], record["modified_ts"]);
    let (_, page) = get_json(
        &sim,
        &search_path(&[("value", "198.51.100.23"), ("status", "falsepos")]),
    )
    .await;
    assert_eq!(page["objects"][0]["id"], 500_000_101);

    assert_eq!(get_json(&sim, "/api/v2/intelligence/1/").await.0, 404);
    assert_eq!(
        send_json(
            &sim,
            "PATCH",
            "/api/v2/intelligence/1/",
            Some(&json!({"status": "active"}))
        )
        .await
        .0,
        404
    );
    for bad in [
        json!({"status": "gone"}),
        json!({"confidence": 101}),
        json!({"colour": "red"}),
    ] {
        assert_eq!(
            send_json(&sim, "PATCH", "/api/v2/intelligence/500000101/", Some(&bad))
                .await
                .0,
            400,
            "{bad}"
        );
    }
    assert_eq!(
        send_json(&sim, "DELETE", "/api/v2/intelligence/500000101/", None)
            .await
            .0,
        405
    );
}

#[tokio::test]
async fn tags_added_in_bulk_and_singly_show_on_lookups_and_come_off_again() {
    let sim = start();
    let add =
        json!({"ids": [500_001_008, "500001009", 42], "tags": [{"name": "Triage", "tlp": "amber"}, {"name": "q3"}]});
    let (status, body) = send_json(&sim, "POST", "/api/v2/intelligence/bulk_tagging/", Some(&add)).await;
    assert_eq!((status, body), (200, json!({"success": true, "updated": 2})));
    let drop = only_record(&sim, "malware-drop.example").await;
    assert_eq!(tag_names(&drop), ["loader", "Triage", "q3"]);
    assert_eq!(
        (drop["tags"][1]["tlp"].as_str(), drop["tags"][2]["tlp"].as_str()),
        (Some("amber"), Some("red"))
    );
    let (_, page) = get_json(&sim, &search_path(&[("tags.name", "triage")])).await;
    assert_eq!(page["meta"]["total_count"], 2);

    let remove = json!({"ids": [500_001_008, 500_001_009], "tags": [{"name": ["TRIAGE", "nothing"]}]});
    let (status, body) = send_json(&sim, "PATCH", "/api/v2/intelligence/bulk_remove_tags/", Some(&remove)).await;
    assert_eq!((status, body["updated"].as_u64()), (200, Some(2)));
    assert_eq!(
        tag_names(&only_record(&sim, "malware-drop.example").await),
        ["loader", "q3"]
    );

    let one = json!({"tags": [{"name": "analyst-note", "tlp": "white", "org_id": 2, "source_user_id": 121}]});
    let (status, body) = send_json(&sim, "POST", "/api/v1/intelligence/500001008/tag/", Some(&one)).await;
    assert_eq!((status, body["success"].as_bool()), (201, Some(true)));
    let tag_id = body["tags"][0]["id"].as_str().expect("the new tag's id").to_owned();
    assert!(tag_names(&only_record(&sim, "malware-drop.example").await).contains(&"analyst-note"));
    let path = format!("/api/v1/intelligence/500001008/tag/{tag_id}/");
    assert_eq!(
        send_json(&sim, "DELETE", &path, None).await,
        (200, json!({"success": true}))
    );
    assert_eq!(send_json(&sim, "DELETE", &path, None).await.0, 404, "already gone");
    assert!(!tag_names(&only_record(&sim, "malware-drop.example").await).contains(&"analyst-note"));
    assert_eq!(
        send_json(&sim, "POST", "/api/v1/intelligence/1/tag/", Some(&one))
            .await
            .0,
        404
    );
    let bad = json!({"ids": [], "tags": [{"name": "x"}]});
    assert_eq!(
        send_json(&sim, "POST", "/api/v2/intelligence/bulk_tagging/", Some(&bad))
            .await
            .0,
        400
    );
    assert_eq!(
        send_json(&sim, "GET", "/api/v2/intelligence/bulk_tagging/", None)
            .await
            .0,
        405
    );
}

#[tokio::test]
async fn comments_are_returned_by_later_gets() {
    let sim = start();
    let path = "/api/v2/intelligence/comments/?value=Malware-Drop.example";
    assert_eq!(get_json(&sim, path).await, (200, json!({"comments": []})));
    let comment = json!({"comment": "Seen in the 7 March phishing wave.", "tlp": "amber"});
    let (status, body) = send_json(&sim, "POST", path, Some(&comment)).await;
    assert_eq!(
        (status, body),
        (201, json!({"message": "Comment successfully added", "success": true}))
    );
    send_json(
        &sim,
        "POST",
        "/api/v2/intelligence/comments/?value=malware-drop.example",
        Some(&json!({"comment": "2nd"})),
    )
    .await;
    let (_, listed) = get_json(&sim, "/api/v2/intelligence/comments/?value=malware-drop.example").await;
    let texts: Vec<&str> = listed["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["comment"].as_str())
        .collect();
    assert_eq!(texts, ["Seen in the 7 March phishing wave.", "2nd"]);
    assert_eq!(listed["comments"][0]["tlp"], "amber");
    let unknown = "/api/v2/intelligence/comments/?value=never-seen.example";
    assert_eq!(send_json(&sim, "POST", unknown, Some(&comment)).await.0, 404);
    assert_eq!(send_json(&sim, "POST", path, Some(&json!({"tlp": "red"}))).await.0, 400);
    assert_eq!(
        get_json(&sim, "/api/v2/intelligence/comments/").await.0,
        400,
        "value is required"
    );
}
