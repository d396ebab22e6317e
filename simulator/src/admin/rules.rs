//! Rules (keyword alerts): `/api/v1/rule/`, as XSOAR's v3 integration,
//! Splunk SOAR's connector and CrowdStrike's OpenAPI description show it.
//!
//! - `GET /api/v1/rule/` (`limit`, `offset`, `order_by=-created_ts` for
//!   newest first, `created_ts`, `id`, `-id`; id order otherwise): list
//!   objects, without the association arrays but with `has_associations`.
//! - `GET /api/v1/rule/<id>/`: the detail object, association arrays too.
//! - `POST /api/v1/rule/`: 201 with the detail object. `name` and
//!   `keywords` (strings of at least three characters, CrowdStrike's
//!   `minLength: 3`) are required; `keyword` is the keywords joined, as
//!   every answer carries it.
//! - `PATCH /api/v1/rule/<id>/`: 200 with the detail object; a list given
//!   replaces the rule's (XSOAR: "will overwrite any existing values").
//! - `DELETE /api/v1/rule/<id>/`: 204; needs Org Admin (Splunk SOAR's
//!   manual). Unknown ids are 404.
//!
//! A body whose fields have the wrong JSON type is a 400. Like the API
//! (Splunk SOAR's note), a rule that matches nothing is accepted.

use serde_json::{json, Map, Value};

use crate::admin::v1_time;
use crate::http::answer::{json_body, number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::import::session::{organization, user};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "rule"]) => to(|c| list(c.state, c.request)),
        ("POST", ["api", "v1", "rule"]) => to(|c| create(c.state, c.request)),
        ("GET", ["api", "v1", "rule", id]) => with(number(id)?, |c, id| get(c.state, id)),
        ("PATCH", ["api", "v1", "rule", id]) => with(number(id)?, |c, id| update(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "rule", id]) => with(number(id)?, |c, id| delete(c.state, id)),
        _ => None,
    }
}

/// XSOAR's README creates rule 14093: the simulator's ids start there.
const FIRST_ID: u64 = 14093;

/// The rule's booleans a body may set, all false on a new rule.
const FLAGS: [&str; 9] = [
    "match_observables",
    "match_reportedfiles",
    "match_signatures",
    "match_tips",
    "match_vulnerabilities",
    "exclude_notify_org_whitelisted",
    "exclude_notify_owner_org",
    "create_investigation",
    "is_enabled",
];

/// Lists of itypes a body may set.
const ITYPE_LISTS: [&str; 2] = ["match_impacts", "exclude_impacts"];

/// The association arrays of a detail object (XSOAR's `update_rule_response`).
const ASSOCIATIONS: [&str; 15] = [
    "actors",
    "attackpatterns",
    "campaigns",
    "courseofaction",
    "customtms",
    "identities",
    "incidents",
    "infrastructure",
    "intrusionsets",
    "malware",
    "signatures",
    "tips",
    "tools",
    "ttps",
    "vulnerabilities",
];

/// Rules in the order they were made; each a detail object.
pub(crate) struct RuleBook {
    next_id: u64,
    rules: Vec<Value>,
}

impl Default for RuleBook {
    fn default() -> Self {
        RuleBook {
            next_id: FIRST_ID,
            rules: Vec::new(),
        }
    }
}

impl RuleBook {
    fn position(&self, id: u64) -> Option<usize> {
        self.rules.iter().position(|rule| rule["id"] == id)
    }

    /// Every rule, for tests that check what a step left behind.
    pub(crate) fn all(&self) -> Vec<Value> {
        self.rules.clone()
    }
}

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    let mut rules: Vec<Value> = state.admin.rules().rules.iter().map(list_object).collect();
    match request.query_value("order_by").as_deref() {
        None | Some("id" | "created_ts") => {}
        Some("-created_ts" | "-id") => rules.reverse(),
        Some(other) => return Err(Refused::bad(&format!("Invalid order_by '{other}'."))),
    }
    Ok(paging::page(rules, paging, &request.path, &pairs))
}

