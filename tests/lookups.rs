//! The lookup actions against the simulator: what is asked of ThreatStream and what comes back.

use serde_json::{json, Value};

use crate::harness::{
    assert_event_snapshot, assert_refused_before_any_request, connection, simulator, simulator_builder, Invocation,
    CANARY_KEY,
};

fn results(output: &Value) -> &Vec<Value> {
    output["results"].as_array().expect("results is an array")
}

fn values(output: &Value) -> Vec<&str> {
    results(output)
        .iter()
        .map(|record| record["value"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn lookup_ip_returns_exact_matches_only() {
    let sim = simulator();
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .invoke();
    let output = run.event().body.output.unwrap_or_else(|| run.fail("no output"));
    assert_eq!(
        values(&output),
        ["198.51.100.23", "198.51.100.23"],
        "the decoy 198.51.100.230 must be filtered out"
    );
    assert_event_snapshot!("lookup_ip_ok", run.json());
}

#[test]
fn lookup_ip_asks_v2_with_value_type_and_paging() {
    let sim = simulator();
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": " 198.51.100.23 "}))
        .against(&sim)
        .ok();
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/api/v2/intelligence/");
    assert_eq!(
        requests[0].query_pairs(),
        [
            ("value", "198.51.100.23"),
            ("type", "ip"),
            ("limit", "1000"),
            ("offset", "0")
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("apikey analyst@example.com:{CANARY_KEY}").as_str())
    );
}

#[test]
fn lookup_ipv6_uses_type_ipv6_and_canonical_form() {
    let sim = simulator();
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "2001:DB8:0::BAD:C0DE"}))
        .against(&sim)
        .ok();
    assert_eq!(values(&output), ["2001:db8::bad:c0de"]);
    let query = sim.requests()[0].query_pairs();
    assert!(query.contains(&("type".into(), "ipv6".into())), "{query:?}");
    assert!(
        query.contains(&("value".into(), "2001:db8::bad:c0de".into())),
        "{query:?}"
    );
}

#[test]
fn lookup_follows_every_page() {
    let sim = simulator_builder().bulk_records(2500).start();
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.77"}))
        .against(&sim)
        .ok();
    assert_eq!(results(&output).len(), 2500);
    // The first page is ours (offset 0); the next two are the ones each page's `meta.next` names,
    // keyed by `search_after` as ThreatStream links deep searches, with the filters restated.
    let positions: Vec<(Option<String>, Option<String>)> = sim
        .requests()
        .iter()
        .map(|request| {
            let query = request.query_pairs();
            assert!(query.contains(&("value".into(), "203.0.113.77".into())), "{query:?}");
            let find = |name: &str| query.iter().find(|(key, _)| key == name).map(|(_, v)| v.clone());
            (find("offset"), find("search_after"))
        })
        .collect();
    assert_eq!(positions.len(), 3);
    assert_eq!(positions[0], (Some("0".to_owned()), None));
    assert!(
        positions[1..]
            .iter()
            .all(|(offset, after)| offset.is_none() && after.is_some()),
        "{positions:?}"
    );
    let ids: std::collections::HashSet<String> =
        results(&output).iter().map(|record| record["id"].to_string()).collect();
    assert_eq!(ids.len(), 2500, "no record twice");
}

#[test]
fn no_match_is_an_empty_list() {
    let sim = simulator();
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "192.0.2.200"}))
        .against(&sim)
        .ok();
    assert_eq!(output["results"], json!([]), "4.0.0's output is unchanged");
    assert_eq!(output["verdict"]["verdict"], "unknown");
    assert_eq!(
        output["verdict"]["reason"],
        "No ThreatStream record matches this observable."
    );
}

#[test]
fn records_are_cleaned_of_nulls_and_empty_strings() {
    let sim = simulator();
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .ok();
    fn walk(value: &Value) {
        match value {
            Value::Null => panic!("null left in output"),
            Value::String(text) => assert!(!text.is_empty(), "empty string left in output"),
            Value::Array(items) => items.iter().for_each(walk),
            Value::Object(members) => members.values().for_each(walk),
            _ => {}
        }
    }
    walk(&output);
}

#[test]
fn lookup_url_is_exact() {
    let sim = simulator();
    let output = Invocation::run("lookup_url")
        .input(json!({"url": "http://malicious.example.net/payload.exe"}))
        .against(&sim)
        .ok();
    assert_eq!(values(&output), ["http://malicious.example.net/payload.exe"]);
    assert!(sim.requests()[0].query_pairs().contains(&("type".into(), "url".into())));
}

