//! Enrichment and threat model routes: passive DNS, WHOIS, insights, references, associations, the
//! threat model search, one model and its observables, each answered as a public client shows it.

use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use super::fixture;
use crate::harness::{simulator, Invocation};

fn run(sim: &Simulator, action: &str, input: Value) -> Value {
    Invocation::run(action).input(input).against(sim).ok()
}

/// Enrich Observable with only `sections`, against answers already served.
fn enrich(sim: &Simulator, value: &str, sections: &[&str]) -> Value {
    run(
        sim,
        "enrich_observable",
        json!({"value": value, "sections": sections, "include_records": false}),
    )
}

const MODEL_TYPES: [&str; 8] = [
    "actor",
    "campaign",
    "incident",
    "malware",
    "signature",
    "tipreport",
    "ttp",
    "vulnerability",
];

// Passive DNS: GET /api/v1/pdns/{ip|domain}/{value}/

#[test]
fn passive_dns_as_xsoar_shows_it() {
    let sim = simulator();
    fixture("context/xsoar_passive_dns").serve(&sim, "/api/v1/pdns/domain/phish-kit.example/");
    let output = run(&sim, "get_passive_dns", json!({"value": "phish-kit.example"}));
    let results = output["results"].as_array().expect("a list of resolutions");
    // Newest last_seen first, read from ThreatStream's space-separated timestamps.
    assert_eq!(results.len(), 2);
    assert_eq!(
        (&results[0]["ip"], &results[0]["rrtype"], &results[0]["last_seen"]),
        (&json!("203.0.113.11"), &json!("TXT"), &json!("2016-02-03 11:30:00"))
    );
    assert_eq!(
        (&results[1]["ip"], &results[1]["source"]),
        (&json!("203.0.113.10"), &json!("Example Labs"))
    );
}

#[test]
fn passive_dns_without_results_or_success_is_no_history() {
    let sim = simulator();
    fixture("context/xsoar_passive_dns_nothing").serve(&sim, "/api/v1/pdns/ip/203.0.113.10/");
    let output = run(&sim, "get_passive_dns", json!({"value": "203.0.113.10"}));
    assert_eq!(output, json!({"results": []}));
    let enriched = enrich(&sim, "203.0.113.10", &["passive_dns"]);
    assert_eq!(
        (&enriched["passive_dns"], &enriched["unavailable"]),
        (&json!([]), &json!([]))
    );
}

// WHOIS: GET /api/v1/inteldetails/whois/{value}/

#[test]
fn whois_of_an_apnic_record_mirrored_from_krnic_dates_its_newest_change() {
    let sim = simulator();
    let answer = fixture("context/splunk_whois_ip_apnic_krnic");
    answer.serve(&sim, "/api/v1/inteldetails/whois/61.32.0.1/");
    let output = run(&sim, "get_whois", json!({"value": "61.32.0.1"}));
    let whois = &output["whois"];
    // Splunk documents 2017-08-07T01:06:21; the newest last-modified is 2019-10-01, and changed: is an e-mail.
    assert_eq!(whois["updated"], "2019-10-01T08:41:39Z");
    assert_eq!(whois["registrant_organization"], "LG DACOM Corporation");
    assert_eq!(
        (whois.get("created"), whois.get("registrar"), &whois["name_servers"]),
        (None, None, &json!([]))
    );
    assert_eq!(
        (&whois["raw"], &whois["truncated"]),
        (&answer.body["data"], &json!(false))
    );
}

#[test]
fn whois_of_a_registrar_record_reads_its_fields_as_written() {
    let sim = simulator();
    fixture("context/splunk_whois_domain_markmonitor").serve(&sim, "/api/v1/inteldetails/whois/google.com/");
    let whois = &run(&sim, "get_whois", json!({"value": "google.com"}))["whois"];
    assert_eq!(whois["registrar"], "MarkMonitor, Inc.");
    assert_eq!(whois["created"], "1997-09-15T00:00:00-0700");
    assert_eq!(whois["updated"], "2019-09-09T08:39:04-0700");
    assert_eq!(whois["expires"], "2028-09-13T00:00:00-0700");
    assert_eq!(whois["registrant_organization"], "Google LLC");
    assert_eq!(
        whois["name_servers"],
        json!(["ns3.google.com", "ns2.google.com", "ns1.google.com", "ns4.google.com"])
    );
}

