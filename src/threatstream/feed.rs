//! The incremental feed: every intelligence record that changed after a cursor, in `update_id` order.
//!
//! ThreatStream gives each change of a record a new, higher `update_id`, so `order_by=update_id` with
//! `update_id__gt=<cursor>` pages through every change exactly once, however many records change
//! meanwhile; offsets would skip or repeat rows on a moving set (reference §1.3, §1.17). Records
//! modified within the last moments may still be being written, so a page stops at `modified_ts__lt`,
//! the caller's stability bound. The cursor itself is the caller's to keep and to advance, after it
//! has delivered what a page held.
//!
//! A page that is out of order, or reaches back before the cursor, means the server ignored the sort
//! or the cursor; taking its last `update_id` on trust could skip records for good, so it is an error.

use super::client::{ApiVersion, Client};
use super::error::ApiError;
use super::filters::{Field, Lookup, Order, SearchQuery};
use super::intelligence::{self, numeric_id, Record};
use super::paging::{Page, PAGE_SIZE};
use super::timestamp::format_ms;

/// v2 only: the legacy v1 endpoint has neither `update_id__gt` nor `order_by`.
const VERSION: ApiVersion = ApiVersion::V2;

/// What a feed asks for. Values come validated from the caller's types; the names they go under come
/// from `filters`, so none can be misspelt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FeedFilter {
    pub(crate) types: Vec<String>,
    pub(crate) itypes: Vec<String>,
    pub(crate) min_confidence: Option<u8>,
    pub(crate) severities: Vec<String>,
    pub(crate) statuses: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) trusted_circles: Vec<u64>,
}

impl FeedFilter {
    fn query(&self) -> SearchQuery {
        let mut query = SearchQuery::default()
            .any_of(Field::Type, &self.types)
            .any_of(Field::Itype, &self.itypes)
            .any_of(Field::Status, &self.statuses)
            .any_of(Field::Severity, &self.severities)
            .any_of(Field::TagName, &self.tags)
            .any_of(Field::TrustedCircles, &self.trusted_circles);
        if let Some(confidence) = self.min_confidence {
            query = query.compare(Field::Confidence, Lookup::Gte, confidence);
        }
        query
    }
}

/// One page of changes, each record with its `update_id`, in that order.
#[derive(Debug)]
pub(crate) struct Changes {
    pub(crate) records: Vec<(u64, Record)>,
    /// The page is as long as asked for, so more may be waiting.
    pub(crate) full: bool,
}

/// The records matching `filter` that changed after `cursor` and before `until_ms`, at most `limit`
/// (capped at a page), in `update_id` order.
///
/// # Contract: GET `/api/v2/intelligence/`
///
/// - Capability: Feed (`new_observables` trigger, `monitor_observables` task)
/// - Parameters and body: `order_by=update_id&update_id__gt=<cursor>&modified_ts__lt=<now - stability
///   window>&limit=<1-1000>`, plus the filters given, each a comma list: `type`, `itype`, `status`,
///   `meta.severity`, `tags.name`, `trustedcircles`; and `confidence__gte`. Newest change, to check a saved
///   cursor: `order_by=-update_id&limit=1`. First run from a date:
///   `modified_ts__gt=<since>&order_by=update_id&limit=1`. Always v2
/// - Answer and paging: A page as above; `update_id` a number or a numeric string. A page out of `update_id`
///   order, or reaching back before the cursor, is an error. Paging: our own cursor, the last `update_id`
///   delivered; a full page means more. `next` is never followed
/// - Confirmed by: EL `cel.yml.hbs` (`order_by=update_id`, `update_id__gt`, `modified_ts__lt` = now - 1 min) and
///   its mock; NS `main.py` (the same keyset, stops on a short page); CS `dev-docs/sync-strategy.md` and
///   `main.py` (`update_id` keyset)
/// - Fixtures: None yet (the trigger's and the task's tests run against the simulator)
/// - Choice: A short page ends (NS, ours) or a null `next` ends (EL) → a full page asks again. Tag filter
///   `tags.name` (XS3) or `tags` (NS) → `tags.name`. CS claims some accounts refuse `update_id__gt` (unconfirmed;
///   every feed client sends it)
pub(crate) async fn changes(
    client: &Client,
    filter: &FeedFilter,
    cursor: u64,
    until_ms: i64,
    limit: usize,
) -> Result<Changes, ApiError> {
    let limit = limit.clamp(1, PAGE_SIZE);
    let query = filter
        .query()
        .compare(Field::UpdateId, Lookup::Gt, cursor)
        .compare(Field::ModifiedTs, Lookup::Lt, format_ms(until_ms))
        .order_by(Field::UpdateId, Order::Ascending)
        .limit(limit);
    let page: Page = client
        .get_json_passing(&intelligence::path(VERSION), &query.pairs())
        .await?;
    let full = page.objects.len() >= limit;
    let records = in_order(page.objects, cursor)?;
    Ok(Changes { records, full })
}

