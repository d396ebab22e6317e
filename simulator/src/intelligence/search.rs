//! Intelligence search, v2 and legacy v1.
//!
//! The value filters match by case-insensitive prefix on purpose: the real
//! `value` filter is not an exact match either, so a plugin that trusts it
//! would report `198.51.100.230` for `198.51.100.23`. Here it must post-filter.
//! Which filters exist is in [`crate::intelligence::filters`]; results come in insertion
//! order unless `order_by` names `update_id`, `id`, `created_ts`,
//! `modified_ts` or `confidence` (a leading `-` for descending), which is
//! what keyset feeds (`order_by=update_id&update_id__gt=N`) rely on.
//!
//! v2 pages by key (`search_after`, or `update_id__gt` when ordered by
//! `update_id`; see [`crate::intelligence::search_after`]) and its records carry `sort`;
//! v1 keeps Tastypie's offset links ([`crate::http::paging`]).
//!
//! The simulated instance is an on-premises one that can reach the cloud:
//! records marked `remote_api: true` are the cloud's, and only a request
//! carrying `remote_api=true` sees them (Netskope's and Elastic's feeds send
//! it on searches to get "remote observables"); [`in_view`] says which.

use std::cmp::Reverse;

use serde_json::{json, Value};

use crate::http::answer::{Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::{last_value, RecordedRequest};
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::intelligence::filters::{self, Expr};
use crate::intelligence::record_key::RecordKey;
use crate::intelligence::search_after::{self, Cursor, Order};
use crate::intelligence::store::RecordStore;
use crate::intelligence::v1_shape;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v2", "intelligence"]) => to(|c| search(c.state, c.request, ApiVersion::V2)),
        ("GET", ["api", "v1", "intelligence"]) => to(|c| search(c.state, c.request, ApiVersion::V1)),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ApiVersion {
    V1,
    V2,
}

impl ApiVersion {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V2 => "v2",
        }
    }
}

/// `order_by`: a sort on one numeric key field.
fn order_from_query(pairs: &[(String, String)]) -> Result<Option<Order>, String> {
    let Some(raw) = last_value(pairs, "order_by") else {
        return Ok(None);
    };
    let (descending, name) = match raw.strip_prefix('-') {
        Some(name) => (true, name),
        None => (false, raw),
    };
    let field: fn(&RecordKey) -> i64 = match name {
        "update_id" => |key| i64::try_from(key.update_id).unwrap_or(i64::MAX),
        "id" => |key| i64::try_from(key.id).unwrap_or(i64::MAX),
        "created_ts" => |key| key.created_ms.unwrap_or(i64::MIN),
        "modified_ts" => |key| key.modified_ms.unwrap_or(i64::MIN),
        "confidence" => |key| key.confidence,
        _ => return Err(format!("No matching '{name}' field for ordering on.")),
    };
    let by_update_id = name == "update_id" && !descending;
    Ok(Some(Order {
        field,
        descending,
        by_update_id,
    }))
}

impl Order {
    /// Stable, so equal keys keep insertion order.
    fn sort(self, matches: &mut [usize], keys: &[RecordKey]) {
        if self.descending {
            matches.sort_by_key(|&index| Reverse((self.field)(&keys[index])));
        } else {
            matches.sort_by_key(|&index| (self.field)(&keys[index]));
        }
    }
}

/// What a search request asks for, checked: `Err` is the 400's message.
struct Plan {
    paging: Paging,
    filter: Expr,
    order: Option<Order>,
    cursor: Option<Cursor>,
}

impl Plan {
    fn from_query(pairs: &[(String, String)], version: ApiVersion) -> Result<Plan, String> {
        let cursor = match version {
            ApiVersion::V2 => Cursor::from_query(pairs)?,
            ApiVersion::V1 => None,
        };
        Ok(Plan {
            paging: Paging::from_query(pairs)?,
            filter: filters::from_query(pairs, version)?,
            order: order_from_query(pairs)?,
            cursor,
        })
    }
}

