//! Comments on observables: `GET/POST /api/v2/intelligence/comments/?value=`.
//!
//! ThreatStream keys comments by observable value, not record id (Polarity's
//! overlay is the public client that shows the shape): a GET answers
//! `{"comments": [...]}`, each comment as Polarity's template reads it
//! (`comment`, `tlp`, `date`, `user.email`, `user.organization.name`), and a
//! POST of `{comment, tlp}` answers 201 with `{"message": "Comment
//! successfully added", "success": true}` (Polarity's code and XSOAR's
//! comment command). Values compare case-insensitively, like the rest of
//! search.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::http::answer::{json_body, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v2", "intelligence", "comments"]) => to(|c| list(c.state, c.request)),
        ("POST", ["api", "v2", "intelligence", "comments"]) => to(|c| add(c.state, c.request)),
        _ => None,
    }
}

/// The organization the simulated account belongs to, as a comment names it.
const ORGANIZATION: &str = "Example Security";

#[derive(Default)]
pub(crate) struct CommentBook {
    /// By lower-cased value, oldest first.
    by_value: HashMap<String, Vec<Value>>,
}

impl CommentBook {
    /// A TLP the comment was not given is left out, not sent as null.
    fn add(&mut self, value: &str, comment: &str, tlp: Option<&str>, username: &str) -> Value {
        let mut stored = json!({
            "comment": comment,
            "date": timestamp::format_ms(timestamp::now_ms()),
            "user": {"email": username, "organization": {"name": ORGANIZATION}},
        });
        if let Some(tlp) = tlp {
            stored["tlp"] = json!(tlp);
        }
        self.by_value
            .entry(value.to_lowercase())
            .or_default()
            .push(stored.clone());
        stored
    }

    fn of(&self, value: &str) -> Vec<Value> {
        self.by_value.get(&value.to_lowercase()).cloned().unwrap_or_default()
    }
}

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    let value = required_value(request)?;
    let comments = state.comments().of(&value);
    Ok(response::json(200, &json!({ "comments": comments })))
}

pub(crate) fn add(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::Comment)?;
    let value = required_value(request)?;
    let body = json_body(request)?;
    let Some(comment) = body["comment"].as_str().filter(|text| !text.trim().is_empty()) else {
        return Err(Refused::new(400, "The 'comment' field is required."));
    };
    if !observable_exists(state, &value) {
        return Err(Refused::new(404, &format!("No observable with value '{value}'.")));
    }
    let tlp = body["tlp"].as_str();
    state.comments().add(&value, comment, tlp, &state.account.username);
    let answer = json!({"message": "Comment successfully added", "success": true});
    Ok(response::json(201, &answer))
}

fn required_value(request: &RecordedRequest) -> Result<String, Refused> {
    request
        .query_value("value")
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| Refused::new(400, "The 'value' parameter is required."))
}

fn observable_exists(state: &State, value: &str) -> bool {
    let wanted = value.to_lowercase();
    state.records().keys().iter().any(|key| key.value == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_kept_per_value_in_order_ignoring_case() {
        let mut book = CommentBook::default();
        book.add("Evil.Example", "first", Some("red"), "a@example.com");
        book.add("evil.example", "second", None, "a@example.com");
        let comments = book.of("EVIL.example");
        let texts: Vec<&str> = comments.iter().filter_map(|c| c["comment"].as_str()).collect();
        assert_eq!(texts, ["first", "second"]);
        assert_eq!(comments[0]["tlp"], "red");
        assert!(comments[1].get("tlp").is_none(), "no TLP given, none shown");
        assert_eq!(comments[0]["user"]["organization"]["name"], ORGANIZATION);
        assert!(book.of("other.example").is_empty());
    }
}
