//! Report False Positive: the analyst's verdict that an observable is not a threat, sent back to
//! ThreatStream with the reason, so that its curation hears of it.
//!
//! `POST /api/v1/falsepositive/report/` with `{"intelligence": <ID>, "reason", "comment"}`, as Google
//! SecOps SOAR's ThreatFuse and Anomali ThreatStream integrations send it (their Report As False
//! Positive action, both texts mandatory; a fork of Cortex XSOAR's integration sends the same). One
//! report per observable selected, by ID or by value as the other management steps select; each is
//! read first, so an unknown ID fails before any report. A second copy would file a second report, so
//! each is sent once. Unconfirmed: the answer beyond ThreatFuse's `success`, and the permission; a
//! 403 names Edit Intel, the closest ThreatStream permission, as the simulator requires it. Changing
//! the observable's own status is Update Observable's (status `falsepos`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{ids, no_id, ChangeOutput, TargetInputs};
use crate::actions::connection::Connection;
use crate::actions::failure::{absent, forbidden, unconfirmed, Permission, Write};
use crate::actions::input::step_input;
use crate::actions::input::{line, MAX_LINE_CHARS};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, ApiError};

/// Longer than a comment box holds, as Add Comment's.
const MAX_COMMENT_CHARS: usize = 65_536;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct ReportFalsePositiveInput {
        ..TargetInputs,
        /// Why the observable is a false positive, in a line
        #[schemars(title = "Reason", example = "Internal vulnerability scanner")]
        reason: String,
        /// What else ThreatStream should know about the decision, such as the case it came from
        #[schemars(title = "Comment", example = "The address is our own scanner; see case 4711")]
        comment: String,
    }
}

impl ReportFalsePositiveInput {
    /// The reason and the comment, trimmed: both required, as the Google SecOps action asks for them.
    fn texts(&self) -> Result<(&str, &str), Failure> {
        let reason = self.reason.trim();
        if reason.is_empty() {
            return Err(Failure::invalid_input(
                "reason",
                "it is empty; say why the observable is a false positive",
            ));
        }
        line(reason, "reason", "the reason", MAX_LINE_CHARS)?;
        let comment = self.comment.trim();
        if comment.is_empty() {
            return Err(Failure::invalid_input(
                "comment",
                "it is empty; add what ThreatStream should know",
            ));
        }
        if comment.chars().count() > MAX_COMMENT_CHARS {
            let problem = format!("it is longer than {MAX_COMMENT_CHARS} characters");
            return Err(Failure::invalid_input("comment", problem));
        }
        Ok((reason, comment))
    }
}

/// A report, when a failure leaves unknown whether ThreatStream filed it.
const REPORT: Write = Write {
    what: "the false-positive report",
    check: "The observable's page in ThreatStream shows whether the report was filed",
    twice: Some("file the report twice"),
};

fn report_failure(error: ApiError, id: u64, reported: &[u64]) -> Failure {
    let failure = unconfirmed(error, &REPORT, |error| {
        absent(error, no_id(id))
            .unwrap_or_else(|error| forbidden(error, &[Permission::Edit], "reporting a false positive"))
    });
    if reported.is_empty() {
        return failure;
    }
    let done: Vec<String> = reported.iter().map(u64::to_string).collect();
    let cause = format!(
        "{} Observables {} were already reported; the rest were not.",
        failure.cause,
        done.join(", ")
    );
    failure.with_cause(cause)
}

pub(crate) struct ReportFalsePositive;

impl TypedStep for ReportFalsePositive {
    const ID: &'static str = "report_false_positive";
    const TITLE: &'static str = "Report False Positive";
    const DESCRIPTION: &'static str =
        "Report an observable to Anomali ThreatStream as a false positive, with the reason";
    type Input = ReportFalsePositiveInput;
    type Output = ChangeOutput;
}

impl TypedAction for ReportFalsePositive {
    async fn run(connection: &Connection, input: ReportFalsePositiveInput) -> Result<ChangeOutput, Failure> {
        let selector = TargetInputs::from(&input).selector()?;
        let (reason, comment) = input.texts()?;
        let targets = selector.targets(connection).await?;
        let all = ids(&targets);
        for (done, &id) in all.iter().enumerate() {
            threatstream::report_false_positive(&connection.client, id, reason, comment)
                .await
                .map_err(|error| report_failure(error, id, &all[..done]))?;
        }
        Ok(ChangeOutput::changed(all))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn texts(reason: &str, comment: &str) -> Result<(String, String), Failure> {
        let input: ReportFalsePositiveInput =
            serde_json::from_value(json!({"id": 1, "reason": reason, "comment": comment})).expect("an input");
        input
            .texts()
            .map(|(reason, comment)| (reason.to_owned(), comment.to_owned()))
    }

    #[test]
    fn both_texts_are_required_and_limited() {
        assert_eq!(
            texts(" scanner ", " ours \n see case ").unwrap(),
            ("scanner".into(), "ours \n see case".into())
        );
        for (reason, comment, named) in [
            ("", "c", "'reason'"),
            ("r", "  ", "'comment'"),
            ("a\nb", "c", "'reason'"),
        ] {
            let failure = texts(reason, comment).expect_err("refused");
            assert!(failure.cause.contains(named), "{}", failure.cause);
        }
        let long: Value = json!("x".repeat(MAX_COMMENT_CHARS + 1));
        assert!(texts("r", long.as_str().unwrap_or_default()).is_err());
    }
}
