//! The simulator as the demo meets it: over HTTPS, and as a separate process.

use threatstream_simulator::{Simulator, USERNAME};

use crate::support::{bin_output, json_of, BinProcess};

#[tokio::test]
async fn tls_serves_https_with_a_certificate_the_client_must_trust() {
    let sim = Simulator::builder().api_key("k").tls(true).start();
    assert!(sim.url().starts_with("https://127.0.0.1:"));
    let pem = sim.ca_cert_pem().expect("a certificate when tls");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let trusted = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM"))
        .build()
        .expect("client");
    let response = trusted
        .get(format!("{}/api/v2/intelligence/?limit=1", sim.url()))
        .header("authorization", format!("apikey {USERNAME}:k"))
        .send()
        .await
        .expect("TLS works with the certificate trusted");
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);

    let untrusting = reqwest::Client::builder().no_proxy().build().expect("client");
    let refused = untrusting
        .get(format!("{}/api/v2/intelligence/", sim.url()))
        .send()
        .await;
    assert!(refused.is_err(), "an untrusted self-signed certificate is refused");
    assert!(Simulator::start("k").ca_cert_pem().is_none());
}

#[tokio::test]
async fn the_bin_announces_its_url_and_serves() {
    let bin = BinProcess::start(&[
        "--api-key",
        "bin-key",
        "--bulk-records",
        "10",
        "--synthetic-values",
        "4",
        "--synthetic-records",
        "8",
        "--import-delay-ms",
        "0",
        "--deny",
        "tag",
        "--deny",
        "comment",
    ]);
    let url = bin.url();
    let response = reqwest::Client::new()
        .get(format!("{url}/api/v2/intelligence/?value=203.0.113.77"))
        .header("authorization", format!("apikey {USERNAME}:bin-key"))
        .send()
        .await
        .expect("an answer");
    let page = json_of(response).await;
    let control = |name: &str| reqwest::Client::new().get(format!("{url}/__simulator/{name}")).send();
    let synthetic = json_of(control("synthetic").await.expect("an answer")).await;
    let permissions = json_of(control("permissions").await.expect("an answer")).await;
    let delay = json_of(control("import_delay").await.expect("an answer")).await;
    assert_eq!(page["meta"]["total_count"], 10);
    assert_eq!(
        (
            synthetic["records"].as_u64(),
            synthetic["values"].as_array().map(Vec::len)
        ),
        (Some(8), Some(4))
    );
    assert_eq!(permissions["denied"], serde_json::json!(["tag", "comment"]));
    assert_eq!(delay["millis"], 0);
}

#[test]
fn a_busy_port_is_one_line_and_exit_code_1_not_a_panic() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().expect("an address").port().to_string();
    for args in [vec!["--port", &port], vec!["--receiver", "--port", &port]] {
        let output = bin_output(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing announced");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(stderr.starts_with(&format!("threatstream-simulator: cannot listen on 127.0.0.1:{port}: ")));
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_explains_every_option_and_control_route() {
    let output = bin_output(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    let usage: String = help
        .lines()
        .skip_while(|line| !line.starts_with("usage:"))
        .take(2)
        .collect();
    let flags: Vec<&str> = usage
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| word.starts_with("--"))
        .collect();
    assert!(flags.len() >= 15, "{usage}");
    for flag in flags {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with("--") && line.contains(flag)),
            "{flag} is not explained in the options of --help"
        );
    }
    for route in [
        "requests",
        "faults",
        "latency",
        "sandbox",
        "hold",
        "release",
        "records",
        "feed",
        "synthetic",
        "permissions",
        "import_delay",
    ] {
        assert!(help.contains(&format!("/__simulator/{route} ")), "/__simulator/{route}");
    }
    for route in ["events", "stats", "update_ids", "fail", "silence", "recover"] {
        assert!(help.contains(&format!("/__receiver/{route}")), "/__receiver/{route}");
    }
    for default in ["analyst@example.com", "demo-api-key-not-secret"] {
        assert!(help.contains(default), "{default}");
    }
    let bad = bin_output(&["--port", "many"]);
    assert_eq!(bad.status.code(), Some(2));
}
