//! `GET /api/v1/threat_model_search/`: one search over every model type.
//!
//! Parameters are Cortex XSOAR's (threatstream-api-and-peers.md §1.14):
//! `model_type` (comma list), `name`, `value` (a keyword looked for in name,
//! aliases, text and tags), `alias`, `tags` (comma list, any of them),
//! `publication_status` (comma list), `is_public`, `feed_id`, plus the
//! Tastypie date filters `modified_ts__gte`/`__gt`/`__lte`/`__lt` (and the
//! same on `created_ts`), `order_by` and paging. The reference does not say
//! how `name` matches; here it is a case-insensitive substring, as the
//! ThreatStream UI's search box behaves. An unknown `model_type` is a 400 so
//! a plugin typo fails loudly; other unknown parameters are ignored, as
//! Tastypie ignores them.
//!
//! The answer has the shape of XSOAR's `search_threat_model_response` and
//! Splunk SOAR's `list threat models` data paths, which differ from a model's
//! own routes: `objects` before `meta`, whose `took` replaces `previous`;
//! tags as objects `{"id", "name", "tlp", "org_id"}` with string ids;
//! aliases as names; `organization` `{"id", "title"}` and `owner_user`;
//! a `sort` key; timestamps with a `+00:00` offset; and `publication_status`
//! for every type, threat bulletins included.

use std::cmp::Ordering;

use serde_json::{json, Value};

use crate::context::model_book::{ORGANIZATION_ID, OWNER_ID};
use crate::context::threat_models::{tag_id, ModelType, ThreatModel, MODEL_TYPES};
use crate::http::answer::{Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "threat_model_search"]) => to(|c| search(c.state, c.request)),
        _ => None,
    }
}

pub(crate) fn search(state: &State, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let criteria = Criteria::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let book = state.models();
    let found = criteria.chosen(book.models().iter());
    let total = found.len();
    let mut meta = paging::meta(&request.path, &pairs, paging, total, false);
    if let Some(meta) = meta.as_object_mut() {
        meta.remove("previous");
    }
    let objects: Vec<Value> = found
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(|model| search_object(model))
        .collect();
    Ok(response::json(200, &json!({"objects": objects, "meta": meta})))
}

/// A model as the search answers it; results name their type, since one
/// page mixes them.
fn search_object(model: &ThreatModel) -> Value {
    let mut object = model.detail.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove(model.model_type.text_field());
        for field in ["created_ts", "modified_ts", "published_ts"] {
            if let Some(Value::String(stamp)) = fields.get_mut(field) {
                stamp.push_str("+00:00");
            }
        }
    }
    let tags: Vec<Value> = model
        .tag_names()
        .iter()
        .map(|name| json!({"id": tag_id(name), "name": name, "tlp": model.tag_tlp(name), "org_id": ORGANIZATION_ID}))
        .collect();
    let kind = model.model_type.as_str();
    object["tags"] = Value::Array(tags);
    object["aliases"] = json!(model.aliases());
    object["model_type"] = json!(kind);
    object["sort"] = json!([model.id, format!("{kind}-{}", model.id)]);
    object["organization"] = json!({"id": ORGANIZATION_ID, "title": "Simulated Analysts"});
    object["owner_user"] = json!({"id": OWNER_ID, "name": "", "email": crate::USERNAME});
    object
}

/// What a search or a type's list asks for: the filters and the order.
#[derive(Default)]
pub(crate) struct Criteria {
    types: Vec<ModelType>,
    name: Option<String>,
    keyword: Option<String>,
    alias: Option<String>,
    tags: Vec<String>,
    statuses: Vec<String>,
    is_public: Option<bool>,
    feed_id: Option<u64>,
    dates: Vec<DateBound>,
    order: Order,
}

impl Criteria {
    pub(crate) fn from_query(pairs: &[(String, String)]) -> Result<Criteria, String> {
        let mut criteria = Criteria::default();
        for (key, value) in pairs {
            criteria.read(key, value)?;
        }
        Ok(criteria)
    }

