//! Links between a threat model and observables or other models:
//! `POST /api/v1/{model}/{id}/{target}/bulk_add/` and `.../bulk_remove/`, and the models of one type
//! linked to a model, `GET /api/v1/{model}/{id}/{target}/` (reference §1.14).
//!
//! The bodies are the public clients': XSOAR's `add_threat_model_association_command` sends `{"ids":
//! [...]}` of numbers; Splunk SOAR's `_handle_association` sends, on an on-premises instance, its
//! own observables in `ids` and the cloud's in `remote_ids`, and when that answers 404 (the model is
//! not the instance's) tries again with `{"local_ids": [...]}` and then `{"ids": [cloud]}` with
//! `remote_api=true`. Both read the answer's `ids` (and Splunk `remote_ids`, `local_ids`) as the ids
//! the call changed: an id left out was already linked (or unlinked), or is not one ThreatStream
//! knows (Splunk: "Please check for the non-modified ids as they would be already associated or
//! invalid"). XSOAR fails an answer without a list of `ids`, and so does this module.
//!
//! Linking an id already linked changes nothing, and so does unlinking one that is not: both calls
//! are retried like reads. The cloud's lists (`remote_ids`, the second try) are sent only when the
//! connection asks the cloud (its Remote API option): otherwise every id goes in `ids`.

use reqwest::Method;
use serde_json::{json, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::{numeric_id, Record};
use super::model_writes::ModelRef;
use super::paging::each_page;
use super::remote::remote_query;
use super::threat_models::ModelType;

/// What is linked to a model: its observables (`intelligence`), or models of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkTarget {
    Observables,
    Models(ModelType),
}

impl LinkTarget {
    fn segment(self) -> &'static str {
        match self {
            LinkTarget::Observables => "intelligence",
            LinkTarget::Models(model_type) => model_type.as_str(),
        }
    }
}

/// Whether a call adds links or removes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkChange {
    Add,
    Remove,
}

/// The ids of one call, the instance's apart from the cloud's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LinkIds {
    pub(crate) local: Vec<u64>,
    pub(crate) cloud: Vec<u64>,
}

/// Links (or unlinks) `ids` of `target` to `model`; answers the ids ThreatStream says it changed.
///
/// # Contract: POST `/api/v1/{model}/{id}/{target}/bulk_add/`
///
/// - Capability: Threat models (`link_threat_model`)
/// - Parameters and body: `{target}` is `intelligence` for observables or the type of the linked models (`actor`,
///   ...). JSON `{"ids": [...]}` (numbers). With Remote API on, SOAR's sequence: `{"ids": [local], "remote_ids":
///   [cloud]}`, on a 404 `{"local_ids": [...]}`, then `{"ids": [cloud]}` with `remote_api=true`. Observables
///   given by value are found first with the exact-match lookup. Retried like a read
/// - Answer and paging: `{"success": true, "ids": [...]}`: the ids changed; an id left out was linked (or
///   unlinked) already, or is unknown. An answer without a list of `ids` fails. No paging
/// - Confirmed by: XS3 `threatstream-add-threat-model-association` (observables and models, `{"ids"}`, fails
///   without `ids`); SOAR add association, remove association (`ids`, `remote_ids`, `local_ids`, "non-modified
///   ids ... already associated or invalid"); reference §1.14 (`incident/{id}/intelligence/bulk_add/`,
///   `tipreport/{id}/intelligence/bulk_add/`)
/// - Fixtures: None (simulator)
/// - Choice: Local and cloud ids apart (SOAR) or together (XS3) → apart only when the connection asks the cloud
///
/// # Contract: POST `/api/v1/{model}/{id}/{target}/bulk_remove/`
///
/// - Capability: Threat models (`unlink_threat_model`)
/// - Parameters and body: As `bulk_add`, with the same bodies and the same Remote API sequence. Retried like a
///   read: unlinking what is not linked changes nothing
/// - Answer and paging: As `bulk_add`: `ids` lists what was unlinked; an id found but left out was not linked
/// - Confirmed by: SOAR remove association (`_handle_association` with `bulk_remove`, the same bodies); reference
///   §1.14
/// - Fixtures: None (simulator)
/// - Choice: XS3 has no unlink: SOAR is the only client of this route
pub(crate) async fn change_links(
    client: &Client,
    model: ModelRef,
    target: LinkTarget,
    change: LinkChange,
    ids: &LinkIds,
) -> Result<Vec<u64>, ApiError> {
    let path = match change {
        LinkChange::Add => format!("{}{}/bulk_add/", model.path(), target.segment()),
        LinkChange::Remove => format!("{}{}/bulk_remove/", model.path(), target.segment()),
    };
    let changed = if client.remote_api() {
        on_premises(client, model, &path, ids).await?
    } else {
        let all: Vec<u64> = ids.local.iter().chain(&ids.cloud).copied().collect();
        send(client, &path, json!({"ids": all}), false).await?
    };
    let noun = match target {
        LinkTarget::Observables => "observable",
        LinkTarget::Models(model_type) => model_type.as_str(),
    };
    let (verb, preposition) = match change {
        LinkChange::Add => ("Linking", "to"),
        LinkChange::Remove => ("Unlinking", "from"),
    };
    info!(
        "{verb} {} {preposition} {} {}: ThreatStream changed {}",
        crate::plural::count_of(ids.local.len() + ids.cloud.len(), noun),
        model.model_type.as_str(),
        model.id,
        changed.len()
    );
    Ok(changed)
}

