//! The sandbox actions against the simulator's sandbox: the forms ThreatStream receives, both answer
//! shapes, a report followed from `processing` to `done` (or `errors`), bad inputs refused before any
//! request, and submissions never sent twice. The public clients' own answer shapes are replayed in
//! `contract::sandbox`.

use std::time::Duration;

use serde_json::json;
use threatstream_simulator::{Fault, FormEncoding, Hold, Simulator, SubmitResponse};

use crate::harness::{assert_refused_before_any_request, simulator, simulator_builder, Invocation, Preset};

fn sandbox(processing: Duration) -> Simulator {
    simulator_builder().sandbox_processing(processing).start()
}

fn submit_file() -> Invocation<'static> {
    Invocation::run("submit_file").input(json!({"platform": "WINDOWS7", "use_premium_sandbox": true,
        "classification": "public", "detail": "Credential-Exposure,compromised_email",
        "file": {"filename": "setup.exe", "content": "SGVsbG8gV29ybGQK"}}))
}

fn submit_url(url: &str) -> Invocation<'static> {
    Invocation::run("submit_url").input(json!({"platform": "WINDOWS10", "use_premium_sandbox": false, "url": url}))
}

#[test]
fn a_file_goes_as_multipart_with_the_published_field_names() {
    let sim = simulator();
    let output = submit_file().against(&sim).ok();
    let submission = &sim.sandbox_submissions()[0];
    assert_eq!(submission.form.encoding, FormEncoding::Multipart);
    assert_eq!(
        submission.form.fields,
        [
            ("report_radio-platform", "WINDOWS7"),
            ("use_premium_sandbox", "true"),
            ("report_radio-classification", "public"),
            ("report_radio-notes", "Credential-Exposure,compromised_email"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
    );
    let file = submission.file().expect("a file part");
    assert_eq!((file.field.as_str(), file.file_name.as_str()), ("file", "setup.exe"));
    assert_eq!(file.bytes, b"Hello World\n");
    let id = submission.id;
    assert_eq!(
        output,
        json!({"success": true, "reports": [{"platform": "WINDOWS7", "status": format!("/api/v1/submit/{id}/"),
            "detail": format!("/api/v1/submit/{id}/report/"), "id": id}]})
    );
    assert_eq!(sim.requests()[0].path, "/api/v1/submit/new/");
}

#[test]
fn a_url_goes_urlencoded_private_by_default_and_either_answer_shape_reads_alike() {
    for shape in [SubmitResponse::ByPlatform, SubmitResponse::List] {
        let sim = simulator();
        sim.set_submit_response(shape);
        let output = submit_url("https://malicious.example.net/setup.exe").against(&sim).ok();
        let submission = &sim.sandbox_submissions()[0];
        assert_eq!(submission.form.encoding, FormEncoding::UrlEncoded);
        assert_eq!(submission.field("report_radio-classification"), Some("private"));
        assert_eq!(submission.field("use_premium_sandbox"), Some("false"));
        assert_eq!(
            submission.field("report_radio-url"),
            Some("https://malicious.example.net/setup.exe")
        );
        assert_eq!(
            submission.field("report_radio-notes"),
            None,
            "an absent detail is not sent"
        );
        let reports = output["reports"].as_array().expect("a list");
        assert_eq!(reports.len(), 1, "{shape:?}: {output}");
        assert_eq!(reports[0]["id"], json!(submission.id), "{shape:?}");
        assert_eq!(reports[0]["platform"], "WINDOWS10", "{shape:?}");
    }
}

#[test]
fn a_report_is_followed_from_processing_to_done() {
    // Held in processing until released: no clock decides what the first look finds.
    let sim = sandbox(Duration::ZERO);
    sim.hold(Hold::SandboxReports);
    let output = submit_url("http://malicious.example.net/payload.exe")
        .against(&sim)
        .ok();
    let id = output["reports"][0]["id"].as_u64().expect("an id").to_string();
    let get = || {
        Invocation::run("get_sandbox_report")
            .input(json!({"report_id": id}))
            .against(&sim)
            .ok()
    };
    let first = get();
    assert_eq!(
        first,
        json!({"status": "processing", "verdict": "benign", "platform": "WINDOWS10",
            "sandbox_report": {"signatures": [], "screenshots": [], "info": {"machine": {}}, "domains": []}}),
        "the verdict stays benign until the detonation is done"
    );
    assert_eq!(sim.release(Hold::SandboxReports), 1);
    let done = get();
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (&done["verdict"], &done["platform"]),
        (&json!("malicious"), &json!("WINDOWS10"))
    );
    let report = &done["sandbox_report"];
    assert_eq!(
        report["domains"],
        json!(["evil-domain.example", "malicious.example.net"])
    );
    assert_eq!(report["network"]["hosts"], json!(["198.51.100.23", "198.51.100.24"]));
    assert_eq!(
        report["network"]["domains"][0],
        json!({"domain": "evil-domain.example", "ip": "198.51.100.23"})
    );
    assert_eq!(report["network"]["http"][0]["uri"], "/payload.exe");
    assert!(report["network"]["pcap_sha256"]
        .as_str()
        .is_some_and(|digest| digest.len() == 64));
    // The Cuckoo shape puts the capture and the screenshots beside `results`.
    assert!(report["pcap"]
        .as_str()
        .is_some_and(|link| link.ends_with(&format!("dump-{id}.pcap"))));
    assert_eq!(report["screenshots"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["signatures"][0]["name"], "network_ioc_domain");
    assert_eq!(report["info"]["machine"]["name"], "WINDOWS10_4");
    assert_eq!(
        report["target"],
        json!({"category": "url", "url": "http://malicious.example.net/payload.exe"})
    );
    assert_eq!(report["dropped"][0]["name"], "PebbleLoader.dll");
    assert_eq!(report["behavior"]["mutexes"], json!(["PebbleLoaderMutex"]));
    assert!(
        report["behavior"]["processes"][0].get("calls").is_none(),
        "API calls are left out"
    );
}

#[test]
fn a_submitted_file_comes_back_as_the_reports_target_with_its_digest() {
    let sim = sandbox(Duration::ZERO);
    let output = submit_file().against(&sim).ok();
    let id = output["reports"][0]["id"].as_u64().expect("an id").to_string();
    let done = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": id}))
        .against(&sim)
        .ok();
    assert_eq!(
        done["sandbox_report"]["target"]["file"]["sha256"],
        // printf 'Hello World\n' | sha256sum
        "d2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26"
    );
    assert_eq!(done["sandbox_report"]["info"]["category"], "file");
}

#[test]
fn a_detonation_that_ended_in_errors_answers_its_status_instead_of_failing() {
    let sim = sandbox(Duration::ZERO);
    let output = submit_url("https://gone.invalid/setup.exe").against(&sim).ok();
    let id = output["reports"][0]["id"].as_u64().expect("an id");
    let answer = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": id.to_string()}))
        .against(&sim)
        .ok();
    assert_eq!(
        answer,
        json!({"status": "errors", "verdict": "benign", "platform": "WINDOWS10",
            "sandbox_report": {"signatures": [], "screenshots": [], "info": {"machine": {}}, "domains": []}})
    );
    let paths: Vec<String> = sim
        .requests()
        .iter()
        .skip(1)
        .map(|request| request.path.clone())
        .collect();
    assert_eq!(
        paths,
        [format!("/api/v1/submit/{id}/"), format!("/api/v1/submit/{id}/report/")],
        "whatever report the failed detonation left is asked for, once"
    );
}

#[test]
fn the_published_report_fixture_comes_out_as_4_0_0_printed_it() {
    let sim = simulator();
    let output = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": "101"}))
        .against(&sim)
        .ok();
    assert_eq!(
        (&output["status"], &output["verdict"], &output["platform"]),
        (&json!("done"), &json!("benign"), &json!("WINDOWS7"))
    );
    let report = &output["sandbox_report"];
    assert_eq!(
        report["domains"],
        json!([
            "star-mini.c10r.facebook.com",
            "pagead46.l.doubleclick.net",
            "star.c10r.facebook.com",
            "us-u.openx.net"
        ])
    );
    assert_eq!(report["info"]["machine"], json!({}), "4.0.0 added an empty machine");
    assert_eq!(report["info"]["duration"], 302);
    let paths: Vec<String> = sim.requests().iter().map(|request| request.path.clone()).collect();
    assert_eq!(paths, ["/api/v1/submit/101/", "/api/v1/submit/101/report/"]);
}

#[test]
fn an_unknown_report_id_is_named() {
    let sim = simulator();
    let run = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": "424242"}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        "ThreatStream has no sandbox submission with report ID 424242."
    );
    assert!(run
        .exception()
        .assistance
        .starts_with("Check the report ID and where it came from"));
}

#[test]
fn a_report_that_says_it_failed_is_an_error_naming_the_id() {
    let sim = simulator();
    sim.add_fault_rule(
        threatstream_simulator::FaultRule::new(Fault::Status {
            status: 200,
            body: "{\"success\": false, \"message\": \"no report\"}".into(),
        })
        .path_exact("/api/v1/submit/101/report/"),
    );
    let run = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": "101"}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        "ThreatStream has no sandbox report for report ID 101."
    );
    assert!(run.exception().data.contains("no report"), "{:?}", run.exception());
}