#[test]
fn whois_no_data_is_no_record() {
    let sim = simulator();
    fixture("context/splunk_whois_no_data").serve(&sim, "/api/v1/inteldetails/whois/quiet.example/");
    assert_eq!(
        run(&sim, "get_whois", json!({"value": "quiet.example"})),
        json!({"found": false})
    );
    let enriched = enrich(&sim, "quiet.example", &["whois"]);
    assert_eq!(
        enriched["unavailable"],
        json!([{"section": "whois", "reason": "ThreatStream has no WHOIS data for this observable"}])
    );
}

// Insights: GET /api/v1/inteldetails/insights/?type=&value=

#[test]
fn insights_that_are_plain_strings_are_shown() {
    let sim = simulator();
    fixture("context/splunk_insights_strings").serve(&sim, "/api/v1/inteldetails/insights/");
    let enriched = enrich(&sim, "evil-domain.example", &["insights"]);
    assert_eq!(enriched["insights"], json!([{"insight": "one"}]));
    assert_eq!(enriched["unavailable"], json!([]));
    let request = sim.requests().into_iter().find(|r| r.path.ends_with("/insights/"));
    assert_eq!(
        request.map(|r| r.query_pairs()),
        Some(vec![
            ("type".to_owned(), "domain".to_owned()),
            ("value".to_owned(), "evil-domain.example".to_owned())
        ])
    );
}

// References: GET /api/v1/inteldetails/references/{value}/

#[test]
fn references_are_an_object_of_links_and_remote_api_is_no_link() {
    let sim = simulator();
    fixture("context/splunk_references_ip").serve(&sim, "/api/v1/inteldetails/references/203.0.113.10/");
    let enriched = enrich(&sim, "203.0.113.10", &["references"]);
    assert_eq!(
        enriched["references"],
        json!([
            {"name": "VirusTotal", "url": "https://www.virustotal.com/gui/ip-address/203.0.113.10"},
            {"name": "Google Safe Browsing",
             "url": "https://transparencyreport.google.com/safe-browsing/search?url=203.0.113.10"},
            {"name": "IPVoid", "url": "https://www.ipvoid.com/ip-blacklist-check/?ip=203.0.113.10"},
            {"name": "Shodan", "url": "https://www.shodan.io/host/203.0.113.10"},
            {"name": "urlscan.io", "url": "https://test.io/domain/uponvoice.net"}
        ])
    );
    assert_eq!(enriched["unavailable"], json!([]));
}

#[test]
fn references_without_links_are_none_never_unavailable() {
    for (name, value, path) in [
        (
            "context/threatfuse_references_empty",
            "evil-domain.example",
            "/api/v1/inteldetails/references/evil-domain.example/",
        ),
        (
            "context/splunk_references_email",
            "phisher@example.org",
            "/api/v1/inteldetails/references/phisher@example.org/",
        ),
    ] {
        let sim = simulator();
        fixture(name).serve(&sim, path);
        let enriched = enrich(&sim, value, &["references"]);
        assert_eq!(
            (&enriched["references"], &enriched["unavailable"]),
            (&json!([]), &json!([])),
            "{name}"
        );
    }
}

// Associations: GET /api/v1/{model}/associated_with_intelligence/?value=

/// Serves `actor` at the actor look-up, `campaign` at the campaign look-up, and XSOAR's empty list at the rest.
fn serve_associations(sim: &Simulator, actor: &str, campaign: &str) {
    for model in MODEL_TYPES {
        let name = match model {
            "actor" => actor,
            "campaign" => campaign,
            _ => "context/xsoar_empty_list",
        };
        fixture(name).serve(sim, &format!("/api/v1/{model}/associated_with_intelligence/"));
    }
}

