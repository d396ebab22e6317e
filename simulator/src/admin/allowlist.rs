//! The organization's allowlist (ThreatStream's "whitelist"):
//! `/api/v1/orgwhitelist/`, as XSOAR's v3 integration and its test data
//! show it.
//!
//! - `GET /api/v1/orgwhitelist/` (`format=json`, `showNote=true`,
//!   `order_by=-created_ts` for newest first, `limit`, `offset`): entries
//!   `{id, value, value_type, notes, created_ts, modified_ts, resource_uri}`;
//!   without `showNote=true` an entry has no `notes`. Any other `format` is a
//!   400 (XSOAR's CSV export is not simulated).
//! - `POST /api/v1/orgwhitelist/bulk/` `{"whitelist": [{"value_type",
//!   "value", "notes"?}]}`: 201 `{"message": "Created N item(s).",
//!   "success": true}` (XSOAR's test answer; CrowdStrike's description
//!   gives 201). A `value_type` outside cidr, domain, email, ip, md5, url
//!   and user-agent, or a value not of its type, is a 400 and nothing is
//!   stored; an entry already on the list is not stored twice (it is not
//!   counted).
//! - `PATCH /api/v1/orgwhitelist/<id>/` `{"notes"}`: 202 with no body,
//!   Tastypie's answer to a PATCH (XSOAR reads nothing from it).
//! - `DELETE /api/v1/orgwhitelist/<id>/`: 204.
//!
//! Every write needs Org Admin (the simulator's choice: no public client
//! names one). Unknown ids are 404.

use std::net::IpAddr;

use serde_json::{json, Value};

use crate::admin::v1_time;
use crate::http::answer::{json_body, number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "orgwhitelist"]) => to(|c| list(c.state, c.request)),
        ("POST", ["api", "v1", "orgwhitelist", "bulk"]) => to(|c| bulk(c.state, c.request)),
        ("PATCH", ["api", "v1", "orgwhitelist", id]) => with(number(id)?, |c, id| update(c.state, c.request, id)),
        ("DELETE", ["api", "v1", "orgwhitelist", id]) => with(number(id)?, |c, id| delete(c.state, id)),
        _ => None,
    }
}

/// The types of value an entry may have (XSOAR and CrowdStrike agree).
pub(crate) const VALUE_TYPES: [&str; 7] = ["cidr", "domain", "email", "ip", "md5", "url", "user-agent"];

/// XSOAR's test data lists entries 11 to 13: the simulator's ids follow.
const FIRST_ID: u64 = 14;

#[derive(Clone, Debug)]
struct Entry {
    id: u64,
    value: String,
    value_type: String,
    notes: Option<String>,
    created_ts: String,
    modified_ts: String,
}

impl Entry {
    fn json(&self, with_notes: bool) -> Value {
        let mut entry = json!({
            "id": self.id, "value": self.value, "value_type": self.value_type,
            "created_ts": self.created_ts, "modified_ts": self.modified_ts,
            "resource_uri": format!("/api/v1/orgwhitelist/{}/", self.id),
        });
        if with_notes {
            entry["notes"] = json!(self.notes);
        }
        entry
    }
}

pub(crate) struct Allowlist {
    next_id: u64,
    entries: Vec<Entry>,
}

impl Default for Allowlist {
    fn default() -> Self {
        Allowlist {
            next_id: FIRST_ID,
            entries: Vec::new(),
        }
    }
}

impl Allowlist {
    fn holds(&self, value_type: &str, value: &str) -> bool {
        self.entries
            .iter()
            .any(|entry| entry.value_type == value_type && entry.value.eq_ignore_ascii_case(value))
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.entries.iter().position(|entry| entry.id == id)
    }

    /// Every entry, with notes, oldest first.
    pub(crate) fn all(&self) -> Vec<Value> {
        self.entries.iter().map(|entry| entry.json(true)).collect()
    }

    /// Adds an entry unless it is there already; answers whether it was added.
    pub(crate) fn add(&mut self, value_type: &str, value: &str, notes: Option<&str>) -> bool {
        if self.holds(value_type, value) {
            return false;
        }
        let now = v1_time(timestamp::now_ms());
        self.entries.push(Entry {
            id: self.next_id,
            value: value.to_owned(),
            value_type: value_type.to_owned(),
            notes: notes.map(str::to_owned),
            created_ts: now.clone(),
            modified_ts: now,
        });
        self.next_id += 1;
        true
    }
}

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    if let Some(format) = request.query_value("format").filter(|format| format != "json") {
        return Err(Refused::bad(&format!(
            "Format '{format}' is not simulated; use format=json."
        )));
    }
    let with_notes = request.query_value("showNote").as_deref() == Some("true");
    let mut entries: Vec<Value> = state
        .admin
        .allowlist()
        .entries
        .iter()
        .map(|entry| entry.json(with_notes))
        .collect();
    match request.query_value("order_by").as_deref() {
        None | Some("id" | "created_ts") => {}
        Some("-created_ts" | "-id") => entries.reverse(),
        Some(other) => return Err(Refused::bad(&format!("Invalid order_by '{other}'."))),
    }
    Ok(paging::page(entries, paging, &request.path, &pairs))
}

