//! Get Threat Model: one threat model with its text and tags, and optionally the observables linked
//! to it, its comments (`GET /api/v1/{model}/{id}/comment/`, the route Splunk SOAR posts comments to;
//! no public client reads it, so its list shape is Tastypie's, as every list's) and the models of the
//! types asked for linked to it (`GET /api/v1/{model}/{id}/{type}/`, Splunk SOAR's `list
//! associations`): everything the threat model steps write, read back.
//!
//! The model and its observables are fetched together. ThreatStream answers 404 for a model that does
//! not exist or that the account cannot see; that is an answer (`found: false`), not an error, as
//! Cortex XSOAR reads it (threatstream-api-and-peers.md §1.15), so a playbook can branch on it.

use futures_util::future;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::actions::models::comment::{example_comment, CommentSummary};
use crate::actions::models::targets::Item;
use crate::protocol::{clean, Failure};
use crate::threatstream::associations::linked_models;
use crate::threatstream::model_writes::{model_comments, ModelRef};
use crate::threatstream::threat_models;
use crate::threatstream::{numeric_id, ApiError, ModelType};

use super::threat_model::{shaped, ThreatModelFields};
use super::{context_failure, default_limit, DEFAULT_LIMIT};
use crate::actions::connection::Connection;
use crate::actions::input::{or_default, NumberId};
use crate::actions::lookups::ResultRecord;
use crate::actions::{TypedAction, TypedStep};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetThreatModelInput {
    /// Type of the threat model
    #[schemars(title = "Model Type", example = ModelType::Actor)]
    model_type: ModelType,
    /// ThreatStream's ID of the model (a number, or the number as text)
    #[schemars(title = "ID", example = 3101)]
    id: NumberId,
    /// Whether to include the observables linked to the model
    #[serde(default)]
    #[schemars(title = "Include Observables", example = true)]
    include_observables: bool,
    /// Most observables to include
    #[serde(default = "default_limit")]
    #[schemars(title = "Observable Limit", range(max = 1000), example = DEFAULT_LIMIT)]
    observable_limit: usize,
    /// Whether to include the comments on the model
    #[serde(default)]
    #[schemars(title = "Include Comments", example = true)]
    include_comments: bool,
    /// Types of threat model whose models linked to this one to include, any of `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport`, `ttp` and `vulnerability`; none when empty
    #[serde(default)]
    #[schemars(title = "Linked Model Types", example = json!(["actor"]))]
    linked_model_types: Vec<ModelType>,
}

// What `run` returns; the model and its observables are shaped records (`threat_model::shaped`).
#[derive(Serialize, JsonSchema)]
pub(crate) struct GetThreatModelOutput {
    /// Whether ThreatStream has the model and the account can see it
    #[schemars(title = "Found", example = true)]
    found: bool,
    /// The model, its text as description and its tags as names; absent when not found
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Model", with = "Option<ThreatModelFields>", example = example_model())]
    model: Option<Value>,
    /// Intelligence records of the observables linked to the model, up to the limit; only when asked for
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Observables", with = "Option<Vec<ResultRecord>>", example = example_observables())]
    observables: Option<Value>,
    /// Comments on the model, oldest first, up to the observable limit; only when asked for
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Comments", example = json!([example_comment()]))]
    comments: Option<Vec<CommentSummary>>,
    /// Models of the types asked for that are linked to this one, up to the observable limit per type; only when asked for
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Linked Models", example = json!([{"kind": "actor", "id": 3102, "name": "Paper Heron"}]))]
    linked_models: Option<Vec<Item>>,
}

fn example_model() -> Value {
    json!({"id": 3101, "model_type": "actor", "name": "Lazy Quokka",
        "description": "<p>Financially motivated operator of the fifth Emotet epoch.</p>",
        "aliases": ["QUOKKA-7", "TA-Sim-17"], "tags": ["emotet", "crimeware"], "publication_status": "published",
        "tlp": "white", "is_public": true, "created_ts": "2023-09-14T09:12:44.120394",
        "modified_ts": "2024-03-02T18:00:12.000000", "published_ts": "2023-09-15T08:00:00",
        "resource_uri": "/api/v1/actor/3101/"})
}

