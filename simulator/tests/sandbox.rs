//! The sandbox as the public clients use it: the published plugin's
//! submit_file, submit_url and get_sandbox_report (anomali-plugin.md
//! §3.4-3.6), and the state and report shapes Splunk SOAR, FortiSOAR and
//! Cortex XSOAR read.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use threatstream_simulator::{FormEncoding, Hold, Simulator, SubmitResponse};

use crate::support::{auth, client, get_json, json_of, post_multipart, KEY};

const SUBMIT: &str = "/api/v1/submit/new/";

fn sandbox(processing: Duration) -> Simulator {
    Simulator::builder().api_key(KEY).sandbox_processing(processing).start()
}

/// What the published plugin's submit_url sends, in its order.
fn url_fields(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("report_radio-platform", "WINDOWS7".to_owned()),
        ("use_premium_sandbox", "false".to_owned()),
        ("report_radio-classification", "private".to_owned()),
        ("detail", "Credential-Exposure,compromised_email".to_owned()),
        ("report_radio-url", url.to_owned()),
    ]
}

async fn submit_url(sim: &Simulator, fields: &[(&str, String)]) -> (u16, Value) {
    let response = client()
        .post(format!("{}{SUBMIT}", sim.url()))
        .header("authorization", auth())
        .form(fields)
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status().as_u16();
    (status, json_of(response).await)
}

async fn submit_file(sim: &Simulator, name: &str, bytes: &[u8]) -> (u16, Value) {
    let form = Form::new()
        .text("report_radio-platform", "WINDOWS7")
        .text("use_premium_sandbox", "true")
        .text("report_radio-classification", "private")
        .text("detail", "Credential-Exposure,compromised_email")
        .part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    post_multipart(sim, SUBMIT, form).await
}

#[tokio::test]
async fn a_url_submission_answers_by_platform_and_keeps_every_field() {
    let sim = sandbox(Duration::ZERO);
    let (status, body) = submit_url(&sim, &url_fields("google.com")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "reports": {"WINDOWS7": {
            "id": 188, "status": "/api/v1/submit/188/", "detail": "/api/v1/submit/188/report/"}}})
    );
    let submissions = sim.sandbox_submissions();
    assert_eq!(submissions.len(), 1);
    let submission = &submissions[0];
    assert_eq!(submission.form.encoding, FormEncoding::UrlEncoded);
    let names: Vec<&str> = submission.form.fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "report_radio-platform",
            "use_premium_sandbox",
            "report_radio-classification",
            "detail",
            "report_radio-url"
        ]
    );
    assert_eq!(submission.field("report_radio-url"), Some("google.com"));
    assert!(submission.file().is_none());
    let recorded = sim.requests()[0].form().expect("the recorded body reads as a form");
    assert_eq!(recorded.fields, submission.form.fields);
}

#[tokio::test]
async fn a_file_submission_keeps_the_file_name_and_bytes() {
    let sim = sandbox(Duration::ZERO);
    let (status, body) = submit_file(&sim, "testfile", b"Hello World\n").await;
    assert_eq!(status, 202, "{body}");
    assert!(body["reports"]["WINDOWS7"]["id"].is_u64());
    let submission = &sim.sandbox_submissions()[0];
    assert_eq!(submission.form.encoding, FormEncoding::Multipart);
    assert_eq!(submission.field("use_premium_sandbox"), Some("true"));
    let file = submission.file().expect("a file part");
    assert_eq!((file.field.as_str(), file.file_name.as_str()), ("file", "testfile"));
    assert_eq!(file.bytes, b"Hello World\n");
}

#[tokio::test]
async fn the_older_list_shape_and_all_platforms() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .submit_response(SubmitResponse::List)
        .start();
    let mut fields = url_fields("google.com");
    fields[0].1 = "ALL".to_owned();
    let (status, body) = submit_url(&sim, &fields).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body["reports"],
        json!([
            {"id": 188, "status": "/api/v1/submit/188/", "detail": "/api/v1/submit/188/report/", "platform": "WINDOWS7"},
            {"id": 189, "status": "/api/v1/submit/189/", "detail": "/api/v1/submit/189/report/", "platform": "WINDOWSXP"}
        ])
    );
    sim.set_submit_response(SubmitResponse::ByPlatform);
    let (_, body) = submit_url(&sim, &url_fields("google.com")).await;
    assert!(body["reports"]["WINDOWS7"].is_object());
}

