//! Threat context against the simulator: Enrich Observable's concurrent sections and partial
//! failures, passive DNS, and threat model search and detail (Get WHOIS has `whois.rs`).

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Simulator};

use crate::harness::{assert_untouched, simulator, Invocation, Preset, CANARY_KEY};

const WHOIS_PATHS: &str = "/api/v1/inteldetails/whois/";

fn enrich(sim: &Simulator, input: Value) -> Value {
    Invocation::run("enrich_observable").input(input).against(sim).ok()
}

fn status_rule(status: u16, path: &str) -> FaultRule {
    let body = json!({"message": format!("simulated {status}")}).to_string();
    FaultRule::new(Fault::Status { status, body })
        .path_prefix(path)
        .always()
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|model| model["id"].as_u64().unwrap_or_default())
        .collect()
}

fn field<'a>(list: &'a Value, name: &str) -> Vec<&'a str> {
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .map(|item| item[name].as_str().unwrap_or_default())
        .collect()
}

fn paths(sim: &Simulator) -> Vec<String> {
    let mut paths: Vec<String> = sim.requests().into_iter().map(|request| request.path).collect();
    paths.sort();
    paths
}

#[test]
fn enrich_an_ip_tells_its_whole_story() {
    let sim = simulator();
    let output = enrich(&sim, json!({"value": "198.51.100.23"}));
    assert_eq!(output["observable"], json!({"value": "198.51.100.23", "type": "ip"}));
    assert_eq!(output["records_found"], 2);
    assert_eq!(field(&output["records"], "value"), ["198.51.100.23", "198.51.100.23"]);
    let verdict = &output["verdict"];
    assert_eq!(verdict["verdict"], "malicious", "{verdict}");
    assert_eq!(
        (verdict["matched_records"].clone(), verdict["confidence"].clone()),
        (json!(2), json!(87))
    );
    let associations = &output["associations"];
    assert_eq!(
        associations["actor"],
        json!([{"id": 3101, "name": "Lazy Quokka", "published_ts": "2023-09-15T08:00:00",
                "modified_ts": "2024-03-02T18:00:12.000000"}])
    );
    assert_eq!(ids(&associations["campaign"]), [3201]);
    assert_eq!(ids(&associations["incident"]), [3301]);
    assert_eq!(ids(&associations["malware"]), [3401]);
    assert_eq!(ids(&associations["signature"]), [3701]);
    assert_eq!(ids(&associations["tipreport"]), [3801]);
    assert_eq!(ids(&associations["vulnerability"]), [3601]);
    assert_eq!(associations["ttp"], json!([]));
    assert_eq!(
        field(&output["passive_dns"], "last_seen"),
        [
            "2024-03-04 08:30:00",
            "2024-03-01 19:00:11",
            "2024-02-28 23:59:59",
            "2023-01-30 18:22:05"
        ],
        "newest first"
    );
    let whois = &output["whois"];
    assert_eq!(whois["created"], "2010-01-26");
    assert_eq!(whois["updated"], "2024-01-15");
    assert_eq!(whois["registrant_organization"], "Example Hosting B.V.");
    assert!(whois["raw"].as_str().is_some_and(|raw| raw.contains("NetRange:")));
    assert_eq!(
        field(&output["insights"], "type"),
        ["reputation", "geolocation", "pdns"]
    );
    // ThreatStream's object of service name to link, its boolean remote_api left out.
    assert_eq!(
        field(&output["references"], "name"),
        ["VirusTotal", "Google Safe Browsing", "IPVoid", "Shodan", "urlscan.io"]
    );
    assert_eq!(
        output["references"][3],
        json!({"name": "Shodan", "url": "https://www.shodan.io/host/198.51.100.23"})
    );
    assert_eq!(output["unavailable"], json!([]));
}