pub(crate) fn get(state: &State, id: u64) -> Answer {
    let rules = state.admin.rules();
    let index = rules.position(id).ok_or_else(|| no_rule(id))?;
    Ok(response::json(200, &rules.rules[index]))
}

pub(crate) fn create(state: &State, request: &RecordedRequest) -> Answer {
    let body = object_body(request)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.trim().is_empty() {
        return Err(Refused::bad("name: This field is required."));
    }
    if !body.contains_key("keywords") {
        return Err(Refused::bad("keywords: This field is required."));
    }
    let now = v1_time(timestamp::now_ms());
    let mut rules = state.admin.rules();
    let id = rules.next_id;
    let mut rule = new_rule(id, &state.account.username, &now);
    apply(&mut rule, &body)?;
    rules.next_id += 1;
    rules.rules.push(rule.clone());
    Ok(response::json(201, &rule))
}

pub(crate) fn update(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    let body = object_body(request)?;
    let mut rules = state.admin.rules();
    let index = rules.position(id).ok_or_else(|| no_rule(id))?;
    let mut rule = rules.rules[index].clone();
    apply(&mut rule, &body)?;
    rule["modified_ts"] = json!(v1_time(timestamp::now_ms()));
    rules.rules[index] = rule.clone();
    Ok(response::json(200, &rule))
}

pub(crate) fn delete(state: &State, id: u64) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    let mut rules = state.admin.rules();
    let index = rules.position(id).ok_or_else(|| no_rule(id))?;
    rules.rules.remove(index);
    Ok(response::no_content())
}

fn no_rule(id: u64) -> Refused {
    Refused::new(404, &format!("No rule with id {id}."))
}

fn object_body(request: &RecordedRequest) -> Result<Map<String, Value>, Refused> {
    match json_body(request)? {
        Value::Object(body) => Ok(body),
        _ => Err(Refused::bad("The body must be a JSON object.")),
    }
}

/// A new rule as XSOAR's README shows one: every flag false but `is_enabled`
/// and `notify_me`, no keywords yet.
fn new_rule(id: u64, email: &str, now: &str) -> Value {
    let mut rule = json!({
        "id": id, "name": "", "keyword": "", "keywords": [], "adv_keyword": null, "description": null,
        "backfill": [], "investigation": null, "investigation_config": null,
        "match_impacts": [], "exclude_impacts": [], "matches": 0, "messages": [],
        "notify_list_groups": [], "notify_me": true, "is_editable": true, "org_id": 2, "org_shared": false,
        "organization": organization(), "user": user(email), "user_id": crate::import::session::USER_ID,
        "resource_uri": format!("/api/v1/rule/{id}/"), "tags": [], "workgroups": [],
        "created_ts": now, "modified_ts": now,
    });
    for flag in FLAGS {
        rule[flag] = json!(flag == "is_enabled");
    }
    for association in ASSOCIATIONS {
        rule[association] = json!([]);
    }
    rule
}

/// Sets what `body` gives on `rule`, after checking all of it.
fn apply(rule: &mut Value, body: &Map<String, Value>) -> Result<(), Refused> {
    let mut changes = Map::new();
    for (field, value) in body {
        let checked = match field.as_str() {
            "name" => name(value)?,
            "keywords" => keywords(value)?,
            "tags" => tags(value)?,
            "investigation_config" | "investigation" | "notify_me" => value.clone(),
            field if FLAGS.contains(&field) => flag(field, value)?,
            field if ITYPE_LISTS.contains(&field) => strings(field, value)?,
            // Tastypie ignores what a resource does not know (`keyword`, association ids).
            _ => continue,
        };
        changes.insert(field.clone(), checked);
    }
    for (field, value) in changes {
        if field == "keywords" {
            rule["keyword"] = json!(joined(&value));
        }
        rule[field.as_str()] = value;
    }
    Ok(())
}

fn name(value: &Value) -> Result<Value, Refused> {
    match value.as_str() {
        Some(name) if !name.trim().is_empty() => Ok(value.clone()),
        _ => Err(Refused::bad("name: This field may not be blank.")),
    }
}