#[test]
fn lookup_hash_finds_every_algorithm_in_any_case() {
    let sim = simulator();
    for digest in [
        "44D88612FEA8A8F36DE82E1278ABB02F",
        "3395856ce81f2b7382dee72602f798b642f14140",
        "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F",
        "cc805d5fab1fd71a4ab352a9c533e65fb2d5b885518f4e565e68847223b8e6b85cb48f3afad842726d99239c9e36505c64b0dc9a061d9e507d833277ada336ab",
    ] {
        let output = Invocation::run("lookup_hash").input(json!({"hash": digest})).against(&sim).ok();
        assert_eq!(values(&output), [digest.to_ascii_lowercase()], "{digest}");
    }
    for request in sim.requests() {
        assert!(
            request.query_pairs().contains(&("type".into(), "md5".into())),
            "{request:?}"
        );
    }
}

#[test]
fn v1_api_uses_legacy_filters_and_accepts_string_update_ids() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["api_version"] = json!("v1");
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .connection(connection)
        .invoke();
    let output = run.event().body.output.unwrap_or_else(|| run.fail("no output"));
    let records = results(&output);
    assert_eq!(records.len(), 2);
    assert!(records
        .iter()
        .all(|record| record["srcip"] == "198.51.100.23" && record["update_id"].is_string()));
    let request = &sim.requests()[0];
    assert_eq!(request.path, "/api/v1/intelligence/");
    assert_eq!(request.query_pairs()[0], ("ip".to_owned(), "198.51.100.23".to_owned()));
    assert_event_snapshot!("lookup_ip_v1_ok", run.json());
}

#[test]
fn the_seed_help_pages_url_field_and_a_trailing_slash_work() {
    let sim = simulator();
    let mut connection = json!({"username": threatstream_simulator::USERNAME,
        "threatstream_url": format!("{}/", sim.url()), "api_key": {"secretKey": CANARY_KEY}, "ssl_verify": true});
    let lookup = || Invocation::run("lookup_hash").input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}));
    lookup().connection(connection.clone()).ok();
    assert_eq!(sim.requests()[0].path, "/api/v2/intelligence/");
    connection["url"] = json!("https://elsewhere.example");
    lookup()
        .connection(connection)
        .refused_naming("both url and threatstream_url");
    assert_eq!(sim.requests().len(), 1, "the conflicting connection sent nothing");
}

#[test]
fn bad_inputs_never_reach_threatstream() {
    let sim = simulator();
    let cases = [
        ("lookup_ip", json!({"ip_address": ""}), "ip_address"),
        ("lookup_ip", json!({"ip_address": "   "}), "ip_address"),
        ("lookup_ip", json!({"ip_address": "198.51.100.300"}), "ip_address"),
        ("lookup_ip", json!({}), "ip_address"),
        ("lookup_ip", json!({"ip_address": null}), "ip_address"),
        ("lookup_ip", json!({"ip_address": 19851100023u64}), "ip_address"),
        ("lookup_ip", json!({"ip_address": "198.51.100.23", "extra": 1}), "extra"),
        ("lookup_url", json!({"url": ""}), "url"),
        ("lookup_url", json!({"url": "not a url"}), "url"),
        ("lookup_hash", json!({"hash": ""}), "hash"),
        ("lookup_hash", json!({"hash": "xyz"}), "hash"),
        (
            "lookup_hash",
            json!({"hash": "44d88612fea8a8f36de82e1278abb02"}),
            "hash",
        ),
    ];
    assert_refused_before_any_request(&sim, cases);
}

#[test]
fn invalid_input_envelope_snapshot() {
    let sim = simulator();
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": ""}))
        .against(&sim)
        .errs();
    assert_event_snapshot!("lookup_ip_empty_input", run.json());
}

#[test]
fn get_observables_searches_by_value_alone_and_keeps_exact_matches() {
    let sim = simulator();
    let output = Invocation::run("get_observables")
        .input(json!({"value": "evil-domain.example"}))
        .against(&sim)
        .ok();
    let records = results(&output);
    assert!(!records.is_empty(), "{output}");
    for record in records {
        let value = record["value"].as_str().unwrap_or_default();
        assert!(value.eq_ignore_ascii_case("evil-domain.example"), "{value}");
    }
    assert!(
        records.iter().any(|record| record["value"] == "Evil-Domain.Example"),
        "a domain stored in other letter case is the same domain: {output}"
    );
    let query = sim.requests()[0].query_pairs();
    assert_eq!(
        query,
        [("value", "evil-domain.example"), ("limit", "1000"), ("offset", "0")]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
    );
    Invocation::run("get_observables")
        .input(json!({"value": "   "}))
        .against(&sim)
        .refused_naming("'value'");
    assert_eq!(sim.requests().len(), 1, "an empty value searched nothing");
}

