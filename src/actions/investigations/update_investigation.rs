//! Update Investigation: change what was given of an investigation, such as its status as the case
//! moves on, and nothing else.
//!
//! `PATCH /api/v1/investigation/{id}/` with only the fields given; an update given nothing to change
//! is refused before any request. Setting a field to the value it has changes nothing, so it is
//! retried like a read. Tags given replace the investigation's tags.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use super::create_investigation::InvestigationOutput;
use super::investigation::{fields, InvestigationInputs, InvestigationStatus, InvestigationSummary, Priority};
use super::{investigation_failure, INVESTIGATION_ID};
use crate::actions::connection::Connection;
use crate::actions::import::Tlp;
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::investigations::{investigation, update_investigation};
use crate::threatstream::numeric_id;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateInvestigationInput {
    /// ThreatStream ID of the investigation, as a number or as text
    #[schemars(title = "ID", example = 1001)]
    id: NumberId,
    /// New name, at most 255 characters; unchanged when empty
    #[schemars(title = "Name", example = "Case 4711: invoice phishing (closed)")]
    name: Option<String>,
    /// New description; unchanged when empty
    #[schemars(title = "Description", example = "Contained on 2026-09-14; both mailboxes reset.")]
    description: Option<String>,
    /// New priority: `verylow`, `low`, `medium`, `high` or `veryhigh`; unchanged when empty
    #[schemars(title = "Priority", example = Priority::Low, extend("default" = ""))]
    priority: Option<Priority>,
    /// New status: `unassigned`, `pending`, `in-progress` or `completed`; unchanged when empty
    #[schemars(title = "Status", example = InvestigationStatus::Completed, extend("default" = ""))]
    status: Option<InvestigationStatus>,
    /// New Traffic Light Protocol marking; unchanged when empty
    #[schemars(title = "TLP", example = Tlp::Green, extend("default" = ""))]
    tlp: Option<Tlp>,
    /// Tags that replace its tags; unchanged when empty
    #[serde(default)]
    #[schemars(title = "Tags", example = json!(["case-4711", "closed"]))]
    tags: Vec<String>,
    /// ThreatStream user ID of whom to assign it to, as a number or as text; unchanged when empty
    #[schemars(title = "Assignee ID", example = 121)]
    assignee_id: Option<NumberId>,
}

pub(crate) struct UpdateInvestigation;

impl TypedStep for UpdateInvestigation {
    const ID: &'static str = "update_investigation";
    const TITLE: &'static str = "Update Investigation";
    const DESCRIPTION: &'static str = "Change the fields given of an investigation in Anomali ThreatStream, and \
                                       nothing else";
    type Input = UpdateInvestigationInput;
    type Output = InvestigationOutput;
}

impl TypedAction for UpdateInvestigation {
    async fn run(connection: &Connection, input: UpdateInvestigationInput) -> Result<InvestigationOutput, Failure> {
        let id = input.id.read("id", INVESTIGATION_ID)?;
        let fields = fields(&InvestigationInputs {
            name: input.name.as_deref(),
            description: input.description.as_deref(),
            priority: input.priority,
            status: input.status,
            tlp: input.tlp,
            tags: &input.tags,
            assignee_id: input.assignee_id.as_ref(),
        })?;
        if fields.is_empty() {
            return Err(Failure::caller(
                "Nothing to change: every field of the update was left empty.",
                "Give at least one field to change, such as status, priority or description.",
            ));
        }
        let client = &connection.client;
        let answered = update_investigation(client, id, &fields)
            .await
            .map_err(|error| investigation_failure(error, id, "changing an investigation"))?;
        let record = match answered {
            Value::Object(record) if record.get("id").and_then(numeric_id) == Some(id) => record,
            _ => investigation(client, id).await.ok().flatten().unwrap_or_default(),
        };
        Ok(InvestigationOutput {
            investigation: InvestigationSummary::of(&record, id),
        })
    }
}