#[test]
fn bad_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let file = json!({"filename": "setup.exe", "content": "SGVsbG8gV29ybGQK"});
    let cases = [
        (
            "submit_file",
            json!({"platform": "WINDOWS11", "use_premium_sandbox": false, "file": file}),
            "/platform",
        ),
        (
            "submit_file",
            json!({"platform": "WINDOWS7", "use_premium_sandbox": false,
            "file": {"filename": "a.exe", "content": ""}}),
            "'file.content'",
        ),
        (
            "submit_file",
            json!({"platform": "WINDOWS7", "file": file}),
            "use_premium_sandbox",
        ),
        (
            "submit_url",
            json!({"platform": "WINDOWS7", "use_premium_sandbox": false, "url": "/downloads/setup.exe"}),
            "'url'",
        ),
        (
            "submit_url",
            json!({"platform": "WINDOWS7", "use_premium_sandbox": false, "url": "ftp://example.com/x"}),
            "'url'",
        ),
        (
            "submit_url",
            json!({"platform": "WINDOWS7", "use_premium_sandbox": false, "url": ""}),
            "'url'",
        ),
        ("get_sandbox_report", json!({"report_id": "abc"}), "'report_id'"),
        ("get_sandbox_report", json!({"report_id": "0"}), "'report_id'"),
        ("get_sandbox_report", json!({"report_id": ""}), "report_id"),
    ];
    assert_refused_before_any_request(&sim, cases);
}

#[test]
fn a_submission_is_sent_once_even_when_the_server_answers_503() {
    let sim = simulator();
    sim.push_fault(Fault::Status {
        status: 503,
        body: "{\"message\": \"maintenance\"}".into(),
    });
    submit_url("https://example.com/setup.exe")
        .against(&sim)
        .fails_unconfirmed(Preset::ServiceUnavailable, "sandbox page");
    assert_eq!(
        sim.requests().len(),
        1,
        "a detonation that may have started is not started again"
    );
}
