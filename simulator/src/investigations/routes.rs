//! The investigation routes, as XSOAR's v3 calls them (Splunk SOAR's and
//! FortiSOAR's agree where they overlap):
//!
//! - `GET /api/v1/investigation/` (paging, `order_by`, default
//!   `-created_ts`), `GET /api/v1/investigation/{id}/`;
//! - `POST /api/v1/investigation/` → 201 with the investigation: `name`
//!   (required), `description`, `priority` (`verylow` ... `veryhigh` as XSOAR
//!   and FortiSOAR send it; Splunk's and CrowdStrike's `very low` is taken
//!   too, and kept without the space, as XSOAR's test data answers it),
//!   `status`, `tlp`, `tags`, `assignee_id` (with `assignee_type`), and
//!   `elements` to add at once;
//! - `PATCH /api/v1/investigation/{id}/` → 200 with it; `DELETE` → 204;
//! - `POST /api/v1/investigationelement/?investigation_id=` with
//!   `{"objects": [{"r_type", "r_id", "add_related_indicators",
//!   "investigation_id"}]}` → 201 `{"added_elements_count", "all_added",
//!   "already_exists_elements_count", "errors", "objects"}` (XSOAR's test
//!   data): an element already there is counted, one that names nothing is
//!   an entry of `errors`; `GET` the same path lists them (FortiSOAR).
//!
//! Writes need the `investigation` permission.

use serde_json::{json, Map, Value};

use crate::context::model_writes::object_body;
use crate::context::threat_models::ModelType;
use crate::http::answer::{id_of, number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::investigations::book::{Investigation, ELEMENT_TYPES};
use crate::permissions::Permission;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "investigation"]) => to(|c| list(c.state, c.request)),
        ("POST", ["api", "v1", "investigation"]) => to(|c| create(c.state, c.request)),
        ("GET", ["api", "v1", "investigation", id]) => with(number(id)?, |c, id| get(c.state, id, c.request)),
        ("PATCH", ["api", "v1", "investigation", id]) => with(number(id)?, |c, id| update(c.state, id, c.request)),
        ("DELETE", ["api", "v1", "investigation", id]) => with(number(id)?, |c, id| delete(c.state, id, c.request)),
        ("GET", ["api", "v1", "investigationelement"]) => to(|c| elements(c.state, c.request)),
        ("POST", ["api", "v1", "investigationelement"]) => to(|c| add_elements(c.state, c.request)),
        _ => None,
    }
}

const PRIORITIES: [&str; 5] = ["verylow", "low", "medium", "high", "veryhigh"];
const STATUSES: [&str; 4] = ["unassigned", "pending", "in-progress", "completed"];
const TLPS: [&str; 6] = ["red", "amber", "amber+strict", "green", "white", "clear"];

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let order = request.query_value("order_by").unwrap_or_else(|| "-created_ts".into());
    let book = state.investigations();
    let mut found: Vec<&Investigation> = book.all().iter().collect();
    let descending = order.starts_with('-');
    match order.trim_start_matches('-') {
        "created_ts" => found.sort_by(|a, b| a.created_ts.cmp(&b.created_ts).then(a.id.cmp(&b.id))),
        "modified_ts" => found.sort_by(|a, b| a.modified_ts.cmp(&b.modified_ts).then(a.id.cmp(&b.id))),
        "id" => found.sort_by_key(|item| item.id),
        _ => return Err(Refused::bad(&format!("Cannot order by '{order}'."))),
    }
    if descending {
        found.reverse();
    }
    let objects = found.into_iter().map(Investigation::answer).collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

pub(crate) fn get(state: &State, id: u64, request: &RecordedRequest) -> Answer {
    let book = state.investigations();
    let found = book.get(id).ok_or_else(|| Refused::not_found(&request.path))?;
    Ok(response::json(200, &found.answer()))
}

pub(crate) fn create(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Investigation)?;
    let body = object_body(request)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.trim().is_empty() {
        return Err(Refused::bad("The 'name' field is required."));
    }
    let detail = fields(&body)?;
    let wanted = match body.get("elements") {
        Some(elements) => element_list(elements, None)?,
        None => Vec::new(),
    };
    let entities = entities(state, &wanted);
    let mut book = state.investigations();
    let id = book.create(detail, &state.account.username);
    for ((r_type, r_id, related), entity) in wanted.into_iter().zip(entities) {
        if let Ok(entity) = entity {
            book.add_element(id, &r_type, r_id, related, entity);
        }
    }
    let created = book.get(id).map(Investigation::answer).unwrap_or_default();
    Ok(response::json(201, &created))
}

pub(crate) fn update(state: &State, id: u64, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Investigation)?;
    let body = object_body(request)?;
    let changes = fields(&body)?;
    let mut book = state.investigations();
    let stamp = book.stamp();
    let found = book.get_mut(id).ok_or_else(|| Refused::not_found(&request.path))?;
    if let (Some(detail), Some(changes)) = (found.detail.as_object_mut(), changes.as_object()) {
        detail.extend(changes.clone());
    }
    found.modified_ts = stamp;
    Ok(response::json(200, &found.answer()))
}

pub(crate) fn delete(state: &State, id: u64, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Investigation)?;
    if !state.investigations().remove(id) {
        return Err(Refused::not_found(&request.path));
    }
    Ok(response::no_content())
}

