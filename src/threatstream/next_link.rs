//! A page's `meta.next`, made into the URL of the next request.
//!
//! Only the server knows how it pages: deep v2 searches go by `search_after` (XSOAR's pagination test
//! follows `/api/v2/intelligence/?&search_after=1693750222045%2C455231625`), Elastic's feed shows a
//! keyset link restating every filter with `update_id__gt`, v1 lists (Tastypie) link by
//! `limit`/`offset`. Counting offsets ourselves breaks on the first two, so the link is followed as
//! given, as XSOAR and FortiSOAR follow it, with three changes, each for a reason:
//!
//! - **Credentials go.** An on-premises server may echo `api_key=` and `username=` into `next`
//!   (XSOAR's `test_pagination_without_credentials`). They are dropped: the key travels only in the
//!   Authorization header, never in a URL that proxies log.
//! - **The instance's path prefix stays.** `next` is a path from the server's root (`/api/...`); an
//!   instance configured as `https://host/threatstream/` keeps its prefix (XSOAR and Google SecOps join
//!   the part from `api/` on to their base URL), unless the link already carries it.
//! - **What the link lacks is added back.** A parameter of the first request that the link does not
//!   carry at all (a filter, the page size; never `offset`) is appended, so a link written short
//!   continues the same search instead of widening it to all intelligence. Google SecOps' clients
//!   re-send every parameter with `next` against live tenants; adding only the missing ones is milder.
//!
//! A link to another host is refused rather than followed: it would carry the key elsewhere.

use reqwest::Url;

use super::error::ApiError;

/// Query parameters that are credentials, in any letter case (Tastypie's `ApiKeyAuthentication`).
const CREDENTIALS: [&str; 2] = ["api_key", "username"];

/// Never added back: the link's own position is the server's, and an old offset would contradict it.
const POSITION: &str = "offset";

/// The URL of the page `next` names, on the instance at `base`, with `carried` (the first request's
/// parameters) added where the link lacks them.
pub(super) fn next_page_url(base: &Url, next: &str, carried: &[(&str, String)]) -> Result<Url, ApiError> {
    let (path, query) = path_and_query(base, next.trim())?;
    let mut url = base.clone();
    url.set_path(&with_prefix(base, &path));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_credential(pair))
        .collect();
    let mut query = kept.join("&");
    let mut added = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (key, value) in carried {
        if *key != POSITION && !kept.iter().any(|pair| key_of(pair) == *key) {
            added.append_pair(key, value);
            any = true;
        }
    }
    if any {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&added.finish());
    }
    url.set_query((!query.is_empty()).then_some(query.as_str()));
    Ok(url)
}

/// The link's path (from the server's root) and raw query. An absolute link must be on the
/// instance's host; its scheme and port are the instance's, since a proxy in front of ThreatStream
/// may name its own.
fn path_and_query(base: &Url, next: &str) -> Result<(String, String), ApiError> {
    let next = next.split('#').next().unwrap_or_default();
    if let Ok(absolute) = Url::parse(next) {
        let same_host = absolute.host_str().is_some_and(|host| Some(host) == base.host_str());
        if !matches!(absolute.scheme(), "http" | "https") || !same_host {
            return Err(refused(next, "it points away from the ThreatStream instance"));
        }
        return Ok((
            absolute.path().to_owned(),
            absolute.query().unwrap_or_default().to_owned(),
        ));
    }
    if next.starts_with("//") {
        return Err(refused(next, "it points away from the ThreatStream instance"));
    }
    let (path, query) = next.split_once('?').unwrap_or((next, ""));
    if path.is_empty() {
        return Err(refused(next, "it names no path"));
    }
    Ok((format!("/{}", path.trim_start_matches('/')), query.to_owned()))
}

/// `path` under the instance's path prefix, unless it is there already.
fn with_prefix(base: &Url, path: &str) -> String {
    let prefix = base.path().trim_end_matches('/');
    if prefix.is_empty() || path.starts_with(&format!("{prefix}/")) {
        path.to_owned()
    } else {
        format!("{prefix}{path}")
    }
}

