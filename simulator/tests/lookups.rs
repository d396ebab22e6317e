//! Look-ups for verdicts: the verdict seed table, domain and e-mail filters,
//! case and punycode, the `q` language, and every v2 filter checked against
//! the same filter applied by hand to all records.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use threatstream_simulator::{UNKNOWN_VALUES, VERDICT_RECORDS};

use crate::support::{get_json, search_all, search_path, start, values};

fn ids(objects: &[Value]) -> BTreeSet<u64> {
    objects.iter().filter_map(|o| o["id"].as_u64()).collect()
}

#[tokio::test]
async fn every_verdict_row_is_found_with_its_ingredients_and_unknowns_find_nothing() {
    let sim = start();
    for row in &VERDICT_RECORDS {
        let found = search_all(&sim, &[("value", row.value), ("type", row.kind), ("limit", "1000")]).await;
        let matching = found.iter().find(|record| {
            record["value"] == row.value
                && record["status"] == row.status
                && record["confidence"] == row.confidence
                && record["meta"]["severity"] == json!(row.severity)
                && record["itype"] == row.itype
                && record["source"] == row.source
        });
        let record = matching.unwrap_or_else(|| panic!("no record for {row:?} in {found:?}"));
        let tags: Vec<&str> = record["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(tags, row.tags, "{row:?}");
    }
    for (kind, value) in UNKNOWN_VALUES {
        let (status, page) = get_json(&sim, &search_path(&[("value", value), ("type", kind)])).await;
        assert_eq!(
            (status, page["meta"]["total_count"].as_u64()),
            (200, Some(0)),
            "{value}"
        );
    }
}

#[tokio::test]
async fn stored_case_and_punycode_are_matched_case_insensitively() {
    let sim = start();
    let found = values(
        &get_json(
            &sim,
            &search_path(&[("value", "evil-domain.example"), ("type", "domain")]),
        )
        .await
        .1,
    );
    assert_eq!(
        found,
        ["evil-domain.example", "evil-domain.example", "Evil-Domain.Example"]
    );
    let found = values(
        &get_json(&sim, &search_path(&[("value", "PHISHER@example.com")]))
            .await
            .1,
    );
    assert_eq!(found, ["Phisher@Example.COM"]);
    let found = values(
        &get_json(&sim, &search_path(&[("value", "XN--BCHER-KVA.example")]))
            .await
            .1,
    );
    assert_eq!(found, ["xn--bcher-kva.example"]);
}

#[tokio::test]
async fn v1_domain_and_email_filters_return_the_legacy_shape() {
    let sim = start();
    let (status, page) = get_json(&sim, "/api/v1/intelligence/?domain=Evil-Domain.example&limit=1000").await;
    assert_eq!(status, 200);
    let domains: Vec<&str> = page["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["domain"].as_str())
        .collect();
    assert_eq!(
        domains,
        ["evil-domain.example", "evil-domain.example", "Evil-Domain.Example"]
    );
    assert!(page["objects"][2]["state"] == "active" && page["objects"][2].get("value").is_none());
    let (_, page) = get_json(&sim, "/api/v1/intelligence/?email=ceo-fraud@malware-drop.example").await;
    assert_eq!(page["objects"][0]["email"], "ceo-fraud@malware-drop.example");
    assert_eq!(page["objects"][0]["severity"], "high");
    assert_eq!(page["meta"]["total_count"], 1);
    let (_, page) = get_json(&sim, "/api/v1/intelligence/?domain=ceo-fraud@malware-drop.example").await;
    assert_eq!(page["meta"]["total_count"], 0, "domain= only finds domains");
}

#[tokio::test]
async fn q_batches_values_combines_with_type_and_pages() {
    let sim = start();
    let q = r#"(value="203.0.113.11" OR value="malware-drop.example" OR value="E99A18C428CB38D5F260853678922E03")"#;
    let all = search_all(&sim, &[("q", q), ("limit", "1")]).await;
    let mut found: Vec<&str> = all.iter().filter_map(|o| o["value"].as_str()).collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            "203.0.113.11",
            "203.0.113.11",
            "e99a18c428cb38d5f260853678922e03",
            "malware-drop.example"
        ]
    );
    let only_ips = search_all(&sim, &[("q", q), ("type", "ip")]).await;
    assert_eq!(
        values(&json!({ "objects": only_ips })),
        ["203.0.113.11", "203.0.113.11"]
    );
    let (_, page) = get_json(&sim, &search_path(&[("q", q), ("limit", "2")])).await;
    let next = page["meta"]["next"].as_str().expect("a second page");
    assert!(next.contains("q=%28value%3D%22203.0.113.11%22"), "{next}");
}

#[tokio::test]
async fn q_values_escape_quotes_and_backslashes() {
    let sim = start();
    let odd = r#"http://quote.example/a"b\c"#;
    sim.add_records(&[json!({"value": odd})]).expect("a valid spec");
    let q = r#"value="http://quote.example/a\"b\\c" AND type=url"#;
    let (status, page) = get_json(&sim, &search_path(&[("q", q)])).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(values(&page), [odd]);
}

