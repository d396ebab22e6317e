//! Intelligence routes: the searches (lookups, Get Observables, the connection test, v1), their
//! paging by `meta.next`, one observable read and updated, comments, and bulk tags.

use serde_json::{json, Value};
use threatstream_simulator::{RecordedRequest, Simulator, USERNAME};

use super::fixture;
use crate::harness::{connection, simulator, Invocation, CANARY_KEY};

const SEARCH: &str = "/api/v2/intelligence/";

/// A seeded observable of the simulator, read by ID before a write.
const HASH_ID: u64 = 500_000_401;
const HASH: &str = "44d88612fea8a8f36de82e1278abb02f";

fn requests_to(sim: &Simulator, path: &str) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|request| request.path == path)
        .collect()
}

fn body_of(request: &RecordedRequest) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn results(output: &Value) -> &[Value] {
    output["results"].as_array().map(Vec::as_slice).unwrap_or_default()
}

#[test]
fn a_reputation_search_as_xsoar_shows_it() {
    let sim = simulator();
    fixture("intelligence/xsoar_ip_search").serve(&sim, SEARCH);
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.67"}))
        .against(&sim)
        .ok();
    let record = &results(&output)[0];
    assert_eq!(results(&output).len(), 1);
    assert_eq!(
        (&record["id"], &record["update_id"], &record["asn"], &record["sort"]),
        (
            &json!(239450636),
            &json!(550095594),
            &json!("24940"),
            &json!([1629651001032_u64, "239450636"])
        )
    );
    assert!(
        record.get("tags").is_none() && record.get("rdns").is_none(),
        "nulls are dropped: {record}"
    );
    assert_eq!(record["meta"]["severity"], "medium");
    let query = sim.requests()[0].query_pairs();
    assert!(query.contains(&("type".into(), "ip".into())), "{query:?}");
    assert_eq!(sim.requests().len(), 1, "next is null: one page");
}

#[test]
fn a_sha256_is_found_filed_under_md5() {
    let sim = simulator();
    fixture("intelligence/xsoar_file_search").serve(&sim, SEARCH);
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let output = Invocation::run("lookup_hash")
        .input(json!({"hash": sha256.to_uppercase()}))
        .against(&sim)
        .ok();
    let record = &results(&output)[0];
    assert_eq!((&record["type"], &record["subtype"]), (&json!("md5"), &json!("SHA256")));
    assert_eq!(record["tags"], json!([{"id": "f6g", "name": "test", "org_id": "88"}]));
    let query = sim.requests()[0].query_pairs();
    assert!(query.contains(&("type".into(), "md5".into())), "{query:?}");
}

#[test]
fn no_intelligence_is_an_empty_list() {
    let sim = simulator();
    fixture("intelligence/xsoar_empty_search").serve(&sim, SEARCH);
    let output = Invocation::run("lookup_domain")
        .input(json!({"domain": "nothing-known.example"}))
        .against(&sim)
        .ok();
    assert_eq!(output["results"], json!([]));
    assert_eq!(output["verdict"]["verdict"], "unknown");
}

#[test]
fn a_page_without_meta_is_the_last() {
    let sim = simulator();
    fixture("intelligence/xsoar_search_without_meta").serve(&sim, SEARCH);
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let output = Invocation::run("get_observables")
        .input(json!({"value": sha256}))
        .against(&sim)
        .ok();
    assert_eq!(results(&output).len(), 1);
    assert_eq!(results(&output)[0]["id"], 123456789);
    assert_eq!(sim.requests().len(), 1);
}

#[test]
fn a_deep_search_follows_its_search_after_link() {
    let sim = simulator();
    fixture("intelligence/xsoar_search_after_first_page").serve_once(&sim, SEARCH);
    fixture("intelligence/xsoar_search_after_last_page").serve_once(&sim, SEARCH);
    let output = Invocation::run("get_observables")
        .input(json!({"value": "www.example.com"}))
        .against(&sim)
        .ok();
    let ids: Vec<&Value> = results(&output).iter().map(|record| &record["id"]).collect();
    assert_eq!(ids, [&json!(455231624), &json!(455231625), &json!(455231626)]);
    let asked = requests_to(&sim, SEARCH);
    assert_eq!(asked.len(), 2);
    assert_eq!(
        asked[0].query.as_deref(),
        Some("value=www.example.com&limit=1000&offset=0")
    );
    // The link as given, with what it lacks of the search added back (never an offset).
    assert_eq!(
        asked[1].query.as_deref(),
        Some("search_after=1693750222045%2C455231625&value=www.example.com&limit=1000")
    );
}

