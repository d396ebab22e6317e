//! The routes of issue 24 over real sockets: cloning an observable and
//! reclassifying its session, the lines an import left out, false-positive
//! reports, the intel details, the tenant's sandbox platforms and a report's
//! capture.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use threatstream_simulator::{Permission, Simulator};

use crate::support::{auth, client, control, get_json, post_multipart, ready_at_once, search_path, send_json, start};

/// The seed's IPv6 record, owned by another organization: cloneable.
const THEIRS: u64 = 500_000_201;
/// A seed record of the simulated organization itself.
const OURS: u64 = 500_000_101;

async fn clone(sim: &Simulator, id: u64) -> (u16, Value) {
    send_json(sim, "POST", &format!("/api/v2/intelligence/{id}/clone/"), None).await
}

#[tokio::test]
async fn a_clone_is_a_session_that_approval_turns_into_our_own_copy() {
    let sim = ready_at_once();
    let (status, body) = clone(&sim, THEIRS).await;
    assert_eq!(status, 202, "{body}");
    let session = body["import_session_id"]
        .as_str()
        .expect("text, as XSOAR's test shows it");
    assert!(body["job_id"].as_str().is_some_and(|job| job.len() == 36), "{body}");
    let path = format!("/api/v1/importsession/{session}/edit_classification/");
    let change = json!({"is_public": false, "circles": [146]});
    let (status, reclassified) = send_json(&sim, "PATCH", &path, Some(&change)).await;
    assert_eq!(status, 200, "{reclassified}");
    assert_eq!(reclassified["is_public"], false);
    assert_eq!(reclassified["trusted_circles"], json!([{"id": 146}]));
    let (status, _) = send_json(
        &sim,
        "PATCH",
        &format!("/api/v1/importsession/{session}/approve_all/"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, page) = get_json(&sim, &search_path(&[("value", "2001:db8::bad:c0de")])).await;
    let copy = page["objects"]
        .as_array()
        .and_then(|objects| {
            objects
                .iter()
                .find(|o| o["import_session_id"].to_string().contains(session))
        })
        .cloned()
        .expect("the approved clone is searchable");
    assert_eq!(
        (copy["owner_organization_id"].as_u64(), copy["is_public"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(copy["trusted_circle_ids"], json!([146]));
    let (status, _) = send_json(&sim, "PATCH", &path, Some(&change)).await;
    assert_eq!(status, 409, "an approved session keeps its classification");
}

#[tokio::test]
async fn what_cannot_be_cloned_or_reclassified_is_refused() {
    let sim = start();
    let (status, body) = clone(&sim, OURS).await;
    assert_eq!(
        (status, body),
        (403, json!({"message": "The entity 198.51.100.23 is not cloneable"}))
    );
    assert_eq!(clone(&sim, 42).await.0, 404);
    sim.set_denied(&[Permission::Import]);
    let (status, body) = clone(&sim, THEIRS).await;
    assert_eq!(status, 403);
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("'import'")),
        "{body}"
    );
    sim.set_denied(&[]);
    let (_, cloned) = clone(&sim, THEIRS).await;
    let path = format!(
        "/api/v1/importsession/{}/edit_classification/",
        cloned["import_session_id"].as_str().unwrap_or_default()
    );
    assert_eq!(send_json(&sim, "PATCH", &path, Some(&json!({}))).await.0, 400);
    assert_eq!(
        send_json(&sim, "PATCH", &path, Some(&json!({"circles": ["x"]})))
            .await
            .0,
        400
    );
    sim.set_denied(&[Permission::ApproveIntel]);
    assert_eq!(
        send_json(&sim, "PATCH", &path, Some(&json!({"is_public": true})))
            .await
            .0,
        403
    );
    assert_eq!(
        send_json(
            &sim,
            "PATCH",
            "/api/v1/importsession/7/edit_classification/",
            Some(&json!({"is_public": true}))
        )
        .await
        .0,
        403
    );
}

#[tokio::test]
async fn rejects_are_the_lines_without_an_observable_once_processed() {
    let sim = ready_at_once();
    let form = Form::new().part(
        "file",
        Part::bytes(b"198.51.100.77\nnot an observable\n256.1.1.1\n".to_vec()).file_name("a.txt"),
    );
    let (status, body) = post_multipart(&sim, "/api/v2/intelligence/import/", form).await;
    assert_eq!(status, 202, "{body}");
    let id = body["import_session_id"].as_u64().expect("an id");
    let (status, page) = get_json(&sim, &format!("/api/v1/importsession/{id}/rejects/?limit=1")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["objects"],
        json!([{"id": 1, "value": "not an observable", "reason": "No observable was found in the line."}])
    );
    let next = page["meta"]["next"].as_str().expect("a second page").to_owned();
    let (_, second) = get_json(&sim, &next).await;
    assert_eq!(second["objects"][0]["value"], "256.1.1.1");
    assert_eq!(get_json(&sim, "/api/v1/importsession/9/rejects/").await.0, 404);
}

#[tokio::test]
async fn false_positive_reports_are_kept_and_checked() {
    let sim = start();
    let report = json!({"intelligence": OURS, "reason": "Internal scanner", "comment": "Our own host"});
    let (status, body) = send_json(&sim, "POST", "/api/v1/falsepositive/report/", Some(&report)).await;
    assert_eq!((status, body), (200, json!({"success": true})));
    let kept = sim.false_positive_reports();
    assert_eq!((kept.len(), &kept[0]["reason"]), (1, &json!("Internal scanner")));
    let (_, listed) = control(&sim, "GET", "false_positives", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    for bad in [
        json!({"intelligence": 42, "reason": "r", "comment": "c"}),
        json!({"intelligence": OURS, "reason": " ", "comment": "c"}),
        json!({"intelligence": OURS, "reason": "r"}),
    ] {
        assert_eq!(
            send_json(&sim, "POST", "/api/v1/falsepositive/report/", Some(&bad))
                .await
                .0,
            400,
            "{bad}"
        );
    }
    sim.set_denied(&[Permission::Update]);
    assert_eq!(
        send_json(&sim, "POST", "/api/v1/falsepositive/report/", Some(&report))
            .await
            .0,
        403
    );
    assert_eq!(sim.false_positive_reports().len(), 1);
}

#[tokio::test]
async fn intel_details_come_from_the_records_of_the_value() {
    let sim = start();
    let (status, trend) = get_json(
        &sim,
        "/api/v1/inteldetails/confidence_trend/?type=confidence&value=198.51.100.23",
    )
    .await;
    assert_eq!(status, 200, "{trend}");
    assert_eq!(
        trend,
        json!({"min_confidence": 42, "average_confidence": 64, "max_confidence": 87})
    );
    assert_eq!(
        get_json(
            &sim,
            "/api/v1/inteldetails/confidence_trend/?type=confidence&value=203.0.113.250"
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get_json(
            &sim,
            "/api/v1/inteldetails/confidence_trend/?type=ip&value=198.51.100.23"
        )
        .await
        .0,
        400
    );
    let (status, details) = get_json(&sim, "/api/v1/inteldetails/automatic/?type=ip&value=198.51.100.23").await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(
        details["IPVoid"],
        json!({"Classification": "Malicious", "Detections": 8})
    );
    let (_, none) = get_json(&sim, "/api/v1/inteldetails/automatic/?type=ip&value=203.0.113.250").await;
    assert_eq!(none, json!({}));
    assert_eq!(
        get_json(&sim, "/api/v1/inteldetails/automatic/?type=string&value=x")
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn platforms_are_the_tenants_and_submissions_must_name_one() {
    let sim = start();
    sim.set_sandbox_platforms(&["WINDOWS7", "WINDOWS10"], &["WINDOWS10x64"]);
    let (_, parameters) = get_json(&sim, "/api/v1/submit/parameters/").await;
    assert_eq!(
        parameters["platform_choices"][0],
        json!({"name": "WINDOWS7", "label": "Windows 7", "types": ["file", "url"], "platform": "windows"})
    );
    assert_eq!(parameters["premium_platform_choices"].as_array().map(Vec::len), Some(1));
    assert_eq!(submit(&sim, "WINDOWS10", "false").await, 202);
    assert_eq!(submit(&sim, "WINDOWSXP", "false").await, 400);
    assert_eq!(submit(&sim, "WINDOWS10", "true").await, 400);
    assert_eq!(submit(&sim, "WINDOWS10x64", "true").await, 202);
    let (_, settings) = control(&sim, "PUT", "sandbox", Some(&json!({"platforms": ["LINUX"]}))).await;
    assert_eq!(settings["platforms"], json!(["LINUX"]));
}

/// A URL submission to `platform`, premium or not: the answer's status.
async fn submit(sim: &Simulator, platform: &str, premium: &str) -> u16 {
    let form = [
        ("report_radio-platform", platform),
        ("use_premium_sandbox", premium),
        ("report_radio-url", "example.com"),
    ];
    let response = client()
        .post(format!("{}/api/v1/submit/new/", sim.url()))
        .header("authorization", auth())
        .form(&form)
        .send()
        .await
        .expect("an answer");
    response.status().as_u16()
}

#[tokio::test]
async fn a_reports_capture_is_served_at_its_link_without_credentials() {
    let sim = start();
    let (_, report) = get_json(&sim, "/api/v1/submit/100/report/").await;
    let link = report["pcap"].as_str().expect("a link").to_owned();
    assert!(link.starts_with(&format!("{}/userUploads/", sim.url())), "{link}");
    let response = client().get(&link).send().await.expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("a body");
    assert_eq!(&bytes[..4], &0xa1b2_c3d4_u32.to_le_bytes());
    let digest = sha256_hex(&bytes);
    assert_eq!(report["results"]["network"]["pcap_sha256"], json!(digest));
    let missing = client()
        .get(format!(
            "{}/userUploads/2019-12-04/userId-16783_dump-4242.pcap",
            sim.url()
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(missing.status().as_u16(), 404);
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/userUploads/") && r.header("authorization").is_none()));
}

/// The capture's digest as the report states it, worked out here from the bytes.
fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
