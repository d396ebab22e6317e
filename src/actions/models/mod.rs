//! Threat models written from a playbook: what an investigation concluded, recorded in ThreatStream
//! where the next analyst finds it. Create, change and delete a model (actors, campaigns, incidents,
//! malware, signatures, threat bulletins, TTPs, vulnerabilities, attack patterns), tag it, comment on
//! it, and link it to the observables and other models it concerns.
//!
//! Every step names its model by type and ID, and answers with the model as Get Threat Model shows
//! it (`context::ShapedModel`), read back after the write, so a playbook reads one shape whatever it
//! did. A 404 names the model ThreatStream lacks; a 403 names the permission the account lacks.
//!
//! What is sent twice and what once (help.md's table of writes): an update, a delete, tags (only
//! those the model lacks) and links (linking twice links once) are retried like reads; a create and
//! a comment are sent once, and when a failure leaves it unknown whether ThreatStream made them, the
//! error says so and how to check, rather than inviting a second copy.

mod add_threat_model_comment;
mod add_threat_model_tags;
pub(crate) mod comment;
mod create_threat_model;
mod delete_threat_model;
mod fields;
pub(crate) mod limits;
mod link_threat_model;
pub(crate) mod links;
pub(crate) mod targets;
mod unlink_threat_model;
mod update_threat_model;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use super::connection::Connection;
use super::context::ShapedModel;
use super::failure::{absent, forbidden, unconfirmed_as, Missing, Permission};
use crate::protocol::{Action, Failure};
use crate::threatstream::model_writes::ModelRef;
use crate::threatstream::threat_models;
use crate::threatstream::{is_remote, ApiError, ModelType, Record};

/// What an ID that is no model's is not, in an error (`NumberId::read`).
pub(crate) const MODEL_ID: &str = "a threat model ID; ThreatStream numbers them from 1";

/// The threat model actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &create_threat_model::CreateThreatModel,
    &update_threat_model::UpdateThreatModel,
    &delete_threat_model::DeleteThreatModel,
    &add_threat_model_tags::AddThreatModelTags,
    &add_threat_model_comment::AddThreatModelComment,
    &link_threat_model::LinkThreatModel,
    &unlink_threat_model::UnlinkThreatModel,
];

/// The model a step names, read from ThreatStream: a 404 is an error naming it, since every write
/// about it would fail the same way.
pub(crate) async fn existing(
    connection: &Connection,
    model_type: ModelType,
    id: u64,
) -> Result<(ModelRef, Record), Failure> {
    let record = threat_models::model(&connection.client, model_type, id)
        .await
        .map_err(|error| {
            model_failure(
                error,
                model_type,
                id,
                Permission::ThreatModels,
                "reading a threat model",
            )
        })?
        .ok_or_else(|| missing(model_type, id))?;
    let model = ModelRef {
        model_type,
        id,
        in_cloud: is_remote(&record),
    };
    Ok((model, record))
}

/// The failure for a model ThreatStream does not have.
pub(crate) fn missing(model_type: ModelType, id: u64) -> Failure {
    Failure::upstream(
        format!("ThreatStream has no {} with ID {id}.", model_type.as_str()),
        "Check the model type and ID (Search Threat Models finds a model by name), and that the account may see \
         the model.",
    )
}

/// `error` of a call about model `id`: a 404 names the model, a 403 the permission `doing` needs.
pub(crate) fn model_failure(
    error: ApiError,
    model_type: ModelType,
    id: u64,
    needed: Permission,
    doing: &str,
) -> Failure {
    absent(error, || Missing::threat_model(model_type.as_str(), id))
        .unwrap_or_else(|error| forbidden(error, &[needed], doing))
}

/// A write sent once (`Replay::Never`): when the failure may have come after ThreatStream applied it,
/// the error says so, and how to `check` before running the step again, which would `twice` (make a
/// second copy). The words are `failure::unconfirmed`'s, as every write's.
pub(crate) fn sent_once(
    error: ApiError,
    what: &str,
    check: &str,
    twice: &str,
    map: impl FnOnce(ApiError) -> Failure,
) -> Failure {
    unconfirmed_as(error, what, check, Some(twice), map)
}

/// The output of Create and Update Threat Model: the model as it is now.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ModelOutput {
    /// The model as ThreatStream holds it now, as Get Threat Model shows it: its text as description and its tags as names
    #[schemars(title = "Model", example = example_model())]
    model: ShapedModel,
}

impl ModelOutput {
    pub(crate) fn of(record: Record, model_type: ModelType) -> ModelOutput {
        ModelOutput {
            model: ShapedModel::of(record, Some(model_type)),
        }
    }
}

/// A model as the write steps show it, for help.md.
pub(crate) fn example_model() -> Value {
    json!({"id": 20001, "model_type": "incident", "name": "Phishing wave against accounts payable (case 4711)",
        "description": "<p>Two invoice lures; the payload called home to 198.51.100.23.</p>",
        "tags": ["phishing", "case-4711"], "publication_status": "new", "tlp": "amber", "is_public": false,
        "status": {"id": 2, "display_name": "Open", "resource_uri": "/api/v1/incidentstatustype/2/"},
        "created_ts": "2026-09-14T08:21:58.774000", "modified_ts": "2026-09-14T08:25:02.113000",
        "resource_uri": "/api/v1/incident/20001/"})
}

/// The model read back after a write, or `fallback` (what the write answered, or the model before
/// it) when that read fails: the write happened, and failing the step now would invite a second one.
pub(crate) async fn read_back(connection: &Connection, model: ModelRef, fallback: Record) -> Record {
    match threat_models::model(&connection.client, model.model_type, model.id).await {
        Ok(Some(record)) => record,
        Ok(None) | Err(_) => {
            tracing::warn!(
                "Could not read {} {} back after the write; showing what is known of it",
                model.model_type.as_str(),
                model.id
            );
            fallback
        }
    }
}

/// A write's answer as a model record: the answer when it is one, else the model's ID alone.
pub(crate) fn answered_model(answer: Value, id: u64) -> Record {
    match answer {
        Value::Object(record) => record,
        _ => [("id".to_owned(), json!(id))].into_iter().collect(),
    }
}
