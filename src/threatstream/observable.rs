//! One observable by its ID: `GET` and `PATCH /api/v2/intelligence/{id}/` (reference §1.8, §1.12), its
//! clone, and a report that it is a false positive.
//!
//! These are v2 endpoints whatever the connection's version. An update sets fields to the values
//! given, so sending it twice does what sending it once does: it is retried like a read. ThreatStream
//! answers an update with 202 and the whole updated observable (Polarity replaces its record with that
//! answer; Splunk SOAR's example answer is one), or with nothing. An observable the instance does not
//! have may be in ThreatStream's cloud, asked for when the connection says so (`remote`).

use reqwest::Method;
use serde_json::{json, Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;
use super::remote::{local_then_remote, remote_query, write_to};

fn path(id: u64) -> String {
    format!("api/v2/intelligence/{id}/")
}

/// The observable with ThreatStream ID `id`: the bare record, as Polarity reads it.
pub(crate) async fn observable(client: &Client, id: u64) -> Result<Record, ApiError> {
    let path = path(id);
    local_then_remote(client, |remote| {
        let (path, query) = (&path, remote_query(remote));
        async move { client.get_json(path, &query).await }
    })
    .await
}

/// Sets `changes` (ThreatStream's field names) on observable `id`, which is the cloud's when
/// `in_cloud` (`remote`); answers with the record when the 202 carried it, `Null` otherwise.
pub(crate) async fn update_observable(
    client: &Client,
    id: u64,
    changes: &Map<String, Value>,
    in_cloud: bool,
) -> Result<Value, ApiError> {
    let (path, body) = (path(id), Value::Object(changes.clone()).to_string());
    let answer = write_to(client, in_cloud, |remote| {
        let (path, body, query) = (&path, body.clone(), remote_query(remote));
        async move {
            client
                .send_json(Method::PATCH, path, &query, Some(body), Replay::Safe)
                .await
        }
    })
    .await?;
    let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
    info!("Updated observable {id}: {}", fields.join(", "));
    Ok(answer)
}

/// `POST /api/v2/intelligence/{id}/clone/`, no body, sent once: a second copy would clone it twice.
/// ThreatStream answers 202 with the import session holding the clone, `{"import_session_id": "139",
/// "job_id": "..."}` (Cortex XSOAR's test; CrowdStrike's OpenAPI description types both as text); a
/// 403 `{"message": "The entity <value> is not cloneable"}` for a string, a pending observable or one
/// the caller's organization owns (XSOAR's docstring).
pub(crate) async fn clone_observable(client: &Client, id: u64) -> Result<Value, ApiError> {
    let path = format!("{}clone/", path(id));
    let answer = client.send_json(Method::POST, &path, &[], None, Replay::Never).await?;
    info!("Cloned observable {id}");
    Ok(answer)
}

/// `POST /api/v1/falsepositive/report/` with `{"intelligence": id, "reason", "comment"}`, as Google
/// SecOps SOAR's ThreatFuse and Anomali ThreatStream integrations send it; sent once, since a second
/// copy files a second report. ThreatFuse reads the answer's `success`; one that says it failed is
/// refused by the client, as every answer is.
pub(crate) async fn report_false_positive(
    client: &Client,
    id: u64,
    reason: &str,
    comment: &str,
) -> Result<Value, ApiError> {
    let body = json!({"intelligence": id, "reason": reason, "comment": comment}).to_string();
    let path = "api/v1/falsepositive/report/";
    let answer = client
        .send_json(Method::POST, path, &[], Some(body), Replay::Never)
        .await?;
    info!("Reported observable {id} as a false positive");
    Ok(answer)
}
