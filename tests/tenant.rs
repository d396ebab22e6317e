//! A broken or hostile tenant, or a proxy in front of it (issue 25): answers that say they failed are
//! failures on every route; writes are never redirected and reads never leave the instance with the
//! key; a retried write says when its first copy may have been applied; a step stops at its memory
//! budget, and `http` mode's steps share one.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Simulator};

use crate::harness::{connection, simulator, Invocation, Preset, Server};

const HASH_ID: u64 = 500_000_401;
const SESSION_ID: &str = "1000000344";
const MIB: usize = 1024 * 1024;

fn requests_to(sim: &Simulator, path: &str) -> usize {
    sim.requests().iter().filter(|request| request.path == path).count()
}

/// A 200 whose body says the request failed, for the next request to `path`.
fn failed_answer(path: &str, body: &str) -> FaultRule {
    FaultRule::new(Fault::Status {
        status: 200,
        body: body.to_owned(),
    })
    .path_exact(path)
}

#[test]
fn answers_that_say_they_failed_are_failures_on_every_route() {
    let sim = simulator();
    let routes = [
        (
            "get_threat_model",
            json!({"model_type": "actor", "id": 3101}),
            "/api/v1/actor/3101/",
        ),
        (
            "get_whois",
            json!({"value": "evil-domain.example"}),
            "/api/v1/inteldetails/whois/evil-domain.example/",
        ),
        (
            "get_import_session",
            json!({"import_session_id": SESSION_ID}),
            "/api/v1/importsession/1000000344/",
        ),
        (
            "lookup_ip",
            json!({"ip_address": "198.51.100.23"}),
            "/api/v2/intelligence/",
        ),
        ("get_comments", json!({"id": HASH_ID}), "/api/v2/intelligence/comments/"),
    ];
    for (action, input, path) in routes {
        for body in [
            r#"{"success": false, "error": "Not permitted for this account"}"#,
            r#"{"error": "Not permitted for this account", "message": "denied"}"#,
        ] {
            sim.add_fault_rule(failed_answer(path, body));
            let run = Invocation::run(action)
                .input(input.clone())
                .against(&sim)
                .fails(Preset::BadRequest);
            if !run.exception().data.contains("Not permitted for this account") {
                run.fail(&format!("{action}: the data should be ThreatStream's answer"));
            }
            sim.clear_faults();
        }
    }
}

/// Each write, the path it is sent to, and the action that checks whether it was applied.
fn writes() -> [(&'static str, Value, &'static str, &'static str); 3] {
    [
        (
            "add_comment",
            json!({"id": HASH_ID, "comment": "Seen in case 4711"}),
            "/api/v2/intelligence/comments/",
            "Get Comments",
        ),
        (
            "import_observables_without_approval",
            json!({"classification": "private", "observables": [{"value": "203.0.113.98", "itype": "c2_ip"}]}),
            "/api/v2/intelligence/",
            "Get Observables",
        ),
        (
            "reject_import_session",
            json!({"import_session_id": SESSION_ID}),
            "/api/v1/importsession/1000000344/",
            "Get Import Session",
        ),
    ]
}

#[test]
fn a_redirected_write_is_neither_followed_nor_reported_done() {
    let sim = simulator();
    for status in [301, 302, 303, 307, 308] {
        for (action, input, path, check) in writes() {
            sim.clear_requests();
            let location = format!("{}{path}", sim.url());
            sim.add_fault_rule(
                FaultRule::new(Fault::Redirect {
                    status,
                    location: location.clone(),
                })
                .path_exact(path),
            );
            let run = Invocation::run(action).input(input).against(&sim).errs();
            let exception = run.exception();
            let told = exception
                .cause
                .contains(&format!("redirect (HTTP {status}) to {location}"))
                && exception.cause.contains("not confirmed")
                && exception.cause.contains("ThreatStream may have applied")
                && exception.assistance.contains(check);
            if !told {
                run.fail(&format!(
                    "{action}, HTTP {status}: the error should name the target and say the write is unconfirmed"
                ));
            }
            assert_eq!(requests_to(&sim, path), 1, "{action}, HTTP {status}: followed");
            sim.clear_faults();
        }
    }
}

fn lookup_query() -> &'static str {
    "/api/v2/intelligence/?value=198.51.100.23&type=ip&limit=1000&offset=0"
}