/// CrowdStrike's RuleRequest: strings of at least three characters.
fn keywords(value: &Value) -> Result<Value, Refused> {
    let list = strings("keywords", value)?;
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    if items.is_empty() {
        return Err(Refused::bad("keywords: This field is required."));
    }
    if items
        .iter()
        .any(|keyword| keyword.as_str().unwrap_or_default().chars().count() < 3)
    {
        return Err(Refused::bad("keywords: Must contain at least three characters."));
    }
    Ok(list)
}

fn joined(keywords: &Value) -> String {
    let items = keywords.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
}

/// `[{"name", "tlp"?}]`, shown with the organization's id as XSOAR's test
/// data shows rule tags.
fn tags(value: &Value) -> Result<Value, Refused> {
    let refuse = || Refused::bad("tags: A list of objects with a name is expected.");
    let items = value.as_array().ok_or_else(refuse)?;
    let tags = items
        .iter()
        .map(|tag| {
            let name = tag.get("name").and_then(Value::as_str).filter(|n| !n.trim().is_empty());
            let tlp = tag.get("tlp").and_then(Value::as_str).unwrap_or("white");
            name.map(|name| json!({"name": name, "org_id": "2", "tlp": tlp}))
                .ok_or_else(refuse)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Value::Array(tags))
}

fn flag(field: &str, value: &Value) -> Result<Value, Refused> {
    value
        .as_bool()
        .map(Value::Bool)
        .ok_or_else(|| Refused::bad(&format!("{field}: A boolean is expected.")))
}

fn strings(field: &str, value: &Value) -> Result<Value, Refused> {
    let ok = value.as_array().is_some_and(|items| items.iter().all(Value::is_string));
    if ok {
        Ok(value.clone())
    } else {
        Err(Refused::bad(&format!("{field}: A list of strings is expected.")))
    }
}

/// What the list shows of a rule: no association arrays, `has_associations`
/// and `intelligence_initiatives` instead (XSOAR's `list_rule_response`).
fn list_object(rule: &Value) -> Value {
    let mut shown = rule.clone();
    let mut associated = false;
    if let Some(fields) = shown.as_object_mut() {
        for association in ASSOCIATIONS {
            let removed = fields.remove(association);
            associated |= removed.and_then(|items| items.as_array().map(|a| !a.is_empty())) == Some(true);
        }
        fields.insert("has_associations".into(), json!(associated));
        fields.insert("intelligence_initiatives".into(), json!([]));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test bodies are objects"),
        }
    }

    #[test]
    fn a_body_is_checked_whole_before_anything_changes() {
        let mut rule = new_rule(1, "a@example.com", "2023-04-03T14:01:19.322247");
        apply(
            &mut rule,
            &body(json!({"name": "C2 watch", "keywords": ["evil-domain", "10\\.0\\.0\\.1"], "match_tips": true})),
        )
        .expect("valid");
        assert_eq!(rule["keyword"], "evil-domain, 10\\.0\\.0\\.1");
        assert_eq!(
            (&rule["match_tips"], &rule["match_observables"]),
            (&json!(true), &json!(false))
        );
        let before = rule.clone();
        for bad in [
            json!({"keywords": ["ab"]}),
            json!({"keywords": []}),
            json!({"name": "x", "match_tips": "yes"}),
            json!({"tags": [{"tlp": "red"}]}),
            json!({"match_impacts": "c2_ip"}),
        ] {
            assert!(apply(&mut rule, &body(bad.clone())).is_err(), "{bad}");
        }
        assert_eq!(rule, before);
    }

    #[test]
    fn the_list_hides_associations_behind_a_flag() {
        let mut rule = new_rule(1, "a@example.com", "t");
        rule["malware"] = json!([{"id": "2222", "name": "Malware-test"}]);
        let shown = list_object(&rule);
        assert_eq!(shown["has_associations"], true);
        assert!(shown.get("malware").is_none());
    }
}
