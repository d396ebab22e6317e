//! Intelligence search, v2 and legacy v1, with ThreatStream's offset paging.
//!
//! The value filters match by case-insensitive prefix on purpose: the real
//! `value` filter is not an exact match either, so a plugin that trusts it
//! would report `198.51.100.230` for `198.51.100.23`. Here it must post-filter.
//! Which filters exist is in [`crate::intelligence::filters`]; results come in insertion
//! order unless `order_by` names `update_id`, `id`, `created_ts`,
//! `modified_ts` or `confidence` (a leading `-` for descending), which is
//! what keyset feeds (`order_by=update_id&update_id__gt=N`) rely on.

use std::cmp::Reverse;

use serde_json::{json, Value};

use crate::http::answer::{Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::{last_value, RecordedRequest};
use crate::http::response;
use crate::intelligence::filters::{self, Expr};
use crate::intelligence::record_key::RecordKey;
use crate::intelligence::v1_shape;
use crate::state::State;

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

/// A sort on one numeric key field.
#[derive(Clone, Copy, Debug)]
struct Order {
    field: fn(&RecordKey) -> i64,
    descending: bool,
}

impl Order {
    fn from_query(pairs: &[(String, String)]) -> Result<Option<Order>, String> {
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
        Ok(Some(Order { field, descending }))
    }

    /// Stable, so equal keys keep insertion order.
    fn sort(self, matches: &mut [usize], keys: &[RecordKey]) {
        if self.descending {
            matches.sort_by_key(|&index| Reverse((self.field)(&keys[index])));
        } else {
            matches.sort_by_key(|&index| (self.field)(&keys[index]));
        }
    }
}

pub(crate) fn search(state: &State, request: &RecordedRequest, version: ApiVersion) -> Answer {
    let pairs = request.query_pairs();
    let plan = Paging::from_query(&pairs).and_then(|paging| {
        let filter = filters::from_query(&pairs, version)?;
        Ok((paging, filter, Order::from_query(&pairs)?))
    });
    let (paging, filter, order) = plan.map_err(|message| Refused::bad(&message))?;
    let endless = state.endless_pages();
    let store = state.records();
    let matches = matching(store.keys(), &filter, order);
    // Under `Fault::EndlessPages` every request gets the first page again,
    // so a client that trusts `next` never finishes.
    let start = if endless { 0 } else { paging.offset };
    let objects: Vec<Value> = matches
        .iter()
        .skip(start)
        .take(paging.limit)
        .map(|&index| render(&store.records()[index], version))
        .collect();
    let meta = paging::meta(&request.path, &pairs, paging, matches.len(), endless);
    Ok(response::json(200, &json!({ "meta": meta, "objects": objects })))
}

fn matching(keys: &[RecordKey], filter: &Expr, order: Option<Order>) -> Vec<usize> {
    let mut matches: Vec<usize> = (0..keys.len()).filter(|&index| filter.accepts(&keys[index])).collect();
    if let Some(order) = order {
        order.sort(&mut matches, keys);
    }
    matches
}

fn render(record: &Value, version: ApiVersion) -> Value {
    match version {
        ApiVersion::V2 => record.clone(),
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
            let order = Order::from_query(&pairs(query)).expect("known field");
            matching(&keys, &everything, order)
                .iter()
                .map(|&i| keys[i].id)
                .collect()
        };
        assert_eq!(ids(&[]), [1, 2, 3, 4]);
        assert_eq!(ids(&[("order_by", "update_id")]), [2, 4, 1, 3]);
        assert_eq!(ids(&[("order_by", "-update_id")]), [1, 3, 4, 2]);
        assert!(Order::from_query(&pairs(&[("order_by", "colour")])).is_err());
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
