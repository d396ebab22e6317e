//! The connection's Check Allowlist against the simulator: off, a lookup asks nothing more and its
//! verdict is 4.0.0's; on, every lookup (the typed ones, Get Observables, Lookup Observables, Enrich Observable) reads the
//! allowlist once per process, all pages, and an allowlisted value of the verdict seed is benign with
//! the entry named, matched by type (a CIDR block holding the address, a hash in capitals); `http`
//! mode reads it once for many steps, and again after an allowlist write; a list that cannot be read
//! fails the lookup before its search.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Simulator};

use crate::harness::{connection, simulator, Invocation, Server};

const LIST: &str = "/api/v1/orgwhitelist/";

fn checking(sim: &Simulator) -> Value {
    let mut connection = connection(sim);
    connection["check_allowlist"] = json!(true);
    connection
}

fn allowlist_reads(sim: &Simulator) -> usize {
    sim.requests().iter().filter(|request| request.path == LIST).count()
}

/// The verdict seed's malicious values, allowlisted by type: the address through a block.
fn allow_the_malicious_seed(sim: &Simulator) {
    sim.allow("cidr", "203.0.113.0/28", Some("Lab range (case 4711)"));
    sim.allow("domain", "malware-drop.example", None);
    sim.allow("url", "http://malware-drop.example/dropper.exe", None);
    sim.allow("md5", "E99A18C428CB38D5F260853678922E03", None);
    sim.allow("email", "ceo-fraud@malware-drop.example", None);
}

#[test]
fn allowlisted_values_are_benign_only_when_the_connection_asks() {
    let sim = simulator();
    allow_the_malicious_seed(&sim);
    let lookups = [
        ("lookup_ip", "ip_address", "203.0.113.11"),
        ("lookup_domain", "domain", "Malware-Drop.Example."),
        ("lookup_url", "url", "http://malware-drop.example/dropper.exe"),
        ("lookup_hash", "hash", "e99a18c428cb38d5f260853678922e03"),
        ("lookup_email", "email", "ceo-fraud@malware-drop.example"),
        ("get_observables", "value", "203.0.113.11"),
        ("enrich_observable", "value", "malware-drop.example"),
    ];
    for (action, input, value) in lookups {
        sim.clear_requests();
        let plain = Invocation::run(action).input(json!({input: value})).against(&sim).ok();
        assert_eq!(
            plain["verdict"]["verdict"], "malicious",
            "{action}: {}",
            plain["verdict"]
        );
        assert!(
            plain["verdict"].get("allowlisted").is_none(),
            "{action}: 4.0.0's verdict"
        );
        assert_eq!(allowlist_reads(&sim), 0, "{action}: off, the allowlist costs nothing");

        let checked = Invocation::run(action)
            .input(json!({input: value}))
            .against(&sim)
            .connection(checking(&sim))
            .ok();
        let verdict = &checked["verdict"];
        assert_eq!(
            (&verdict["verdict"], &verdict["score"], &verdict["allowlisted"]),
            (&json!("benign"), &json!(0), &json!(true)),
            "{action}: {verdict}"
        );
        let reason = verdict["reason"].as_str().unwrap_or_default();
        assert!(
            reason.starts_with("The organization's allowlist has this value (entry ")
                && reason.contains("By its records alone it would be malicious: Active record"),
            "{action}: {reason}"
        );
        assert_eq!(
            checked["results"], plain["results"],
            "{action}: the records are the same"
        );
        assert_eq!(allowlist_reads(&sim), 1, "{action}: one read of the allowlist");
    }

    let ip = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.11"}))
        .against(&sim)
        .connection(checking(&sim))
        .ok();
    assert!(
        ip["verdict"]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("cidr 203.0.113.0/28: Lab range (case 4711)"),
        "the entry and its note: {}",
        ip["verdict"]
    );
    let outside = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.16"}))
        .against(&sim)
        .connection(checking(&sim))
        .ok();
    assert_eq!(outside["verdict"]["allowlisted"], false, "outside the block");
    let suspicious = Invocation::run("lookup_domain")
        .input(json!({"domain": "suspicious-login.example"}))
        .against(&sim)
        .connection(checking(&sim))
        .ok();
    assert_eq!(
        (&suspicious["verdict"]["verdict"], &suspicious["verdict"]["allowlisted"]),
        (&json!("suspicious"), &json!(false)),
        "a value not on the list keeps its verdict"
    );
}

