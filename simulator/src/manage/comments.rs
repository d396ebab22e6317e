//! Comments on observables: `GET/POST /api/v2/intelligence/comments/?value=`.
//!
//! ThreatStream keys comments by observable value, not record id (Polarity's
//! overlay is the public client that shows the shape): a GET answers
//! `{"comments": [...]}`, a POST of `{comment, tlp}` answers 201 with
//! `{"message": ..., "success": true}`. Values compare case-insensitively,
//! like the rest of search.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::http::answer::{json_body, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::import::session::USER_ID;
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

#[derive(Default)]
pub(crate) struct CommentBook {
    /// By lower-cased value, oldest first.
    by_value: HashMap<String, Vec<Value>>,
    next_id: u64,
}

impl CommentBook {
    fn add(&mut self, value: &str, comment: &str, tlp: Option<&str>, username: &str) -> Value {
        self.next_id += 1;
        let now = timestamp::format_ms(timestamp::now_ms());
        let stored = json!({
            "id": self.next_id,
            "value": value,
            "comment": comment,
            "tlp": tlp,
            "created_ts": now,
            "modified_ts": now,
            "user": {"id": USER_ID, "email": username},
        });
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
        assert_eq!(comments[0]["id"], 1);
        assert!(book.of("other.example").is_empty());
    }
}
