//! ThreatStream's offset paging (reference §1.3), shared by every list:
//! `limit` (default 20, `0` or anything above 1000 means 1000), `offset`, and
//! a `meta` block whose `next`/`previous` links repeat the request.

use serde_json::{json, Value};

use crate::http::request::last_value;
use crate::http::response::{self, Response};

/// ThreatStream's page size when none is asked for.
const DEFAULT_LIMIT: usize = 20;
/// The largest page ThreatStream serves; `limit=0` asks for it.
const MAX_LIMIT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

impl Paging {
    /// `Err` is the 400 message for a `limit` or `offset` that is not a
    /// non-negative integer.
    pub(crate) fn from_query(pairs: &[(String, String)]) -> Result<Paging, String> {
        let limit = match number(pairs, "limit")? {
            None => DEFAULT_LIMIT,
            Some(0) => MAX_LIMIT,
            Some(n) => n.min(MAX_LIMIT),
        };
        let offset = number(pairs, "offset")?.unwrap_or(0);
        Ok(Paging { limit, offset })
    }
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<usize>, String> {
    let Some(raw) = last_value(pairs, key) else {
        return Ok(None);
    };
    raw.parse()
        .map(Some)
        .map_err(|_| format!("Invalid value for '{key}': '{raw}' is not a non-negative integer."))
}

/// The `meta` of a page; `endless` always offers a next page (see
/// [`crate::Fault::EndlessPages`]).
pub(crate) fn meta(path: &str, pairs: &[(String, String)], paging: Paging, total: usize, endless: bool) -> Value {
    let Paging { limit, offset } = paging;
    let has_next = endless || offset + limit < total;
    let next = has_next.then(|| link(path, pairs, limit, offset + limit));
    let previous = (offset > 0).then(|| link(path, pairs, limit, offset.saturating_sub(limit)));
    json!({
        "limit": limit,
        "next": next,
        "offset": offset,
        "previous": previous,
        "took": 3,
        "total_count": total,
    })
}

/// One page of `objects` (all of the list's, in order) as a 200 answer.
pub(crate) fn page(objects: Vec<Value>, paging: Paging, path: &str, pairs: &[(String, String)]) -> Response {
    let meta = meta(path, pairs, paging, objects.len(), false);
    let objects: Vec<Value> = objects.into_iter().skip(paging.offset).take(paging.limit).collect();
    response::json(200, &json!({"meta": meta, "objects": objects}))
}

/// Like Tastypie: every parameter the client sent, in its order, with
/// `limit` and `offset` replaced and moved to the end.
fn link(path: &str, pairs: &[(String, String)], limit: usize, offset: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs.iter().filter(|(k, _)| k != "limit" && k != "offset") {
        query.append_pair(key, value);
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair("offset", &offset.to_string());
    format!("{path}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn paging_defaults_caps_and_rejects() {
        assert_eq!(Paging::from_query(&[]), Ok(Paging { limit: 20, offset: 0 }));
        assert_eq!(
            Paging::from_query(&pairs(&[("limit", "0")])),
            Ok(Paging { limit: 1000, offset: 0 })
        );
        assert_eq!(
            Paging::from_query(&pairs(&[("limit", "5000"), ("offset", "7")])),
            Ok(Paging { limit: 1000, offset: 7 })
        );
        assert!(Paging::from_query(&pairs(&[("limit", "ten")])).is_err());
        assert!(Paging::from_query(&pairs(&[("offset", "-1")])).is_err());
    }

    #[test]
    fn links_keep_filters_and_move_paging_last() {
        let sent = pairs(&[("offset", "0"), ("value", "a b:c"), ("limit", "2")]);
        let meta = meta("/api/v2/intelligence/", &sent, Paging { limit: 2, offset: 0 }, 5, false);
        assert_eq!(meta["next"], "/api/v2/intelligence/?value=a+b%3Ac&limit=2&offset=2");
        assert_eq!(meta["previous"], Value::Null);
        let last = super::meta("/x/", &sent, Paging { limit: 2, offset: 4 }, 5, false);
        assert!(last["next"].is_null());
        assert_eq!(last["previous"], "/x/?value=a+b%3Ac&limit=2&offset=2");
    }
}
