//! The threat models the simulator knows: actors, campaigns, incidents,
//! malware, signatures, threat bulletins (tipreport), TTPs, vulnerabilities
//! and attack patterns.
//!
//! `context/threat_models.json` ties a few seed observables to hand-written
//! models (which observable ties to which is listed in the crate doc); the
//! rest are generated fillers, six per type, so that `threat_model_search`
//! has more than three pages at its default page size. The catalogue is the
//! seed: built once per process, then copied into each simulator's
//! [`crate::context::model_book::ModelBook`], where models are created,
//! changed, tagged, commented, linked and deleted.
//!
//! A model is kept in one plain form (tag and alias names, its publication
//! status) and answered in the shape each route has in the public clients'
//! data: a model's own routes as `answer` and `summary` say (XSOAR's
//! `mocked_actor_response.json`, Google SecOps' ThreatFuse examples), the
//! search as `threat_model_search` says.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{json, Map, Value};

const SEED: &str = include_str!("../../context/threat_models.json");

/// Generated models per type, on top of the seed file.
const FILLERS_PER_TYPE: u64 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ModelType {
    Actor,
    AttackPattern,
    Campaign,
    Incident,
    Malware,
    Signature,
    TipReport,
    Ttp,
    Vulnerability,
}

pub(crate) const MODEL_TYPES: [ModelType; 9] = [
    ModelType::Actor,
    ModelType::AttackPattern,
    ModelType::Campaign,
    ModelType::Incident,
    ModelType::Malware,
    ModelType::Signature,
    ModelType::TipReport,
    ModelType::Ttp,
    ModelType::Vulnerability,
];

impl ModelType {
    /// The name used in paths and in `model_type`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ModelType::Actor => "actor",
            ModelType::AttackPattern => "attackpattern",
            ModelType::Campaign => "campaign",
            ModelType::Incident => "incident",
            ModelType::Malware => "malware",
            ModelType::Signature => "signature",
            ModelType::TipReport => "tipreport",
            ModelType::Ttp => "ttp",
            ModelType::Vulnerability => "vulnerability",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<ModelType> {
        MODEL_TYPES.into_iter().find(|t| t.as_str() == name)
    }

    /// Where the model's text lives: ThreatStream calls it `body` for
    /// bulletins and `notes` for signatures (§1.14).
    pub(crate) fn text_field(self) -> &'static str {
        match self {
            ModelType::TipReport => "body",
            ModelType::Signature => "notes",
            _ => "description",
        }
    }

    /// Generated fillers are numbered from here, far from the seed's 3101+.
    fn filler_base(self) -> u64 {
        let index = MODEL_TYPES.iter().position(|t| *t == self).unwrap_or(0) as u64;
        10_000 + index * 1000
    }
}

/// One model: its type and id, its fields, and what is tied to it.
#[derive(Clone)]
pub(crate) struct ThreatModel {
    pub(crate) model_type: ModelType,
    pub(crate) id: u64,
    /// The model's fields in plain form: text field included, `tags` and
    /// `aliases` as lists of names, `publication_status` whatever the type,
    /// an incident's `status` as its status object.
    pub(crate) detail: Value,
    /// Ids of the intelligence records linked to it, in the order linked.
    pub(crate) observables: Vec<u64>,
    /// The other models linked to it (links go both ways).
    pub(crate) links: Vec<(ModelType, u64)>,
    /// The TLP of each tag added with one, by lower-cased name; a tag
    /// without one reads as `white`, as the seed's do.
    pub(crate) tag_tlps: Vec<(String, String)>,
    /// Its comments, oldest first, as `POST .../comment/` answered them.
    pub(crate) comments: Vec<Value>,
}

impl ThreatModel {
    pub(crate) fn text(&self, field: &str) -> &str {
        self.detail.get(field).and_then(Value::as_str).unwrap_or_default()
    }

    pub(crate) fn tag_names(&self) -> Vec<&str> {
        names(&self.detail, "tags")
    }

    pub(crate) fn aliases(&self) -> Vec<&str> {
        names(&self.detail, "aliases")
    }

    /// `GET /api/v1/{model}/{id}/`: tag names in `tags` and tag objects
    /// with short string ids in `tags_v2`, aliases as objects,
    /// `is_cloneable` the string `"yes"`, and a threat bulletin's
    /// publication status in `status`, as ThreatFuse's example shows it.
    pub(crate) fn answer(&self) -> Value {
        let mut answer = self.detail.clone();
        let tags: Vec<Value> = self
            .tag_names()
            .iter()
            .map(|name| json!({"id": tag_id(name), "name": name, "tlp": self.tag_tlp(name)}))
            .collect();
        answer["tags_v2"] = Value::Array(tags);
        answer["aliases"] = self.alias_objects();
        answer["is_cloneable"] = json!("yes");
        if self.model_type == ModelType::TipReport {
            if let Some(object) = answer.as_object_mut() {
                let status = object.remove("publication_status").unwrap_or(Value::Null);
                object.insert("status".into(), status);
            }
        }
        answer
    }