/// Where a feed that has never run starts: after the last change made before `since_ms`, found with
/// one unfiltered search (so any filter may follow). `None` for `since_ms` means now: only what
/// changes from now on. Asking ThreatStream rather than our clock keeps clock skew out of it.
pub(crate) async fn starting_cursor(client: &Client, since_ms: Option<i64>) -> Result<u64, ApiError> {
    if let Some(since_ms) = since_ms {
        let query = SearchQuery::default()
            .compare(Field::ModifiedTs, Lookup::Gt, format_ms(since_ms))
            .order_by(Field::UpdateId, Order::Ascending)
            .limit(1);
        if let Some(first) = first_update_id(client, &query).await? {
            return Ok(first.saturating_sub(1));
        }
    }
    newest_update_id(client).await
}

/// The `update_id` of ThreatStream's newest change (0 when it holds no intelligence), found with one
/// unfiltered search of one record: where a fresh start begins, and what a saved cursor must not be
/// ahead of.
pub(crate) async fn newest_update_id(client: &Client) -> Result<u64, ApiError> {
    let newest = SearchQuery::default()
        .order_by(Field::UpdateId, Order::Descending)
        .limit(1);
    Ok(first_update_id(client, &newest).await?.unwrap_or(0))
}

async fn first_update_id(client: &Client, query: &SearchQuery) -> Result<Option<u64>, ApiError> {
    let page: Page = client
        .get_json_passing(&intelligence::path(VERSION), &query.pairs())
        .await?;
    let records = in_order(page.objects, 0)?;
    Ok(records.first().map(|(update_id, _)| *update_id))
}

/// `update_id` as v2 sends it (a number) or v1 (a numeric string).
fn update_id(record: &Record) -> Option<u64> {
    record.get("update_id").and_then(numeric_id)
}

/// The records with their `update_id`s, checked to be strictly increasing from after `cursor`.
fn in_order(records: Vec<Record>, cursor: u64) -> Result<Vec<(u64, Record)>, ApiError> {
    let mut previous = cursor;
    let mut ordered = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let problem = match update_id(&record) {
            None => "it has no numeric update_id".to_owned(),
            Some(id) if id <= previous && index == 0 => {
                format!("update_id {id} is not after the cursor {cursor}: the server ignored update_id__gt")
            }
            Some(id) if id <= previous => {
                format!("update_id {id} follows {previous}: the server ignored order_by=update_id")
            }
            Some(id) => {
                previous = id;
                ordered.push((id, record));
                continue;
            }
        };
        return Err(ApiError::Decode {
            path: format!("objects[{index}].update_id"),
            reason: problem,
            excerpt: String::new(),
        });
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn records(ids: &[Value]) -> Vec<Record> {
        ids.iter()
            .map(|id| match json!({"update_id": id}) {
                Value::Object(record) => record,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn pages_must_move_forward_from_the_cursor() {
        let ordered = in_order(records(&[json!(11), json!("12"), json!(40)]), 10).unwrap();
        let ids: Vec<u64> = ordered.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [11, 12, 40]);
        for (page, cursor) in [
            (vec![json!(10)], 10),
            (vec![json!(12), json!(11)], 10),
            (vec![json!(null)], 0),
        ] {
            let error = in_order(records(&page), cursor).unwrap_err();
            assert!(matches!(error, ApiError::Decode { .. }), "{page:?}: {error:?}");
        }
    }

    #[test]
    fn the_filter_becomes_documented_parameters() {
        let filter = FeedFilter {
            types: vec!["ip".into(), "domain".into()],
            min_confidence: Some(60),
            statuses: vec!["active".into()],
            ..FeedFilter::default()
        };
        assert_eq!(
            filter.query().pairs(),
            vec![
                ("type", "ip,domain".to_owned()),
                ("status", "active".to_owned()),
                ("confidence__gte", "60".to_owned())
            ]
        );
    }
}
