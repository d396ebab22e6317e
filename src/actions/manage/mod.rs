//! Managing observables: tags, status and the other fields an analyst changes, comments, reports of
//! false positives, and clones of observables other organizations shared.
//!
//! Every action here takes an observable by its ThreatStream ID, or by its value. A value is looked
//! up exactly (every page, exact matches only, as Get Observables does), because one value often has
//! several records (other sources, other organizations); more than one match is an error listing the
//! IDs unless All Matches says to act on all of them. An ID is read first too, so an unknown ID is an
//! error before any write rather than a write ThreatStream quietly skips.

mod add_comment;
mod add_tags;
mod clone_observable;
mod get_comments;
mod remove_tags;
mod report_false_positive;
mod update_observable;

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::connection::Connection;
use super::failure::{absent, Missing};
use super::input::{given, NumberId};
use super::observable::any_value;
use crate::protocol::{quoted, Action, Failure};
use crate::threatstream::{self, ApiError, Observable};

/// The observable management actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &add_tags::AddTags,
    &remove_tags::RemoveTags,
    &update_observable::UpdateObservable,
    &add_comment::AddComment,
    &get_comments::GetComments,
    &report_false_positive::ReportFalsePositive,
    &clone_observable::CloneObservable,
];

/// Most observables one call acts on with All Matches: more is a bulk job, not a playbook step.
const MAX_MATCHES: usize = 1000;

/// How many IDs an error lists before saying how many more there are.
const LISTED_IDS: usize = 20;

/// The observable a management action acts on, its `..TargetInputs` (`actions::input::step_input!`):
/// `id`, or `value` with `all_matches`, first in every such input.
pub(crate) struct TargetInputs {
    pub(crate) id: Option<NumberId>,
    pub(crate) value: Option<String>,
    pub(crate) all_matches: bool,
}

impl TargetInputs {
    /// Which observables the input selects, checked before any request.
    pub(crate) fn selector(&self) -> Result<Selector, Failure> {
        Selector::new(self.id.as_ref(), self.value.as_deref(), self.all_matches)
    }
}

/// Which observables an action is about: one by ID, or those whose value is the one given.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Selector {
    Id(u64),
    Value { value: String, all_matches: bool },
}

/// An observable an action acts on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) id: u64,
    pub(crate) value: String,
    /// ThreatStream's cloud holds it, not the instance (its record says `remote_api: true`).
    pub(crate) in_cloud: bool,
}

impl Selector {
    /// Exactly one of `id` and `value`, checked before any request. Either left as the form leaves
    /// it (an ID of 0, a blank value) is not given; the value is normalised as every observable is.
    pub(crate) fn new(id: Option<&NumberId>, value: Option<&str>, all_matches: bool) -> Result<Selector, Failure> {
        let id = given(id)
            .map(|id| {
                id.read(
                    "id",
                    "an observable ID; give the positive whole number ThreatStream shows",
                )
            })
            .transpose()?;
        let value = any_value(value.unwrap_or_default()).map_err(|problem| Failure::invalid_input("value", problem))?;
        match (id, value) {
            (Some(_), Some(_)) => Err(Failure::invalid_input("id", "give either id or value, not both")),
            (None, None) => Err(Failure::invalid_input(
                "id",
                "give the observable's ID, or its value in value",
            )),
            (Some(id), None) => Ok(Selector::Id(id)),
            (None, Some(value)) => Ok(Selector::Value { value, all_matches }),
        }
    }

    /// The observables selected, read from ThreatStream.
    pub(crate) async fn targets(&self, connection: &Connection) -> Result<Vec<Target>, Failure> {
        match self {
            Selector::Id(id) => Ok(vec![by_id(connection, *id).await?]),
            Selector::Value { value, all_matches } => {
                let targets = by_value(connection, value).await?;
                chosen(value, targets, *all_matches)
            }
        }
    }

    /// The distinct values of the observables selected, for what ThreatStream keeps per value
    /// (comments): by ID, the observable's value; by value, that value as its records spell it,
    /// however many observables have it, so All Matches is not needed to read them.
    pub(crate) async fn values(&self, connection: &Connection) -> Result<Vec<String>, Failure> {
        let targets = match self {
            Selector::Id(id) => vec![by_id(connection, *id).await?],
            Selector::Value { value, .. } => {
                let targets = by_value(connection, value).await?;
                if targets.is_empty() {
                    return Err(none_found(value));
                }
                targets
            }
        };
        Ok(values(&targets))
    }
}

async fn by_id(connection: &Connection, id: u64) -> Result<Target, Failure> {
    let record = threatstream::observable(&connection.client, id)
        .await
        .map_err(|error| unknown_id(error, id))?;
    let value = record
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let in_cloud = threatstream::is_remote(&record);
    Ok(Target { id, value, in_cloud })
}

/// A 404 means ThreatStream has no such observable; the error says so, naming the ID.
pub(crate) fn unknown_id(error: ApiError, id: u64) -> Failure {
    absent(error, no_id(id)).unwrap_or_else(Failure::from)
}

/// What ThreatStream lacks when an observable's ID answers 404.
pub(crate) fn no_id(id: u64) -> impl FnOnce() -> Missing {
    move || Missing::observable_id(id)
}

async fn by_value(connection: &Connection, value: &str) -> Result<Vec<Target>, Failure> {
    let mut targets = Vec::new();
    threatstream::lookup(&connection.client, &Observable::Any(value.to_owned()), |record| {
        let found = threatstream::record_value(&record).unwrap_or(value);
        if let Some(id) = record.get("id").and_then(threatstream::numeric_id) {
            targets.push(Target {
                id,
                value: found.to_owned(),
                in_cloud: threatstream::is_remote(&record),
            });
        }
    })
    .await?;
    Ok(targets)
}

