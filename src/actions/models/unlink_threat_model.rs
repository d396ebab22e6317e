//! Unlink Threat Model: undo a link, such as an observable tied to an incident by mistake.
//!
//! `POST .../bulk_remove/`, the counterpart of Link Threat Model's `bulk_add` with the same bodies
//! (Splunk SOAR's `remove association`). The model and every target are read first, so the output
//! tells what was unlinked, what was not linked anyway and what ThreatStream does not have.
//! Unlinking twice unlinks once: retried.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::links::{change, example_already, example_items, example_not_found, link_input, summary};
use super::targets::{Item, NotFound};
use crate::actions::connection::Connection;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::associations::LinkChange;

link_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct UnlinkThreatModelInput { verb: "unlink" }
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct UnlinkThreatModelOutput {
    /// Observables and models unlinked from the model by this step
    #[schemars(title = "Unlinked", example = example_items())]
    unlinked: Vec<Item>,
    /// Observables and models that were not linked to it
    #[schemars(title = "Not Linked", example = example_already())]
    not_linked: Vec<Item>,
    /// IDs and values given that ThreatStream has no observable or model for (or the account cannot see)
    #[schemars(title = "Not Found", example = example_not_found())]
    not_found: Vec<NotFound>,
}

pub(crate) struct UnlinkThreatModel;

impl TypedStep for UnlinkThreatModel {
    const ID: &'static str = "unlink_threat_model";
    const TITLE: &'static str = "Unlink Threat Model";
    const DESCRIPTION: &'static str = "Unlink observables and other threat models from a threat model in Anomali \
                                       ThreatStream";
    type Input = UnlinkThreatModelInput;
    type Output = UnlinkThreatModelOutput;
}

impl TypedAction for UnlinkThreatModel {
    async fn run(connection: &Connection, input: UnlinkThreatModelInput) -> Result<UnlinkThreatModelOutput, Failure> {
        let (id, wanted) = input.checked()?;
        let model = (input.model_type, id);
        let outcome = change(connection, model, &wanted, LinkChange::Remove).await?;
        tracing::info!("{}", summary(&outcome, model, "Unlinked"));
        Ok(UnlinkThreatModelOutput {
            unlinked: outcome.changed,
            not_linked: outcome.unchanged,
            not_found: outcome.not_found,
        })
    }
}
