//! One exchange with ThreatStream: a request sent, the redirects it may follow, its status and its
//! body, read within the step's memory budget.
//!
//! `client.rs` builds requests and decides what to do with answers; this is the one place a response
//! becomes bytes or an `ApiError`. Redirects are followed here, by the rules of `redirect`; every body is
//! charged to the step's budget chunk by chunk as it arrives (`crate::budget`), under a cap per answer.

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};

use super::client::Client;
use super::error::{excerpt, scrub, ApiError};
use super::redirect::{self, MAX_REDIRECTS};
use super::retry::parse_retry_after;
use super::tls::{is_certificate_problem, is_plain_http_answer};
use crate::budget::Lease;
use crate::excerpt::shorten;

/// Largest body we read: a page of 1000 observables is a few megabytes, so anything near this size
/// is a misbehaving server or proxy, and reading on would only exhaust memory. A step's reads
/// together are bounded by its budget as well.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Most bytes of a redirect's target an error repeats.
const LOCATION_BYTES: usize = 512;

/// A 2xx answer: its status, its body, and the bytes it holds of the step's budget.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
    pub(super) lease: Lease,
}

impl Client {
    /// Sends `request`, following a GET's redirects within the instance (see `redirect`), and answers
    /// with a 2xx answer, or the error.
    pub(super) async fn send(&self, request: RequestBuilder) -> Result<Answer, ApiError> {
        let request = request.build().map_err(|error| self.transport_error(&error))?;
        let method = request.method().clone();
        let mut response = self.execute(request).await?;
        let mut hops = 0;
        while let Some(target) = redirect::target(&response) {
            let url = self.followable(&method, &response, target)?;
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(ApiError::Redirect);
            }
            tracing::debug!(
                "Following a redirect (HTTP {}) to {}",
                response.status().as_u16(),
                url.path()
            );
            let next = self.authorized(Method::GET, url);
            response = self
                .execute(next.build().map_err(|error| self.transport_error(&error))?)
                .await?;
        }
        let status = response.status();
        let (body, lease) = self.successful_body(response, MAX_BODY_BYTES).await?;
        Ok(Answer { status, body, lease })
    }

    async fn execute(&self, request: reqwest::Request) -> Result<Response, ApiError> {
        self.http
            .execute(request)
            .await
            .map_err(|error| self.transport_error(&error))
    }

    /// Where the redirect `response` gave to a `method` request may be followed, or why it may not.
    fn followable(&self, method: &Method, response: &Response, target: Result<Url, String>) -> Result<Url, ApiError> {
        let write = *method != Method::GET;
        let location = match target {
            Ok(url) if !write && redirect::same_origin(&self.base, &url) => return Ok(url),
            Ok(url) => url.to_string(),
            Err(text) => text,
        };
        Err(ApiError::Redirected {
            status: response.status().as_u16(),
            method: method.to_string(),
            location: shorten(&scrub(&location, &self.api_key), LOCATION_BYTES).into_owned(),
            write,
        })
    }

    /// The one place a status becomes an `ApiError`: the body of a 2xx answer, or the error. An error's
    /// body is read for its excerpt, then given back to the budget.
    async fn successful_body(&self, response: Response, cap: usize) -> Result<(Vec<u8>, Lease), ApiError> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_retry_after);
        let (body, lease) = self.read_body(response, cap).await?;
        if !status.is_success() {
            return Err(ApiError::Status {
                status: status.as_u16(),
                body: excerpt(&body, &self.api_key),
                retry_after,
            });
        }
        Ok((body, lease))
    }

    /// GETs `url`, a file ThreatStream links to (a sandbox report's capture), with no credentials: the
    /// link authorises itself, as Splunk SOAR downloads it, and may lead anywhere, so neither the key
    /// nor anything else of the connection goes with it. Redirects are followed, up to
    /// `MAX_REDIRECTS`, over http or https only; the body is read up to `cap` bytes, within the budget.
    pub(super) async fn download_once(&self, url: &Url, cap: usize) -> Result<(Vec<u8>, Lease), ApiError> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let request = self
                .http
                .get(url.clone())
                .build()
                .map_err(|error| self.transport_error(&error))?;
            let response = self.execute(request).await?;
            match redirect::target(&response) {
                Some(Ok(next)) if matches!(next.scheme(), "http" | "https") => url = next,
                Some(_) => {
                    return Err(ApiError::Redirected {
                        status: response.status().as_u16(),
                        method: "GET".to_owned(),
                        location: "a place that is not an http or https URL".to_owned(),
                        write: false,
                    })
                }
                None => return self.successful_body(response, cap).await,
            }
        }
        Err(ApiError::Redirect)
    }

    /// The whole body, each chunk charged to the step's budget as it arrives (a declared length up
    /// front), so an answer that would pass the budget or the cap (`MAX_BODY_BYTES` for ThreatStream's
    /// answers) is not read further.
    async fn read_body(&self, mut response: Response, cap: usize) -> Result<(Vec<u8>, Lease), ApiError> {
        let too_large = || ApiError::BodyTooLarge { limit: cap };
        let mut lease = Lease::new(&self.budget);
        let mut body = Vec::new();
        if let Some(length) = response.content_length() {
            if length > cap as u64 {
                return Err(too_large());
            }
            lease.add(length).map_err(ApiError::OverBudget)?;
            body.reserve_exact(usize::try_from(length).unwrap_or(cap));
        }
        while let Some(chunk) = response.chunk().await.map_err(|error| self.transport_error(&error))? {
            let after = body.len() + chunk.len();
            if after > cap {
                return Err(too_large());
            }
            let uncharged = (after as u64).saturating_sub(lease.bytes());
            if uncharged > 0 {
                lease.add(uncharged).map_err(ApiError::OverBudget)?;
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, lease))
    }

    pub(super) fn transport_error(&self, error: &reqwest::Error) -> ApiError {
        let reason = scrub(&error_chain(error), &self.api_key);
        if error.is_timeout() {
            ApiError::Timeout
        } else if is_certificate_problem(error) {
            ApiError::Tls { reason }
        } else if is_plain_http_answer(error) {
            ApiError::PlainHttp { reason }
        } else if error.is_connect() {
            ApiError::Connect { reason }
        } else {
            ApiError::Transport { reason }
        }
    }
}

