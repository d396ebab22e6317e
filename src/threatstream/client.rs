//! The HTTP client for one ThreatStream connection: base URL, TLS, time-outs and authentication, and
//! what every call shares.
//!
//! The API key lives here and nowhere else: it is sent only in the `Authorization` header (marked
//! sensitive so it never shows in debug output), attached in one place (`authorized`), only ever to
//! the instance's own origin (a redirect anywhere else is refused: `redirect`), and scrubbed from
//! anything an error carries. One exchange (`exchange.rs`) turns a response into bytes or an
//! `ApiError`; every 2xx answer is then judged in one place, `decode`, by `refusal`'s rule (an answer
//! that says it failed is an error on every route). Demanding `success: true` (`accepted`) is only for
//! the answers ThreatStream documents with it: an import with approval and a sandbox submission
//! (`post_form`, `post_urlencoded`).
//!
//! Reads are retried (`get_json`). A write is retried only when sending it twice does what sending it
//! once does (`Replay::Safe`); any other write is sent once, since a failure may come after ThreatStream
//! acted on it. A retried write that ThreatStream refuses after an attempt that got no answer says so
//! (`ApiError::AfterUnanswered`): the first copy may have been applied. No write is ever redirected.
//!
//! Each step's copy of the client carries the step's memory budget (`for_step`, `crate::budget`): the
//! bytes of every answer stay charged to it until the step ends, except a page read with
//! `get_json_passing`, which the caller hands on and does not keep.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{excerpt, scrub, ApiError};
use super::refusal::says_it_failed;
use super::retry::{delay_before_retry, MAX_ATTEMPTS};
use super::tls::system_bundle_beside_ssl_cert_file;
use crate::budget::{Budget, Lease, MIB};

/// The budget of a client built outside a step (tests); a step's comes from its connection.
const DEFAULT_STEP_BUDGET: u64 = 256 * MIB;

/// Which generation of the API the connection speaks; v1 is the legacy one older instances have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiVersion {
    V1,
    V2,
}

impl ApiVersion {
    pub(crate) fn segment(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V2 => "v2",
        }
    }
}

/// What a client needs to reach one ThreatStream instance. Two equal configs make interchangeable
/// clients, which is what lets `actions` keep one client per config.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientConfig {
    pub(crate) base_url: String,
    pub(crate) username: String,
    pub(crate) api_key: String,
    pub(crate) verify_tls: bool,
    pub(crate) api_version: ApiVersion,
    pub(crate) timeout: Duration,
    /// An on-premises instance that may also reach ThreatStream's cloud (`remote_api=true`).
    pub(crate) remote_api: bool,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("username", &self.username)
            .field("api_key", &"********")
            .field("verify_tls", &self.verify_tls)
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("remote_api", &self.remote_api)
            .finish()
    }
}

/// Whether a write may be sent again after a failure that leaves its effect unknown (a 503 from a
/// gateway, a broken connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Sending it twice does what sending it once does (setting a tag, a status, approving a session):
    /// retried like a read.
    Safe,
    /// A second copy could act twice (an import, a comment): sent once, whatever happens.
    Never,
}

/// Cheap to clone: `reqwest::Client` is a handle to one shared connection pool, so clones reuse the
/// same keep-alive connections. Each step's clone carries that step's own memory budget (`for_step`):
/// steps share connections, never a budget.
#[derive(Clone)]
pub(crate) struct Client {
    pub(super) http: reqwest::Client,
    pub(super) base: Url,
    authorization: HeaderValue,
    pub(super) api_key: String,
    api_version: ApiVersion,
    remote_api: bool,
    pub(super) budget: Arc<Budget>,
    /// What a call keeps about this connection for the process, shared by every step's copy of the
    /// pooled client: the organization's allowlist once a verdict has read it (`allowlisted`, which
    /// alone knows its type, so that this file imports nothing of it).
    pub(super) kept: Arc<Mutex<Option<Arc<dyn Any + Send + Sync>>>>,
}

