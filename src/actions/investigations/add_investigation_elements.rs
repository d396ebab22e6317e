//! Add Investigation Elements: put observables and threat models into an investigation, such as the
//! observables and the incident a case is about.
//!
//! The investigation and every observable and model are read first (`models::targets`), so the
//! output tells what ThreatStream does not have. Then one `POST
//! /api/v1/investigationelement/?investigation_id=<id>` with XSOAR's body, each element an `r_type`
//! (`intelligence2` for an observable, else the model's type: ThreatStream takes actors, campaigns,
//! incidents, signatures, threat bulletins, TTPs and vulnerabilities) and `r_id`. It is sent once, as
//! the issue of record asks of it: a failure that may have come after ThreatStream added the elements
//! says so, and that Get Investigation shows whether it did. ThreatStream answers the counts added
//! and already there, its errors, and the elements added, which the output shows (XSOAR's
//! `add_investigation_elements` test data).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::element::{example_elements, ElementSummary, OBSERVABLE};
use super::{investigation_failure, missing, read_failure, INVESTIGATION_ID};
use crate::actions::connection::Connection;
use crate::actions::input::{Choice, NumberId};
use crate::actions::models::sent_once;
use crate::actions::models::targets::{check_matches, Kind, NotFound, TargetInputs};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::investigations::{add_elements, investigation, Element};
use crate::threatstream::{numeric_id, ModelType};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddInvestigationElementsInput {
    /// ThreatStream ID of the investigation, as a number or as text
    #[schemars(title = "Investigation ID", example = 1001)]
    investigation_id: NumberId,
    /// ThreatStream IDs of observables to add
    #[serde(default)]
    #[schemars(title = "Observable IDs", example = json!([500000101]))]
    observable_ids: Vec<NumberId>,
    /// Values of observables to add, each looked up exactly; every observable with the value is one
    #[serde(default)]
    #[schemars(title = "Observable Values", example = json!(["evil-domain.example"]))]
    observable_values: Vec<String>,
    /// Type of the threat models in Model IDs: `actor`, `campaign`, `incident`, `signature`, `tipreport`, `ttp` or `vulnerability`
    #[schemars(title = "Model Type", example = ModelType::Incident, extend("default" = ""))]
    model_type: Option<Choice<ModelType>>,
    /// ThreatStream IDs of threat models of Model Type to add
    #[serde(default)]
    #[schemars(title = "Model IDs", example = json!([20001]))]
    model_ids: Vec<NumberId>,
    /// Whether ThreatStream should also add the observables related to the threat models added
    #[serde(default)]
    #[schemars(title = "Add Related Observables", example = false)]
    add_related_observables: bool,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AddInvestigationElementsOutput {
    /// The elements ThreatStream added
    #[schemars(title = "Added", example = example_elements())]
    added: Vec<ElementSummary>,
    /// How many elements ThreatStream added
    #[schemars(title = "Added Count", example = 2)]
    added_count: u64,
    /// How many of those given the investigation held already
    #[schemars(title = "Already Present Count", example = 0)]
    already_in_count: u64,
    /// What ThreatStream said it could not add, and why
    #[schemars(title = "Errors", example = json!([]))]
    errors: Vec<String>,
    /// IDs and values given that ThreatStream has no observable or model for (or the account cannot see)
    #[schemars(title = "Not Found", example = json!([{"kind": "observable", "given": "203.0.113.250"}]))]
    not_found: Vec<NotFound>,
}

/// The model types ThreatStream's investigations hold (XSOAR's `r_type` values, CrowdStrike's spec).
const ELEMENT_MODELS: [ModelType; 7] = [
    ModelType::Actor,
    ModelType::Campaign,
    ModelType::Incident,
    ModelType::Signature,
    ModelType::TipReport,
    ModelType::Ttp,
    ModelType::Vulnerability,
];

pub(crate) struct AddInvestigationElements;

impl TypedStep for AddInvestigationElements {
    const ID: &'static str = "add_investigation_elements";
    const TITLE: &'static str = "Add Investigation Elements";
    const DESCRIPTION: &'static str = "Add observables and threat models to an investigation in Anomali ThreatStream";
    type Input = AddInvestigationElementsInput;
    type Output = AddInvestigationElementsOutput;
}

impl TypedAction for AddInvestigationElements {
    async fn run(
        connection: &Connection,
        input: AddInvestigationElementsInput,
    ) -> Result<AddInvestigationElementsOutput, Failure> {
        let id = input.investigation_id.read("investigation_id", INVESTIGATION_ID)?;
        let model_type = input.model_type.and_then(Choice::value);
        if let Some(kind) = model_type.filter(|kind| !ELEMENT_MODELS.contains(kind)) {
            let problem = format!(
                "an investigation holds no {}; it holds actors, campaigns, incidents, signatures, threat bulletins \
                 (tipreport), TTPs and vulnerabilities",
                kind.as_str()
            );
            return Err(Failure::invalid_input("model_type", problem));
        }
        let wanted = TargetInputs {
            observable_ids: &input.observable_ids,
            observable_values: &input.observable_values,
            model_type,
            model_ids: &input.model_ids,
            model_inputs: ("model_type", "model_ids"),
        }
        .wanted()?;
        let client = &connection.client;
        investigation(client, id)
            .await
            .map_err(read_failure)?
            .ok_or_else(|| missing(id))?;
        let resolved = wanted.resolve(connection).await?;
        check_matches(&resolved)?;
        let elements: Vec<Element> = resolved
            .found
            .iter()
            .map(|found| Element {
                r_type: match found.kind {
                    Kind::Observable => OBSERVABLE,
                    Kind::Model(model_type) => model_type.as_str(),
                },
                r_id: found.id,
                add_related_indicators: input.add_related_observables && found.kind != Kind::Observable,
            })
            .collect();
        let mut output = AddInvestigationElementsOutput {
            added: Vec::new(),
            added_count: 0,
            already_in_count: 0,
            errors: Vec::new(),
            not_found: resolved.not_found,
        };
        if elements.is_empty() {
            tracing::info!("None of the observables and models given were found; nothing was added");
            return Ok(output);
        }
        let answer = add_elements(client, id, &elements).await.map_err(|error| {
            let check = "Get Investigation shows whether ThreatStream added them";
            sent_once(error, "the elements", check, "add them again", |error| {
                investigation_failure(error, id, "adding elements to an investigation")
            })
        })?;
        read_answer(&answer, &mut output);
        tracing::info!(
            "Added {} to investigation {id}; {} in it already",
            crate::plural::count(output.added_count, "element"),
            output.already_in_count
        );
        Ok(output)
    }
}

/// ThreatStream's counts, errors and elements added, into the output.
fn read_answer(answer: &Value, output: &mut AddInvestigationElementsOutput) {
    let objects = answer.get("objects").and_then(Value::as_array);
    output.added = objects.into_iter().flatten().map(ElementSummary::of).collect();
    output.added_count = answer
        .get("added_elements_count")
        .and_then(numeric_id)
        .unwrap_or(output.added.len() as u64);
    output.already_in_count = answer
        .get("already_exists_elements_count")
        .and_then(numeric_id)
        .unwrap_or(0);
    let errors = answer.get("errors").and_then(Value::as_array);
    output.errors = errors
        .into_iter()
        .flatten()
        .map(|error| match error {
            Value::String(text) => text.clone(),
            other => other
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| other.to_string(), str::to_owned),
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xsoars_answer_reads_into_the_output() {
        let answer = json!({"added_elements_count": 1, "all_added": false, "already_exists_elements_count": 1,
            "errors": [{"r_id": 9, "message": "No actor with id 9."}],
            "objects": [{"add_related_indicators": 0, "entity": {"id": 11111, "name": "Actor"}, "id": 2222,
                         "investigation_id": 222, "r_id": 11111, "r_type": "actor"}]});
        let mut output = AddInvestigationElementsOutput {
            added: Vec::new(),
            added_count: 0,
            already_in_count: 0,
            errors: Vec::new(),
            not_found: Vec::new(),
        };
        read_answer(&answer, &mut output);
        assert_eq!((output.added_count, output.already_in_count), (1, 1));
        assert_eq!(output.errors, ["No actor with id 9."]);
        assert_eq!(serde_json::to_value(&output.added).unwrap()[0]["name"], "Actor");
    }
}
