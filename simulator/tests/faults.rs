//! Each fault kind, seen from a client: the plugin's error handling is only
//! as good as these misbehaviours are faithful.

use std::time::{Duration, Instant};

use serde_json::Value;
use threatstream_simulator::Fault;

use crate::support::{client, get, get_json, json_of, start, values};

const SEARCH: &str = "/api/v2/intelligence/?value=198.51.100.23&limit=1000&offset=0";

#[tokio::test]
async fn status_fault_answers_once_and_before_authentication() {
    let sim = start();
    sim.push_fault(Fault::Status {
        status: 503,
        body: r#"{"error": "maintenance"}"#.into(),
    });
    let response = client()
        .get(format!("{}{SEARCH}", sim.url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.expect("body"), r#"{"error": "maintenance"}"#);
    assert_eq!(get(&sim, SEARCH).await.status(), 200, "used up");
}

#[tokio::test]
async fn faults_are_served_in_order() {
    let sim = start();
    sim.push_fault(Fault::Status {
        status: 500,
        body: "{}".into(),
    });
    sim.push_fault(Fault::Html { status: 502 });
    assert_eq!(get(&sim, SEARCH).await.status(), 500);
    assert_eq!(get(&sim, SEARCH).await.status(), 502);
    assert_eq!(get(&sim, SEARCH).await.status(), 200);
}

#[tokio::test]
async fn rate_limited_sends_retry_after_only_when_given() {
    let sim = start();
    sim.push_fault(Fault::RateLimited {
        retry_after: Some("2".into()),
    });
    sim.push_fault(Fault::RateLimited { retry_after: None });
    let first = get(&sim, SEARCH).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "2");
    let body: Value = json_of(first).await;
    assert!(body["message"].is_string());
    let second = get(&sim, SEARCH).await;
    assert_eq!(second.status(), 429);
    assert!(second.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn html_fault_looks_like_a_proxy_page() {
    let sim = start();
    sim.push_fault(Fault::Html { status: 504 });
    let response = get(&sim, SEARCH).await;
    assert_eq!(response.status(), 504);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/html"));
    let text = response.text().await.expect("body");
    assert!(text.contains("<h1>504 Gateway Timeout</h1>"), "{text}");
}

#[tokio::test]
async fn broken_json_and_invalid_utf8_are_200s_that_do_not_decode() {
    let sim = start();
    sim.push_fault(Fault::BrokenJson);
    sim.push_fault(Fault::InvalidUtf8);
    let broken = get(&sim, SEARCH).await;
    assert_eq!(broken.status(), 200);
    assert_eq!(broken.headers()["content-type"], "application/json");
    let bytes = broken.bytes().await.expect("body");
    assert!(serde_json::from_slice::<Value>(&bytes).is_err());
    let invalid = get(&sim, SEARCH).await;
    assert_eq!(invalid.status(), 200);
    let bytes = invalid.bytes().await.expect("body");
    assert!(std::str::from_utf8(&bytes).is_err());
    assert!(bytes.starts_with(b"{\"meta\""));
}

#[tokio::test]
async fn slow_fault_delays_then_answers_normally() {
    let sim = start();
    sim.push_fault(Fault::Slow(Duration::from_millis(300)));
    let started = Instant::now();
    let (status, page) = get_json(&sim, SEARCH).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status, 200);
    assert_eq!(values(&page).len(), 3);

    sim.push_fault(Fault::Slow(Duration::from_secs(5)));
    let timed_out = client()
        .get(format!("{}{SEARCH}", sim.url()))
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(timed_out.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn drop_connection_closes_without_an_answer() {
    let sim = start();
    sim.push_fault(Fault::DropConnection);
    let error = client()
        .get(format!("{}{SEARCH}", sim.url()))
        .send()
        .await
        .expect_err("no response at all");
    assert!(!error.is_timeout() && !error.is_status(), "{error:?}");
    assert_eq!(get(&sim, SEARCH).await.status(), 200, "the next request is fine");
    assert_eq!(sim.requests().len(), 2, "the dropped request was still recorded");
}

#[tokio::test]
async fn endless_pages_repeat_until_faults_are_cleared() {
    let sim = start();
    sim.push_fault(Fault::EndlessPages);
    let (_, first) = get_json(&sim, SEARCH).await;
    let (_, far) = get_json(
        &sim,
        "/api/v2/intelligence/?value=198.51.100.23&limit=1000&offset=99000",
    )
    .await;
    assert_eq!(values(&first), values(&far));
    assert_eq!(values(&far).len(), 3);
    let next = far["meta"]["next"].as_str().unwrap_or_default();
    assert!(
        next.starts_with("/api/v2/intelligence/?value=198.51.100.23&limit=1000&search_after="),
        "{next}"
    );
    sim.clear_faults();
    let (_, after) = get_json(&sim, SEARCH).await;
    assert!(after["meta"]["next"].is_null());
}

#[tokio::test]
async fn huge_body_streams_exactly_the_size_asked_without_content_length() {
    let sim = start();
    let size = 3 * 1024 * 1024 + 17;
    sim.push_fault(Fault::HugeBody { bytes: size });
    let response = get(&sim, SEARCH).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-length").is_none());
    let body = response.bytes().await.expect("body");
    assert_eq!(body.len() as u64, size);
    assert!(body.starts_with(br#"{"meta": {"next": null}, "objects": ["#));
}

#[tokio::test]
async fn wrong_types_keeps_the_envelope_but_not_the_types() {
    let sim = start();
    sim.push_fault(Fault::WrongTypes);
    let (status, page) = get_json(&sim, SEARCH).await;
    assert_eq!(status, 200);
    assert!(page["meta"]["next"].is_null());
    assert!(page["objects"][0]["value"].is_number());
    assert!(page["objects"][1].is_string());
}
