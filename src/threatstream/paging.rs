//! Paging, the one way every paged ThreatStream list is read: intelligence searches, threat models,
//! import sessions.
//!
//! The first page is our own request: the caller's filters and a page size. Every later page is the
//! one the previous page's `meta.next` names, as ThreatStream wrote it (`next_link` says what is
//! changed in it and why): v2 searches page by `search_after` or by a keyset, v1 lists by offset, and
//! only the server knows which. Pages are read until the caller's limit or a page without `meta.next`.
//! A server that repeats a page, announces a next page after an empty one, or never stops is an
//! `ApiError::Runaway`, not a loop. A limit of 0 sends nothing: asking for nothing must not fetch a
//! page. The incremental feed pages by key instead (`feed.rs`); it shares only `Page`.

use serde::Deserialize;
use serde_json::Value;
use tracing::debug;

use super::client::Client;
use super::error::ApiError;
use super::intelligence::Record;
use super::next_link::next_page_url;
use crate::plural::count_of;

/// ThreatStream's largest page.
pub(super) const PAGE_SIZE: usize = 1000;

/// More pages than any real list has (250,000 records): past this, the server is misbehaving.
const MAX_PAGES: usize = 250;

/// One page of a Tastypie list, as every paged ThreatStream endpoint answers.
#[derive(Deserialize)]
pub(super) struct Page {
    #[serde(default)]
    meta: Option<PageMeta>,
    pub(super) objects: Vec<Record>,
}

#[derive(Deserialize)]
struct PageMeta {
    #[serde(default)]
    next: Option<String>,
}

impl Page {
    /// The link to the next page, when the page names one.
    fn next(&self) -> Option<&str> {
        self.meta
            .as_ref()
            .and_then(|meta| meta.next.as_deref())
            .map(str::trim)
            .filter(|next| !next.is_empty())
    }
}

/// Reads `path` with `filters` page by page until `limit` records or the last page, handing every
/// page fetched to `page` as it arrives, cut so that no more than `limit` records are handed over.
/// Answers whether the list had more than `limit` records: a page was cut, or the last page read
/// named a next one.
pub(super) async fn each_page(
    client: &Client,
    path: &str,
    filters: &[(&str, String)],
    limit: usize,
    mut page: impl FnMut(Vec<Record>),
) -> Result<bool, ApiError> {
    if limit == 0 {
        return Ok(false);
    }
    let mut taken = 0;
    let mut previous: Option<PageMark> = None;
    let mut answer: Page = client.get_json(path, &first_page(filters, limit)).await?;
    for number in 1..=MAX_PAGES {
        let next = answer.next().map(str::to_owned);
        let mark = PageMark::of(&answer.objects);
        debug!("Page {number}: {}", count_of(mark.len, "record"));
        check_progress(&mark, previous.as_ref(), number, next.is_none())?;
        let mut objects = answer.objects;
        let cut = objects.len() > limit - taken;
        objects.truncate(limit - taken);
        taken += objects.len();
        page(objects);
        if taken == limit {
            return Ok(cut || next.is_some());
        }
        let Some(next) = next else {
            return Ok(false);
        };
        if number == MAX_PAGES {
            break;
        }
        let carried = first_page(filters, limit - taken);
        // (`next_page_url` never adds the first page's offset to a link.)
        answer = client
            .get_json_url(&next_page_url(client.base(), &next, &carried)?)
            .await?;
        previous = Some(mark);
    }
    Err(ApiError::Runaway {
        reason: format!("more than {MAX_PAGES} pages"),
    })
}

/// The first request: `filters` and the first page of `limit` records (at most `PAGE_SIZE`), at
/// offset 0 as Splunk SOAR, FortiSOAR and Rapid7 ask for it. Later pages take their position from
/// the server's link, never from an offset of ours.
pub(super) fn first_page<'a>(filters: &[(&'a str, String)], limit: usize) -> Vec<(&'a str, String)> {
    let mut query = filters.to_vec();
    query.push(("limit", limit.min(PAGE_SIZE).to_string()));
    query.push(("offset", "0".to_owned()));
    query
}

