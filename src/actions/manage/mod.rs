//! Managing observables: tags, status and the other fields an analyst changes, and comments.
//!
//! Every action here takes an observable by its ThreatStream ID, or by its value. A value is looked
//! up exactly (every page, exact matches only, as Get Observables does), because one value often has
//! several records (other sources, other organizations); more than one match is an error listing the
//! IDs unless All Matches says to act on all of them. An ID is read first too, so an unknown ID is an
//! error before any write rather than a write ThreatStream quietly skips.

mod add_comment;
mod add_tags;
mod get_comments;
mod remove_tags;
mod update_observable;

use schemars::JsonSchema;
use serde_json::Value;

use super::connection::Connection;
use super::failure::absent;
use super::observable::MAX_VALUE_LENGTH;
use crate::protocol::{quoted, Action, Failure};
use crate::threatstream::{self, ApiError, Observable};

/// The observable management actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &add_tags::AddTags,
    &remove_tags::RemoveTags,
    &update_observable::UpdateObservable,
    &add_comment::AddComment,
    &get_comments::GetComments,
];

/// Most observables one call acts on with All Matches: more is a bulk job, not a playbook step.
const MAX_MATCHES: usize = 1000;

/// How many IDs an error lists before saying how many more there are.
const LISTED_IDS: usize = 20;

/// Declares a management action's input: the observable it acts on (`id`, or `value` with
/// `all_matches`) first, then the action's own fields, and `selector()` to check the choice.
macro_rules! target_input {
    ($(#[$attribute:meta])* pub(crate) struct $name:ident { $($fields:tt)* }) => {
        $(#[$attribute])*
        pub(crate) struct $name {
            /// ThreatStream ID of the observable; give either this or Value
            #[schemars(title = "ID", example = 500001009, extend("alternativeTo" = "value"))]
            id: Option<u64>,
            /// Value of the observable (an IP address, domain, URL, e-mail address or hash), matched exactly; give either this or ID
            #[schemars(title = "Value", example = "suspicious-login.example")]
            value: Option<String>,
            /// When Value matches more than one observable, act on all of them instead of failing
            #[serde(default)]
            #[schemars(title = "All Matches", example = false)]
            all_matches: bool,
            $($fields)*
        }

        impl $name {
            /// Which observables the input selects, checked before any request.
            fn selector(&self) -> Result<$crate::actions::manage::Selector, $crate::protocol::Failure> {
                $crate::actions::manage::Selector::new(self.id, self.value.as_deref(), self.all_matches)
            }
        }
    };
}
use target_input;

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
    /// Exactly one of `id` and `value`, checked before any request.
    pub(crate) fn new(id: Option<u64>, value: Option<&str>, all_matches: bool) -> Result<Selector, Failure> {
        let value = value.map(str::trim).filter(|value| !value.is_empty());
        match (id, value) {
            (Some(_), Some(_)) => Err(Failure::invalid_input("id", "give either id or value, not both")),
            (None, None) => Err(Failure::invalid_input(
                "id",
                "give the observable's ID, or its value in value",
            )),
            (Some(0), None) => Err(Failure::invalid_input("id", "0 is not an observable ID")),
            (Some(id), None) => Ok(Selector::Id(id)),
            (None, Some(value)) if value.len() > MAX_VALUE_LENGTH => Err(Failure::invalid_input(
                "value",
                format!("it is {} bytes long, more than an observable can be", value.len()),
            )),
            (None, Some(value)) => Ok(Selector::Value {
                value: value.to_owned(),
                all_matches,
            }),
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
pub(crate) fn no_id(id: u64) -> impl FnOnce() -> String {
    move || format!("no observable with ID {id}")
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
        return Err(Failure::upstream(
            format!("ThreatStream has no observable whose value is {}.", quoted(value)),
            "Check the value (Get Observables finds it the same way), or give the observable's ID.",
        ));
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
pub(crate) fn no_value(value: &str) -> impl FnOnce() -> String + '_ {
    move || format!("no observable whose value is {}", quoted(value))
}

/// The distinct values of `targets`, in order: comments belong to values, and ThreatStream compares
/// them without regard to letter case.
fn values(targets: &[Target]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for target in targets {
        if !values.iter().any(|value| value.eq_ignore_ascii_case(&target.value)) {
            values.push(target.value.clone());
        }
    }
    values
}

fn ids(targets: &[Target]) -> Vec<u64> {
    targets.iter().map(|target| target.id).collect()
}

/// Whether a write about `targets` goes to ThreatStream's cloud at once (`threatstream::remote`).
fn in_cloud(targets: &[Target]) -> bool {
    targets.iter().any(|target| target.in_cloud)
}

/// The output of a change: which observables it changed.
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
pub(crate) struct ChangeOutput {
    /// Whether ThreatStream accepted the change
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// ThreatStream IDs of the observables changed
    #[schemars(title = "IDs", example = serde_json::json!([100000401]))]
    ids: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: u64) -> Target {
        Target {
            id,
            value: "evil-domain.example".into(),
            in_cloud: false,
        }
    }

    #[test]
    fn exactly_one_of_id_and_value() {
        assert_eq!(Selector::new(Some(7), None, false), Ok(Selector::Id(7)));
        assert_eq!(
            Selector::new(None, Some(" evil-domain.example "), true),
            Ok(Selector::Value {
                value: "evil-domain.example".into(),
                all_matches: true
            })
        );
        for (id, value) in [
            (Some(7), Some("a.example")),
            (None, None),
            (None, Some("  ")),
            (Some(0), None),
        ] {
            let failure = Selector::new(id, value, false).expect_err("refused");
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
