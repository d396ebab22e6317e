//! Threat models: associations of seed observables, the unified search with
//! its paging, one model, and a model's observables.

use std::collections::HashSet;

use serde_json::Value;

use crate::support::{get_json, start};

fn names(page: &Value) -> Vec<String> {
    page["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .map(|o| o["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn ids(page: &Value) -> Vec<u64> {
    page["objects"]
        .as_array()
        .map(|objects| objects.iter().filter_map(|o| o["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_seed_ip_is_tied_to_every_documented_model() {
    let sim = start();
    let expected = [
        ("actor", vec![3101]),
        ("campaign", vec![3201]),
        ("incident", vec![3301]),
        ("malware", vec![3401]),
        ("vulnerability", vec![3601]),
        ("signature", vec![3701]),
        ("tipreport", vec![3801]),
        ("ttp", vec![]),
    ];
    for (model, want) in expected {
        let path = format!("/api/v1/{model}/associated_with_intelligence/?value=198.51.100.23");
        let (status, page) = get_json(&sim, &path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(ids(&page), want, "{model}");
        assert_eq!(page["meta"]["total_count"], want.len());
        for object in page["objects"].as_array().into_iter().flatten() {
            assert!(
                object["name"].is_string() && object["modified_ts"].is_string(),
                "{object}"
            );
            assert_eq!(object["association_info"][0]["from_id"], 500_000_101, "{object}");
        }
    }
}

#[tokio::test]
async fn associations_match_the_whole_value_only() {
    let sim = start();
    let (_, lookalike) = get_json(&sim, "/api/v1/actor/associated_with_intelligence/?value=198.51.100.230").await;
    assert!(ids(&lookalike).is_empty(), "a prefix is not the value");
    let (_, domain) = get_json(
        &sim,
        "/api/v1/actor/associated_with_intelligence/?value=EVIL-DOMAIN.example",
    )
    .await;
    assert_eq!(names(&domain), ["Lazy Quokka"]);
    let (_, hash) = get_json(
        &sim,
        "/api/v1/malware/associated_with_intelligence/?value=44d88612fea8a8f36de82e1278abb02f",
    )
    .await;
    assert_eq!(names(&hash), ["EICAR-Test-File"]);
    let (status, _) = get_json(&sim, "/api/v1/actor/associated_with_intelligence/").await;
    assert_eq!(status, 400, "the value is required");
}

#[tokio::test]
async fn search_pages_through_every_model_once() {
    let sim = start();
    let mut path = "/api/v1/threat_model_search/?limit=25".to_owned();
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let (status, page) = get_json(&sim, &path).await;
        assert_eq!(status, 200, "{path}");
        pages += 1;
        for object in page["objects"].as_array().into_iter().flatten() {
            let key = (
                object["model_type"].as_str().unwrap_or_default().to_owned(),
                object["id"].clone(),
            );
            assert!(seen.insert(key), "{object} came twice");
        }
        match page["meta"]["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert!(seen.len() >= 60, "{} models", seen.len());
    assert!(pages >= 3);
}

#[tokio::test]
async fn search_filters_combine() {
    let sim = start();
    let (_, malware) = get_json(
        &sim,
        "/api/v1/threat_model_search/?model_type=malware,actor&value=emotet",
    )
    .await;
    let found: HashSet<String> = names(&malware).into_iter().collect();
    assert_eq!(found, HashSet::from(["Lazy Quokka".to_owned(), "Emotet".to_owned()]));
    let (_, by_name) = get_json(&sim, "/api/v1/threat_model_search/?name=pebble").await;
    assert_eq!(names(&by_name).len(), 3, "{by_name}");
    let (_, tagged) = get_json(&sim, "/api/v1/threat_model_search/?tags=suricata,snort").await;
    assert_eq!(ids(&tagged).len(), 2);
    let (_, published) = get_json(
        &sim,
        "/api/v1/threat_model_search/?model_type=signature&publication_status=published",
    )
    .await;
    assert_eq!(ids(&published), [15000, 3701, 15001, 15005], "{published}");
    assert_eq!(published["meta"]["total_count"], 4);
    assert_eq!(
        published["objects"].as_array().map(|objects| objects
            .iter()
            .filter(|o| o["publication_status"] == "published")
            .count()),
        Some(4)
    );
    let (_, recent) = get_json(&sim, "/api/v1/threat_model_search/?modified_ts__gte=2024-03-03&limit=0").await;
    let modified: Vec<&str> = recent["objects"]
        .as_array()
        .map(|objects| objects.iter().filter_map(|o| o["modified_ts"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!((modified.len(), recent["meta"]["total_count"].as_u64()), (27, Some(27)));
    assert!(modified.iter().all(|ts| *ts >= "2024-03-03"), "{modified:?}");
    assert!(
        modified.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first: {modified:?}"
    );
    let (status, _) = get_json(&sim, "/api/v1/threat_model_search/?model_type=dragon").await;
    assert_eq!(status, 400);
}

/// The search's own shape (XSOAR's search_threat_model_response, Splunk's list threat models).
#[tokio::test]
async fn search_answers_in_its_own_shape() {
    let sim = start();
    let (_, page) = get_json(&sim, "/api/v1/threat_model_search/?model_type=actor&name=quokka").await;
    assert!(page["meta"]["took"].is_number() && page["meta"].get("previous").is_none());
    let actor = &page["objects"][0];
    assert_eq!(actor["tags"][0]["name"], "emotet");
    assert!(actor["tags"][0]["id"].is_string());
    assert_eq!(actor["aliases"][0], "QUOKKA-7");
    assert_eq!(actor["organization"]["title"], "Simulated Analysts");
    assert!(actor["modified_ts"].as_str().is_some_and(|ts| ts.ends_with("+00:00")));
    assert_eq!(actor["sort"][1], "actor-3101");
    let (_, bulletins) = get_json(&sim, "/api/v1/threat_model_search/?model_type=tipreport&name=pebble").await;
    assert_eq!(bulletins["objects"][0]["publication_status"], "published");
}

#[tokio::test]
async fn one_model_has_its_text_in_the_field_its_type_uses() {
    let sim = start();
    let (_, bulletin) = get_json(&sim, "/api/v1/tipreport/3801/").await;
    assert!(bulletin["body"].as_str().unwrap_or_default().contains("198.51.100.23"));
    let (_, signature) = get_json(&sim, "/api/v1/signature/3701/").await;
    assert!(signature["notes"].as_str().unwrap_or_default().starts_with("alert tcp"));
    let (_, actor) = get_json(&sim, "/api/v1/actor/3101/").await;
    assert!(actor["description"].is_string());
    // A model's own route: names in tags, objects in tags_v2, alias objects (XSOAR, ThreatFuse).
    assert_eq!(actor["tags"][0], "emotet");
    assert_eq!(actor["tags_v2"][0]["name"], "emotet");
    assert!(actor["tags_v2"][0]["id"].is_string());
    assert_eq!(actor["aliases"][0]["name"], "QUOKKA-7");
    assert_eq!(actor["is_cloneable"], "yes");
    assert_eq!(
        bulletin["status"], "published",
        "a bulletin's publication status is its status"
    );
    assert!(bulletin.get("publication_status").is_none());
    assert_eq!(
        get_json(&sim, "/api/v1/actor/3201/").await.0,
        404,
        "3201 is a campaign, not an actor"
    );
    assert_eq!(get_json(&sim, "/api/v1/actor/3101/intelligence/").await.0, 200);
    assert_eq!(get_json(&sim, "/api/v1/actor/999999/intelligence/").await.0, 404);
}

#[tokio::test]
async fn a_models_observables_page() {
    let sim = start();
    let (_, first) = get_json(&sim, "/api/v1/tipreport/3801/intelligence/?limit=1").await;
    assert_eq!(first["meta"]["total_count"], 2);
    assert_eq!(first["objects"][0]["value"], "198.51.100.23");
    assert_eq!(first["objects"][0]["id"], 500_000_101);
    let next = first["meta"]["next"].as_str().expect("a second page").to_owned();
    let (_, second) = get_json(&sim, &next).await;
    assert_eq!(second["objects"][0]["value"], "evil-domain.example");
    assert!(second["meta"]["next"].is_null());
    let (_, list) = get_json(&sim, "/api/v1/campaign/?limit=0").await;
    assert!(ids(&list).contains(&3201));
}
