//! Writing threat models: create, update, delete, tag and comment, and the
//! incident status types a client names a status by.
//!
//! - `POST /api/v1/{model}/` → 201 with the model (CrowdStrike's spec; XSOAR
//!   and Splunk SOAR read its `id`). An `intelligence` list of record ids
//!   links them at once, as XSOAR's create sends it.
//! - `PATCH /api/v1/{model}/{id}/` → 202 with the model (FortiSOAR requires
//!   202 for incidents and bulletins); only the fields sent change, and
//!   `tags` or `intelligence` sent replace the lists (XSOAR's README: "the
//!   command overrides previous data").
//! - `DELETE /api/v1/{model}/{id}/` → 204; needs Org Admin.
//! - `POST /api/v1/{model}/{id}/tag/` `{"tags": [{"name", "tlp"}]}` → 201
//!   `{"success": true, "tags": [the tags added]}`: XSOAR reads `success`,
//!   Polarity a 201 and `tags`. A name the model has already is left alone.
//! - `POST /api/v1/{model}/{id}/comment/` `{"title", "body", "tlp"}` → 201
//!   with the comment (Splunk SOAR's `create actor` example).
//! - `GET /api/v1/incidentstatustype/` (FortiSOAR resolves names with it).
//!
//! Fields are read by `model_fields`; the fields in the answers by
//! `threat_models::ThreatModel::answer`.

use serde_json::{json, Map, Value};

use crate::context::model_fields::{apply, check_required};
use crate::context::threat_models::{incident_status, plain, ModelType, INCIDENT_STATUSES};
use crate::http::answer::{json_body, number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::permissions::Permission;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "incidentstatustype"]) => to(|c| status_types(c.request)),
        ("POST", ["api", "v1", model]) => with(ModelType::parse(model)?, |c, model| create(c.state, model, c.request)),
        ("PATCH", ["api", "v1", model, id]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| update(c.state, model, id, c.request)),
        ("DELETE", ["api", "v1", model, id]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| delete(c.state, model, id, c.request)),
        ("POST", ["api", "v1", model, id, "tag"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| tag(c.state, model, id, c.request)),
        ("POST", ["api", "v1", model, id, "comment"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| comment(c.state, model, id, c.request)),
        _ => None,
    }
}

pub(crate) fn create(state: &State, model_type: ModelType, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::ThreatModel)?;
    let body = object_body(request)?;
    check_required(model_type, &body).map_err(|message| Refused::bad(&message))?;
    let intelligence = linked_records(state, &body)?;
    let mut book = state.models();
    let stamp = book.stamp();
    let mut model = plain(model_type, 0, json!({"tags": [], "is_public": false}), Vec::new());
    apply(&mut model, &body, &stamp).map_err(|message| Refused::bad(&message))?;
    model.observables = intelligence.unwrap_or_default();
    let id = book.create(model);
    let created = book.get(model_type, id).map(|model| model.answer()).unwrap_or_default();
    Ok(response::json(201, &created))
}

pub(crate) fn update(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::ThreatModel)?;
    let body = object_body(request)?;
    let intelligence = linked_records(state, &body)?;
    let mut book = state.models();
    let stamp = book.stamp();
    let model = book
        .get_mut(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    apply(model, &body, &stamp).map_err(|message| Refused::bad(&message))?;
    if let Some(intelligence) = intelligence {
        model.observables = intelligence;
    }
    model.detail["modified_ts"] = json!(stamp);
    Ok(response::json(202, &model.answer()))
}

pub(crate) fn delete(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    if !state.models().remove(model_type, id) {
        return Err(Refused::not_found(&request.path));
    }
    Ok(response::no_content())
}

pub(crate) fn tag(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::ThreatModel)?;
    let body = object_body(request)?;
    let given = body
        .get("tags")
        .and_then(Value::as_array)
        .filter(|tags| !tags.is_empty());
    let given = given.ok_or_else(|| Refused::bad("'tags' must be a non-empty list of {\"name\", \"tlp\"}."))?;
    let mut book = state.models();
    let model = book
        .get_mut(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    let mut tags: Vec<Value> = model.tag_names().iter().map(|name| json!(name)).collect();
    let before = tags.len();
    let mut added = Vec::new();
    for tag in given {
        let name = tag
            .as_str()
            .or_else(|| tag["name"].as_str())
            .map(str::trim)
            .unwrap_or_default();
        if name.is_empty() {
            return Err(Refused::bad("Each tag needs a name."));
        }
        if !model.tag_names().iter().any(|known| known.eq_ignore_ascii_case(name))
            && !added
                .iter()
                .any(|a: &Value| a["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        {
            let tlp = tag["tlp"].as_str().unwrap_or("red");
            tags.push(json!({"name": name, "tlp": tlp}));
            added.push(json!({"id": crate::context::threat_models::tag_id(name), "name": name, "tlp": tlp}));
        }
    }
    if tags.len() > before {
        let mut changes = Map::new();
        changes.insert("tags".into(), Value::Array(tags));
        apply(model, &changes, "").map_err(|message| Refused::bad(&message))?;
        book.touch(model_type, id);
    }
    Ok(response::json(201, &json!({"success": true, "tags": added})))
}

pub(crate) fn comment(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::ThreatModel)?;
    let body = object_body(request)?;
    let text = body.get("body").and_then(Value::as_str).unwrap_or_default();
    if text.trim().is_empty() {
        return Err(Refused::bad("The 'body' field is required."));
    }
    let fields = Value::Object(body);
    let comment = state
        .models()
        .comment(model_type, id, &fields, &state.account.username)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    Ok(response::json(201, &comment))
}

/// `GET /api/v1/incidentstatustype/`.
pub(crate) fn status_types(request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let objects = INCIDENT_STATUSES
        .iter()
        .filter_map(|(id, _)| incident_status(*id))
        .collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// The body as a JSON object, or a 400.
pub(crate) fn object_body(request: &RecordedRequest) -> Result<Map<String, Value>, Refused> {
    match json_body(request)? {
        Value::Object(fields) => Ok(fields),
        _ => Err(Refused::bad("The body must be a JSON object.")),
    }
}

/// The record ids of an `intelligence` list, each an existing record; `None`
/// when the body has none.
fn linked_records(state: &State, body: &Map<String, Value>) -> Result<Option<Vec<u64>>, Refused> {
    let Some(given) = body.get("intelligence") else {
        return Ok(None);
    };
    let items = given
        .as_array()
        .ok_or_else(|| Refused::bad("'intelligence' must be a list of observable ids."))?;
    let store = state.records();
    items
        .iter()
        .map(|item| {
            let id = item
                .as_u64()
                .or_else(|| item.as_str().and_then(|text| text.trim().parse().ok()));
            id.filter(|id| store.get(*id).is_some())
                .ok_or_else(|| Refused::bad(&format!("No observable with id {item}.")))
        })
        .collect::<Result<Vec<u64>, Refused>>()
        .map(Some)
}
