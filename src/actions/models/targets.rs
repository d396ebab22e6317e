//! What a step links to a threat model, or adds to an investigation: observables by ID or by value,
//! and threat models of one type by ID, each read from ThreatStream before anything is written.
//!
//! Reading first is what lets a step say, afterwards, what was linked, what was linked already and
//! what was not found: ThreatStream's answer lists only the ids it changed (see
//! `threatstream::associations`), which cannot tell an unknown id from one linked before. A value is
//! looked up exactly (every page, exact matches only, as Get Observables does), and every observable
//! with it is a target, since one value often has several records (other sources, other
//! organizations). The reads run a few at a time.

use futures_util::stream::{self, StreamExt};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::limits::{ids, MAX_TARGETS};
use super::MODEL_ID;
use crate::actions::connection::Connection;
use crate::actions::input::{at_most, given, NumberId};
use crate::actions::observable::MAX_VALUE_LENGTH;
use crate::protocol::{quoted, Failure};
use crate::threatstream::threat_models::{self, ModelType};
use crate::threatstream::{self, is_remote, numeric_id, ApiError, Observable, Record};

/// What an ID that is no observable's is not, in an error (`NumberId::read`).
const OBSERVABLE_ID: &str = "an observable ID; ThreatStream numbers them from 1";

/// Reads in flight at once while targets are resolved.
const CONCURRENT_READS: usize = 4;

/// The most observables one value may stand for: more is a bulk job, not a case.
const MAX_MATCHES: usize = 100;

/// What a step was asked to link (or unlink, or add), checked, before any request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub(crate) observable_ids: Vec<u64>,
    pub(crate) observable_values: Vec<String>,
    pub(crate) models: Option<(ModelType, Vec<u64>)>,
}

/// The inputs that name targets, as every step that takes them names them.
pub(crate) struct TargetInputs<'a> {
    pub(crate) observable_ids: &'a [NumberId],
    pub(crate) observable_values: &'a [String],
    pub(crate) model_type: Option<ModelType>,
    pub(crate) model_ids: &'a [NumberId],
    /// What the step calls the inputs of `model_type` and `model_ids`.
    pub(crate) model_inputs: (&'static str, &'static str),
}

impl TargetInputs<'_> {
    /// The targets; nothing at all, a model ID without its type, or more than a step takes, is
    /// refused naming the input.
    pub(crate) fn wanted(&self) -> Result<Wanted, Failure> {
        let observable_ids = ids(self.observable_ids, "observable_ids", OBSERVABLE_ID)?;
        at_most("observable_values", self.observable_values.len(), MAX_TARGETS, "values")?;
        let mut observable_values: Vec<String> = Vec::new();
        for (index, value) in self.observable_values.iter().enumerate() {
            let input = format!("observable_values[{index}]");
            let value = given(Some(value.as_str()))
                .map(str::trim)
                .ok_or_else(|| Failure::invalid_input(&input, "an entry is empty"))?;
            if value.len() > MAX_VALUE_LENGTH {
                return Err(Failure::invalid_input(
                    &input,
                    format!("it is longer than {MAX_VALUE_LENGTH} bytes, more than an observable can be"),
                ));
            }
            if !observable_values.iter().any(|known| known == value) {
                observable_values.push(value.to_owned());
            }
        }
        let (type_input, ids_input) = self.model_inputs;
        let model_ids = ids(self.model_ids, ids_input, MODEL_ID)?;
        let models = match (self.model_type, model_ids.is_empty()) {
            (Some(model_type), false) => Some((model_type, model_ids)),
            (None, true) => None,
            (None, false) => {
                let problem = format!("give the type of the models in {ids_input}");
                return Err(Failure::invalid_input(type_input, problem));
            }
            (Some(_), true) => {
                let problem = format!("give the IDs of the models of {type_input}");
                return Err(Failure::invalid_input(ids_input, problem));
            }
        };
        let wanted = Wanted {
            observable_ids,
            observable_values,
            models,
        };
        let count = wanted.count();
        if count == 0 {
            return Err(Failure::invalid_input(
                "observable_ids",
                "nothing to link: give observable IDs, observable values, or model IDs with their model type",
            ));
        }
        at_most("observable_ids", count, MAX_TARGETS, "observables and models in all")?;
        Ok(wanted)
    }
}

