//! The intel details of an observable: how its confidence moved, and what
//! third-party services classify it as.
//!
//! - `GET /api/v1/inteldetails/confidence_trend/?type=confidence&value=`:
//!   `{"min_confidence", "average_confidence", "max_confidence"}`, integers,
//!   as CrowdStrike's OpenAPI description of the route gives them (no client
//!   reads the answer; IntelOwl sends the literal `type=confidence` and keeps
//!   the JSON whole). Here they are over the observable's records; a value
//!   without records is a 404.
//! - `GET /api/v1/inteldetails/automatic/?type=<observable type>&value=`: an
//!   object keyed by service, each `{"Classification"}`, IPVoid's with
//!   `Detections`, as Google SecOps SOAR's ThreatFuse parser reads it
//!   (`VirusTotal`, `Domain Tools`, `Google Safe Browsing`, `IPVoid`,
//!   `Project Honey Pot`, `Web of Trust`). No public source shows a raw
//!   answer or the value types: here `Classification` is text and
//!   `Detections` a number; which services answer depends on the type, and
//!   a value without records has none (`{}`).

use serde_json::{json, Map, Value};

use crate::http::answer::{Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "inteldetails", "confidence_trend"]) => to(|c| confidence_trend(c.state, c.request)),
        ("GET", ["api", "v1", "inteldetails", "automatic"]) => to(|c| automatic(c.state, c.request)),
        _ => None,
    }
}

/// The types the automatic details take: the v2 `type` of an observable.
const TYPES: [&str; 6] = ["ip", "ipv6", "domain", "url", "email", "md5"];

/// `GET /api/v1/inteldetails/confidence_trend/`.
pub(crate) fn confidence_trend(state: &State, request: &RecordedRequest) -> Answer {
    if request.query_value("type").as_deref() != Some("confidence") {
        return Err(Refused::bad("Invalid value for 'type': use 'confidence'."));
    }
    let value = required_value(request)?;
    let scores = confidences(state, &value);
    let (Some(min), Some(max)) = (scores.iter().min(), scores.iter().max()) else {
        return Err(Refused::not_found(&request.path));
    };
    let count = i64::try_from(scores.len()).unwrap_or(i64::MAX);
    let average = scores.iter().sum::<i64>() / count;
    let body = json!({"min_confidence": min, "average_confidence": average, "max_confidence": max});
    Ok(response::json(200, &body))
}

/// `GET /api/v1/inteldetails/automatic/`.
pub(crate) fn automatic(state: &State, request: &RecordedRequest) -> Answer {
    let kind = request.query_value("type").unwrap_or_default().to_lowercase();
    if !TYPES.contains(&kind.as_str()) {
        return Err(Refused::bad(&format!("Invalid value for 'type': '{kind}'.")));
    }
    let value = required_value(request)?;
    let scores = confidences(state, &value);
    let Some(&highest) = scores.iter().max() else {
        return Ok(response::json(200, &json!({})));
    };
    let classification = match highest {
        70.. => "Malicious",
        40..=69 => "Suspicious",
        _ => "Clean",
    };
    let mut details = Map::new();
    for service in services(&kind) {
        let mut detail = json!({"Classification": classification});
        if *service == "IPVoid" {
            detail["Detections"] = json!(highest / 10);
        }
        details.insert((*service).to_owned(), detail);
    }
    Ok(response::json(200, &Value::Object(details)))
}

/// Which services know an observable of type `kind`.
fn services(kind: &str) -> &'static [&'static str] {
    match kind {
        "ip" | "ipv6" => &["VirusTotal", "IPVoid", "Project Honey Pot"],
        "domain" => &["VirusTotal", "Domain Tools", "Google Safe Browsing", "Web of Trust"],
        "url" => &["VirusTotal", "Google Safe Browsing", "Web of Trust"],
        "email" => &["Project Honey Pot"],
        _ => &["VirusTotal"],
    }
}

fn required_value(request: &RecordedRequest) -> Result<String, Refused> {
    request
        .query_value("value")
        .map(|value| value.trim().to_lowercase())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| Refused::bad("'value' is required."))
}

/// The confidence of every record whose value is exactly `value` (lower case).
fn confidences(state: &State, value: &str) -> Vec<i64> {
    let store = state.records();
    let keys = store.keys().iter().filter(|key| key.value == value && !key.remote);
    keys.map(|key| key.confidence.max(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_follow_the_type() {
        assert!(services("ip").contains(&"IPVoid"));
        assert!(services("domain").contains(&"Domain Tools"));
        assert_eq!(services("md5"), ["VirusTotal"]);
    }
}
