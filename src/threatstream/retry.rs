//! When an idempotent request is tried again, and after how long.
//!
//! ThreatStream rate-limits and sits behind load balancers that answer 502/503/504 while a node
//! restarts; a playbook step should ride that out rather than fail an alert. Lookups and the connection
//! test are retried: 429 after the server's `Retry-After` (seconds or an HTTP date), 502/503/504 and
//! broken connections after an exponential back-off with jitter. Both are bounded by an attempt count
//! and a total waiting budget, so a step never hangs. The import is never retried (see `import`).

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use super::error::ApiError;
use crate::backoff::first_step;

/// Attempts in all, the first included.
pub(crate) const MAX_ATTEMPTS: u32 = 4;

/// Total time spent waiting between attempts; a `Retry-After` beyond what is left is not waited for.
pub(crate) const WAIT_BUDGET: Duration = Duration::from_secs(30);

/// First back-off step; it doubles on each retry.
const BASE_DELAY: Duration = Duration::from_millis(250);

/// The first back-off step of this process.
fn base_delay() -> Duration {
    first_step(BASE_DELAY)
}

/// How long to wait before attempt `attempt + 1`, or `None` when `error` is final.
pub(crate) fn delay_before_retry(error: &ApiError, attempt: u32, waited: Duration) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let delay = match error {
        ApiError::Status {
            status: 429,
            retry_after,
            ..
        } => retry_after.unwrap_or_else(|| backoff(attempt)),
        ApiError::Status {
            status: 502..=504,
            retry_after,
            ..
        } => retry_after.unwrap_or_else(|| backoff(attempt)),
        ApiError::Transport { .. } => backoff(attempt),
        _ => return None,
    };
    (waited + delay <= WAIT_BUDGET).then_some(delay)
}

/// Exponential back-off with "equal jitter": half the step fixed, half random, so concurrent playbook
/// steps that failed together do not all come back at the same instant.
fn backoff(attempt: u32) -> Duration {
    let step = base_delay() * 2u32.saturating_pow(attempt.saturating_sub(1));
    step / 2 + step.mul_f64(random_fraction() / 2.0)
}

/// A number in [0, 1) from the standard library's per-process random hash keys; jitter needs no more.
fn random_fraction() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A `Retry-After` header value: delay-seconds, or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, retry_after: Option<Duration>) -> ApiError {
        ApiError::Status {
            status,
            body: String::new(),
            retry_after,
        }
    }

    #[test]
    fn retries_rate_limits_gateways_and_broken_connections_only() {
        for retried in [
            status(429, None),
            status(502, None),
            status(503, None),
            status(504, None),
        ] {
            assert!(delay_before_retry(&retried, 1, Duration::ZERO).is_some(), "{retried:?}");
        }
        assert!(delay_before_retry(&ApiError::Transport { reason: "reset".into() }, 1, Duration::ZERO).is_some());
        for final_error in [
            status(400, None),
            status(401, None),
            status(500, None),
            ApiError::Timeout,
        ] {
            assert!(
                delay_before_retry(&final_error, 1, Duration::ZERO).is_none(),
                "{final_error:?}"
            );
        }
    }

    #[test]
    fn bounded_by_attempts_and_budget() {
        assert!(delay_before_retry(&status(503, None), MAX_ATTEMPTS, Duration::ZERO).is_none());
        let long_wait = status(429, Some(Duration::from_secs(3600)));
        assert!(
            delay_before_retry(&long_wait, 1, Duration::ZERO).is_none(),
            "an hour is beyond the budget"
        );
        let asked = status(429, Some(Duration::from_secs(2)));
        assert_eq!(
            delay_before_retry(&asked, 1, Duration::ZERO),
            Some(Duration::from_secs(2))
        );
        assert!(delay_before_retry(&asked, 2, WAIT_BUDGET - Duration::from_secs(1)).is_none());
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for attempt in 1..=3 {
            let step = BASE_DELAY * 2u32.pow(attempt - 1);
            let delay = backoff(attempt);
            assert!(delay >= step / 2 && delay <= step, "attempt {attempt}: {delay:?}");
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a past date means now"
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let parsed = parse_retry_after(&later).expect("a date");
        assert!(
            parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120),
            "{parsed:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