pub(crate) fn add_elements(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Investigation)?;
    let id = investigation_id(request)?;
    let body = object_body(request)?;
    let objects = body
        .get("objects")
        .ok_or_else(|| Refused::bad("The 'objects' field is required."))?;
    let wanted = element_list(objects, Some(id))?;
    let entities = entities(state, &wanted);
    let mut book = state.investigations();
    if book.get(id).is_none() {
        return Err(Refused::not_found(&request.path));
    }
    let (mut added, mut errors, mut already) = (Vec::new(), Vec::new(), 0);
    for ((r_type, r_id, related), entity) in wanted.into_iter().zip(entities) {
        match entity {
            Err(message) => errors.push(json!({"r_type": r_type, "r_id": r_id, "message": message})),
            Ok(_) if book.get(id).is_some_and(|found| found.has(&r_type, r_id)) => already += 1,
            Ok(entity) => added.extend(book.add_element(id, &r_type, r_id, related, entity)),
        }
    }
    let objects: Vec<Value> = added.iter().map(|element| element.answer(id)).collect();
    let answer = json!({"added_elements_count": objects.len(), "all_added": errors.is_empty() && already == 0,
                        "already_exists_elements_count": already, "errors": errors, "objects": objects});
    Ok(response::json(201, &answer))
}

pub(crate) fn elements(state: &State, request: &RecordedRequest) -> Answer {
    let id = investigation_id(request)?;
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let book = state.investigations();
    let found = book.get(id).ok_or_else(|| Refused::not_found(&request.path))?;
    let objects = found.elements.iter().map(|element| element.answer(id)).collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

fn investigation_id(request: &RecordedRequest) -> Result<u64, Refused> {
    request
        .query_value("investigation_id")
        .as_deref()
        .and_then(number)
        .ok_or_else(|| Refused::bad("The 'investigation_id' parameter must be an investigation's id."))
}

/// The fields of a create or update body an investigation keeps.
fn fields(body: &Map<String, Value>) -> Result<Value, Refused> {
    let mut detail = json!({});
    for (key, value) in body {
        let kept = match key.as_str() {
            "name" | "description" => Some(text(key, value)?),
            "priority" => {
                let given = value.as_str().unwrap_or_default().replace(' ', "");
                Some(json!(one_of(key, &given, &PRIORITIES)?))
            }
            "status" => Some(json!(one_of(key, value.as_str().unwrap_or_default(), &STATUSES)?)),
            "tlp" => Some(json!(one_of(key, value.as_str().unwrap_or_default(), &TLPS)?)),
            "tags" => Some(tags(value)?),
            "is_public" => Some(json!(value
                .as_bool()
                .ok_or_else(|| Refused::bad("'is_public' must be true or false."))?)),
            "assignee_id" => {
                let id = id_of(value);
                let id = id.ok_or_else(|| Refused::bad("'assignee_id' must be a user's id."))?;
                detail["assignee"] = json!({"assignee_type": "user", "id": id.to_string(),
                    "email": format!("user{id}@example.com"), "name": "", "resource_uri": format!("/api/v1/user/{id}/")});
                Some(json!(id))
            }
            "assignee_type" => Some(json!(one_of(
                key,
                value.as_str().unwrap_or_default(),
                &["user", "tsworkgroup"]
            )?)),
            _ => None,
        };
        if let Some(kept) = kept {
            detail[key.as_str()] = kept;
        }
    }
    Ok(detail)
}

fn text(key: &str, value: &Value) -> Result<Value, Refused> {
    value
        .as_str()
        .map(|text| json!(text))
        .ok_or_else(|| Refused::bad(&format!("'{key}' must be text.")))
}

fn one_of(key: &str, given: &str, allowed: &[&str]) -> Result<String, Refused> {
    if allowed.contains(&given) {
        return Ok(given.to_owned());
    }
    Err(Refused::bad(&format!(
        "Invalid '{key}': '{given}'. Valid values: {}.",
        allowed.join(", ")
    )))
}

fn tags(value: &Value) -> Result<Value, Refused> {
    let refuse = || Refused::bad("'tags' must be a list of names.");
    let items = value.as_array().ok_or_else(refuse)?;
    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
    Ok(json!(names.ok_or_else(refuse)?))
}

/// `(r_type, r_id, add_related_indicators)` of each element given; an element
/// for another investigation than `investigation` is a 400.
fn element_list(value: &Value, investigation: Option<u64>) -> Result<Vec<(String, u64, u8)>, Refused> {
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| Refused::bad("The elements must be a non-empty list."))?;
    items
        .iter()
        .map(|item| {
            let r_type = item["r_type"].as_str().unwrap_or_default().to_owned();
            let r_id = id_of(&item["r_id"]);
            let r_id = r_id.ok_or_else(|| Refused::bad("Each element needs an 'r_id'."))?;
            let related = match &item["add_related_indicators"] {
                Value::Bool(flag) => u8::from(*flag),
                other => u8::from(other.as_u64().unwrap_or(0) > 0),
            };
            let named = item["investigation_id"].as_u64();
            if investigation.is_some() && named.is_some() && named != investigation {
                return Err(Refused::bad(
                    "An element names another investigation than 'investigation_id'.",
                ));
            }
            Ok((r_type, r_id, related))
        })
        .collect()
}

/// What each element names, or why it names nothing.
fn entities(state: &State, wanted: &[(String, u64, u8)]) -> Vec<Result<Value, String>> {
    let store = state.records();
    let models = state.models();
    wanted
        .iter()
        .map(|(r_type, r_id, _)| {
            if !ELEMENT_TYPES.contains(&r_type.as_str()) {
                return Err(format!("'{r_type}' is not a type of element."));
            }
            if r_type == "intelligence2" {
                return store
                    .get(*r_id)
                    .cloned()
                    .ok_or_else(|| format!("No observable with id {r_id}."));
            }
            let model = ModelType::parse(r_type).and_then(|kind| models.get(kind, *r_id));
            model
                .map(|model| model.summary())
                .ok_or_else(|| format!("No {r_type} with id {r_id}."))
        })
        .collect()
}