pub(crate) fn bulk(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    let body = json_body(request)?;
    let items = body
        .get("whitelist")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| Refused::bad("'whitelist' must be a non-empty list of entries."))?;
    let mut checked = Vec::with_capacity(items.len());
    for item in items {
        checked.push(entry_of(item)?);
    }
    let mut allowlist = state.admin.allowlist();
    let created = checked
        .iter()
        .filter(|(value_type, value, notes)| allowlist.add(value_type, value, notes.as_deref()))
        .count();
    let answer = json!({"message": format!("Created {created} item(s)."), "success": true});
    Ok(response::json(201, &answer))
}

pub(crate) fn update(state: &State, request: &RecordedRequest, id: u64) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    let body = json_body(request)?;
    let notes = match body.get("notes") {
        Some(Value::String(notes)) => Some(notes.clone()),
        Some(Value::Null) => None,
        _ => return Err(Refused::bad("'notes' must be text or null.")),
    };
    let mut allowlist = state.admin.allowlist();
    let index = allowlist.position(id).ok_or_else(|| no_entry(id))?;
    let entry = &mut allowlist.entries[index];
    entry.notes = notes;
    entry.modified_ts = v1_time(timestamp::now_ms());
    Ok(response::bytes(202, response::HTML, ""))
}

pub(crate) fn delete(state: &State, id: u64) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    let mut allowlist = state.admin.allowlist();
    let index = allowlist.position(id).ok_or_else(|| no_entry(id))?;
    allowlist.entries.remove(index);
    Ok(response::no_content())
}

fn no_entry(id: u64) -> Refused {
    Refused::new(404, &format!("No whitelist entry with id {id}."))
}

/// One entry of a bulk body, checked: its type, value and notes.
fn entry_of(item: &Value) -> Result<(String, String, Option<String>), Refused> {
    let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::trim);
    let value_type = text("value_type").unwrap_or_default();
    if !VALUE_TYPES.contains(&value_type) {
        let message = format!(
            "Invalid value_type '{value_type}': use one of {}.",
            VALUE_TYPES.join(", ")
        );
        return Err(Refused::bad(&message));
    }
    let value = text("value").unwrap_or_default();
    if !valid(value_type, value) {
        return Err(Refused::bad(&format!("'{value}' is not a valid {value_type}.")));
    }
    let notes = text("notes").filter(|notes| !notes.is_empty()).map(str::to_owned);
    Ok((value_type.to_owned(), value.to_owned(), notes))
}

/// The simulator's own, looser reading of "valid for its type".
fn valid(value_type: &str, value: &str) -> bool {
    if value.is_empty() || value.chars().any(char::is_control) {
        return false;
    }
    match value_type {
        "ip" => value.parse::<IpAddr>().is_ok(),
        "cidr" => value.split_once('/').is_some_and(|(address, bits)| {
            let max = match address.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => 32,
                Ok(IpAddr::V6(_)) => 128,
                Err(_) => return false,
            };
            bits.parse::<u8>().is_ok_and(|bits| bits <= max)
        }),
        "md5" => value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        "email" => value
            .split_once('@')
            .is_some_and(|(local, host)| !local.is_empty() && host.contains('.')),
        "domain" => value.contains('.') && !value.contains(['/', '@', ' ']),
        "url" => value.contains('.') && !value.contains(' '),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_checked_by_type_and_kept_once() {
        assert!(entry_of(&json!({"value_type": "ip", "value": "1.2.4.5"})).is_ok());
        for bad in [
            json!({"value_type": "hash", "value": "x"}),
            json!({"value_type": "ip", "value": "1.2.4"}),
            json!({"value_type": "cidr", "value": "10.0.0.0/33"}),
            json!({"value_type": "md5", "value": "abc"}),
        ] {
            assert!(entry_of(&bad).is_err(), "{bad}");
        }
        let mut list = Allowlist::default();
        assert!(list.add("domain", "example.com", Some("partner")));
        assert!(!list.add("domain", "EXAMPLE.com", None), "already there");
        assert!(list.add("url", "example.com", None), "another type is another entry");
        assert_eq!(list.all()[0]["id"], FIRST_ID);
        assert_eq!(list.all()[0]["notes"], "partner");
    }
}
