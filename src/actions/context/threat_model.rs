//! How a threat model reads in an output: the same shape for a search result, one model and an
//! association, whatever the model's type.
//!
//! ThreatStream keeps a model's text in `description`, except threat bulletins (`body`) and signatures
//! (`notes`); outputs always call it `description`, so a playbook reads one field (XSOAR's
//! `get_model_description` reads the same three).
//!
//! The same model reads differently by route, and outputs show one shape whatever the route:
//! - tags: the search answers objects (`{"id": "111", "name", "tlp", "org_id"}`, XSOAR's
//!   `search_threat_model_response`); a model's own routes answer plain names in `tags` and objects in
//!   `tags_v2` (XSOAR's `mocked_actor_response.json`), and an incident may have only `tags_v2`
//!   (Splunk SOAR's `get incident`). They leave as the names of both, each once.
//! - aliases: objects `{"id", "name", "resource_uri"}` in a model's answer (Google SecOps' ThreatFuse
//!   examples, Splunk's `create actor`), plain names in search results. They leave as names.
//! - a threat bulletin's publication status is its `status` (ThreatFuse's example, Splunk's create
//!   body) where the search and the other models say `publication_status`; outputs say the latter.
//! - the ID is a number, or a numeric string in some answers (Splunk's bulletins); outputs give a number.

use std::collections::HashSet;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;

use crate::actions::output::passed_through;
use crate::protocol::clean;
use crate::threatstream::{numeric_id, tag_names, ModelType, Record};

passed_through! {
    /// A threat model: text under description, tags and aliases as names; fields not listed here are kept too
    #[name = "threat_model"]
    pub(crate) struct ThreatModelFields {
        /// ThreatStream's ID of the model, unique within its type
        #[title = "ID"]
        id: Option<u64>,
        /// The model's type
        #[title = "Model Type"]
        model_type: Option<ModelType>,
        /// The model's name
        #[title = "Name"]
        name: Option<String>,
        /// The model's text, as ThreatStream stores it (often HTML; a signature's rule text)
        #[title = "Description"]
        description: Option<String>,
        /// Other names of the model
        #[title = "Aliases"]
        aliases: Option<Vec<String>>,
        /// Names of the model's tags
        #[title = "Tags"]
        tags: Option<Vec<String>>,
        /// Publication status: `new`, `pending_review`, `review_requested`, `reviewed` or `published`
        #[title = "Publication Status"]
        publication_status: Option<String>,
        /// Traffic Light Protocol marking
        #[title = "TLP"]
        tlp: Option<String>,
        /// Whether the model is visible to every ThreatStream organization
        #[title = "Is Public"]
        is_public: Option<bool>,
        /// When the model was created
        #[title = "Created"]
        created_ts: Option<String>,
        /// When the model last changed
        #[title = "Modified"]
        modified_ts: Option<String>,
        /// When the model was published
        #[title = "Published"]
        published_ts: Option<String>,
        /// API path of the model
        #[title = "Resource URI"]
        resource_uri: Option<String>,
    }
}

/// A model as an output holds it: `shaped`'s value, whose schema is `ThreatModelFields`'. The steps
/// that write models answer with it, so they show a model as Get Threat Model does.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub(crate) struct ShapedModel(Value);

impl ShapedModel {
    /// `record` shaped; `model_type` is the type asked for, as `shaped` takes it.
    pub(crate) fn of(record: Record, model_type: Option<ModelType>) -> ShapedModel {
        ShapedModel(shaped(record, model_type))
    }

    pub(crate) fn value(&self) -> &Value {
        &self.0
    }
}

impl JsonSchema for ShapedModel {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ShapedModel".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<ThreatModelFields>()
    }
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

/// A model record as outputs show it: text under `description`, tags and aliases as names, its type
/// named, its ID a number, empty fields dropped. `model_type` is the type asked for; search results
/// name their own.
pub(crate) fn shaped(mut record: Record, model_type: Option<ModelType>) -> Value {
    let model_type = model_type.or_else(|| {
        let named = record.get("model_type")?.clone();
        serde_json::from_value(named).ok()
    });
    if let Some(model_type) = model_type {
        text_as_description(&mut record, model_type);
        if model_type == ModelType::TipReport && !record.contains_key("publication_status") {
            if let Some(status) = record.get("status").filter(|status| status.is_string()).cloned() {
                record.insert("publication_status".into(), status);
            }
        }
        record.insert("model_type".into(), Value::from(model_type.as_str()));
    }
    if let Some(id) = record.get("id").and_then(numeric_id) {
        record.insert("id".into(), Value::from(id));
    }
    if record.contains_key("tags") || record.contains_key("tags_v2") {
        let v2 = tags_v2_names(&record);
        let names = once_each(tag_names(&record).chain(v2.iter().map(String::as_str)));
        record.shift_remove("tags_v2");
        record.insert("tags".into(), names);
    }
    if let Some(aliases) = record.get("aliases").and_then(Value::as_array) {
        let names = aliases
            .iter()
            .filter_map(|alias| alias.get("name").and_then(Value::as_str).or_else(|| alias.as_str()))
            .map(str::trim)
            .filter(|name| !name.is_empty());
        let names = once_each(names);
        record.insert("aliases".into(), names);
    }
    let mut model = Value::Object(record);
    clean(&mut model);
    model
}

