//! One observable by its ID: `GET` and `PATCH /api/v2/intelligence/{id}/` (reference §1.8, §1.12).
//!
//! These are v2 endpoints whatever the connection's version. An update sets fields to the values
//! given, so sending it twice does what sending it once does: it is retried like a read. ThreatStream
//! answers an update with 202, with the changed record or with nothing.

use reqwest::Method;
use serde_json::{Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;

fn path(id: u64) -> String {
    format!("api/v2/intelligence/{id}/")
}

/// The observable with ThreatStream ID `id`.
pub(crate) async fn observable(client: &Client, id: u64) -> Result<Record, ApiError> {
    client.get_json(&path(id), &[]).await
}

/// Sets `changes` (ThreatStream's field names) on observable `id`; answers with the record when the
/// 202 carried it, `Null` otherwise.
pub(crate) async fn update_observable(
    client: &Client,
    id: u64,
    changes: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let body = Value::Object(changes.clone()).to_string();
    let answer = client
        .send_json(Method::PATCH, &path(id), &[], Some(body), Replay::Safe)
        .await?;
    let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
    info!("Updated observable {id}: {}", fields.join(", "));
    Ok(answer)
}
