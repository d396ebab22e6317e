//! Reading the fields of ThreatStream's v1 objects (rules, allowlist entries, users, snapshots) into
//! the typed outputs, leniently: ids come as numbers or as numeric text (`user_id: 111` on a rule,
//! `"111"` on a user), lists of names as strings or as objects with a `name` (rule tags), and a
//! field that is missing, `null` or blank is left out rather than failing the step.

use serde_json::Value;

use crate::threatstream::{numeric_id, Record};

/// A text field, or a number given where text is usual; blank text is none.
pub(crate) fn text(record: &Record, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A whole number, given as a number or as text.
pub(crate) fn number(record: &Record, field: &str) -> Option<u64> {
    record.get(field).and_then(numeric_id)
}

/// A boolean; anything else is none.
pub(crate) fn flag(record: &Record, field: &str) -> Option<bool> {
    record.get(field).and_then(Value::as_bool)
}

/// A list of names: strings, or objects whose `name` is one (blank ones left out).
pub(crate) fn names(record: &Record, field: &str) -> Vec<String> {
    let items = record.get(field).and_then(Value::as_array).into_iter().flatten();
    items
        .filter_map(|item| item.get("name").unwrap_or(item).as_str())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A text field of an object nested under `field`, such as a rule's `user.email`.
pub(crate) fn nested_text(record: &Record, field: &str, inner: &str) -> Option<String> {
    record
        .get(field)
        .and_then(Value::as_object)
        .and_then(|nested| text(nested, inner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::record_of;
    use serde_json::json;

    #[test]
    fn fields_are_read_whatever_json_type_carries_them() {
        let record = record_of(json!({"id": "14093", "user_id": 111, "name": " ", "notes": null,
            "tags": [{"name": "apt", "tlp": "white"}, "c2", {"name": ""}], "is_enabled": true,
            "user": {"email": "analyst@example.com"}}));
        assert_eq!(number(&record, "id"), Some(14093));
        assert_eq!(text(&record, "user_id").as_deref(), Some("111"));
        assert_eq!((text(&record, "name"), text(&record, "notes")), (None, None));
        assert_eq!(names(&record, "tags"), ["apt", "c2"]);
        assert_eq!(flag(&record, "is_enabled"), Some(true));
        assert_eq!(flag(&record, "name"), None);
        assert_eq!(
            nested_text(&record, "user", "email").as_deref(),
            Some("analyst@example.com")
        );
    }
}
