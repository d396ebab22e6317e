//! One allowlist entry as the allowlist steps show it, read from ThreatStream's object as XSOAR's
//! test data shows it: `{id, value, value_type, notes, created_ts, modified_ts, resource_uri}`, notes
//! `null` when there are none.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::actions::fields::{number, text};
use crate::threatstream::Record;

/// An entry of the organization's allowlist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "allowlist_entry", title = "allowlist_entry")]
pub(crate) struct AllowlistEntry {
    /// ThreatStream ID of the entry
    #[schemars(title = "ID")]
    pub(super) id: u64,
    /// The value allowed
    #[schemars(title = "Value")]
    pub(super) value: String,
    /// Type of the value: ip, cidr, md5, domain, url, email or user-agent
    #[schemars(title = "Value Type")]
    pub(super) value_type: String,
    /// Note kept with the entry
    #[schemars(title = "Notes")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) notes: Option<String>,
    /// When the entry was added
    #[schemars(title = "Created")]
    #[serde(skip_serializing_if = "Option::is_none")]
    created_ts: Option<String>,
    /// When the entry last changed
    #[schemars(title = "Modified")]
    #[serde(skip_serializing_if = "Option::is_none")]
    modified_ts: Option<String>,
}

/// An example entry, for help.md.
pub(crate) fn example_entry() -> Value {
    json!({"id": 13, "value": "partner.example", "value_type": "domain", "notes": "Partner portal (case 4711)",
        "created_ts": "2026-09-14T08:21:58.774012", "modified_ts": "2026-09-14T08:21:58.774012"})
}

/// ThreatStream's entry in the shared shape; `None` without an ID or a value, which no entry lacks.
pub(crate) fn entry_of(record: &Record) -> Option<AllowlistEntry> {
    Some(AllowlistEntry {
        id: number(record, "id")?,
        value: text(record, "value")?,
        value_type: text(record, "value_type").unwrap_or_default(),
        notes: text(record, "notes"),
        created_ts: text(record, "created_ts"),
        modified_ts: text(record, "modified_ts"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::record_of;

    #[test]
    fn entries_read_as_xsoars_test_data_shows_them() {
        let record = record_of(
            json!({"id": 11, "value": "u", "value_type": "user-agent", "notes": null,
            "created_ts": "2023-02-21T19:59:02.091404", "modified_ts": "2023-02-21T19:59:02.091404",
            "resource_uri": "resource_uri"}),
        );
        let entry = entry_of(&record).expect("an entry");
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            json!({"id": 11, "value": "u", "value_type": "user-agent",
                "created_ts": "2023-02-21T19:59:02.091404", "modified_ts": "2023-02-21T19:59:02.091404"})
        );
    }
}
