//! Update Allowlist Note: `PATCH /api/v1/orgwhitelist/{id}/` with `{"notes"}`, the one field XSOAR
//! changes on an entry. Setting a note twice does what setting it once does, so it is retried like a
//! read. ThreatStream's answer is not read (XSOAR reads none; Tastypie answers a PATCH 202).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{allowlist_failure, entry_id};
use crate::actions::connection::Connection;
use crate::actions::input::{optional_line, NumberId, MAX_LINE_CHARS};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::allowlist;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateAllowlistNoteInput {
    /// ThreatStream ID of the allowlist entry
    #[schemars(title = "ID", example = 13)]
    id: NumberId,
    /// The new note, which replaces the entry's
    #[schemars(title = "Notes", example = "Partner portal, reviewed in case 4812")]
    notes: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct UpdateAllowlistNoteOutput {
    /// Whether ThreatStream accepted the note
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// ThreatStream ID of the entry
    #[schemars(title = "ID", example = 13)]
    id: u64,
    /// The note the entry now has
    #[schemars(title = "Notes", example = "Partner portal, reviewed in case 4812")]
    notes: String,
}

pub(crate) struct UpdateAllowlistNote;

impl TypedStep for UpdateAllowlistNote {
    const ID: &'static str = "update_allowlist_note";
    const TITLE: &'static str = "Update Allowlist Note";
    const DESCRIPTION: &'static str =
        "Change the note of an entry of the organization's allowlist in Anomali ThreatStream";
    type Input = UpdateAllowlistNoteInput;
    type Output = UpdateAllowlistNoteOutput;
}

impl TypedAction for UpdateAllowlistNote {
    async fn run(
        connection: &Connection,
        input: UpdateAllowlistNoteInput,
    ) -> Result<UpdateAllowlistNoteOutput, Failure> {
        let id = entry_id(&input.id)?;
        let notes = optional_line(Some(&input.notes), "notes", "the note", MAX_LINE_CHARS)?
            .ok_or_else(|| Failure::invalid_input("notes", "it is empty; give the new note"))?;
        allowlist::update_allowlist_note(&connection.client, id, &notes)
            .await
            .map_err(|error| allowlist_failure(error, Some(id)))?;
        Ok(UpdateAllowlistNoteOutput {
            success: true,
            id,
            notes,
        })
    }
}
