//! Tagging observables in bulk: `POST /api/v2/intelligence/bulk_tagging/` and
//! `PATCH /api/v2/intelligence/bulk_remove_tags/`, both `{"ids": [...], "tags": [{"name", "tlp"}]}`
//! (reference §1.12).
//!
//! Adding a tag an observable has, or removing one it lacks, changes nothing, so both calls are
//! retried like reads. Removal sends one object per name: XSOAR's single object holding every name
//! looks like a bug of theirs, not the API's shape.

use reqwest::Method;
use serde_json::{json, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;

/// A tag to add: its name, and the traffic-light marking that says who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) tlp: Option<String>,
}

impl Tag {
    /// `{"name", "tlp"}`, without `tlp` when none was given.
    pub(crate) fn to_json(&self) -> Value {
        let mut tag = json!({"name": self.name});
        if let Some(tlp) = &self.tlp {
            tag["tlp"] = json!(tlp);
        }
        tag
    }
}

pub(crate) async fn add_tags(client: &Client, ids: &[u64], tags: &[Tag]) -> Result<Value, ApiError> {
    let body = json!({"ids": ids, "tags": tags.iter().map(Tag::to_json).collect::<Vec<_>>()});
    let answer = client
        .send_json(
            Method::POST,
            "api/v2/intelligence/bulk_tagging/",
            &[],
            Some(body.to_string()),
            Replay::Safe,
        )
        .await?;
    info!("Tagged {} observables with {} tags", ids.len(), tags.len());
    Ok(answer)
}

pub(crate) async fn remove_tags(client: &Client, ids: &[u64], names: &[String]) -> Result<Value, ApiError> {
    let tags: Vec<Value> = names.iter().map(|name| json!({"name": name})).collect();
    let body = json!({"ids": ids, "tags": tags});
    let answer = client
        .send_json(
            Method::PATCH,
            "api/v2/intelligence/bulk_remove_tags/",
            &[],
            Some(body.to_string()),
            Replay::Safe,
        )
        .await?;
    info!("Removed {} tags from {} observables", names.len(), ids.len());
    Ok(answer)
}
