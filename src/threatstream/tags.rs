//! Tagging observables in bulk: `POST /api/v2/intelligence/bulk_tagging/` and
//! `PATCH /api/v2/intelligence/bulk_remove_tags/`, both `{"ids": [...], "tags": [{"name", "tlp"}]}`
//! (reference §1.12); and reading the tags a record carries (`names`), the one way the verdict, the
//! feed's excluded tags and the threat models' outputs read them.
//!
//! Adding a tag an observable has, or removing one it lacks, changes nothing, so both calls are
//! retried like reads. Removal sends one object per name: XSOAR's single object holding every name
//! looks like a bug of theirs, not the API's shape.

use reqwest::Method;
use serde_json::{json, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;

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

/// The names of the tags a record (an observable or a threat model) carries: v2 sends
/// `{"name": ...}` objects, older answers plain names; both are taken, trimmed, and empty ones dropped.
pub(crate) fn names(record: &Record) -> impl Iterator<Item = &str> {
    record
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| tag.get("name").and_then(Value::as_str).or_else(|| tag.as_str()))
        .map(str::trim)
        .filter(|name| !name.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_objects_and_plain_strings_trimmed() {
        let record = |tags: Value| match json!({"tags": tags}) {
            Value::Object(record) => record,
            _ => unreachable!(),
        };
        let tagged = record(
            json!([{"id": "t1", "name": " insightconnect "}, "  loader", {"id": "t2"},
            {"name": "  "}, "", 7, {"name": "APT29", "tlp": "red"}]),
        );
        assert_eq!(
            names(&tagged).collect::<Vec<_>>(),
            ["insightconnect", "loader", "APT29"]
        );
        for nothing in [json!(null), json!("apt29"), json!({"name": "apt29"})] {
            assert_eq!(names(&record(nothing.clone())).count(), 0, "{nothing}");
        }
        assert_eq!(names(&Record::new()).count(), 0);
    }
}
