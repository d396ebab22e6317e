//! Looking an observable up in ThreatStream's intelligence, every page of it, exact matches only.
//!
//! The API's `value` filter is not an exact match (peers found prefix and case variants in the
//! answers), so records are kept only when their value equals the one asked for. `search` reads every
//! page of any filter (with `paging`'s guards) for the one-observable `lookup` here and the batches of
//! `batch.rs`.

use std::net::IpAddr;

use serde_json::{Map, Value};
use tracing::{debug, info};

use super::canonical;
use super::client::{ApiVersion, Client};
use super::error::ApiError;
use super::paging::{each_page, Page};
use crate::plural::count_of;

/// One intelligence record, passed through as ThreatStream sent it.
pub(crate) type Record = Map<String, Value>;

/// A test's record, written as a JSON object.
#[cfg(test)]
pub(crate) fn record_of(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test records are objects"),
    }
}

/// An id as ThreatStream sends ids: a number (v2) or a numeric string (v1, older answers).
pub(crate) fn numeric_id(id: &Value) -> Option<u64> {
    match id {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The value being looked up, already validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Observable {
    Ip(IpAddr),
    /// A domain name in ASCII (internationalised labels in punycode), lower-cased, without a
    /// trailing dot.
    Domain(String),
    Url(String),
    /// An e-mail address, lower-cased (its domain as `Domain`'s): ThreatStream compares them
    /// without regard to case.
    Email(String),
    /// A hex digest of any algorithm, lower-cased.
    Hash(String),
    /// A value of any type, as Get Observables looks it up.
    Any(String),
}

/// The fields a record may hold its value in, whatever its type: v2's `value`, and v1's own names.
const VALUE_FIELDS: [&str; 6] = ["value", "srcip", "url", "domain", "email", "md5"];

/// A record's value, from the first of `VALUE_FIELDS` it fills (v1 records carry the others as "").
pub(crate) fn record_value(record: &Record) -> Option<&str> {
    VALUE_FIELDS.iter().find_map(|field| {
        record
            .get(*field)
            .and_then(Value::as_str)
            .filter(|found| !found.is_empty())
    })
}

impl Observable {
    /// The `value` query parameter: the canonical form, so `2001:DB8::1` and `2001:db8::1` are one.
    pub(crate) fn value(&self) -> String {
        match self {
            Observable::Ip(address) => address.to_string(),
            Observable::Domain(text)
            | Observable::Url(text)
            | Observable::Email(text)
            | Observable::Hash(text)
            | Observable::Any(text) => text.clone(),
        }
    }

    /// The v2 `type` filter. ThreatStream files hashes of every algorithm under `md5`, with the real
    /// algorithm in `subtype`.
    pub(crate) fn v2_type(&self) -> Option<&'static str> {
        match self {
            Observable::Ip(IpAddr::V4(_)) => Some("ip"),
            Observable::Ip(IpAddr::V6(_)) => Some("ipv6"),
            Observable::Domain(_) => Some("domain"),
            Observable::Url(_) => Some("url"),
            Observable::Email(_) => Some("email"),
            Observable::Hash(_) => Some("md5"),
            Observable::Any(_) => None,
        }
    }

    /// The v1 filter key: the legacy API filters each type under its own key, and a value of no
    /// known type under the generic `value` one (exact matching happens here anyway).
    fn v1_filter(&self) -> &'static str {
        match self {
            Observable::Ip(_) => "ip",
            Observable::Domain(_) => "domain",
            Observable::Email(_) => "email",
            Observable::Url(_) => "url",
            Observable::Hash(_) => "md5",
            Observable::Any(_) => "value",
        }
    }

    /// The filters that find this observable's records (paging comes from `search`).
    pub(crate) fn filters(&self, version: ApiVersion) -> Vec<(&'static str, String)> {
        let mut filters = match version {
            ApiVersion::V2 => vec![("value", self.value())],
            ApiVersion::V1 => vec![(self.v1_filter(), self.value())],
        };
        if let (ApiVersion::V2, Some(kind)) = (version, self.v2_type()) {
            filters.push(("type", kind.to_owned()));
        }
        filters
    }

    /// Whether `record` is about exactly this observable. v2 records carry `value`; v1 records carry
    /// the type-specific key instead.
    pub(crate) fn matches(&self, record: &Record) -> bool {
        if let Observable::Any(value) = self {
            // A v1 record may fill several type keys (Rapid7's test record has `srcip`, `domain`
            // and `email`): any of them is the value looked for.
            return VALUE_FIELDS.iter().any(|field| {
                record
                    .get(*field)
                    .and_then(Value::as_str)
                    .is_some_and(|found| same_value(found, value, record))
            });
        }
        let fields: &[&str] = match self {
            Observable::Ip(_) => &["value", "srcip", "ip"],
            Observable::Domain(_) => &["value", "domain"],
            Observable::Url(_) => &["value", "url"],
            Observable::Email(_) => &["value", "email"],
            Observable::Hash(_) => &["value", "md5"],
            Observable::Any(_) => &[],
        };
        let Some(found) = fields
            .iter()
            .find_map(|field| record.get(*field).and_then(Value::as_str))
        else {
            return false;
        };
        let found = found.trim();
        match self {
            Observable::Ip(address) => canonical::ip(found).is_some_and(|other| other == *address),
            Observable::Url(url) => found == url || canonical::url(found).is_some_and(|other| other == *url),
            Observable::Domain(name) => canonical::domain(found).is_some_and(|other| other == *name),
            Observable::Email(address) => canonical::email(found).is_some_and(|other| other == *address),
            Observable::Hash(digest) => found.eq_ignore_ascii_case(digest),
            Observable::Any(_) => false,
        }
    }
}