#[test]
fn enrich_makes_each_call_once_with_the_key_in_the_header_only() {
    let sim = simulator();
    enrich(&sim, json!({"value": "198.51.100.23", "limit": 5}));
    let mut expected: Vec<String> = [
        "actor",
        "campaign",
        "incident",
        "malware",
        "signature",
        "tipreport",
        "ttp",
        "vulnerability",
    ]
    .iter()
    .map(|model| format!("/api/v1/{model}/associated_with_intelligence/"))
    .collect();
    expected.extend(
        [
            "/api/v1/inteldetails/automatic/",
            "/api/v1/inteldetails/confidence_trend/",
            "/api/v1/inteldetails/insights/",
            "/api/v1/inteldetails/references/198.51.100.23/",
            "/api/v1/inteldetails/whois/198.51.100.23/",
            "/api/v1/pdns/ip/198.51.100.23/",
            "/api/v2/intelligence/",
        ]
        .map(str::to_owned),
    );
    expected.sort();
    assert_eq!(paths(&sim), expected);
    let authorization = format!("apikey analyst@example.com:{CANARY_KEY}");
    for request in sim.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(authorization.as_str()),
            "{}",
            request.path
        );
        assert!(!request.query.as_deref().unwrap_or_default().contains(CANARY_KEY));
        if request.path.ends_with("/associated_with_intelligence/") {
            let query = request.query_pairs();
            assert_eq!(
                query,
                [("value".into(), "198.51.100.23".into()), ("limit".into(), "5".into())]
            );
        }
        if request.path == "/api/v1/inteldetails/insights/" {
            assert_eq!(
                request.query_pairs(),
                [("type".into(), "ip".into()), ("value".into(), "198.51.100.23".into())]
            );
        }
    }
}

#[test]
fn enrich_survives_a_forbidden_whois_and_says_so() {
    let sim = simulator();
    sim.add_fault_rule(status_rule(403, WHOIS_PATHS));
    let output = enrich(&sim, json!({"value": "198.51.100.23"}));
    assert_eq!(
        output["unavailable"],
        json!([{"section": "whois", "status": 403,
            "reason": "the account may not read WHOIS data (HTTP 403); ThreatStream grants it per module and per user"}])
    );
    assert!(output.get("whois").is_none());
    assert_eq!(ids(&output["associations"]["actor"]), [3101]);
    assert_eq!(output["passive_dns"].as_array().map(Vec::len), Some(4));
    assert_eq!(output["insights"].as_array().map(Vec::len), Some(3));
}

/// A 404 is no failure: ThreatStream has none, as Get Passive DNS and Get WHOIS read it too.
#[test]
fn enrich_lists_each_failed_section_with_its_reason() {
    let sim = simulator();
    sim.add_fault_rule(status_rule(404, "/api/v1/inteldetails/references/"));
    sim.add_fault_rule(status_rule(403, "/api/v1/vulnerability/"));
    sim.add_fault_rule(status_rule(500, "/api/v1/pdns/"));
    let output = enrich(&sim, json!({"value": "198.51.100.23"}));
    assert_eq!(
        output["unavailable"],
        json!([
            {"section": "associations.vulnerability", "status": 403,
             "reason": "the account may not read associations (HTTP 403); ThreatStream grants it per module and per user"},
            {"section": "passive_dns", "status": 500, "reason": "ThreatStream answered HTTP 500"}
        ])
    );
    assert!(output["associations"].get("vulnerability").is_none());
    assert_eq!(ids(&output["associations"]["campaign"]), [3201]);
    assert!(output.get("passive_dns").is_none());
    assert_eq!(output["references"], json!([]));
    assert_eq!(output["whois"]["registrant_organization"], "Example Hosting B.V.");
}

#[test]
fn a_401_on_any_section_fails_the_whole_enrichment() {
    let sim = simulator();
    sim.add_fault_rule(status_rule(401, "/api/v1/inteldetails/insights/"));
    Invocation::run("enrich_observable")
        .input(json!({"value": "198.51.100.23"}))
        .against(&sim)
        .fails(Preset::InvalidCredentials);
}

#[test]
fn a_failed_lookup_fails_the_enrichment() {
    let sim = simulator();
    sim.add_fault_rule(status_rule(500, "/api/v2/intelligence/"));
    Invocation::run("enrich_observable")
        .input(json!({"value": "198.51.100.23"}))
        .against(&sim)
        .fails(Preset::ServerError);
}

