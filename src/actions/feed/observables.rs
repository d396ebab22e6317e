//! The observables feed, as the engine follows it: every intelligence record that changed after an
//! `update_id` (`threatstream::changes`), filtered by the search (`FeedFilter`) and by the tags to
//! leave out, each delivered as the record itself, without its empty fields.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::engine::{Changes, Source};
use crate::protocol::{clean, Failure};
use crate::threatstream::{self, format_ms, now_ms, ApiError, Client, FeedFilter, Record};

/// What New Observables and Monitor Observables follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Observables {
    pub(crate) filter: FeedFilter,
    /// Lower-case tag names whose observables are passed over.
    pub(crate) exclude_tags: Vec<String>,
}

/// What the trigger saves and the task hands back: the same for both, so either can take over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "feed_state")]
pub(crate) struct FeedState {
    /// The update_id of the last observable delivered or passed over; what changes after it comes next. Empty before the first poll
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Cursor", extend("default" = null))]
    pub(crate) cursor: Option<u64>,
    /// When the cursor was last saved (UTC)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Last Poll", extend("default" = null))]
    pub(crate) last_poll: Option<String>,
}

impl Observables {
    fn excludes(&self, record: &Record) -> bool {
        if self.exclude_tags.is_empty() {
            return false;
        }
        threatstream::tag_names(record).any(|name| self.exclude_tags.contains(&name.to_lowercase()))
    }
}

impl Source for Observables {
    type Cursor = u64;
    type Item = Value;
    type State = FeedState;
    const NOUN: &'static str = "observable";
    const PASSED_OVER: &'static str = "excluded by tag";
    const MOVES_BY: &'static str = "update_ids";

    async fn start(&self, client: &Client, since_ms: Option<i64>) -> Result<u64, ApiError> {
        threatstream::starting_cursor(client, since_ms).await
    }

    async fn newest_if_ahead(&self, client: &Client, cursor: &u64) -> Result<Option<u64>, ApiError> {
        let newest = threatstream::newest_update_id(client).await?;
        Ok((*cursor > newest).then_some(newest))
    }

    async fn changes(
        &self,
        client: &Client,
        cursor: &u64,
        until_ms: i64,
        limit: usize,
    ) -> Result<Changes<u64>, ApiError> {
        let changes = threatstream::changes(client, &self.filter, *cursor, until_ms, limit).await?;
        Ok(Changes {
            records: changes.records,
            full: changes.full,
        })
    }

    async fn item(&self, _client: &Client, record: Record) -> Result<Option<Value>, ApiError> {
        if self.excludes(&record) {
            return Ok(None);
        }
        let mut observable = Value::Object(record);
        clean(&mut observable);
        Ok(Some(observable))
    }

    fn describe(cursor: &u64) -> String {
        format!("update_id {cursor}")
    }

    fn state_at(cursor: &u64) -> FeedState {
        FeedState {
            cursor: Some(*cursor),
            last_poll: Some(format_ms(now_ms())),
        }
    }

    fn cursor_of(state: &FeedState) -> Result<Option<u64>, Failure> {
        Ok(state.cursor)
    }

    fn reset(newest: &u64) -> String {
        format!("{{\"cursor\": {newest}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn excluded_tags_match_whole_names_in_any_case() {
        let feed = Observables {
            filter: FeedFilter::default(),
            exclude_tags: vec!["insightconnect".into()],
        };
        let record = |tags: Value| match json!({"tags": tags}) {
            Value::Object(record) => record,
            _ => unreachable!(),
        };
        assert!(feed.excludes(&record(json!([{"name": "InsightConnect"}]))));
        assert!(feed.excludes(&record(json!([{"name": " insightconnect "}]))));
        assert!(feed.excludes(&record(json!(["other", " InsightConnect"]))));
        assert!(!feed.excludes(&record(json!([{"name": "insightconnect-2"}]))));
        assert!(!feed.excludes(&record(json!(null))));
    }

    #[test]
    fn the_state_schema_refuses_what_no_run_returned() {
        let state: FeedState = serde_json::from_value(json!({"cursor": 7, "last_poll": "x"})).unwrap();
        assert_eq!(state.cursor, Some(7));
        assert!(serde_json::from_value::<FeedState>(json!({"cursor": -1})).is_err());
        assert!(serde_json::from_value::<FeedState>(json!({"position": 1})).is_err());
        assert_eq!(Observables::state_at(&9).cursor, Some(9));
        assert_eq!(Observables::reset(&9), "{\"cursor\": 9}");
    }
}