    fn read(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "model_type" => self.types = model_types(value)?,
            "name" => self.name = Some(value.to_lowercase()),
            "value" => self.keyword = Some(value.to_lowercase()),
            "alias" => self.alias = Some(value.to_lowercase()),
            "tags" => self.tags = comma_list(value),
            "publication_status" => self.statuses = comma_list(value),
            "is_public" => self.is_public = Some(boolean(key, value)?),
            "feed_id" => self.feed_id = Some(value.parse().map_err(|_| format!("Invalid feed_id: '{value}'."))?),
            "order_by" => self.order = Order::parse(value)?,
            _ => {
                if let Some(bound) = DateBound::parse(key, value) {
                    self.dates.push(bound);
                }
            }
        }
        Ok(())
    }

    /// The models accepted, in the order asked for.
    pub(crate) fn chosen<'a>(&self, models: impl Iterator<Item = &'a ThreatModel>) -> Vec<&'a ThreatModel> {
        let mut found: Vec<&ThreatModel> = models.filter(|model| self.accepts(model)).collect();
        found.sort_by(|a, b| self.order.compare(a, b));
        found
    }

    fn accepts(&self, model: &ThreatModel) -> bool {
        let text = |field: &str| {
            model
                .detail
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase()
        };
        let aliases = aliases(model);
        let tags = tag_names(model);
        (self.types.is_empty() || self.types.contains(&model.model_type))
            && self
                .name
                .as_ref()
                .is_none_or(|name| text("name").contains(name.as_str()))
            && self
                .alias
                .as_ref()
                .is_none_or(|alias| aliases.iter().any(|a| a.contains(alias.as_str())))
            && self.keyword.as_ref().is_none_or(|word| {
                let haystacks = [text("name"), text(model.model_type.text_field())];
                haystacks
                    .iter()
                    .chain(&aliases)
                    .chain(&tags)
                    .any(|h| h.contains(word.as_str()))
            })
            && (self.tags.is_empty() || self.tags.iter().any(|t| tags.contains(t)))
            && (self.statuses.is_empty() || self.statuses.contains(&text("publication_status")))
            && self.is_public.is_none_or(|public| model.detail["is_public"] == public)
            && self.feed_id.is_none_or(|feed| model.detail["feed_id"] == feed)
            && self.dates.iter().all(|bound| bound.accepts(model))
    }
}

fn model_types(value: &str) -> Result<Vec<ModelType>, String> {
    comma_list(value)
        .iter()
        .map(|name| {
            ModelType::parse(name).ok_or_else(|| {
                let known: Vec<&str> = MODEL_TYPES.iter().map(|t| t.as_str()).collect();
                format!("Invalid model_type '{name}'. Valid types: {}.", known.join(", "))
            })
        })
        .collect()
}

fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|item| item.trim().to_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value.to_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("Invalid value for '{key}': '{value}'.")),
    }
}

fn aliases(model: &ThreatModel) -> Vec<String> {
    model.aliases().into_iter().map(str::to_lowercase).collect()
}

fn tag_names(model: &ThreatModel) -> Vec<String> {
    model.tag_names().into_iter().map(str::to_lowercase).collect()
}

/// `modified_ts__gte=2024-01-01` and its kin. Timestamps compare as text,
/// which orders ISO 8601 correctly once a trailing `Z` is dropped.
struct DateBound {
    field: &'static str,
    operator: Ordering,
    inclusive: bool,
    limit: String,
}

impl DateBound {
    fn parse(key: &str, value: &str) -> Option<DateBound> {
        let (field, operator) = key.split_once("__")?;
        let field = ["modified_ts", "created_ts"].into_iter().find(|f| *f == field)?;
        let (operator, inclusive) = match operator {
            "gte" => (Ordering::Greater, true),
            "gt" => (Ordering::Greater, false),
            "lte" => (Ordering::Less, true),
            "lt" => (Ordering::Less, false),
            _ => return None,
        };
        let limit = value.trim_end_matches('Z').to_owned();
        Some(DateBound {
            field,
            operator,
            inclusive,
            limit,
        })
    }

    fn accepts(&self, model: &ThreatModel) -> bool {
        let stamp = model.text(self.field).trim_end_matches('Z');
        let ordering = stamp.cmp(self.limit.as_str());
        ordering == self.operator || (self.inclusive && ordering == Ordering::Equal)
    }
}

/// Ties fall back to the id so pages never overlap.
struct Order {
    field: OrderField,
    descending: bool,
}

/// Newest change first unless told otherwise.
impl Default for Order {
    fn default() -> Self {
        Order {
            field: OrderField::Modified,
            descending: true,
        }
    }
}

enum OrderField {
    Modified,
    Created,
    Id,
    Name,
}

impl Order {
    fn parse(value: &str) -> Result<Order, String> {
        let (descending, field) = match value.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, value),
        };
        let field = match field {
            "modified_ts" => OrderField::Modified,
            "created_ts" => OrderField::Created,
            "id" => OrderField::Id,
            "name" => OrderField::Name,
            _ => return Err(format!("Cannot order by '{value}'.")),
        };
        Ok(Order { field, descending })
    }

    fn compare(&self, a: &ThreatModel, b: &ThreatModel) -> Ordering {
        let by_field = match self.field {
            OrderField::Modified => a.text("modified_ts").cmp(b.text("modified_ts")),
            OrderField::Created => a.text("created_ts").cmp(b.text("created_ts")),
            OrderField::Id => a.id.cmp(&b.id),
            OrderField::Name => a.text("name").cmp(b.text("name")),
        };
        let ordering = by_field.then(a.id.cmp(&b.id));
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}