#[test]
fn a_read_is_redirected_only_within_the_instance() {
    let sim = simulator();
    sim.add_fault_rule(
        FaultRule::new(Fault::Redirect {
            status: 302,
            location: lookup_query().into(),
        })
        .path_exact("/api/v2/intelligence/"),
    );
    let output = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .ok();
    assert!(
        !output["results"].as_array().unwrap_or(&Vec::new()).is_empty(),
        "{output}"
    );
    let requests = sim.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].header("authorization").is_some());

    let other = simulator();
    let port = sim.addr().port();
    for elsewhere in [
        format!("{}{}", other.url(), lookup_query()),
        format!("http://localhost:{port}{}", lookup_query()),
    ] {
        sim.clear_requests();
        sim.add_fault_rule(
            FaultRule::new(Fault::Redirect {
                status: 302,
                location: elsewhere.clone(),
            })
            .path_exact("/api/v2/intelligence/"),
        );
        let run = Invocation::run("lookup_ip")
            .input(json!({"ip_address": "198.51.100.23"}))
            .against(&sim)
            .errs();
        let cause = run.exception().cause;
        if !cause.contains(&elsewhere) || !cause.contains("was not sent there") {
            run.fail("the error should name the target and say the request was not sent there");
        }
        assert_eq!(sim.requests().len(), 1, "{elsewhere}: followed");
        assert!(other.requests().is_empty(), "{elsewhere}: another host saw the request");
    }
}

#[test]
fn a_reject_whose_retry_finds_the_session_gone_is_done() {
    let sim = simulator();
    sim.push_fault(Fault::Status {
        status: 502,
        body: "{}".into(),
    });
    sim.push_fault(Fault::Status {
        status: 404,
        body: r#"{"message": "Not found"}"#.into(),
    });
    let run = Invocation::run("reject_import_session")
        .input(json!({"import_session_id": SESSION_ID}))
        .against(&sim)
        .invoke();
    let event = run.event();
    if event.body.status != "ok" || event.body.output != Some(json!({"success": true})) {
        run.fail("the session is gone, which is what a rejection is for");
    }
    if !event.body.log.contains("most likely rejected it") || !event.body.log.contains("Taken as rejected") {
        run.fail("the log should say why the rejection counts as done");
    }
    assert_eq!(requests_to(&sim, "/api/v1/importsession/1000000344/"), 2);
}

#[test]
fn a_retried_write_refused_after_a_lost_answer_says_the_first_may_have_applied() {
    let sim = simulator();
    let path = "/api/v2/intelligence/bulk_tagging/";
    for fault in [
        Fault::DropConnection,
        Fault::Status {
            status: 404,
            body: r#"{"message": "Not found"}"#.into(),
        },
    ] {
        sim.add_fault_rule(FaultRule::new(fault).path_exact(path));
    }
    let run = Invocation::run("add_tags")
        .input(json!({"id": HASH_ID, "tags": ["campaign-7"]}))
        .against(&sim)
        .errs();
    let exception = run.exception();
    let told = exception.cause.starts_with(Preset::NotFound.texts().0)
        && exception.cause.contains("An earlier attempt got no answer")
        && exception.cause.contains("ThreatStream may have applied the tags")
        && exception.assistance.contains("Get Observables");
    if !told {
        run.fail("the error should say the first attempt may have applied the tags, and how to check");
    }
    assert_eq!(requests_to(&sim, path), 2);
}

