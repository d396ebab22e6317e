//! `http` mode over real loopback HTTP: the binary started as `http --port 0 --bind 127.0.0.1`, the
//! simulator behind it and reqwest in front. Every route, the runtime's status codes and error pages,
//! masking, answers equal to `run`'s, concurrency, a slow upstream, no state leaking between steps,
//! and a graceful SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use threatstream_simulator::{Fault, Simulator};

use crate::harness::{connection, simulator, Answer, Invocation, Server, CANARY_KEY};

fn lookup_ip(sim: &Simulator) -> Invocation<'_> {
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(sim)
}

/// The runtime's error page for an aborted request (protocol reference §5.2).
fn error_page(server: &Server, code: u16, name: &str, method: &str, path: &str, description: &str) -> Value {
    json!({"code": code, "description": description, "method": method, "name": name, "response": null,
           "url": server.url(path)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_get_route_answers_like_the_runtime() {
    let server = Server::start();
    let spec: Value = serde_norway::from_str(include_str!("../plugin.spec.yaml")).expect("spec");
    let ids: Vec<&str> = anomali_threatstream::action_ids().collect();

    assert_eq!(
        server.get("/api/v1/status").await.expect(200),
        json!({"status": "Ready"})
    );
    assert_eq!(server.get("/api/v1/actions").await.expect(200), json!(ids));
    let keys = |kind: &str| -> Vec<String> {
        spec[kind]
            .as_object()
            .map(|steps| steps.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(
        server.get("/api/v1/triggers").await.expect(200),
        json!(keys("triggers"))
    );
    assert_eq!(server.get("/api/v1/tasks").await.expect(200), json!(keys("tasks")));

    let info = server.get("/api/v1/info").await.expect(200);
    for field in [
        "name",
        "description",
        "version",
        "vendor",
        "plugin_spec_version",
        "title",
        "support",
        "tags",
        "enable_cache",
    ] {
        assert_eq!(info[field], spec[field], "info.{field}");
    }
    assert_eq!(info["number_of_workers"], 1);
    assert!(info["threads"].as_u64().is_some_and(|threads| threads >= 1));
    assert_eq!(info["sdk_version"], "6.6.1");

    let as_json = server.get("/api/v1/spec").await;
    assert!(as_json.content_type.starts_with("application/json"), "{as_json:?}");
    assert_eq!(as_json.expect(200), spec);
    assert_eq!(server.get("/api/v1/spec?format=json").await.expect(200), spec);
    let as_yaml = server.get("/api/v1/spec?format=yaml").await;
    assert_eq!(
        (as_yaml.status, as_yaml.text.as_str()),
        (200, include_str!("../plugin.spec.yaml"))
    );
    let unsupported = json!({"error": "The specified format is not supported"});
    assert_eq!(server.get("/api/v1/spec?format=xml").await.expect(422), unsupported);
    assert_eq!(server.get("/api/v1/api?format=toml").await.expect(422), unsupported);

    for id in &ids {
        let section = server.get(&format!("/api/v1/actions/{id}")).await.expect(200);
        let entry = &spec["actions"][*id];
        assert_eq!(
            section,
            json!({"title": entry["title"], "description": entry["description"],
                   "input": entry["input"], "output": entry["output"]}),
            "{id}"
        );
    }
    assert_eq!(
        server.get("/api/v1/actions/no_such_action").await.expect(400),
        json!({"error": "Action no_such_action does not exist"})
    );

    let connection = server.get("/api/v1/connection").await.expect(200);
    let keys: Vec<&String> = connection.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["properties", "required", "title", "type"]);
    assert_eq!(connection["required"], json!(["username", "url", "api_key"]));
    assert_eq!(connection["type"], "object");

    let definitions = server.get("/api/v1/definitions/actions").await.expect(200);
    let definitions = definitions["actionsDefinitions"].as_array().expect("a list").clone();
    assert_eq!(
        definitions.iter().map(|d| d["identifier"].clone()).collect::<Vec<_>>(),
        json!(ids).as_array().cloned().unwrap_or_default()
    );
    assert_eq!(
        definitions[0]["inputJsonSchema"]["properties"]["ip_address"]["title"],
        "IP Address"
    );

    let api = server.get("/api/v1/api").await.expect(200);
    assert_eq!(api["swagger"], "2.0");
    for (path, method) in [
        ("/actions/{name}", "post"),
        ("/actions/{name}/test", "post"),
        ("/api/v1/actions/{name}", "post"),
        ("/api/v1/actions/{name}", "get"),
        ("/api/v1/actions/{name}/test", "post"),
        ("/api/v1/connection/test", "post"),
        ("/api/v1/info", "get"),
        ("/api/v1/spec", "get"),
        ("/api/v1/status", "get"),
        ("/api/v1/actions", "get"),
        ("/api/v1/connection", "get"),
        ("/api/v1/definitions/actions", "get"),
        ("/api/v1/api", "get"),
    ] {
        assert!(api["paths"][path][method].is_object(), "{method} {path} is documented");
    }
    let api_yaml = server.get("/api/v1/api?format=yaml").await;
    assert_eq!(api_yaml.status, 200);
    assert_eq!(serde_norway::from_str::<Value>(&api_yaml.text).expect("YAML"), api);

    assert_eq!(
        server.get("/api/v1/admin/status").await.expect(200),
        json!({"active_work": 0, "shutdown_initiated": false, "shutdown_safe": true})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_get_the_runtime_error_page() {
    let server = Server::start();
    let not_found = "The requested URL was not found on the server. If you entered the URL manually please check \
                     your spelling and try again.";
    let not_allowed = "The method is not allowed for the requested URL.";
    assert_eq!(
        server.get("/nope?x=1").await.expect(404),
        error_page(&server, 404, "Not Found", "GET", "/nope?x=1", not_found)
    );
    assert_eq!(
        server.post("/api/v1/workflows/t/test", "{}").await.expect(404),
        error_page(&server, 404, "Not Found", "POST", "/api/v1/workflows/t/test", not_found)
    );
    // The runtime registers only GET for a trigger: a trigger never runs over HTTP.
    assert_eq!(
        server.post("/api/v1/triggers/new_observables", "{}").await.expect(405),
        error_page(
            &server,
            405,
            "Method Not Allowed",
            "POST",
            "/api/v1/triggers/new_observables",
            not_allowed
        )
    );
    assert_eq!(
        server.get("/actions/lookup_ip").await.expect(405),
        error_page(
            &server,
            405,
            "Method Not Allowed",
            "GET",
            "/actions/lookup_ip",
            not_allowed
        )
    );
    assert_eq!(
        server.post("/api/v1/info", "").await.expect(405),
        error_page(&server, 405, "Method Not Allowed", "POST", "/api/v1/info", not_allowed)
    );
    assert_eq!(
        server
            .request(reqwest::Method::DELETE, "/api/v1/connection/test")
            .await
            .expect(405),
        error_page(
            &server,
            405,
            "Method Not Allowed",
            "DELETE",
            "/api/v1/connection/test",
            not_allowed
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_posted_answers_the_envelope_run_prints() {
    let sim = simulator();
    let server = Server::start();
    let mut wrong_key = connection(&sim);
    wrong_key["api_key"] = json!({"secretKey": "wrong-key"});
    let cases = [
        (lookup_ip(&sim).meta(json!({"jobId": "j-1"})), 200),
        (
            Invocation::run("lookup_url")
                .input(json!({"url": "http://malicious.example.net/payload.exe"}))
                .against(&sim),
            200,
        ),
        (
            Invocation::run("lookup_hash")
                .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
                .against(&sim),
            200,
        ),
        (
            Invocation::run("lookup_ip")
                .input(json!({"ip_address": "nope"}))
                .against(&sim),
            400,
        ),
        (Invocation::run("lookup_ip").input(json!({})).against(&sim), 400),
        (lookup_ip(&sim).connection(wrong_key), 400),
        (lookup_ip(&sim).connection(json!({"username": "u"})), 400),
    ];
    for (invocation, status) in cases {
        let message = invocation.message();
        let action = message["body"]["action"].as_str().unwrap_or_default().to_owned();
        for path in [format!("/actions/{action}"), format!("/api/v1/actions/{action}")] {
            let served = server.post(&path, message.to_string()).await;
            let printed = Invocation::run(&action).stdin_raw(message.to_string()).invoke().json();
            assert_eq!(served.expect(status), printed, "{path} {message}");
        }
    }

    // The test routes answer what `test` prints.
    let message = lookup_ip(&sim).message();
    let served = server.post("/actions/lookup_ip/test", message.to_string()).await;
    let printed = Invocation::test("lookup_ip")
        .stdin_raw(message.to_string())
        .invoke()
        .json();
    assert_eq!(served.expect(200), printed);
    assert_eq!(printed["body"]["output"], json!({"connection": "Successful"}));
    let served = server.post("/api/v1/actions/lookup_ip/test", message.to_string()).await;
    assert_eq!(served.expect(200), printed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_test_route_answers_connection_test_events() {
    let sim = simulator();
    let server = Server::start();
    let message =
        json!({"version": "v1", "type": "connection_test", "body": {"connection": connection(&sim), "meta": {}}});
    let event = server
        .post("/api/v1/connection/test", message.to_string())
        .await
        .expect(200);
    assert_eq!(event["type"], "connection_test");
    assert_eq!(event["body"]["output"], json!({"connection": "Successful"}));

    let mut wrong = message.clone();
    wrong["body"]["connection"]["api_key"] = json!({"secretKey": "wrong-key"});
    let event = server
        .post("/api/v1/connection/test", wrong.to_string())
        .await
        .expect(400);
    let error = event["body"]["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("Connection test failed!\n\nAuthentication failed"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_the_runtime_answers() {
    let sim = simulator();
    let server = Server::start();
    let empty = json!({"error": "Empty input provided"});
    for body in ["", "  ", "{}", "null", "[]"] {
        assert_eq!(
            server.post("/actions/lookup_ip", body).await.expect(400),
            empty,
            "{body:?}"
        );
    }
    assert_eq!(server.post("/api/v1/connection/test", "{}").await.expect(400), empty);

    let not_json = server.post("/actions/lookup_ip", "{\"body\":").await.expect(400);
    assert_eq!(not_json["name"], "Bad Request");
    assert!(
        not_json["description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Failed to decode JSON object: "),
        "{not_json}"
    );

    let mismatch = |body: &str, route: &str| {
        format!("Action name ({body}) in input body is not matching with name ({route}) in route")
    };
    let message = Invocation::run("lookup_url").against(&sim).message();
    assert_eq!(
        server
            .post("/api/v1/actions/lookup_ip", message.to_string())
            .await
            .expect(400),
        error_page(
            &server,
            400,
            "Bad Request",
            "POST",
            "/api/v1/actions/lookup_ip",
            &mismatch("lookup_url", "lookup_ip")
        )
    );
    assert_eq!(
        server
            .post("/actions/lookup_ip/test", r#"{"version":"v1"}"#)
            .await
            .expect(400),
        error_page(
            &server,
            400,
            "Bad Request",
            "POST",
            "/actions/lookup_ip/test",
            &mismatch("None", "lookup_ip")
        )
    );

    // A sound body with a bad envelope reaches the step, which answers with an error event.
    let bad_version = json!({"version": "v9", "type": "action_start", "body": {"action": "lookup_ip"}});
    let event = server
        .post("/actions/lookup_ip", bad_version.to_string())
        .await
        .expect(400);
    assert_eq!(
        event["body"]["exception"]["cause"],
        "Unsupported version 'v9'. Only v1 is supported"
    );
    assert!(sim.requests().is_empty(), "nothing went upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_larger_than_the_stdin_limit_get_413_and_import_sized_ones_pass() {
    let sim = simulator();
    let server = Server::start();
    // Declared larger than 128 MiB: refused before a byte of it is read.
    let address = server.base().trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).expect("connects");
        let request =
            "POST /actions/add_approval_indicator HTTP/1.1\r\nHost: plugin\r\nContent-Type: application/json\r\n\
                       Content-Length: 134217729\r\nConnection: close\r\n\r\n{";
        stream.write_all(request.as_bytes()).expect("writes");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    })
    .await
    .expect("joins");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"name\":\"Payload Too Large\""), "{answer}");

    // A few megabytes of file, past the 2 MB that web frameworks often default to.
    let mut csv = String::from("value,itype\n");
    while csv.len() < 3 * 1024 * 1024 {
        csv.push_str("44d88612fea8a8f36de82e1278abb02f,mal_md5\n");
    }
    let content = base64::engine::general_purpose::STANDARD.encode(&csv);
    let import = Invocation::run("add_approval_indicator")
        .input(json!({"file": {"filename": "big.csv", "content": content}}))
        .against(&sim);
    let event = server
        .send("/actions/add_approval_indicator", &import)
        .await
        .expect(200);
    let id: u64 = event["body"]["output"]["results"]["import_session_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an import session id");
    let session = sim.import_session(id).expect("the simulator holds the session");
    assert_eq!(session.file_bytes.map(|bytes| bytes.len()), Some(csv.len()));
}

/// Every answer masks the connection's secrets, wherever they come from: here the meta, which the
/// event echoes. The runtime leaves the task and connection test routes unmasked; the key never
/// appearing in any output is our rule (tests/secrets.rs has ThreatStream echoing it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_masked_in_every_answer() {
    let sim = simulator();
    let server = Server::start();
    let meta = json!({"note": format!("key={CANARY_KEY};"), "list": [CANARY_KEY]});
    let masked = json!({"note": "key=********;", "list": ["********"]});
    let message = lookup_ip(&sim).meta(meta.clone()).message();
    for path in [
        "/actions/lookup_ip",
        "/api/v1/actions/lookup_ip",
        "/actions/lookup_ip/test",
        "/api/v1/actions/lookup_ip/test",
    ] {
        let event = server.post(path, message.to_string()).await.expect(200);
        assert_eq!(event["body"]["meta"], masked, "{path}");
    }
    // Every secret key of the connection counts, even ones this plugin's connection does not have.
    let mut extra = message.clone();
    extra["body"]["connection"]["proxy"] = json!({"username": "p", "password": "hunter2", "token": "tok-9"});
    extra["body"]["meta"] = json!({"a": "hunter2 tok-9"});
    let event = server.post("/actions/lookup_ip", extra.to_string()).await.expect(200);
    assert_eq!(event["body"]["meta"], json!({"a": "******** ********"}));

    let test =
        json!({"version": "v1", "type": "connection_test", "body": {"connection": connection(&sim), "meta": meta}});
    let event = server
        .post("/api/v1/connection/test", test.to_string())
        .await
        .expect(200);
    assert_eq!(event["body"]["meta"], masked);
    let task = json!({"version": "v1", "type": "task_start",
                      "body": {"task": "monitor_observables", "meta": meta, "input": {}, "state": {},
                               "connection": connection(&sim)}});
    let event = server
        .post("/api/v1/tasks/monitor_observables", task.to_string())
        .await
        .expect(200);
    assert_eq!(event["body"]["meta"], masked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_lookups_all_succeed() {
    let sim = simulator();
    let server = Arc::new(Server::start());
    let message = lookup_ip(&sim).message().to_string();
    let lookups: Vec<_> = (0..200)
        .map(|_| {
            let (server, message) = (Arc::clone(&server), message.clone());
            tokio::spawn(async move { server.post("/actions/lookup_ip", message).await })
        })
        .collect();
    for lookup in lookups {
        let event = lookup.await.expect("joins").expect(200);
        assert_eq!(
            event["body"]["output"]["results"].as_array().map(Vec::len),
            Some(2),
            "{event}"
        );
    }
    assert_eq!(sim.requests().len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_stuck_on_a_slow_upstream_does_not_delay_the_others() {
    let sim = simulator();
    let server = Arc::new(Server::start());
    // Held far longer than the others can take on a loaded machine, so the check below cannot race;
    // the held lookup is abandoned at the end rather than waited for.
    let stuck = lookup_held_upstream(&sim, &server, Duration::from_secs(120)).await;
    let others: Vec<_> = (0..20)
        .map(|_| {
            let server = Arc::clone(&server);
            let message = Invocation::run("lookup_hash")
                .input(json!({"hash": "44d88612fea8a8f36de82e1278abb02f"}))
                .against(&sim)
                .message()
                .to_string();
            tokio::spawn(async move { server.post("/actions/lookup_hash", message).await })
        })
        .collect();
    for other in others {
        other.await.expect("joins").expect(200);
    }
    assert!(
        !stuck.is_finished(),
        "the others finished while the slow lookup still waited"
    );
    stuck.abort();
}

/// Regression: the published plugin kept its query filters in a dict shared across calls, so in a
/// long-lived process a URL lookup still carried the previous IP lookup's filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_filters_do_not_leak_between_steps() {
    let sim = simulator();
    let server = Server::start();
    server.send("/actions/lookup_ip", &lookup_ip(&sim)).await.expect(200);
    let url = "http://malicious.example.net/payload.exe";
    let lookup_url = Invocation::run("lookup_url").input(json!({"url": url})).against(&sim);
    server.send("/actions/lookup_url", &lookup_url).await.expect(200);
    let requests = sim.requests();
    assert_eq!(requests.len(), 2);
    let expected: Vec<(String, String)> = [("value", url), ("type", "url"), ("limit", "1000"), ("offset", "0")]
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .to_vec();
    assert_eq!(requests[1].query_pairs(), expected);
    assert!(!requests[1].query.clone().unwrap_or_default().contains("198.51.100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_steps_in_flight_refuses_new_ones_and_exits_0() {
    let sim = simulator();
    let server = Arc::new(Server::start());
    let in_flight = lookup_held_upstream(&sim, &server, Duration::from_secs(5)).await;
    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.get("/api/v1/admin/status").await.expect(200)["shutdown_initiated"]
        .as_bool()
        .unwrap_or_default()
    {
        assert!(
            Instant::now() < deadline,
            "the server did not begin shutting down within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = server.get("/api/v1/admin/status").await.expect(200);
    assert_eq!(
        status,
        json!({"active_work": 1, "shutdown_initiated": true, "shutdown_safe": false})
    );
    let refused = json!({"error": "Shutdown in progress. No new work can be accepted."});
    assert_eq!(
        server.send("/actions/lookup_ip", &lookup_ip(&sim)).await.expect(503),
        refused
    );
    assert_eq!(server.post("/api/v1/connection/test", "{}").await.expect(503), refused);

    let event = in_flight.await.expect("joins").expect(200);
    assert_eq!(event["body"]["status"], "ok");
    let mut server = Arc::into_inner(server).expect("the only handle left");
    assert_eq!(server.exit_code(), Some(0));
    assert!(server.stderr().contains("Shutdown complete"), "{}", server.stderr());
    assert_eq!(sim.requests().len(), 1, "the refused lookup never went upstream");
}

/// Starts a lookup whose upstream answer the simulator holds back for `delay`, and returns once the
/// simulator has the request, so the step is surely in flight.
async fn lookup_held_upstream(
    sim: &Simulator,
    server: &Arc<Server>,
    delay: Duration,
) -> tokio::task::JoinHandle<Answer> {
    sim.push_fault(Fault::Slow(delay));
    let (server, message) = (Arc::clone(server), lookup_ip(sim).message().to_string());
    let step = tokio::spawn(async move { server.post("/actions/lookup_ip", message).await });
    wait_for_requests(sim, 1).await;
    step
}

async fn wait_for_requests(sim: &Simulator, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.requests().len() < count {
        assert!(
            Instant::now() < deadline,
            "the simulator saw {} of {count} requests within 30 s",
            sim.requests().len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
