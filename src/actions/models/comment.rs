//! A comment on a threat model as outputs show it: Add Threat Model Comment's answer, and the
//! comments Get Threat Model lists.
//!
//! ThreatStream answers a comment as Splunk SOAR's `create actor` example shows it: `id` (a number),
//! `title`, `body`, `tlp`, `created_ts`, `modified_ts`, and the `user` who wrote it, an object whose
//! `email` is what outputs keep. A field left out, empty or `null` is left out here too.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::threatstream::numeric_id;

/// One comment on a threat model.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "threat_model_comment", title = "threat_model_comment")]
pub(crate) struct CommentSummary {
    /// ThreatStream ID of the comment
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "ID")]
    id: Option<u64>,
    /// Title of the comment
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Title")]
    title: Option<String>,
    /// Text of the comment
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Body")]
    body: Option<String>,
    /// Traffic Light Protocol marking of the comment
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "TLP")]
    tlp: Option<String>,
    /// When the comment was written
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Created")]
    created_ts: Option<String>,
    /// E-mail address of who wrote it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "User")]
    user: Option<String>,
}

impl CommentSummary {
    pub(crate) fn of(comment: &Value) -> CommentSummary {
        let text = |field: &str| {
            comment
                .get(field)
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
                .map(str::to_owned)
        };
        CommentSummary {
            id: comment.get("id").and_then(numeric_id),
            title: text("title"),
            body: text("body"),
            tlp: text("tlp"),
            created_ts: text("created_ts"),
            user: comment
                .pointer("/user/email")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// A comment, for help.md.
pub(crate) fn example_comment() -> Value {
    json!({"id": 15, "title": "Closed", "body": "Contained on 2026-09-14; both mailboxes reset.", "tlp": "amber",
           "created_ts": "2026-09-14T09:02:11.756188", "user": "analyst@example.com"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_reads_as_splunk_shows_it() {
        let answer = json!({"id": 15, "body": "This is a comment.", "title": "comment title", "tlp": null,
            "created_ts": "2021-04-20T08:39:21.756188", "modified_ts": "2021-04-20T08:39:21.756188",
            "remote_api": false, "resource_uri": "/api/v1/actor/11930/comment/15/",
            "user": {"id": "142", "email": "user@example.com", "organization": {"id": "70"}}});
        assert_eq!(
            serde_json::to_value(CommentSummary::of(&answer)).unwrap(),
            json!({"id": 15, "title": "comment title", "body": "This is a comment.",
                   "created_ts": "2021-04-20T08:39:21.756188", "user": "user@example.com"})
        );
    }
}
