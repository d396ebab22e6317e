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
///
/// # Contract: POST `/api/v1/snapshot/`
///
/// - Capability: Snapshots (`create_snapshot`)
/// - Parameters and body: JSON `{"custom_config": {"chunk_size": "<n>MB", "format": "json_v2"}}`. Sent once
/// - Answer and paging: `{id (number), status ("inprogress"), snapshot_ts, location, sha256sum, resource_uri}`;
///   an answer without an ID is an error. No paging
/// - Confirmed by: CS `Anomali.json` operation `Snapshot` (OpenAPI 3.0.3; types, not values), the only public
///   source: unconfirmed by any client
/// - Fixtures: `admin/crowdstrike_snapshot_created`
/// - Choice: No client calls it → CS's description is followed; `json_v2` is the only format it names
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
///
/// # Contract: GET `/api/v1/snapshot/{id}/`
///
/// - Capability: Snapshots (`get_snapshot`, `download_snapshot`)
/// - Parameters and body: None
/// - Answer and paging: `{status: inprogress|completed|errors, files: [{download_url, sha256, total_count}]}`; no
///   file until `completed`; a link may be pre-signed, so it is never output. Download Snapshot then GETs one
///   file's `download_url` as given (the instance's with the key; another host's over HTTPS only, without it; no
///   redirect) and streams it, checking `sha256`. 404: no snapshot with that ID. No paging
/// - Confirmed by: CS `Anomali.json` (GET `/api/v1/snapshot/{id}`), the only public source: unconfirmed by any
///   client
/// - Fixtures: `admin/crowdstrike_snapshot_completed`, `admin/crowdstrike_snapshot_in_progress`
/// - Choice: CS writes the path without its final slash; every other v1 detail path has one → sent with one
///   (unconfirmed)
pub(crate) async fn snapshot(client: &Client, id: u64) -> Result<Record, ApiError> {
    client.get_json(&format!("api/v1/snapshot/{id}/"), &[]).await
}
