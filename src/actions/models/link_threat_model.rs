//! Link Threat Model: tie a model to the observables and other models it concerns, such as an
//! incident to the observables an investigation found and to the actor behind it.
//!
//! `POST /api/v1/{model}/{id}/intelligence/bulk_add/` for observables and `.../{type}/bulk_add/` for
//! models, `{"ids": [...]}` (`threatstream::associations` has the bodies the public clients send).
//! The model and every target are read first (`targets`), so the output tells what was linked, what
//! was linked already and what ThreatStream does not have. Linking twice links once: retried.

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
    pub(crate) struct LinkThreatModelInput { verb: "link" }
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct LinkThreatModelOutput {
    /// Observables and models linked to the model by this step
    #[schemars(title = "Linked", example = example_items())]
    linked: Vec<Item>,
    /// Observables and models that were linked to it already
    #[schemars(title = "Already Linked", example = example_already())]
    already_linked: Vec<Item>,
    /// IDs and values given that ThreatStream has no observable or model for (or the account cannot see)
    #[schemars(title = "Not Found", example = example_not_found())]
    not_found: Vec<NotFound>,
}

pub(crate) struct LinkThreatModel;

impl TypedStep for LinkThreatModel {
    const ID: &'static str = "link_threat_model";
    const TITLE: &'static str = "Link Threat Model";
    const DESCRIPTION: &'static str = "Link a threat model in Anomali ThreatStream to observables and to other \
                                       threat models";
    type Input = LinkThreatModelInput;
    type Output = LinkThreatModelOutput;
}

impl TypedAction for LinkThreatModel {
    async fn run(connection: &Connection, input: LinkThreatModelInput) -> Result<LinkThreatModelOutput, Failure> {
        let (id, wanted) = input.checked()?;
        let model = (input.model_type, id);
        let outcome = change(connection, model, &wanted, LinkChange::Add).await?;
        tracing::info!("{}", summary(&outcome, model, "Linked"));
        Ok(LinkThreatModelOutput {
            linked: outcome.changed,
            already_linked: outcome.unchanged,
            not_found: outcome.not_found,
        })
    }
}