#[test]
fn a_step_stops_at_its_memory_budget_and_names_it() {
    let sim = simulator();
    sim.add_fault_rule(FaultRule::new(Fault::HugeBody { bytes: 40 * MIB as u64 }).path_exact("/api/v2/intelligence/"));
    let mut small = connection(&sim);
    small["memory_budget"] = json!(16);
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .connection(small)
        .errs();
    let exception = run.exception();
    if !exception.cause.contains("Memory Budget of 16 MiB (memory_budget)") || !exception.assistance.contains("raise") {
        run.fail("the error should name the connection's budget and the setting");
    }
}

fn lookup(sim: &Simulator) -> Invocation<'_> {
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(sim)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_modes_steps_share_one_process_budget() {
    let sim = simulator();
    let by_flag = Server::start_with(&["--memory-budget", "16"], &[]);
    let by_variable = Server::start_with(&[], &[("ANOMALI_THREATSTREAM_MEMORY_BUDGET_MIB", "16")]);
    for server in [&by_flag, &by_variable] {
        sim.add_fault_rule(
            FaultRule::new(Fault::HugeBody { bytes: 40 * MIB as u64 }).path_exact("/api/v2/intelligence/"),
        );
        let refused = server.send("/actions/lookup_ip", &lookup(&sim)).await.expect(503);
        let cause = refused["body"]["exception"]["cause"].as_str().unwrap_or_default();
        assert!(cause.contains("memory budget of 16 MiB"), "{refused}");
        let answered = server.send("/actions/lookup_ip", &lookup(&sim)).await.expect(200);
        assert_eq!(answered["body"]["status"], "ok", "the budget came back: {answered}");
    }
}

/// A step that holds `MiB` of the process budget until its comment, delayed by `slow`, is posted.
fn holding(sim: &Simulator, mib: usize, slow: Duration) -> Invocation<'_> {
    let record = json!({"id": 7, "value": "evil-domain.example", "type": "domain", "padding": "x".repeat(mib * MIB)});
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 200,
            body: json!({"meta": {"next": null}, "objects": [record]}).to_string(),
        })
        .path_exact("/api/v2/intelligence/"),
    );
    sim.add_fault_rule(FaultRule::new(Fault::Slow(slow)).path_exact("/api/v2/intelligence/comments/"));
    Invocation::run("add_comment")
        .input(json!({"value": "evil-domain.example", "comment": "held"}))
        .against(sim)
}

/// Waits until the held step has read its answer: it has gone on to post its comment.
async fn until_held(sim: &Simulator) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while requests_to(sim, "/api/v2/intelligence/comments/") == 0 {
        assert!(Instant::now() < deadline, "the held step did not get to its comment");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_waits_for_room_and_is_refused_with_a_503_when_none_comes() {
    let sim = simulator();
    let server = std::sync::Arc::new(Server::start_with(&["--memory-budget", "16"], &[]));

    let held = holding(&sim, 12, Duration::from_secs(2)).message().to_string();
    let first = tokio::spawn({
        let server = std::sync::Arc::clone(&server);
        async move { server.post("/actions/add_comment", held).await }
    });
    until_held(&sim).await;
    let waited = server.send("/actions/lookup_ip", &lookup(&sim)).await.expect(200);
    assert_eq!(waited["body"]["status"], "ok", "{waited}");
    assert_eq!(first.await.expect("the held step").status, 200);

    sim.clear_requests();
    let held = holding(&sim, 12, Duration::from_secs(40)).message().to_string();
    let second = tokio::spawn({
        let server = std::sync::Arc::clone(&server);
        async move { server.post("/actions/add_comment", held).await }
    });
    until_held(&sim).await;
    let refused = server.send("/actions/lookup_ip", &lookup(&sim)).await.expect(503);
    assert_eq!(
        refused,
        json!({"error": "The plugin's memory budget is held by the steps in flight. No new work can be accepted now; try again later."})
    );
    second.abort();
}
