//! Delete Investigation: remove an investigation from ThreatStream.
//!
//! It is read first, so the output shows what was deleted and an investigation ThreatStream does not
//! have is an error naming it. `DELETE /api/v1/investigation/{id}/` answers 204 (XSOAR, Splunk SOAR);
//! deleting twice deletes once, so it is retried like a read, and a 404 to it after the read found
//! the investigation means it is gone already: what the step was asked for.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::investigation::{example_investigation, InvestigationSummary};
use super::{investigation_failure, missing, read_failure, INVESTIGATION_ID};
use crate::actions::connection::Connection;
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::investigations::{delete_investigation, investigation};
use crate::threatstream::ApiError;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteInvestigationInput {
    /// ThreatStream ID of the investigation, as a number or as text
    #[schemars(title = "ID", example = 1001)]
    id: NumberId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct DeleteInvestigationOutput {
    /// Whether ThreatStream no longer has the investigation
    #[schemars(title = "Deleted", example = true)]
    deleted: bool,
    /// The investigation as it was before it was deleted
    #[schemars(title = "Investigation", example = example_investigation())]
    investigation: InvestigationSummary,
}

pub(crate) struct DeleteInvestigation;

impl TypedStep for DeleteInvestigation {
    const ID: &'static str = "delete_investigation";
    const TITLE: &'static str = "Delete Investigation";
    const DESCRIPTION: &'static str = "Delete an investigation from Anomali ThreatStream";
    type Input = DeleteInvestigationInput;
    type Output = DeleteInvestigationOutput;
}

impl TypedAction for DeleteInvestigation {
    async fn run(
        connection: &Connection,
        input: DeleteInvestigationInput,
    ) -> Result<DeleteInvestigationOutput, Failure> {
        let id = input.id.read("id", INVESTIGATION_ID)?;
        let client = &connection.client;
        let record = investigation(client, id)
            .await
            .map_err(read_failure)?
            .ok_or_else(|| missing(id))?;
        match delete_investigation(client, id).await {
            Ok(()) => {}
            Err(ApiError::Status { status: 404, .. }) => tracing::info!("Investigation {id} was gone already"),
            Err(error) => return Err(investigation_failure(error, id, "deleting an investigation")),
        }
        Ok(DeleteInvestigationOutput {
            deleted: true,
            investigation: InvestigationSummary::of(&record, id),
        })
    }
}