impl Wanted {
    fn count(&self) -> usize {
        let models = self.models.as_ref().map_or(0, |(_, ids)| ids.len());
        self.observable_ids.len() + self.observable_values.len() + models
    }
}

/// One observable or model found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) kind: Kind,
    pub(crate) id: u64,
    /// The observable's value, or the model's name.
    pub(crate) label: Option<String>,
    /// ThreatStream's cloud holds it, not the instance (its record says `remote_api: true`).
    pub(crate) in_cloud: bool,
}

/// What a target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Observable,
    Model(ModelType),
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Observable => "observable",
            Kind::Model(model_type) => model_type.as_str(),
        }
    }
}

/// The targets found, and what was asked for but found nothing.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub(crate) found: Vec<Found>,
    pub(crate) not_found: Vec<NotFound>,
}

/// An observable or model as a step's output lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "linked_object", title = "linked_object")]
pub(crate) struct Item {
    /// `observable`, or the type of the threat model
    #[schemars(title = "Kind")]
    pub(crate) kind: String,
    /// ThreatStream ID
    #[schemars(title = "ID")]
    pub(crate) id: u64,
    /// The observable's value
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Value")]
    pub(crate) value: Option<String>,
    /// The model's name
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Name")]
    pub(crate) name: Option<String>,
}

impl Item {
    pub(crate) fn of(found: &Found) -> Item {
        let observable = found.kind == Kind::Observable;
        Item {
            kind: found.kind.name().to_owned(),
            id: found.id,
            value: found.label.clone().filter(|_| observable),
            name: found.label.clone().filter(|_| !observable),
        }
    }
}

/// Something asked for that ThreatStream does not have (or the account cannot see).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "not_found_object", title = "not_found_object")]
pub(crate) struct NotFound {
    /// `observable`, or the type of the threat model
    #[schemars(title = "Kind")]
    pub(crate) kind: String,
    /// The ID or value as given
    #[schemars(title = "Given")]
    pub(crate) given: String,
}

impl Wanted {
    /// Every target read from ThreatStream, in the order given.
    pub(crate) async fn resolve(&self, connection: &Connection) -> Result<Resolved, Failure> {
        let client = &connection.client;
        let mut reads: Vec<Read> = self.observable_ids.iter().map(|id| Read::ObservableId(*id)).collect();
        reads.extend(self.observable_values.iter().cloned().map(Read::Value));
        if let Some((model_type, ids)) = &self.models {
            reads.extend(ids.iter().map(|id| Read::Model(*model_type, *id)));
        }
        let answers: Vec<Result<Vec<Found>, ApiError>> = stream::iter(reads.clone())
            .map(|read| read.run(client.clone()))
            .buffered(CONCURRENT_READS)
            .collect()
            .await;
        let mut resolved = Resolved::default();
        for (read, answer) in reads.iter().zip(answers) {
            let found = answer.map_err(|error| read.failure(error))?;
            if found.is_empty() {
                resolved.not_found.push(read.not_found());
            }
            for target in found {
                if !resolved
                    .found
                    .iter()
                    .any(|known| known.kind == target.kind && known.id == target.id)
                {
                    resolved.found.push(target);
                }
            }
        }
        Ok(resolved)
    }
}

/// One read that resolves one target given.
#[derive(Clone)]
enum Read {
    ObservableId(u64),
    Value(String),
    Model(ModelType, u64),
}

impl Read {
    /// Owns what it reads with, so reads can run side by side in one stream.
    async fn run(self, client: threatstream::Client) -> Result<Vec<Found>, ApiError> {
        let client = &client;
        match self {
            Read::ObservableId(id) => match threatstream::observable(client, id).await {
                Ok(record) => Ok(vec![observable(&record, id)]),
                Err(ApiError::Status { status: 404, .. }) => Ok(Vec::new()),
                Err(error) => Err(error),
            },
            Read::Value(value) => {
                let mut found = Vec::new();
                threatstream::lookup(client, &Observable::Any(value), |record| {
                    if let Some(id) = record.get("id").and_then(numeric_id) {
                        found.push(observable(&record, id));
                    }
                })
                .await?;
                Ok(found)
            }
            Read::Model(model_type, id) => {
                let record = threat_models::model(client, model_type, id).await?;
                Ok(record
                    .into_iter()
                    .map(|record| model(&record, model_type, id))
                    .collect())
            }
        }
    }

