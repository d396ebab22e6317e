//! Linking threat models to observables and to each other:
//! `POST /api/v1/{model}/{id}/{target}/bulk_add/` and
//! `POST /api/v1/{model}/{id}/{target}/bulk_remove/`,
//! `target` being `intelligence` or a model type.
//!
//! Bodies and answers as XSOAR's `add_threat_model_association_command` and
//! Splunk SOAR's `_handle_association` send and read them: `{"ids": [...]}`
//! (numbers or numeric text), and on an on-premises instance `remote_ids`
//! (the cloud's observables) beside `ids`, or `local_ids` alone (Splunk's
//! second try after a 404). The answer is `{"success": true, "ids": [...]}`
//! listing only the ids this call linked (or unlinked), and the same for each
//! other list sent: an id already linked, or unknown, is left out, which is
//! how both clients tell "already associated or invalid". A target that is
//! neither is a 405, which Splunk reads as an invalid entity type. `ids`
//! reaches the cloud's observables only with `remote_api=true`, as searches
//! do.

use serde_json::{json, Map, Value};

use crate::context::model_writes::object_body;
use crate::context::threat_models::ModelType;
use crate::http::answer::{id_of, number, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{with, word, Handler};
use crate::intelligence::record_key::RecordKey;
use crate::intelligence::search;
use crate::permissions::Permission;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v1", model, id, target, "bulk_add"]) => with((ModelType::parse(model)?, number(id)?, word(target)?), |c, (model, id, target)| bulk(c.state, (model, id), &target, Change::Add, c.request)),
        ("POST", ["api", "v1", model, id, target, "bulk_remove"]) => with((ModelType::parse(model)?, number(id)?, word(target)?), |c, (model, id, target)| bulk(c.state, (model, id), &target, Change::Remove, c.request)),
        _ => None,
    }
}

/// Whether a call adds links or removes them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Add,
    Remove,
}

pub(crate) fn bulk(
    state: &State,
    (model_type, id): (ModelType, u64),
    target: &str,
    change: Change,
    request: &RecordedRequest,
) -> Answer {
    state.denials.require(Permission::ThreatModel)?;
    let body = object_body(request)?;
    if target == "intelligence" {
        return observables(state, (model_type, id), change, &body, request);
    }
    let Some(target) = ModelType::parse(target) else {
        return Err(Refused::new(
            405,
            &format!("'{target}' is not an entity type that can be associated."),
        ));
    };
    let ids = id_list(&body, "ids")?.unwrap_or_default();
    if ids.is_empty() {
        return Err(Refused::bad("'ids' must be a non-empty list of ids."));
    }
    let mut book = state.models();
    if book.get(model_type, id).is_none() {
        return Err(Refused::not_found(&request.path));
    }
    let mut changed = Vec::new();
    for other in ids {
        let known = book.get(target, other).is_some() && (target, other) != (model_type, id);
        let done = known
            && match change {
                Change::Add => book.link((model_type, id), (target, other)),
                Change::Remove => book.unlink((model_type, id), (target, other)),
            };
        if done {
            changed.push(other);
        }
    }
    Ok(response::json(200, &json!({"success": true, "ids": changed})))
}

/// The lists an observables call may carry, and which records each reaches.
const LISTS: [&str; 3] = ["ids", "remote_ids", "local_ids"];

fn observables(
    state: &State,
    (model_type, id): (ModelType, u64),
    change: Change,
    body: &Map<String, Value>,
    request: &RecordedRequest,
) -> Answer {
    let mut lists = Vec::new();
    for key in LISTS {
        if let Some(ids) = id_list(body, key)? {
            lists.push((key, ids));
        }
    }
    if lists.iter().all(|(_, ids)| ids.is_empty()) {
        return Err(Refused::bad(
            "Give the observables in 'ids', 'remote_ids' or 'local_ids'.",
        ));
    }
    let cloud = search::asks_cloud(request);
    let store = state.records();
    let mut book = state.models();
    let model = book
        .get_mut(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    let mut answer = json!({"success": true});
    let mut any = false;
    for (key, ids) in lists {
        let mut changed = Vec::new();
        for record in ids {
            let reaches = store
                .index_of(record)
                .is_some_and(|index| reaches(key, &store.keys()[index], cloud));
            let linked = model.observables.contains(&record);
            match change {
                Change::Add if reaches && !linked => model.observables.push(record),
                Change::Remove if reaches && linked => model.observables.retain(|known| *known != record),
                _ => continue,
            }
            changed.push(record);
        }
        any |= !changed.is_empty();
        answer[key] = json!(changed);
    }
    if any {
        book.touch(model_type, id);
    }
    Ok(response::json(200, &answer))
}

/// Whether an id in list `key` may name this record.
fn reaches(key: &str, record: &RecordKey, cloud: bool) -> bool {
    match key {
        "remote_ids" => record.remote,
        "local_ids" => !record.remote,
        _ => search::in_view(record, cloud),
    }
}

/// The ids in `body[key]` (numbers or numeric text); `None` when absent.
fn id_list(body: &Map<String, Value>, key: &str) -> Result<Option<Vec<u64>>, Refused> {
    let Some(given) = body.get(key).filter(|given| !given.is_null()) else {
        return Ok(None);
    };
    let refuse = || Refused::bad(&format!("'{key}' must be a list of ids."));
    let items = given.as_array().ok_or_else(refuse)?;
    items
        .iter()
        .map(|item| id_of(item).ok_or_else(refuse))
        .collect::<Result<Vec<u64>, Refused>>()
        .map(Some)
}
