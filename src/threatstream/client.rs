//! The HTTP client for one ThreatStream connection: base URL, TLS, time-outs and authentication.
//!
//! The API key lives here and nowhere else: it is sent only in the `Authorization` header (marked
//! sensitive so it never shows in debug output), attached in one place (`request`), and scrubbed from
//! anything an error carries. Turning statuses and bodies into `ApiError`s also happens only here, in
//! `successful_body`.
//!
//! Reads are retried (`get_json`). A write is retried only when sending it twice does what sending it
//! once does (`Replay::Safe`); any other write is sent once, since a failure may come after ThreatStream
//! acted on it.

use std::future::Future;
use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{excerpt, scrub, ApiError};
use super::retry::{delay_before_retry, parse_retry_after, MAX_ATTEMPTS};

/// Largest body we read: a page of 1000 observables is a few megabytes, so anything near this size
/// is a misbehaving server or proxy, and reading on would only exhaust memory.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

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
/// same keep-alive connections.
#[derive(Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    api_key: String,
    api_version: ApiVersion,
    remote_api: bool,
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
        })
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
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        self.retrying(|| self.get_json_once(path, query)).await
    }

    /// Runs `attempt` until it succeeds or `retry` says its error is final.
    async fn retrying<T, F, A>(&self, mut attempt: A) -> Result<T, ApiError>
    where
        A: FnMut() -> F,
        F: Future<Output = Result<T, ApiError>>,
    {
        let mut waited = Duration::ZERO;
        let mut number = 1;
        loop {
            let error = match attempt().await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            let Some(delay) = delay_before_retry(&error, number, waited) else {
                return Err(error);
            };
            number += 1;
            tracing::warn!(
                "{error}; retrying in {:.1} s (attempt {number} of {MAX_ATTEMPTS})",
                delay.as_secs_f64()
            );
            tokio::time::sleep(delay).await;
            waited += delay;
        }
    }

    async fn get_json_once<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T, ApiError> {
        let (_, body) = self.send(self.request(Method::GET, path).query(query)).await?;
        self.decode(&body)
    }

    /// GETs `url` as it stands, like `get_json`: a link built from one ThreatStream gave (a page's
    /// `meta.next`), already checked by `next_link` to be on this instance and free of credentials.
    pub(crate) async fn get_json_url<T: DeserializeOwned>(&self, url: &Url) -> Result<T, ApiError> {
        self.retrying(|| async {
            let (_, body) = self.send(self.request_to(Method::GET, url.clone())).await?;
            self.decode(&body)
        })
        .await
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
        let (_, body) = self.send(request).await?;
        self.accepted(self.decode(&body)?)
    }

    /// Sends a write with an optional body of JSON text and answers with its JSON, or `Value::Null`
    /// for the empty body a 202 or 204 may have. A 2xx answer whose JSON says the write failed is an
    /// error. Retried only when `replay` says sending it twice is harmless.
    pub(crate) async fn send_json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
        replay: Replay,
    ) -> Result<Value, ApiError> {
        let once = || self.send_json_once(method.clone(), path, query, body.clone());
        let answer = match replay {
            Replay::Safe => self.retrying(once).await?,
            Replay::Never => once().await?,
        };
        self.not_refused(answer)
    }

    async fn send_json_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
    ) -> Result<Value, ApiError> {
        let mut request = self.request(method, path).query(query);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let (status, body) = self.send(request).await?;
        // 204 has no body by definition, and ThreatStream answers some 202s with an empty one (or an
        // empty `text/html` one): neither carries anything to read.
        if status == StatusCode::NO_CONTENT || body.trim_ascii().is_empty() {
            return Ok(Value::Null);
        }
        match self.decode::<Value>(&body) {
            Err(ApiError::NotJson { .. }) if status == StatusCode::ACCEPTED => Ok(Value::Null),
            answer => answer,
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.request_to(method, self.endpoint(path))
    }

    /// A request to `url` asking for JSON: the one place the API key is attached.
    fn request_to(&self, method: Method, url: Url) -> RequestBuilder {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
    }

    /// Sends `request`: the status and body of a 2xx answer, or the error.
    async fn send(&self, request: RequestBuilder) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let response = request.send().await.map_err(|error| self.transport_error(&error))?;
        let status = response.status();
        Ok((status, self.successful_body(response).await?))
    }

    /// A 2xx answer, unless its JSON says the request failed: `success: false`, or an `error` key.
    pub(crate) fn not_refused(&self, answer: Value) -> Result<Value, ApiError> {
        let failed = answer.get("success") == Some(&Value::Bool(false));
        let error = answer.get("error").is_some_and(|error| !error.is_null());
        if failed || error {
            return Err(self.rejected(&answer));
        }
        Ok(answer)
    }

    /// A 2xx answer from an endpoint that reports the outcome in its JSON (a write, or a read such as a
    /// sandbox report): `not_refused`, and saying `success: true`, ThreatStream's only word for success.
    pub(crate) fn accepted(&self, answer: Value) -> Result<Value, ApiError> {
        let answer = self.not_refused(answer)?;
        if answer.get("success") != Some(&Value::Bool(true)) {
            return Err(self.rejected(&answer));
        }
        Ok(answer)
    }

    fn rejected(&self, answer: &Value) -> ApiError {
        ApiError::Rejected {
            body: self.excerpt_of(answer),
        }
    }

    /// A JSON answer as error data: capped, with the key masked.
    pub(crate) fn excerpt_of(&self, answer: &Value) -> String {
        excerpt(answer.to_string().as_bytes(), &self.api_key)
    }

    /// The one place a status becomes an `ApiError`: the body of a 2xx answer, or the error.
    async fn successful_body(&self, response: Response) -> Result<Vec<u8>, ApiError> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_retry_after);
        let body = self.read_body(response).await?;
        if !status.is_success() {
            return Err(ApiError::Status {
                status: status.as_u16(),
                body: excerpt(&body, &self.api_key),
                retry_after,
            });
        }
        Ok(body)
    }

    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, ApiError> {
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

    async fn read_body(&self, mut response: Response) -> Result<Vec<u8>, ApiError> {
        let too_large = ApiError::BodyTooLarge { limit: MAX_BODY_BYTES };
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BODY_BYTES as u64)
        {
            return Err(too_large);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| self.transport_error(&error))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, error: &reqwest::Error) -> ApiError {
        let reason = scrub(&error_chain(error), &self.api_key);
        if error.is_timeout() {
            ApiError::Timeout
        } else if error.is_redirect() {
            ApiError::Redirect
        } else if is_certificate_problem(error) {
            ApiError::Tls { reason }
        } else if error.is_connect() {
            ApiError::Connect { reason }
        } else {
            ApiError::Transport { reason }
        }
    }
}

