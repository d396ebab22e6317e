//! The intel details of an observable as outputs show them: how its confidence moved, and what
//! third-party services classify it as. Shared by Get Confidence Trend, Get Intel Details and Enrich
//! Observable's two sections of the same names.
//!
//! The confidence trend passes through as ThreatStream sends it, cleaned of empty fields: CrowdStrike's
//! OpenAPI description names three fields (`min_confidence`, `average_confidence`,
//! `max_confidence`), no client reads them, and a field ThreatStream adds should reach the playbook.
//! The intel details are one entry per service, under the plugin's names (ThreatStream keys them by
//! the service's display name, each `{"Classification", "Detections"}`, as Google SecOps SOAR's
//! ThreatFuse parser reads them).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::actions::lenient::NumberOrString;
use crate::actions::output::passed_through;
use crate::protocol::clean;
use crate::threatstream::enrichment::IntelDetail;
use crate::threatstream::Record;

passed_through! {
    /// The confidence trend of an observable, as ThreatStream sent it
    #[name = "confidence_trend"]
    pub(crate) struct ConfidenceTrend {
        /// Lowest confidence the observable has had, 0-100
        #[title = "Min Confidence"]
        min_confidence: Option<NumberOrString>,
        /// Average of its confidences, 0-100
        #[title = "Average Confidence"]
        average_confidence: Option<NumberOrString>,
        /// Highest confidence it has had, 0-100
        #[title = "Max Confidence"]
        max_confidence: Option<NumberOrString>,
    }
}

/// The trend as an output holds it.
pub(crate) fn trend_of(record: Record) -> Value {
    let mut trend = Value::Object(record);
    clean(&mut trend);
    trend
}

pub(crate) fn example_trend() -> Value {
    json!({"min_confidence": 42, "average_confidence": 64, "max_confidence": 87})
}

/// What one third-party service says of the observable.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "intel_detail", title = "intel_detail")]
pub(crate) struct IntelDetailOutput {
    /// The service, as ThreatStream names it, such as VirusTotal, Domain Tools or IPVoid
    #[schemars(title = "Service")]
    service: String,
    /// What the service classifies the observable as, as it words it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Classification")]
    classification: Option<String>,
    /// How many of the service's engines flag it (IPVoid's detections), a number or text as the service gives it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Detections", with = "Option<NumberOrString>")]
    detections: Option<Value>,
}

impl From<IntelDetail> for IntelDetailOutput {
    fn from(detail: IntelDetail) -> IntelDetailOutput {
        IntelDetailOutput {
            service: detail.service,
            classification: detail.classification,
            detections: detail.detections,
        }
    }
}

pub(crate) fn example_details() -> Value {
    json!([{"service": "VirusTotal", "classification": "Malicious"},
        {"service": "IPVoid", "classification": "Malicious", "detections": 8}])
}
