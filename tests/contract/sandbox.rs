//! Sandbox routes: the submission (`POST /api/v1/submit/new/`), the detonation's state
//! (`GET /api/v1/submit/{id}/`) and its report (`GET /api/v1/submit/{id}/report/`), in the shapes
//! Cortex XSOAR, Splunk SOAR, FortiSOAR and Rapid7's own tests show.

use serde_json::{json, Value};
use threatstream_simulator::Simulator;

use super::fixture;
use crate::harness::{simulator, Invocation};

const SUBMIT: &str = "/api/v1/submit/new/";

fn submit_url(sim: &Simulator) -> Value {
    Invocation::run("submit_url")
        .input(json!({"platform": "ALL", "use_premium_sandbox": false, "url": "https://example.com/setup.exe"}))
        .against(sim)
        .ok()
}

/// The submission's `reports`, as Submit URL answers them, for an answer served from `name`.
fn reports_for(name: &str) -> Value {
    let sim = simulator();
    fixture(name).serve(&sim, SUBMIT);
    let output = submit_url(&sim);
    assert_eq!(output["success"], true, "{name}: {output}");
    output["reports"].clone()
}

#[test]
fn a_submission_keyed_by_platform_gives_one_report_per_platform() {
    assert_eq!(
        reports_for("sandbox/splunk_submit_two_platforms"),
        json!([
            {"platform": "WINDOWS7", "id": 451705, "status": "/api/v1/submit/451705/",
             "detail": "/api/v1/submit/451705/report/"},
            {"platform": "WINDOWSXP", "id": 451704, "status": "/api/v1/submit/451704/",
             "detail": "/api/v1/submit/451704/report/"}
        ])
    );
}

#[test]
fn a_submission_answered_202_is_accepted() {
    assert_eq!(
        reports_for("sandbox/fortisoar_submit_accepted"),
        json!([{"platform": "WINDOWS7", "id": 451711, "status": "/api/v1/submit/451711/",
            "detail": "/api/v1/submit/451711/report/"}])
    );
}

#[test]
fn ids_come_from_the_status_link_or_as_text() {
    assert_eq!(
        reports_for("sandbox/rapid7_submit_without_id"),
        json!([{"platform": "WINDOWS7", "id": 188, "status": "/api/v1/submit/188/",
            "detail": "/api/v1/submit/188/report/"}])
    );
    assert_eq!(reports_for("sandbox/submit_id_as_text")[0]["id"], 451_705);
    // XSOAR's mock has neither a numeric id nor a link: the report is there, without an ID.
    assert_eq!(
        reports_for("sandbox/xsoar_submit_mock"),
        json!([{"platform": "test_platform"}])
    );
}

#[test]
fn the_older_list_form_reads_alike() {
    let reports = reports_for("sandbox/rapid7_submit_list_form");
    let read: Vec<(&Value, &Value)> = reports
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| (&r["id"], &r["platform"]))
        .collect();
    assert_eq!(
        read,
        [(&json!(101), &json!("WINDOWS7")), (&json!(100), &json!("WINDOWSXP"))]
    );
}

/// Get Sandbox Report for `id`, with the state and (when given) the report served from fixtures;
/// answers the output and the paths the plugin asked for.
fn report_of(id: u64, state: &str, report: Option<&str>) -> (Value, Vec<String>) {
    let sim = simulator();
    fixture(state).serve(&sim, &format!("/api/v1/submit/{id}/"));
    if let Some(report) = report {
        fixture(report).serve(&sim, &format!("/api/v1/submit/{id}/report/"));
    }
    let output = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": id.to_string()}))
        .against(&sim)
        .ok();
    (
        output,
        sim.requests().iter().map(|request| request.path.clone()).collect(),
    )
}

fn empty_report() -> Value {
    json!({"signatures": [], "screenshots": [], "info": {"machine": {}}, "domains": []})
}