    /// What a type's lists and the association look-up answer: `answer`
    /// without the long text.
    pub(crate) fn summary(&self) -> Value {
        let mut summary = self.answer();
        if let Some(object) = summary.as_object_mut() {
            object.remove(self.model_type.text_field());
        }
        summary
    }

    /// The TLP of tag `name`.
    pub(crate) fn tag_tlp(&self, name: &str) -> &str {
        let name = name.to_lowercase();
        self.tag_tlps
            .iter()
            .find(|(tagged, _)| *tagged == name)
            .map_or("white", |(_, tlp)| tlp.as_str())
    }

    fn alias_objects(&self) -> Value {
        let kind = self.model_type.as_str();
        let objects = self.aliases().into_iter().zip(1_u64..).map(|(name, n)| {
            let id = self.id * 10 + n;
            json!({"id": id, "name": name, "resource_uri": format!("/api/v1/{kind}alias/{id}/")})
        });
        Value::Array(objects.collect())
    }
}

fn names<'a>(detail: &'a Value, field: &str) -> Vec<&'a str> {
    let list = detail.get(field).and_then(Value::as_array);
    list.into_iter().flatten().filter_map(Value::as_str).collect()
}

pub(crate) struct Catalogue {
    pub(crate) models: Vec<ThreatModel>,
}

impl Catalogue {
    pub(crate) fn get() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(build)
    }
}

#[derive(Deserialize)]
struct SeedFile {
    observables: Vec<Value>,
    models: Vec<Map<String, Value>>,
}

fn build() -> Catalogue {
    // Compiled in and parsed by a unit test, so this cannot fail in a build
    // whose tests passed.
    let seed: SeedFile = serde_json::from_str(SEED).expect("context/threat_models.json is valid");
    let observables: Map<String, Value> = seed
        .observables
        .into_iter()
        .map(|record| (lower_value(&record), record))
        .collect();
    let mut models: Vec<ThreatModel> = seed
        .models
        .into_iter()
        .filter_map(|fields| seeded_model(fields, &observables))
        .collect();
    for model_type in MODEL_TYPES {
        models.extend((0..FILLERS_PER_TYPE).map(|n| filler(model_type, n)));
    }
    Catalogue { models }
}

fn lower_value(record: &Value) -> String {
    record["value"].as_str().unwrap_or_default().to_lowercase()
}

/// A model of the seed file, its observables' values turned into the ids of
/// their records (the seed's copies keep the ids).
fn seeded_model(mut fields: Map<String, Value>, records: &Map<String, Value>) -> Option<ThreatModel> {
    let model_type = ModelType::parse(fields.remove("model_type")?.as_str()?)?;
    let id = fields.get("id")?.as_u64()?;
    let observables = fields
        .remove("observables")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|value| records.get(&value.to_lowercase())?["id"].as_u64())
        .collect();
    fields.entry("tags").or_insert_with(|| json!([]));
    fields.insert("resource_uri".into(), json!(resource_uri(model_type, id)));
    let mut detail = Value::Object(fields);
    if model_type == ModelType::Incident && detail.get("status").is_none() {
        detail["status"] = incident_status(2).unwrap_or(Value::Null);
    }
    Some(plain(model_type, id, detail, observables))
}

/// A model with nothing but its fields and observables.
pub(crate) fn plain(model_type: ModelType, id: u64, detail: Value, observables: Vec<u64>) -> ThreatModel {
    ThreatModel {
        model_type,
        id,
        detail,
        observables,
        links: Vec::new(),
        tag_tlps: Vec::new(),
        comments: Vec::new(),
    }
}

/// The incident status types (`GET /api/v1/incidentstatustype/`): 1 `New`
/// and 2 `Open` as Splunk SOAR's examples show them; `Closed` is ours.
pub(crate) const INCIDENT_STATUSES: [(u64, &str); 3] = [(1, "New"), (2, "Open"), (3, "Closed")];

/// An incident's `status` object for status type `id`, as Splunk SOAR's
/// `get incident` example shows it.
pub(crate) fn incident_status(id: u64) -> Option<Value> {
    let (id, name) = INCIDENT_STATUSES.into_iter().find(|(known, _)| *known == id)?;
    Some(json!({"id": id, "display_name": name, "resource_uri": format!("/api/v1/incidentstatustype/{id}/")}))
}

