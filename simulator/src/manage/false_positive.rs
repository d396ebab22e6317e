//! `POST /api/v1/falsepositive/report/`: an analyst's verdict that an
//! observable is a false positive, sent back to ThreatStream with a reason.
//!
//! The body is Google SecOps SOAR's (`ThreatFuseManager` and
//! `AnomaliThreatStreamManager` `report_as_false_positive`, and a fork of
//! XSOAR's integration): `{"intelligence": <observable id>, "reason",
//! "comment"}`. ThreatFuse reads the answer's `success`. Everything else is
//! unconfirmed: the status code (200 here), whether `comment` may be left
//! out (both are mandatory in the Google SecOps action, so both are
//! required here), which permission it needs (Edit Intel here), and whether
//! the report changes the observable (it does not here: the report is kept,
//! listed by `GET /__simulator/false_positives`).

use std::sync::{Mutex, PoisonError};

use serde_json::{json, Value};

use crate::http::answer::{json_body, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v1", "falsepositive", "report"]) => to(|c| report(c.state, c.request)),
        ("GET", ["__simulator", "false_positives"]) => to(|c| list(c.state)),
        _ => None,
    }
}

/// Every report received, oldest first.
#[derive(Default)]
pub(crate) struct FalsePositives(Mutex<Vec<Value>>);

impl FalsePositives {
    pub(crate) fn all(&self) -> Vec<Value> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn add(&self, report: Value) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(report);
    }
}

pub(crate) fn report(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Update)?;
    let body = json_body(request)?;
    let id = match &body["intelligence"] {
        Value::Number(id) => id.as_u64(),
        Value::String(id) => id.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Refused::bad("Invalid value for 'intelligence': an observable id is required."))?;
    if state.records().get(id).is_none() {
        return Err(Refused::bad(&format!(
            "Invalid value for 'intelligence': no observable with id {id}."
        )));
    }
    let text = |name: &str| {
        body[name]
            .as_str()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Refused::bad(&format!("'{name}' is required.")))
    };
    let (reason, comment) = (text("reason")?, text("comment")?);
    state.false_positives.add(json!({
        "intelligence": id,
        "reason": reason,
        "comment": comment,
        "user": state.account.username,
        "date": timestamp::format_ms(timestamp::now_ms()),
    }));
    Ok(response::json(200, &json!({"success": true})))
}

/// `GET /__simulator/false_positives`: the reports, oldest first.
pub(crate) fn list(state: &State) -> Answer {
    Ok(response::json(200, &Value::from(state.false_positives.all())))
}
