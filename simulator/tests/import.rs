//! Import with approval end to end: what the plugin uploads must be visible
//! afterwards, field by field and byte by byte.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::support::{auth, client, get_json, post_multipart, ready_at_once, search_path, send, start};

const CSV: &[u8] = b"value,itype,tags\n198.51.100.99,mal_ip,\nbad-site.example,mal_domain,\"a,b\"\n";

async fn post(sim: &threatstream_simulator::Simulator, version: &str, form: Form) -> (u16, Value) {
    post_multipart(sim, &format!("/api/{version}/intelligence/import/"), form).await
}

fn settings() -> Form {
    Form::new()
        .text("confidence", "80")
        .text("source_confidence_weight", "100")
        .text("severity", "")
        .text("classification", "private")
        .text("expiration_ts", "2030-01-01T00:00:00Z")
        .text("notes", "from,the,playbook")
        .text("ip_mapping", "mal_ip")
        .text("trustedcircles", "146,311")
        .text("threat_type", "malware")
        .text("tlp", "amber")
}

#[tokio::test]
async fn file_import_creates_a_session_waiting_for_review() {
    let sim = ready_at_once();
    let form = settings().part("file", Part::bytes(CSV).file_name("observables.csv"));
    let (status, body) = post(&sim, "v2", form).await;
    assert_eq!(status, 202);
    assert_eq!(body["success"], true);
    let id = body["import_session_id"].as_u64().expect("an integer id");
    assert_eq!(id, 1_000_000_344);
    let session = sim.import_session(id).expect("stored");
    assert_eq!(body["job_id"], session.job_id.as_str());
    assert_eq!((session.status.as_str(), session.api_version.as_str()), ("done", "v2"));
    let names: Vec<&str> = session.fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "confidence",
            "source_confidence_weight",
            "severity",
            "classification",
            "expiration_ts",
            "notes",
            "ip_mapping",
            "trustedcircles",
            "threat_type",
            "tlp"
        ]
    );
    assert_eq!(session.fields[5].1, "from,the,playbook");
    assert_eq!(session.file_name.as_deref(), Some("observables.csv"));
    assert_eq!(session.file_bytes.as_deref(), Some(CSV));
    assert_eq!(session.observables, ["198.51.100.99", "bad-site.example"]);

    let (status, json) = get_json(&sim, &format!("/api/v1/importsession/{id}/")).await;
    assert_eq!(status, 200);
    assert_eq!(json["jobID"], session.job_id.as_str());
    assert_eq!(json["numIndicators"], 2);
    assert_eq!((&json["tlp"], &json["confidence"]), (&json!("amber"), &json!(80)));
    assert_eq!(
        (&json["fileName"], &json["fileType"]),
        (&json!("observables.csv"), &json!("csv"))
    );
    assert_eq!(json["trusted_circles"], json!([{"id": 146}, {"id": 311}]));
    assert!(
        json.get("fields").is_none(),
        "what was sent is read from the simulator, not the API"
    );
}

#[tokio::test]
async fn datatext_import_on_v1_parses_free_text() {
    let sim = start();
    let text = "c2 at 203.0.113.5 and https://drop.example.com/x, mail from a@evil.example";
    let form = Form::new().text("classification", "public").text("datatext", text);
    let (status, body) = post(&sim, "v1", form).await;
    assert_eq!(status, 202);
    let second = post(&sim, "v1", Form::new().text("datatext", "x")).await.1;
    assert_eq!(
        second["import_session_id"].as_u64(),
        body["import_session_id"].as_u64().map(|i| i + 1)
    );
    let session = sim
        .import_session(body["import_session_id"].as_u64().expect("id"))
        .expect("stored");
    assert_eq!(session.api_version, "v1");
    assert_eq!(session.file_name, None);
    assert_eq!(
        session.observables,
        ["203.0.113.5", "https://drop.example.com/x", "a@evil.example"]
    );
    assert_eq!(session.fields[1], ("datatext".to_owned(), text.to_owned()));
}

#[tokio::test]
async fn bad_settings_and_bad_sources_are_400() {
    let sim = start();
    let file = || Part::bytes(CSV).file_name("f.csv");
    let cases = [
        Form::new().text("classification", "secret").part("file", file()),
        Form::new().text("confidence", "101").part("file", file()),
        Form::new()
            .text("source_confidence_weight", "high")
            .part("file", file()),
        Form::new().text("severity", "critical").part("file", file()),
        Form::new().text("trustedcircles", "146,abc").part("file", file()),
        Form::new().text("datatext", "1.2.3.4").part("file", file()),
        Form::new().text("classification", "private"),
        Form::new().part("file", file()).part("file", file()),
    ];
    for form in cases {
        let (status, body) = post(&sim, "v2", form).await;
        assert_eq!(status, 400);
        assert_eq!(body["success"], false);
        assert!(body["message"].is_string());
    }
    let json_body = json!({"datatext": "1.2.3.4"});
    let response = send(&sim, "POST", "/api/v2/intelligence/import/", Some(&json_body)).await;
    assert_eq!(response.status(), 400);
    let url_encoded = client()
        .post(format!("{}/api/v2/intelligence/import/", sim.url()))
        .header("authorization", auth())
        .form(&[("datatext", "1.2.3.4")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(url_encoded.status(), 400, "an import is multipart");
    assert!(sim.import_session(1_000_000_344).is_none());
}

#[tokio::test]
async fn a_repeated_field_reads_as_its_last_value() {
    let sim = ready_at_once();
    let form = Form::new()
        .text("datatext", "203.0.113.5")
        .text("datatext", "203.0.113.6")
        .text("confidence", "20")
        .text("confidence", "85");
    let (status, body) = post(&sim, "v2", form).await;
    assert_eq!(status, 202, "{body}");
    let session = sim
        .import_session(body["import_session_id"].as_u64().expect("id"))
        .expect("stored");
    assert_eq!(session.observables, ["203.0.113.6"]);
    assert_eq!(session.fields.len(), 4, "every field is kept: {:?}", session.fields);
    let id = session.id.to_string();
    assert_eq!(
        send(&sim, "PATCH", &format!("/api/v1/importsession/{id}/approve_all/"), None)
            .await
            .status(),
        200
    );
    let (_, page) = get_json(&sim, &search_path(&[("value", "203.0.113.6")])).await;
    assert_eq!(page["objects"][0]["confidence"], 85);
}

#[tokio::test]
async fn unknown_import_session_is_404() {
    let sim = start();
    let (status, _) = get_json(&sim, "/api/v1/importsession/1000000344/").await;
    assert_eq!(status, 404);
}