#[tokio::test]
async fn bad_submissions_are_refused_like_threatstream_does() {
    let sim = sandbox(Duration::ZERO);
    let mut no_target = url_fields("x");
    no_target.pop();
    let mut unknown_platform = url_fields("google.com");
    unknown_platform[0].1 = "WINDOWS95".to_owned();
    let mut capital_true = url_fields("google.com");
    capital_true[1].1 = "True".to_owned();
    for (fields, expected) in [
        (no_target, "Nothing to detonate"),
        (unknown_platform, "Invalid platform: 'WINDOWS95'"),
        (capital_true, "use_premium_sandbox"),
    ] {
        let (status, body) = submit_url(&sim, &fields).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["success"], false);
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{message}");
    }
    assert!(sim.sandbox_submissions().is_empty());
    let (status, _) = get_json(&sim, SUBMIT).await;
    assert_eq!(status, 405, "submitting is a POST");
}

#[tokio::test]
async fn a_submission_is_processing_then_done_with_its_verdict() {
    // Held, so the first look comes before the end however loaded the
    // machine, and the release ends processing without a clock.
    let sim = sandbox(Duration::ZERO);
    sim.hold(Hold::SandboxReports);
    let (_, body) = submit_url(&sim, &url_fields("http://malicious.example.net/payload.exe")).await;
    let id = body["reports"]["WINDOWS7"]["id"].as_u64().expect("an id");
    let (status, early) = get_json(&sim, &format!("/api/v1/submit/{id}/")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (early["status"].as_str(), early["verdict"].as_str()),
        (Some("processing"), Some("benign"))
    );
    assert_eq!(early["platform"], "WINDOWS7");
    let (status, not_ready) = get_json(&sim, &format!("/api/v1/submit/{id}/report/")).await;
    assert_eq!(status, 404, "{not_ready}");
    assert_eq!(not_ready["success"], false);

    assert_eq!(sim.release(Hold::SandboxReports), 1);
    let (_, done) = get_json(&sim, &format!("/api/v1/submit/{id}/")).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["verdict"], "malicious");
    assert_eq!(done["url"], "http://malicious.example.net/payload.exe");
    assert_eq!(
        (done["platform_label"].as_str(), done["notes"].as_str()),
        (Some("Windows 7"), Some("Credential-Exposure,compromised_email"))
    );
    let (status, report) = get_json(&sim, &format!("/api/v1/submit/{id}/report/")).await;
    assert_eq!(status, 200);
    assert_eq!(report["success"], true);
    assert!(
        report["pcap"].is_string() && report["screenshots"].is_array(),
        "beside results: {report}"
    );
    let info = &report["results"]["info"];
    assert_eq!(info["category"], "url");
    assert_eq!(info["id"], id);
    assert!(info["machine"]["name"].is_string() && info["machine"]["id"].is_u64());
    for key in ["started", "ended", "duration", "package", "version"] {
        assert!(!info[key].is_null(), "info.{key} is missing");
    }
    let domains = report["results"]["network"]["domains"].as_array().expect("domains");
    assert!(domains.iter().all(|d| d["domain"].is_string()));
    assert!(report["results"]["network"]["hosts"].is_array());
    assert!(!report["results"]["signatures"]
        .as_array()
        .expect("signatures")
        .is_empty());
    assert!(report["results"]["network"]["pcap_sha256"].is_string());
    assert_eq!(report["results"]["dropped"][0]["name"], "PebbleLoader.dll");
}