#[test]
fn enrich_a_domain_reads_its_registrar_whois() {
    let sim = simulator();
    let output = enrich(
        &sim,
        json!({"value": "Evil-Domain[.]Example", "include_records": false, "limit": 2}),
    );
    assert_eq!(
        output["observable"],
        json!({"value": "evil-domain.example", "type": "domain"})
    );
    // Two seeded records, and a third stored as `Evil-Domain.Example`: a domain in any letter case.
    assert_eq!(output["records_found"], 3);
    assert!(output.get("records").is_none());
    let whois = &output["whois"];
    assert_eq!(whois["registrar"], "Registrar Parking LLC");
    assert_eq!(whois["created"], "2023-11-19T22:41:53Z");
    assert_eq!(whois["expires"], "2024-11-19T22:41:53Z");
    assert_eq!(
        whois["name_servers"],
        json!(["ns1.bulletproof-dns.example", "ns2.bulletproof-dns.example"])
    );
    assert_eq!(whois["registrant_organization"], "Pebble Harvest Holdings");
    assert_eq!(
        field(&output["passive_dns"], "ip"),
        ["198.51.100.23", "2001:db8::bad:c0de"],
        "the two newest of four"
    );
    assert_eq!(ids(&output["associations"]["ttp"]), [3501]);
    assert_eq!(ids(&output["associations"]["malware"]), [3402]);
}

#[test]
fn enrich_a_url_sends_it_as_one_path_segment_and_skips_what_does_not_apply() {
    let sim = simulator();
    let url = "http://malicious.example.net/payload.exe";
    let output = enrich(&sim, json!({"value": url}));
    assert_eq!(output["observable"]["type"], "url");
    assert_eq!(output["records_found"], 1);
    assert_eq!(ids(&output["associations"]["campaign"]), [3201]);
    assert_eq!(ids(&output["associations"]["malware"]), [3403]);
    assert_eq!(field(&output["references"], "name"), ["urlscan.io"]);
    assert_eq!(
        output["unavailable"],
        json!([]),
        "left to the default, inapplicable sections are skipped"
    );
    let paths = paths(&sim);
    assert!(
        paths.contains(&"/api/v1/inteldetails/references/http:%2F%2Fmalicious.example.net%2Fpayload.exe/".to_owned()),
        "{paths:?}"
    );
    assert!(!paths
        .iter()
        .any(|p| p.contains("/pdns/") || p.contains("/whois/") || p.contains("/insights/")));
}

#[test]
fn enrich_lists_asked_sections_that_do_not_apply() {
    let sim = simulator();
    let output = enrich(
        &sim,
        json!({"value": "44D88612FEA8A8F36DE82E1278ABB02F", "sections": ["passive_dns", "insights"]}),
    );
    assert_eq!(
        output["observable"],
        json!({"value": "44d88612fea8a8f36de82e1278abb02f", "type": "hash"})
    );
    assert_eq!(
        output["unavailable"],
        json!([{"section": "passive_dns", "reason": "passive DNS is kept for IP addresses and domains"}])
    );
    assert_eq!(field(&output["insights"], "source"), ["VirusTotal"]);
    assert!(output.get("associations").is_none() && output.get("references").is_none());
    let insights = sim
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/insights/"))
        .expect("insights asked");
    assert_eq!(insights.query_pairs()[0], ("type".to_owned(), "md5".to_owned()));
    assert_eq!(sim.requests().len(), 2, "the lookup and insights only");
}

#[test]
fn enrich_an_email_finds_its_actor() {
    let sim = simulator();
    let output = enrich(&sim, json!({"value": "phisher@example.org", "type": "email"}));
    assert_eq!(ids(&output["associations"]["actor"]), [3102]);
    // A plain-text insight, and references that are only ThreatStream's remote_api flag: none.
    assert_eq!(
        output["insights"],
        json!([{"insight": "Sender of 12 reported invoice-themed phishing mails."}])
    );
    assert_eq!(output["references"], json!([]));
    assert!(output.get("whois").is_none() && output.get("passive_dns").is_none());
}

#[test]
fn enrich_refuses_bad_inputs_before_any_request() {
    let sim = simulator();
    for (input, named) in [
        (json!({"value": ""}), "value"),
        (json!({"value": "   "}), "value"),
        (json!({}), "value"),
        (json!({"value": "198.51.100.0/24"}), "value"),
        (json!({"value": "not an observable"}), "value"),
        (json!({"value": "evil-domain.example", "type": "ip"}), "value"),
        (json!({"value": "198.51.100.23", "type": "mac"}), "type"),
        (json!({"value": "198.51.100.23", "sections": ["dns"]}), "sections"),
        (json!({"value": "198.51.100.23", "limit": 1001}), "limit"),
        (json!({"value": "198.51.100.23", "extra": true}), "extra"),
    ] {
        Invocation::run("enrich_observable")
            .input(input)
            .against(&sim)
            .refused_naming(named);
    }
    assert_untouched(&sim);
}

