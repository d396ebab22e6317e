//! Record specs: how a test or a script describes a record to add, shared by
//! [`crate::Simulator::add_records`] and `POST /__simulator/records`.
//!
//! A record spec is a JSON object: `value` (required), then optionally
//! `type` (must agree with the value; worked out when absent), `itype`
//! (default `mal_<type>`), `status`, `confidence`, `severity`, `tags` (names
//! or `{"name", "tlp"}`), `source`, `tlp`, `trusted_circle_ids`,
//! `description`. Ids, `update_id` and timestamps are assigned.

use serde_json::Value;

use crate::intelligence::observable_record::{Draft, TagSpec};
use crate::intelligence::observables::classify;
use crate::state::State;

/// A [`Draft`] from a record spec (see the module doc).
pub(crate) fn draft_from_spec(spec: &Value) -> Result<Draft, String> {
    let value = spec["value"].as_str().map(str::trim).filter(|v| !v.is_empty());
    let value = value.ok_or("every record needs a 'value'")?;
    let kind = classify(value).ok_or_else(|| format!("'{value}' is not an observable"))?;
    if let Some(wanted) = spec["type"].as_str().filter(|wanted| *wanted != kind.type_name()) {
        return Err(format!("'{value}' is a {}, not a {wanted}", kind.type_name()));
    }
    let itype = spec["itype"]
        .as_str()
        .map_or_else(|| format!("mal_{}", kind.itype_suffix()), str::to_owned);
    let mut draft = Draft::new(value, kind, &itype);
    let text = |name: &str| spec[name].as_str().map(str::to_owned);
    draft.status = text("status").unwrap_or(draft.status);
    draft.confidence = spec["confidence"].as_i64().unwrap_or(draft.confidence);
    draft.severity = text("severity").or(draft.severity);
    draft.source = text("source").unwrap_or(draft.source);
    draft.tlp = text("tlp");
    draft.description = text("description");
    draft.tags = spec["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(tag_spec)
        .collect();
    draft.trusted_circle_ids = spec["trusted_circle_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    Ok(draft)
}

fn tag_spec(tag: &Value) -> Option<TagSpec> {
    match tag.as_str() {
        Some(name) => TagSpec::from_json(&serde_json::json!({ "name": name })),
        None => TagSpec::from_json(tag),
    }
}

/// Stores every spec, or none if any is invalid.
pub(crate) fn add_records(state: &State, specs: &[Value]) -> Result<Vec<Value>, String> {
    let drafts = specs.iter().map(draft_from_spec).collect::<Result<Vec<_>, _>>()?;
    Ok(state.create_records(&drafts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intelligence::observables::ObservableKind;
    use serde_json::json;

    #[test]
    fn specs_fill_defaults_and_refuse_nonsense() {
        let draft = draft_from_spec(
            &json!({"value": "203.0.113.200", "tags": ["a", {"name": "b", "tlp": "green"}],
                                             "confidence": 77, "status": "inactive"}),
        )
        .expect("valid");
        assert_eq!((draft.kind, draft.itype.as_str()), (ObservableKind::Ip, "mal_ip"));
        assert_eq!((draft.confidence, draft.status.as_str()), (77, "inactive"));
        assert_eq!(draft.tags.len(), 2);
        assert!(draft_from_spec(&json!({"value": "203.0.113.200", "type": "domain"})).is_err());
        assert!(draft_from_spec(&json!({"value": "not one"})).is_err());
        assert!(draft_from_spec(&json!({"type": "ip"})).is_err());
    }
}