#[test]
fn associations_as_xsoar_shows_them() {
    let sim = simulator();
    serve_associations(&sim, "context/xsoar_actor_associations", "context/xsoar_empty_list");
    let associations = &enrich(&sim, "203.0.113.10", &["associations"])["associations"];
    let (published_ts, modified_ts) = ("2022-04-25T03:06:21.481665", "2022-07-11T16:30:00.437522");
    // Both objects, though the answer's total_count says 1.
    assert_eq!(
        associations["actor"],
        json!([
            {"id": 1, "name": "Alert report", "published_ts": published_ts, "modified_ts": modified_ts},
            {"id": 2, "name": "Alert report 2", "published_ts": published_ts, "modified_ts": modified_ts}
        ])
    );
    for model in &MODEL_TYPES[1..] {
        assert_eq!(associations[model], json!([]), "{model}");
    }
}

#[test]
fn associations_with_string_ids_are_read_as_numbers() {
    let sim = simulator();
    serve_associations(
        &sim,
        "context/xsoar_empty_list",
        "context/splunk_associations_string_ids",
    );
    let associations = &enrich(&sim, "203.0.113.10", &["associations"])["associations"];
    assert_eq!(
        associations["campaign"],
        json!([{"id": 27933, "name": "xyztest7", "modified_ts": "2021-05-27T12:26:00.546115"}]),
        "the model whose id is no number cannot be fetched, so it is left out"
    );
}

// Threat model search: GET /api/v1/threat_model_search/