impl Observable {
    /// The observable a v2 record is about, in the form lookups give it (an address in canonical
    /// form, a domain or e-mail address in lower-case ASCII, a hash in lower case), so a batch's
    /// records can be routed to their observable through a hash map rather than by trying each one;
    /// `None` for a type no lookup asks for.
    pub(crate) fn of_record(record: &Record) -> Option<Observable> {
        let value = record.get("value")?.as_str()?.trim();
        Some(match record.get("type")?.as_str()? {
            "ip" | "ipv6" => Observable::Ip(canonical::ip(value)?),
            "domain" => Observable::Domain(canonical::domain(value)?),
            "email" => Observable::Email(canonical::email(value)?),
            "url" => Observable::Url(canonical::url(value).unwrap_or_else(|| value.to_owned())),
            "md5" | "hash" => Observable::Hash(canonical::hash(value)),
            _ => return None,
        })
    }
}

/// Get Observables' match: exactly equal; equal in the canonical form of the record's type (a v2
/// record's `type`, see `canonical`); equal but for letter case where ThreatStream's own matching
/// ignores it (hashes, e-mail addresses, domains); or the same IP address written differently.
fn same_value(found: &str, wanted: &str, record: &Record) -> bool {
    if found == wanted || Observable::of_record(record).is_some_and(|typed| typed.value() == wanted) {
        return true;
    }
    if found.eq_ignore_ascii_case(wanted) {
        let kind = record.get("type").and_then(Value::as_str);
        let v1_key = ["md5", "email", "domain"]
            .iter()
            .any(|key| record.get(*key).and_then(Value::as_str).map(str::trim) == Some(found));
        if matches!(kind, Some("md5" | "hash" | "email" | "domain")) || v1_key {
            return true;
        }
    }
    match (canonical::ip(found), wanted.parse::<IpAddr>()) {
        (Some(found), Ok(wanted)) => found == wanted,
        _ => false,
    }
}

/// `api/<version>/intelligence/`: lookups and the feed search it, imports PATCH it or upload under it,
/// and batches budget their URLs by its length, so it is spelt here only.
pub(crate) fn path(version: ApiVersion) -> String {
    format!("api/{}/intelligence/", version.segment())
}

/// Hands every record whose value is exactly `observable`, across all pages, to `keep`, page by page,
/// and answers with how many there were. Records are passed on as they arrive rather than collected,
/// so a caller that writes them out holds one page at a time, not all of them.
pub(crate) async fn lookup(
    client: &Client,
    observable: &Observable,
    mut keep: impl FnMut(Record),
) -> Result<usize, ApiError> {
    let mut found = 0;
    let filters = observable.filters(client.api_version());
    search(client, &filters, |page| {
        let before = found;
        for record in page.into_iter().filter(|record| observable.matches(record)) {
            keep(record);
            found += 1;
        }
        debug!("{} exact matches", found - before);
    })
    .await?;
    info!("Found {} for {}", count_of(found, "record"), observable.value());
    Ok(found)
}