/// The error and its sources on one line, without the request URL (it is ours and adds nothing).
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{json, Value};
    use threatstream_simulator::{Fault, Simulator};

    use super::super::client::Replay;
    use super::super::paging::tests::{client_of, run};
    use super::*;
    use crate::budget::{Budget, Exceeded, MIB};

    const PATH: &str = "api/v2/intelligence/";

    /// A 200 answer of valid JSON, about `bytes` long.
    fn answer_of(bytes: usize) -> Fault {
        Fault::Status {
            status: 200,
            body: json!({"meta": {"next": null}, "objects": [], "padding": "x".repeat(bytes)}).to_string(),
        }
    }

    fn within(sim: &Simulator, bytes: u64) -> (Client, Arc<Budget>) {
        let budget = Budget::within(bytes, None);
        (client_of(sim).for_step(Arc::clone(&budget)), budget)
    }

    #[test]
    fn an_answer_past_the_budget_stops_and_gives_back_what_it_took() {
        let sim = Simulator::start("k");
        let (client, budget) = within(&sim, MIB);
        // Chunked: only the bytes read can tell.
        sim.push_fault(Fault::HugeBody { bytes: 3 * MIB });
        let error = run(client.get_json::<Value>(PATH, &[])).expect_err("past the budget");
        assert!(
            matches!(error, ApiError::OverBudget(Exceeded::Step { limit }) if limit == MIB),
            "{error:?}"
        );
        // With a length: refused before a byte of the body is held.
        sim.push_fault(answer_of(2 * MIB as usize));
        let error = run(client.get_json::<Value>(PATH, &[])).expect_err("past the budget");
        assert!(matches!(error, ApiError::OverBudget(_)), "{error:?}");
        assert_eq!(budget.used(), 0, "a failed read holds nothing");
    }

    #[test]
    fn kept_answers_stay_charged_and_passing_ones_go_back() {
        let sim = Simulator::start("k");
        let (client, budget) = within(&sim, MIB);
        for _ in 0..3 {
            sim.push_fault(answer_of(400 * 1024));
            run(client.get_json_passing::<Value>(PATH, &[])).expect("a page handed on");
        }
        assert_eq!(budget.used(), 0);
        sim.push_fault(answer_of(400 * 1024));
        run(client.get_json::<Value>(PATH, &[])).expect("a kept answer");
        assert!(budget.used() > 400 * 1024);
        sim.push_fault(answer_of(400 * 1024));
        run(client.get_json::<Value>(PATH, &[])).expect("a second kept answer");
        sim.push_fault(answer_of(400 * 1024));
        let error = run(client.get_json::<Value>(PATH, &[])).expect_err("a third passes the budget");
        assert!(matches!(error, ApiError::OverBudget(_)), "{error:?}");
        drop(client);
    }

    #[test]
    fn an_error_answers_body_is_given_back() {
        let sim = Simulator::start("k");
        let (client, budget) = within(&sim, MIB);
        sim.push_fault(Fault::Status {
            status: 400,
            body: "x".repeat(500 * 1024),
        });
        let error = run(client.get_json::<Value>(PATH, &[])).expect_err("a 400");
        assert!(matches!(error, ApiError::Status { status: 400, .. }), "{error:?}");
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_write_is_never_redirected_and_a_read_only_within_the_instance() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        for status in [301, 302, 303, 307, 308] {
            sim.clear_requests();
            sim.push_fault(Fault::Redirect {
                status,
                location: format!("{}/api/v2/intelligence/comments/?value=x", sim.url()),
            });
            let sent = client.send_json(Method::POST, "api/v2/intelligence/comments/", &[], None, Replay::Never);
            let error = run(sent).expect_err("a redirected write");
            assert!(
                matches!(&error, ApiError::Redirected { write: true, location, .. } if location.ends_with("comments/?value=x")),
                "HTTP {status}: {error:?}"
            );
            assert_eq!(sim.requests().len(), 1, "HTTP {status}: not followed");
        }
        sim.clear_requests();
        sim.push_fault(Fault::Redirect {
            status: 302,
            location: "/api/v2/intelligence/?limit=1".into(),
        });
        run(client.get_json::<Value>(PATH, &[])).expect("a read redirected within the instance");
        let requests = sim.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].query.as_deref(), Some("limit=1"));
        assert!(
            requests[1].header("authorization").is_some(),
            "the instance gets the key"
        );
    }
}
