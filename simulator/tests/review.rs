//! The import loop: an import with approval is processed, reviewed, then
//! approved (its observables appear in search) or rejected (they never do).

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use threatstream_simulator::{Hold, Simulator};

use crate::support::{control, get_json, post_multipart, ready_at_once, search_path, send_json};

/// Imports `text` as a file with these extra fields; answers the session id.
async fn import(sim: &Simulator, text: &str, fields: &[(&str, &str)]) -> u64 {
    let mut form = Form::new().part("file", Part::bytes(text.as_bytes().to_vec()).file_name("iocs.csv"));
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    let (status, body) = post_multipart(sim, "/api/v2/intelligence/import/", form).await;
    assert_eq!(status, 202, "{body}");
    body["import_session_id"].as_u64().expect("a session id")
}

async fn session(sim: &Simulator, id: u64) -> Value {
    let (status, body) = get_json(sim, &format!("/api/v1/importsession/{id}/")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn found(sim: &Simulator, value: &str) -> Vec<Value> {
    let (_, page) = get_json(sim, &search_path(&[("value", value), ("limit", "1000")])).await;
    page["objects"].as_array().cloned().unwrap_or_default()
}

const CSV: &str = "value,itype\n198.51.100.201,c2_ip\nreview-me.example,\nnot an observable\n\
                   e99a18c428cb38d5f260853678922e04,mal_md5\n";

#[tokio::test]
async fn a_session_processes_then_approval_makes_its_observables_searchable() {
    let sim = ready_at_once();
    sim.hold(Hold::ImportSessions);
    let tags = r#"[{"name": "campaign-7", "tlp": "amber"}]"#;
    let fields = [
        ("confidence", "85"),
        ("severity", "high"),
        ("classification", "public"),
        ("tags", tags),
        ("domain_mapping", "phish_domain"),
        ("tlp", "amber"),
        ("expiration_ts", "2030-01-01T00:00:00Z"),
    ];
    let id = import(&sim, CSV, &fields).await;
    let processing = session(&sim, id).await;
    assert_eq!(
        (processing["status"].as_str(), processing["numIndicators"].as_u64()),
        (Some("processing"), Some(0)),
        "held, however loaded the machine"
    );
    assert!(processing["processed_ts"].is_null());
    assert_eq!(sim.release(Hold::ImportSessions), 1);
    let done = session(&sim, id).await;
    assert_eq!(done["status"], "done", "released: ready for review");
    assert_eq!(
        (done["numIndicators"].as_u64(), done["numRejected"].as_u64()),
        (Some(3), Some(1))
    );
    assert!(done["processed_ts"].is_string() && done["approved_by"].is_null());
    assert!(
        found(&sim, "198.51.100.201").await.is_empty(),
        "nothing is visible before approval"
    );

    let (status, approved) = send_json(&sim, "PATCH", &format!("/api/v1/importsession/{id}/approve_all/"), None).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(
        (approved["status"].as_str(), approved["approved_by_id"].as_u64()),
        (Some("approving"), Some(121)),
        "XSOAR's test data answers the approval with the session approving"
    );
    assert_eq!(approved["approved_by"]["id"], "121");
    assert_eq!(
        session(&sim, id).await["status"],
        "approved",
        "and the next read shows it approved"
    );
    let ip = found(&sim, "198.51.100.201").await;
    assert_eq!(ip.len(), 1);
    let record = &ip[0];
    assert_eq!(
        (
            record["status"].as_str(),
            record["itype"].as_str(),
            record["confidence"].as_i64()
        ),
        (Some("active"), Some("c2_ip"), Some(85))
    );
    assert_eq!(
        (
            record["import_session_id"].as_u64(),
            record["meta"]["severity"].as_str()
        ),
        (Some(id), Some("high"))
    );
    assert_eq!(
        (record["tags"][0]["name"].as_str(), record["tags"][0]["tlp"].as_str()),
        (Some("campaign-7"), Some("amber"))
    );
    assert_eq!(record["expiration_ts"], "2030-01-01T00:00:00.000Z");
    assert!(record["is_public"].as_bool().unwrap_or(false));
    assert_eq!(
        found(&sim, "review-me.example").await[0]["itype"],
        "phish_domain",
        "the mapping field"
    );
    let hash = found(&sim, "E99A18C428CB38D5F260853678922E04").await;
    assert_eq!(
        (hash[0]["type"].as_str(), hash[0]["subtype"].as_str()),
        (Some("md5"), Some("MD5"))
    );

    let (status, again) = send_json(&sim, "PATCH", &format!("/api/v1/importsession/{id}/approve_all/"), None).await;
    assert_eq!(
        (status, again["status"].as_str()),
        (200, Some("approved")),
        "approving twice succeeds"
    );
    assert_eq!(
        found(&sim, "198.51.100.201").await.len(),
        1,
        "and creates nothing twice"
    );
}

#[tokio::test]
async fn a_rejected_session_never_shows_its_observables() {
    let sim = ready_at_once();
    let id = import(&sim, "198.51.100.202\n", &[]).await;
    let (status, body) = send_json(&sim, "DELETE", &format!("/api/v1/importsession/{id}/"), None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(session(&sim, id).await["status"], "deleted");
    let (status, _) = send_json(&sim, "DELETE", &format!("/api/v1/importsession/{id}/"), None).await;
    assert_eq!(status, 204, "rejecting twice succeeds");
    let (status, body) = send_json(&sim, "PATCH", &format!("/api/v1/importsession/{id}/approve_all/"), None).await;
    assert_eq!(status, 409, "{body}");
    assert!(found(&sim, "198.51.100.202").await.is_empty());

    let approved = import(&sim, "198.51.100.203\n", &[]).await;
    send_json(
        &sim,
        "PATCH",
        &format!("/api/v1/importsession/{approved}/approve_all/"),
        None,
    )
    .await;
    let (status, _) = send_json(&sim, "DELETE", &format!("/api/v1/importsession/{approved}/"), None).await;
    assert_eq!(status, 409, "an approved session cannot be rejected");
    for path in ["/api/v1/importsession/999/approve_all/", "/api/v1/importsession/999/"] {
        let method = if path.ends_with("all/") { "PATCH" } else { "DELETE" };
        assert_eq!(send_json(&sim, method, path, None).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn approving_while_processing_waits_and_default_state_active_approves_itself() {
    let sim = ready_at_once();
    sim.hold(Hold::ImportSessions);
    let early = import(&sim, "198.51.100.204\n", &[]).await;
    let (_, body) = send_json(
        &sim,
        "PATCH",
        &format!("/api/v1/importsession/{early}/approve_all/"),
        None,
    )
    .await;
    assert_eq!(body["status"], "approving");
    assert!(
        found(&sim, "198.51.100.204").await.is_empty(),
        "not before processing ends"
    );
    assert_eq!(session(&sim, early).await["status"], "approving");
    let auto = import(&sim, "198.51.100.205\n", &[("default_state", "active")]).await;
    assert_eq!(session(&sim, auto).await["status"], "processing");
    assert!(found(&sim, "198.51.100.205").await.is_empty(), "held, so not yet");
    assert_eq!(sim.release(Hold::ImportSessions), 2);
    for value in ["198.51.100.204", "198.51.100.205"] {
        assert_eq!(found(&sim, value).await.len(), 1, "{value} appears once released");
    }
    assert_eq!(session(&sim, early).await["status"], "approved");
    assert_eq!(session(&sim, auto).await["status"], "approved");
}

#[tokio::test]
async fn the_session_list_filters_by_status_and_date_and_pages() {
    let sim = ready_at_once();
    let first = import(&sim, "198.51.100.206\n", &[]).await;
    let second = import(&sim, "198.51.100.207\n", &[]).await;
    let third = import(&sim, "198.51.100.208\n", &[]).await;
    send_json(
        &sim,
        "PATCH",
        &format!("/api/v1/importsession/{second}/approve_all/"),
        None,
    )
    .await;
    send_json(&sim, "DELETE", &format!("/api/v1/importsession/{third}/"), None).await;
    let listed = |query: &'static str| {
        let sim = &sim;
        async move {
            let (status, page) = get_json(sim, &format!("/api/v1/importsession/?{query}")).await;
            assert_eq!(status, 200, "{page}");
            let ids: Vec<u64> = page["objects"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["id"].as_u64())
                .collect();
            (ids, page["meta"].clone())
        }
    };
    assert_eq!(listed("").await.0, [first, second, third]);
    assert_eq!(listed("status=done").await.0, [first]);
    assert_eq!(listed("status__in=approved,deleted").await.0, [second, third]);
    assert_eq!(listed("date_modified__gte=2000-01-01").await.0.len(), 3);
    assert!(listed("date_modified__gte=2999-01-01").await.0.is_empty());
    let (page, meta) = listed("limit=2").await;
    assert_eq!(page, [first, second]);
    assert_eq!(meta["next"], "/api/v1/importsession/?limit=2&offset=2");
    assert_eq!(meta["total_count"], 3);
    let (status, _) = get_json(&sim, "/api/v1/importsession/?date_modified__gte=someday").await;
    assert_eq!(status, 400);
    let (_, page) = get_json(&sim, "/api/v1/importsession/").await;
    assert!(
        page["objects"][0].get("associations").is_none(),
        "list items carry no associations"
    );
    assert_eq!(
        page["objects"][0]["jobID"],
        json!(sim.import_session(first).map(|s| s.job_id))
    );
}

#[tokio::test]
async fn the_control_routes_hold_and_release_sessions_for_scripts() {
    let sim = ready_at_once();
    let before = import(&sim, "198.51.100.209\n", &[]).await;
    let (status, held) = control(&sim, "POST", "hold", Some(&json!({"what": "import_sessions"}))).await;
    assert_eq!((status, held), (200, json!({"held": ["import_sessions"]})));
    assert_eq!(
        control(&sim, "GET", "hold", None).await.1,
        json!({"held": ["import_sessions"]})
    );
    let during = import(&sim, "198.51.100.210\n", &[]).await;
    assert_eq!(
        session(&sim, before).await["status"],
        "done",
        "only new sessions are held"
    );
    assert_eq!(session(&sim, during).await["status"], "processing");
    let (status, released) = control(&sim, "POST", "release", Some(&json!({"what": "import_sessions"}))).await;
    assert_eq!((status, released), (200, json!({"released": 1, "held": []})));
    assert_eq!(session(&sim, during).await["status"], "done");
    let (status, _) = control(&sim, "POST", "hold", Some(&json!({"what": "everything"}))).await;
    assert_eq!(status, 400);
    assert_eq!(control(&sim, "DELETE", "hold", None).await.0, 405);
}
