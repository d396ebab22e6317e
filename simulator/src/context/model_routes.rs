//! The per-type threat model routes: the models tied to an observable, one
//! model, its observables, and a type's list.
//!
//! An unknown model id answers 404, which Cortex XSOAR reads as "no such
//! model" rather than an error (threatstream-api-and-peers.md §1.15). An
//! observable with no models gets an empty page, not a 404: the association
//! look-up is a filtered list. Each tied model carries `association_info`
//! naming the observable's record, as XSOAR's `mocked_actor_response.json`
//! does. `skip_intelligence` and `skip_associations` (XSOAR, ThreatFuse) are
//! taken and change nothing: no answer here embeds either.

use serde_json::{json, Value};

use crate::context::threat_models::{Catalogue, ModelType, ThreatModel};
use crate::http::answer::{Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::{last_value, RecordedRequest};
use crate::http::response;

/// `GET /api/v1/{model}/associated_with_intelligence/?value=`; the value
/// matches exactly, ignoring case.
pub(crate) fn associated(model_type: ModelType, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let Some(value) = last_value(&pairs, "value").map(str::to_lowercase) else {
        return Err(Refused::bad("The 'value' parameter is required."));
    };
    let from_id = Catalogue::get().observable_id(&value).unwrap_or(Value::Null);
    let objects = models_of_type(model_type)
        .filter(|model| model.observables.contains(&value))
        .map(|model| {
            let mut summary = model.summary();
            let created = model.text("modified_ts");
            summary["association_info"] = json!([{"comment": null, "created": created, "from_id": from_id, "sro": {}}]);
            summary
        })
        .collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// `GET /api/v1/{model}/`, newest first.
pub(crate) fn list(model_type: ModelType, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let mut models: Vec<&ThreatModel> = models_of_type(model_type).collect();
    models.sort_by(|a, b| b.text("modified_ts").cmp(a.text("modified_ts")).then(b.id.cmp(&a.id)));
    let objects = models.into_iter().map(ThreatModel::summary).collect();
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

/// `GET /api/v1/{model}/{id}/`: the whole model, text field included.
pub(crate) fn detail(model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    let model = Catalogue::get().model(model_type, id);
    let model = model.ok_or_else(|| Refused::not_found(&request.path))?;
    Ok(response::json(200, &model.answer()))
}

/// `GET /api/v1/{model}/{id}/intelligence/`: the model's observables.
pub(crate) fn intelligence(model_type: ModelType, id: u64, request: &RecordedRequest) -> Answer {
    let catalogue = Catalogue::get();
    let model = catalogue
        .model(model_type, id)
        .ok_or_else(|| Refused::not_found(&request.path))?;
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let objects: Vec<Value> = catalogue.intelligence(model);
    Ok(paging::page(objects, paging, &request.path, &pairs))
}

fn models_of_type(model_type: ModelType) -> impl Iterator<Item = &'static ThreatModel> {
    Catalogue::get()
        .models
        .iter()
        .filter(move |model| model.model_type == model_type)
}
