//! Get Investigation: one investigation with the observables and threat models it holds.
//!
//! `GET /api/v1/investigation/{id}/` (XSOAR), then its elements, `GET
//! /api/v1/investigationelement/?investigation_id=` (FortiSOAR's listing), together. A 404 is an
//! answer (`found: false`), not an error, as Get Threat Model reads it, so a playbook can branch.

use futures_util::future;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::element::{example_elements, ElementSummary};
use super::investigation::{example_investigation, InvestigationSummary};
use super::{default_limit, read_failure, DEFAULT_LIMIT, INVESTIGATION_ID};
use crate::actions::connection::Connection;
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::investigations::{elements, investigation};
use crate::threatstream::ApiError;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetInvestigationInput {
    /// ThreatStream ID of the investigation, as a number or as text
    #[schemars(title = "ID", example = 1001)]
    id: NumberId,
    /// Most of its elements (observables and threat models) to include
    #[serde(default = "default_limit")]
    #[schemars(title = "Element Limit", range(min = 1, max = 1000), example = DEFAULT_LIMIT)]
    element_limit: usize,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetInvestigationOutput {
    /// Whether ThreatStream has the investigation and the account can see it
    #[schemars(title = "Found", example = true)]
    found: bool,
    /// The investigation; absent when not found
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Investigation", example = example_investigation())]
    investigation: Option<InvestigationSummary>,
    /// The observables and threat models it holds, up to the limit; absent when not found
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Elements", example = example_elements())]
    elements: Option<Vec<ElementSummary>>,
}

pub(crate) struct GetInvestigation;

impl TypedStep for GetInvestigation {
    const ID: &'static str = "get_investigation";
    const TITLE: &'static str = "Get Investigation";
    const DESCRIPTION: &'static str = "Get an investigation from Anomali ThreatStream, with the observables and \
                                       threat models it holds";
    type Input = GetInvestigationInput;
    type Output = GetInvestigationOutput;
}

impl TypedAction for GetInvestigation {
    async fn run(connection: &Connection, input: GetInvestigationInput) -> Result<GetInvestigationOutput, Failure> {
        let id = input.id.read("id", INVESTIGATION_ID)?;
        let limit = if input.element_limit == 0 {
            DEFAULT_LIMIT
        } else {
            input.element_limit
        };
        let client = &connection.client;
        let listed = async {
            match elements(client, id, limit).await {
                Err(ApiError::Status { status: 404, .. }) => Ok(Vec::new()),
                answer => answer,
            }
        };
        let (found, listed) = future::join(investigation(client, id), listed).await;
        let failure = |error| read_failure(error);
        let Some(record) = found.map_err(failure)? else {
            tracing::info!("ThreatStream has no investigation with ID {id}");
            return Ok(GetInvestigationOutput {
                found: false,
                investigation: None,
                elements: None,
            });
        };
        let elements = listed.map_err(failure)?;
        Ok(GetInvestigationOutput {
            found: true,
            investigation: Some(InvestigationSummary::of(&record, id)),
            elements: Some(
                elements
                    .into_iter()
                    .map(|element| ElementSummary::of(&Value::Object(element)))
                    .collect(),
            ),
        })
    }
}
