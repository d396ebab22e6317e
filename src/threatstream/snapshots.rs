//! Snapshots, ThreatStream's export of everything: `POST /api/v1/snapshot/` and
//! `GET /api/v1/snapshot/{id}/`.
//!
//! No SOAR integration offers snapshots and no public client calls these routes: the shapes are
//! those of CrowdStrike's OpenAPI description of the API alone (a body of `custom_config` with a
//! `chunk_size` such as `10MB` and a `format`, `json_v2` by default; an answer with `id`, `status`,
//! `snapshot_ts`, `location`, `sha256sum`; then `status` `inprogress`, `completed` or `errors` and
//! `files` of `{download_url, sha256, total_count}`). Its detail path has no trailing slash; every
//! other v1 path has one and Tastypie's detail routes end in one, so it is sent with one. Starting a
//! snapshot is sent once: a second copy would be a second export.

use reqwest::Method;
use serde_json::{json, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;

/// `POST /api/v1/snapshot/`: ThreatStream's answer. Sent once.
pub(crate) async fn create_snapshot(client: &Client, chunk_size_mb: u64, format: &str) -> Result<Value, ApiError> {
    let body = json!({"custom_config": {"chunk_size": format!("{chunk_size_mb}MB"), "format": format}});
    let answer = client
        .send_json(
            Method::POST,
            "api/v1/snapshot/",
            &[],
            Some(body.to_string()),
            Replay::Never,
        )
        .await?;
    info!("Started a snapshot");
    Ok(answer)
}

/// `GET /api/v1/snapshot/{id}/`.
pub(crate) async fn snapshot(client: &Client, id: u64) -> Result<Record, ApiError> {
    client.get_json(&format!("api/v1/snapshot/{id}/"), &[]).await
}