#[test]
fn lookup_domain_matches_any_case_and_a_trailing_dot() {
    let sim = simulator();
    let output = Invocation::run("lookup_domain")
        .input(json!({"domain": " Evil-Domain.EXAMPLE. "}))
        .against(&sim)
        .ok();
    assert_eq!(
        values(&output),
        ["evil-domain.example", "evil-domain.example", "Evil-Domain.Example"],
        "the seed file's two records and the verdict seed's case variant"
    );
    assert_eq!(
        sim.requests()[0].query_pairs(),
        [
            ("value", "evil-domain.example"),
            ("type", "domain"),
            ("limit", "1000"),
            ("offset", "0")
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

#[test]
fn lookup_domain_asks_for_an_internationalised_name_in_punycode() {
    let sim = simulator();
    let output = Invocation::run("lookup_domain")
        .input(json!({"domain": "BÜCHER.example"}))
        .against(&sim)
        .ok();
    assert_eq!(values(&output), ["xn--bcher-kva.example"]);
    let query = sim.requests()[0].query_pairs();
    assert_eq!(query[0], ("value".to_owned(), "xn--bcher-kva.example".to_owned()));
}

#[test]
fn lookup_email_ignores_case() {
    let sim = simulator();
    let output = Invocation::run("lookup_email")
        .input(json!({"email": "PHISHER@example.com"}))
        .against(&sim)
        .ok();
    assert_eq!(values(&output), ["Phisher@Example.COM"]);
    let query = sim.requests()[0].query_pairs();
    assert_eq!(
        query[..2],
        [
            ("value".into(), "phisher@example.com".into()),
            ("type".into(), "email".into())
        ]
    );
}

#[test]
fn v1_looks_domains_and_addresses_up_with_their_own_filters() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["api_version"] = json!("v1");
    for (action, input, filter, field, value) in [
        (
            "lookup_domain",
            json!({"domain": "Evil-Domain.example"}),
            "domain",
            "domain",
            "evil-domain.example",
        ),
        (
            "lookup_email",
            json!({"email": "Phisher@example.org"}),
            "email",
            "email",
            "phisher@example.org",
        ),
    ] {
        sim.clear_requests();
        let output = Invocation::run(action).input(input).connection(connection.clone()).ok();
        let found: Vec<&str> = results(&output)
            .iter()
            .map(|record| record[field].as_str().unwrap_or_default())
            .collect();
        assert!(
            !found.is_empty() && found.iter().all(|v| v.eq_ignore_ascii_case(value)),
            "{found:?}"
        );
        let request = &sim.requests()[0];
        assert_eq!(request.path, "/api/v1/intelligence/");
        assert_eq!(request.query_pairs()[0], (filter.to_owned(), value.to_owned()));
    }
}

#[test]
fn bad_domains_and_addresses_never_reach_threatstream() {
    let sim = simulator();
    let cases = [
        ("lookup_domain", json!({}), "domain"),
        ("lookup_domain", json!({"domain": " "}), "domain"),
        (
            "lookup_domain",
            json!({"domain": "https://evil-domain.example"}),
            "is a URL",
        ),
        (
            "lookup_domain",
            json!({"domain": "evil-domain.example/login"}),
            "contains '/'",
        ),
        ("lookup_domain", json!({"domain": "not a domain"}), "domain"),
        ("lookup_email", json!({"email": ""}), "email"),
        ("lookup_email", json!({"email": "phisher.example.org"}), "has no '@'"),
        ("lookup_email", json!({"email": "phisher@"}), "email"),
        (
            "lookup_ip",
            json!({"ip_address": "198.51.100.23", "malicious_threshold": 20, "suspicious_threshold": 30}),
            "suspicious_threshold",
        ),
        (
            "lookup_hash",
            json!({"hash": "44d88612fea8a8f36de82e1278abb02f", "malicious_threshold": 101}),
            "malicious_threshold",
        ),
    ];
    assert_refused_before_any_request(&sim, cases);
}
