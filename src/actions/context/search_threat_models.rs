//! Search Threat Models: ThreatStream's unified search over every model type, newest change first,
//! following pages up to the limit (`/api/v1/threat_model_search/`, threatstream-api-and-peers.md
//! §1.14).
//!
//! A search with no criterion at all would list every model; a playbook whose variables came out
//! empty must not get that silently, so at least one criterion is required. Empty texts count as not
//! given, as the orchestrator sends them for inputs left blank.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::protocol::Failure;
use crate::threatstream::threat_models::{self, ModelSearch};
use crate::threatstream::timestamp;
use crate::threatstream::{ModelType, PublicationStatus};

use super::threat_model::{shaped, ThreatModelFields};
use super::{context_failure, default_limit, DEFAULT_LIMIT};
use crate::actions::connection::Connection;
use crate::actions::input::{date, distinct, given, line, or_default, MAX_LINE_CHARS};
use crate::actions::{names, Names};
use crate::actions::{TypedAction, TypedStep};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchThreatModelsInput {
    /// Types of threat model to search, any of `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport`, `ttp` and `vulnerability`; every type when not given
    #[schemars(title = "Model Types", example = json!(["actor", "campaign"]))]
    model_types: Option<Vec<ModelType>>,
    /// Text the model's name contains
    #[schemars(title = "Name", example = &"Pebble")]
    name: Option<String>,
    /// Word looked for in the models' names, aliases, texts and tags
    #[schemars(title = "Keyword", example = &"emotet")]
    keyword: Option<String>,
    /// Tags; a model with any of them matches
    #[schemars(title = "Tags", example = json!(["emotet"]))]
    tags: Option<Vec<String>>,
    /// Publication statuses, any of `new`, `pending_review`, `review_requested`, `reviewed` and `published`; a model in any of them matches
    #[schemars(title = "Publication Status", example = json!(["published"]))]
    publication_status: Option<Vec<PublicationStatus>>,
    /// Only models changed at or after this time
    #[schemars(
        title = "Modified Since",
        extend("format" = "date-time", "displayType" = "date"),
        example = "2024-01-01T00:00:00Z"
    )]
    modified_since: Option<String>,
    /// Most models to return
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = 1000), example = DEFAULT_LIMIT)]
    limit: usize,
}

// What `run` returns; each model is a record shaped by `threat_model::shaped`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct SearchThreatModelsOutput {
    /// Threat models found, newest change first; empty when none match
    #[schemars(title = "Results", with = "Vec<ThreatModelFields>", example = example_results())]
    results: Vec<Value>,
}

fn example_results() -> Value {
    json!([{"id": 3201, "model_type": "campaign", "name": "Operation Pebble Harvest",
        "publication_status": "published", "tlp": "white", "is_public": true, "tags": ["emotet", "smokeloader"],
        "created_ts": "2023-09-14T09:12:44.120394", "modified_ts": "2024-03-03T03:00:00.000000",
        "published_ts": "2023-09-15T08:00:00", "resource_uri": "/api/v1/campaign/3201/"}])
}

impl SearchThreatModelsInput {
    /// The search to send, or why it cannot be sent.
    fn search(&self) -> Result<ModelSearch, Failure> {
        let text = |value: &Option<String>, input: &str| {
            let Some(text) = given(value.as_deref()).map(str::trim) else {
                return Ok(None);
            };
            line(text, input, "the text", MAX_LINE_CHARS).map(|()| Some(text.to_owned()))
        };
        // A blank tag is not given here, as blank texts are; the feed's names refuse it.
        let tags: Vec<String> = self
            .tags
            .iter()
            .flatten()
            .filter(|tag| !tag.trim().is_empty())
            .cloned()
            .collect();
        let search = ModelSearch {
            model_types: distinct(self.model_types.iter().flatten().copied()),
            name: text(&self.name, "name")?,
            keyword: text(&self.keyword, "keyword")?,
            tags: names("tags", &tags, Names::Tags)?,
            publication_statuses: distinct(self.publication_status.iter().flatten().map(|s| s.as_str())),
            modified_since: modified_since(self.modified_since.as_deref())?,
        };
        if search == ModelSearch::default() {
            return Err(Failure::invalid_input(
                "model_types",
                "no criterion was given; give at least one of model_types, name, keyword, tags, \
                 publication_status or modified_since, so an empty variable cannot list every threat model",
            ));
        }
        Ok(search)
    }
}

/// The time as ThreatStream's filters take it (UTC, `YYYY-MM-DDTHH:MM:SS`); `None` when not given
/// or InsightConnect's empty date (`0001-01-01T00:00:00Z`), as `date` reads a date input.
fn modified_since(given: Option<&str>) -> Result<Option<String>, Failure> {
    // `date` has checked that it parses, so `utc_timestamp` has an answer.
    Ok(date(given, "modified_since")?.as_deref().and_then(utc_timestamp))
}

/// An ISO 8601 date, or date and time with an optional zone, as a UTC `YYYY-MM-DDTHH:MM:SS`.
fn utc_timestamp(text: &str) -> Option<String> {
    let utc = timestamp::format_ms(timestamp::parse_ms(text)?);
    Some(utc[..19].to_owned())
}

pub(crate) struct SearchThreatModels;

impl TypedStep for SearchThreatModels {
    const ID: &'static str = "search_threat_models";
    const TITLE: &'static str = "Search Threat Models";
    const DESCRIPTION: &'static str = "Search Anomali ThreatStream's threat models (actors, campaigns, incidents, \
                                       malware, signatures, threat bulletins, TTPs, vulnerabilities and attack patterns)";
    type Input = SearchThreatModelsInput;
    type Output = SearchThreatModelsOutput;
}

impl TypedAction for SearchThreatModels {
    async fn run(connection: &Connection, input: SearchThreatModelsInput) -> Result<SearchThreatModelsOutput, Failure> {
        let search = input.search()?;
        let found = threat_models::search(&connection.client, &search, or_default(input.limit, DEFAULT_LIMIT))
            .await
            .map_err(|error| context_failure(error, "threat models"))?;
        let results: Vec<Value> = found.into_iter().map(|model| shaped(model, None)).collect();
        Ok(SearchThreatModelsOutput { results })
    }
}

#[cfg(test)]
mod tests;
