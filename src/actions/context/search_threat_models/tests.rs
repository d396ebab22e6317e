//! The search's input checks and the dates it sends.

use serde_json::json;

use super::*;
use crate::protocol::quoted;

fn input(value: Value) -> SearchThreatModelsInput {
    serde_json::from_value(value).unwrap()
}

fn cause(value: Value) -> String {
    input(value)
        .search()
        .err()
        .map(|failure| failure.cause)
        .unwrap_or_default()
}

#[test]
fn every_criterion_reaches_the_search() {
    let search = input(
        json!({"model_types": ["actor", "tipreport"], "name": " Pebble ", "keyword": "emotet",
        "tags": ["emotet", " ", "loader"], "publication_status": ["published", "pending_review"],
        "modified_since": "2024-03-01T12:00:00+02:00"}),
    )
    .search()
    .unwrap();
    assert_eq!(
        search,
        ModelSearch {
            model_types: vec![ModelType::Actor, ModelType::TipReport],
            name: Some("Pebble".into()),
            keyword: Some("emotet".into()),
            tags: vec!["emotet".into(), "loader".into()],
            publication_statuses: vec!["published", "pending_review"],
            modified_since: Some("2024-03-01T10:00:00".into()),
        }
    );
}

#[test]
fn no_criterion_or_only_empty_ones_is_refused() {
    for empty in [
        json!({}),
        json!({"name": "", "keyword": "  ", "tags": [""], "model_types": [], "publication_status": []}),
        json!({"modified_since": "0001-01-01T00:00:00Z"}),
    ] {
        assert!(cause(empty.clone()).contains("no criterion was given"), "{empty}");
    }
    assert!(input(json!({"model_types": ["malware"]})).search().is_ok());
}

#[test]
fn tags_are_trimmed_kept_once_and_checked() {
    assert_eq!(
        cause(json!({"tags": ["a,b"]})),
        "Invalid input 'tags': 'a,b' contains a comma, which ThreatStream reads as between two tags."
    );
    let long = "x".repeat(101);
    assert_eq!(
        cause(json!({"tags": [long]})),
        format!("Invalid input 'tags': {} is longer than 100 characters.", quoted(&long))
    );
    let search = input(json!({"tags": [" emotet", "emotet ", ""]})).search().unwrap();
    assert_eq!(search.tags, ["emotet"]);
}

#[test]
fn dates_become_utc_timestamps() {
    for (given, sent) in [
        ("2024-01-01", "2024-01-01T00:00:00"),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00"),
        ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00"),
        ("2024-01-01 08:30", "2024-01-01T08:30:00"),
        ("2024-03-01T01:00:00+02:00", "2024-02-29T23:00:00"),
        ("2023-12-31T22:00:00-0300", "2024-01-01T01:00:00"),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00"),
    ] {
        assert_eq!(utc_timestamp(given).as_deref(), Some(sent), "{given}");
    }
    for bad in [
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "24-01-01",
        "2024-01-01T25:00",
        "2024-01-01T10:00:00+2",
        "2024-01-01T10:00:00.x",
        "yesterday",
        "2024-01-01Tä",
        "2024-01-01T10:00:00+05:60",
        "０２024-01-01",
    ] {
        assert_eq!(utc_timestamp(bad), None, "{bad}");
    }
    assert!(cause(json!({"modified_since": "last week"}))
        .starts_with("Invalid input 'modified_since': 'last week' is not a date"));
}
