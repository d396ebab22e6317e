//! Add Threat Model Tags: tags on a model, each with the TLP marking that says who may see it.
//!
//! `POST /api/v1/{model}/{id}/tag/` with `{"tags": [{"name", "tlp"}]}`, XSOAR's `add_tag_to_model`
//! body (XSOAR always sends `red`; here `red` unless TLP says otherwise, as Add Tags does for
//! observables). The model is read first and only the names it lacks are sent (letter case aside), so
//! sending the call twice adds nothing twice: it is retried like a read. The output names the tags
//! added and those the model had already, and shows the model afterwards.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::limits::written_names;
use super::{example_model, existing, model_failure, read_back, MODEL_ID};
use crate::actions::connection::Connection;
use crate::actions::context::ShapedModel;
use crate::actions::failure::Permission;
use crate::actions::import::Tlp;
use crate::actions::input::NumberId;
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::model_writes::tag_model;
use crate::threatstream::{ModelType, Tag, DEFAULT_TLP};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddThreatModelTagsInput {
    /// Type of the model: `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport` (a threat bulletin), `ttp` or `vulnerability`
    #[schemars(title = "Model Type", example = ModelType::Incident)]
    model_type: ModelType,
    /// ThreatStream ID of the model, as a number or as text
    #[schemars(title = "ID", example = 20001)]
    id: NumberId,
    /// Names of the tags to add
    #[schemars(title = "Tags", example = json!(["case-4711", "contained"]))]
    tags: Vec<String>,
    /// Traffic Light Protocol marking of the tags: who may see them. Red (the owning organization only) when not set
    #[schemars(title = "TLP", example = Tlp::Amber, extend("default" = "red"))]
    tlp: Option<Tlp>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AddThreatModelTagsOutput {
    /// Names of the tags added
    #[schemars(title = "Added", example = json!(["contained"]))]
    added: Vec<String>,
    /// Names of the tags the model had already, left as they were
    #[schemars(title = "Already Tagged", example = json!(["case-4711"]))]
    already_tagged: Vec<String>,
    /// The model with its tags now, as Get Threat Model shows it
    #[schemars(title = "Model", example = example_model())]
    model: ShapedModel,
}

pub(crate) struct AddThreatModelTags;

impl TypedStep for AddThreatModelTags {
    const ID: &'static str = "add_threat_model_tags";
    const TITLE: &'static str = "Add Threat Model Tags";
    const DESCRIPTION: &'static str = "Add tags to a threat model in Anomali ThreatStream";
    type Input = AddThreatModelTagsInput;
    type Output = AddThreatModelTagsOutput;
}

impl TypedAction for AddThreatModelTags {
    async fn run(connection: &Connection, input: AddThreatModelTagsInput) -> Result<AddThreatModelTagsOutput, Failure> {
        let (model_type, id) = (input.model_type, input.id.read("id", MODEL_ID)?);
        if input.tags.is_empty() {
            return Err(Failure::invalid_input(
                "tags",
                "the list is empty; give at least one tag",
            ));
        }
        let names = written_names(&input.tags, "tags")?;
        let tlp = chosen(input.tlp).unwrap_or_else(|| DEFAULT_TLP.to_owned());
        let (model, record) = existing(connection, model_type, id).await?;
        let present = tag_names(&ShapedModel::of(record.clone(), Some(model_type)));
        let (already_tagged, added): (Vec<String>, Vec<String>) = names
            .into_iter()
            .partition(|name| present.iter().any(|tag| tag.eq_ignore_ascii_case(name)));
        let mut record = record;
        if !added.is_empty() {
            let tags: Vec<Tag> = added
                .iter()
                .map(|name| Tag {
                    name: name.clone(),
                    tlp: tlp.clone(),
                })
                .collect();
            tag_model(&connection.client, model, &tags).await.map_err(|error| {
                model_failure(
                    error,
                    model_type,
                    id,
                    Permission::ThreatModels,
                    "tagging a threat model",
                )
            })?;
            record = read_back(connection, model, record).await;
        }
        Ok(AddThreatModelTagsOutput {
            added,
            already_tagged,
            model: ShapedModel::of(record, Some(model_type)),
        })
    }
}

/// The names of a shaped model's tags.
fn tag_names(model: &ShapedModel) -> Vec<String> {
    let tags = model.value().get("tags").and_then(Value::as_array);
    tags.into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}
