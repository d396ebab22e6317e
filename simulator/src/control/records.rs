//! Control routes for records, for scripts that cannot link the simulator
//! (the Rust equivalents are in [`crate::methods::records`]). Like every
//! control route they need no credentials and are never recorded.
//!
//! - `GET /__simulator/records?update_id__gt=N`: every record changed after
//!   `N` (default 0), in `update_id` order, as a JSON array.
//!   `POST /__simulator/records`: a JSON array of record specs
//!   ([`crate::intelligence::record_spec`]) → 201 with the created records.
//! - `POST /__simulator/feed` `{"per_second": 50, "total": 500,
//!   "update_fraction": 0.1}` → 202 with the progress, whose
//!   `after_update_id` is where the feed's changes start;
//!   `GET /__simulator/feed`: the progress (`running`, `added`, `updated`,
//!   `total`, `after_update_id`); `DELETE /__simulator/feed` stops it.
//! - `POST /__simulator/synthetic` `{"values": 500, "records": 2500}` → 201;
//!   `GET /__simulator/synthetic` → `{"values": [{"value", "type"}...],
//!   "absent": [...], "records": N}`, `absent` being as many values that
//!   have no record.
//! - `PUT /__simulator/permissions` `{"denied": ["approve_intel", ...]}`
//!   replaces the denied set; `GET /__simulator/permissions` shows it.
//! - `PUT /__simulator/import_delay` `{"millis": 0}`;
//!   `GET /__simulator/import_delay` shows it.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::control::feed::{self, FeedPlan};
use crate::http::answer::{Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::intelligence::record_spec;
use crate::intelligence::synthetic::absent_value;
use crate::permissions::Permission;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["__simulator", "records"]) => to(|c| list(c.state, c.request)),
        ("POST", ["__simulator", "records"]) => to(|c| add(c.state, &c.request.body)),
        ("GET", ["__simulator", "feed"]) => to(|c| feed_progress(c.state)),
        ("POST", ["__simulator", "feed"]) => to(|c| start_feed(c.state, &c.request.body)),
        ("DELETE", ["__simulator", "feed"]) => to(|c| stop_feed(c.state)),
        ("GET", ["__simulator", "synthetic"]) => to(|c| synthetic(c.state)),
        ("POST", ["__simulator", "synthetic"]) => to(|c| load_synthetic(c.state, &c.request.body)),
        ("GET", ["__simulator", "permissions"]) => to(|c| permissions(c.state)),
        ("PUT", ["__simulator", "permissions"]) => to(|c| set_permissions(c.state, &c.request.body)),
        ("GET", ["__simulator", "import_delay"]) => to(|c| import_delay(c.state)),
        ("PUT", ["__simulator", "import_delay"]) => to(|c| set_import_delay(c.state, &c.request.body)),
        _ => None,
    }
}

/// A control route's body, or a 400 saying why it is not one.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(body).map_err(|error| Refused::bad(&error.to_string()))
}

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    let after = request.query_value("update_id__gt").unwrap_or_else(|| "0".to_owned());
    let after: u64 = after
        .parse()
        .map_err(|_| Refused::bad("'update_id__gt' must be a non-negative integer."))?;
    Ok(response::json(200, &Value::from(state.records().changed_since(after))))
}

pub(crate) fn add(state: &State, body: &[u8]) -> Answer {
    let specs: Vec<Value> = parse(body)?;
    let created = record_spec::add_records(state, &specs).map_err(|message| Refused::bad(&message))?;
    Ok(response::json(201, &Value::from(created)))
}

pub(crate) fn start_feed(state: &Arc<State>, body: &[u8]) -> Answer {
    let plan: FeedPlan = parse(body)?;
    let progress = feed::start(state, plan).map_err(|refusal| match refusal {
        feed::Refusal::BadPlan(message) => Refused::bad(&message),
        feed::Refusal::Busy(message) => Refused::new(409, &message),
    })?;
    Ok(response::json(202, &json!(progress)))
}

pub(crate) fn feed_progress(state: &State) -> Answer {
    Ok(response::json(200, &json!(state.feed.progress())))
}

pub(crate) fn stop_feed(state: &State) -> Answer {
    state.feed.stop();
    Ok(response::no_content())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SyntheticRequest {
    values: u64,
    records: u64,
}

pub(crate) fn load_synthetic(state: &State, body: &[u8]) -> Answer {
    let wanted: SyntheticRequest = parse(body)?;
    if wanted.values == 0 && wanted.records > 0 {
        return Err(Refused::bad("'values' must be above 0 when 'records' is."));
    }
    let created = state.load_synthetic(wanted.values, wanted.records);
    Ok(response::json(201, &json!({"records": created})))
}

pub(crate) fn synthetic(state: &State) -> Answer {
    let values = state.synthetic_values();
    let absent: Vec<_> = (0..values.len() as u64).map(absent_value).collect();
    let body = json!({"values": values, "absent": absent, "records": state.synthetic().records});
    Ok(response::json(200, &body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsRequest {
    denied: Vec<Permission>,
}

pub(crate) fn set_permissions(state: &State, body: &[u8]) -> Answer {
    let wanted: PermissionsRequest = parse(body)?;
    state.denials.set(wanted.denied);
    permissions(state)
}

pub(crate) fn permissions(state: &State) -> Answer {
    Ok(response::json(200, &json!({"denied": state.denials.denied()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelayRequest {
    millis: u64,
}

pub(crate) fn set_import_delay(state: &State, body: &[u8]) -> Answer {
    let wanted: DelayRequest = parse(body)?;
    state.set_import_delay(Duration::from_millis(wanted.millis));
    Ok(response::json(200, &json!({"millis": wanted.millis})))
}

pub(crate) fn import_delay(state: &State) -> Answer {
    Ok(response::json(
        200,
        &json!({"millis": state.import_delay().as_millis()}),
    ))
}
