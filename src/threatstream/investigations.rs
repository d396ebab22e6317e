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
///
/// # Contract: GET `/api/v1/investigation/`
///
/// - Capability: Investigations (`list_investigations`)
/// - Parameters and body: `order_by=-created_ts`, `limit=<up to 1000>&offset=0`
/// - Answer and paging: `{meta, objects: [investigations]}`: `id`, `name`, `status`, `priority`, `tlp`, `tags`,
///   `elements` (a count), `reporter`, `source_type`, `is_public`, timestamps. Paging: `meta.next` as given,
///   until the limit
/// - Confirmed by: XS3 `threatstream-list-investigation` (`order_by=-created_ts`, `limit`, `offset`); SOAR list
///   investigations; CS `Anomali.json`
/// - Fixtures: None (simulator)
/// - Choice: None
pub(crate) async fn investigations(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut found = Vec::new();
    let order = [("order_by", "-created_ts".to_owned())];
    each_page(client, PATH, &order, limit, |page| found.extend(page)).await?;
    Ok(found)
}

/// Investigation `id`; `None` when ThreatStream has none.
///
/// # Contract: GET `/api/v1/investigation/{id}/`
///
/// - Capability: Investigations (`get_investigation`; the writes' read of the investigation)
/// - Parameters and body: None; `remote_api=true` after a 404 when Remote API is on
/// - Answer and paging: The investigation; a 404 is `found: false` (Get Investigation) or an error naming the ID
///   (the writes). No paging
/// - Confirmed by: XS3 `threatstream-list-investigation` with an ID; SOAR get investigation
/// - Fixtures: None (simulator)
/// - Choice: None
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
///
/// # Contract: POST `/api/v1/investigation/`
///
/// - Capability: Investigations (`create_investigation`)
/// - Parameters and body: JSON of the fields given: `name`, `description`, `priority`, `status`, `tlp`, `tags`
///   (names), `assignee_id` (with `assignee_type: user`). Sent once
/// - Answer and paging: 201 with the investigation; it must carry an `id`. No paging
/// - Confirmed by: XS3 `threatstream-create-investigation` (`create_investigation_response` in
///   `mocked_data.json`); SOAR create investigation; CS `Anomali.json`
/// - Fixtures: None (simulator)
/// - Choice: None
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
///
/// # Contract: PATCH `/api/v1/investigation/{id}/`
///
/// - Capability: Investigations (`update_investigation`)
/// - Parameters and body: JSON of the fields given only; nothing given is refused before any request. Retried
///   like a read
/// - Answer and paging: 200 or 202 with the investigation, or no body (then read back). A 404 names the
///   investigation. No paging
/// - Confirmed by: XS3 `threatstream-update-investigation`; SOAR update investigation
/// - Fixtures: None (simulator)
/// - Choice: None
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
///
/// # Contract: DELETE `/api/v1/investigation/{id}/`
///
/// - Capability: Investigations (`delete_investigation`)
/// - Parameters and body: No body. Read first; retried like a read
/// - Answer and paging: 204. A 404 after the read found it means it is gone already. No paging
/// - Confirmed by: XS3 `threatstream-delete-investigation`; SOAR delete investigation
/// - Fixtures: None (simulator)
/// - Choice: None
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
///
/// # Contract: POST `/api/v1/investigationelement/`
///
/// - Capability: Investigations (`add_investigation_elements`)
/// - Parameters and body: `investigation_id=<id>`; JSON `{"objects": [{"r_type", "r_id",
///   "add_related_indicators": 0|1, "investigation_id"}]}`, `r_type` `intelligence2` for an observable or the
///   model type. Observables given by value are found first with the exact-match lookup. Sent once
/// - Answer and paging: `{added_count, already_in_count, errors, elements?}`: counts, and what it could not add,
///   as text. No paging
/// - Confirmed by: XS3 `threatstream-add-investigation-element` (`add_investigation_element_request`: POST with
///   `investigation_id` in the query, `objects` in the body)
/// - Fixtures: None (simulator)
/// - Choice: None: XS3 is the only client that adds elements
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
///
/// # Contract: GET `/api/v1/investigationelement/`
///
/// - Capability: Investigations (`get_investigation`'s elements)
/// - Parameters and body: `investigation_id=<id>`, `limit=<up to 1000>&offset=0`
/// - Answer and paging: A Tastypie page of elements: `id`, `r_type`, `r_id`, the object's `value` or `name`.
///   Paging: `meta.next` as given, until the limit
/// - Confirmed by: FS `list_investigation_elements`
/// - Fixtures: None (simulator)
/// - Choice: None
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
