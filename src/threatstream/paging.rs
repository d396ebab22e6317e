//! Offset paging, the one way every paged ThreatStream list is read: intelligence searches, threat
//! models, import sessions.
//!
//! Pages are fetched by offset, as the published plugin did, until the caller's limit or a page whose
//! `meta.next` is null. A server that repeats a page, announces a next page after an empty one, or
//! never stops is an `ApiError::Runaway`, not a loop. A limit of 0 sends nothing: Tastypie reads
//! `limit=0` as "no limit", so asking for nothing must not fetch everything. The incremental feed
//! pages by key instead (`feed.rs`); it shares only `Page`.

use serde::Deserialize;
use serde_json::Value;
use tracing::debug;

use super::client::Client;
use super::error::ApiError;
use super::intelligence::Record;

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
    fn is_last(&self) -> bool {
        self.meta
            .as_ref()
            .and_then(|meta| meta.next.as_deref())
            .is_none_or(str::is_empty)
    }
}

/// Reads `path` with `filters` page by page until `limit` records or the last page, handing every
/// page fetched to `page` as it arrives, cut so that no more than `limit` records are handed over.
pub(super) async fn each_page(
    client: &Client,
    path: &str,
    filters: &[(&'static str, String)],
    limit: usize,
    mut page: impl FnMut(Vec<Record>),
) -> Result<(), ApiError> {
    if limit == 0 {
        return Ok(());
    }
    let (mut offset, mut taken) = (0, 0);
    let mut previous: Option<PageMark> = None;
    for number in 1..=MAX_PAGES {
        let wanted = (limit - taken).min(PAGE_SIZE);
        let answer: Page = client.get_json(path, &paged(filters, offset, wanted)).await?;
        let last = answer.is_last();
        let mark = PageMark::of(&answer.objects);
        debug!("Page {number} at offset {offset}: {} records", mark.len);
        check_progress(&mark, previous.as_ref(), offset, last)?;
        let mut objects = answer.objects;
        objects.truncate(limit - taken);
        offset += mark.len;
        taken += objects.len();
        page(objects);
        if last || taken >= limit {
            return Ok(());
        }
        previous = Some(mark);
    }
    Err(ApiError::Runaway {
        reason: format!("more than {MAX_PAGES} pages of {PAGE_SIZE} records"),
    })
}

/// `filters` and the page of `limit` records at `offset`.
pub(super) fn paged(filters: &[(&'static str, String)], offset: usize, limit: usize) -> Vec<(&'static str, String)> {
    let mut query = filters.to_vec();
    query.push(("limit", limit.to_string()));
    query.push(("offset", offset.to_string()));
    query
}

/// How many bytes paging adds to a URL at most, for callers that must keep URLs short.
pub(super) fn max_paging_bytes() -> usize {
    format!("&limit={PAGE_SIZE}&offset={}", MAX_PAGES * PAGE_SIZE).len()
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
fn check_progress(mark: &PageMark, previous: Option<&PageMark>, offset: usize, last: bool) -> Result<(), ApiError> {
    if mark.len == 0 && !last {
        return Err(ApiError::Runaway {
            reason: format!("an empty page at offset {offset} still announced a next page"),
        });
    }
    if previous == Some(mark) && mark.first_id.is_some() {
        return Err(ApiError::Runaway {
            reason: format!("the page at offset {offset} repeats the previous page"),
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

    /// A 200 answer: a page of records with these ids, announcing a next page or not.
    pub(in crate::threatstream) fn page_of(ids: &[u64], next: bool) -> Fault {
        let next = next.then_some("/api/v2/intelligence/?offset=1000");
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
    fn pages_follow_each_other_up_to_the_limit() {
        let sim = Simulator::start("k");
        sim.push_fault(page_of(&[1, 2], true));
        sim.push_fault(page_of(&[3, 4, 5], true));
        assert_eq!(pages(&sim, 4).expect("two pages"), [vec![1, 2], vec![3, 4]]);
        assert_eq!(queries(&sim), ["limit=4&offset=0", "limit=2&offset=2"]);
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
        assert!(check_progress(&mark, None, 0, false).is_ok());
        assert!(check_progress(&PageMark::of(&page), Some(&mark), 2, false).is_err());
        assert!(
            check_progress(&PageMark::of(&page), Some(&mark), 2, true).is_err(),
            "a repeat is refused even on the last page"
        );
        assert!(check_progress(&PageMark::of(&records(&[3, 4])), Some(&mark), 2, false).is_ok());
        assert!(check_progress(&PageMark::of(&[]), None, 0, false).is_err());
        assert!(
            check_progress(&PageMark::of(&[]), Some(&mark), 2, true).is_ok(),
            "an empty last page ends a list"
        );
    }

    #[test]
    fn a_page_is_last_unless_it_names_a_next_one() {
        let last = |page: Value| serde_json::from_value::<Page>(page).map(|page| page.is_last()).ok();
        assert_eq!(last(json!({"objects": []})), Some(true));
        assert_eq!(last(json!({"meta": null, "objects": []})), Some(true));
        assert_eq!(last(json!({"meta": {"next": null}, "objects": []})), Some(true));
        assert_eq!(last(json!({"meta": {"next": ""}, "objects": []})), Some(true));
        assert_eq!(
            last(json!({"meta": {"next": "/api/v2/intelligence/?offset=2"}, "objects": []})),
            Some(false)
        );
        assert_eq!(last(json!({"meta": {}})), None, "a page without objects is no page");
    }

    #[test]
    fn paging_goes_after_the_filters() {
        assert_eq!(
            paged(&[("value", "x".to_owned())], 2000, 1000),
            [
                ("value", "x".to_owned()),
                ("limit", "1000".to_owned()),
                ("offset", "2000".to_owned())
            ]
        );
        assert_eq!(max_paging_bytes(), "&limit=1000&offset=250000".len());
    }
}