fn example_observables() -> Value {
    json!([{"id": 500000101, "value": "198.51.100.23", "type": "ip", "itype": "c2_ip", "confidence": 87,
        "status": "active", "source": "Abuse.ch Feodo Tracker"}])
}

pub(crate) struct GetThreatModel;

impl TypedStep for GetThreatModel {
    const ID: &'static str = "get_threat_model";
    const TITLE: &'static str = "Get Threat Model";
    const DESCRIPTION: &'static str = "Get a threat model from Anomali ThreatStream, with its description, tags and \
                                       linked observables";
    type Input = GetThreatModelInput;
    type Output = GetThreatModelOutput;
}

impl TypedAction for GetThreatModel {
    async fn run(connection: &Connection, input: GetThreatModelInput) -> Result<GetThreatModelOutput, Failure> {
        // Not a schema minimum: the samples InsightConnect's tooling writes fill integers with 0.
        let id = input
            .id
            .read("id", "a threat model ID; ThreatStream numbers them from 1")?;
        let client = &connection.client;
        let model_type = input.model_type;
        let model = threat_models::model(client, model_type, id);
        let observables = async {
            if input.include_observables {
                threat_models::observables(
                    client,
                    model_type,
                    id,
                    or_default(input.observable_limit, DEFAULT_LIMIT),
                )
                .await
                .map(Some)
            } else {
                Ok(None)
            }
        };
        let around = around(connection, model_type, id, &input);
        let (model, observables, around) = future::join3(model, observables, around).await;
        let failure = |error| context_failure(error, "threat models");
        let Some(model) = model.map_err(failure)? else {
            tracing::info!("ThreatStream has no {} with ID {id}", model_type.as_str());
            return Ok(GetThreatModelOutput {
                found: false,
                model: None,
                observables: None,
                comments: None,
                linked_models: None,
            });
        };
        let observables = observables.map_err(failure)?.map(|records| {
            let mut records = Value::Array(records.into_iter().map(Value::Object).collect());
            clean(&mut records);
            records
        });
        let (comments, linked_models) = around.map_err(failure)?;
        Ok(GetThreatModelOutput {
            found: true,
            model: Some(shaped(model, Some(model_type))),
            observables,
            comments,
            linked_models,
        })
    }
}

/// The model's comments and linked models, when asked for.
async fn around(
    connection: &Connection,
    model_type: ModelType,
    id: u64,
    input: &GetThreatModelInput,
) -> Result<(Option<Vec<CommentSummary>>, Option<Vec<Item>>), ApiError> {
    let client = &connection.client;
    let model = ModelRef {
        model_type,
        id,
        in_cloud: false,
    };
    let limit = or_default(input.observable_limit, DEFAULT_LIMIT);
    let comments = async {
        if !input.include_comments {
            return Ok(None);
        }
        let found = model_comments(client, model, limit).await?;
        let shown = found
            .iter()
            .map(|comment| CommentSummary::of(&Value::Object(comment.clone())));
        Ok(Some(shown.collect()))
    };
    let linked = async {
        if input.linked_model_types.is_empty() {
            return Ok(None);
        }
        let mut types = input.linked_model_types.clone();
        types.dedup();
        let reads = types
            .iter()
            .map(|linked_type| linked_models(client, model, *linked_type, limit));
        let mut items = Vec::new();
        for (linked_type, found) in types.iter().zip(future::try_join_all(reads).await?) {
            items.extend(found.iter().filter_map(|record| {
                let id = record.get("id").and_then(numeric_id)?;
                let name = record.get("name").and_then(Value::as_str).map(str::to_owned);
                Some(Item {
                    kind: linked_type.as_str().to_owned(),
                    id,
                    value: None,
                    name,
                })
            }));
        }
        Ok(Some(items))
    };
    future::try_join(comments, linked).await
}
