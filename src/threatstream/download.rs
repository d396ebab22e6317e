//! One file of a snapshot, read as a stream: Download Snapshot hands each chunk on (to a file and a
//! digest) as it arrives, so a file of a gigabyte costs a chunk of memory, not a gigabyte, and none of
//! the step's memory budget, which is for answers a step keeps.
//!
//! A file's `download_url` is ThreatStream's (CrowdStrike's description, the only public source, gives
//! no example). A path, or a URL on the instance's own origin, is fetched with the connection's key,
//! like every other call. A URL elsewhere can only be a link that carries its own authority (a
//! pre-signed storage link): it is fetched without the key, which never leaves for another host, and
//! only over HTTPS, since whoever reads it in transit reads the whole export. No redirect is followed:
//! a file is where ThreatStream says it is. The step is read-only and safe to run again, so a failure
//! is not retried here: the caller keeps nothing of a failed download.

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, Response, Url};

use super::client::Client;
use super::error::{excerpt, ApiError};
use super::redirect::same_origin;

/// Longest a whole file may take: ThreatStream's largest chunk over a slow link.
const WHOLE_FILE: Duration = Duration::from_secs(60 * 60);

/// Longest the server may go without sending a byte before the file is given up.
const STALLED: Duration = Duration::from_secs(120);

/// A file being read.
pub(crate) struct Download {
    response: Response,
    client: Client,
    /// The length the server announced, read before the body: reqwest's hint shrinks as it is read.
    length: Option<u64>,
}

/// Opens the file at `link`: the answer's status is checked, its body is read with `chunk`.
pub(crate) async fn open(client: &Client, link: &str) -> Result<Download, ApiError> {
    let url = located(client, link)?;
    let request = if same_origin(client.base(), &url) {
        client.authorized(Method::GET, url)
    } else {
        client.http.get(url)
    };
    let response = request
        .timeout(WHOLE_FILE)
        .send()
        .await
        .map_err(|error| client.transport_error(&error))?;
    let status = response.status();
    if !status.is_success() {
        let body = error_page(response).await;
        return Err(ApiError::Status {
            status: status.as_u16(),
            body: excerpt(&body, &client.api_key),
            retry_after: None,
        });
    }
    Ok(Download {
        length: response.content_length(),
        response,
        client: client.clone(),
    })
}

impl Download {
    /// The length the server announced, if it did.
    pub(crate) fn length(&self) -> Option<u64> {
        self.length
    }

    /// The next chunk of the file, or `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, ApiError> {
        match tokio::time::timeout(STALLED, self.response.chunk()).await {
            Ok(chunk) => chunk.map_err(|error| self.client.transport_error(&error)),
            Err(_) => Err(ApiError::Timeout),
        }
    }
}

/// The start of an error's body, for its excerpt: never more than a few kilobytes of whatever came.
async fn error_page(mut response: Response) -> Vec<u8> {
    const ENOUGH: usize = 16 * 1024;
    let mut body = Vec::new();
    while body.len() < ENOUGH {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body
}

/// The URL of `link`: a path is the instance's (under its URL's prefix, as every route is); an
/// absolute URL on another origin must be HTTPS.
fn located(client: &Client, link: &str) -> Result<Url, ApiError> {
    let link = link.trim();
    let refused = |reason: &str| ApiError::Redirected {
        status: 200,
        method: "GET".to_owned(),
        location: reason.to_owned(),
        write: false,
    };
    let Ok(url) = Url::parse(link) else {
        if link.starts_with('/') || !link.contains(':') {
            return Ok(client.endpoint(link));
        }
        return Err(refused("a download link that is not a URL"));
    };
    if same_origin(client.base(), &url) {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(refused(&format!(
            "a {} link on another host ({}), which is fetched only over HTTPS",
            url.scheme(),
            url.host_str().unwrap_or_default()
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::ClientConfig;

    fn client(base: &str) -> Client {
        Client::new(ClientConfig {
            base_url: base.into(),
            username: "u".into(),
            api_key: "k".into(),
            verify_tls: true,
            api_version: crate::threatstream::ApiVersion::V2,
            timeout: Duration::from_secs(5),
            remote_api: false,
        })
        .expect("a client")
    }

    #[test]
    fn links_are_the_instances_or_https_elsewhere() {
        let client = client("https://ts.example.com/prefix/");
        let at = |link: &str| located(&client, link).map(|url| url.to_string());
        assert_eq!(
            at("/api/v1/snapshot/7/download/1/").ok().as_deref(),
            Some("https://ts.example.com/prefix/api/v1/snapshot/7/download/1/")
        );
        assert_eq!(
            at("https://ts.example.com/files/1.json").ok().as_deref(),
            Some("https://ts.example.com/files/1.json")
        );
        assert_eq!(
            at("https://bucket.example/s/1.json?X-Amz-Signature=x").ok().as_deref(),
            Some("https://bucket.example/s/1.json?X-Amz-Signature=x")
        );
        assert!(at("http://bucket.example/s/1.json").is_err());
        assert!(at("ftp://bucket.example/s/1.json").is_err());
    }
}
