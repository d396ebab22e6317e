//! Remove Tags: tags taken off an observable, or off every observable of one value, by name.
//!
//! One bulk call (`bulk_remove_tags`) for every observable selected. Removing a tag an observable
//! lacks changes nothing, so the call is retried like a read.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::add_tags::tag_names;
use super::{ids, in_cloud, ChangeOutput, TargetInputs};
use crate::actions::connection::Connection;
use crate::actions::failure::{forbidden, unconfirmed, Permission, Write};
use crate::actions::input::step_input;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct RemoveTagsInput {
        ..TargetInputs,
        /// Names of the tags to remove
        #[schemars(title = "Tags", example = json!(["campaign-7"]))]
        tags: Vec<String>,
    }
}

/// A removal of tags, when a failure leaves unknown whether ThreatStream applied it.
const REMOVAL: Write = Write {
    what: "the removal",
    check: "Get Observables shows the observable's tags as they are now",
    twice: None,
};

pub(crate) struct RemoveTags;

impl TypedStep for RemoveTags {
    const ID: &'static str = "remove_tags";
    const TITLE: &'static str = "Remove Tags";
    const DESCRIPTION: &'static str = "Remove tags from an observable in Anomali ThreatStream";
    type Input = RemoveTagsInput;
    type Output = ChangeOutput;
}

impl TypedAction for RemoveTags {
    async fn run(connection: &Connection, input: RemoveTagsInput) -> Result<ChangeOutput, Failure> {
        let selector = TargetInputs::from(&input).selector()?;
        let names = tag_names(&input.tags)?;
        let targets = selector.targets(connection).await?;
        let ids = ids(&targets);
        threatstream::remove_tags(&connection.client, &ids, &names, in_cloud(&targets))
            .await
            .map_err(|error| {
                unconfirmed(error, &REMOVAL, |error| {
                    forbidden(error, &[Permission::Tag], "removing tags from observables")
                })
            })?;
        Ok(ChangeOutput::changed(ids))
    }
}
