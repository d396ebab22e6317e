//! Where a running trigger's events go: POSTed to the start message's `dispatcher.url`, or with
//! `--debug` written to stdout, as the runtime does (protocol reference §3.6).
//!
//! A post that fails (a non-2xx answer, a broken or refused connection, a time-out) is tried again with
//! a growing pause, for as long as it takes: an event is never dropped, and the trigger moves on only
//! once it is delivered. Only a stop request ends the retrying, leaving the event undelivered, so the
//! trigger's saved state still points before it. A stdout that cannot be written (`--debug`) loses
//! the event, and ends the run: there is no one to deliver to.
//!
//! Runtime 6.6.x writes debug events back to back with no separator; here each is one line, which
//! every JSON stream reader reads the same way and line-based tools (`tools/run.sh -j`, `jq`) can split.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::Url;
use serde_json::Value;

use super::stop::Stop;
use super::Halt;
use crate::protocol::failure::{quoted, Failure};
use crate::protocol::stdout;

/// The first pause after a failed post; it doubles up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(250);

/// A dispatcher that stays down is asked again at least this often.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// Longer than a healthy dispatcher ever takes; a post still waiting then is tried again.
const POST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
enum Target {
    Post { client: reqwest::Client, url: Url },
    Stdout,
}

#[derive(Debug)]
pub(crate) struct Dispatcher {
    target: Target,
    first_pause: Duration,
}

impl Dispatcher {
    /// The dispatcher of a start message; with `debug`, stdout. A URL that is not http(s) is refused
    /// here, before the trigger makes any request.
    pub(crate) fn of(dispatcher: &Value, debug: bool) -> Result<Dispatcher, Failure> {
        let url = dispatcher.get("url").and_then(Value::as_str).unwrap_or_default().trim();
        let target = match (url.is_empty(), debug) {
            (true, true) => Target::Stdout,
            (true, false) => return Err(bad_url("it is missing or empty")),
            (false, _) => {
                let url = checked_url(url)?;
                if debug {
                    Target::Stdout
                } else {
                    Target::Post { client: client()?, url }
                }
            }
        };
        let first_pause = crate::backoff::first_step(FIRST_PAUSE);
        Ok(Dispatcher { target, first_pause })
    }

    /// Delivers `event` (an encoded trigger event), trying again until it is taken or `stop` is asked
    /// (`Halt::Stopped`); `Halt::Failed` when stdout cannot take it.
    pub(crate) async fn deliver(&self, event: &[u8], stop: &Stop) -> Result<(), Halt> {
        let (client, url) = match &self.target {
            Target::Stdout => return stdout::write_line(event).map_err(|error| Halt::Failed(lost(&error))),
            Target::Post { client, url } => (client, url),
        };
        let mut pause = self.first_pause;
        let mut attempt: u64 = 1;
        loop {
            match post(client, url, event).await {
                Ok(()) if attempt > 1 => {
                    tracing::info!("The dispatcher took the event on attempt {attempt}");
                    return Ok(());
                }
                Ok(()) => return Ok(()),
                Err(why) => tracing::warn!(
                    "The dispatcher did not take the event ({why}); trying again in {:.1} s (attempt {})",
                    pause.as_secs_f64(),
                    attempt + 1
                ),
            }
            if !stop.sleep(pause).await {
                tracing::warn!("Stopping with the event undelivered: it is sent again on the next start");
                return Err(Halt::Stopped);
            }
            pause = (pause * 2).min(MAX_PAUSE);
            attempt += 1;
        }
    }
}

async fn post(client: &reqwest::Client, url: &Url, event: &[u8]) -> Result<(), String> {
    let sent = client
        .post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(event.to_vec())
        .send()
        .await
        .map_err(|error| error.without_url().to_string())?;
    let status = sent.status();
    // The answer's body says nothing we act on; reading it lets the connection be reused.
    let _ = sent.bytes().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

fn lost(error: &std::io::Error) -> Failure {
    Failure::upstream(
        format!("The trigger's event could not be written to standard output (--debug): {error}."),
        "Keep standard output open and read while the trigger runs with --debug. Started again, it sends \
         the event it could not write first.",
    )
}

/// The runtime posts with the CA bundle `SSL_CERT_FILE` names, which the native roots reqwest loads
/// include.
fn client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .user_agent(crate::USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .timeout(POST_TIMEOUT)
        .build()
        .map_err(|error| {
            Failure::defect(
                "The dispatcher's HTTP client could not be built.",
                "Please contact support.",
            )
            .with_data(error.to_string())
        })
}

fn checked_url(text: &str) -> Result<Url, Failure> {
    let url =
        Url::parse(text).map_err(|error| bad_url(&format!("{} is not an absolute URL ({error})", quoted(text))))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad_url(&format!(
            "{} does not start with http:// or https://",
            quoted(text)
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad_url(&format!("{} has no host", quoted(text))));
    }
    Ok(url)
}

fn bad_url(problem: &str) -> Failure {
    Failure::caller(
        format!("The start message's dispatcher.url cannot be used: {problem}."),
        "Start the trigger as InsightConnect does, with the dispatcher's http(s) URL in dispatcher.url, or \
         run it with --debug to print its events instead.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_http_urls_with_a_host_are_taken() {
        for bad in ["ftp://d.example/x", "file:///etc/passwd", "not a url", "http://"] {
            let refused = Dispatcher::of(&json!({"url": bad}), false).unwrap_err();
            assert!(refused.cause.contains("dispatcher.url"), "{bad}: {}", refused.cause);
        }
        assert!(Dispatcher::of(&json!({}), false).is_err(), "no URL and no --debug");
        assert!(Dispatcher::of(&json!({"url": "https://d.example:8443/events"}), false).is_ok());
        assert!(matches!(
            Dispatcher::of(&json!({}), true).unwrap().target,
            Target::Stdout
        ));
    }
}
