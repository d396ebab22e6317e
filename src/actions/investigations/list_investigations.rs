//! List Investigations: the newest investigations first, as many as asked for.
//!
//! `GET /api/v1/investigation/?order_by=-created_ts` page by page (XSOAR's list), following
//! `meta.next` up to the limit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::investigation::{example_investigation, InvestigationSummary};
use super::{default_limit, read_failure, DEFAULT_LIMIT};
use crate::actions::connection::Connection;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::investigations::investigations;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListInvestigationsInput {
    /// Most investigations to return, newest first
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(min = 1, max = 1000), example = DEFAULT_LIMIT)]
    limit: usize,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ListInvestigationsOutput {
    /// Investigations, the newest first
    #[schemars(title = "Investigations", example = json!([example_investigation()]))]
    investigations: Vec<InvestigationSummary>,
}

pub(crate) struct ListInvestigations;

impl TypedStep for ListInvestigations {
    const ID: &'static str = "list_investigations";
    const TITLE: &'static str = "List Investigations";
    const DESCRIPTION: &'static str = "List the investigations in Anomali ThreatStream, newest first";
    type Input = ListInvestigationsInput;
    type Output = ListInvestigationsOutput;
}

impl TypedAction for ListInvestigations {
    async fn run(connection: &Connection, input: ListInvestigationsInput) -> Result<ListInvestigationsOutput, Failure> {
        // Not a schema minimum: the samples InsightConnect's tooling writes fill integers with 0.
        let limit = if input.limit == 0 { DEFAULT_LIMIT } else { input.limit };
        let found = investigations(&connection.client, limit).await.map_err(read_failure)?;
        Ok(ListInvestigationsOutput {
            investigations: found.iter().map(|record| InvestigationSummary::of(record, 0)).collect(),
        })
    }
}
