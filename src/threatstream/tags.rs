//! Tagging observables in bulk, and reading the tags a record carries (`names`, the one way the
//! verdict, the feed's excluded tags and the threat models' outputs read them).
//!
//! The bodies follow the one public client of these routes, XSOAR's Anomali ThreatStream v3
//! (`add_indicator_tag` and `remove_indicator_tag` in AnomaliThreatStreamv3.py, and its test
//! `test_add_indicator_tag_success`):
//!
//! - `POST /api/v2/intelligence/bulk_tagging/` `{"ids": ["123", "456"], "tags": [{"name": "t1", "tlp":
//!   "red"}, ...]}`: one object per tag, each with a TLP. Every client that adds tags sends one: XSOAR
//!   always `red`, Splunk SOAR `red` unless told otherwise, Google SecOps' Anomali `red`, Polarity
//!   `red` or `white`. So a tag always carries one here too, `DEFAULT_TLP` (`red`, visible to the
//!   owning organization only) unless the caller chose another: a tag never becomes more visible
//!   than the caller asked for.
//! - `PATCH /api/v2/intelligence/bulk_remove_tags/` `{"ids": [...], "tags": [{"name": ["t1", "t2"]}]}`:
//!   one object whose `name` is the list of names. Our notes called this a bug of XSOAR's, but it is
//!   the only body anyone has sent to this route, deliberately unlike the add body in the same change,
//!   and nobody has reported it failing; the single-tag routes Polarity and Splunk use are another
//!   endpoint (`/api/v1/intelligence/{id}/tag/`, removal by tag ID) and say nothing of this one. The
//!   public client is right until shown otherwise, so its shape is sent.
//! - IDs go as strings, as XSOAR sends them: the form proven against live tenants.
//!
//! Adding a tag an observable has, or removing one it lacks, changes nothing, so both calls are
//! retried like reads. An observable the instance does not have may be in ThreatStream's cloud
//! (`remote`). Both answers are ignored by XSOAR (its test answers `{}`); here an answer that says it
//! failed (`success: false`, an `error`) is an error, anything else is success.

use reqwest::Method;
use serde_json::{json, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;
use super::remote::{remote_query, write_to};
use crate::plural::count_of;

/// The TLP of a tag whose caller chose none: the one every public client defaults to.
pub(crate) const DEFAULT_TLP: &str = "red";

/// A tag to add: its name, and the traffic-light marking that says who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) tlp: String,
}

impl Tag {
    pub(crate) fn to_json(&self) -> Value {
        json!({"name": self.name, "tlp": self.tlp})
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

/// The IDs as a tagging body lists them: strings.
fn listed(ids: &[u64]) -> Vec<String> {
    ids.iter().map(u64::to_string).collect()
}

/// The body of `bulk_tagging`.
fn tagging_body(ids: &[u64], tags: &[Tag]) -> Value {
    json!({"ids": listed(ids), "tags": tags.iter().map(Tag::to_json).collect::<Vec<_>>()})
}

/// The body of `bulk_remove_tags`: one tag object holding every name.
fn removal_body(ids: &[u64], names: &[String]) -> Value {
    json!({"ids": listed(ids), "tags": [{"name": names}]})
}

/// Tags observables `ids`, which are the cloud's when `in_cloud` (`remote`).
///
/// # Contract: POST `/api/v2/intelligence/bulk_tagging/`
///
/// - Capability: Observables (`add_tags`)
/// - Parameters and body: JSON `{"ids": ["123"], "tags": [{"name": "...", "tlp": "red"}]}`: ids as text, every
///   tag with a TLP (the TLP input, `red` by default). Remote rules as for PATCH. Retried like a read
/// - Answer and paging: XS3's test answers `{}`. Any 2xx that does not say it failed is success. No paging
/// - Confirmed by: XS3 `add_indicator_tag` and `test_add_indicator_tag_success`; TLP defaults: SOAR `red`
///   (selectable), GA and TF `red`, POL `red` or `white`
/// - Fixtures: `intelligence/xsoar_bulk_tagging`
/// - Choice: XS3 always sends `red`; SOAR lets the user choose → an input defaulting to `red`. The single-tag
///   route `/api/v1/intelligence/{id}/tag/` (SOAR, POL, TF) is not used
pub(crate) async fn add_tags(client: &Client, ids: &[u64], tags: &[Tag], in_cloud: bool) -> Result<Value, ApiError> {
    let path = "api/v2/intelligence/bulk_tagging/";
    let answer = send(client, Method::POST, path, tagging_body(ids, tags), in_cloud).await?;
    info!(
        "Tagged {} with {}",
        count_of(ids.len(), "observable"),
        count_of(tags.len(), "tag")
    );
    Ok(answer)
}

/// Removes tags from observables `ids`, which are the cloud's when `in_cloud` (`remote`).
///
/// # Contract: PATCH `/api/v2/intelligence/bulk_remove_tags/`
///
/// - Capability: Observables (`remove_tags`)
/// - Parameters and body: JSON `{"ids": [...], "tags": [{"name": ["t1", "t2"]}]}`: one tag object holding every
///   name. Remote rules as for PATCH. Retried like a read
/// - Answer and paging: Unconfirmed: no source shows the answer (XS3 ignores it); any 2xx that does not say it
///   failed is success. No paging
/// - Confirmed by: XS3 `remove_indicator_tag`, the only public client of this route (its test checks no body)
/// - Fixtures: `intelligence/xsoar_bulk_remove_tags`
/// - Choice: Our earlier reading sent one `{name, tlp}` object per tag; the reference called XS3's list-valued
///   `name` a bug → XS3's shape, the only one ever sent to a tenant (see `threatstream/tags.rs`)
pub(crate) async fn remove_tags(
    client: &Client,
    ids: &[u64],
    names: &[String],
    in_cloud: bool,
) -> Result<Value, ApiError> {
    let path = "api/v2/intelligence/bulk_remove_tags/";
    let answer = send(client, Method::PATCH, path, removal_body(ids, names), in_cloud).await?;
    info!(
        "Removed {} from {}",
        count_of(names.len(), "tag"),
        count_of(ids.len(), "observable")
    );
    Ok(answer)
}

async fn send(client: &Client, method: Method, path: &str, body: Value, in_cloud: bool) -> Result<Value, ApiError> {
    let body = body.to_string();
    write_to(client, in_cloud, |remote| {
        let (method, body, query) = (method.clone(), body.clone(), remote_query(remote));
        async move { client.send_json(method, path, &query, Some(body), Replay::Safe).await }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_ones_xsoar_sends() {
        let tags = [
            Tag {
                name: "tag1".into(),
                tlp: DEFAULT_TLP.into(),
            },
            Tag {
                name: "tag2".into(),
                tlp: "amber".into(),
            },
        ];
        assert_eq!(
            tagging_body(&[123, 456], &tags),
            json!({"ids": ["123", "456"], "tags": [{"name": "tag1", "tlp": "red"}, {"name": "tag2", "tlp": "amber"}]})
        );
        assert_eq!(
            removal_body(&[123], &["t1".into(), "t2".into()]),
            json!({"ids": ["123"], "tags": [{"name": ["t1", "t2"]}]})
        );
    }

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
