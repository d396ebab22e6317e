//! The simulator as the demo meets it: over HTTPS, and as a separate process.

use threatstream_simulator::{Simulator, USERNAME};

use crate::support::{json_of, BinProcess};

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
