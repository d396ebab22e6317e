//! Add to Allowlist: many values at once through `POST /api/v1/orgwhitelist/bulk/`, each checked for
//! its type first (`values.rs`).
//!
//! The list is read first and only values not on it are sent, so a run repeated after a failure adds
//! what is missing and nothing twice, and a run with nothing new sends no write. The write is sent
//! once, also when the answer is a 503: whether ThreatStream stores a second copy of an entry is not
//! public, and List Allowlist shows what it holds.

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::entry::entry_of;
use super::values::{checked, ValueType};
use super::{allowlist_failure, MAX_ENTRIES};
use crate::actions::connection::Connection;
use crate::actions::failure::{unconfirmed, Write};
use crate::actions::input::{at_most, optional_line, MAX_LINE_CHARS};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::allowlist::{self, NewEntry};

/// Most values one step adds: more is a file import, not a playbook step.
const MAX_VALUES: usize = 1000;

const ADDITION: Write = Write {
    what: "the new allowlist entries",
    check: "List Allowlist shows which were added (running the step again adds only what is missing)",
    twice: None,
};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddToAllowlistInput {
    /// Values to add to the allowlist, up to 1,000
    #[schemars(title = "Values", example = json!(["partner.example", "alerts@partner.example"]))]
    values: Vec<String>,
    /// Type of every value: `cidr`, `domain`, `email`, `ip`, `md5`, `url` or `user-agent`; empty tells each value's type from its shape (a user agent must be named)
    #[schemars(title = "Value Type", example = ValueType::Unset, extend("default" = ""))]
    value_type: Option<ValueType>,
    /// Note kept with every entry added, such as why the values are allowed
    #[schemars(title = "Notes", example = "Partner portal (case 4711)")]
    notes: Option<String>,
}

/// A value and its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "allowlist_value", title = "allowlist_value")]
pub(crate) struct AllowlistValue {
    /// The value, as ThreatStream stores it
    #[schemars(title = "Value")]
    value: String,
    /// Type of the value: ip, cidr, md5, domain, url, email or user-agent
    #[schemars(title = "Value Type")]
    value_type: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AddToAllowlistOutput {
    /// Whether every value is now on the allowlist
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// Values sent to ThreatStream to add
    #[schemars(title = "Added", example = json!([{"value": "partner.example", "value_type": "domain"}]))]
    added: Vec<AllowlistValue>,
    /// Values already on the allowlist, not sent again
    #[schemars(
        title = "Already Allowlisted",
        example = json!([{"value": "alerts@partner.example", "value_type": "email"}])
    )]
    already_allowlisted: Vec<AllowlistValue>,
    /// What ThreatStream said, such as Created 1 item(s).; absent when nothing was sent
    #[schemars(title = "Message", example = "Created 1 item(s).")]
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl AddToAllowlistInput {
    /// The values checked and each once (a value and its type), and the note.
    fn entries(&self) -> Result<(Vec<AllowlistValue>, Option<String>), Failure> {
        at_most("values", self.values.len(), MAX_VALUES, "values")?;
        let kind = self.value_type.unwrap_or(ValueType::Unset);
        let mut entries: Vec<AllowlistValue> = Vec::new();
        for (index, given) in self.values.iter().enumerate() {
            let (kind, value) =
                checked(given, kind).map_err(|problem| Failure::invalid_input(&format!("values[{index}]"), problem))?;
            let value_type = kind.wire().unwrap_or_default().to_owned();
            let known = entries
                .iter()
                .any(|entry| entry.value_type == value_type && entry.value.eq_ignore_ascii_case(&value));
            if !known {
                entries.push(AllowlistValue { value, value_type });
            }
        }
        if entries.is_empty() {
            return Err(Failure::invalid_input("values", "it is empty; give at least one value"));
        }
        let notes = optional_line(self.notes.as_deref(), "notes", "the note", MAX_LINE_CHARS)?;
        Ok((entries, notes))
    }
}