impl Client {
    pub(crate) fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let base = base_url(&config.base_url)?;
        let mut authorization = HeaderValue::from_str(&format!("apikey {}:{}", config.username, config.api_key))
            .map_err(|_| ApiError::InvalidBaseUrl {
                reason: "the username or API key contains characters an HTTP header cannot carry".into(),
            })?;
        authorization.set_sensitive(true);
        let mut builder = reqwest::Client::builder()
            .user_agent(crate::USER_AGENT)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout)
            // `send` decides which redirects to follow (see `redirect`).
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(!config.verify_tls);
        if config.verify_tls {
            for certificate in system_bundle_beside_ssl_cert_file() {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build().map_err(|error| ApiError::Transport {
            reason: error.without_url().to_string(),
        })?;
        Ok(Client {
            http,
            base,
            authorization,
            api_key: config.api_key,
            api_version: config.api_version,
            remote_api: config.remote_api,
            budget: Budget::within(DEFAULT_STEP_BUDGET, None),
            kept: Arc::default(),
        })
    }

    /// This client for one step: the same connections, and `budget` for everything the step reads.
    pub(crate) fn for_step(&self, budget: Arc<Budget>) -> Client {
        Client { budget, ..self.clone() }
    }

    pub(crate) fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// Whether the connection asks ThreatStream's cloud too (`remote_api=true`, see `remote`).
    pub(crate) fn remote_api(&self) -> bool {
        self.remote_api
    }

    /// The instance URL, for judging links ThreatStream hands back (`next_link`).
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// `<base>/<path>`, keeping any path prefix of the instance URL and never producing `//`.
    pub(crate) fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!(
            "{}/{}",
            self.base.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url
    }

    /// GETs `path` with `query` and decodes the JSON answer, retrying what `retry` says is transient.
    /// The answer's bytes stay charged to the step's budget until the step ends.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let (answer, lease) = self.retrying(false, || self.get_json_once(path, query)).await?;
        lease.keep();
        Ok(answer)
    }

    /// `get_json` for an answer the caller hands on and does not keep (a feed's page): its bytes
    /// count against the budget while it is read and decoded, and are given back when this returns,
    /// so that a trigger polling for days does not use its budget up.
    pub(crate) async fn get_json_passing<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let (answer, _given_back) = self.retrying(false, || self.get_json_once(path, query)).await?;
        Ok(answer)
    }

    /// Runs `attempt` until it succeeds or `retry` says its error is final. A `write` refused after an
    /// attempt that got no answer says so (`AfterUnanswered`): the first copy may have been applied.
    async fn retrying<T, F, A>(&self, write: bool, mut attempt: A) -> Result<T, ApiError>
    where
        A: FnMut() -> F,
        F: Future<Output = Result<T, ApiError>>,
    {
        let mut waited = Duration::ZERO;
        let mut number = 1;
        let mut unanswered: Option<String> = None;
        loop {
            let error = match attempt().await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            let Some(delay) = delay_before_retry(&error, number, waited) else {
                return Err(match unanswered {
                    Some(earlier) if error.is_refusal() => ApiError::AfterUnanswered {
                        earlier,
                        error: Box::new(error),
                    },
                    _ => error,
                });
            };
            if write && unanswered.is_none() && error.leaves_write_unknown() {
                unanswered = Some(error.to_string());
            }
            number += 1;
            tracing::warn!(
                "{error}; retrying in {:.1} s (attempt {number} of {MAX_ATTEMPTS})",
                delay.as_secs_f64()
            );
            tokio::time::sleep(delay).await;
            waited += delay;
        }
    }

    async fn get_json_once<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(T, Lease), ApiError> {
        let answer = self.send(self.request(Method::GET, path).query(query)).await?;
        Ok((self.decode(&answer.body)?, answer.lease))
    }

    /// GETs `url` as it stands, like `get_json`: a link built from one ThreatStream gave (a page's
    /// `meta.next`), already checked by `next_link` to be on this instance and free of credentials.
    pub(crate) async fn get_json_url<T: DeserializeOwned>(&self, url: &Url) -> Result<T, ApiError> {
        let (answer, lease) = self
            .retrying(false, || async {
                let answer = self.send(self.authorized(Method::GET, url.clone())).await?;
                Ok((self.decode(&answer.body)?, answer.lease))
            })
            .await?;
        lease.keep();
        Ok(answer)
    }

    /// Downloads the file at `url` (a link ThreatStream gave, such as a sandbox report's capture)
    /// without credentials, retried like a read, up to `cap` bytes (see `exchange::download_once`).
    /// The bytes stay charged to the step's budget until the step ends.
    pub(crate) async fn download(&self, url: &Url, cap: usize) -> Result<Vec<u8>, ApiError> {
        let (bytes, lease) = self.retrying(false, || self.download_once(url, cap)).await?;
        lease.keep();
        Ok(bytes)
    }

    /// POSTs a multipart form once (a POST that failed midway may still have been acted on), and
    /// answers with its JSON, which must say it succeeded (`accepted`).
    pub(crate) async fn post_form(&self, path: &str, form: reqwest::multipart::Form) -> Result<Value, ApiError> {
        self.post(self.request(Method::POST, path).multipart(form)).await
    }

    /// POSTs an urlencoded form, like `post_form`.
    pub(crate) async fn post_urlencoded(&self, path: &str, fields: &[(&str, String)]) -> Result<Value, ApiError> {
        self.post(self.request(Method::POST, path).form(fields)).await
    }

    async fn post(&self, request: RequestBuilder) -> Result<Value, ApiError> {
        let answer = self.send(request).await?;
        let decoded = self.decode(&answer.body)?;
        answer.lease.keep();
        self.accepted(decoded)
    }

    /// Sends a write with an optional body of JSON text and answers with its JSON, or `Value::Null`
    /// for the empty body a 202 or 204 may have. Retried only when `replay` says sending it twice is
    /// harmless.
    pub(crate) async fn send_json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
        replay: Replay,
    ) -> Result<Value, ApiError> {
        let once = || self.send_json_once(method.clone(), path, query, body.clone());
        let (answer, lease) = match replay {
            Replay::Safe => self.retrying(true, once).await?,
            Replay::Never => once().await?,
        };
        lease.keep();
        Ok(answer)
    }

    async fn send_json_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
    ) -> Result<(Value, Lease), ApiError> {
        let mut request = self.request(method, path).query(query);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let answer = self.send(request).await?;
        // 204 has no body by definition, and ThreatStream answers some 202s with an empty one (or an
        // empty `text/html` one): neither carries anything to read.
        if answer.status == StatusCode::NO_CONTENT || answer.body.trim_ascii().is_empty() {
            return Ok((Value::Null, answer.lease));
        }
        match self.decode::<Value>(&answer.body) {
            Err(ApiError::NotJson { .. }) if answer.status == StatusCode::ACCEPTED => Ok((Value::Null, answer.lease)),
            decoded => Ok((decoded?, answer.lease)),
        }
    }

    /// A request to `path` of the instance.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.authorized(method, self.endpoint(path))
    }

    /// A request to `url` asking for JSON: the one place the API key is attached. `url` is the
    /// instance's: an endpoint, or a redirect `send` found to stay on the instance's origin.
    pub(super) fn authorized(&self, method: Method, url: Url) -> RequestBuilder {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
    }

    /// An answer from an endpoint that ThreatStream documents as answering `success: true` (an
    /// import, a sandbox submission): anything else is a refusal. Other answers need no `success`.
    pub(crate) fn accepted(&self, answer: Value) -> Result<Value, ApiError> {
        if answer.get("success") != Some(&Value::Bool(true)) {
            return Err(ApiError::Rejected {
                body: self.excerpt_of(&answer),
            });
        }
        Ok(answer)
    }

    /// A JSON answer as error data: capped, with the key masked.
    pub(crate) fn excerpt_of(&self, answer: &Value) -> String {
        excerpt(answer.to_string().as_bytes(), &self.api_key)
    }

    /// Decodes a 2xx answer, unless it says it failed (`refusal`, judged here for every route).
    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, ApiError> {
        if says_it_failed(body) {
            return Err(ApiError::Rejected {
                body: excerpt(body, &self.api_key),
            });
        }
        // The plain decoder first: tracking the field path slows every page down, and it is only
        // needed to say where a page that failed to decode went wrong.
        if let Ok(answer) = serde_json::from_slice(body) {
            return Ok(answer);
        }
        let mut decoder = serde_json::Deserializer::from_slice(body);
        let error = match serde_path_to_error::deserialize::<_, T>(&mut decoder) {
            Ok(answer) => return Ok(answer),
            Err(error) => error,
        };
        let excerpt = excerpt(body, &self.api_key);
        Err(if error.inner().is_data() {
            ApiError::Decode {
                path: error.path().to_string(),
                reason: scrub(&error.inner().to_string(), &self.api_key),
                excerpt,
            }
        } else {
            ApiError::NotJson { excerpt }
        })
    }
}