#[test]
fn passive_dns_comes_newest_first_up_to_the_limit() {
    let sim = simulator();
    let output = Invocation::run("get_passive_dns")
        .input(json!({"value": "evil-domain.example", "limit": 3}))
        .against(&sim)
        .ok();
    assert_eq!(
        field(&output["results"], "ip"),
        ["198.51.100.23", "2001:db8::bad:c0de", "198.51.100.52"]
    );
    let requests = sim.requests();
    assert_eq!(requests[0].path, "/api/v1/pdns/domain/evil-domain.example/");
    let ipv6 = Invocation::run("get_passive_dns")
        .input(json!({"value": "2001:DB8::BAD:C0DE"}))
        .against(&sim)
        .ok();
    assert_eq!(field(&ipv6["results"], "domain"), ["evil-domain.example"]);
    assert_eq!(sim.requests()[1].path, "/api/v1/pdns/ip/2001:db8::bad:c0de/");
}

#[test]
fn passive_dns_without_history_is_empty_and_a_403_names_the_access() {
    let sim = simulator();
    let none = Invocation::run("get_passive_dns")
        .input(json!({"value": "192.0.2.1"}))
        .against(&sim)
        .ok();
    assert_eq!(none, json!({"results": []}));
    sim.add_fault_rule(status_rule(404, "/api/v1/pdns/"));
    let missing = Invocation::run("get_passive_dns")
        .input(json!({"value": "192.0.2.1"}))
        .against(&sim)
        .ok();
    assert_eq!(missing, json!({"results": []}));
    sim.clear_faults();
    sim.add_fault_rule(status_rule(403, "/api/v1/pdns/"));
    let run = Invocation::run("get_passive_dns")
        .input(json!({"value": "192.0.2.1"}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(exception.cause, Preset::Unauthorized.texts().0);
    assert!(
        exception
            .assistance
            .starts_with("The account configured in the connection may not read passive DNS."),
        "{}",
        exception.assistance
    );
}

#[test]
fn standalone_actions_refuse_what_they_cannot_look_up() {
    let sim = simulator();
    for (action, input, named) in [
        ("get_whois", json!({"value": "http://evil-domain.example/x"}), "value"),
        ("get_whois", json!({"value": "phisher@example.org"}), "value"),
        ("get_whois", json!({"value": ""}), "value"),
        (
            "get_passive_dns",
            json!({"value": "44d88612fea8a8f36de82e1278abb02f"}),
            "value",
        ),
        (
            "get_passive_dns",
            json!({"value": "198.51.100.23", "limit": 1001}),
            "limit",
        ),
        ("search_threat_models", json!({}), "model_types"),
        (
            "search_threat_models",
            json!({"name": " ", "keyword": ""}),
            "model_types",
        ),
        (
            "search_threat_models",
            json!({"model_types": ["dragon"]}),
            "model_types",
        ),
        ("search_threat_models", json!({"tags": ["a,b"]}), "tags"),
        (
            "search_threat_models",
            json!({"modified_since": "yesterday"}),
            "modified_since",
        ),
        (
            "search_threat_models",
            json!({"keyword": "emotet", "limit": 1001}),
            "limit",
        ),
        (
            "get_threat_model",
            json!({"model_type": "dragon", "id": 3101}),
            "model_type",
        ),
        ("get_threat_model", json!({"model_type": "actor", "id": 0}), "id"),
        ("get_threat_model", json!({"model_type": "actor", "id": -1}), "id"),
        ("get_threat_model", json!({"model_type": "actor"}), "id"),
    ] {
        Invocation::run(action).input(input).against(&sim).refused_naming(named);
    }
    assert_untouched(&sim);
}

#[test]
fn search_threat_models_sends_every_criterion() {
    let sim = simulator();
    let output = Invocation::run("search_threat_models")
        .input(
            json!({"model_types": ["actor", "campaign"], "keyword": "emotet", "publication_status": ["published"],
            "modified_since": "2024-01-01T00:00:00Z", "limit": 10}),
        )
        .against(&sim)
        .ok();
    assert_eq!(
        field(&output["results"], "name"),
        ["Operation Pebble Harvest", "Lazy Quokka"]
    );
    assert_eq!(output["results"][1]["tags"], json!(["emotet", "crimeware"]));
    assert_eq!(output["results"][1]["model_type"], "actor");
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/api/v1/threat_model_search/");
    let expected = [
        ("model_type", "actor,campaign"),
        ("value", "emotet"),
        ("publication_status", "published"),
        ("modified_ts__gte", "2024-01-01T00:00:00"),
        ("order_by", "-modified_ts"),
        ("limit", "10"),
        ("offset", "0"),
    ];
    assert_eq!(
        requests[0].query_pairs(),
        expected.map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

#[test]
fn search_threat_models_follows_pages_up_to_the_limit() {
    let sim = simulator();
    // ThreatStream may answer with fewer models than asked and a next page: the rest comes by its link.
    let short_page = json!({"meta": {"next": "/api/v1/threat_model_search/?offset=1"},
        "objects": [{"id": 1, "model_type": "actor", "name": "first page"}]});
    let rule = FaultRule::new(Fault::Status {
        status: 200,
        body: short_page.to_string(),
    })
    .path_exact("/api/v1/threat_model_search/");
    sim.add_fault_rule(rule);
    let output = Invocation::run("search_threat_models")
        .input(json!({"tags": ["crimeware"], "limit": 4}))
        .against(&sim)
        .ok();
    assert_eq!(output["results"].as_array().map(Vec::len), Some(4));
    assert_eq!(output["results"][0]["name"], "first page");
    // The second page is the one the link names, with the search's parameters it lacks added.
    let queries: Vec<Option<String>> = sim.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            Some("tags=crimeware&order_by=-modified_ts&limit=4&offset=0".to_owned()),
            Some("offset=1&tags=crimeware&order_by=-modified_ts&limit=3".to_owned())
        ]
    );
}

#[test]
fn search_threat_models_stops_a_server_that_pages_without_end() {
    let sim = simulator();
    let empty = json!({"meta": {"next": "/api/v1/threat_model_search/?offset=0"}, "objects": []});
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 200,
            body: empty.to_string(),
        })
        .always(),
    );
    let run = Invocation::run("search_threat_models")
        .input(json!({"keyword": "emotet"}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        "ThreatStream kept announcing more pages without end."
    );
    assert_eq!(sim.requests().len(), 1);
}