#[test]
fn a_detonation_in_errors_answers_its_status_platform_and_verdict() {
    // The simulator knows no submission 12414, so the report route answers 404: no report, no failure.
    let (output, paths) = report_of(12414, "sandbox/xsoar_state_errors", None);
    assert_eq!(
        output,
        json!({"status": "errors", "verdict": "benign", "platform": "TEST_PLATFORM", "sandbox_report": empty_report()})
    );
    assert_eq!(paths, ["/api/v1/submit/12414/", "/api/v1/submit/12414/report/"]);
}

#[test]
fn a_running_detonation_answers_processing_without_asking_for_the_report() {
    let (output, paths) = report_of(291_629, "sandbox/splunk_state_processing", None);
    assert_eq!(
        output,
        json!({"status": "processing", "verdict": "benign", "platform": "WINDOWS7", "sandbox_report": empty_report()})
    );
    assert_eq!(paths, ["/api/v1/submit/291629/"]);
}

#[test]
fn a_report_without_success_is_read_as_a_report() {
    // XSOAR's test serves its report body for the state too: no status there means done.
    let (output, _) = report_of(
        1,
        "sandbox/xsoar_report_as_state",
        Some("sandbox/xsoar_report_without_success"),
    );
    assert_eq!(output["status"], "done");
    assert!(
        output.get("verdict").is_none() && output.get("platform").is_none(),
        "{output}"
    );
    assert_eq!(
        output["sandbox_report"],
        json!({"signatures": [], "screenshots": [], "domains": ["test.com"],
            "info": {"category": "URL", "confidence": 0, "started": "2021-08-19 06:49:22", "is_unknown": false,
                "is_suspicious": false, "ended": "2021-08-19 06:51:06", "is_malicious": false, "duration": 104,
                "machine": {}},
            "network": {"hosts": ["1.1.1.1"], "domains": [{"domain": "test.com", "ip": "1.1.1.1"}]}})
    );
    let (older, _) = report_of(
        133,
        "sandbox/splunk_state_done",
        Some("sandbox/rapid7_3_1_2_report_without_success"),
    );
    let report = &older["sandbox_report"];
    assert_eq!(report["domains"].as_array().map(Vec::len), Some(4));
    assert_eq!(report["screenshots"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["signatures"][0]["severity"], "-2.0");
}

#[test]
fn rapid7s_report_with_success_gives_what_4_0_0_gave() {
    let (output, paths) = report_of(101, "sandbox/splunk_state_done", Some("sandbox/rapid7_4_0_0_report"));
    assert_eq!(
        (&output["status"], &output["verdict"], &output["platform"]),
        (&json!("done"), &json!("malicious"), &json!("WINDOWS7"))
    );
    let report = &output["sandbox_report"];
    assert_eq!(
        report["domains"],
        json!(["star-mini.c10r.facebook.com", "us-u.openx.net"])
    );
    assert_eq!(report["info"]["machine"], json!({}));
    assert_eq!(report["info"]["duration"], 302);
    assert_eq!(report["signatures"][0]["description"], "Uses new MSVCR Dlls");
    assert_eq!(paths, ["/api/v1/submit/101/", "/api/v1/submit/101/report/"]);
}

#[test]
fn splunks_cuckoo_report_keeps_pcap_screenshots_network_and_files() {
    let (output, _) = report_of(
        189_200,
        "sandbox/splunk_state_done",
        Some("sandbox/splunk_report_cuckoo"),
    );
    let report = &output["sandbox_report"];
    assert_eq!(
        report["pcap"],
        "https://ts.example.com/userUploads/2019-08-19/20190819_134705_userId-16783_dump.pcap"
    );
    assert_eq!(
        report["screenshots"],
        json!(["https://ts.example.com/userUploads/2019-08-19/20190819_134705_userId-16783_screenshot_00.png"])
    );
    assert_eq!(report["domains"], json!(["test.com"]));
    let network = &report["network"];
    assert_eq!(network["hosts"], json!(["122.122.122.122"]));
    assert_eq!(
        network["domains"],
        json!([{"domain": "test.com", "ip": "172.217.2.238"}])
    );
    assert_eq!(network["dns"][0]["answers"][0]["data"], "216.58.193.142");
    assert_eq!(
        (&network["tcp"][0]["dport"], &network["udp"][0]["sport"]),
        (&json!(139), &json!(137))
    );
    assert_eq!(
        network["pcap_sha256"],
        "a3c1f0e5d2b4c6a8e0f1d3b5a7c9e1f3d5b7a9c1e3f5d7b9a1c3e5f7d9b1a3c5"
    );
    let info = &report["info"];
    assert_eq!(
        (&info["machine"]["name"], &info["machine"]["manager"]),
        (&json!("WINDOWS7_4"), &json!("KVM"))
    );
    assert_eq!(
        (&info["id"], &info["version"], &info["duration"]),
        (&json!(189_200), &json!("1.3-dev"), &json!(1765))
    );
    assert!(
        info.get("custom").is_none() && info.get("package").is_none(),
        "nulls and blanks dropped: {info}"
    );
    assert_eq!(
        (&report["signatures"][0]["name"], &report["signatures"][0]["severity"]),
        (&json!("antisandbox_sleep"), &json!(3))
    );
    assert_eq!(
        report["target"],
        json!({"category": "file", "url": "https://test.com", "file": {"name": "box.png", "path": "/tmp/cuckoo-tmp/box.png",
            "size": 7707, "type": "PNG image data", "md5": "92eb5ffee6ae2fec3ad71c777531578f",
            "sha1": "e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98",
            "sha256": "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"}})
    );
    assert_eq!(
        report["dropped"][0]["sha256"],
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    );
    assert_eq!(report["dropped"][0]["ssdeep"], "3:a:a");
    assert_eq!(
        report["behavior"],
        json!({"processes": [{"process_name": "cmd.exe", "process_id": 2680, "parent_id": 2228,
            "first_seen": "2018-08-18 00:52:26,921"}],
            "files": ["C:\\Windows\\Temp\\test.tmp"], "keys": ["HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows"]})
    );
}

#[test]
fn empty_blocks_and_empty_results_give_an_empty_report() {
    for report in ["sandbox/fortisoar_report_empty_blocks", "sandbox/report_empty_results"] {
        let (output, _) = report_of(7, "sandbox/splunk_state_done", Some(report));
        assert_eq!(output["status"], "done", "{report}");
        assert_eq!(output["sandbox_report"], empty_report(), "{report}");
    }
}

#[test]
fn a_report_that_says_it_failed_is_refused_naming_the_id() {
    let sim = simulator();
    fixture("sandbox/splunk_state_done").serve(&sim, "/api/v1/submit/7/");
    fixture("sandbox/splunk_report_error_key").serve(&sim, "/api/v1/submit/7/report/");
    let run = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": "7"}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        "ThreatStream has no sandbox report for report ID 7."
    );
    assert!(
        run.exception().data.contains("Report not available"),
        "{:?}",
        run.exception()
    );
}

#[test]
fn an_id_threatstream_does_not_know_fails_naming_it() {
    let sim = simulator();
    fixture("sandbox/xsoar_not_found").serve(&sim, "/api/v1/submit/1/");
    let run = Invocation::run("get_sandbox_report")
        .input(json!({"report_id": "1"}))
        .against(&sim)
        .errs();
    assert_eq!(
        run.exception().cause,
        "ThreatStream has no sandbox submission with report ID 1."
    );
    assert_eq!(sim.requests().len(), 1, "no report is asked for");
}

#[test]
fn xsoars_platforms_are_listed_with_or_without_their_family() {
    let sim = simulator();
    fixture("sandbox/xsoar_platforms").serve(&sim, "/api/v1/submit/parameters/");
    let platforms = Invocation::run("get_sandbox_platforms")
        .input(json!({}))
        .against(&sim)
        .ok();
    assert_eq!(
        platforms,
        json!({"standard": [
            {"name": "WINDOWSXP", "label": "Windows XP", "types": ["file", "url"]},
            {"name": "WINDOWS7", "label": "Windows 7", "family": "windows", "types": ["file", "url"]}
        ], "premium": []})
    );
}
