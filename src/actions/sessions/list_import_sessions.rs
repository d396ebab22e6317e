//! List Import Sessions: import sessions by status and by when they last changed, across every page.
//!
//! The status is one of ThreatStream's own values, checked by the input schema, so a misspelt status
//! never becomes an unfiltered list; the number of sessions is bounded by `limit`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{example_session, summary, ImportSessionSummary};
use crate::actions::connection::Connection;
use crate::actions::date;
use crate::actions::input::or_default;
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, SessionFilter};

/// More sessions than a workflow step can usefully carry.
const MAX_LIMIT: u64 = 10_000;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListImportSessionsInput {
    /// Only sessions with this status: processing, done (Ready To Review), approving, approved, rejecting, deleted (Rejected) or errors; empty lists every status
    #[schemars(title = "Status", example = SessionStatus::Done, extend("default" = ""))]
    status: Option<SessionStatus>,
    /// Only sessions changed at or after this time
    #[schemars(
        title = "Modified Since",
        example = "2026-09-01T00:00:00Z",
        extend("format" = "date-time", "displayType" = "date")
    )]
    modified_since: Option<String>,
    /// Most sessions to return
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = MAX_LIMIT), example = 100)]
    limit: u64,
}

fn default_limit() -> u64 {
    100
}

/// ThreatStream's session statuses (reference §1.11).
#[derive(Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum SessionStatus {
    Processing,
    Done,
    Approving,
    Approved,
    Rejecting,
    Deleted,
    Errors,
    // The form's empty choice: every status.
    #[serde(rename = "")]
    Unset,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ListImportSessionsOutput {
    /// Import sessions, in the order ThreatStream lists them
    #[schemars(title = "Import Sessions", example = json!([example_session()]))]
    import_sessions: Vec<ImportSessionSummary>,
    /// Number of sessions returned
    #[schemars(title = "Count", example = 1)]
    count: u64,
}

impl ListImportSessionsInput {
    fn filter(&self) -> Result<SessionFilter, Failure> {
        Ok(SessionFilter {
            status: chosen(self.status),
            modified_since: date(self.modified_since.as_deref(), "modified_since")?,
            // The schema keeps it within 1 to MAX_LIMIT, which fits any usize.
            limit: usize::try_from(or_default(self.limit, default_limit())).unwrap_or(usize::MAX),
        })
    }
}

pub(crate) struct ListImportSessions;

impl TypedStep for ListImportSessions {
    const ID: &'static str = "list_import_sessions";
    const TITLE: &'static str = "List Import Sessions";
    const DESCRIPTION: &'static str = "List import sessions by status and by when they last changed";
    type Input = ListImportSessionsInput;
    type Output = ListImportSessionsOutput;
}

impl TypedAction for ListImportSessions {
    async fn run(connection: &Connection, input: ListImportSessionsInput) -> Result<ListImportSessionsOutput, Failure> {
        let filter = input.filter()?;
        let sessions = threatstream::import_sessions(&connection.client, &filter).await?;
        let import_sessions: Vec<ImportSessionSummary> = sessions.iter().map(summary).collect();
        Ok(ListImportSessionsOutput {
            count: u64::try_from(import_sessions.len()).unwrap_or(u64::MAX),
            import_sessions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn filter(input: Value) -> Result<SessionFilter, Failure> {
        serde_json::from_value::<ListImportSessionsInput>(input)
            .unwrap()
            .filter()
    }

    #[test]
    fn the_filter_takes_threatstreams_words_and_a_checked_date() {
        assert_eq!(
            filter(json!({"status": "done", "modified_since": "2026-09-01"})).unwrap(),
            SessionFilter {
                status: Some("done".into()),
                modified_since: Some("2026-09-01".into()),
                limit: 100
            }
        );
        let empty = filter(json!({"modified_since": "0001-01-01T00:00:00Z", "limit": 3})).unwrap();
        assert_eq!((empty.status, empty.modified_since, empty.limit), (None, None, 3));
        let failure = filter(json!({"modified_since": "last week"})).unwrap_err();
        assert!(
            failure.cause.starts_with("Invalid input 'modified_since'"),
            "{}",
            failure.cause
        );
    }
}
