//! One normaliser for every observable input, and limits on every text and list, end to end.
//!
//! Each value is given in the spellings a playbook meets (defanged, upper case, with a trailing dot,
//! IPv6 written long or bracketed), and the single lookup of its type, the bulk lookup, Get
//! Observables and Enrich Observable must all give the answer the canonical spelling gets. Then the
//! limits: a 10 MB tag name or sandbox detail, a file name or connection URL with a line break, and a
//! hundred thousand tags or itypes are refused before any request, at once, with an error naming the
//! input.

use serde_json::{json, Value};

use crate::harness::{assert_untouched, connection, run_ok, simulator, Invocation};

/// Each value's lookup action and input, and its spellings; the first is the canonical one.
fn spellings() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "lookup_ip",
            "ip_address",
            vec!["198.51.100.23", "198[.]51[.]100[.]23", " 198.51.100.23 "],
        ),
        (
            "lookup_ip",
            "ip_address",
            vec![
                "2001:db8::bad:c0de",
                "2001:DB8:0:0:0:0:BAD:C0DE",
                "[2001:db8::bad:c0de]",
            ],
        ),
        (
            "lookup_url",
            "url",
            vec![
                "http://malicious.example.net/payload.exe",
                "hxxp://malicious[.]example[.]net/payload.exe",
                "HTTP://MALICIOUS.EXAMPLE.NET/payload.exe",
            ],
        ),
        (
            "lookup_domain",
            "domain",
            vec!["evil-domain.example", "evil-domain[.]example", "EVIL-DOMAIN.Example."],
        ),
        (
            "lookup_email",
            "email",
            vec!["phisher@example.org", "phisher[@]example[.]org", "Phisher@Example.ORG"],
        ),
        (
            "lookup_hash",
            "hash",
            vec!["44d88612fea8a8f36de82e1278abb02f", "44D88612FEA8A8F36DE82E1278ABB02F"],
        ),
    ]
}

fn ids(records: &Value) -> Vec<u64> {
    let mut ids: Vec<u64> = records
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|record| record["id"].as_u64())
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn every_spelling_gets_the_canonical_answer_from_single_bulk_and_enrichment() {
    let sim = simulator();
    for (action, input, spelled) in spellings() {
        let canonical = run_ok(&sim, action, json!({input: spelled[0]}));
        let expected_ids = ids(&canonical["results"]);
        assert!(!expected_ids.is_empty(), "{} has records in the simulator", spelled[0]);
        for spelling in spelled {
            let single = run_ok(&sim, action, json!({input: spelling}));
            assert_eq!(single, canonical, "{action} of {spelling:?}");

            let bulk = run_ok(
                &sim,
                "lookup_observables",
                json!({"observables": [spelling], "include_records": true}),
            );
            let entry = &bulk["results"][0];
            assert_eq!(ids(&entry["records"]), expected_ids, "bulk of {spelling:?}: {bulk}");
            for (field, value) in canonical["verdict"].as_object().expect("a verdict") {
                assert_eq!(&entry[field], value, "bulk verdict {field} of {spelling:?}");
            }

            let any = run_ok(&sim, "get_observables", json!({"value": spelling}));
            assert_eq!(ids(&any["results"]), expected_ids, "get_observables of {spelling:?}");

            let enriched = run_ok(
                &sim,
                "enrich_observable",
                json!({"value": spelling, "sections": ["references"]}),
            );
            assert_eq!(
                ids(&enriched["records"]),
                expected_ids,
                "enrich_observable of {spelling:?}"
            );
            assert_eq!(
                enriched["verdict"], canonical["verdict"],
                "enrichment verdict of {spelling:?}"
            );
        }
    }
}

#[test]
fn a_ten_megabyte_tag_name_or_detail_is_refused_before_any_request() {
    let sim = simulator();
    let huge = "x".repeat(10 << 20);
    let cases = [
        ("add_tags", json!({"id": 1, "tags": [huge]}), "'tags[0]'"),
        ("remove_tags", json!({"id": 1, "tags": ["ok", huge]}), "'tags[1]'"),
        (
            "submit_url",
            json!({"platform": "ALL", "use_premium_sandbox": false, "url": "https://a.example/x", "detail": huge}),
            "'detail'",
        ),
        (
            "import_observables_without_approval",
            json!({"observables": [{"value": "203.0.113.9", "itype": "c2_ip", "tags": [{"name": huge}]}]}),
            "'observables[0].tags[0].name'",
        ),
        (
            "import_observable",
            json!({"datatext": "203.0.113.9", "observable_settings": {"notes": [huge]}}),
            "'observable_settings.notes[0]'",
        ),
        ("add_comment", json!({"id": 1, "comment": huge}), "'comment'"),
        ("search_threat_models", json!({"keyword": huge}), "'keyword'"),
    ];
    for (action, input, named) in cases {
        let run = Invocation::run(action).input(input).against(&sim).refused_naming(named);
        assert!(
            run.stdout.len() < 10_000,
            "{action}: the error quotes at most a little of the input"
        );
    }
    assert_untouched(&sim);
}

#[test]
fn a_line_break_in_a_file_name_or_the_connection_url_is_refused() {
    let sim = simulator();
    for name in ["setup.exe\r\nContent-Type: text/html", "list\0.csv", "list\n.csv"] {
        let file = json!({"filename": name, "content": "MjAzLjAuMTEzLjk="});
        Invocation::run("submit_file")
            .input(json!({"platform": "ALL", "use_premium_sandbox": false, "file": file}))
            .against(&sim)
            .refused_naming("'file.filename'");
        Invocation::run("import_observable")
            .input(json!({"file": file}))
            .against(&sim)
            .refused_naming("'file.filename'");
    }
    for url in [format!("{}\r\nX-Evil: 1", sim.url()), format!("{}/\tx", sim.url())] {
        let mut settings = connection(&sim);
        settings["url"] = json!(url);
        let run = Invocation::run("lookup_ip")
            .input(json!({"ip_address": "198.51.100.23"}))
            .connection(settings)
            .errs();
        assert_eq!(
            run.exception().cause,
            "The connection's URL contains control characters or line breaks."
        );
    }
    assert_untouched(&sim);
}

#[test]
fn a_hundred_thousand_tags_or_itypes_are_refused_at_once() {
    let sim = simulator();
    let tags: Vec<String> = (0..100_000).map(|n| format!("tag-{n}")).collect();
    let itypes: Vec<String> = (0..100_000).map(|n| format!("itype_{n}")).collect();
    Invocation::run("search_threat_models")
        .input(json!({"tags": tags}))
        .against(&sim)
        .refused_naming("'tags': it has 100000 tags, more than the 500");
    let task = json!({"version": "v1", "type": "task_start",
        "body": {"task": "monitor_observables", "meta": {}, "input": {"itypes": itypes}, "state": {},
                 "connection": connection(&sim)}});
    Invocation::run("monitor_observables")
        .stdin_raw(task.to_string())
        .refused_naming("'itypes': it has 100000 indicator types, more than the 500");
    let fitting: Vec<String> = (0..500).map(|n| format!("indicator_type_number_{n}")).collect();
    Invocation::run("search_threat_models")
        .input(json!({"tags": fitting}))
        .against(&sim)
        .refused_naming("a search can carry");
    assert_untouched(&sim);
}
