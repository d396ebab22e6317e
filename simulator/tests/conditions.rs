//! Latency on every API request, and faults aimed at one path: the test
//! equipment for concurrent fan-outs, where "the next request" means nothing.

use std::time::{Duration, Instant};

use serde_json::json;
use threatstream_simulator::{Fault, FaultRule, Simulator};

use crate::support::{auth, client, get, json_of, wait_for, BinProcess, KEY};

const WHOIS: &str = "/api/v1/inteldetails/whois/evil-domain.example/";
const PDNS: &str = "/api/v1/pdns/domain/evil-domain.example/";
const SEARCH: &str = "/api/v2/intelligence/?value=198.51.100.23";
/// A latency no test waits out: what it delays is held for the whole test.
const HELD: Duration = Duration::from_secs(600);
/// How long a test waits for what should happen at once, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(30);

fn forbidden() -> Fault {
    Fault::Status {
        status: 403,
        body: r#"{"message": "simulated 403"}"#.into(),
    }
}

/// Sends every request at once and returns their statuses in order.
async fn concurrently(sim: &Simulator, paths: &[&str]) -> Vec<u16> {
    let tasks: Vec<_> = paths
        .iter()
        .map(|path| {
            let url = format!("{}{path}", sim.url());
            tokio::spawn(async move {
                let response = client().get(url).header("authorization", auth()).send().await;
                response.expect("the simulator answers").status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("the request task finished"));
    }
    statuses
}

#[tokio::test]
async fn a_path_rule_fails_whois_while_concurrent_calls_succeed() {
    let sim = Simulator::start(KEY);
    sim.add_fault_rule(
        FaultRule::new(forbidden())
            .path_prefix("/api/v1/inteldetails/whois/")
            .always(),
    );
    let paths = [WHOIS, PDNS, SEARCH, WHOIS, PDNS, SEARCH];
    let statuses = concurrently(&sim, &paths).await;
    for (path, status) in paths.iter().zip(statuses) {
        let expected = if *path == WHOIS { 403 } else { 200 };
        assert_eq!(status, expected, "{path}");
    }
    sim.clear_faults();
    assert_eq!(get(&sim, WHOIS).await.status(), 200, "cleared");
}

#[tokio::test]
async fn a_counted_rule_wears_out_and_leaves_the_queue_alone() {
    let sim = Simulator::start(KEY);
    sim.push_fault(Fault::Html { status: 502 });
    sim.add_fault_rule(FaultRule::new(forbidden()).path_exact(WHOIS).times(2));
    assert_eq!(get(&sim, WHOIS).await.status(), 403);
    assert_eq!(get(&sim, WHOIS).await.status(), 403);
    assert_eq!(get(&sim, WHOIS).await.status(), 502, "the queued fault was still there");
    assert_eq!(get(&sim, WHOIS).await.status(), 200);
}

#[tokio::test]
async fn a_slow_rule_delays_only_its_path() {
    let sim = Simulator::start(KEY);
    sim.add_fault_rule(FaultRule::new(Fault::Slow(HELD)).path_prefix(PDNS).always());
    let stuck = client()
        .get(format!("{}{PDNS}", sim.url()))
        .header("authorization", auth())
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(stuck.is_err_and(|e| e.is_timeout()), "pdns is held");
    let whois = client()
        .get(format!("{}{WHOIS}", sim.url()))
        .header("authorization", auth())
        .timeout(DEADLINE)
        .send()
        .await
        .expect("whois was not held");
    assert_eq!(whois.status(), 200);
}

#[tokio::test]
async fn rules_arrive_through_the_control_route_in_the_old_json_plus_targeting() {
    let sim = Simulator::start(KEY);
    let body = json!([
        {"kind": "status", "status": 403, "path": "/api/v1/inteldetails/whois/", "times": "always"},
        {"status": 429, "path": PDNS, "match": "exact", "times": 1},
        {"kind": "html", "status": 502}
    ]);
    let queued = client()
        .post(format!("{}/__simulator/faults", sim.url()))
        .body(body.to_string())
        .send()
        .await
        .expect("an answer");
    assert_eq!(json_of(queued).await["queued"], 3);
    assert_eq!(get(&sim, PDNS).await.status(), 429);
    assert_eq!(get(&sim, WHOIS).await.status(), 403);
    assert_eq!(get(&sim, SEARCH).await.status(), 502);
    assert_eq!(get(&sim, WHOIS).await.status(), 403, "always");
    client()
        .delete(format!("{}/__simulator/faults", sim.url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(get(&sim, WHOIS).await.status(), 200);
}

#[tokio::test]
async fn latency_applies_to_each_request_side_by_side() {
    let latency = Duration::from_millis(300);
    let sim = Simulator::builder().api_key(KEY).latency(latency).start();
    let started = Instant::now();
    let statuses = concurrently(&sim, &[SEARCH, PDNS, WHOIS, SEARCH, PDNS, WHOIS]).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(elapsed >= latency, "{elapsed:?}: the latency was skipped");
    // Side by side: under a latency far longer than the wait, every request
    // reaches the simulator (which records it before the delay) while the
    // first is still held. In turn, the second would wait out the first.
    sim.set_latency(HELD);
    sim.clear_requests();
    let paths = [SEARCH, PDNS, WHOIS, SEARCH, PDNS, WHOIS];
    let held: Vec<_> = paths
        .iter()
        .map(|path| {
            let request = client()
                .get(format!("{}{path}", sim.url()))
                .header("authorization", auth());
            tokio::spawn(request.send())
        })
        .collect();
    wait_for("every request in the simulator's hands", DEADLINE, || async {
        (sim.requests().len() == paths.len()).then_some(())
    })
    .await;
    assert!(held.iter().all(|task| !task.is_finished()), "all are still held");
    held.iter().for_each(tokio::task::JoinHandle::abort);
}

#[tokio::test]
async fn latency_changes_through_the_control_route_and_spares_control_routes() {
    let sim = Simulator::start(KEY);
    let control = format!("{}/__simulator/latency", sim.url());
    let set = client()
        .put(&control)
        .body(r#"{"millis": 250}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(json_of(set).await["millis"], 250);
    assert_eq!(sim.latency(), Duration::from_millis(250));
    let started = Instant::now();
    get(&sim, SEARCH).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    // Under a latency no test waits out, a control route still answers and
    // an API request is held.
    let held = json!({"millis": HELD.as_millis()}).to_string();
    client().put(&control).body(held).send().await.expect("an answer");
    let read = client()
        .get(&control)
        .timeout(DEADLINE)
        .send()
        .await
        .expect("control routes are not delayed");
    assert_eq!(json_of(read).await["millis"], HELD.as_millis() as u64);
    let stuck = client()
        .get(format!("{}{SEARCH}", sim.url()))
        .header("authorization", auth())
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(stuck.is_err_and(|e| e.is_timeout()), "API requests are delayed");
    sim.set_latency(Duration::ZERO);
    let bad = client()
        .put(&control)
        .body(r#"{"seconds": 1}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn the_bin_takes_latency_and_sandbox_flags() {
    let bin = BinProcess::start(&[
        "--bulk-records",
        "1",
        "--latency-ms",
        "40",
        "--sandbox-processing-ms",
        "0",
        "--submit-response",
        "list",
    ]);
    let url = bin.url();
    let mut settings = Vec::new();
    for route in ["latency", "sandbox"] {
        let response = client().get(format!("{url}/__simulator/{route}")).send().await;
        settings.push(json_of(response.expect("an answer")).await);
    }
    assert_eq!(settings[0]["millis"], 40);
    assert_eq!(
        (
            settings[1]["processing_millis"].as_u64(),
            settings[1]["submit_response"].as_str()
        ),
        (Some(0), Some("list"))
    );
}
