//! Everything that can go wrong talking to ThreatStream, as data.
//!
//! No user-facing wording lives here: `actions::failure` turns each variant into the runtime's preset.
//! Bodies and reasons are scrubbed of the API key and capped when the error is built, so no `Display`
//! or `Debug` of an error can leak the credential or flood a log.

use std::fmt;

use crate::budget::{Exceeded, MIB};
use crate::excerpt::{shorten, shorten_start, ERROR_DATA_BYTES};

#[derive(Debug)]
pub(crate) enum ApiError {
    /// The configured instance URL cannot be used.
    InvalidBaseUrl { reason: String },
    /// ThreatStream answered with a non-2xx status; `retry_after` is the server's `Retry-After`.
    Status {
        status: u16,
        body: String,
        retry_after: Option<std::time::Duration>,
    },
    /// No answer within the time-out.
    Timeout,
    /// The TCP connection could not be made (refused, unreachable, DNS).
    Connect { reason: String },
    /// The TLS handshake failed, usually on the server's certificate.
    Tls { reason: String },
    /// An `https://` URL whose server answered the handshake in plain HTTP.
    PlainHttp { reason: String },
    /// Too many redirects.
    Redirect,
    /// A redirect the client did not follow (see `redirect`): one of a write (`write`), or one that
    /// pointed off the instance. `location` is where it pointed, scrubbed and capped.
    Redirected {
        status: u16,
        method: String,
        location: String,
        write: bool,
    },
    /// The connection broke during the exchange.
    Transport { reason: String },
    /// The body is not JSON at all (an HTML page from a proxy, a truncated body).
    NotJson { excerpt: String },
    /// The body is JSON, but not in the shape ThreatStream documents; `path` names the field.
    Decode {
        path: String,
        reason: String,
        excerpt: String,
    },
    /// The body is larger than any legitimate answer.
    BodyTooLarge { limit: usize },
    /// Paging did not end: the same page came back, or there were more pages than the ceiling.
    Runaway { reason: String },
    /// A 2xx answer whose JSON says the request failed (`success: false`, or an `error` and no data).
    Rejected { body: String },
    /// The answers would have passed the step's or the process's memory budget (`crate::budget`).
    OverBudget(Exceeded),
    /// A write retried after an attempt that got no answer (`earlier`), then refused: the first
    /// attempt may have been applied, which can be why the retry was refused.
    AfterUnanswered { earlier: String, error: Box<ApiError> },
}

impl ApiError {
    /// Whether a write that ended in this error may still have been applied: the answer was lost (a
    /// broken connection, a time-out, a gateway's or the server's 5xx) or unreadable (a 2xx that was
    /// not what was expected), or a redirect left it unconfirmed. A refusal (4xx, `success: false`), a
    /// connection never made and a handshake that failed mean nothing was applied.
    pub(crate) fn leaves_write_unknown(&self) -> bool {
        match self {
            // A 3xx with no `Location` to follow is as unclear as a 5xx about what happened.
            ApiError::Status { status, .. } => *status >= 500 || (300..400).contains(status),
            ApiError::Timeout
            | ApiError::Transport { .. }
            | ApiError::Redirected { .. }
            | ApiError::NotJson { .. }
            | ApiError::Decode { .. }
            | ApiError::BodyTooLarge { .. }
            | ApiError::OverBudget(_)
            | ApiError::AfterUnanswered { .. } => true,
            ApiError::InvalidBaseUrl { .. }
            | ApiError::Connect { .. }
            | ApiError::Tls { .. }
            | ApiError::PlainHttp { .. }
            | ApiError::Redirect
            | ApiError::Runaway { .. }
            | ApiError::Rejected { .. } => false,
        }
    }