#[test]
fn credentials_in_a_next_link_are_never_sent() {
    let sim = simulator();
    let mut first = fixture("intelligence/xsoar_next_with_credentials");
    let next = format!("/api/v2/intelligence/?&search_after=test&api_key={CANARY_KEY}&username={USERNAME}");
    first.body["meta"]["next"] = json!(next);
    first.serve_once(&sim, SEARCH);
    fixture("intelligence/xsoar_search_after_last_page").serve_once(&sim, SEARCH);
    // `against` fails the run if the canary key shows anywhere but the Authorization header.
    let output = Invocation::run("get_observables")
        .input(json!({"value": "on-prem.example"}))
        .against(&sim)
        .ok();
    assert_eq!(results(&output).len(), 1);
    let second = &requests_to(&sim, SEARCH)[1];
    assert_eq!(
        second.query.as_deref(),
        Some("search_after=test&value=on-prem.example&limit=1000")
    );
    assert!(second.header("authorization").is_some(), "the key goes in the header");
}

#[test]
fn a_keyset_link_restating_the_filters_is_followed_as_given() {
    let sim = simulator();
    fixture("intelligence/elastic_keyset_page").serve_once(&sim, SEARCH);
    fixture("intelligence/xsoar_empty_search").serve_once(&sim, SEARCH);
    let output = Invocation::run("get_observables")
        .input(json!({"value": "keyset.example"}))
        .against(&sim)
        .ok();
    let records = results(&output);
    assert_eq!(records.len(), 3);
    assert!(records[0].get("country").is_none() && records[0].get("tags").is_none());
    assert_eq!(records[1]["country"], "US");
    assert_eq!(
        requests_to(&sim, SEARCH)[1].query.as_deref(),
        Some(
            "limit=3&modified_ts__lt=2099-01-01T00%3A00%3A01Z&order_by=update_id&update_id__gt=100000003\
             &value=keyset.example"
        )
    );
}

#[test]
fn ids_past_two_to_the_32_pass_through_exactly() {
    let sim = simulator();
    fixture("intelligence/threatfuse_big_ids").serve(&sim, SEARCH);
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.77"}))
        .against(&sim)
        .ok();
    let record = &results(&output)[0];
    assert_eq!(
        (record["id"].as_u64(), record["update_id"].as_u64()),
        (Some(56_278_363_173), Some(9_074_259_384))
    );
    assert!(record.get("tags").is_none());
}

#[test]
fn an_id_sent_as_a_numeric_string_is_an_observable_id() {
    let sim = simulator();
    fixture("intelligence/feed_string_ids").serve(&sim, SEARCH);
    fixture("intelligence/xsoar_bulk_tagging").serve(&sim, "/api/v2/intelligence/bulk_tagging/");
    let output = Invocation::run("add_tags")
        .input(json!({"value": "string-id.example", "tags": ["seen-again"]}))
        .against(&sim)
        .ok();
    assert_eq!(output, json!({"success": true, "ids": [500000777]}));
    let tagging = &requests_to(&sim, "/api/v2/intelligence/bulk_tagging/")[0];
    assert_eq!(
        body_of(tagging),
        json!({"ids": ["500000777"], "tags": [{"name": "seen-again", "tlp": "red"}]})
    );
}

#[test]
fn the_legacy_v1_search_as_rapid7_shows_it() {
    let sim = simulator();
    fixture("intelligence/rapid7_v1_search").serve(&sim, "/api/v1/intelligence/");
    let mut v1 = connection(&sim);
    v1["api_version"] = json!("v1");
    let output = Invocation::run("lookup_domain")
        .input(json!({"domain": "legacy-domain.example"}))
        .against(&sim)
        .connection(v1.clone())
        .ok();
    assert_eq!(results(&output).len(), 1);
    assert_eq!(results(&output)[0]["update_id"], "272270002");
    assert_eq!(
        sim.requests()[0].query.as_deref(),
        Some("domain=legacy-domain.example&limit=1000&offset=0")
    );
    // Get Observables finds the record by any of the type keys a v1 record fills.
    let output = Invocation::run("get_observables")
        .input(json!({"value": "legacy-domain.example"}))
        .against(&sim)
        .connection(v1)
        .ok();
    assert_eq!(results(&output)[0]["srcip"], "127.0.53.53");
}

#[test]
fn the_connection_test_asks_for_one_record_and_reads_nothing_of_it() {
    for page in ["xsoar_empty_search", "xsoar_search_without_meta"] {
        let sim = simulator();
        fixture(&format!("intelligence/{page}")).serve(&sim, SEARCH);
        Invocation::test("lookup_ip").against(&sim).ok();
        assert_eq!(sim.requests()[0].query.as_deref(), Some("limit=1"), "{page}");
    }
}