#[tokio::test]
async fn malformed_q_is_a_400_saying_what_is_wrong() {
    let sim = start();
    for q in [
        "",
        "(value=a",
        "value=a value=b",
        "colour=red",
        r#"value="a\x""#,
        "confidence>=high",
        "status>active",
    ] {
        let (status, body) = get_json(&sim, &search_path(&[("q", q)])).await;
        assert_eq!(status, 400, "{q}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Invalid q") || message.starts_with("Invalid value"),
            "{q}: {message}"
        );
    }
}

/// One filter, and the same rule applied by hand to every record.
struct Case {
    query: &'static [(&'static str, &'static str)],
    keeps: fn(&Value) -> bool,
}

fn severity(record: &Value) -> &str {
    record["meta"]["severity"].as_str().unwrap_or_default()
}

fn has_tag(record: &Value, name: &str) -> bool {
    record["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|tag| tag["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

const CASES: [Case; 9] = [
    Case {
        query: &[("itype", "c2_ip,mal_domain")],
        keeps: |r| r["itype"] == "c2_ip" || r["itype"] == "mal_domain",
    },
    Case {
        query: &[("confidence__gte", "90")],
        keeps: |r| r["confidence"].as_i64().unwrap_or(-1) >= 90,
    },
    Case {
        query: &[("confidence__lt", "0")],
        keeps: |r| r["confidence"].as_i64().unwrap_or(-1) < 0,
    },
    Case {
        query: &[("meta.severity", "very-high")],
        keeps: |r| severity(r) == "very-high",
    },
    Case {
        query: &[("status", "falsepos,inactive"), ("type", "md5")],
        keeps: |r| r["type"] == "md5" && r["status"] != "active",
    },
    Case {
        query: &[("tags.name", "emotet")],
        keeps: |r| has_tag(r, "Emotet"),
    },
    Case {
        query: &[("trustedcircles", "146")],
        keeps: |r| {
            r["trusted_circle_ids"]
                .as_array()
                .is_some_and(|c| c.contains(&json!(146)))
        },
    },
    Case {
        query: &[
            ("modified_ts__lt", "2024-01-10T12:30:45.001Z"),
            ("modified_ts__gt", "2024-01-10"),
        ],
        keeps: |r| {
            let modified = r["modified_ts"].as_str().unwrap_or_default();
            ("2024-01-10T00:00:00.000Z".."2024-01-10T12:30:45.001Z").contains(&modified)
                && modified != "2024-01-10T00:00:00.000Z"
        },
    },
    Case {
        query: &[("update_id__gt", "272600000"), ("update_id__lte", "272600034")],
        keeps: |r| (272_600_001..=272_600_034).contains(&r["update_id"].as_u64().unwrap_or_default()),
    },
];

#[tokio::test]
async fn every_v2_filter_keeps_exactly_what_it_says() {
    let sim = start();
    let everything = search_all(&sim, &[("limit", "1000")]).await;
    assert!(everything.len() > 2500, "seed, verdict table and bulk records");
    for case in &CASES {
        let mut query = case.query.to_vec();
        query.push(("limit", "1000"));
        let found = ids(&search_all(&sim, &query).await);
        let expected: BTreeSet<u64> = ids(&everything
            .iter()
            .filter(|r| (case.keeps)(r))
            .cloned()
            .collect::<Vec<_>>());
        assert!(!expected.is_empty(), "{:?} should match something", case.query);
        assert_eq!(found, expected, "{:?}", case.query);
    }
}

#[tokio::test]
async fn order_by_update_id_both_ways_and_bad_filters_are_400() {
    let sim = start();
    let query = [("type", "domain"), ("order_by", "update_id"), ("limit", "3")];
    let ascending: Vec<u64> = search_all(&sim, &query)
        .await
        .iter()
        .filter_map(|o| o["update_id"].as_u64())
        .collect();
    assert!(ascending.windows(2).all(|pair| pair[0] < pair[1]), "{ascending:?}");
    let query = [("type", "domain"), ("order_by", "-update_id"), ("limit", "1000")];
    let descending: Vec<u64> = search_all(&sim, &query)
        .await
        .iter()
        .filter_map(|o| o["update_id"].as_u64())
        .collect();
    assert_eq!(descending, ascending.iter().rev().copied().collect::<Vec<_>>());
    for bad in [
        ("order_by", "colour"),
        ("update_id__gt", "ten"),
        ("modified_ts__lt", "yesterday"),
        ("modified_ts__lt", "2026-01-01T05:00:00.12é"),
    ] {
        let (status, body) = get_json(&sim, &search_path(&[bad])).await;
        assert_eq!(status, 400, "{bad:?}");
        assert!(body["message"].is_string());
    }
}
