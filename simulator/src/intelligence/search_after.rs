//! How a v2 search pages: by key, never by a `next` offset.
//!
//! ThreatStream's v2 search links its next page by key. XSOAR's pagination
//! test follows `/api/v2/intelligence/?&search_after=1693750222045%2C455231625`,
//! the last record's `sort` values (`[epoch_ms, "id"]` in XSOAR's and Google's
//! captured records); Elastic's feed mock, ordered by `update_id`, links with
//! `update_id__gt=<the page's last update_id>`, restating every filter, with
//! `offset` staying 0 and `total_count` shrinking as the cursor advances.
//! FortiSOAR follows `next` with nothing added, so a link restates every
//! filter and the page size. Those two link shapes are what this module
//! writes; `offset` in a request is still honoured (Splunk SOAR, Rapid7 and
//! XSOAR's page arguments send one), it is just never what `next` says.
//!
//! Order is the search's: insertion order, or `order_by`'s field with the
//! insertion position breaking ties, so a key names one place in it. The
//! default order's `sort` shows `[modified_ms, "id"]` like the captures; only
//! the id places a cursor there.

use serde_json::{json, Value};

use crate::http::request::last_value;
use crate::intelligence::record_key::RecordKey;

/// An order a search can be in: `order_by`'s numeric field, its direction,
/// and whether it is `update_id` ascending, which pages by `update_id__gt`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Order {
    pub(crate) field: fn(&RecordKey) -> i64,
    pub(crate) descending: bool,
    pub(crate) by_update_id: bool,
}

/// Where the previous page ended: its last record's first sort value and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    sort: i64,
    id: u64,
}

impl Cursor {
    /// `search_after=<sort>,<id>`; `Err` is the 400's message.
    pub(crate) fn from_query(pairs: &[(String, String)]) -> Result<Option<Cursor>, String> {
        let Some(raw) = last_value(pairs, "search_after") else {
            return Ok(None);
        };
        let invalid = || format!("Invalid value for 'search_after': '{raw}'.");
        let (sort, id) = raw.split_once(',').ok_or_else(invalid)?;
        let id = id.trim().trim_matches('"');
        Ok(Some(Cursor {
            sort: sort.trim().parse().map_err(|_| invalid())?,
            id: id.parse().map_err(|_| invalid())?,
        }))
    }

    /// How many of `matches` (store indexes, in `order`) come at or before
    /// this cursor, whose record sits at store index `at`.
    pub(crate) fn start(self, matches: &[usize], keys: &[RecordKey], at: usize, order: Option<Order>) -> usize {
        matches.partition_point(|&index| match order {
            None => index <= at,
            Some(order) => {
                let value = (order.field)(&keys[index]);
                let before = if order.descending {
                    value > self.sort
                } else {
                    value < self.sort
                };
                before || (value == self.sort && index <= at)
            }
        })
    }

    pub(crate) fn id(self) -> u64 {
        self.id
    }
}

/// A record's `sort` values under `order`: `[epoch_ms, "id"]` by default (as
/// captured), `[update_id]` by `update_id` (as in Elastic's mock), else
/// `[field, "id"]`.
pub(crate) fn sort_values(key: &RecordKey, order: Option<Order>) -> Value {
    match order {
        None => json!([
            key.modified_ms.or(key.created_ms).unwrap_or_default(),
            key.id.to_string()
        ]),
        Some(order) if order.by_update_id => json!([key.update_id]),
        Some(order) => json!([(order.field)(key), key.id.to_string()]),
    }
}

/// The link to the page after the one that ended with `last`: every
/// parameter the client sent but the position, in its order, then the key.
pub(crate) fn next_link(path: &str, pairs: &[(String, String)], last: &RecordKey, order: Option<Order>) -> String {
    let by_update_id = order.is_some_and(|order| order.by_update_id);
    let position: &[&str] = if by_update_id {
        &["offset", "search_after", "update_id__gt"]
    } else {
        &["offset", "search_after"]
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs.iter().filter(|(key, _)| !position.contains(&key.as_str())) {
        query.append_pair(key, value);
    }
    if by_update_id {
        query.append_pair("update_id__gt", &last.update_id.to_string());
    } else {
        let sort = sort_values(last, order);
        let first = sort[0].as_i64().unwrap_or_default();
        query.append_pair("search_after", &format!("{first},{}", last.id));
    }
    format!("{path}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn key(id: u64, update_id: u64) -> RecordKey {
        RecordKey::of(&json!({"id": id, "update_id": update_id, "modified_ts": "2023-09-03T14:10:22.045Z"}))
    }

    const BY_UPDATE_ID: Order = Order {
        field: |key| i64::try_from(key.update_id).unwrap_or(i64::MAX),
        descending: false,
        by_update_id: true,
    };

    #[test]
    fn the_default_link_is_xsoars_search_after_restating_the_filters() {
        let sent = pairs(&[("value", "a b"), ("limit", "2"), ("offset", "4")]);
        assert_eq!(
            next_link("/api/v2/intelligence/", &sent, &key(455231625, 9), None),
            "/api/v2/intelligence/?value=a+b&limit=2&search_after=1693750222045%2C455231625"
        );
        assert_eq!(sort_values(&key(7, 9), None), json!([1693750222045_i64, "7"]));
    }

    #[test]
    fn by_update_id_the_link_is_elastics_keyset() {
        let sent = pairs(&[
            ("limit", "3"),
            ("order_by", "update_id"),
            ("update_id__gt", "100000000"),
        ]);
        assert_eq!(
            next_link("/api/v2/intelligence/", &sent, &key(1, 100000003), Some(BY_UPDATE_ID)),
            "/api/v2/intelligence/?limit=3&order_by=update_id&update_id__gt=100000003"
        );
        assert_eq!(sort_values(&key(1, 100000003), Some(BY_UPDATE_ID)), json!([100000003]));
    }

    #[test]
    fn a_cursor_starts_after_its_record_in_either_order() {
        let keys: Vec<RecordKey> = [(1, 30), (2, 10), (3, 30), (4, 20)]
            .iter()
            .map(|(i, u)| key(*i, *u))
            .collect();
        let cursor = Cursor { sort: 30, id: 1 };
        // Insertion order: everything up to store index 0 is done.
        assert_eq!(cursor.start(&[0, 1, 2, 3], &keys, 0, None), 1);
        // By update_id ascending the order is 2 (10), 4 (20), 1 (30), 3 (30).
        assert_eq!(cursor.start(&[1, 3, 0, 2], &keys, 0, Some(BY_UPDATE_ID)), 3);
        let descending = Order {
            descending: true,
            by_update_id: false,
            ..BY_UPDATE_ID
        };
        // Descending: 1 (30), 3 (30), 4 (20), 2 (10).
        assert_eq!(cursor.start(&[0, 2, 3, 1], &keys, 0, Some(descending)), 1);
        assert_eq!(
            Cursor { sort: 30, id: 3 }.start(&[0, 2, 3, 1], &keys, 2, Some(descending)),
            2
        );
    }

    #[test]
    fn cursors_parse_as_xsoar_sends_them() {
        let parsed = Cursor::from_query(&pairs(&[("search_after", "1693750222045,455231625")]));
        assert_eq!(
            parsed,
            Ok(Some(Cursor {
                sort: 1693750222045,
                id: 455231625
            }))
        );
        assert_eq!(Cursor::from_query(&[]), Ok(None));
        assert!(Cursor::from_query(&pairs(&[("search_after", "test")])).is_err());
    }
}
