//! One observable by id: `GET` and `PATCH /api/v2/intelligence/<id>/`.
//!
//! A PATCH may change `status` (active, inactive, falsepos), `confidence`,
//! `severity` (stored as `meta.severity`; `meta.severity` is accepted too),
//! `tlp`, `expiration_ts` and `itype` (which moves `threat_type` along). It
//! answers 202 with the changed record, as Polarity and XSOAR expect, and
//! the change gets a fresh `update_id` and `modified_ts`. Other fields are
//! ignored, as Tastypie does, but a body that changes nothing is a 400.

use serde_json::{Map, Value};

use crate::http::answer::{json_body, number, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{with, Handler};
use crate::intelligence::observable_record::{threat_type_of, SEVERITIES};
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
        ("GET", ["api", "v2", "intelligence", id]) => with(number(id)?, |c, id| get(c.state, c.request, id)),
        ("PATCH", ["api", "v2", "intelligence", id]) => with(number(id)?, |c, id| update(c.state, c.request, id)),
        _ => None,
    }
}

const STATUSES: [&str; 3] = ["active", "inactive", "falsepos"];
const TLPS: [&str; 6] = ["red", "amber", "amber+strict", "green", "white", "clear"];

pub(crate) fn get(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    let store = state.records();
    let record = store
        .get(id)
        .filter(|_| visible(&store, request, id))
        .ok_or_else(|| Refused::no_observable(id))?;
    Ok(response::json(200, record))
}

/// A cloud record is "not found" on the instance unless the request asks
/// the cloud too, as Splunk SOAR's 404 retry with `remote_api=true` expects.
fn visible(store: &RecordStore, request: &RecordedRequest, id: u64) -> bool {
    let cloud = search::asks_cloud(request);
    store
        .index_of(id)
        .is_some_and(|index| search::in_view(&store.keys()[index], cloud))
}

pub(crate) fn update(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    state.denials.require(Permission::Update)?;
    let body = json_body(request)?;
    let edits = edits(&body)?;
    let mut store = state.records_mut();
    if !visible(&store, request, id) {
        return Err(Refused::no_observable(id));
    }
    let changed = store.change(id, timestamp::now_ms(), |record| apply(record, &edits));
    let record = changed.ok_or_else(|| Refused::no_observable(id))?;
    Ok(response::json(202, record))
}

/// One validated change.
#[derive(Debug, PartialEq)]
enum Edit {
    /// A top-level field set as given.
    Field(&'static str, Value),
    Severity(String),
    Itype(String),
}

fn edits(body: &Value) -> Result<Vec<Edit>, Refused> {
    let fields = body
        .as_object()
        .ok_or_else(|| Refused::new(400, "The body must be a JSON object."))?;
    let mut edits = Vec::new();
    if let Some(status) = fields.get("status") {
        edits.push(Edit::Field("status", one_of("status", status, &STATUSES)?));
    }
    if let Some(confidence) = fields.get("confidence") {
        edits.push(Edit::Field("confidence", confidence_of(confidence)?));
    }
    if let Some(severity) = severity_field(fields) {
        let severity = one_of("severity", severity, &SEVERITIES)?;
        edits.push(Edit::Severity(severity.as_str().unwrap_or_default().to_owned()));
    }
    if let Some(tlp) = fields.get("tlp") {
        edits.push(Edit::Field("tlp", one_of("tlp", tlp, &TLPS)?));
    }
    if let Some(expiration) = fields.get("expiration_ts") {
        edits.push(Edit::Field("expiration_ts", expiration_of(expiration)?));
    }
    if let Some(itype) = fields.get("itype") {
        edits.push(Edit::Itype(itype_of(itype)?));
    }
    if edits.is_empty() {
        return Err(Refused::new(
            400,
            "Nothing to update: send status, confidence, severity, tlp, expiration_ts or itype.",
        ));
    }
    Ok(edits)
}

fn severity_field(fields: &Map<String, Value>) -> Option<&Value> {
    fields
        .get("severity")
        .or_else(|| fields.get("meta.severity"))
        .or_else(|| fields.get("meta").and_then(|meta| meta.get("severity")))
}

fn apply(record: &mut Value, edits: &[Edit]) {
    for edit in edits {
        match edit {
            Edit::Field(name, value) => record[*name] = value.clone(),
            Edit::Severity(severity) => record["meta"]["severity"] = Value::from(severity.as_str()),
            Edit::Itype(itype) => {
                record["itype"] = Value::from(itype.as_str());
                record["threat_type"] = Value::from(threat_type_of(itype));
            }
        }
    }
}

fn invalid(name: &str, value: &Value) -> Refused {
    Refused::new(400, &format!("Invalid value for '{name}': {value}."))
}

fn one_of(name: &str, value: &Value, allowed: &[&str]) -> Result<Value, Refused> {
    let text = value.as_str().map(str::to_lowercase);
    match text {
        Some(text) if allowed.contains(&text.as_str()) => Ok(Value::from(text)),
        _ => Err(invalid(name, value)),
    }
}

/// 0 to 100, as a number or numeric string.
fn confidence_of(value: &Value) -> Result<Value, Refused> {
    let number = value.as_i64().or_else(|| value.as_str()?.trim().parse().ok());
    match number {
        Some(n) if (0..=100).contains(&n) => Ok(Value::from(n)),
        _ => Err(invalid("confidence", value)),
    }
}

/// Stored in the records' own format, whatever ISO shape arrived.
fn expiration_of(value: &Value) -> Result<Value, Refused> {
    let parsed = value.as_str().and_then(timestamp::parse);
    parsed
        .map(|ms| Value::from(timestamp::format_ms(ms)))
        .ok_or_else(|| invalid("expiration_ts", value))
}

fn itype_of(value: &Value) -> Result<String, Refused> {
    let itype = value.as_str().map(str::trim).unwrap_or_default();
    let well_formed = itype.contains('_')
        && itype
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if well_formed {
        Ok(itype.to_owned())
    } else {
        Err(invalid("itype", value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_edits_apply_and_move_threat_type_with_itype() {
        let body = json!({"id": 5, "status": "FalsePos", "confidence": "15", "meta": {"severity": "very-high"},
                          "tlp": "amber+strict", "expiration_ts": "2030-01-01T01:00:00+01:00", "itype": "phish_url"});
        let edits = edits(&body).expect("all valid");
        let mut record = json!({"status": "active", "meta": {"severity": "low", "detail2": "x"}});
        apply(&mut record, &edits);
        assert_eq!(record["status"], "falsepos");
        assert_eq!(record["confidence"], 15);
        assert_eq!(record["meta"], json!({"severity": "very-high", "detail2": "x"}));
        assert_eq!(record["expiration_ts"], "2030-01-01T00:00:00.000Z");
        assert_eq!(
            (record["itype"].as_str(), record["threat_type"].as_str()),
            (Some("phish_url"), Some("phish"))
        );
    }

    #[test]
    fn invalid_or_empty_edits_are_refused() {
        for body in [
            json!({"status": "deleted"}),
            json!({"confidence": 101}),
            json!({"confidence": -1}),
            json!({"severity": "critical"}),
            json!({"tlp": "purple"}),
            json!({"expiration_ts": "soon"}),
            json!({"itype": "Bad Type"}),
            json!({"unknown": 1}),
            json!([1]),
        ] {
            assert!(edits(&body).is_err(), "{body}");
        }
    }
}
