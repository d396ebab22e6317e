//! Tagging observables, in bulk (v2) and one record at a time (v1).
//!
//! Bodies, as peers send them (reference §1.12):
//! - `POST /api/v2/intelligence/bulk_tagging/` `{"ids": [...], "tags": [{"name", "tlp"}]}`
//! - `PATCH /api/v2/intelligence/bulk_remove_tags/` the same shape; a tag's
//!   `name` may also be a list of names, because that is what XSOAR's remove
//!   command sends (one object, all names in it).
//! - `POST /api/v1/intelligence/<id>/tag/` `{"tags": [{"name", "tlp", ...}]}` → 201
//! - `DELETE /api/v1/intelligence/<id>/tag/<tag_id>/` → 200
//!
//! Names compare case-insensitively; adding a name a record already has, or
//! removing one it lacks, changes nothing (no new `update_id`). Unknown ids
//! in a bulk call are skipped, and so are the cloud's records unless the call
//! carries `remote_api=true` (nobody shows what a real bulk call does with
//! them; skipping is the quiet failure a client must not rely on). `updated`
//! in the answer counts the records that really changed.

use serde_json::{json, Value};

use crate::http::answer::{ids_of, json_body, number, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{tag_id, to, with, Handler};
use crate::intelligence::observable_record::TagSpec;
use crate::intelligence::search;
use crate::intelligence::store::RecordStore;
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v2", "intelligence", "bulk_tagging"]) => to(|c| bulk_tag(c.state, c.request)),
        ("PATCH", ["api", "v2", "intelligence", "bulk_remove_tags"]) => to(|c| bulk_remove(c.state, c.request)),
        ("POST", ["api", "v1", "intelligence", id, "tag"]) => with(number(id)?, |c, id| add(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "intelligence", id, "tag", tag]) => with((number(id)?, tag_id(tag)?), |c, (id, tag)| remove(c.state, id, &tag)),
        _ => None,
    }
}

pub(crate) fn bulk_tag(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Tag)?;
    let body = json_body(request)?;
    let ids = ids_of(&body["ids"])?;
    let specs = tag_specs(&body["tags"])?;
    let mut store = state.records_mut();
    let ids = in_view(&store, request, ids);
    let updated = ids
        .iter()
        .filter(|&&id| !add_tags(&mut store, id, &specs).is_empty())
        .count();
    Ok(response::json(200, &json!({"success": true, "updated": updated})))
}

pub(crate) fn bulk_remove(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Tag)?;
    let body = json_body(request)?;
    let ids = ids_of(&body["ids"])?;
    let names = names_to_remove(&body["tags"])?;
    let mut store = state.records_mut();
    let ids = in_view(&store, request, ids);
    let updated = ids
        .iter()
        .filter(|&&id| remove_tags(&mut store, id, |tag| names.contains(&lower_name(tag))))
        .count();
    Ok(response::json(200, &json!({"success": true, "updated": updated})))
}

pub(crate) fn add(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    state.denials.require(Permission::Tag)?;
    let body = json_body(request)?;
    let specs = tag_specs(&body["tags"])?;
    let mut store = state.records_mut();
    if store.get(id).is_none() {
        return Err(Refused::no_observable(id));
    }
    let added = add_tags(&mut store, id, &specs);
    Ok(response::json(201, &json!({"success": true, "tags": added})))
}

pub(crate) fn remove(state: &State, id: u64, tag_id: &str) -> Answer {
    state.denials.require(Permission::Tag)?;
    let mut store = state.records_mut();
    if store.get(id).is_none() {
        return Err(Refused::no_observable(id));
    }
    if !remove_tags(&mut store, id, |tag| tag["id"].as_str() == Some(tag_id)) {
        return Err(Refused::new(404, &format!("Observable {id} has no tag {tag_id}.")));
    }
    Ok(response::json(200, &json!({"success": true})))
}

/// The `ids` the request may change: the cloud's only when it asks the cloud.
fn in_view(store: &RecordStore, request: &RecordedRequest, ids: Vec<u64>) -> Vec<u64> {
    let cloud = search::asks_cloud(request);
    ids.into_iter()
        .filter(|&id| {
            store
                .index_of(id)
                .is_none_or(|index| search::in_view(&store.keys()[index], cloud))
        })
        .collect()
}