/// The matches of `value` to act on: exactly one, or all of them when asked (up to `MAX_MATCHES`).
fn chosen(value: &str, targets: Vec<Target>, all_matches: bool) -> Result<Vec<Target>, Failure> {
    if targets.is_empty() {
        return Err(none_found(value));
    }
    if targets.len() > 1 && !all_matches {
        let failure = Failure::caller(
            format!(
                "{} matches {} observables: IDs {}.",
                quoted(value),
                targets.len(),
                listed(&targets)
            ),
            "Give one of the IDs in id, or set all_matches to true to act on all of them.",
        );
        return Err(failure);
    }
    if targets.len() > MAX_MATCHES {
        return Err(Failure::caller(
            format!(
                "{} matches {} observables, more than the {MAX_MATCHES} one step acts on.",
                quoted(value),
                targets.len()
            ),
            "Narrow the search in ThreatStream and act on the observables by ID.",
        ));
    }
    Ok(targets)
}

fn none_found(value: &str) -> Failure {
    Missing::observable_value(value).found_nothing()
}

fn listed(targets: &[Target]) -> String {
    let ids: Vec<String> = targets
        .iter()
        .take(LISTED_IDS)
        .map(|target| target.id.to_string())
        .collect();
    let more = targets.len().saturating_sub(LISTED_IDS);
    if more == 0 {
        ids.join(", ")
    } else {
        format!("{} and {more} more", ids.join(", "))
    }
}

/// A 404 on a call keyed by value means ThreatStream has no observable with it.
pub(crate) fn unknown_value(error: ApiError, value: &str) -> Failure {
    absent(error, no_value(value)).unwrap_or_else(Failure::from)
}

/// What ThreatStream lacks when an observable's value answers 404.
pub(crate) fn no_value(value: &str) -> impl FnOnce() -> Missing + '_ {
    move || Missing::observable_value(value)
}

/// The distinct values of `targets`, in order: comments belong to values, and ThreatStream compares
/// them without regard to letter case.
fn values(targets: &[Target]) -> Vec<String> {
    let mut seen = HashSet::new();
    targets
        .iter()
        .filter(|target| seen.insert(target.value.to_ascii_lowercase()))
        .map(|target| target.value.clone())
        .collect()
}

fn ids(targets: &[Target]) -> Vec<u64> {
    targets.iter().map(|target| target.id).collect()
}

/// Whether a write about `targets` goes to ThreatStream's cloud at once (`threatstream::remote`).
fn in_cloud(targets: &[Target]) -> bool {
    targets.iter().any(|target| target.in_cloud)
}

/// The output of a change: which observables it changed.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ChangeOutput {
    /// Whether ThreatStream accepted the change
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// ThreatStream IDs of the observables changed
    #[schemars(title = "IDs", example = serde_json::json!([100000401]))]
    ids: Vec<u64>,
}

impl ChangeOutput {
    /// ThreatStream accepted the change of the observables `ids`.
    fn changed(ids: Vec<u64>) -> ChangeOutput {
        ChangeOutput { success: true, ids }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::actions::observable::MAX_VALUE_LENGTH;

    fn target(id: u64) -> Target {
        Target {
            id,
            value: "evil-domain.example".into(),
            in_cloud: false,
        }
    }

    #[test]
    fn exactly_one_of_id_and_value() {
        let id = |given: Value| NumberId::of(given);
        assert_eq!(Selector::new(Some(&id(json!(7))), None, false), Ok(Selector::Id(7)));
        assert_eq!(
            Selector::new(Some(&id(json!("7"))), Some(""), false),
            Ok(Selector::Id(7))
        );
        for untouched_id in [json!(0), json!("")] {
            assert_eq!(
                Selector::new(Some(&id(untouched_id)), Some(" Evil-Domain[.]Example "), true),
                Ok(Selector::Value {
                    value: "evil-domain.example".into(),
                    all_matches: true
                }),
                "an untouched ID beside a value is not given"
            );
        }
        for (given_id, value) in [
            (Some(json!(7)), Some("a.example")),
            (None, None),
            (None, Some("  ")),
            (Some(json!(0)), None),
            (Some(json!(-3)), None),
        ] {
            let given_id = given_id.map(id);
            let failure = Selector::new(given_id.as_ref(), value, false).expect_err("refused");
            assert!(failure.cause.starts_with("Invalid input 'id'"), "{}", failure.cause);
        }
        let long = "a".repeat(MAX_VALUE_LENGTH + 1);
        assert!(Selector::new(None, Some(&long), false).is_err());
    }

    #[test]
    fn several_matches_need_all_matches_and_the_error_lists_the_ids() {
        let failure = chosen("evil-domain.example", vec![target(1), target(2)], false).unwrap_err();
        assert_eq!(failure.cause, "'evil-domain.example' matches 2 observables: IDs 1, 2.");
        assert_eq!(chosen("x", vec![target(1), target(2)], true).map(|t| t.len()), Ok(2));
        assert_eq!(chosen("x", vec![target(1)], false).map(|t| t.len()), Ok(1));
        let none = chosen("x", Vec::new(), true).unwrap_err();
        assert_eq!(none.cause, "ThreatStream has no observable whose value is 'x'.");
        let many: Vec<Target> = (1..=25).map(target).collect();
        assert!(chosen("x", many, false).unwrap_err().cause.ends_with("20 and 5 more."));
        let too_many: Vec<Target> = (1..=1001).map(target).collect();
        assert!(chosen("x", too_many, true).is_err());
    }
}