#[tokio::test]
async fn a_url_that_never_resolves_ends_in_errors_without_a_report() {
    let sim = sandbox(Duration::ZERO);
    let (_, body) = submit_url(&sim, &url_fields("https://gone.invalid/setup.exe")).await;
    let id = body["reports"]["WINDOWS7"]["id"].as_u64().expect("an id");
    let (status, state) = get_json(&sim, &format!("/api/v1/submit/{id}/")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            state["status"].as_str(),
            state["verdict"].as_str(),
            state["platform"].as_str()
        ),
        (Some("errors"), Some("benign"), Some("WINDOWS7"))
    );
    let (status, report) = get_json(&sim, &format!("/api/v1/submit/{id}/report/")).await;
    assert_eq!((status, &report["success"]), (404, &json!(false)), "{report}");
}

#[tokio::test]
async fn zero_processing_is_done_at_once_and_benign_stays_benign() {
    let sim = sandbox(Duration::ZERO);
    let (_, body) = submit_file(&sim, "notes.txt", b"just some notes").await;
    let id = body["reports"]["WINDOWS7"]["id"].as_u64().expect("an id");
    let (_, status) = get_json(&sim, &format!("/api/v1/submit/{id}/")).await;
    assert_eq!(
        (status["status"].as_str(), status["verdict"].as_str()),
        (Some("done"), Some("benign"))
    );
    assert_eq!(status["file"], "/notes.txt");
    let (_, report) = get_json(&sim, &format!("/api/v1/submit/{id}/report/")).await;
    assert_eq!(report["results"]["info"]["category"], "file");
    let target = &report["results"]["target"]["file"];
    assert_eq!(
        (target["name"].as_str(), target["size"].as_u64()),
        (Some("notes.txt"), Some(15))
    );
    assert!(report["results"]["dropped"].as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn report_101_is_the_published_fixture_and_unknown_ids_are_404() {
    let sim = sandbox(Duration::from_secs(3600));
    let (status, report) = get_json(&sim, "/api/v1/submit/101/report/").await;
    assert_eq!(status, 200);
    let domains: Vec<&str> = report["results"]["network"]["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .filter_map(|d| d["domain"].as_str())
        .collect();
    assert_eq!(
        domains,
        [
            "star-mini.c10r.facebook.com",
            "pagead46.l.doubleclick.net",
            "star.c10r.facebook.com",
            "us-u.openx.net"
        ]
    );
    assert_eq!(report["results"]["info"]["duration"], 302);
    assert!(report["results"]["info"].get("machine").is_none());
    let (_, status) = get_json(&sim, "/api/v1/submit/101/").await;
    assert_eq!(
        (status["status"].as_str(), status["platform"].as_str()),
        (Some("done"), Some("WINDOWS7"))
    );
    let (_, file_report) = get_json(&sim, "/api/v1/submit/100/report/").await;
    assert_eq!(file_report["results"]["info"]["machine"]["name"], "WINDOWSXP_4");
    for path in ["/api/v1/submit/99999/", "/api/v1/submit/99999/report/"] {
        assert_eq!(get_json(&sim, path).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn the_control_route_sets_processing_and_lists_submissions() {
    let sim = sandbox(Duration::from_secs(3600));
    let control = format!("{}/__simulator/sandbox", sim.url());
    let set = client()
        .post(&control)
        .body(r#"{"processing_millis": 0, "submit_response": "list"}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(set.status(), 200);
    let (_, body) = submit_file(&sim, "testfile", b"Hello World\n").await;
    assert_eq!(body["reports"][0]["platform"], "WINDOWS7");
    let listed = json_of(client().get(&control).send().await.expect("an answer")).await;
    assert_eq!(listed["processing_millis"], 0);
    assert_eq!(listed["submissions"][0]["files"][0]["base64"], "SGVsbG8gV29ybGQK");
    assert_eq!(
        listed["submissions"][0]["fields"][0],
        json!(["report_radio-platform", "WINDOWS7"])
    );
    let id = body["reports"][0]["id"].as_u64().expect("an id");
    let (_, status) = get_json(&sim, &format!("/api/v1/submit/{id}/")).await;
    assert_eq!(status["status"], "done");
    let bad = client()
        .post(&control)
        .body(r#"{"submit_response": "grid"}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(bad.status(), 400);
}
