//! Rules (keyword alerts): `/api/v1/rule/` (reference §1.14), the routes XSOAR's v3 integration,
//! Splunk SOAR's connector and CrowdStrike's OpenAPI description agree on.
//!
//! Lists are read newest first (`order_by=-created_ts`, as all three send it) through `paging`.
//! Creating is sent once: a second copy would be a second rule. Changing and deleting do the same
//! however often they are sent, and are retried like reads.

use reqwest::Method;
use serde_json::{Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;
use super::paging::each_page;

const PATH: &str = "api/v1/rule/";

fn path(id: u64) -> String {
    format!("{PATH}{id}/")
}

/// `GET /api/v1/rule/?order_by=-created_ts`, page by page, up to `limit` rules.
pub(crate) async fn rules(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut rules = Vec::new();
    let order = [("order_by", "-created_ts".to_owned())];
    each_page(client, PATH, &order, limit, |page| rules.extend(page)).await?;
    Ok(rules)
}

/// `GET /api/v1/rule/{id}/`: the rule with its associations.
pub(crate) async fn rule(client: &Client, id: u64) -> Result<Record, ApiError> {
    client.get_json(&path(id), &[]).await
}

/// `POST /api/v1/rule/`: the new rule as ThreatStream answers it. Sent once.
pub(crate) async fn create_rule(client: &Client, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let body = Value::Object(body.clone()).to_string();
    let answer = client
        .send_json(Method::POST, PATH, &[], Some(body), Replay::Never)
        .await?;
    info!("Created a rule");
    Ok(answer)
}

/// `PATCH /api/v1/rule/{id}/`: the fields given replace the rule's (lists whole).
pub(crate) async fn update_rule(client: &Client, id: u64, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let body = Value::Object(body.clone()).to_string();
    let answer = client
        .send_json(Method::PATCH, &path(id), &[], Some(body), Replay::Safe)
        .await?;
    info!("Updated rule {id}");
    Ok(answer)
}

/// `DELETE /api/v1/rule/{id}/`, answered 204.
pub(crate) async fn delete_rule(client: &Client, id: u64) -> Result<(), ApiError> {
    client
        .send_json(Method::DELETE, &path(id), &[], None, Replay::Safe)
        .await?;
    info!("Deleted rule {id}");
    Ok(())
}