/// A raw `key=value` pair's key, decoded.
fn key_of(pair: &str) -> String {
    form_urlencoded::parse(pair.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

fn is_credential(pair: &str) -> bool {
    let key = key_of(pair);
    CREDENTIALS
        .iter()
        .any(|credential| key.eq_ignore_ascii_case(credential))
}

/// A link that cannot be followed is an answer outside the API's shape. The link itself stays out of
/// the error: it may hold a credential.
fn refused(next: &str, why: &str) -> ApiError {
    let host = Url::parse(next)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .or_else(|| {
            next.strip_prefix("//")
                .and_then(|rest| rest.split(['/', '?']).next())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let reason = if host.is_empty() {
        format!("the next page link cannot be followed: {why}")
    } else {
        format!("the next page link cannot be followed: {why} (to {host})")
    };
    ApiError::Decode {
        path: "meta.next".to_owned(),
        reason,
        excerpt: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> Url {
        Url::parse(url).expect("a test base URL")
    }

    fn next(base_url: &str, link: &str, carried: &[(&str, &str)]) -> String {
        let carried: Vec<(&str, String)> = carried.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        next_page_url(&base(base_url), link, &carried)
            .map(String::from)
            .unwrap_or_else(|error| format!("error: {error}"))
    }

    #[test]
    fn a_search_after_link_is_followed_as_given() {
        assert_eq!(
            next(
                "https://ts.example.com",
                "/api/v2/intelligence/?&search_after=1693750222045%2C455231625",
                &[]
            ),
            "https://ts.example.com/api/v2/intelligence/?search_after=1693750222045%2C455231625"
        );
    }

    #[test]
    fn credentials_in_the_link_never_reach_the_url() {
        let url = next(
            "https://ts.example.com/",
            "/api/v2/intelligence/?&search_after=test&api_key=s3cret&USERNAME=a%40b.example&Api_Key=x",
            &[("limit", "1000")],
        );
        assert_eq!(
            url,
            "https://ts.example.com/api/v2/intelligence/?search_after=test&limit=1000"
        );
    }

    #[test]
    fn the_instance_prefix_is_kept_once() {
        let expected = "https://ex.com/threatstream/api/v1/importsession/?limit=2&offset=2";
        for link in [
            "/api/v1/importsession/?limit=2&offset=2",
            "/threatstream/api/v1/importsession/?limit=2&offset=2",
            "api/v1/importsession/?limit=2&offset=2",
            "http://ex.com/threatstream/api/v1/importsession/?limit=2&offset=2",
        ] {
            assert_eq!(next("https://ex.com/threatstream/", link, &[]), expected, "{link}");
        }
    }

    #[test]
    fn parameters_the_link_lacks_are_added_but_never_an_offset() {
        let carried = [("q", "(value=\"a\")"), ("limit", "1000"), ("offset", "0")];
        assert_eq!(
            next(
                "https://h.example",
                "/api/v2/intelligence/?&search_after=1%2C2",
                &carried
            ),
            "https://h.example/api/v2/intelligence/?search_after=1%2C2&q=%28value%3D%22a%22%29&limit=1000"
        );
        let restated = "/api/v2/intelligence/?limit=3&order_by=update_id&q=x+y&update_id__gt=100000003";
        assert_eq!(
            next("https://h.example", restated, &[("q", "other"), ("limit", "1000")]),
            format!("https://h.example{restated}"),
            "a link that carries a parameter keeps its own value"
        );
    }

    #[test]
    fn a_link_to_another_host_is_refused_without_echoing_it() {
        for link in [
            "https://elsewhere.example/api/v2/intelligence/?api_key=s3cret",
            "//elsewhere.example/api/v2/intelligence/?api_key=s3cret",
            "ftp://h.example/api/v2/intelligence/",
        ] {
            let error = next_page_url(&base("https://h.example"), link, &[]).expect_err(link);
            let text = format!("{error:?}");
            assert!(matches!(error, ApiError::Decode { .. }), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert_eq!(
            next("https://h.example:8443", "http://H.EXAMPLE/api/x/?a=1", &[]),
            "https://h.example:8443/api/x/?a=1",
            "the same host under the proxy's scheme and port"
        );
    }
}
