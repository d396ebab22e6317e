//! Passive DNS, whois, insights and external references for seed values.

use serde_json::json;

use crate::support::{get_json, start};

#[tokio::test]
async fn passive_dns_answers_history_in_mixed_order() {
    let sim = start();
    let (status, page) = get_json(&sim, "/api/v1/pdns/domain/evil-domain.example/").await;
    assert_eq!(status, 200);
    assert_eq!(page["success"], true);
    let results = page["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    for key in ["ip", "domain", "rrtype", "source", "first_seen", "last_seen"] {
        assert!(results.iter().all(|r| r[key].is_string()), "every result has {key}");
    }
    let last_seen: Vec<&str> = results.iter().filter_map(|r| r["last_seen"].as_str()).collect();
    let mut newest_first = last_seen.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_ne!(last_seen, newest_first, "the client has to sort");
    let (_, by_ip) = get_json(&sim, "/api/v1/pdns/ip/198.51.100.23/").await;
    assert_eq!(by_ip["results"].as_array().map(Vec::len), Some(4));
    let (_, ipv6) = get_json(&sim, "/api/v1/pdns/ip/2001%3Adb8%3A%3Abad%3Ac0de/").await;
    assert_eq!(ipv6["results"][0]["rrtype"], "AAAA");
    let (_, nothing) = get_json(&sim, "/api/v1/pdns/ip/192.0.2.1/").await;
    assert_eq!(nothing, json!({"success": true, "results": []}));
    assert_eq!(get_json(&sim, "/api/v1/pdns/mx/evil-domain.example/").await.0, 404);
}

#[tokio::test]
async fn whois_texts_cover_the_awkward_cases() {
    let sim = start();
    let whois = |value: &str| format!("/api/v1/inteldetails/whois/{value}/");
    let (status, gtld) = get_json(&sim, &whois("evil-domain.example")).await;
    assert_eq!(status, 200);
    let text = gtld["data"].as_str().unwrap_or_default();
    for field in [
        "Registrar:",
        "Creation Date:",
        "Updated Date:",
        "Registry Expiry Date:",
        "Name Server:",
        "Registrant Organization:",
    ] {
        assert!(text.contains(field), "gTLD whois lacks {field}");
    }
    let (_, jp) = get_json(&sim, &whois("example.jp")).await;
    assert!(jp["data"].as_str().unwrap_or_default().contains("[Domain Name]"));
    let (_, co_jp) = get_json(&sim, &whois("example.co.jp")).await;
    assert!(co_jp["data"].as_str().unwrap_or_default().contains("[ドメイン名]"));
    let (_, opaque) = get_json(&sim, &whois("opaque-whois.example")).await;
    assert!(!opaque["data"].as_str().unwrap_or_default().contains("Registrar"));
    let (_, huge) = get_json(&sim, &whois("huge-whois.example")).await;
    assert!(huge["data"].as_str().unwrap_or_default().len() > 2 * 1024 * 1024);
    let (_, ip) = get_json(&sim, &whois("198.51.100.23")).await;
    assert!(ip["data"].as_str().unwrap_or_default().contains("NetRange:"));
    let (_, none) = get_json(&sim, &whois("nobody.example")).await;
    assert_eq!(none, json!({"data": "No Whois Data Available"}));
}

#[tokio::test]
async fn insights_and_references() {
    let sim = start();
    let (status, insights) = get_json(&sim, "/api/v1/inteldetails/insights/?type=ip&value=198.51.100.23").await;
    assert_eq!(status, 200);
    let list = insights["insights"].as_array().expect("insights");
    assert!(!list.is_empty() && list.iter().all(|i| i["insight"].is_string()));
    let (_, empty) = get_json(&sim, "/api/v1/inteldetails/insights/?type=domain&value=quiet.example").await;
    assert_eq!(empty, json!({"insights": []}));
    assert_eq!(get_json(&sim, "/api/v1/inteldetails/insights/?type=ip").await.0, 400);
    assert_eq!(
        get_json(&sim, "/api/v1/inteldetails/insights/?type=asn&value=1")
            .await
            .0,
        400
    );

    // An object of service name to link, with Splunk's boolean remote_api beside the links.
    let (status, references) = get_json(&sim, "/api/v1/inteldetails/references/198.51.100.23/").await;
    assert_eq!(status, 200);
    let links = references.as_object().expect("an object");
    assert_eq!(links["remote_api"], false);
    assert!(links
        .iter()
        .filter(|(name, _)| *name != "remote_api")
        .all(|(_, url)| url.as_str().is_some_and(|u| u.starts_with("https://"))));
    assert!(links.contains_key("VirusTotal") && links.contains_key("urlscan.io"));
    let (_, email) = get_json(&sim, "/api/v1/inteldetails/references/phisher%40example.org/").await;
    assert_eq!(email, json!({"remote_api": false}));
}