    /// Whether ThreatStream refused the request: a 4xx, or a 2xx that says it failed.
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(
            self,
            ApiError::Status { status: 400..=499, .. } | ApiError::Rejected { .. }
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::InvalidBaseUrl { reason } => write!(f, "invalid ThreatStream URL: {reason}"),
            ApiError::Status { status, .. } => write!(f, "ThreatStream answered HTTP {status}"),
            ApiError::Timeout => f.write_str("ThreatStream did not answer in time"),
            ApiError::Connect { reason } => write!(f, "could not connect to ThreatStream: {reason}"),
            ApiError::Tls { reason } => write!(f, "TLS handshake with ThreatStream failed: {reason}"),
            ApiError::PlainHttp { reason } => {
                write!(f, "ThreatStream answered the TLS handshake in plain HTTP: {reason}")
            }
            ApiError::Redirect => f.write_str("too many redirects"),
            ApiError::Transport { reason } => write!(f, "the exchange with ThreatStream broke: {reason}"),
            ApiError::NotJson { .. } => f.write_str("ThreatStream's answer is not JSON"),
            ApiError::Decode { path, reason, .. } => write!(f, "unexpected JSON at {path}: {reason}"),
            ApiError::BodyTooLarge { limit } => write!(f, "answer larger than {limit} bytes"),
            ApiError::Runaway { reason } => write!(f, "paging did not end: {reason}"),
            ApiError::Rejected { .. } => f.write_str("ThreatStream rejected the request"),
            ApiError::Redirected { status, location, .. } => {
                write!(
                    f,
                    "ThreatStream answered HTTP {status}, a redirect to {location}, which was not followed"
                )
            }
            ApiError::OverBudget(Exceeded::Step { limit }) => {
                write!(f, "the answers passed the step's memory budget of {} MiB", limit / MIB)
            }
            ApiError::OverBudget(Exceeded::Process { limit }) => {
                write!(
                    f,
                    "the answers passed the process's memory budget of {} MiB",
                    limit / MIB
                )
            }
            ApiError::AfterUnanswered { earlier, error } => {
                write!(f, "{error}, after an earlier attempt that got no answer ({earlier})")
            }
        }
    }
}

/// The answer of a read whose 404 means "there is none" (a threat model, a passive DNS history, a
/// WHOIS record): `None` then, so every caller reads such a 404 the same way, as nothing found.
pub(crate) fn none_when_missing<T>(answer: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match answer {
        Ok(found) => Ok(Some(found)),
        Err(ApiError::Status { status: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// A short, secret-free excerpt of a response body for error data.
///
/// The key is masked before the cut, so a key straddling the cut cannot leave half of itself behind;
/// only as much of the body is read as the cut could keep, so a huge body costs nothing.
pub(crate) fn excerpt(body: &[u8], secret: &str) -> String {
    let read = body.len().min(ERROR_DATA_BYTES + secret.len());
    let start = scrub(&String::from_utf8_lossy(&body[..read]), secret);
    if read == body.len() {
        return shorten(&start, ERROR_DATA_BYTES).into_owned();
    }
    shorten_start(&start, ERROR_DATA_BYTES, body.len()).into_owned()
}

/// Replaces every occurrence of the secret with the runtime's mask.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, "********")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_scrubs_and_caps() {
        let body = format!("{{\"detail\": \"key canary-123 rejected\"}}{}", "x".repeat(10_000));
        let text = excerpt(body.as_bytes(), "canary-123");
        assert!(text.starts_with("{\"detail\": \"key ******** rejected\"}"));
        assert!(text.ends_with(&format!("… ({} bytes in all)", body.len())), "{text}");
        assert!(text.len() < ERROR_DATA_BYTES + 64);
    }

    #[test]
    fn a_short_body_is_kept_whole_with_the_key_masked() {
        assert_eq!(
            excerpt(b"{\"echo\": \"canary-1\"}", "canary-1"),
            "{\"echo\": \"********\"}"
        );
    }

    #[test]
    fn a_key_across_the_cut_is_masked_whole() {
        let secret = "canary-secret-key";
        let body = format!("{}{secret}{}", "x".repeat(ERROR_DATA_BYTES - 5), "y".repeat(100));
        let text = excerpt(body.as_bytes(), secret);
        assert!(!text.contains("canary"), "{text}");
    }

    #[test]
    fn excerpt_survives_invalid_utf8() {
        assert_eq!(excerpt(b"ok \xff\xfe", "secret"), "ok \u{fffd}\u{fffd}");
    }
}
