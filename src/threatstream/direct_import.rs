//! Import without approval: `PATCH /api/v{1,2}/intelligence/` with `{"meta": ..., "objects": [...]}`
//! (reference §1.10). The observables go live at once.
//!
//! ThreatStream answers 202, often with an empty body, and acts later: a success says the request was
//! accepted, not that every observable was stored. A large import is cut into requests of at most
//! `MAX_REQUEST_BYTES` (peers cut at about 10 MB; half that stays clear of any proxy's limit). No request
//! is ever sent twice: a PATCH that failed may still have been applied, and a second copy would import
//! again, so a failure reports how much had been accepted before it.

use reqwest::Method;
use serde_json::Value;
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence;
use crate::plural::count_of;

/// The largest request body sent.
const MAX_REQUEST_BYTES: usize = 5_000_000;

/// One request's body, as JSON text, and how many observables it carries.
#[derive(Debug)]
pub(crate) struct ImportRequest {
    body: String,
    observables: usize,
}

/// What was accepted: observables and requests.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Accepted {
    pub(crate) observables: usize,
    pub(crate) requests: usize,
}

/// A request failed: `accepted` says what the requests before it had carried.
#[derive(Debug)]
pub(crate) struct Interrupted {
    pub(crate) accepted: Accepted,
    pub(crate) requests: usize,
    pub(crate) error: ApiError,
}

/// The requests that carry `objects` under `meta`, each at most `MAX_REQUEST_BYTES`; `Err` holds the
/// index of an object too large to fit any request.
pub(crate) fn import_requests(meta: &Value, objects: &[Value]) -> Result<Vec<ImportRequest>, usize> {
    let opening = format!("{{\"meta\":{meta},\"objects\":[");
    let closing = "]}";
    let mut requests = Vec::new();
    let mut body = opening.clone();
    let mut count = 0;
    for (index, object) in objects.iter().enumerate() {
        let text = object.to_string();
        if opening.len() + text.len() + closing.len() > MAX_REQUEST_BYTES {
            return Err(index);
        }
        // Only a request that holds objects is cut: the comma counts from the second object on.
        if count > 0 && body.len() + 1 + text.len() + closing.len() > MAX_REQUEST_BYTES {
            body.push_str(closing);
            requests.push(ImportRequest {
                body: std::mem::replace(&mut body, opening.clone()),
                observables: std::mem::take(&mut count),
            });
        }
        if count > 0 {
            body.push(',');
        }
        body.push_str(&text);
        count += 1;
    }
    if count > 0 {
        body.push_str(closing);
        requests.push(ImportRequest {
            body,
            observables: count,
        });
    }
    Ok(requests)
}

/// Sends each request once, in order, stopping at the first failure.
///
/// # Contract: PATCH `/api/v{1,2}/intelligence/`
///
/// - Capability: Import without approval (`import_observables_without_approval`)
/// - Parameters and body: JSON `{"meta": {...}, "objects": [...]}`, cut into requests of at most 5 MB, each sent
///   once, in order
/// - Answer and paging: 202, usually with an empty body, or a `text/html` one. The body is read only for saying
///   it failed. Any other 2xx, an empty body, or a 202 whose body is not JSON is accepted. A failure reports what
///   the requests before it carried. No paging
/// - Confirmed by: XS3 `import_ioc_without_approval` (body never read); SOAR `import_support` and
///   `_process_html_response` (an HTML 202 → `{}`); NS `main.py` push (v2, cut at about 10 MB)
/// - Fixtures: `import/import_without_approval_202_empty`
/// - Choice: v1 (SOAR) or v2 (XS3, NS) → the connection's version. Accepted is not stored (SOAR's manual): the
///   step says so
pub(crate) async fn import_without_approval(
    client: &Client,
    requests: Vec<ImportRequest>,
) -> Result<Accepted, Interrupted> {
    let path = intelligence::path(client.api_version());
    let total = requests.len();
    let mut accepted = Accepted::default();
    for (number, request) in requests.into_iter().enumerate() {
        info!(
            "Importing {} without approval, request {} of {total} ({})",
            count_of(request.observables, "observable"),
            number + 1,
            count_of(request.body.len(), "byte")
        );
        let sent = client
            .send_json(Method::PATCH, &path, &[], Some(request.body), Replay::Never)
            .await;
        if let Err(error) = sent {
            return Err(Interrupted {
                accepted,
                requests: total,
                error,
            });
        }
        accepted.observables += request.observables;
        accepted.requests += 1;
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sizes(requests: &[ImportRequest]) -> Vec<usize> {
        requests.iter().map(|request| request.observables).collect()
    }

    #[test]
    fn a_small_import_is_one_request_of_valid_json() {
        let meta = json!({"classification": "private"});
        let objects = [
            json!({"srcip": "198.51.100.7", "itype": "c2_ip"}),
            json!({"domain": "a.example"}),
        ];
        let requests = import_requests(&meta, &objects).expect("fits");
        assert_eq!(sizes(&requests), [2]);
        let body: Value = serde_json::from_str(&requests[0].body).expect("JSON");
        assert_eq!(body, json!({"meta": meta, "objects": objects}));
    }

    #[test]
    fn an_object_that_exactly_fills_a_request_is_never_preceded_by_an_empty_one() {
        let meta = json!({"classification": "private"});
        let room = MAX_REQUEST_BYTES - format!("{{\"meta\":{meta},\"objects\":[").len() - "]}".len();
        let filler = "x".repeat(room - json!({"url": ""}).to_string().len());
        let exact = json!({"url": filler});
        assert_eq!(exact.to_string().len(), room);
        let requests = import_requests(&meta, &[exact.clone(), exact]).expect("fits");
        assert_eq!(sizes(&requests), [1, 1]);
        assert!(requests.iter().all(|request| request.body.len() == MAX_REQUEST_BYTES));
    }

    #[test]
    fn large_imports_are_cut_below_the_limit_and_keep_every_object_in_order() {
        let meta = json!({"classification": "public"});
        let long = "x".repeat(8000);
        let objects: Vec<Value> = (0..2000)
            .map(|n| json!({"url": format!("https://e.example/{n}/{long}"), "itype": "mal_url"}))
            .collect();
        let requests = import_requests(&meta, &objects).expect("fits");
        assert_eq!(requests.len(), 4, "16 MB in requests of at most 5 MB");
        assert_eq!(sizes(&requests).iter().sum::<usize>(), 2000);
        let mut seen = Vec::new();
        for request in &requests {
            assert!(request.body.len() <= MAX_REQUEST_BYTES, "{}", request.body.len());
            let body: Value = serde_json::from_str(&request.body).expect("JSON");
            assert_eq!(body["meta"], meta);
            seen.extend(body["objects"].as_array().expect("objects").iter().cloned());
        }
        assert_eq!(seen, objects);
    }

    #[test]
    fn nothing_makes_no_request_and_a_giant_object_is_named() {
        assert!(import_requests(&json!({}), &[]).expect("fits").is_empty());
        let giant = json!({"url": "x".repeat(MAX_REQUEST_BYTES)});
        assert_eq!(import_requests(&json!({}), &[json!({}), giant]).err(), Some(1));
    }
}
