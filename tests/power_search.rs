//! Search Intelligence, the intel details and the sandbox's platforms and captures, against the
//! simulator: every page followed up to the limit, the query language and the filters sent together
//! and both applied, the records as Get Observables outputs them, the confidence trend and the
//! third-party classifications alone and as Enrich Observable's sections, the platforms a refused
//! submission names, a capture downloaded without the key and capped, and bad inputs refused before
//! any request.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Simulator};

use crate::harness::{assert_refused_before_any_request, connection, run_ok, simulator, simulator_builder, Invocation};

/// The value of every record `bulk_records` adds.
const BULK: &str = "203.0.113.77";
/// A seed value with records, a confidence trend and intel details.
const SEEDED: &str = "198.51.100.23";

fn results(output: &Value) -> &Vec<Value> {
    output["results"].as_array().expect("results")
}

fn searches(sim: &Simulator) -> Vec<Vec<(String, String)>> {
    sim.requests()
        .iter()
        .filter(|request| request.path == "/api/v2/intelligence/")
        .map(threatstream_simulator::RecordedRequest::query_pairs)
        .collect()
}

fn has(pairs: &[(String, String)], name: &str, value: &str) -> bool {
    pairs.contains(&(name.to_owned(), value.to_owned()))
}

#[test]
fn a_search_follows_every_page_up_to_the_limit() {
    let sim = simulator_builder().bulk_records(2500).start();
    let all = run_ok(&sim, "search_intelligence", json!({"value": BULK, "limit": 5000}));
    assert_eq!((&all["count"], &all["more"]), (&json!(2500), &json!(false)));
    assert_eq!(results(&all).len(), 2500);
    assert!(results(&all).iter().all(|record| record["value"] == BULK));
    assert_eq!(searches(&sim).len(), 3, "three pages of 1000");

    sim.clear_requests();
    let some = run_ok(&sim, "search_intelligence", json!({"value": BULK, "limit": 1500}));
    assert_eq!((&some["count"], &some["more"]), (&json!(1500), &json!(true)));
    assert_eq!(searches(&sim).len(), 2, "no page past the limit");

    // The form's untouched limit (0) is a page.
    let page = run_ok(&sim, "search_intelligence", json!({"value": BULK, "limit": 0}));
    assert_eq!((&page["count"], &page["more"]), (&json!(1000), &json!(true)));
}

#[test]
fn the_query_and_the_filters_are_sent_together_and_both_apply() {
    let sim = simulator_builder().bulk_records(700).start();
    let output = run_ok(
        &sim,
        "search_intelligence",
        json!({"query": " confidence>=90 AND (status=\"active\") ", "value": BULK, "type": "ip",
            "confidence": "lt 99", "order_by": "-update_id", "limit": 5000,
            "itype": "", "status": "", "tags": [], "source": "", "update_id_gt": 0}),
    );
    let records = results(&output);
    assert!(!records.is_empty(), "{output}");
    for record in records {
        let confidence = record["confidence"].as_u64().unwrap_or_default();
        assert!((90..99).contains(&confidence), "{record}");
        assert_eq!(record["status"], "active");
    }
    let update_ids: Vec<u64> = records.iter().filter_map(|r| r["update_id"].as_u64()).collect();
    assert!(update_ids.windows(2).all(|w| w[0] > w[1]), "newest change first");
    let sent = &searches(&sim)[0];
    for (name, value) in [
        ("q", "confidence>=90 AND (status=\"active\")"),
        ("value", BULK),
        ("type", "ip"),
        ("confidence__lt", "99"),
        ("order_by", "-update_id"),
    ] {
        assert!(has(sent, name, value), "{name}={value} in {sent:?}");
    }
    for untouched in ["itype", "status", "tags.name", "source", "update_id__gt"] {
        assert!(
            sent.iter().all(|(name, _)| name != untouched),
            "{untouched} in {sent:?}"
        );
    }
}

#[test]
fn a_v1_connection_searches_v2_with_the_filters_named_as_v2_names_them() {
    let sim = simulator_builder().bulk_records(50).start();
    let mut v1 = connection(&sim);
    v1["api_version"] = json!("v1");
    let output = Invocation::run("search_intelligence")
        .connection(v1)
        .input(
            json!({"value": BULK, "tags": ["scanner", "bulk"], "source": "Analyst", "update_id_gt": 7,
            "itype": "scan_ip", "status": "inactive"}),
        )
        .against(&sim)
        .ok();
    assert_eq!(output["more"], false, "{output}");
    let sent = &searches(&sim)[0];
    for (name, value) in [
        ("tags.name", "scanner,bulk"),
        ("source", "Analyst"),
        ("update_id__gt", "7"),
        ("itype", "scan_ip"),
        ("status", "inactive"),
    ] {
        assert!(has(sent, name, value), "{name}={value} in {sent:?}");
    }
}

#[test]
fn the_records_are_as_get_observables_outputs_them() {
    let sim = simulator();
    let observables = run_ok(&sim, "get_observables", json!({"value": SEEDED}));
    let searched = run_ok(&sim, "search_intelligence", json!({"value": SEEDED, "type": "ip"}));
    assert!(!results(&observables).is_empty());
    for record in results(&observables) {
        assert!(
            results(&searched).contains(record),
            "{record} is not in the search's output as Get Observables gives it"
        );
    }
}

