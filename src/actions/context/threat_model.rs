//! How a threat model reads in an output: the same shape for a search result, one model and an
//! association, whatever the model's type.
//!
//! ThreatStream keeps a model's text in `description`, except threat bulletins (`body`) and signatures
//! (`notes`); outputs always call it `description`, so a playbook reads one field. Tags arrive as
//! objects (`{"id", "name", "tlp", "org_id"}`) and leave as their names, which is what a playbook
//! compares and a case view shows.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::protocol::clean;
use crate::threatstream::{numeric_id, tag_names, ModelType, Record};

/// A threat model as outputs show it. Only for the schema: models pass through `shaped` as JSON, so
/// fields not listed here reach the output too.
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
#[schemars(rename = "threat_model", title = "threat_model")]
pub(crate) struct ThreatModelFields {
    /// ThreatStream's ID of the model, unique within its type
    #[schemars(title = "ID")]
    id: Option<u64>,
    /// The model's type
    #[schemars(title = "Model Type")]
    model_type: Option<ModelType>,
    /// The model's name
    #[schemars(title = "Name")]
    name: Option<String>,
    /// The model's text, as ThreatStream stores it (often HTML; a signature's rule text)
    #[schemars(title = "Description")]
    description: Option<String>,
    /// Other names of the model
    #[schemars(title = "Aliases")]
    aliases: Option<Vec<String>>,
    /// Names of the model's tags
    #[schemars(title = "Tags")]
    tags: Option<Vec<String>>,
    /// Publication status: `new`, `pending_review`, `review_requested`, `reviewed` or `published`
    #[schemars(title = "Publication Status")]
    publication_status: Option<String>,
    /// Traffic Light Protocol marking
    #[schemars(title = "TLP")]
    tlp: Option<String>,
    /// Whether the model is visible to every ThreatStream organization
    #[schemars(title = "Is Public")]
    is_public: Option<bool>,
    /// When the model was created
    #[schemars(title = "Created")]
    created_ts: Option<String>,
    /// When the model last changed
    #[schemars(title = "Modified")]
    modified_ts: Option<String>,
    /// When the model was published
    #[schemars(title = "Published")]
    published_ts: Option<String>,
    /// API path of the model
    #[schemars(title = "Resource URI")]
    resource_uri: Option<String>,
}

/// A model tied to an observable: enough to recognise it and to fetch it with Get Threat Model.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "threat_model_association", title = "threat_model_association")]
pub(crate) struct Association {
    /// ThreatStream's ID of the model
    #[schemars(title = "ID")]
    id: u64,
    /// The model's name
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Name")]
    name: Option<String>,
    /// When the model was published
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Published")]
    published_ts: Option<String>,
    /// When the model last changed
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Modified")]
    modified_ts: Option<String>,
}

impl Association {
    /// The association a model record makes; `None` for a record without a numeric ID, which could
    /// not be looked up anyway.
    pub(crate) fn of(record: &Record) -> Option<Association> {
        let text = |field: &str| {
            record
                .get(field)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let id = record.get("id").and_then(numeric_id)?;
        Some(Association {
            id,
            name: text("name"),
            published_ts: text("published_ts"),
            modified_ts: text("modified_ts"),
        })
    }
}

/// A model record as outputs show it: text under `description`, tags as names, its type named,
/// empty fields dropped. `model_type` is the type asked for; search results name their own.
pub(crate) fn shaped(mut record: Record, model_type: Option<ModelType>) -> Value {
    let model_type = model_type.or_else(|| {
        let named = record.get("model_type")?.clone();
        serde_json::from_value(named).ok()
    });
    if let Some(model_type) = model_type {
        let field = model_type.text_field();
        if field != "description" {
            if let Some(text) = record.shift_remove(field) {
                record.insert("description".into(), text);
            }
        }
        record.insert("model_type".into(), Value::from(model_type.as_str()));
    }
    if record.contains_key("tags") {
        let names: Vec<Value> = tag_names(&record).map(Value::from).collect();
        record.insert("tags".into(), Value::Array(names));
    }
    let mut model = Value::Object(record);
    clean(&mut model);
    model
}

/// A model record from JSON, for tests and examples.
#[cfg(test)]
pub(crate) fn record(value: Value) -> Record {
    match value {
        Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bulletin_body_becomes_its_description_and_tags_their_names() {
        let bulletin = record(
            json!({"id": 3801, "name": "Bulletin", "body": "<p>text</p>", "published_ts": null,
            "tags": [{"id": "t1", "name": "emotet"}, " loader ", {"id": "t2"}]}),
        );
        assert_eq!(
            shaped(bulletin, Some(ModelType::TipReport)),
            json!({"id": 3801, "name": "Bulletin", "description": "<p>text</p>", "model_type": "tipreport",
                   "tags": ["emotet", "loader"]})
        );
    }

    #[test]
    fn a_search_result_names_its_own_type() {
        let signature = record(json!({"id": 3701, "model_type": "signature", "notes": "alert tcp"}));
        let shaped = shaped(signature, None);
        assert_eq!(shaped["description"], "alert tcp");
        assert!(shaped.get("notes").is_none());
        let unknown = record(json!({"id": 1, "model_type": "identity", "notes": "kept"}));
        assert_eq!(super::shaped(unknown, None)["notes"], "kept");
    }

    #[test]
    fn associations_need_an_id_and_keep_only_what_is_there() {
        let model = record(
            json!({"id": "3101", "name": "Lazy Quokka", "modified_ts": "2024-03-02T18:00:12",
            "published_ts": "", "tlp": "white"}),
        );
        let association = Association::of(&model).map(|a| serde_json::to_value(a).unwrap());
        assert_eq!(
            association,
            Some(json!({"id": 3101, "name": "Lazy Quokka", "modified_ts": "2024-03-02T18:00:12"}))
        );
        assert!(Association::of(&record(json!({"name": "no id"}))).is_none());
    }
}
