//! Create Investigation: open a case in ThreatStream, to hold the observables and threat models it
//! concerns (Add Investigation Elements adds them).
//!
//! `POST /api/v1/investigation/` once with the fields given (XSOAR's `create_investigation`); a
//! second copy would be a second investigation, so a failure that may have come after ThreatStream
//! opened it says so and how to find it. ThreatStream answers 201 with the investigation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::investigation::{
    example_investigation, fields, InvestigationInputs, InvestigationStatus, InvestigationSummary, Priority,
};
use crate::actions::connection::Connection;
use crate::actions::failure::{forbidden, Permission};
use crate::actions::import::Tlp;
use crate::actions::input::NumberId;
use crate::actions::models::sent_once;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::investigations::create_investigation;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateInvestigationInput {
    /// Name of the investigation, at most 255 characters
    #[schemars(title = "Name", example = "Case 4711: invoice phishing")]
    name: String,
    /// What the investigation is about
    #[schemars(
        title = "Description",
        example = "Two invoice lures reported by accounts payable on 2026-09-14."
    )]
    description: Option<String>,
    /// Priority: `verylow`, `low`, `medium`, `high` or `veryhigh`; ThreatStream's default (medium) when not set
    #[schemars(title = "Priority", example = Priority::High, extend("default" = ""))]
    priority: Option<Priority>,
    /// Status: `unassigned`, `pending`, `in-progress` or `completed`; ThreatStream's default (unassigned) when not set
    #[schemars(title = "Status", example = InvestigationStatus::InProgress, extend("default" = ""))]
    status: Option<InvestigationStatus>,
    /// Traffic Light Protocol marking; ThreatStream's default when not set
    #[schemars(title = "TLP", example = Tlp::Amber, extend("default" = ""))]
    tlp: Option<Tlp>,
    /// Names of its tags
    #[serde(default)]
    #[schemars(title = "Tags", example = json!(["case-4711"]))]
    tags: Vec<String>,
    /// ThreatStream user ID of whom to assign it to, as a number or as text; nobody when empty
    #[schemars(title = "Assignee ID", example = 121)]
    assignee_id: Option<NumberId>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct InvestigationOutput {
    /// The investigation as ThreatStream holds it
    #[schemars(title = "Investigation", example = example_investigation())]
    pub(crate) investigation: InvestigationSummary,
}

pub(crate) struct CreateInvestigation;

impl TypedStep for CreateInvestigation {
    const ID: &'static str = "create_investigation";
    const TITLE: &'static str = "Create Investigation";
    const DESCRIPTION: &'static str = "Open an investigation in Anomali ThreatStream";
    type Input = CreateInvestigationInput;
    type Output = InvestigationOutput;
}

impl TypedAction for CreateInvestigation {
    async fn run(connection: &Connection, input: CreateInvestigationInput) -> Result<InvestigationOutput, Failure> {
        if input.name.trim().is_empty() {
            return Err(Failure::invalid_input(
                "name",
                "it is empty; an investigation needs a name",
            ));
        }
        let fields = fields(&InvestigationInputs {
            name: Some(&input.name),
            description: input.description.as_deref(),
            priority: input.priority,
            status: input.status,
            tlp: input.tlp,
            tags: &input.tags,
            assignee_id: input.assignee_id.as_ref(),
        })?;
        let created = create_investigation(&connection.client, &fields)
            .await
            .map_err(|error| {
                let check = "List Investigations shows whether ThreatStream opened it";
                sent_once(
                    error,
                    "the investigation",
                    check,
                    "open a second investigation",
                    |error| forbidden(error, &[Permission::Investigations], "opening an investigation"),
                )
            })?;
        Ok(InvestigationOutput {
            investigation: InvestigationSummary::of(&created, 0),
        })
    }
}
