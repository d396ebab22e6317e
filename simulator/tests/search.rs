//! Search as the plugin's lookups use it: credentials, the loose value
//! filter, paging to the end and the legacy v1 shape.

use serde_json::Value;
use threatstream_simulator::{Simulator, USERNAME};

use crate::support::{client, get, get_json, json_of, start, values, KEY};

const AUTH_FAILED: &str = "Authentication failed: the username or API key is invalid.";

#[tokio::test]
async fn missing_or_wrong_credentials_get_401() {
    let sim = start();
    let url = format!("{}/api/v2/intelligence/?limit=1", sim.url());
    let bad = [
        None,
        Some(format!("apikey {USERNAME}:wrong")),
        Some(format!("apikey other@example.com:{KEY}")),
        Some(format!("Bearer {USERNAME}:{KEY}")),
    ];
    for header in bad {
        let mut request = client().get(&url);
        if let Some(header) = &header {
            request = request.header("authorization", header);
        }
        let response = request.send().await.expect("an answer");
        assert_eq!(response.status(), 401, "{header:?}");
        let body: Value = json_of(response).await;
        assert_eq!(body["message"], AUTH_FAILED);
    }
}

#[tokio::test]
async fn query_string_credentials_are_not_accepted() {
    let sim = start();
    let url = format!("{}/api/v2/intelligence/?username={USERNAME}&api_key={KEY}", sim.url());
    let response = client().get(url).send().await.expect("an answer");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn bulk_value_pages_three_times_following_next() {
    let sim = start();
    let mut path = "/api/v2/intelligence/?value=203.0.113.77&type=ip&limit=1000&offset=0".to_owned();
    let mut sizes = Vec::new();
    let mut ids = std::collections::HashSet::new();
    loop {
        let (status, page) = get_json(&sim, &path).await;
        assert_eq!(status, 200);
        assert_eq!(page["meta"]["total_count"], 2500);
        assert_eq!(page["meta"]["limit"], 1000);
        let objects = page["objects"].as_array().expect("objects");
        sizes.push(objects.len());
        ids.extend(objects.iter().map(|o| o["id"].as_u64().expect("integer id")));
        match &page["meta"]["next"] {
            Value::String(next) => path = next.clone(),
            Value::Null => break,
            other => panic!("next is {other}"),
        }
        assert!(sizes.len() < 10, "paging does not end: {sizes:?}");
    }
    assert_eq!(sizes, vec![1000, 1000, 500]);
    assert_eq!(ids.len(), 2500);
}

#[tokio::test]
async fn next_links_by_key_and_keeps_the_filters_even_after_an_offset() {
    let sim = start();
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?value=203.0.113.77&limit=1000&offset=1000").await;
    let last = page["objects"][999].clone();
    let sort = last["sort"].as_array().expect("a sort pair").clone();
    assert_eq!(sort[1], last["id"].as_u64().expect("an id").to_string(), "{sort:?}");
    let next = format!(
        "/api/v2/intelligence/?value=203.0.113.77&limit=1000&search_after={}%2C{}",
        sort[0], last["id"]
    );
    assert_eq!(page["meta"]["next"], next.as_str());
    assert_eq!(page["meta"]["previous"], Value::Null);
    assert_eq!(
        (page["meta"]["offset"].clone(), page["meta"]["total_count"].clone()),
        (1000.into(), 2500.into())
    );
    let (_, rest) = get_json(&sim, &next).await;
    assert_eq!(rest["objects"].as_array().map(Vec::len), Some(500));
    assert_eq!(rest["meta"]["next"], Value::Null);
    assert_eq!(rest["meta"]["offset"], 0);
}

#[tokio::test]
async fn ordered_by_update_id_the_next_page_is_after_the_last_update_id() {
    let sim = start();
    let (_, page) = get_json(
        &sim,
        "/api/v2/intelligence/?value=203.0.113.77&order_by=update_id&limit=2",
    )
    .await;
    let last = &page["objects"][1];
    assert_eq!(last["sort"], serde_json::json!([last["update_id"]]));
    assert_eq!(
        page["meta"]["next"],
        format!(
            "/api/v2/intelligence/?value=203.0.113.77&order_by=update_id&limit=2&update_id__gt={}",
            last["update_id"]
        )
        .as_str()
    );
}

#[tokio::test]
async fn value_filter_is_a_prefix_match_that_returns_the_decoy() {
    let sim = start();
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?value=198.51.100.23&limit=1000&offset=0").await;
    let mut found = values(&page);
    found.sort();
    assert_eq!(found, vec!["198.51.100.23", "198.51.100.23", "198.51.100.230"]);
    let itypes: Vec<&str> = page["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["value"] == "198.51.100.23")
        .filter_map(|o| o["itype"].as_str())
        .collect();
    assert_eq!(itypes.len(), 2);
    assert!(itypes.contains(&"c2_ip") && itypes.contains(&"scan_ip"));

    let url = "http://malicious.example.net/payload.exe";
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("value", url)
        .finish();
    let (_, page) = get_json(&sim, &format!("/api/v2/intelligence/?{query}")).await;
    assert_eq!(values(&page).len(), 2, "the ?campaign=7 decoy comes back too");
}

#[tokio::test]
async fn type_filter_is_exact_and_hashes_are_all_md5() {
    let sim = start();
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?value=2001:DB8::BAD:C0DE&type=ipv6").await;
    assert_eq!(values(&page), vec!["2001:db8::bad:c0de"]);
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?value=2001:db8::bad:c0de&type=ip").await;
    assert!(values(&page).is_empty());
    let sha256 = "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F";
    let (_, page) = get_json(&sim, &format!("/api/v2/intelligence/?value={sha256}&type=md5")).await;
    assert_eq!(values(&page), vec![sha256.to_lowercase()]);
    assert_eq!(page["objects"][0]["subtype"], "SHA256");
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?type=md5&limit=0").await;
    let verdict_hashes = threatstream_simulator::VERDICT_RECORDS
        .iter()
        .filter(|r| r.kind == "md5")
        .count();
    assert_eq!(page["meta"]["total_count"], 4 + verdict_hashes);
}

#[tokio::test]
async fn limit_defaults_caps_and_rejects_garbage() {
    let sim = start();
    let (_, page) = get_json(&sim, "/api/v2/intelligence/").await;
    assert_eq!(page["meta"]["limit"], 20);
    assert_eq!(values(&page).len(), 20);
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?limit=0&unknown_filter=1").await;
    assert_eq!(page["meta"]["limit"], 1000);
    let (_, page) = get_json(&sim, "/api/v2/intelligence/?limit=5000").await;
    assert_eq!(page["meta"]["limit"], 1000);
    let (status, body) = get_json(&sim, "/api/v2/intelligence/?limit=ten").await;
    assert_eq!(status, 400);
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn v1_search_renders_the_legacy_shape() {
    let sim = start();
    let (status, page) = get_json(&sim, "/api/v1/intelligence/?ip=198.51.100.23&limit=1000&offset=0").await;
    assert_eq!(status, 200);
    let objects = page["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 3);
    let c2 = objects.iter().find(|o| o["itype"] == "c2_ip").expect("the c2 record");
    assert_eq!(c2["srcip"], "198.51.100.23");
    assert_eq!(c2["update_id"], "271940331");
    assert_eq!(c2["state"], "active");
    assert_eq!(c2["severity"], "very-high");
    assert_eq!(c2["classification"], "private");
    assert_eq!(c2["source_feed_id"], 3412);
    assert_eq!(c2["lat"], 52.3824);
    assert_eq!(c2["resource_uri"], "/api/v1/intelligence/500000101/");
    assert!(c2.get("value").is_none());

    let (_, page) = get_json(&sim, "/api/v1/intelligence/?ip=2001:db8::").await;
    assert_eq!(page["objects"][0]["srcip"], "2001:db8::bad:c0de");
    let (_, page) = get_json(&sim, "/api/v1/intelligence/?md5=44D88612FEA8A8F36DE82E1278ABB02F").await;
    assert_eq!(page["objects"][0]["md5"], "44d88612fea8a8f36de82e1278abb02f");
    let (_, page) = get_json(&sim, "/api/v1/intelligence/?url=http%3A%2F%2Fmalicious.example.net%2F").await;
    assert_eq!(page["meta"]["total_count"], 2);
    assert!(page["meta"]["next"].is_null());
}

#[tokio::test]
async fn paths_must_match_exactly_and_methods_too() {
    let sim = start();
    for path in ["/api/v2/intelligence", "//api/v2/intelligence/", "/api/v2/intel/", "/"] {
        let (status, body) = get_json(&sim, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["message"], format!("Not found: {path}"));
    }
    let response = client()
        .post(format!("{}/api/v2/intelligence/", sim.url()))
        .header("authorization", crate::support::auth())
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 405);
    let (status, _) = get_json(&sim, "/api/v2/intelligence/import/").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn builder_sets_account_and_bulk_size() {
    let sim = Simulator::builder()
        .username("soc@example.com")
        .api_key("k2")
        .bulk_records(3)
        .start();
    let response = client()
        .get(format!("{}/api/v2/intelligence/?value=203.0.113.77", sim.url()))
        .header("authorization", "apikey soc@example.com:k2")
        .send()
        .await
        .expect("an answer");
    let page: Value = json_of(response).await;
    assert_eq!(page["meta"]["total_count"], 3);
    assert!(get(&sim, "/api/v2/intelligence/").await.status() == 401);
}

#[test]
fn works_from_a_plain_synchronous_test() {
    use std::io::{Read, Write};
    let sim = start();
    let mut stream = std::net::TcpStream::connect(sim.addr()).expect("connect");
    let request = format!(
        "GET /api/v2/intelligence/?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        crate::support::auth()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(sim.url().starts_with("http://127.0.0.1:"));
    assert!(!sim.url().ends_with('/'));
}