/// Where distributions keep their CA bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, BSD/macOS).
const SYSTEM_BUNDLES: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The system's CA bundle, when `SSL_CERT_FILE` names another file.
///
/// reqwest trusts what rustls-native-certs loads, and that crate reads *only* `SSL_CERT_FILE` when it
/// is set. A customer who points it at their interception CA must not lose the public CAs, so the
/// system bundle is added back. InsightConnect's images point `SSL_CERT_FILE` at the system bundle
/// itself; then there is nothing to add.
fn system_bundle_beside_ssl_cert_file() -> Vec<reqwest::Certificate> {
    let Some(configured) = std::env::var_os("SSL_CERT_FILE") else {
        return Vec::new();
    };
    let configured = std::path::Path::new(&configured);
    let Some(system) = SYSTEM_BUNDLES
        .iter()
        .map(std::path::Path::new)
        .find(|path| path.exists())
    else {
        return Vec::new();
    };
    let same = std::fs::canonicalize(system).ok() == std::fs::canonicalize(configured).ok();
    if same {
        return Vec::new();
    }
    std::fs::read(system)
        .ok()
        .and_then(|pem| reqwest::Certificate::from_pem_bundle(&pem).ok())
        .unwrap_or_default()
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

/// Whether the TLS layer refused the server's certificate: told from rustls's own error, found in
/// the chain of sources. Message text would depend on wording that any release of rustls, hyper or
/// reqwest may change.
fn is_certificate_problem(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if rustls_error(cause).is_some_and(refuses_certificate) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The rustls error `cause` is or wraps. The TLS stream reports it inside `io::Error`s (two, nested,
/// as hyper-util's connector has it), whose `source()` skips the wrapped error itself, so those layers
/// are opened by hand.
fn rustls_error<'a>(mut cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(found) = cause.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        cause = cause.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn refuses_certificate(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType
            | rustls::Error::InvalidCertRevocationList(_)
    )
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
    fn a_refused_certificate_is_found_inside_nested_io_errors() {
        use std::io::{Error, ErrorKind};
        let refused = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = Error::other(Error::new(ErrorKind::InvalidData, refused));
        assert!(rustls_error(&wrapped).is_some_and(refuses_certificate));
        let other = Error::other(rustls::Error::HandshakeNotComplete);
        assert!(!rustls_error(&other).is_some_and(refuses_certificate));
        assert!(rustls_error(&Error::from(ErrorKind::ConnectionReset)).is_none());
    }

    #[test]
    fn a_2xx_answer_that_says_it_failed_is_rejected() {
        let client = client("https://ts.example.com");
        for failed in [
            serde_json::json!({"success": false, "import_session_id": 1}),
            serde_json::json!({"success": true, "error": "quota exceeded"}),
            serde_json::json!({"import_session_id": 1}),
        ] {
            assert!(matches!(client.accepted(failed), Err(ApiError::Rejected { .. })));
        }
        assert!(client
            .accepted(serde_json::json!({"success": true, "error": null}))
            .is_ok());
    }

    #[test]
    fn a_write_fails_only_when_its_answer_says_so() {
        let client = client("https://ts.example.com");
        for failed in [
            serde_json::json!({"success": false}),
            serde_json::json!({"error": "not allowed"}),
        ] {
            assert!(matches!(client.not_refused(failed), Err(ApiError::Rejected { .. })));
        }
        for fine in [
            Value::Null,
            serde_json::json!({"id": 7, "status": "falsepos"}),
            serde_json::json!({"success": true, "error": null}),
        ] {
            assert!(client.not_refused(fine).is_ok());
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