/// A short stable id per tag name, like ThreatStream's (`"gvp"`, `"4w0"`).
pub(crate) fn tag_id(name: &str) -> String {
    let hash = name
        .bytes()
        .fold(7_u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("t{:04x}", hash & 0xffff)
}

pub(crate) fn resource_uri(model_type: ModelType, id: u64) -> String {
    format!("/api/v1/{}/{id}/", model_type.as_str())
}

const ADJECTIVES: [&str; 6] = ["Amber", "Hollow", "Quiet", "Rusty", "Silver", "Velvet"];
const NOUNS: [&str; 6] = ["Badger", "Comet", "Lantern", "Orchid", "Tundra", "Wren"];
const STATUSES: [&str; 5] = ["published", "published", "reviewed", "new", "pending_review"];
const FILLER_TAGS: [&str; 4] = ["crimeware", "espionage", "phishing", "ransomware"];

/// A model no observable ties to, there to be searched and paged through.
fn filler(model_type: ModelType, n: u64) -> ThreatModel {
    let id = model_type.filler_base() + n;
    let index = usize::try_from(n).unwrap_or(0);
    let type_index = MODEL_TYPES.iter().position(|t| *t == model_type).unwrap_or(0);
    let name = format!(
        "{} {} {}",
        ADJECTIVES[(index + type_index) % ADJECTIVES.len()],
        NOUNS[index % NOUNS.len()],
        model_type.as_str()
    );
    let status = STATUSES[(index + type_index) % STATUSES.len()];
    // Spread over 2023 and 2024 so date filters cut the list in two.
    let month = 1 + (index * 2 + type_index) % 12;
    let year = 2023 + (index + type_index) % 2;
    let modified = format!(
        "{year}-{month:02}-{:02}T10:{:02}:00.000000",
        1 + index * 4,
        type_index * 5
    );
    let mut detail = json!({
        "id": id,
        "name": name,
        "publication_status": status,
        "is_public": n % 2 == 0,
        "tlp": if n % 2 == 0 { "white" } else { "amber" },
        "created_ts": format!("2022-12-{:02}T09:00:00.000000", 1 + index),
        "modified_ts": modified,
        "feed_id": 0,
        "tags": [FILLER_TAGS[(index + type_index) % FILLER_TAGS.len()]],
        "resource_uri": resource_uri(model_type, id),
    });
    if status == "published" {
        detail["published_ts"] = json!(format!("2023-01-{:02}T08:00:00", 1 + index));
    }
    let text = format!(
        "<p>Generated {} {id} for search and paging tests.</p>",
        model_type.as_str()
    );
    detail[model_type.text_field()] = json!(text);
    if model_type == ModelType::Incident {
        detail["status"] = incident_status(1 + n % 2).unwrap_or(Value::Null);
    }
    plain(model_type, id, detail, Vec::new())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_catalogue_has_every_type_and_unique_ids_per_type() {
        let catalogue = Catalogue::get();
        assert!(catalogue.models.len() >= 60, "{}", catalogue.models.len());
        let keys: HashSet<(&str, u64)> = catalogue.models.iter().map(|m| (m.model_type.as_str(), m.id)).collect();
        assert_eq!(keys.len(), catalogue.models.len());
        for model_type in MODEL_TYPES {
            assert!(catalogue
                .models
                .iter()
                .any(|m| m.model_type == model_type && !m.observables.is_empty()));
        }
    }

    #[test]
    fn every_model_has_its_text_field_and_tags() {
        for model in &Catalogue::get().models {
            let field = model.model_type.text_field();
            assert!(
                !model.text(field).is_empty(),
                "{} {} lacks {field}",
                model.model_type.as_str(),
                model.id
            );
            assert!(!model.tag_names().is_empty());
            assert!(model.summary().get(field).is_none());
            let answer = model.answer();
            assert_eq!(
                answer["tags"].as_array().map(Vec::len),
                answer["tags_v2"].as_array().map(Vec::len)
            );
            assert!(answer["tags_v2"][0]["id"].is_string() && answer["is_cloneable"] == "yes");
            let bulletin = model.model_type == ModelType::TipReport;
            assert_eq!(answer.get("publication_status").is_none(), bulletin);
        }
    }

    /// The tied observables are copies of seed records; if the seed changes,
    /// this says which copy went stale.
    #[test]
    fn tied_observables_match_the_intelligence_seed() {
        let seed: Vec<Value> = serde_json::from_str(include_str!("../../data/intelligence.json")).expect("seed parses");
        let catalogue = Catalogue::get();
        let copies: SeedFile = serde_json::from_str(SEED).expect("the seed parses");
        for copy in &copies.observables {
            let original = seed.iter().find(|r| r["id"] == copy["id"]);
            let original = original.unwrap_or_else(|| panic!("id {} not in the seed", copy["id"]));
            assert_eq!(original["value"], copy["value"]);
            assert_eq!(original["type"], copy["type"]);
        }
        let tied: usize = catalogue.models.iter().map(|model| model.observables.len()).sum();
        assert_eq!(tied, 22, "every seed model's observable has its record");
    }
}