/// How many bytes paging adds to a URL at most, for callers that must keep URLs short: our own
/// `limit`, or the position a server's next link adds to the same filters (an offset, or a
/// `search_after` of a millisecond time and an id, as XSOAR's test shows it).
pub(super) fn max_paging_bytes() -> usize {
    let offset = format!("&limit={PAGE_SIZE}&offset={}", MAX_PAGES * PAGE_SIZE).len();
    let search_after = format!("&limit={PAGE_SIZE}&search_after={}%2C{}", i64::MAX, u64::MAX).len();
    offset.max(search_after)
}

/// What tells one page from the next, cheaply: its size and the ids at both ends.
#[derive(PartialEq, Eq)]
struct PageMark {
    len: usize,
    first_id: Option<Value>,
    last_id: Option<Value>,
}

impl PageMark {
    fn of(records: &[Record]) -> PageMark {
        PageMark {
            len: records.len(),
            first_id: records.first().and_then(|record| record.get("id").cloned()),
            last_id: records.last().and_then(|record| record.get("id").cloned()),
        }
    }
}

/// Refuses a page that repeats the previous one, and an empty page that is not the `last`.
fn check_progress(mark: &PageMark, previous: Option<&PageMark>, number: usize, last: bool) -> Result<(), ApiError> {
    if mark.len == 0 && !last {
        return Err(ApiError::Runaway {
            reason: format!("page {number} was empty and still announced a next page"),
        });
    }
    if previous == Some(mark) && mark.first_id.is_some() {
        return Err(ApiError::Runaway {
            reason: format!("page {number} repeats the previous page"),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use std::future::Future;
    use std::time::Duration;

    use serde_json::json;
    use threatstream_simulator::{Fault, Simulator, USERNAME};

    use super::*;
    use crate::threatstream::{ApiVersion, ClientConfig};

    /// A client of `sim`, which must have been started with the key `"k"`.
    pub(in crate::threatstream) fn client_of(sim: &Simulator) -> Client {
        Client::new(ClientConfig {
            base_url: sim.url(),
            username: USERNAME.into(),
            api_key: "k".into(),
            verify_tls: true,
            api_version: ApiVersion::V2,
            timeout: Duration::from_secs(5),
            remote_api: false,
        })
        .expect("valid config")
    }

    pub(in crate::threatstream) fn run<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    /// The next link XSOAR's pagination test serves (`test_pagination`).
    const SEARCH_AFTER: &str = "/api/v2/intelligence/?&search_after=1693750222045%2C455231625";

    /// A 200 answer: a page of records with these ids, announcing a next page (XSOAR's
    /// `search_after` link) or not.
    pub(in crate::threatstream) fn page_of(ids: &[u64], next: bool) -> Fault {
        page_linking(ids, next.then_some(SEARCH_AFTER))
    }

    /// A 200 answer: a page of records with these ids, whose `meta.next` is `next`.
    fn page_linking(ids: &[u64], next: Option<&str>) -> Fault {
        let objects: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        Fault::Status {
            status: 200,
            body: json!({"meta": {"next": next}, "objects": objects}).to_string(),
        }
    }

    /// Every page `each_page` hands over, as the ids of its records.
    fn pages(sim: &Simulator, limit: usize) -> Result<Vec<Vec<u64>>, ApiError> {
        let mut pages = Vec::new();
        let client = client_of(sim);
        run(each_page(&client, "api/v2/intelligence/", &[], limit, |page| {
            pages.push(page.iter().filter_map(|record| record["id"].as_u64()).collect());
        }))?;
        Ok(pages)
    }

    fn queries(sim: &Simulator) -> Vec<String> {
        sim.requests()
            .into_iter()
            .map(|request| request.query.unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_limit_of_0_sends_nothing() {
        let sim = Simulator::start("k");
        assert_eq!(pages(&sim, 0).expect("no pages"), Vec::<Vec<u64>>::new());
        assert!(sim.requests().is_empty());
    }

    #[test]
    fn pages_follow_the_next_link_up_to_the_limit() {
        let sim = Simulator::start("k");
        sim.push_fault(page_of(&[1, 2], true));
        sim.push_fault(page_of(&[3, 4, 5], true));
        assert_eq!(pages(&sim, 4).expect("two pages"), [vec![1, 2], vec![3, 4]]);
        assert_eq!(
            queries(&sim),
            ["limit=4&offset=0", "search_after=1693750222045%2C455231625&limit=2"]
        );
        assert!(sim.requests().iter().all(|r| r.path == "/api/v2/intelligence/"));
    }

    #[test]
    fn an_offset_link_is_followed_as_given_and_credentials_are_dropped() {
        let sim = Simulator::start("k");
        let tastypie = "/api/v1/importsession/?status=done&limit=2&offset=2&username=a%40b.example&api_key=k";
        sim.push_fault(page_linking(&[1, 2], Some(tastypie)));
        sim.push_fault(page_linking(&[3], None));
        assert_eq!(pages(&sim, 10).expect("two pages"), [vec![1, 2], vec![3]]);
        let second = &sim.requests()[1];
        assert_eq!(second.path, "/api/v1/importsession/");
        assert_eq!(second.query.as_deref(), Some("status=done&limit=2&offset=2"));
    }

    #[test]
    fn a_link_to_another_host_ends_paging_before_any_request() {
        let sim = Simulator::start("k");
        sim.push_fault(page_linking(
            &[1],
            Some("https://elsewhere.example/api/v2/intelligence/?a=1"),
        ));
        let error = pages(&sim, 10).expect_err("refused");
        assert!(
            matches!(error, ApiError::Decode { ref path, .. } if path == "meta.next"),
            "{error:?}"
        );
        assert_eq!(sim.requests().len(), 1);
    }

    #[test]
    fn a_repeated_or_empty_page_that_announces_more_is_a_runaway() {
        for second in [page_of(&[1, 2], true), page_of(&[], true)] {
            let sim = Simulator::start("k");
            sim.push_fault(page_of(&[1, 2], true));
            sim.push_fault(second);
            let error = pages(&sim, 10).expect_err("a runaway");
            assert!(matches!(error, ApiError::Runaway { .. }), "{error:?}");
            assert_eq!(sim.requests().len(), 2);
        }
    }

    fn records(ids: &[u64]) -> Vec<Record> {
        ids.iter()
            .map(|id| match json!({"id": id}) {
                Value::Object(record) => record,
                _ => unreachable!("test records are objects"),
            })
            .collect()
    }

    #[test]
    fn progress_guard_stops_repeats_and_empty_pages() {
        let page = records(&[1, 2]);
        let mark = PageMark::of(&page);
        assert!(check_progress(&mark, None, 1, false).is_ok());
        assert!(check_progress(&PageMark::of(&page), Some(&mark), 2, false).is_err());
        assert!(
            check_progress(&PageMark::of(&page), Some(&mark), 2, true).is_err(),
            "a repeat is refused even on the last page"
        );
        assert!(check_progress(&PageMark::of(&records(&[3, 4])), Some(&mark), 2, false).is_ok());
        assert!(check_progress(&PageMark::of(&[]), None, 1, false).is_err());
        assert!(
            check_progress(&PageMark::of(&[]), Some(&mark), 2, true).is_ok(),
            "an empty last page ends a list"
        );
    }

    #[test]
    fn a_page_is_last_unless_it_names_a_next_one() {
        let next = |page: Value| {
            serde_json::from_value::<Page>(page)
                .ok()
                .map(|page| page.next().map(str::to_owned))
        };
        assert_eq!(next(json!({"objects": []})), Some(None));
        assert_eq!(next(json!({"meta": null, "objects": []})), Some(None));
        assert_eq!(next(json!({"meta": {"next": null}, "objects": []})), Some(None));
        assert_eq!(next(json!({"meta": {"next": " "}, "objects": []})), Some(None));
        assert_eq!(
            next(json!({"meta": {"next": SEARCH_AFTER}, "objects": []})),
            Some(Some(SEARCH_AFTER.to_owned()))
        );
        assert_eq!(next(json!({"meta": {}})), None, "a page without objects is no page");
    }

    #[test]
    fn the_first_page_is_the_filters_and_a_page_size() {
        assert_eq!(
            first_page(&[("value", "x".to_owned())], 5000),
            [
                ("value", "x".to_owned()),
                ("limit", "1000".to_owned()),
                ("offset", "0".to_owned())
            ]
        );
        assert_eq!(
            first_page(&[], 7),
            [("limit", "7".to_owned()), ("offset", "0".to_owned())]
        );
        assert_eq!(
            max_paging_bytes(),
            format!("&limit=1000&search_after={}%2C{}", i64::MAX, u64::MAX).len()
        );
    }
}
