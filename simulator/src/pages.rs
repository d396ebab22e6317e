//! Tastypie's offset paging for the v1 lists of threat models and their
//! observables: `limit` (default 20, `0` meaning the maximum of 1000) and
//! `offset`, answered as `{"meta": {...}, "objects": [...]}` with `next`
//! and `previous` links that repeat the client's other parameters
//! (threatstream-api-and-peers.md §1.3).

use serde_json::{json, Value};

use crate::response::{self, Response};

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

impl Paging {
    /// Reads `limit` and `offset`; the error is the 400's message.
    pub(crate) fn from_query(pairs: &[(String, String)]) -> Result<Paging, String> {
        let limit = match count(pairs, "limit")? {
            None => DEFAULT_LIMIT,
            Some(0) => MAX_LIMIT,
            Some(n) => n.min(MAX_LIMIT),
        };
        let offset = count(pairs, "offset")?.unwrap_or(0);
        Ok(Paging { limit, offset })
    }
}

fn count(pairs: &[(String, String)], key: &str) -> Result<Option<usize>, String> {
    let Some((_, raw)) = pairs.iter().rev().find(|(k, _)| k == key) else {
        return Ok(None);
    };
    raw.parse()
        .map(Some)
        .map_err(|_| format!("Invalid value for '{key}': '{raw}' is not a non-negative integer."))
}

/// One page of `objects` as a 200 answer.
pub(crate) fn page(objects: Vec<Value>, paging: Paging, path: &str, pairs: &[(String, String)]) -> Response {
    response::json(200, &page_json(objects, paging, path, pairs))
}

fn page_json(objects: Vec<Value>, paging: Paging, path: &str, pairs: &[(String, String)]) -> Value {
    let Paging { limit, offset } = paging;
    let total = objects.len();
    let link = |offset: usize| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs.iter().filter(|(k, _)| k != "limit" && k != "offset") {
            query.append_pair(key, value);
        }
        query.append_pair("limit", &limit.to_string());
        query.append_pair("offset", &offset.to_string());
        format!("{path}?{}", query.finish())
    };
    let next = (offset + limit < total).then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    let objects: Vec<Value> = objects.into_iter().skip(offset).take(limit).collect();
    json!({
        "meta": {"limit": limit, "next": next, "offset": offset, "previous": previous, "total_count": total},
        "objects": objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn paging_defaults_and_caps() {
        assert_eq!(Paging::from_query(&[]).ok(), Some(Paging { limit: 20, offset: 0 }));
        let zero = Paging::from_query(&pairs(&[("limit", "0"), ("offset", "5")])).ok();
        assert_eq!(zero, Some(Paging { limit: 1000, offset: 5 }));
        assert!(Paging::from_query(&pairs(&[("offset", "x")])).is_err());
    }

    #[test]
    fn links_keep_filters_and_stop_at_the_end() {
        let sent = pairs(&[("model_type", "actor,malware"), ("limit", "2")]);
        let objects: Vec<Value> = (0..5).map(|n| json!(n)).collect();
        let first = page_json(
            objects.clone(),
            Paging { limit: 2, offset: 0 },
            "/api/v1/threat_model_search/",
            &sent,
        );
        assert_eq!(
            first["meta"]["next"],
            "/api/v1/threat_model_search/?model_type=actor%2Cmalware&limit=2&offset=2"
        );
        assert_eq!(first["meta"]["total_count"], 5);
        let last = page_json(objects, Paging { limit: 2, offset: 4 }, "/p/", &sent);
        assert!(last["meta"]["next"].is_null());
        assert_eq!(last["objects"], json!([4]));
    }
}