/// Adds the tags record `id` lacks; answers the tags added.
fn add_tags(store: &mut RecordStore, id: u64, specs: &[TagSpec]) -> Vec<Value> {
    let Some(record) = store.get(id) else {
        return Vec::new();
    };
    let mut present: Vec<String> = record["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(lower_name)
        .collect();
    let mut added = Vec::new();
    for spec in specs {
        if !present.contains(&spec.name.to_lowercase()) {
            present.push(spec.name.to_lowercase());
            added.push(store.tag(spec));
        }
    }
    if !added.is_empty() {
        store.change(id, timestamp::now_ms(), |record| push_tags(record, &added));
    }
    added
}

fn push_tags(record: &mut Value, added: &[Value]) {
    match record["tags"].as_array_mut() {
        Some(tags) => tags.extend_from_slice(added),
        None => record["tags"] = Value::from(added.to_vec()),
    }
}

/// Removes the tags `doomed` picks; answers whether any went.
fn remove_tags(store: &mut RecordStore, id: u64, doomed: impl Fn(&Value) -> bool) -> bool {
    let Some(record) = store.get(id) else {
        return false;
    };
    if !record["tags"].as_array().is_some_and(|tags| tags.iter().any(&doomed)) {
        return false;
    }
    let keep = |record: &mut Value| {
        if let Some(tags) = record["tags"].as_array_mut() {
            tags.retain(|tag| !doomed(tag));
        }
    };
    store.change(id, timestamp::now_ms(), keep).is_some()
}

fn lower_name(tag: &Value) -> String {
    tag["name"].as_str().unwrap_or_default().to_lowercase()
}

fn tag_specs(value: &Value) -> Result<Vec<TagSpec>, Refused> {
    let refuse = || Refused::new(400, "'tags' must be a non-empty list of {\"name\", \"tlp\"} objects.");
    let items = value.as_array().filter(|items| !items.is_empty()).ok_or_else(refuse)?;
    items
        .iter()
        .map(|item| TagSpec::from_json(item).ok_or_else(refuse))
        .collect()
}

/// Lower-cased names; `name` may be a string or a list of strings.
fn names_to_remove(value: &Value) -> Result<Vec<String>, Refused> {
    let refuse = || Refused::new(400, "'tags' must be a non-empty list of {\"name\"} objects.");
    let items = value.as_array().filter(|items| !items.is_empty()).ok_or_else(refuse)?;
    let mut names = Vec::new();
    for item in items {
        match &item["name"] {
            Value::String(name) => names.push(name.to_lowercase()),
            Value::Array(list) => {
                let listed: Option<Vec<String>> = list.iter().map(|n| n.as_str().map(str::to_lowercase)).collect();
                names.extend(listed.ok_or_else(refuse)?);
            }
            _ => return Err(refuse()),
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> RecordStore {
        RecordStore::new(vec![
            json!({"id": 1, "update_id": 10, "value": "a.example", "type": "domain",
                                     "tags": [{"id": "kq8", "name": "Emotet"}]}),
        ])
    }

    fn spec(name: &str) -> TagSpec {
        TagSpec {
            name: name.to_owned(),
            tlp: Some("amber".to_owned()),
        }
    }

    #[test]
    fn adding_skips_names_already_there_and_bumps_only_on_change() {
        let mut store = store();
        assert!(add_tags(&mut store, 1, &[spec("EMOTET")]).is_empty());
        assert_eq!(store.last_update_id(), 10);
        let added = add_tags(&mut store, 1, &[spec("c2"), spec("C2")]);
        assert_eq!(added.len(), 1);
        assert_eq!(store.last_update_id(), 11);
        assert_eq!(store.keys()[0].tags, ["emotet", "c2"]);
        assert!(
            add_tags(&mut store, 2, &[spec("x")]).is_empty(),
            "unknown ids are skipped"
        );
    }

    #[test]
    fn removing_by_name_or_id() {
        let mut store = store();
        assert!(!remove_tags(&mut store, 1, |tag| lower_name(tag) == "other"));
        assert!(remove_tags(&mut store, 1, |tag| tag["id"] == "kq8"));
        assert!(store.keys()[0].tags.is_empty());
        assert_eq!(store.last_update_id(), 11);
    }

    #[test]
    fn removal_names_come_as_strings_or_lists() {
        let names = names_to_remove(&json!([{"name": "A"}, {"name": ["b", "C"]}]));
        assert_eq!(names.ok(), Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]));
        assert!(names_to_remove(&json!([{"name": 3}])).is_err());
        assert!(names_to_remove(&json!([])).is_err());
        assert!(tag_specs(&json!([{"tlp": "red"}])).is_err());
    }
}
