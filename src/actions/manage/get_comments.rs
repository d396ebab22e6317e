//! Get Comments: the comments on an observable, as ThreatStream lists them (oldest first).
//!
//! Each comment passes through as ThreatStream sent it; Polarity's overlay, the public client that
//! reads them, shows `comment`, `tlp`, `date`, `user.email` and `user.organization.name`.
//!
//! Comments belong to the observable's value, so the observables selected are read once per distinct
//! value, and a value that several observables have needs no All Matches: they share its comments.
//! Reading is retried.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{unknown_value, TargetInputs};
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::lenient::NumberOrString;
use crate::actions::output::passed_through;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::{clean, Failure};
use crate::threatstream;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct GetCommentsInput {
        ..TargetInputs,
    }
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetCommentsOutput {
    /// Comments on the observable, oldest first; empty when there are none
    #[schemars(title = "Comments", with = "Vec<Comment>", example = json!([{
        "comment": "Closed as a false positive: the domain belongs to a partner (case 4711)", "tlp": "amber",
        "date": "2026-09-14T08:30:00.000Z",
        "user": {"email": "analyst@example.com", "organization": {"name": "Example Security"}}}]))]
    comments: Value,
}

passed_through! {
    /// One comment, passed through as ThreatStream sent it.
    #[name = "comment"]
    pub(crate) struct Comment {
        /// ThreatStream's ID of the comment
        #[title = "ID"]
        id: Option<NumberOrString>,
        /// Value of the observable the comment is on
        #[title = "Value"]
        value: Option<String>,
        /// Text of the comment
        #[title = "Comment"]
        comment: Option<String>,
        /// Traffic Light Protocol marking of the comment
        #[title = "TLP"]
        tlp: Option<String>,
        /// When the comment was made, as ThreatStream lists comments (the field Polarity shows)
        #[title = "Date"]
        date: Option<String>,
        /// When the comment was made
        #[title = "Created"]
        created_ts: Option<String>,
        /// When the comment last changed
        #[title = "Modified"]
        modified_ts: Option<String>,
        /// Who made the comment: their e-mail address, and their organization's name under organization
        #[title = "User"]
        user: Option<serde_json::Map<String, Value>>,
    }
}

pub(crate) struct GetComments;

impl TypedStep for GetComments {
    const ID: &'static str = "get_comments";
    const TITLE: &'static str = "Get Comments";
    const DESCRIPTION: &'static str = "Get the comments on an observable in Anomali ThreatStream";
    type Input = GetCommentsInput;
    type Output = GetCommentsOutput;
}

impl TypedAction for GetComments {
    async fn run(connection: &Connection, input: GetCommentsInput) -> Result<GetCommentsOutput, Failure> {
        let selector = TargetInputs::from(&input).selector()?;
        let mut comments = Vec::new();
        for value in selector.values(connection).await? {
            let found = threatstream::comments(&connection.client, &value)
                .await
                .map_err(|error| unknown_value(error, &value))?;
            comments.extend(found);
        }
        let mut comments = Value::Array(comments);
        clean(&mut comments);
        Ok(GetCommentsOutput { comments })
    }
}