pub(crate) fn search(state: &State, request: &RecordedRequest, version: ApiVersion) -> Answer {
    let pairs = request.query_pairs();
    let plan = Plan::from_query(&pairs, version).map_err(|message| Refused::bad(&message))?;
    let endless = state.endless_pages();
    let store = state.records();
    let cloud = asks_cloud(request);
    let mut matches = matching(store.keys(), &plan.filter, plan.order);
    matches.retain(|&index| in_view(&store.keys()[index], cloud));
    // Under `Fault::EndlessPages` every request gets the first page again,
    // so a client that trusts `next` never finishes.
    let start = match (endless, plan.cursor) {
        (true, _) => 0,
        (false, None) => plan.paging.offset,
        (false, Some(cursor)) => match store.index_of(cursor.id()) {
            Some(at) => cursor.start(&matches, store.keys(), at, plan.order),
            None => return Err(Refused::bad("Invalid value for 'search_after': no such record.")),
        },
    };
    let page: Vec<usize> = matches.iter().skip(start).take(plan.paging.limit).copied().collect();
    let objects: Vec<Value> = page
        .iter()
        .map(|&index| render(&store, index, version, plan.order))
        .collect();
    let meta = match version {
        ApiVersion::V1 => paging::meta(&request.path, &pairs, plan.paging, matches.len(), endless),
        ApiVersion::V2 => {
            let more = endless || start + page.len() < matches.len();
            let last = page.last().filter(|_| more).map(|&index| &store.keys()[index]);
            let next = last.map(|last| search_after::next_link(&request.path, &pairs, last, plan.order));
            v2_meta(plan.paging, next, matches.len())
        }
    };
    Ok(response::json(200, &json!({ "meta": meta, "objects": objects })))
}

/// The meta block XSOAR's captured search answers carry: `limit`, `next`,
/// `offset`, `previous` (always null: a key cannot page back), `took`,
/// `total_count`.
fn v2_meta(paging: Paging, next: Option<String>, total: usize) -> Value {
    json!({
        "limit": paging.limit,
        "next": next,
        "offset": paging.offset,
        "previous": null,
        "took": 3,
        "total_count": total,
    })
}

/// Whether `request` reaches ThreatStream's cloud too: `remote_api=true`.
pub(crate) fn asks_cloud(request: &RecordedRequest) -> bool {
    request
        .query_value("remote_api")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// Whether a record is seen by a request that does, or does not, reach the
/// cloud: the instance's own always, the cloud's only then.
pub(crate) fn in_view(key: &RecordKey, cloud: bool) -> bool {
    cloud || !key.remote
}

fn matching(keys: &[RecordKey], filter: &Expr, order: Option<Order>) -> Vec<usize> {
    let mut matches: Vec<usize> = (0..keys.len()).filter(|&index| filter.accepts(&keys[index])).collect();
    if let Some(order) = order {
        order.sort(&mut matches, keys);
    }
    matches
}

/// A record as the version answers it; v2's with its `sort` values.
fn render(store: &RecordStore, index: usize, version: ApiVersion, order: Option<Order>) -> Value {
    let record = &store.records()[index];
    match version {
        ApiVersion::V2 => {
            let mut record = record.clone();
            record["sort"] = search_after::sort_values(&store.keys()[index], order);
            record
        }
        ApiVersion::V1 => v1_shape::render(record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn order_by_sorts_stably_either_way_and_rejects_unknown_fields() {
        let keys: Vec<RecordKey> = [(1, 30), (2, 10), (3, 30), (4, 20)]
            .iter()
            .map(|(id, update_id)| RecordKey::of(&json!({"id": id, "update_id": update_id})))
            .collect();
        let everything = Expr::All(Vec::new());
        let ids = |query: &[(&str, &str)]| -> Vec<u64> {
            let order = order_from_query(&pairs(query)).expect("known field");
            matching(&keys, &everything, order)
                .iter()
                .map(|&i| keys[i].id)
                .collect()
        };
        assert_eq!(ids(&[]), [1, 2, 3, 4]);
        assert_eq!(ids(&[("order_by", "update_id")]), [2, 4, 1, 3]);
        assert_eq!(ids(&[("order_by", "-update_id")]), [1, 3, 4, 2]);
        assert!(order_from_query(&pairs(&[("order_by", "colour")])).is_err());
    }

    #[test]
    fn v1_ip_filter_matches_both_address_families_only() {
        let ip = filters::from_query(&pairs(&[("ip", "2001:DB8")]), ApiVersion::V1).expect("valid");
        assert!(ip.accepts(&RecordKey::of(&json!({"value": "2001:db8::bad:c0de", "type": "ipv6"}))));
        assert!(!ip.accepts(&RecordKey::of(&json!({"value": "2001:db8.example", "type": "domain"}))));
        let v2 = filters::from_query(&pairs(&[("ip", "x")]), ApiVersion::V2).expect("valid");
        assert!(v2.accepts(&RecordKey::of(&json!({"value": "y"}))), "v2 ignores ip=");
    }
}
