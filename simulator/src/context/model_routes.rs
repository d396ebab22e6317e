//! The per-type threat model reads: the models tied to an observable, a
//! type's list, one model, its observables, the models linked to it and its
//! comments.
//!
//! An unknown model id answers 404, which Cortex XSOAR reads as "no such
//! model" rather than an error (threatstream-api-and-peers.md §1.15). An
//! observable with no models gets an empty page, not a 404: the association
//! look-up is a filtered list. Each tied model carries `association_info`
//! naming the observable's record, as XSOAR's `mocked_actor_response.json`
//! does. `skip_intelligence` and `skip_associations` (XSOAR, ThreatFuse) are
//! taken and change nothing: no answer here embeds either.
//!
//! A type's list (`GET /api/v1/incident/`, Splunk SOAR's incident poll)
//! takes the search's filters and order (`model_search::Criteria`):
//! `order_by=modified_ts` oldest change first, `modified_ts__gte` and its kin.

use serde_json::{json, Value};

use crate::context::model_search::Criteria;
use crate::context::threat_models::{ModelType, ThreatModel};
use crate::http::answer::{number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::{last_value, RecordedRequest};
use crate::http::response;
use crate::http::route::{with, word, Handler};
use crate::intelligence::search;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", model]) => with(ModelType::parse(model)?, |c, model| list(c.state, model, c.request)),
        ("GET", ["api", "v1", model, "associated_with_intelligence"]) => with(ModelType::parse(model)?, |c, model| associated(c.state, model, c.request)),
        ("GET", ["api", "v1", model, id]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| detail(c.state, model, id, c.request)),
        ("GET", ["api", "v1", model, id, "comment"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| comments(c.state, model, id, c.request)),
        ("GET", ["api", "v1", model, id, "intelligence"]) => with((ModelType::parse(model)?, number(id)?), |c, (model, id)| intelligence(c.state, model, id, c.request)),
        ("GET", ["api", "v1", model, id, target]) => with((ModelType::parse(model)?, number(id)?, word(target)?), |c, (model, id, target)| linked(c.state, model, id, &target, c.request)),
        _ => None,
    }
}

/// `GET /api/v1/{model}/associated_with_intelligence/?value=`; the value
/// matches exactly, ignoring case.
pub(crate) fn associated(state: &State, model_type: ModelType, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let Some(value) = last_value(&pairs, "value").map(str::to_lowercase) else {
        return Err(Refused::bad("The 'value' parameter is required."));
    };
    let records: Vec<u64> = state
        .records()
        .keys()
        .iter()
        .filter(|key| key.value == value)
        .map(|key| key.id)
        .collect();
    let book = state.models();
    let objects = book
        .of_type(model_type)
        .filter_map(|model| {
            let from_id = model.observables.iter().find(|id| records.contains(id))?;
            let mut summary = model.summary();
            let created = model.text("modified_ts");
            summary["association_info"] = json!([{"comment": null, "created": created, "from_id": from_id, "sro": {}}]);
            Some(summary)
        })
        .collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// `GET /api/v1/{model}/`: newest change first unless `order_by` says
/// otherwise, with the search's date filters.
pub(crate) fn list(state: &State, model_type: ModelType, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let criteria = Criteria::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let book = state.models();
    let objects = criteria
        .chosen(book.of_type(model_type))
        .into_iter()
        .map(ThreatModel::summary)
        .collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// `GET /api/v1/{model}/{id}/`: the whole model, text field included.
pub(crate) fn detail(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    let book = state.models();
    let model = book
        .get(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    Ok(response::json(200, &model.answer()))
}

/// `GET /api/v1/{model}/{id}/intelligence/`: the records linked to the
/// model, as they are now; the cloud's only when asked for.
pub(crate) fn intelligence(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let store = state.records();
    let linked = {
        let book = state.models();
        let model = book
            .get(model_type, id)
            .ok_or_else(|| Refused::not_found(&request.path))?;
        model.observables.clone()
    };
    let cloud = search::asks_cloud(request);
    let objects: Vec<Value> = linked
        .iter()
        .filter_map(|id| {
            let index = store.index_of(*id)?;
            search::in_view(&store.keys()[index], cloud).then(|| store.records()[index].clone())
        })
        .collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// `GET /api/v1/{model}/{id}/{target}/`: the models of type `target` linked
/// to the model (Splunk SOAR's `list associations`, FortiSOAR's bulletin
/// associations), each with `association_info` naming the model.
pub(crate) fn linked(state: &State, model_type: ModelType, id: u64, target: &str, request: &RecordedRequest) -> Answer {
    let Some(target) = ModelType::parse(target) else {
        return Err(Refused::new(405, &format!("'{target}' is not a type of threat model.")));
    };
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let book = state.models();
    let model = book
        .get(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    let objects = model
        .links
        .iter()
        .filter(|(kind, _)| *kind == target)
        .filter_map(|(kind, linked)| book.get(*kind, *linked))
        .map(|other| {
            let mut summary = other.summary();
            summary["association_info"] =
                json!([{"comment": null, "created": other.text("modified_ts"), "from_id": id}]);
            summary
        })
        .collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// `GET /api/v1/{model}/{id}/comment/`: the model's comments, oldest first.
pub(crate) fn comments(state: &State, model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let book = state.models();
    let model = book
        .get(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    Ok(paging::page(model.comments.clone(), paging, &request.path, &pairs))
}