#[test]
fn get_threat_model_reads_a_bulletin_and_its_observables() {
    let sim = simulator();
    let output = Invocation::run("get_threat_model")
        .input(json!({"model_type": "tipreport", "id": 3801, "include_observables": true}))
        .against(&sim)
        .ok();
    assert_eq!(output["found"], true);
    let model = &output["model"];
    assert_eq!(model["name"], "Threat bulletin: Operation Pebble Harvest");
    assert!(model["description"]
        .as_str()
        .is_some_and(|text| text.starts_with("<h1>Operation Pebble Harvest")));
    assert!(model.get("body").is_none());
    assert_eq!(
        model["tags"],
        json!(["emotet", "bulletin"]),
        "names of tags and tags_v2, once"
    );
    assert!(model.get("tags_v2").is_none());
    assert_eq!(model["model_type"], "tipreport");
    assert_eq!(model["publication_status"], "published", "a bulletin's status");
    let detail = sim.requests().into_iter().find(|r| r.path == "/api/v1/tipreport/3801/");
    assert_eq!(
        detail.map(|r| r.query_pairs()),
        Some(vec![
            ("skip_intelligence".to_owned(), "true".to_owned()),
            ("skip_associations".to_owned(), "true".to_owned())
        ]),
        "the model without what the observables call pages through"
    );
    assert_eq!(
        field(&output["observables"], "value"),
        ["198.51.100.23", "evil-domain.example"]
    );
    let mut paths = paths(&sim);
    paths.dedup();
    assert_eq!(
        paths,
        ["/api/v1/tipreport/3801/", "/api/v1/tipreport/3801/intelligence/"]
    );
}

#[test]
fn get_threat_model_without_observables_makes_one_call_and_a_404_is_not_found() {
    let sim = simulator();
    let signature = Invocation::run("get_threat_model")
        .input(json!({"model_type": "signature", "id": 3701}))
        .against(&sim)
        .ok();
    assert!(signature["model"]["description"]
        .as_str()
        .is_some_and(|text| text.starts_with("alert tcp")));
    assert!(signature.get("observables").is_none());
    assert_eq!(sim.requests().len(), 1);
    let missing = Invocation::run("get_threat_model")
        .input(json!({"model_type": "actor", "id": 999_999, "include_observables": true}))
        .against(&sim)
        .ok();
    assert_eq!(missing, json!({"found": false}));
}
