//! Remove from Allowlist: `DELETE /api/v1/orgwhitelist/{id}/` for the entry with an ID, or for every
//! entry of a value (a playbook knows the value, rarely the entry's ID).
//!
//! The list is read first, so an entry that is not on it is an error before any write, and the output
//! shows what was removed. A value matches an entry whose value is the one given or its checked form
//! (`Partner.Example` is `partner.example`), without regard to case, of the type given or of any type.
//! Removing does the same however often it is sent, so it is retried like a read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::entry::{entry_of, example_entry, AllowlistEntry};
use super::values::{checked, ValueType};
use super::{allowlist_failure, MAX_ENTRIES};
use crate::actions::connection::Connection;
use crate::actions::input::{given, optional_line, NumberId};
use crate::actions::observable::MAX_VALUE_LENGTH;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::{quoted, Failure};
use crate::threatstream::allowlist;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveFromAllowlistInput {
    /// ThreatStream ID of the entry to remove; give either this or Value
    #[schemars(title = "ID", example = 13, extend("alternativeTo" = "value"))]
    id: Option<NumberId>,
    /// Value whose entries to remove; give either this or ID
    #[schemars(title = "Value", example = "partner.example")]
    value: Option<String>,
    /// Remove only the value's entry of this type: `cidr`, `domain`, `email`, `ip`, `md5`, `url` or `user-agent`; empty removes it whatever its type
    #[schemars(title = "Value Type", example = ValueType::Unset, extend("default" = ""))]
    value_type: Option<ValueType>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct RemoveFromAllowlistOutput {
    /// Whether ThreatStream removed every entry
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// The entries removed
    #[schemars(title = "Removed", example = json!([example_entry()]))]
    removed: Vec<AllowlistEntry>,
}

/// Which entries the input selects.
#[derive(Debug, PartialEq, Eq)]
enum Selection {
    Id(u64),
    /// The value as given and in its checked form, and the type when one was given.
    Value {
        forms: Vec<String>,
        value_type: Option<&'static str>,
    },
}

impl RemoveFromAllowlistInput {
    fn selection(&self) -> Result<Selection, Failure> {
        let not = "an allowlist entry ID; give the positive whole number List Allowlist shows";
        let id = given(self.id.as_ref()).map(|id| id.read("id", not)).transpose()?;
        let value = optional_line(self.value.as_deref(), "value", "the value", MAX_VALUE_LENGTH)?;
        match (id, value) {
            (Some(_), Some(_)) => Err(Failure::invalid_input("id", "give either id or value, not both")),
            (None, None) => Err(Failure::invalid_input(
                "id",
                "give the entry's ID, or its value in value",
            )),
            (Some(id), None) => Ok(Selection::Id(id)),
            (None, Some(value)) => {
                let kind = self.value_type.unwrap_or(ValueType::Unset);
                let mut forms = vec![value.clone()];
                match checked(&value, kind) {
                    Ok((_, canonical)) => forms.push(canonical),
                    // A value of a named type must be of it; one without may be stored in any form.
                    Err(problem) if kind != ValueType::Unset => {
                        return Err(Failure::invalid_input("value", problem));
                    }
                    Err(_) => {}
                }
                Ok(Selection::Value {
                    forms,
                    value_type: kind.wire(),
                })
            }
        }
    }
}

impl Selection {
    fn selects(&self, entry: &AllowlistEntry) -> bool {
        match self {
            Selection::Id(id) => entry.id == *id,
            Selection::Value { forms, value_type } => {
                value_type.is_none_or(|kind| entry.value_type == kind)
                    && forms.iter().any(|form| entry.value.eq_ignore_ascii_case(form))
            }
        }
    }

    fn missing(&self) -> Failure {
        let what = match self {
            Selection::Id(id) => format!("no allowlist entry with ID {id}"),
            Selection::Value { forms, .. } => {
                format!(
                    "no allowlist entry for {}",
                    quoted(forms.first().map_or("", String::as_str))
                )
            }
        };
        Failure::upstream(
            format!("ThreatStream has {what}."),
            "List Allowlist shows the entries and their IDs.",
        )
    }
}

/// A failure after some entries were removed says which.
fn removed_before(failure: Failure, done: &[AllowlistEntry]) -> Failure {
    if done.is_empty() {
        return failure;
    }
    let ids: Vec<String> = done.iter().map(|entry| entry.id.to_string()).collect();
    let cause = format!(
        "{} Entries {} were already removed; the rest were not.",
        failure.cause,
        ids.join(", ")
    );
    failure.with_cause(cause)
}

pub(crate) struct RemoveFromAllowlist;

impl TypedStep for RemoveFromAllowlist {
    const ID: &'static str = "remove_from_allowlist";
    const TITLE: &'static str = "Remove from Allowlist";
    const DESCRIPTION: &'static str =
        "Remove an entry, or every entry of a value, from the organization's allowlist in Anomali ThreatStream";
    type Input = RemoveFromAllowlistInput;
    type Output = RemoveFromAllowlistOutput;
}

impl TypedAction for RemoveFromAllowlist {
    async fn run(
        connection: &Connection,
        input: RemoveFromAllowlistInput,
    ) -> Result<RemoveFromAllowlistOutput, Failure> {
        let selection = input.selection()?;
        let selected: Vec<AllowlistEntry> = allowlist::allowlist(&connection.client, MAX_ENTRIES)
            .await?
            .iter()
            .filter_map(entry_of)
            .filter(|entry| selection.selects(entry))
            .collect();
        if selected.is_empty() {
            return Err(selection.missing());
        }
        for (done, entry) in selected.iter().enumerate() {
            allowlist::remove_from_allowlist(&connection.client, entry.id)
                .await
                .map_err(|error| removed_before(allowlist_failure(error, Some(entry.id)), &selected[..done]))?;
        }
        Ok(RemoveFromAllowlistOutput {
            success: true,
            removed: selected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn selection(value: Value) -> Result<Selection, Failure> {
        serde_json::from_value::<RemoveFromAllowlistInput>(value)
            .unwrap()
            .selection()
    }

    #[test]
    fn exactly_one_of_id_and_value_selects_entries() {
        assert_eq!(selection(json!({"id": "13", "value": ""})), Ok(Selection::Id(13)));
        assert_eq!(
            selection(json!({"id": 0, "value": " Partner.Example ", "value_type": ""})),
            Ok(Selection::Value {
                forms: vec!["Partner.Example".into(), "partner.example".into()],
                value_type: None
            })
        );
        assert_eq!(
            selection(json!({"value": "Mozilla/5.0", "value_type": "user-agent"})),
            Ok(Selection::Value {
                forms: vec!["Mozilla/5.0".into(), "Mozilla/5.0".into()],
                value_type: Some("user-agent")
            })
        );
        for (input, named) in [
            (json!({"id": 13, "value": "partner.example"}), "'id'"),
            (json!({}), "'id'"),
            (json!({"id": "x"}), "'id'"),
            (json!({"value": "partner", "value_type": "domain"}), "'value'"),
        ] {
            let failure = selection(input.clone()).expect_err("refused");
            assert!(failure.cause.contains(named), "{input}: {}", failure.cause);
        }
    }

    #[test]
    fn a_failure_after_the_first_removal_names_what_was_removed() {
        let failure = || Failure::caller("Refused.", "x");
        assert_eq!(removed_before(failure(), &[]).cause, "Refused.");
    }
}
