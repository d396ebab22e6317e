//! Recording and the `/__simulator/` routes that shell scripts rely on.

use serde_json::json;

use crate::support::{auth, client, get, json_of, start};

#[tokio::test]
async fn every_api_request_is_recorded_in_order() {
    let sim = start();
    get(
        &sim,
        "/api/v2/intelligence/?value=Example+observable&limit=1000&offset=0",
    )
    .await;
    client()
        .get(format!("{}/nowhere", sim.url()))
        .send()
        .await
        .expect("an answer");
    client()
        .post(format!("{}/api/v2/intelligence/import/", sim.url()))
        .body("raw bytes")
        .send()
        .await
        .expect("an answer");
    let requests = sim.requests();
    assert_eq!(requests.len(), 3);
    let first = &requests[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("GET", "/api/v2/intelligence/")
    );
    assert_eq!(
        first.query.as_deref(),
        Some("value=Example+observable&limit=1000&offset=0")
    );
    assert_eq!(
        first.query_pairs()[0],
        ("value".to_owned(), "Example observable".to_owned())
    );
    assert_eq!(first.header("Authorization"), Some(auth().as_str()));
    assert!(first.headers.iter().all(|(name, _)| name == &name.to_lowercase()));
    assert_eq!(requests[1].path, "/nowhere");
    assert_eq!(requests[1].header("authorization"), None);
    assert_eq!(requests[2].body, b"raw bytes");
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn control_routes_steer_without_being_recorded() {
    let sim = start();
    let control = |path: &str| format!("{}/__simulator/{path}", sim.url());
    let queued = client()
        .post(control("faults"))
        .body(json!([{"status": 418, "body": "{}"}, {"kind": "rate_limited", "retry_after": "7"}]).to_string())
        .send()
        .await
        .expect("an answer");
    assert_eq!(queued.status(), 200);
    assert_eq!(get(&sim, "/api/v2/intelligence/").await.status(), 418);
    client().delete(control("faults")).send().await.expect("an answer");
    assert_eq!(get(&sim, "/api/v2/intelligence/").await.status(), 200);

    let bad = client()
        .post(control("faults"))
        .body(r#"{"kind": "meteor"}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(bad.status(), 400);

    let listed = json_of(client().get(control("requests")).send().await.expect("an answer")).await;
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), 2, "control requests are not recorded");
    assert_eq!(listed[0]["path"], "/api/v2/intelligence/");
    assert_eq!(listed[0]["body"], "");
    assert!(listed[0]["headers"]
        .as_array()
        .expect("pairs")
        .iter()
        .any(|h| h[0] == "authorization"));

    client().delete(control("requests")).send().await.expect("an answer");
    assert!(sim.requests().is_empty());
}