#[test]
fn threat_model_search_as_xsoar_shows_it() {
    let sim = simulator();
    fixture("context/xsoar_threat_model_search").serve(&sim, "/api/v1/threat_model_search/");
    let output = run(&sim, "search_threat_models", json!({"model_types": ["signature"]}));
    let results = output["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "meta.next is null: one page");
    assert_eq!(sim.requests().len(), 1);
    let first = &results[0];
    assert_eq!(
        (&first["id"], &first["model_type"], &first["type"], &first["tags"]),
        (
            &json!(333),
            &json!("signature"),
            &json!("Carbon Black Query"),
            &json!(["name"])
        )
    );
    assert_eq!(first["organization"], json!({"id": 11, "title": "name"}));
    assert_eq!(first["owner_user"], json!({"id": 111, "email": "analyst@example.com"}));
    assert_eq!(first["modified_ts"], "2023-03-19T10:09:09.150405+00:00");
    assert!(first.get("status").is_none() && first.get("published_ts").is_none());
    assert_eq!(
        (&results[1]["id"], &results[1]["publication_status"]),
        (&json!(444), &json!("published"))
    );
    assert!(results[1].get("owner_user").is_none());
}

#[test]
fn threat_model_search_as_splunk_shows_it() {
    let sim = simulator();
    fixture("context/splunk_threat_model_search").serve(&sim, "/api/v1/threat_model_search/");
    let output = run(&sim, "search_threat_models", json!({"keyword": "test"}));
    let (bulletin, actor) = (&output["results"][0], &output["results"][1]);
    assert_eq!(
        (
            &bulletin["id"],
            &bulletin["aliases"],
            &bulletin["tags"],
            &bulletin["publication_status"]
        ),
        (
            &json!(9479),
            &json!(["test"]),
            &json!(["tip-tag1"]),
            &json!("published")
        )
    );
    assert_eq!(
        bulletin["circles"],
        json!([{"id": 10017, "name": "Test circle", "remote_api": false}])
    );
    assert_eq!(
        (&actor["aliases"], &actor["tags"], &actor["sort"]),
        (
            &json!(["testin"]),
            &json!(["testing", "Remote Origin"]),
            &json!("actor-11930")
        )
    );
    assert!(actor.get("tags_v2").is_none());
}

// One model: GET /api/v1/{model}/{id}/

fn model(sim: &Simulator, model_type: &str, id: u64) -> Value {
    let output = run(sim, "get_threat_model", json!({"model_type": model_type, "id": id}));
    assert_eq!(output["found"], true, "{output}");
    output["model"].clone()
}

#[test]
fn a_models_text_is_its_description_whichever_field_holds_it() {
    let sim = simulator();
    fixture("context/xsoar_model_description").serve(&sim, "/api/v1/actor/1/");
    fixture("context/xsoar_signature_notes").serve(&sim, "/api/v1/signature/2/");
    fixture("context/xsoar_tipreport_body").serve(&sim, "/api/v1/tipreport/3/");
    assert_eq!(
        model(&sim, "actor", 1),
        json!({"description": "<h1 style='color: #ffcc00;'>Test Summary HTML</h1>", "model_type": "actor"})
    );
    assert_eq!(
        model(&sim, "signature", 2),
        json!({"description": "test_description", "model_type": "signature"})
    );
    assert_eq!(
        model(&sim, "tipreport", 3),
        json!({"description": "test_description", "model_type": "tipreport"})
    );
    for request in sim.requests() {
        assert_eq!(
            request.query.as_deref(),
            Some("skip_intelligence=true&skip_associations=true"),
            "{}",
            request.path
        );
    }
}

#[test]
fn a_bulletin_and_a_campaign_as_threatfuse_shows_them() {
    let sim = simulator();
    fixture("context/threatfuse_tipreport").serve(&sim, "/api/v1/tipreport/38010/");
    fixture("context/threatfuse_campaign").serve(&sim, "/api/v1/campaign/32010/");
    let bulletin = model(&sim, "tipreport", 38010);
    assert_eq!(
        (
            &bulletin["id"],
            &bulletin["description"],
            &bulletin["publication_status"]
        ),
        (&json!(38010), &json!("<p>Bulletin text</p>"), &json!("published"))
    );
    assert_eq!(bulletin["tags"], json!(["Malware", "Phishing"]));
    assert_eq!(
        bulletin["owner_org"],
        json!({"id": 0, "name": "Analyst", "title": "Analyst"})
    );
    assert!(bulletin.get("body").is_none() && bulletin.get("tags_v2").is_none());
    let campaign = model(&sim, "campaign", 32010);
    assert_eq!(campaign["aliases"], json!(["Alias One"]));
    assert_eq!(campaign["tags"], json!(["Execution", "Persistence", "LateralMovement"]));
    assert_eq!(campaign["status"]["display_name"], "Historic");
    assert_eq!(
        (&campaign["description"], &campaign["publication_status"]),
        (&json!("<p>Campaign text</p>"), &json!("published"))
    );
}

#[test]
fn an_incident_and_a_bulletin_as_splunk_shows_them() {
    let sim = simulator();
    fixture("context/splunk_incident").serve(&sim, "/api/v1/incident/1000000003/");
    fixture("context/splunk_tipreport_string_id").serve(&sim, "/api/v1/tipreport/10890/");
    let incident = model(&sim, "incident", 1_000_000_003);
    assert_eq!(incident["tags"], json!(["test_name"]), "from tags_v2 alone");
    assert_eq!(incident["status"]["display_name"], "New");
    assert_eq!(incident["organization"]["id"], "67");
    assert!(incident.get("description").is_none());
    let bulletin = model(&sim, "tipreport", 10890);
    assert_eq!(
        (
            &bulletin["id"],
            &bulletin["publication_status"],
            &bulletin["description"]
        ),
        (&json!(10890), &json!("new"), &json!("test body"))
    );
}

// A model's observables: GET /api/v1/{model}/{id}/intelligence/

#[test]
fn a_models_observables_as_xsoar_shows_them() {
    let sim = simulator();
    fixture("context/xsoar_model_description").serve(&sim, "/api/v1/actor/7/");
    fixture("context/xsoar_model_intelligence").serve(&sim, "/api/v1/actor/7/intelligence/");
    let output = run(
        &sim,
        "get_threat_model",
        json!({"model_type": "actor", "id": 7, "include_observables": true}),
    );
    let observables = output["observables"].as_array().expect("observables");
    assert_eq!(observables.len(), 1, "a list without meta is one page");
    let observable = &observables[0];
    assert_eq!(
        (&observable["id"], &observable["itype"], &observable["meta"]["severity"]),
        (&json!(123_456_789), &json!("apt_md5"), &json!("medium"))
    );
    assert_eq!(
        observable["tags"][0],
        json!({"org_id": "11", "name": "test-tag-1", "id": "1qq"})
    );
    assert!(observable.get("asn").is_none() && observable.get("country").is_none());
}