/// Splunk SOAR's on-premises sequence (see the module doc).
async fn on_premises(client: &Client, model: ModelRef, path: &str, ids: &LinkIds) -> Result<Vec<u64>, ApiError> {
    if !model.in_cloud {
        let mut body = json!({"ids": ids.local});
        if !ids.cloud.is_empty() {
            body["remote_ids"] = json!(ids.cloud);
        }
        match send(client, path, body, false).await {
            Err(ApiError::Status { status: 404, .. }) => {}
            answer => return answer,
        }
    }
    let mut changed = Vec::new();
    if !ids.local.is_empty() {
        changed.extend(send(client, path, json!({"local_ids": ids.local}), false).await?);
    }
    if !ids.cloud.is_empty() {
        changed.extend(send(client, path, json!({"ids": ids.cloud}), true).await?);
    }
    Ok(changed)
}

async fn send(client: &Client, path: &str, body: Value, remote: bool) -> Result<Vec<u64>, ApiError> {
    let answer = client
        .send_json(
            Method::POST,
            path,
            &remote_query(remote),
            Some(body.to_string()),
            Replay::Safe,
        )
        .await?;
    changed_ids(&answer).ok_or_else(|| ApiError::Decode {
        path: "ids".into(),
        reason: "the answer does not list the ids it changed".into(),
        excerpt: client.excerpt_of(&answer),
    })
}

/// The ids an answer says changed: its `ids`, `remote_ids` and `local_ids` lists, numbers or text.
/// `None` when it has none of them.
fn changed_ids(answer: &Value) -> Option<Vec<u64>> {
    let lists: Vec<&Vec<Value>> = ["ids", "remote_ids", "local_ids"]
        .iter()
        .filter_map(|key| answer.get(*key).and_then(Value::as_array))
        .collect();
    if lists.is_empty() {
        return None;
    }
    Some(lists.into_iter().flatten().filter_map(numeric_id).collect())
}

/// The models of `model_type` linked to `model`, up to `limit`; none on a 404.
///
/// # Contract: GET `/api/v1/{model}/{id}/{model}/`
///
/// - Capability: Threat models (`get_threat_model` with Linked Model Types)
/// - Parameters and body: `limit=<up to 1000>&offset=0`; `remote_api=true` for a cloud model when Remote API is
///   on
/// - Answer and paging: A Tastypie page of the linked models of that type; a 404 is none. Paging: `meta.next` as
///   given, until the limit
/// - Confirmed by: FS `list_threat_model_entity` (`/api/v1/tipreport/{id}/{entity_type}`, no slash); SOAR list
///   associations
/// - Fixtures: None (simulator)
/// - Choice: FS leaves out the trailing slash → kept, as on every route
pub(crate) async fn linked_models(
    client: &Client,
    model: ModelRef,
    model_type: ModelType,
    limit: usize,
) -> Result<Vec<Record>, ApiError> {
    let path = format!("{}{}/", model.path(), model_type.as_str());
    let remote = remote_query(model.in_cloud && client.remote_api());
    let mut found = Vec::new();
    match each_page(client, &path, &remote, limit, |page| found.extend(page)).await {
        Err(ApiError::Status { status: 404, .. }) if found.is_empty() => Ok(Vec::new()),
        Err(error) => Err(error),
        Ok(_) => Ok(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_lists_what_changed_in_any_of_its_lists() {
        assert_eq!(
            changed_ids(&json!({"ids": [2222, "3333"], "success": true})),
            Some(vec![2222, 3333])
        );
        assert_eq!(
            changed_ids(&json!({"ids": [], "remote_ids": ["11783"]})),
            Some(vec![11783])
        );
        assert_eq!(changed_ids(&json!({"success": true})), None);
        assert_eq!(changed_ids(&Value::Null), None);
    }
}