/// The entries to send, with the note.
fn new_entries(values: &[AllowlistValue], notes: Option<&str>) -> Vec<NewEntry> {
    values
        .iter()
        .filter_map(|entry| {
            let kind = ValueType::of_wire(&entry.value_type)?.wire()?;
            Some(NewEntry {
                value_type: kind,
                value: entry.value.clone(),
                notes: notes.map(str::to_owned),
            })
        })
        .collect()
}

pub(crate) struct AddToAllowlist;

impl TypedStep for AddToAllowlist {
    const ID: &'static str = "add_to_allowlist";
    const TITLE: &'static str = "Add to Allowlist";
    const DESCRIPTION: &'static str =
        "Add values to the organization's allowlist in Anomali ThreatStream, so it never treats them as threats";
    type Input = AddToAllowlistInput;
    type Output = AddToAllowlistOutput;
}

impl TypedAction for AddToAllowlist {
    async fn run(connection: &Connection, input: AddToAllowlistInput) -> Result<AddToAllowlistOutput, Failure> {
        let (values, notes) = input.entries()?;
        let on_list: HashSet<(String, String)> = allowlist::allowlist(&connection.client, MAX_ENTRIES)
            .await?
            .iter()
            .filter_map(entry_of)
            .map(|entry| (entry.value_type, entry.value.to_lowercase()))
            .collect();
        let (already, added): (Vec<AllowlistValue>, Vec<AllowlistValue>) = values
            .into_iter()
            .partition(|value| on_list.contains(&(value.value_type.clone(), value.value.to_lowercase())));
        let mut message = None;
        if !added.is_empty() {
            let answer = allowlist::add_to_allowlist(&connection.client, &new_entries(&added, notes.as_deref()))
                .await
                .map_err(|error| unconfirmed(error, &ADDITION, |error| allowlist_failure(error, None)))?;
            message = answer.get("message").and_then(Value::as_str).map(str::to_owned);
        }
        Ok(AddToAllowlistOutput {
            success: true,
            added,
            already_allowlisted: already,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(value: Value) -> Result<(Vec<AllowlistValue>, Option<String>), Failure> {
        serde_json::from_value::<AddToAllowlistInput>(value).unwrap().entries()
    }

    #[test]
    fn values_are_checked_for_their_type_and_kept_once() {
        let (values, notes) = entries(json!({"values": ["Partner.Example", "partner.example", "10.0.0.0/8"],
            "value_type": "", "notes": " partner "}))
        .unwrap();
        let kinds: Vec<(&str, &str)> = values
            .iter()
            .map(|v| (v.value.as_str(), v.value_type.as_str()))
            .collect();
        assert_eq!(kinds, [("partner.example", "domain"), ("10.0.0.0/8", "cidr")]);
        assert_eq!(notes.as_deref(), Some("partner"));
        let sent = new_entries(&values, notes.as_deref());
        assert_eq!(
            serde_json::to_value(&sent).unwrap(),
            json!([{"value_type": "domain", "value": "partner.example", "notes": "partner"},
                {"value_type": "cidr", "value": "10.0.0.0/8", "notes": "partner"}])
        );
        for (input, named) in [
            (json!({"values": []}), "'values'"),
            (
                json!({"values": ["partner.example"], "value_type": "ip"}),
                "'values[0]'",
            ),
            (json!({"values": ["ok.example", "Mozilla/5.0"]}), "'values[1]'"),
            (json!({"values": ["ok.example"], "notes": "a\nb"}), "'notes'"),
        ] {
            let failure = entries(input.clone()).expect_err("refused");
            assert!(failure.cause.contains(named), "{input}: {}", failure.cause);
        }
        let too_many: Vec<String> = (0..=MAX_VALUES).map(|n| format!("h{n}.example")).collect();
        assert!(entries(json!({"values": too_many})).is_err());
    }
}
