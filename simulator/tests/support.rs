//! One way to build clients and read answers, so each test says only what
//! it checks.

use serde_json::Value;
use threatstream_simulator::{Simulator, USERNAME};

pub(crate) const KEY: &str = "test-api-key-0123";

pub(crate) fn start() -> Simulator {
    Simulator::start(KEY)
}

pub(crate) fn auth() -> String {
    format!("apikey {USERNAME}:{KEY}")
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build a reqwest client")
}

/// GET with the right credentials; `path` includes any query.
pub(crate) async fn get(sim: &Simulator, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", sim.url()))
        .header("authorization", auth())
        .send()
        .await
        .expect("the simulator answers")
}

pub(crate) async fn get_json(sim: &Simulator, path: &str) -> (u16, Value) {
    let response = get(sim, path).await;
    let status = response.status().as_u16();
    let body = json_of(response).await;
    (status, body)
}

pub(crate) fn values(page: &Value) -> Vec<String> {
    page["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .map(|o| o["value"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes a body as JSON without reqwest's `json` feature, which would
/// change the plugin's reqwest build when the whole workspace is tested.
pub(crate) async fn json_of(response: reqwest::Response) -> Value {
    let bytes = response.bytes().await.expect("a body");
    serde_json::from_slice(&bytes).expect("a JSON body")
}