/// Searches intelligence with `filters`, every page of it, handing each page's records to `page` as
/// it arrives: the request of every lookup (`lookup`, and `batch`'s searches of many values), on the
/// connection's API version; `probe` sends the connection test to the same route.
///
/// # Contract: GET `/api/v2/intelligence/`
///
/// - Capability: Lookups (`lookup_ip`, `lookup_url`, `lookup_hash`, `lookup_domain`, `lookup_email`,
///   `get_observables`, `lookup_observables`, `enrich_observable`'s records, the by-value targets of the
///   observable steps; the connection test)
/// - Parameters and body: One observable: `value`, `type` (`ip`, `ipv6`, `domain`, `url`, `email`; every hash
///   `md5`; none for Get Observables' any value), `limit=1000&offset=0`. Lookup Observables: `q=(value="a" OR
///   value="b" ...) AND type=<type>`, the observables of one type cut into searches whose URLs stay under 8000
///   bytes, `limit=1000&offset=0`. Connection test: `limit=1` alone. No body
/// - Answer and paging: `{meta: {limit, next, offset, previous?, took?, total_count}, objects: [...]}`; `meta`
///   may be absent (the last page). Ids are numbers (past 2^32) or numeric strings; keys may be absent, `tags`
///   null; `sort` `[ms, "id"]` or `[n]`. `value` is a loose match: only records exactly about the observable are
///   kept. Paging: later pages are `meta.next` as given (`/api/v2/intelligence/?&search_after=<ms>%2C<id>`, a
///   keyset link, an offset link), with `api_key`/`username` dropped, first-page parameters it lacks added back
///   (never `offset`), another host refused; ends on a page without `next`. A repeated page, an empty page with a
///   `next`, or 250 pages is an error
/// - Confirmed by: XS3 `get_indicators` (follows `next` verbatim past 1000), `test_pagination`,
///   `test_pagination_without_credentials`, `test_sanity` (no `meta`), reputation commands with
///   `mocked_ip_response.json`, `mocked_file_response.json` (a SHA-256 under `type: md5`),
///   `mocked_empty_response.json`; FS `operations.py` `get_all_record` (`next` verbatim, nothing added); TF
///   `ThreatFuseManager._paginate_results` and GA (follow `next`, re-sending every parameter); EL mock (a keyset
///   `next` restating the filters); POL `integration.js` (batched `q`); SOAR `_test_connectivity`, XS3
///   `test_module` (`limit=1`); TF `enrich_entities_JsonResult_example.json` (ids past 2^32); XSF `_test.py` (ids
///   as text)
/// - Fixtures: `intelligence/xsoar_ip_search`, `intelligence/xsoar_file_search`,
///   `intelligence/xsoar_empty_search`, `intelligence/xsoar_search_without_meta`,
///   `intelligence/xsoar_search_after_first_page`, `intelligence/xsoar_search_after_last_page`,
///   `intelligence/xsoar_next_with_credentials`, `intelligence/elastic_keyset_page`,
///   `intelligence/threatfuse_big_ids`, `intelligence/feed_string_ids`
/// - Choice: `next` followed verbatim (XS3, FS), followed with every parameter re-sent (TF, GA), or ignored while
///   offsets are counted (SOAR, R7, NS, EL) → followed, adding back only what it lacks: offsets skip or repeat on
///   search_after and keyset servers. XS3 follows a `next` that carries `api_key=` without the header →
///   credentials dropped, header kept. XS3 sends `type=md5` for every hash, POL and NS `type=hash` → `md5`. SOAR
///   sends no `type` → `type` sent, exact matching done here anyway
///
/// # Contract: GET `/api/v1/intelligence/`
///
/// - Capability: Lookups on a v1 connection (the same steps)
/// - Parameters and body: One search per observable: `ip`, `domain`, `url`, `email` or `md5` by type, `value` for
///   any value; `limit=1000&offset=0`. Connection test: `limit=1`
/// - Answer and paging: v1 records: type-specific keys (`srcip`, `domain`, `url`, `email`, `md5`, `""` when
///   unused), `state`, `update_id` as text; one record may fill several type keys (any of them matches). Paging:
///   `meta.next` as given (a Tastypie offset link)
/// - Confirmed by: R7 3.1.2 `util/api.py` and `get_observables_success.json.resp` @9a2e9e0
/// - Fixtures: `intelligence/rapid7_v1_search`
/// - Choice: R7 counts offsets while `next` is set → `next` followed as the v2 search follows it. The form of a
///   v1 `next` is unconfirmed (no public capture); an offset link works either way
pub(crate) async fn search(
    client: &Client,
    filters: &[(&'static str, String)],
    page: impl FnMut(Vec<Record>),
) -> Result<(), ApiError> {
    each_page(client, &path(client.api_version()), filters, usize::MAX, page)
        .await
        .map(|_| ())
}

/// Searches v2 intelligence with `filters` (the query language `q` is v2's, so whatever the
/// connection's version), every page up to `limit`, handing each page's records to `page` as it
/// arrives; answers whether there were more than `limit`.
///
/// # Contract: GET `/api/v2/intelligence/`
///
/// - Capability: Search (`search_intelligence`)
/// - Parameters and body: Each only when given: `q` (the query language, refused before any request when its
///   parentheses or double quotes do not balance, or over 2,000 characters), `value`, `type`, `itype`, `status`,
///   `tags.name` (comma list), `confidence`, or `confidence__gt`/`__gte`/`__lt`/`__lte`, `source`,
///   `update_id__gt`, `order_by` (`update_id`, `modified_ts`, `created_ts`, `confidence`, each also with `-`); at
///   least one condition. `limit=<up to 1000>&offset=0` on the first page. Always v2, whatever the connection's
///   version (the query language is v2's)
/// - Answer and paging: A page as for the lookups; the records are kept as ThreatStream sent them (no exact
///   matching: `value` is ThreatStream's own prefix match) and written into the output as each page arrives.
///   Paging: `meta.next` as for the lookups, until the limit (at most 100,000); whether more remained is `more`
/// - Confirmed by: XS3 `search_intelligence` (`query` sent as `q` together with `value`, `type`, `itype`,
///   `status`, `tags`, `confidence`, `source`, `update_id_gt`, `order_by`, `limit`) and its README; POL
///   `integration.js` (a `q` of `value=` terms); CS `Anomali.json` (`tags.name`, `update_id__gt`, `order_by`)
/// - Fixtures: None yet (the step's tests run against the simulator, which reads the query language)
/// - Choice: XS3 sends `update_id_gt` (one underscore, a name ThreatStream ignores) → `update_id__gt`, the name
///   the feed clients (EL, NS, CS) send. Tag filter `tags` (XS3) or `tags.name` (CS, the feed) → `tags.name`.
///   XS3's README says `q` overrides the other filters; no answer shows it → both sent, and help.md advises
///   putting every condition in `q` when both matter
pub(crate) async fn search_v2(
    client: &Client,
    filters: &[(&str, String)],
    limit: usize,
    page: impl FnMut(Vec<Record>),
) -> Result<bool, ApiError> {
    each_page(client, &path(ApiVersion::V2), filters, limit, page).await
}

/// The connection test every ThreatStream integration uses: one record of intelligence, any record.
pub(crate) async fn probe(client: &Client) -> Result<(), ApiError> {
    let path = path(client.api_version());
    let _: Page = client.get_json(&path, &[("limit", "1".to_owned())]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::paging::first_page;
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_numbers_or_numeric_strings() {
        assert_eq!(numeric_id(&json!(1000000344)), Some(1_000_000_344));
        assert_eq!(numeric_id(&json!("271940331")), Some(271_940_331));
        assert_eq!(numeric_id(&json!(" 12 ")), Some(12));
        for not_an_id in [json!(-1), json!(1.5), json!("x"), json!(""), json!(null), json!([1])] {
            assert_eq!(numeric_id(&not_an_id), None, "{not_an_id}");
        }
    }

    #[test]
    fn v2_query_carries_value_type_and_the_first_page() {
        let ip = Observable::Ip("2001:DB8::1".parse().unwrap());
        assert_eq!(
            first_page(&ip.filters(ApiVersion::V2), usize::MAX),
            vec![
                ("value", "2001:db8::1".into()),
                ("type", "ipv6".into()),
                ("limit", "1000".into()),
                ("offset", "0".into())
            ]
        );
        let hash = Observable::Hash("44d88612fea8a8f36de82e1278abb02f".into());
        assert_eq!(
            hash.filters(ApiVersion::V1)[0],
            ("md5", "44d88612fea8a8f36de82e1278abb02f".into())
        );
    }

    #[test]
    fn matching_is_exact_per_kind() {
        let ip = Observable::Ip("198.51.100.23".parse().unwrap());
        assert!(ip.matches(&record_of(json!({"value": "198.51.100.23"}))));
        assert!(ip.matches(&record_of(json!({"srcip": "198.51.100.23"}))));
        assert!(!ip.matches(&record_of(json!({"value": "198.51.100.230"}))));
        assert!(!ip.matches(&record_of(json!({"value": 7}))));
        let url = Observable::Url("http://a.example/x".into());
        assert!(url.matches(&record_of(json!({"url": "http://a.example/x"}))));
        assert!(!url.matches(&record_of(json!({"value": "http://a.example/x?y=1"}))));
        let hash = Observable::Hash("44d88612fea8a8f36de82e1278abb02f".into());
        assert!(hash.matches(&record_of(json!({"value": "44D88612FEA8A8F36DE82E1278ABB02F"}))));
        assert!(!hash.matches(&record_of(json!({"id": 1}))));
        let domain = Observable::Domain("evil-domain.example".into());
        assert!(domain.matches(&record_of(json!({"domain": "EVIL-DOMAIN.example."}))));
        assert!(!domain.matches(&record_of(json!({"value": "cdn.evil-domain.example"}))));
        let email = Observable::Email("phisher@example.org".into());
        assert!(email.matches(&record_of(json!({"value": "Phisher@Example.org"}))));
        assert_eq!(
            email.filters(ApiVersion::V1)[0],
            ("email", "phisher@example.org".into())
        );
        assert_eq!(domain.filters(ApiVersion::V2)[1], ("type", "domain".into()));
        assert_eq!(
            domain.filters(ApiVersion::V1)[0],
            ("domain", "evil-domain.example".into())
        );
    }

    #[test]
    fn a_record_names_the_observable_a_lookup_would_give() {
        let cases = [
            (
                json!({"type": "ipv6", "value": "2001:DB8::1"}),
                Observable::Ip("2001:db8::1".parse().unwrap()),
            ),
            (
                json!({"type": "domain", "value": "Bücher.example."}),
                Observable::Domain("xn--bcher-kva.example".into()),
            ),
            (
                json!({"type": "email", "value": "Phisher@Example.COM"}),
                Observable::Email("phisher@example.com".into()),
            ),
            (
                json!({"type": "md5", "value": "44D88612FEA8A8F36DE82E1278ABB02F"}),
                Observable::Hash("44d88612fea8a8f36de82e1278abb02f".into()),
            ),
            (
                json!({"type": "url", "value": "http://a.example/X"}),
                Observable::Url("http://a.example/X".into()),
            ),
        ];
        for (found, expected) in cases {
            let found = record_of(found);
            assert_eq!(Observable::of_record(&found), Some(expected.clone()));
            assert!(expected.matches(&found), "{expected:?}");
        }
        assert_eq!(
            Observable::of_record(&record_of(json!({"type": "string", "value": "x"}))),
            None
        );
        assert_eq!(
            Observable::of_record(&record_of(json!({"srcip": "198.51.100.23"}))),
            None
        );
    }

    #[test]
    fn internationalised_and_mixed_case_names_match_their_ascii_form() {
        let domain = Observable::Domain("xn--bcher-kva.example".into());
        assert!(domain.matches(&record_of(json!({"value": "XN--BCHER-KVA.example"}))));
        assert!(domain.matches(&record_of(json!({"value": "Bücher.example."}))));
        assert!(!domain.matches(&record_of(json!({"value": "bucher.example"}))));
        let email = Observable::Email("info@xn--bcher-kva.example".into());
        assert!(email.matches(&record_of(json!({"value": "Info@bücher.example"}))));
        assert!(email.matches(&record_of(json!({"email": "INFO@XN--BCHER-KVA.EXAMPLE"}))));
        assert!(!email.matches(&record_of(json!({"value": "info@bücher.example.net"}))));
        assert!(!email.matches(&record_of(json!({"value": "info"}))));
    }

    #[test]
    fn any_value_matches_exactly_or_by_the_rules_of_its_type() {
        let any = |value: &str| Observable::Any(value.to_owned());
        assert_eq!(
            any("Evil.Example").filters(ApiVersion::V2)[0],
            ("value", "Evil.Example".into())
        );
        assert!(!any("x").filters(ApiVersion::V2).iter().any(|(key, _)| *key == "type"));
        assert_eq!(any("x").filters(ApiVersion::V1)[0], ("value", "x".into()));
        let domain = record_of(json!({"value": "evil.example", "type": "domain"}));
        assert!(any("Evil.Example").matches(&domain));
        let url = record_of(json!({"value": "http://a.example/X", "type": "url"}));
        assert!(!any("http://a.example/x").matches(&url), "URL paths are case-sensitive");
        assert!(any("2001:DB8::1").matches(&record_of(json!({"value": "2001:db8::1", "type": "ipv6"}))));
        assert!(any("PHISHER@EXAMPLE.COM").matches(&record_of(json!({"email": "phisher@example.com"}))));
        assert!(!any("evil.example").matches(&record_of(json!({"value": "evil.example.net", "type": "domain"}))));
        let v1 = record_of(json!({"srcip": "127.0.53.53", "domain": "window.google", "md5": "", "url": ""}));
        assert!(any("window.google").matches(&v1), "any type key of a v1 record");
        assert!(any("127.0.53.53").matches(&v1));
        assert_eq!(
            record_value(&record_of(json!({"md5": "", "domain": "a.example"}))),
            Some("a.example")
        );
    }
}
