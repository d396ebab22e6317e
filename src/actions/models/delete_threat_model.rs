//! Delete Threat Model: remove a model from ThreatStream, such as one created by mistake.
//!
//! The model is read first, so the output shows what was deleted and a model ThreatStream does not
//! have is an error naming it. `DELETE /api/v1/{model}/{id}/` answers 204; deleting twice leaves the
//! model as deleted as once, so the call is retried like a read, and a 404 to it after the read found
//! the model means it is gone already (a retry after a first try that was applied, or someone else):
//! what the step was asked for. Splunk SOAR's manual says deletes need the Org Admin role.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{example_model, existing, model_failure, MODEL_ID};
use crate::actions::connection::Connection;
use crate::actions::context::ShapedModel;
use crate::actions::failure::Permission;
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::model_writes::delete_model;
use crate::threatstream::{ApiError, ModelType};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteThreatModelInput {
    /// Type of the model: `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport` (a threat bulletin), `ttp` or `vulnerability`
    #[schemars(title = "Model Type", example = ModelType::Incident)]
    model_type: ModelType,
    /// ThreatStream ID of the model, as a number or as text
    #[schemars(title = "ID", example = 20001)]
    id: NumberId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct DeleteThreatModelOutput {
    /// Whether ThreatStream no longer has the model
    #[schemars(title = "Deleted", example = true)]
    deleted: bool,
    /// The model as it was before it was deleted
    #[schemars(title = "Model", example = example_model())]
    model: ShapedModel,
}

pub(crate) struct DeleteThreatModel;

impl TypedStep for DeleteThreatModel {
    const ID: &'static str = "delete_threat_model";
    const TITLE: &'static str = "Delete Threat Model";
    const DESCRIPTION: &'static str = "Delete a threat model from Anomali ThreatStream";
    type Input = DeleteThreatModelInput;
    type Output = DeleteThreatModelOutput;
}

impl TypedAction for DeleteThreatModel {
    async fn run(connection: &Connection, input: DeleteThreatModelInput) -> Result<DeleteThreatModelOutput, Failure> {
        let model_type = input.model_type;
        let id = input.id.read("id", MODEL_ID)?;
        let (model, record) = existing(connection, model_type, id).await?;
        match delete_model(&connection.client, model).await {
            Ok(()) => {}
            Err(ApiError::Status { status: 404, .. }) => {
                tracing::info!("{} {id} was gone already", model_type.as_str());
            }
            Err(error) => {
                return Err(model_failure(
                    error,
                    model_type,
                    id,
                    Permission::OrgAdmin,
                    "deleting a threat model",
                ));
            }
        }
        Ok(DeleteThreatModelOutput {
            deleted: true,
            model: ShapedModel::of(record, Some(model_type)),
        })
    }
}