/// Moves the model's text to `description` when its type keeps it elsewhere and it has some.
fn text_as_description(record: &mut Record, model_type: ModelType) {
    let field = model_type.text_field();
    let has_text = |value: &Value| value.as_str().is_some_and(|text| !text.trim().is_empty());
    if field != "description" && record.get(field).is_some_and(has_text) {
        if let Some(text) = record.shift_remove(field) {
            record.insert("description".into(), text);
        }
    }
}

/// The names in `tags_v2`, read as `tag_names` reads `tags` (the same objects).
fn tags_v2_names(record: &Record) -> Vec<String> {
    let Some(tags) = record.get("tags_v2") else {
        return Vec::new();
    };
    let as_tags: Record = [("tags".to_owned(), tags.clone())].into_iter().collect();
    tag_names(&as_tags).map(str::to_owned).collect()
}

/// The names, each once, in their first order, as a JSON list.
fn once_each<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Value {
    let mut seen = HashSet::new();
    let mut list = Vec::new();
    for name in names {
        let name = name.as_ref();
        if seen.insert(name.to_owned()) {
            list.push(Value::from(name));
        }
    }
    Value::Array(list)
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
    fn a_models_own_route_and_the_search_read_alike() {
        // XSOAR's mocked_actor_response.json: plain names and tags_v2 objects, is_cloneable "yes".
        let actor = record(json!({"id": 1, "name": "Alert report", "tags": ["tag"],
            "tags_v2": [{"id": "gvp", "name": "tag"}, {"id": "x1", "name": "other"}], "is_cloneable": "yes",
            "association_info": [{"comment": null, "created": "2022-07-11T16:30:00.271168", "from_id": 1, "sro": {}}]}));
        let shaped_actor = shaped(actor, Some(ModelType::Actor));
        assert_eq!(shaped_actor["tags"], json!(["tag", "other"]));
        assert!(shaped_actor.get("tags_v2").is_none());
        assert_eq!(shaped_actor["is_cloneable"], "yes");
        assert_eq!(
            shaped_actor["association_info"],
            json!([{"created": "2022-07-11T16:30:00.271168", "from_id": 1, "sro": {}}])
        );
        // XSOAR's search_threat_model_response: tag objects with string ids, the same name thrice.
        let found = record(json!({"id": 333, "model_type": "signature", "aliases": [],
            "tags": [{"tlp": "white", "org_id": 11, "name": "name", "id": "111"}, {"id": "333", "name": "name"}],
            "organization": {"id": 11, "title": "name"}}));
        let shaped_found = shaped(found, None);
        assert_eq!(shaped_found["tags"], json!(["name"]));
        assert_eq!(shaped_found["organization"], json!({"id": 11, "title": "name"}));
    }

    #[test]
    fn ids_aliases_and_a_bulletins_status_read_as_outputs_say_them() {
        let bulletin = record(json!({"id": "10890", "status": "published", "body": "",
            "aliases": [{"id": 902, "name": "testing", "resource_uri": "/api/v1/actoralias/902/"}, "plain", " "],
            "tags_v2": [{"id": "15e", "name": "test_name", "org_id": 67, "remote_api": false, "tlp": "white"}]}));
        let shaped = shaped(bulletin, Some(ModelType::TipReport));
        assert_eq!(
            shaped,
            json!({"id": 10890, "status": "published", "publication_status": "published",
                   "aliases": ["testing", "plain"], "tags": ["test_name"], "model_type": "tipreport"})
        );
        let signature = record(json!({"id": 3701, "notes": null, "description": "kept"}));
        assert_eq!(
            super::shaped(signature, Some(ModelType::Signature))["description"],
            "kept"
        );
        let incident = record(json!({"id": 1, "status": {"display_name": "New", "id": 1}}));
        let incident = super::shaped(incident, Some(ModelType::Incident));
        assert!(incident.get("publication_status").is_none());
        assert_eq!(incident["status"]["display_name"], "New");
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
