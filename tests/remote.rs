//! The connection's Remote API option against the simulator, an on-premises instance whose one cloud
//! observable (`cloud-only.example`, `remote_api: true` in its seed) only `remote_api=true` reaches:
//! off, nothing carries the parameter; on, associations always do (XSOAR), and a 404 on an observable
//! by ID is asked again in the cloud, where its writes then go (Splunk SOAR).

use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use crate::harness::{connection, simulator, Invocation};

/// The simulator's observable held in ThreatStream's cloud.
const CLOUD_ID: u64 = 500_000_901;

fn with_remote_api(sim: &Simulator) -> Value {
    let mut connection = connection(sim);
    connection["remote_api"] = json!(true);
    connection
}

/// Every request as `METHOD path?query`.
fn asked(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .map(|request| match request.query {
            Some(query) => format!("{} {}?{query}", request.method, request.path),
            None => format!("{} {}", request.method, request.path),
        })
        .collect()
}

fn tag_names(sim: &Simulator) -> Vec<String> {
    let record = sim.record(CLOUD_ID).expect("the cloud observable");
    let tags = record["tags"].as_array().cloned().unwrap_or_default();
    tags.iter()
        .filter_map(|tag| tag["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn without_remote_api_a_cloud_observable_is_not_found_and_nothing_asks_the_cloud() {
    let sim = simulator();
    let run = Invocation::run("add_tags")
        .input(json!({"id": CLOUD_ID, "tags": ["reviewed"]}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        format!("ThreatStream has no observable with ID {CLOUD_ID}.")
    );
    assert_eq!(asked(&sim), [format!("GET /api/v2/intelligence/{CLOUD_ID}/")]);
    assert_eq!(tag_names(&sim), ["cloud-feed"]);
}

#[test]
fn with_remote_api_a_cloud_observable_is_read_in_the_cloud_and_written_there() {
    let sim = simulator();
    let remote = with_remote_api(&sim);
    let output = Invocation::run("add_tags")
        .input(json!({"id": CLOUD_ID, "tags": ["reviewed"]}))
        .against(&sim)
        .connection(remote.clone())
        .ok();
    assert_eq!(output, json!({"success": true, "ids": [CLOUD_ID]}));
    let read = format!("GET /api/v2/intelligence/{CLOUD_ID}/");
    assert_eq!(
        asked(&sim),
        [
            read.clone(),
            format!("{read}?remote_api=true"),
            "POST /api/v2/intelligence/bulk_tagging/?remote_api=true".to_owned()
        ]
    );
    assert_eq!(tag_names(&sim), ["cloud-feed", "reviewed"]);

    sim.clear_requests();
    Invocation::run("update_observable")
        .input(json!({"id": CLOUD_ID, "confidence": 15}))
        .against(&sim)
        .connection(remote)
        .ok();
    let patched = format!("PATCH /api/v2/intelligence/{CLOUD_ID}/?remote_api=true");
    assert_eq!(asked(&sim)[2..], [patched]);
    assert_eq!(sim.record(CLOUD_ID).expect("kept")["confidence"], 15);
}

#[test]
fn with_remote_api_the_instances_own_observables_are_written_as_before() {
    let sim = simulator();
    Invocation::run("remove_tags")
        .input(json!({"id": 500_000_401, "tags": ["x"]}))
        .against(&sim)
        .connection(with_remote_api(&sim))
        .ok();
    assert_eq!(
        asked(&sim),
        [
            "GET /api/v2/intelligence/500000401/",
            "PATCH /api/v2/intelligence/bulk_remove_tags/"
        ]
    );
}

#[test]
fn association_look_ups_ask_the_cloud_only_with_remote_api() {
    for (remote_api, carried) in [(false, false), (true, true)] {
        let sim = simulator();
        let mut connection = connection(&sim);
        connection["remote_api"] = json!(remote_api);
        Invocation::run("enrich_observable")
            .input(json!({"value": "198.51.100.23", "sections": ["associations"]}))
            .against(&sim)
            .connection(connection)
            .ok();
        let associations: Vec<_> = sim
            .requests()
            .into_iter()
            .filter(|request| request.path.ends_with("/associated_with_intelligence/"))
            .collect();
        assert!(!associations.is_empty());
        for request in associations {
            let query = request.query_pairs();
            let has = query.contains(&("remote_api".to_owned(), "true".to_owned()));
            assert_eq!(has, carried, "remote_api {remote_api}: {query:?}");
        }
        let searches = sim.requests().into_iter().filter(|r| r.path == "/api/v2/intelligence/");
        assert!(
            searches
                .into_iter()
                .all(|r| !r.query.unwrap_or_default().contains("remote_api")),
            "searches never carry it"
        );
    }
}
