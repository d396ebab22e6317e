//! Investigations: `/api/v1/investigation/` and its elements, `/api/v1/investigationelement/`
//! (reference §1.14), as XSOAR's v3 calls them.
//!
//! - List: `GET /api/v1/investigation/?order_by=-created_ts` with `limit` and `offset`, then
//!   `meta.next` (XSOAR; CrowdStrike's spec has the same parameters).
//! - One: `GET /api/v1/investigation/{id}/`; a 404 is none.
//! - Create: `POST` with the fields given; 201 with the investigation (XSOAR's
//!   `create_investigation_response`, CrowdStrike's spec). A second copy is a second investigation:
//!   sent once.
//! - Update: `PATCH /api/v1/investigation/{id}/` with the fields given; answers it. Retried.
//! - Delete: `DELETE` → 204. Retried (a second delete finds nothing, the caller reads that).
//! - Elements: `POST /api/v1/investigationelement/?investigation_id=<id>` with `{"objects":
//!   [{"r_type", "r_id", "add_related_indicators", "investigation_id"}]}` (XSOAR), answering the
//!   counts added and already there; sent once. `GET` the same path lists them (FortiSOAR's
//!   `list_investigation_elements`).
//!
//! An investigation the instance lacks may be the cloud's: reads and writes by ID that the instance
//! answers 404 are asked again with `remote_api=true`, as Splunk SOAR does (`remote`).

use reqwest::Method;
use serde_json::{json, Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::{none_when_missing, ApiError};
use super::intelligence::{numeric_id, Record};
use super::paging::each_page;
use super::remote::{local_then_remote, remote_query, write_to};

const PATH: &str = "api/v1/investigation/";

fn path(id: u64) -> String {
    format!("{PATH}{id}/")
}

/// The newest investigations first, up to `limit`.
pub(crate) async fn investigations(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut found = Vec::new();
    let order = [("order_by", "-created_ts".to_owned())];
    each_page(client, PATH, &order, limit, |page| found.extend(page)).await?;
    Ok(found)
}

/// Investigation `id`; `None` when ThreatStream has none.
pub(crate) async fn investigation(client: &Client, id: u64) -> Result<Option<Record>, ApiError> {
    let path = path(id);
    let answer = local_then_remote(client, |remote| {
        let (path, query) = (&path, remote_query(remote));
        async move { client.get_json(path, &query).await }
    })
    .await;
    none_when_missing(answer)
}

/// Creates an investigation from `fields`; answers it, with its numeric `id`. Sent once.
pub(crate) async fn create_investigation(client: &Client, fields: &Map<String, Value>) -> Result<Record, ApiError> {
    let body = Value::Object(fields.clone()).to_string();
    let answer = client
        .send_json(Method::POST, PATH, &[], Some(body), Replay::Never)
        .await?;
    match answer {
        Value::Object(record) if record.get("id").and_then(numeric_id).is_some() => {
            info!("Created investigation {}", record["id"]);
            Ok(record)
        }
        other => Err(ApiError::Decode {
            path: "id".into(),
            reason: "the answer does not carry the ID of the investigation created".into(),
            excerpt: client.excerpt_of(&other),
        }),
    }
}

/// Sets `changes` on investigation `id`; answers what ThreatStream answered. Retried.
pub(crate) async fn update_investigation(
    client: &Client,
    id: u64,
    changes: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let body = Value::Object(changes.clone()).to_string();
    let answer = by_id(client, id, Method::PATCH, Some(body)).await?;
    info!("Updated investigation {id}");
    Ok(answer)
}

/// Deletes investigation `id`. Retried.
pub(crate) async fn delete_investigation(client: &Client, id: u64) -> Result<(), ApiError> {
    by_id(client, id, Method::DELETE, None).await?;
    info!("Deleted investigation {id}");
    Ok(())
}

async fn by_id(client: &Client, id: u64, method: Method, body: Option<String>) -> Result<Value, ApiError> {
    let path = path(id);
    write_to(client, false, |remote| {
        let (method, body, query, path) = (method.clone(), body.clone(), remote_query(remote), &path);
        async move { client.send_json(method, path, &query, body, Replay::Safe).await }
    })
    .await
}

/// One element to add: an observable (`intelligence2`) or a threat model, by its ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) r_type: &'static str,
    pub(crate) r_id: u64,
    pub(crate) add_related_indicators: bool,
}

/// Adds `elements` to investigation `id`; answers ThreatStream's counts and elements. Sent once.
pub(crate) async fn add_elements(client: &Client, id: u64, elements: &[Element]) -> Result<Value, ApiError> {
    let objects: Vec<Value> = elements
        .iter()
        .map(|element| {
            json!({"r_type": element.r_type, "r_id": element.r_id,
                   "add_related_indicators": u8::from(element.add_related_indicators), "investigation_id": id})
        })
        .collect();
    let query = [("investigation_id", id.to_string())];
    let body = json!({"objects": objects}).to_string();
    let answer = client
        .send_json(
            Method::POST,
            "api/v1/investigationelement/",
            &query,
            Some(body),
            Replay::Never,
        )
        .await?;
    info!(
        "Sent {} for investigation {id}",
        crate::plural::count_of(elements.len(), "element")
    );
    Ok(answer)
}

/// The elements of investigation `id`, up to `limit`.
pub(crate) async fn elements(client: &Client, id: u64, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut found = Vec::new();
    let query = [("investigation_id", id.to_string())];
    each_page(client, "api/v1/investigationelement/", &query, limit, |page| {
        found.extend(page)
    })
    .await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use threatstream_simulator::{Fault, Simulator};

    use super::super::paging::tests::{client_of, run};
    use super::*;

    #[test]
    fn elements_are_sent_once_in_xsoars_body() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        sim.push_fault(Fault::Status {
            status: 503,
            body: "{}".into(),
        });
        let element = Element {
            r_type: "intelligence2",
            r_id: 500_000_101,
            add_related_indicators: false,
        };
        assert!(run(add_elements(&client, 1001, &[element])).is_err());
        let requests = sim.requests();
        assert_eq!(requests.len(), 1, "never sent twice");
        assert_eq!(requests[0].query.as_deref(), Some("investigation_id=1001"));
        let body: Value = serde_json::from_slice(&requests[0].body).expect("JSON");
        assert_eq!(
            body,
            json!({"objects": [{"r_type": "intelligence2", "r_id": 500_000_101, "add_related_indicators": 0,
                                "investigation_id": 1001}]})
        );
    }
}
