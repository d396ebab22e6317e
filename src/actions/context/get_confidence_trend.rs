//! Get Confidence Trend: how an observable's confidence moved, as ThreatStream shows it on the
//! observable's details page.
//!
//! `GET /api/v1/inteldetails/confidence_trend/?type=confidence&value=`: the literal `type` is what
//! IntelOwl sends (its ThreatStream analyser's confidence mode); CrowdStrike's OpenAPI description
//! gives the answer's fields. No other public client calls it. A 404 is no trend, not a failure.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context_failure;
use super::intel_details::{example_trend, trend_of, ConfidenceTrend};
use crate::actions::connection::Connection;
use crate::actions::observable::any_value;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::enrichment;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetConfidenceTrendInput {
    /// Observable whose confidence trend to get: an IP address, domain, URL, e-mail address, hash or other value
    #[schemars(title = "Value", example = "198.51.100.23")]
    value: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetConfidenceTrendOutput {
    /// Whether ThreatStream has a confidence trend for the value
    #[schemars(title = "Found", example = true)]
    found: bool,
    /// The lowest, average and highest confidence the observable has had; absent when there is none
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Confidence Trend", with = "Option<ConfidenceTrend>", example = example_trend())]
    confidence_trend: Option<Value>,
}

pub(crate) struct GetConfidenceTrend;

impl TypedStep for GetConfidenceTrend {
    const ID: &'static str = "get_confidence_trend";
    const TITLE: &'static str = "Get Confidence Trend";
    const DESCRIPTION: &'static str = "Get how the confidence of an observable moved: its lowest, average and highest";
    type Input = GetConfidenceTrendInput;
    type Output = GetConfidenceTrendOutput;
}

impl TypedAction for GetConfidenceTrend {
    async fn run(connection: &Connection, input: GetConfidenceTrendInput) -> Result<GetConfidenceTrendOutput, Failure> {
        let value = any_value(&input.value)
            .map_err(|problem| Failure::invalid_input("value", problem))?
            .ok_or_else(|| Failure::invalid_input("value", "it is empty; give the observable"))?;
        let trend = enrichment::confidence_trend(&connection.client, &value)
            .await
            .map_err(|error| context_failure(error, "confidence trends"))?;
        Ok(GetConfidenceTrendOutput {
            found: trend.is_some(),
            confidence_trend: trend.map(trend_of),
        })
    }
}