/// Parses the instance URL the user configured, refusing anything that is not a plain http(s) origin.
fn base_url(configured: &str) -> Result<Url, ApiError> {
    let invalid = |reason: &str| ApiError::InvalidBaseUrl {
        reason: reason.to_owned(),
    };
    let url = Url::parse(configured.trim()).map_err(|error| ApiError::InvalidBaseUrl {
        reason: format!("'{}' is not an absolute URL ({error})", configured.trim()),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the URL must start with https:// or http://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "the URL must not carry credentials; use the username and API key fields",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the URL must not have a query string or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(ClientConfig {
            base_url: base.to_owned(),
            username: "analyst@example.com".into(),
            api_key: "k".into(),
            verify_tls: true,
            api_version: ApiVersion::V2,
            timeout: Duration::from_secs(5),
            remote_api: false,
        })
        .expect("valid config")
    }

    #[test]
    fn endpoint_never_doubles_slashes_and_keeps_prefixes() {
        assert_eq!(
            client("https://ts.example.com")
                .endpoint("api/v2/intelligence/")
                .as_str(),
            "https://ts.example.com/api/v2/intelligence/"
        );
        assert_eq!(
            client("https://ts.example.com/")
                .endpoint("api/v2/intelligence/")
                .as_str(),
            "https://ts.example.com/api/v2/intelligence/"
        );
        assert_eq!(
            client("https://ts.example.com//")
                .endpoint("/api/v2/intelligence/")
                .as_str(),
            "https://ts.example.com/api/v2/intelligence/"
        );
        assert_eq!(
            client("https://ex.com/threatstream/")
                .endpoint("api/v1/intelligence/")
                .as_str(),
            "https://ex.com/threatstream/api/v1/intelligence/"
        );
    }

    #[test]
    fn base_url_rejects_what_cannot_be_an_instance() {
        for bad in [
            "",
            "ts.example.com",
            "ftp://ts.example.com",
            "https://user:pw@ts.example.com",
            "https://ts.example.com/?a=1",
            "http://",
        ] {
            assert!(base_url(bad).is_err(), "{bad} should be rejected");
        }
        assert!(base_url(" https://ts.example.com ").is_ok());
    }

    #[test]
    fn only_documented_successes_must_say_success_true() {
        let client = client("https://ts.example.com");
        for failed in [
            serde_json::json!({"success": false, "import_session_id": 1}),
            serde_json::json!({"import_session_id": 1}),
        ] {
            assert!(matches!(client.accepted(failed), Err(ApiError::Rejected { .. })));
        }
        assert!(client
            .accepted(serde_json::json!({"success": true, "error": null}))
            .is_ok());
    }

    #[test]
    fn every_decoded_answer_is_judged_with_the_key_masked() {
        let client = client("https://ts.example.com");
        for failed in [
            r#"{"success": false, "error": "k is not allowed"}"#,
            r#"{"error": "not allowed"}"#,
        ] {
            let error = client.decode::<Value>(failed.as_bytes()).expect_err(failed);
            assert!(
                matches!(&error, ApiError::Rejected { body } if !body.contains("k is")),
                "{error:?}"
            );
        }
        for fine in [
            r#"{"id": 7, "status": "falsepos"}"#,
            r#"{"success": true, "error": null}"#,
        ] {
            assert!(client.decode::<Value>(fine.as_bytes()).is_ok(), "{fine}");
        }
    }

    #[test]
    fn debug_of_config_hides_the_key() {
        let config = ClientConfig {
            base_url: "https://x".into(),
            username: "u".into(),
            api_key: "canary-secret".into(),
            verify_tls: true,
            api_version: ApiVersion::V2,
            timeout: Duration::from_secs(1),
            remote_api: false,
        };
        assert!(!format!("{config:?}").contains("canary-secret"));
    }
}
