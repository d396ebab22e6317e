//! Add Approval Indicator against the simulator: exactly what ThreatStream receives, and nothing at
//! all when the input is bad.

use serde_json::{json, Value};
use threatstream_simulator::Fault;

use crate::harness::{assert_event_snapshot, assert_untouched, connection, simulator, Invocation, Preset};

/// The published plugin's own test message (2.0.0 `tests/add_approval_indicator.json`).
fn seed_input() -> Value {
    json!({
        "file": {
            "content": "dmFsdWUsaXR5cGUsdGFncwo0ZDY4NDYyY2E2MDcxZjliNmFkMGZhYmVhOGJkMWM5ZixtYWxfbWQ1LAo=",
            "filename": "TestHashesAnom.csv"
        },
        "indicator_settings": {
            "classification": "private", "confidence": 0, "domain_mapping": "", "email_mapping": "",
            "expiration_ts": "2018-12-19T00:00:00-05:00", "ip_mapping": "", "md5_mapping": "", "notes": [],
            "severity": "", "source_confidence_weight": 0, "trustedcircles": [], "url_mapping": ""
        }
    })
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

#[test]
fn the_seed_import_creates_the_session_the_simulator_holds() {
    let sim = simulator();
    let run = Invocation::run("add_approval_indicator")
        .input(seed_input())
        .against(&sim)
        .invoke();
    let output = run.event().body.output.unwrap_or_else(|| run.fail("no output"));
    let results = &output["results"];
    assert_eq!(results["success"], true);
    let id: u64 = results["import_session_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("id is a string");
    let session = sim.import_session(id).expect("the simulator holds the session");
    assert_eq!(results["job_id"], session.job_id.as_str());
    assert_eq!(session.api_version, "v2");
    assert_eq!(session.file_name.as_deref(), Some("TestHashesAnom.csv"));
    assert_eq!(
        session.file_bytes.as_deref(),
        Some(b"value,itype,tags\n4d68462ca6071f9b6ad0fabea8bd1c9f,mal_md5,\n".as_slice())
    );
    assert_eq!(
        session.fields,
        pairs(&[
            // The seed's confidence and weight of 0 are what its form sent for fields left empty.
            ("classification", "private"),
            ("expiration_ts", "2018-12-19T00:00:00-05:00"),
        ])
    );
    assert_eq!(session.observables, ["4d68462ca6071f9b6ad0fabea8bd1c9f"]);
    let request = &sim.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/api/v2/intelligence/import/")
    );
    assert!(request
        .header("content-type")
        .unwrap_or_default()
        .starts_with("multipart/form-data"));
    assert_event_snapshot!("import_seed_ok", run.json());
}

#[test]
fn datatext_and_every_setting_arrive_as_form_fields() {
    let sim = simulator();
    let input = json!({
        "datatext": "198.51.100.7\nevil-domain.example\n44d88612fea8a8f36de82e1278abb02f\n",
        "indicator_settings": {
            "confidence": 80, "source_confidence_weight": 100, "severity": "very-high", "classification": "public",
            "expiration_ts": "0001-01-01T00:00:00Z", "notes": ["phishing", "campaign 7"], "ip_mapping": "c2_ip",
            "domain_mapping": "mal_domain", "url_mapping": "mal_url", "email_mapping": "phish_email",
            "md5_mapping": "mal_md5", "trustedcircles": [146, 200], "threat_type": "malware"
        }
    });
    let output = Invocation::run("add_approval_indicator")
        .input(input)
        .against(&sim)
        .ok();
    let id: u64 = output["results"]["import_session_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("id");
    let session = sim.import_session(id).expect("session");
    assert_eq!(session.file_name, None);
    assert_eq!(
        session.fields,
        pairs(&[
            ("confidence", "80"),
            ("source_confidence_weight", "100"),
            ("severity", "very-high"),
            ("classification", "public"),
            ("notes", "phishing,campaign 7"),
            ("ip_mapping", "c2_ip"),
            ("domain_mapping", "mal_domain"),
            ("url_mapping", "mal_url"),
            ("email_mapping", "phish_email"),
            ("md5_mapping", "mal_md5"),
            ("trustedcircles", "146,200"),
            ("threat_type", "malware"),
            (
                "datatext",
                "198.51.100.7\nevil-domain.example\n44d88612fea8a8f36de82e1278abb02f\n"
            ),
        ])
    );
    assert_eq!(session.observables.len(), 3, "{:?}", session.observables);
}

#[test]
fn v1_connections_import_through_the_v1_route() {
    let sim = simulator();
    let mut connection = connection(&sim);
    connection["api_version"] = json!("v1");
    Invocation::run("add_approval_indicator")
        .input(json!({"datatext": "198.51.100.7"}))
        .connection(connection)
        .ok();
    assert_eq!(sim.requests()[0].path, "/api/v1/intelligence/import/");
}

#[test]
fn bad_inputs_get_an_error_and_no_request() {
    let sim = simulator();
    let with_settings = |settings: Value| json!({"datatext": "198.51.100.7", "indicator_settings": settings});
    let cases = [
        (
            json!({"file": {"filename": "a.csv", "content": "not base64!"}}),
            "file.content",
        ),
        (json!({"file": {"filename": "a.csv", "content": ""}}), "file.content"),
        (json!({"file": {"filename": "", "content": "YQ=="}}), "file.filename"),
        (json!({"file": {"content": "YQ=="}}), "filename"),
        (json!({}), "file"),
        (json!({"datatext": ""}), "file"),
        (
            json!({"datatext": "198.51.100.7", "file": {"filename": "a.csv", "content": "YQ=="}}),
            "file",
        ),
        (with_settings(json!({"confidence": 101})), "confidence"),
        (with_settings(json!({"confidence": -1})), "confidence"),
        (
            with_settings(json!({"source_confidence_weight": 250})),
            "source_confidence_weight",
        ),
        (with_settings(json!({"severity": "extreme"})), "severity"),
        (with_settings(json!({"classification": "secret"})), "classification"),
        (with_settings(json!({"expiration_ts": "next tuesday"})), "expiration_ts"),
        (with_settings(json!({"trustedcircles": ["one"]})), "trustedcircles"),
        (with_settings(json!({"tlp": "red"})), "tlp"),
    ];
    for (input, named) in cases {
        Invocation::run("add_approval_indicator")
            .input(input)
            .against(&sim)
            .refused_naming(named);
    }
    assert_untouched(&sim);
}

#[test]
fn forbidden_says_which_permission_is_missing() {
    let sim = simulator();
    sim.push_fault(Fault::Status {
        status: 403,
        body: "{\"message\": \"Forbidden\"}".into(),
    });
    let run = Invocation::run("add_approval_indicator")
        .input(seed_input())
        .against(&sim)
        .errs();
    let exception = run.exception();
    assert_eq!(exception.cause, Preset::Unauthorized.texts().0);
    assert!(
        exception
            .assistance
            .starts_with("The account configured in the connection lacks ThreatStream's Import Intel permission"),
        "{}",
        exception.assistance
    );
    assert_event_snapshot!("import_forbidden", run.json());
}

/// A failure that leaves the import's outcome unknown (a 5xx, a broken connection) says it may have
/// been applied and how to check; a refusal (401, 429) is the preset alone. Neither is sent again.
#[test]
fn upstream_failures_are_reported_and_never_retried() {
    let sim = simulator();
    let status = |status| Fault::Status {
        status,
        body: "{}".into(),
    };
    for (fault, preset, unconfirmed) in [
        (status(401), Preset::InvalidCredentials, false),
        (status(500), Preset::ServerError, true),
        (status(503), Preset::ServiceUnavailable, true),
        (
            Fault::RateLimited {
                retry_after: Some("1".into()),
            },
            Preset::RateLimit,
            false,
        ),
        (Fault::DropConnection, Preset::ConnectionError, true),
    ] {
        sim.clear_requests();
        sim.push_fault(fault);
        let run = Invocation::run("add_approval_indicator")
            .input(seed_input())
            .against(&sim);
        if unconfirmed {
            run.fails_unconfirmed(preset, "List Import Sessions");
        } else {
            run.fails(preset);
        }
        assert_eq!(sim.requests().len(), 1, "an import is sent once, never replayed");
        sim.clear_faults();
    }
}

#[test]
fn a_2xx_that_says_it_failed_is_an_error() {
    let sim = simulator();
    for body in [
        r#"{"success": false, "message": "bad file"}"#,
        r#"{"success": true, "error": "quota exceeded"}"#,
    ] {
        sim.push_fault(Fault::Status {
            status: 202,
            body: body.into(),
        });
        let run = Invocation::run("add_approval_indicator")
            .input(seed_input())
            .against(&sim)
            .fails(Preset::BadRequest);
        let data = run.exception().data;
        assert!(data.contains("bad file") || data.contains("quota"), "{data}");
    }
}

#[test]
fn import_observable_sends_4_0_0s_settings_and_its_tlp() {
    let sim = simulator();
    let output = Invocation::run("import_observable")
        .input(json!({"datatext": "198.51.100.7\nevil-domain.example",
            "observable_settings": {"classification": "public", "confidence": 100, "threat_type": "brute"},
            "tlp": "amber+strict"}))
        .against(&sim)
        .ok();
    let id: u64 = output["results"]["import_session_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id");
    let session = sim.import_session(id).expect("the simulator holds the session");
    assert_eq!(
        session.fields,
        pairs(&[
            ("confidence", "100"),
            ("classification", "public"),
            ("threat_type", "brute"),
            ("tlp", "amber+strict"),
            ("datatext", "198.51.100.7\nevil-domain.example"),
        ])
    );
    assert_eq!(output["results"]["success"], true);
}

#[test]
fn import_observable_leaves_an_empty_tlp_out_and_refuses_an_unknown_one() {
    let sim = simulator();
    let file = json!({"filename": "observables.txt", "content": "MTk4LjUxLjEwMC43Cg=="});
    Invocation::run("import_observable")
        .input(json!({"file": file, "tlp": ""}))
        .against(&sim)
        .ok();
    let session = &sim.import_sessions()[0];
    assert!(
        session.fields.iter().all(|(name, _)| name != "tlp"),
        "{:?}",
        session.fields
    );
    sim.clear_requests();
    for (input, named) in [
        (json!({"file": file, "tlp": "white"}), "/tlp"),
        (json!({"file": file, "datatext": "198.51.100.7"}), "'file'"),
        (
            json!({"datatext": "198.51.100.7", "observable_settings": {"expiration_ts": "soon"}}),
            "'observable_settings.expiration_ts'",
        ),
        (
            json!({"datatext": "198.51.100.7", "observable_settings": {"confidence": 101}}),
            "/observable_settings/confidence",
        ),
        (json!({}), "'file'"),
    ] {
        Invocation::run("import_observable")
            .input(input)
            .against(&sim)
            .refused_naming(named);
    }
    assert_untouched(&sim);
}