#[test]
fn the_bulk_lookup_reads_the_allowlist_once_for_every_verdict() {
    let sim = simulator();
    allow_the_malicious_seed(&sim);
    let observables = json!([
        "203.0.113.11",
        "malware-drop.example",
        "suspicious-login.example",
        "phisher@example.com"
    ]);
    let output = Invocation::run("lookup_observables")
        .input(json!({"observables": observables}))
        .against(&sim)
        .connection(checking(&sim))
        .ok();
    let judged: Vec<(&Value, &Value)> = output["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|entry| (&entry["verdict"], &entry["allowlisted"]))
        .collect();
    assert_eq!(
        judged,
        [
            (&json!("benign"), &json!(true)),
            (&json!("benign"), &json!(true)),
            (&json!("suspicious"), &json!(false)),
            (&json!("malicious"), &json!(false)),
        ]
    );
    assert_eq!(output["summary"]["benign"], 2);
    assert_eq!(allowlist_reads(&sim), 1);
}

#[test]
fn every_page_of_the_allowlist_counts() {
    let sim = simulator();
    sim.allow("ip", "203.0.113.11", Some("the oldest entry, on the last page"));
    for n in 0..2100 {
        sim.allow("domain", &format!("host-{n}.partner.example"), None);
    }
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.11"}))
        .against(&sim)
        .connection(checking(&sim))
        .ok();
    assert_eq!(output["verdict"]["allowlisted"], true, "{}", output["verdict"]);
    assert_eq!(allowlist_reads(&sim), 3);
    let query = sim
        .requests()
        .into_iter()
        .find(|request| request.path == LIST)
        .and_then(|request| request.query)
        .unwrap_or_default();
    assert!(query.contains("showNote=true"), "{query}");
}

#[test]
fn an_allowlist_that_cannot_be_read_fails_the_lookup_before_its_search() {
    let sim = simulator();
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 403,
            body: "{\"detail\": \"Forbidden\"}".into(),
        })
        .path_exact(LIST)
        .always(),
    );
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.11"}))
        .against(&sim)
        .connection(checking(&sim))
        .errs();
    let exception = run.exception();
    assert!(
        exception
            .cause
            .starts_with("The connection's Check Allowlist setting asks for the organization's allowlist"),
        "{exception:?}"
    );
    assert!(
        exception.assistance.contains("turn Check Allowlist off"),
        "{exception:?}"
    );
    assert!(
        sim.requests().iter().all(|request| request.path == LIST),
        "no search after the failure"
    );
    let plain = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "203.0.113.11"}))
        .against(&sim)
        .ok();
    assert_eq!(plain["verdict"]["verdict"], "malicious", "off, the list is never asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_mode_keeps_the_allowlist_until_it_writes_to_it() {
    let sim = simulator();
    let server = Server::start();
    let lookup = |value: &str| {
        Invocation::run("lookup_ip")
            .input(json!({"ip_address": value}))
            .against(&sim)
            .connection(checking(&sim))
            .message()
            .to_string()
    };
    for value in ["203.0.113.11", "203.0.113.12", "203.0.113.11"] {
        let answer = server.post("/actions/lookup_ip", lookup(value)).await.expect(200);
        assert_eq!(answer["body"]["output"]["verdict"]["allowlisted"], false);
    }
    assert_eq!(allowlist_reads(&sim), 1, "read once for the process");

    let add = Invocation::run("add_to_allowlist")
        .input(json!({"values": ["203.0.113.11"]}))
        .against(&sim)
        .connection(checking(&sim))
        .message()
        .to_string();
    server.post("/actions/add_to_allowlist", add).await.expect(200);
    let reads = allowlist_reads(&sim);
    let answer = server
        .post("/actions/lookup_ip", lookup("203.0.113.11"))
        .await
        .expect(200);
    let verdict = &answer["body"]["output"]["verdict"];
    assert_eq!(
        (&verdict["verdict"], &verdict["allowlisted"]),
        (&json!("benign"), &json!(true))
    );
    assert_eq!(allowlist_reads(&sim), reads + 1, "read again after the write");
}
