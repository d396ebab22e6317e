//! One element of an investigation, as outputs show it: what it is (`kind`: `observable`, or the
//! type of threat model), its ThreatStream ID, and the observable's value or the model's name.
//!
//! ThreatStream answers an element as XSOAR's `add_investigation_elements` test data shows it: `id`,
//! `r_type` (`intelligence2` for an observable, else the model's type), `r_id`, `investigation_id`,
//! `add_related_indicators` and the `entity` it names (FortiSOAR's listing has the same `entity`).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::threatstream::numeric_id;

/// ThreatStream's `r_type` for an observable.
pub(crate) const OBSERVABLE: &str = "intelligence2";

/// One element of an investigation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "investigation_element", title = "investigation_element")]
pub(crate) struct ElementSummary {
    /// ThreatStream ID of the element itself
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "ID")]
    id: Option<u64>,
    /// `observable`, or the type of the threat model
    #[schemars(title = "Kind")]
    kind: String,
    /// ThreatStream ID of the observable or threat model
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Object ID")]
    r_id: Option<u64>,
    /// The observable's value
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Value")]
    value: Option<String>,
    /// The threat model's name
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Name")]
    name: Option<String>,
}

impl ElementSummary {
    pub(crate) fn of(element: &Value) -> ElementSummary {
        let r_type = element.get("r_type").and_then(Value::as_str).unwrap_or_default();
        let entity = |field: &str| {
            element
                .pointer(&format!("/entity/{field}"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let observable = r_type == OBSERVABLE;
        ElementSummary {
            id: element.get("id").and_then(numeric_id),
            kind: if observable {
                "observable".to_owned()
            } else {
                r_type.to_owned()
            },
            r_id: element.get("r_id").and_then(numeric_id),
            value: entity("value").filter(|_| observable),
            name: entity("name").filter(|_| !observable),
        }
    }
}

/// Elements, for help.md.
pub(crate) fn example_elements() -> Value {
    json!([{"id": 2222, "kind": "observable", "r_id": 500000101, "value": "198.51.100.23"},
           {"id": 2223, "kind": "incident", "r_id": 20001, "name": "Phishing wave against accounts payable (case 4711)"}])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_element_names_what_it_holds() {
        let model = json!({"add_related_indicators": 0, "entity": {"id": 11111, "name": "Actor", "is_cloneable": "yes"},
            "id": 2222, "investigation_id": 222, "r_id": 11111, "r_type": "actor"});
        assert_eq!(
            serde_json::to_value(ElementSummary::of(&model)).unwrap(),
            json!({"id": 2222, "kind": "actor", "r_id": 11111, "name": "Actor"})
        );
        let observable = json!({"id": "7", "r_type": "intelligence2", "r_id": "500000101",
            "entity": {"value": "198.51.100.23", "name": null}});
        assert_eq!(
            serde_json::to_value(ElementSummary::of(&observable)).unwrap(),
            json!({"id": 7, "kind": "observable", "r_id": 500000101, "value": "198.51.100.23"})
        );
    }
}