#[test]
fn the_confidence_trend_and_intel_details_stand_alone_and_enrich() {
    let sim = simulator();
    let trend = run_ok(&sim, "get_confidence_trend", json!({"value": SEEDED}));
    let expected = json!({"min_confidence": 42, "average_confidence": 64, "max_confidence": 87});
    assert_eq!((&trend["found"], &trend["confidence_trend"]), (&json!(true), &expected));
    let sent = sim.requests()[0].query_pairs();
    assert!(
        has(&sent, "type", "confidence") && has(&sent, "value", SEEDED),
        "{sent:?}"
    );
    let none = run_ok(&sim, "get_confidence_trend", json!({"value": "203.0.113.250"}));
    assert_eq!(none["found"], false, "{none}");

    let details = run_ok(&sim, "get_intel_details", json!({"value": SEEDED}));
    let services = details["intel_details"].as_array().expect("a list");
    assert!(
        services.contains(&json!({"service": "IPVoid", "classification": "Malicious", "detections": 8})),
        "{details}"
    );
    let nothing = run_ok(&sim, "get_intel_details", json!({"value": "203.0.113.250"}));
    assert_eq!(nothing["intel_details"], json!([]));

    let enriched = run_ok(
        &sim,
        "enrich_observable",
        json!({"value": SEEDED, "sections": ["confidence_trend", "intel_details"]}),
    );
    assert_eq!(enriched["confidence_trend"], expected, "{enriched}");
    assert_eq!(enriched["intel_details"], details["intel_details"]);
}

#[test]
fn the_platforms_are_the_tenants_and_a_refused_submission_names_them() {
    let sim = simulator();
    sim.set_sandbox_platforms(&["WINDOWS7", "WINDOWS10"], &["WINDOWS10x64"]);
    let platforms = run_ok(&sim, "get_sandbox_platforms", json!({}));
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(names(&platforms["standard"]), ["WINDOWS7", "WINDOWS10"]);
    assert_eq!(names(&platforms["premium"]), ["WINDOWS10x64"]);
    assert_eq!(platforms["standard"][0]["label"], "Windows 7");

    sim.set_sandbox_platforms(&["WINDOWS10"], &[]);
    sim.clear_requests();
    let run = Invocation::run("submit_url")
        .input(json!({"platform": "WINDOWS7", "use_premium_sandbox": false, "url": "https://example.com/a.exe"}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(
        exception.cause,
        "ThreatStream's standard sandbox has no platform WINDOWS7 for URLs."
    );
    assert!(exception.assistance.contains("WINDOWS10"), "{exception:?}");
    let submissions = sim
        .requests()
        .iter()
        .filter(|request| request.path == "/api/v1/submit/new/")
        .count();
    assert_eq!(submissions, 1, "a refused submission is not sent again");
}

#[test]
fn a_capture_is_a_file_downloaded_without_the_key_and_checked() {
    let sim = simulator();
    let output = run_ok(&sim, "get_sandbox_pcap", json!({"report_id": "100"}));
    let filename = output["pcap"]["filename"].as_str().expect("a name");
    assert!(filename.ends_with("dump-100.pcap"), "{output}");
    let content = output["pcap"]["content"].as_str().expect("base64");
    let bytes = base64_decode(content);
    assert_eq!(&bytes[..4], &0xa1b2_c3d4_u32.to_le_bytes(), "a pcap file");
    assert_eq!(output["size"], bytes.len());
    assert_eq!(output["verified"], true, "the report states the capture's SHA-256");
    let download = sim
        .requests()
        .into_iter()
        .find(|request| request.path.starts_with("/userUploads/"))
        .expect("a download");
    assert_eq!(download.header("authorization"), None, "the link authorises itself");

    let unknown = Invocation::run("get_sandbox_pcap")
        .input(json!({"report_id": "4242"}))
        .against(&sim)
        .errs();
    assert_eq!(
        unknown.exception().cause,
        "ThreatStream has no sandbox report for report ID 4242."
    );
}

#[test]
fn a_capture_over_the_cap_is_refused_naming_the_cap() {
    let sim = simulator();
    sim.add_fault_rule(
        FaultRule::new(Fault::HugeBody {
            bytes: 21 * 1024 * 1024,
        })
        .path_prefix("/userUploads/")
        .always(),
    );
    let run = Invocation::run("get_sandbox_pcap")
        .input(json!({"report_id": "100"}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        "The packet capture of report 100 is larger than the 20 MiB this step returns."
    );
}

#[test]
fn bad_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let cases = [
        ("search_intelligence", json!({}), "nothing to search for"),
        (
            "search_intelligence",
            json!({"query": "", "value": "", "tags": [], "confidence": "", "limit": 0}),
            "nothing to search for",
        ),
        (
            "search_intelligence",
            json!({"query": "(confidence>=90 AND itype=\"c2_ip\""}),
            "'query'",
        ),
        ("search_intelligence", json!({"query": "confidence>=90)"}), "'query'"),
        ("search_intelligence", json!({"query": "itype=\"c2_ip"}), "'query'"),
        (
            "search_intelligence",
            json!({"value": BULK, "confidence": "high"}),
            "'confidence'",
        ),
        (
            "search_intelligence",
            json!({"value": BULK, "confidence": "gt 101"}),
            "'confidence'",
        ),
        ("search_intelligence", json!({"value": BULK, "limit": 100_001}), "limit"),
        ("search_intelligence", json!({"itype": "Not An Itype"}), "'itype'"),
        (
            "search_intelligence",
            json!({"value": BULK, "order_by": "value"}),
            "order_by",
        ),
        ("get_confidence_trend", json!({"value": "  "}), "'value'"),
        ("get_intel_details", json!({"value": ""}), "'value'"),
        ("get_sandbox_pcap", json!({"report_id": "abc"}), "'report_id'"),
        ("get_sandbox_pcap", json!({"report_id": "0"}), "'report_id'"),
        ("get_sandbox_platforms", json!({"platform": "WINDOWS7"}), "WINDOWS7"),
    ];
    assert_refused_before_any_request(&sim, cases);
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("standard base64")
}
