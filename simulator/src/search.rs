//! Intelligence search, v2 and legacy v1, with ThreatStream's offset paging.
//!
//! The value filters match by case-insensitive prefix on purpose: the real
//! `value` filter is not an exact match either, so a plugin that trusts it
//! would report `198.51.100.230` for `198.51.100.23`. Here it must post-filter.

use serde_json::{json, Value};

use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::state::{RecordKey, State};
use crate::v1_shape;

/// ThreatStream's page size when none is asked for.
const DEFAULT_LIMIT: usize = 20;
/// The largest page ThreatStream serves; `limit=0` asks for it.
const MAX_LIMIT: usize = 1000;

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

/// A record passes when its value starts with `prefix` (if any) and its type
/// is one of `types` (if any).
struct Filter {
    prefix: Option<String>,
    types: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
struct Paging {
    limit: usize,
    offset: usize,
}

pub(crate) fn search(state: &State, request: &RecordedRequest, version: ApiVersion) -> Response {
    let pairs = request.query_pairs();
    let paging = match paging(&pairs) {
        Ok(paging) => paging,
        Err(message) => return response::message(400, &message),
    };
    let filters = filters(&pairs, version);
    let matches: Vec<&Value> = state
        .records
        .iter()
        .zip(&state.keys)
        .filter(|(_, key)| filters.iter().all(|f| f.accepts(key)))
        .map(|(record, _)| record)
        .collect();
    let page = Page {
        path: &request.path,
        pairs: &pairs,
        paging,
        total: matches.len(),
        endless: state.endless_pages(),
    };
    let objects = page.objects(&matches, version);
    response::json(200, &json!({ "meta": page.meta(), "objects": objects }))
}

fn filters(pairs: &[(String, String)], version: ApiVersion) -> Vec<Filter> {
    pairs
        .iter()
        .filter_map(|(key, value)| filter(key, value, version))
        .collect()
}

/// Unknown parameters yield no filter: the real API ignores them too.
fn filter(key: &str, value: &str, version: ApiVersion) -> Option<Filter> {
    let prefix = |types: &[&str]| Filter {
        prefix: Some(value.to_lowercase()),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
    };
    match (version, key) {
        (_, "value") => Some(prefix(&[])),
        (ApiVersion::V2, "type") => Some(Filter {
            prefix: None,
            types: vec![value.to_owned()],
        }),
        (ApiVersion::V1, "ip") => Some(prefix(&["ip", "ipv6"])),
        (ApiVersion::V1, "url") => Some(prefix(&["url"])),
        (ApiVersion::V1, "md5") => Some(prefix(&["md5"])),
        _ => None,
    }
}

impl Filter {
    fn accepts(&self, key: &RecordKey) -> bool {
        let prefix_ok = self.prefix.as_ref().is_none_or(|p| key.value.starts_with(p.as_str()));
        let types_ok = self.types.is_empty() || self.types.contains(&key.kind);
        prefix_ok && types_ok
    }
}

fn paging(pairs: &[(String, String)]) -> Result<Paging, String> {
    let limit = match number(pairs, "limit")? {
        None => DEFAULT_LIMIT,
        Some(0) => MAX_LIMIT,
        Some(n) => n.min(MAX_LIMIT),
    };
    let offset = number(pairs, "offset")?.unwrap_or(0);
    Ok(Paging { limit, offset })
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<usize>, String> {
    let Some((_, raw)) = pairs.iter().rev().find(|(k, _)| k == key) else {
        return Ok(None);
    };
    raw.parse()
        .map(Some)
        .map_err(|_| format!("Invalid value for '{key}': '{raw}' is not a non-negative integer."))
}

struct Page<'a> {
    path: &'a str,
    pairs: &'a [(String, String)],
    paging: Paging,
    total: usize,
    endless: bool,
}

impl Page<'_> {
    /// Under [`crate::Fault::EndlessPages`] every request gets the first page
    /// again, so a client that trusts `next` never finishes.
    fn objects(&self, matches: &[&Value], version: ApiVersion) -> Vec<Value> {
        let start = if self.endless { 0 } else { self.paging.offset };
        matches
            .iter()
            .skip(start)
            .take(self.paging.limit)
            .map(|record| match version {
                ApiVersion::V2 => (*record).clone(),
                ApiVersion::V1 => v1_shape::render(record),
            })
            .collect()
    }

    fn meta(&self) -> Value {
        let Paging { limit, offset } = self.paging;
        let has_next = self.endless || offset + limit < self.total;
        let next = has_next.then(|| self.link(offset + limit));
        let previous = (offset > 0).then(|| self.link(offset.saturating_sub(limit)));
        json!({
            "limit": limit,
            "next": next,
            "offset": offset,
            "previous": previous,
            "took": 3,
            "total_count": self.total,
        })
    }

    /// Like Tastypie: every parameter the client sent, in its order, with
    /// `limit` and `offset` replaced and moved to the end.
    fn link(&self, offset: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.pairs.iter().filter(|(k, _)| k != "limit" && k != "offset") {
            query.append_pair(key, value);
        }
        query.append_pair("limit", &self.paging.limit.to_string());
        query.append_pair("offset", &offset.to_string());
        format!("{}?{}", self.path, query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn paging_defaults_caps_and_rejects() {
        assert_eq!(paging(&[]), Ok(Paging { limit: 20, offset: 0 }));
        assert_eq!(paging(&pairs(&[("limit", "0")])), Ok(Paging { limit: 1000, offset: 0 }));
        assert_eq!(
            paging(&pairs(&[("limit", "5000"), ("offset", "7")])),
            Ok(Paging { limit: 1000, offset: 7 })
        );
        assert!(paging(&pairs(&[("limit", "ten")])).is_err());
        assert!(paging(&pairs(&[("offset", "-1")])).is_err());
    }

    #[test]
    fn links_keep_filters_and_move_paging_last() {
        let sent = pairs(&[("offset", "0"), ("value", "a b:c"), ("limit", "2")]);
        let page = Page {
            path: "/api/v2/intelligence/",
            pairs: &sent,
            paging: Paging { limit: 2, offset: 0 },
            total: 5,
            endless: false,
        };
        assert_eq!(page.link(2), "/api/v2/intelligence/?value=a+b%3Ac&limit=2&offset=2");
        assert_eq!(page.meta()["previous"], Value::Null);
    }

    #[test]
    fn v1_ip_filter_matches_both_address_families_only() {
        let ip = filter("ip", "2001:DB8", ApiVersion::V1).expect("ip is a v1 filter");
        assert!(ip.accepts(&RecordKey::of(&json!({"value": "2001:db8::bad:c0de", "type": "ipv6"}))));
        assert!(!ip.accepts(&RecordKey::of(&json!({"value": "2001:db8.example", "type": "domain"}))));
        assert!(filter("ip", "x", ApiVersion::V2).is_none());
    }
}
