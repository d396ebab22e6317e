//! Add Threat Model Comment: an analyst's note on a model, such as how an incident was closed.
//!
//! `POST /api/v1/{model}/{id}/comment/` with Splunk SOAR's body, `{"title", "body"}`, and a TLP when
//! given. A second copy would be a second comment, so it is sent once: a failure that may have come
//! after ThreatStream added it says so, and that Get Threat Model (with its comments) shows whether it
//! did. ThreatStream answers with the comment, which the output shows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::comment::{example_comment, CommentSummary};
use super::limits::{text, MAX_COMMENT_CHARS, MAX_MODEL_NAME_CHARS};
use super::{model_failure, sent_once, MODEL_ID};
use crate::actions::connection::Connection;
use crate::actions::failure::Permission;
use crate::actions::import::Tlp;
use crate::actions::input::{given, line, NumberId};
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::model_writes::{comment_model, ModelComment, ModelRef};
use crate::threatstream::ModelType;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddThreatModelCommentInput {
    /// Type of the model: `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport` (a threat bulletin), `ttp` or `vulnerability`
    #[schemars(title = "Model Type", example = ModelType::Incident)]
    model_type: ModelType,
    /// ThreatStream ID of the model, as a number or as text
    #[schemars(title = "ID", example = 20001)]
    id: NumberId,
    /// Text of the comment
    #[schemars(title = "Comment", example = "Contained on 2026-09-14; both mailboxes reset.")]
    comment: String,
    /// Title of the comment; none when empty
    #[schemars(title = "Title", example = &"Closed")]
    title: Option<String>,
    /// Traffic Light Protocol marking of the comment: who may see it; ThreatStream's default when not set
    #[schemars(title = "TLP", example = Tlp::Amber, extend("default" = ""))]
    tlp: Option<Tlp>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AddThreatModelCommentOutput {
    /// The comment as ThreatStream keeps it
    #[schemars(title = "Comment", example = example_comment())]
    comment: CommentSummary,
}

impl AddThreatModelCommentInput {
    fn checked(&self) -> Result<(u64, ModelComment), Failure> {
        let id = self.id.read("id", MODEL_ID)?;
        let body = text(Some(&self.comment), "comment", MAX_COMMENT_CHARS)?
            .ok_or_else(|| Failure::invalid_input("comment", "it is empty; give the text of the comment"))?;
        let title = given(self.title.as_deref()).map(str::trim);
        if let Some(title) = title {
            line(title, "title", "the title", MAX_MODEL_NAME_CHARS)?;
        }
        let comment = ModelComment {
            title: title.map(str::to_owned),
            body: body.to_owned(),
            tlp: chosen(self.tlp),
        };
        Ok((id, comment))
    }
}

pub(crate) struct AddThreatModelComment;

impl TypedStep for AddThreatModelComment {
    const ID: &'static str = "add_threat_model_comment";
    const TITLE: &'static str = "Add Threat Model Comment";
    const DESCRIPTION: &'static str = "Add a comment to a threat model in Anomali ThreatStream";
    type Input = AddThreatModelCommentInput;
    type Output = AddThreatModelCommentOutput;
}

impl TypedAction for AddThreatModelComment {
    async fn run(
        connection: &Connection,
        input: AddThreatModelCommentInput,
    ) -> Result<AddThreatModelCommentOutput, Failure> {
        let (id, comment) = input.checked()?;
        let model_type = input.model_type;
        let model = ModelRef {
            model_type,
            id,
            in_cloud: false,
        };
        let answer = comment_model(&connection.client, model, &comment)
            .await
            .map_err(|error| {
                let check = "Get Threat Model with Include Comments shows whether it was added";
                sent_once(error, "the comment", check, "add the comment twice", |error| {
                    model_failure(
                        error,
                        model_type,
                        id,
                        Permission::ThreatModels,
                        "commenting on a threat model",
                    )
                })
            })?;
        Ok(AddThreatModelCommentOutput {
            comment: CommentSummary::of(&answer),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_comment_needs_text_and_a_title_stays_on_one_line() {
        let input = |value: serde_json::Value| -> AddThreatModelCommentInput { serde_json::from_value(value).unwrap() };
        let (id, comment) =
            input(json!({"model_type": "actor", "id": "3101", "comment": " Closed. ", "title": "", "tlp": ""}))
                .checked()
                .expect("a comment");
        assert_eq!(
            (id, comment.body.as_str(), comment.title, comment.tlp),
            (3101, "Closed.", None, None)
        );
        assert!(input(json!({"model_type": "actor", "id": 3101, "comment": " "}))
            .checked()
            .is_err());
        assert!(
            input(json!({"model_type": "actor", "id": 3101, "comment": "x", "title": "a\nb"}))
                .checked()
                .is_err()
        );
    }
}