    fn not_found(&self) -> NotFound {
        let (kind, given) = match self {
            Read::ObservableId(id) => ("observable".to_owned(), id.to_string()),
            Read::Value(value) => ("observable".to_owned(), value.clone()),
            Read::Model(model_type, id) => (model_type.as_str().to_owned(), id.to_string()),
        };
        NotFound { kind, given }
    }

    /// A read that failed fails the step before anything is written.
    fn failure(&self, error: ApiError) -> Failure {
        let failure = Failure::from(error);
        let what = match self {
            Read::ObservableId(id) => format!("observable {id}"),
            Read::Value(value) => format!("the observables whose value is {}", quoted(value)),
            Read::Model(model_type, id) => format!("{} {id}", model_type.as_str()),
        };
        let cause = format!("{} (while reading {what}; nothing was linked or added)", failure.cause);
        failure.with_cause(cause)
    }
}

fn observable(record: &Record, id: u64) -> Found {
    Found {
        kind: Kind::Observable,
        id,
        label: threatstream::record_value(record).map(str::to_owned),
        in_cloud: is_remote(record),
    }
}

fn model(record: &Record, model_type: ModelType, id: u64) -> Found {
    Found {
        kind: Kind::Model(model_type),
        id,
        label: record.get("name").and_then(Value::as_str).map(str::to_owned),
        in_cloud: is_remote(record),
    }
}

/// The value's matches, refused when there are more than a case holds.
pub(crate) fn check_matches(resolved: &Resolved) -> Result<(), Failure> {
    let observables = resolved
        .found
        .iter()
        .filter(|found| found.kind == Kind::Observable)
        .count();
    if observables > MAX_MATCHES {
        return Err(Failure::caller(
            format!("The observables given stand for {observables} observables in ThreatStream, more than the {MAX_MATCHES} one step takes."),
            "Give the observables by ID, or fewer values.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(values: &[Value]) -> Vec<NumberId> {
        values.iter().cloned().map(NumberId::of).collect()
    }

    #[test]
    fn a_link_to_nothing_or_half_a_model_is_refused() {
        let none = TargetInputs {
            observable_ids: &[],
            observable_values: &[],
            model_type: None,
            model_ids: &[],
            model_inputs: ("model_type", "model_ids"),
        };
        assert!(none.wanted().expect_err("nothing").cause.contains("nothing to link"));
        let half = TargetInputs {
            model_type: Some(ModelType::Actor),
            ..none
        };
        assert!(half
            .wanted()
            .expect_err("no ids")
            .cause
            .starts_with("Invalid input 'model_ids'"));
        let given = ids(&[json!(3101), json!("3101")]);
        let typeless = TargetInputs {
            model_ids: &given,
            ..none
        };
        assert!(typeless
            .wanted()
            .expect_err("no type")
            .cause
            .starts_with("Invalid input 'model_type'"));
        let values = vec![" evil-domain.example ".to_owned(), "evil-domain.example".to_owned()];
        let observable = ids(&[json!("500000101")]);
        let both = TargetInputs {
            observable_ids: &observable,
            observable_values: &values,
            model_type: Some(ModelType::Actor),
            model_ids: &given,
            model_inputs: ("model_type", "model_ids"),
        };
        assert_eq!(
            both.wanted(),
            Ok(Wanted {
                observable_ids: vec![500_000_101],
                observable_values: vec!["evil-domain.example".to_owned()],
                models: Some((ModelType::Actor, vec![3101])),
            })
        );
    }

    #[test]
    fn items_show_a_value_for_observables_and_a_name_for_models() {
        let found = Found {
            kind: Kind::Model(ModelType::Actor),
            id: 3101,
            label: Some("Lazy Quokka".into()),
            in_cloud: false,
        };
        assert_eq!(
            serde_json::to_value(Item::of(&found)).unwrap(),
            json!({"kind": "actor", "id": 3101, "name": "Lazy Quokka"})
        );
    }
}
