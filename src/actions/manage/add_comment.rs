//! Add Comment: an analyst's note on an observable, such as why it was closed.
//!
//! ThreatStream keeps comments by value, so every record of one value shows the comment: the comment is
//! posted once per distinct value selected. A second copy would be a second comment, so the post is
//! sent once and never retried.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{ids, no_value, values, ChangeOutput, TargetInputs};
use crate::actions::connection::Connection;
use crate::actions::failure::{absent, forbidden, unconfirmed, Permission, Write};
use crate::actions::import::Tlp;
use crate::actions::input::step_input;
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::{quoted, Failure};
use crate::threatstream::{self, ApiError};

/// Longer than a comment box holds; a longer text is a paste gone wrong.
const MAX_COMMENT_CHARS: usize = 65_536;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct AddCommentInput {
        ..TargetInputs,
        /// Text of the comment
        #[schemars(
            title = "Comment",
            example = "Closed as a false positive: the domain belongs to a partner (case 4711)"
        )]
        comment: String,
        /// Traffic Light Protocol marking of the comment: who may see it
        #[schemars(title = "TLP", example = Tlp::Amber, extend("default" = ""))]
        tlp: Option<Tlp>,
    }
}

fn comment_text(given: &str) -> Result<&str, Failure> {
    let comment = given.trim();
    if comment.is_empty() {
        return Err(Failure::invalid_input(
            "comment",
            "it is empty; give the text of the comment",
        ));
    }
    if comment.len() > MAX_COMMENT_CHARS * 4 || comment.chars().count() > MAX_COMMENT_CHARS {
        let problem = format!("it is longer than {MAX_COMMENT_CHARS} characters");
        return Err(Failure::invalid_input("comment", problem));
    }
    // Line breaks and tabs are a comment's own; other control characters are a paste gone wrong.
    if comment
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Failure::invalid_input(
            "comment",
            "it contains a control character other than a line break or a tab",
        ));
    }
    Ok(comment)
}

/// A comment, when a failure leaves unknown whether ThreatStream added it.
const COMMENT: Write = Write {
    what: "the comment",
    check: "Get Comments shows whether it was added",
    twice: Some("add the comment twice"),
};

fn comment_failure(error: ApiError, value: &str) -> Failure {
    unconfirmed(error, &COMMENT, |error| {
        absent(error, no_value(value))
            .unwrap_or_else(|error| forbidden(error, &[Permission::Comment], "commenting on an observable"))
    })
}

/// A failure after some values were already commented says which, so that running the step again,
/// which would comment them twice, is a choice made knowingly.
fn commented_before(failure: Failure, done: &[String]) -> Failure {
    if done.is_empty() {
        return failure;
    }
    let cause = format!(
        "{} The comment was already added to {}; it was not added to the rest.",
        failure.cause,
        done.iter().map(|value| quoted(value)).collect::<Vec<_>>().join(", ")
    );
    failure.with_cause(cause)
}

pub(crate) struct AddComment;

impl TypedStep for AddComment {
    const ID: &'static str = "add_comment";
    const TITLE: &'static str = "Add Comment";
    const DESCRIPTION: &'static str = "Add a comment to an observable in Anomali ThreatStream";
    type Input = AddCommentInput;
    type Output = ChangeOutput;
}

impl TypedAction for AddComment {
    async fn run(connection: &Connection, input: AddCommentInput) -> Result<ChangeOutput, Failure> {
        let selector = TargetInputs::from(&input).selector()?;
        let comment = comment_text(&input.comment)?;
        let tlp = chosen(input.tlp);
        let targets = selector.targets(connection).await?;
        let values = values(&targets);
        for (done, value) in values.iter().enumerate() {
            threatstream::add_comment(&connection.client, value, comment, tlp.as_deref())
                .await
                .map_err(|error| commented_before(comment_failure(error, value), &values[..done]))?;
        }
        Ok(ChangeOutput::changed(ids(&targets)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_has_text() {
        assert_eq!(comment_text("  closed  ").unwrap(), "closed");
        assert!(comment_text(" \n ")
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'comment'"));
        assert!(comment_text(&"x".repeat(MAX_COMMENT_CHARS + 1)).is_err());
        assert_eq!(comment_text("line one\nline two").unwrap(), "line one\nline two");
        assert!(comment_text("bell\u{7}")
            .unwrap_err()
            .cause
            .contains("control character"));
    }

    #[test]
    fn a_failure_after_the_first_value_names_the_values_already_commented() {
        let failure = || Failure::caller("ThreatStream refused.", "Try again.");
        assert_eq!(commented_before(failure(), &[]).cause, "ThreatStream refused.");
        let done = ["2001:db8::1".to_owned(), "2001:DB8:0::1".to_owned()];
        assert_eq!(
            commented_before(failure(), &done).cause,
            "ThreatStream refused. The comment was already added to '2001:db8::1', '2001:DB8:0::1'; it was not \
             added to the rest."
        );
    }
}
