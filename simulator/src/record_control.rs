//! Control routes for records, for scripts that cannot link the simulator
//! (the Rust equivalents are in [`crate::records_api`]). Like every control
//! route they need no credentials and are never recorded.
//!
//! - `GET /__simulator/records?update_id__gt=N`: every record changed after
//!   `N` (default 0), in `update_id` order, as a JSON array.
//!   `POST /__simulator/records`: a JSON array of record specs → 201 with the
//!   created records.
//! - `POST /__simulator/feed` `{"per_second": 50, "total": 500,
//!   "update_fraction": 0.1}` → 202 with the progress, whose
//!   `after_update_id` is where the feed's changes start; `GET` the progress
//!   (`running`, `added`, `updated`, `total`, `after_update_id`); `DELETE`
//!   stops it.
//! - `POST /__simulator/synthetic` `{"values": 500, "records": 2500}` → 201;
//!   `GET` → `{"values": [{"value", "type"}...], "absent": [...],
//!   "records": N}`, `absent` being as many values that have no record.
//! - `PUT /__simulator/permissions` `{"denied": ["approve_intel", ...]}`
//!   replaces the denied set; `GET` shows it.
//! - `PUT /__simulator/import_delay` `{"millis": 0}`; `GET` shows it.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::feed::{self, FeedPlan};
use crate::permissions::Permission;
use crate::record_routes::Refused;
use crate::records_api::{add_records, load_synthetic, synthetic_values};
use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::state::State;
use crate::synthetic::absent_value;

const NAMES: [&str; 5] = ["records", "feed", "synthetic", "permissions", "import_delay"];

/// The answer, if `name` is one of these routes.
pub(crate) fn handle(state: &Arc<State>, name: &str, request: &RecordedRequest) -> Option<Response> {
    if !NAMES.contains(&name) {
        return None;
    }
    let answer = match (request.method.as_str(), name) {
        ("GET", "records") => list_records(state, request),
        ("POST", "records") => post_records(state, &request.body),
        ("POST", "feed") => start_feed(state, &request.body),
        ("GET", "feed") => Ok(response::json(200, &json!(state.feed.progress()))),
        ("DELETE", "feed") => {
            state.feed.stop();
            Ok(response::no_content())
        }
        ("POST", "synthetic") => post_synthetic(state, &request.body),
        ("GET", "synthetic") => Ok(response::json(200, &synthetic_json(state))),
        ("PUT", "permissions") => put_permissions(state, &request.body),
        ("GET", "permissions") => Ok(response::json(200, &json!({"denied": state.denials.denied()}))),
        ("PUT", "import_delay") => put_import_delay(state, &request.body),
        ("GET", "import_delay") => Ok(response::json(
            200,
            &json!({"millis": state.import_delay().as_millis()}),
        )),
        _ => Err(Refused::new(405, "Method not allowed")),
    };
    Some(answer.unwrap_or_else(Refused::into_response))
}

type Answer = Result<Response, Refused>;

fn bad(message: &str) -> Refused {
    Refused::new(400, message)
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(body).map_err(|error| bad(&error.to_string()))
}

fn list_records(state: &State, request: &RecordedRequest) -> Answer {
    let after = request.query_value("update_id__gt").unwrap_or_else(|| "0".to_owned());
    let after: u64 = after
        .parse()
        .map_err(|_| bad("'update_id__gt' must be a non-negative integer."))?;
    Ok(response::json(200, &Value::from(state.records().changed_since(after))))
}

fn post_records(state: &State, body: &[u8]) -> Answer {
    let specs: Vec<Value> = parse(body)?;
    let created = add_records(state, &specs).map_err(|message| bad(&message))?;
    Ok(response::json(201, &Value::from(created)))
}

fn start_feed(state: &Arc<State>, body: &[u8]) -> Answer {
    let plan: FeedPlan = parse(body)?;
    let progress = feed::start(state, plan).map_err(|refusal| match refusal {
        feed::Refusal::BadPlan(message) => bad(&message),
        feed::Refusal::Busy(message) => Refused::new(409, &message),
    })?;
    Ok(response::json(202, &json!(progress)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SyntheticRequest {
    values: u64,
    records: u64,
}

fn post_synthetic(state: &State, body: &[u8]) -> Answer {
    let wanted: SyntheticRequest = parse(body)?;
    if wanted.values == 0 && wanted.records > 0 {
        return Err(bad("'values' must be above 0 when 'records' is."));
    }
    let created = load_synthetic(state, wanted.values, wanted.records);
    Ok(response::json(201, &json!({"records": created})))
}

fn synthetic_json(state: &State) -> Value {
    let values = synthetic_values(state);
    let absent: Vec<_> = (0..values.len() as u64).map(absent_value).collect();
    json!({"values": values, "absent": absent, "records": state.synthetic().records})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsRequest {
    denied: Vec<Permission>,
}

fn put_permissions(state: &State, body: &[u8]) -> Answer {
    let wanted: PermissionsRequest = parse(body)?;
    state.denials.set(wanted.denied);
    Ok(response::json(200, &json!({"denied": state.denials.denied()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelayRequest {
    millis: u64,
}

fn put_import_delay(state: &State, body: &[u8]) -> Answer {
    let wanted: DelayRequest = parse(body)?;
    state.set_import_delay(Duration::from_millis(wanted.millis));
    Ok(response::json(200, &json!({"millis": wanted.millis})))
}