#[test]
fn one_observable_is_read_and_updated_as_polarity_and_splunk_show() {
    let sim = simulator();
    let path = "/api/v2/intelligence/171143571/";
    fixture("intelligence/splunk_observable").serve_once(&sim, path);
    fixture("intelligence/splunk_updated_observable").serve_once(&sim, path);
    let output = Invocation::run("update_observable")
        .input(json!({"id": 171143571, "confidence": 37}))
        .against(&sim)
        .ok();
    assert_eq!(output, json!({"success": true, "ids": [171143571]}));
    let asked = requests_to(&sim, path);
    let methods: Vec<(&str, Option<&str>)> = asked
        .iter()
        .map(|request| (request.method.as_str(), request.query.as_deref()))
        .collect();
    // Remote API is off: the cloud observable is written on the instance, as it was read.
    assert_eq!(methods, [("GET", None), ("PATCH", None)]);
    assert_eq!(body_of(&asked[1]), json!({"confidence": 37}));
}

#[test]
fn comments_are_read_as_polarity_shows_them() {
    let sim = simulator();
    let comments = fixture("intelligence/polarity_comments");
    comments.serve(&sim, "/api/v2/intelligence/comments/");
    let output = Invocation::run("get_comments")
        .input(json!({"id": HASH_ID}))
        .against(&sim)
        .ok();
    assert_eq!(output["comments"], comments.body["comments"]);
    let asked = &requests_to(&sim, "/api/v2/intelligence/comments/")[0];
    assert_eq!(asked.query_pairs(), [("value".to_owned(), HASH.to_owned())]);
}

#[test]
fn a_comment_is_added_with_polaritys_body_and_its_201() {
    let sim = simulator();
    fixture("intelligence/polarity_comment_added").serve(&sim, "/api/v2/intelligence/comments/");
    let output = Invocation::run("add_comment")
        .input(json!({"id": HASH_ID, "comment": "Seen in case 4711", "tlp": "amber"}))
        .against(&sim)
        .ok();
    assert_eq!(output, json!({"success": true, "ids": [HASH_ID]}));
    let posted = &requests_to(&sim, "/api/v2/intelligence/comments/")[0];
    assert_eq!(posted.method, "POST");
    assert_eq!(posted.query_pairs(), [("value".to_owned(), HASH.to_owned())]);
    assert_eq!(body_of(posted), json!({"comment": "Seen in case 4711", "tlp": "amber"}));
}

#[test]
fn tags_are_added_and_removed_with_xsoars_bodies() {
    let sim = simulator();
    fixture("intelligence/xsoar_bulk_tagging").serve(&sim, "/api/v2/intelligence/bulk_tagging/");
    fixture("intelligence/xsoar_bulk_remove_tags").serve(&sim, "/api/v2/intelligence/bulk_remove_tags/");
    let tags = json!({"id": HASH_ID, "tags": ["tag1", "tag2"]});
    let added = Invocation::run("add_tags").input(tags.clone()).against(&sim).ok();
    let removed = Invocation::run("remove_tags").input(tags).against(&sim).ok();
    assert_eq!(
        (&added, &removed),
        (&json!({"success": true, "ids": [HASH_ID]}), &added)
    );
    let id = HASH_ID.to_string();
    let tagging = &requests_to(&sim, "/api/v2/intelligence/bulk_tagging/")[0];
    assert_eq!(
        body_of(tagging),
        json!({"ids": [id], "tags": [{"name": "tag1", "tlp": "red"}, {"name": "tag2", "tlp": "red"}]})
    );
    let removal = &requests_to(&sim, "/api/v2/intelligence/bulk_remove_tags/")[0];
    assert_eq!(removal.method, "PATCH");
    assert_eq!(
        body_of(removal),
        json!({"ids": [id], "tags": [{"name": ["tag1", "tag2"]}]})
    );
}

#[test]
fn a_clone_answers_xsoars_session_and_a_refusal_is_named_not_cloneable() {
    let sim = simulator();
    fixture("intelligence/xsoar_clone_answer").serve(&sim, "/api/v2/intelligence/123/clone/");
    let cloned = Invocation::run("clone_observable")
        .input(json!({"id": "123"}))
        .against(&sim)
        .ok();
    assert_eq!(
        cloned,
        json!({"id": 123, "import_session_id": "139", "job_id": "1b0ad011-e595-4f7f-8eb6"})
    );
    let clone = &requests_to(&sim, "/api/v2/intelligence/123/clone/")[0];
    assert_eq!((clone.method.as_str(), clone.body.is_empty()), ("POST", true));

    fixture("intelligence/xsoar_not_cloneable").serve(&sim, "/api/v2/intelligence/124/clone/");
    let refused = Invocation::run("clone_observable")
        .input(json!({"id": 124}))
        .against(&sim)
        .errs();
    assert_eq!(
        refused.exception().cause,
        "ThreatStream will not clone observable 124: it is not cloneable."
    );
}
