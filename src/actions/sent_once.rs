//! A write sent once (a new rule, allowlist entries, a snapshot) whose failure may come after
//! ThreatStream applied it: the failure says so and how to check, so nobody runs the step again
//! blind and makes a second copy.
//!
//! (The client's own judgment of which errors leave a write unknown is being extended in
//! `threatstream::error`; until it lands, `leaves_write_unknown` here says it for the errors the
//! client has today, with the same meaning and the same shape of `unconfirmed`.)

use crate::protocol::Failure;
use crate::threatstream::ApiError;

/// A write, as its failures speak of it when they leave its outcome unknown.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Write {
    /// What was sent: "the new rule".
    pub(crate) what: &'static str,
    /// How to find out whether it was applied: "List Rules shows whether it was created".
    pub(crate) check: &'static str,
    /// What a second copy would do ("create a second rule"); `None` when sending it twice does what
    /// sending it once does.
    pub(crate) twice: Option<&'static str>,
}

/// Whether `error` may have come after ThreatStream acted on the request: a 5xx (a gateway's 503 is
/// often sent after the server did the work), a time-out, a connection broken after sending, a 2xx
/// whose body could not be read. A refusal (4xx) or a connection that never opened did nothing.
fn leaves_write_unknown(error: &ApiError) -> bool {
    match error {
        ApiError::Status { status, .. } => *status >= 500,
        ApiError::Timeout
        | ApiError::Transport { .. }
        | ApiError::NotJson { .. }
        | ApiError::Decode { .. }
        | ApiError::BodyTooLarge { .. } => true,
        _ => false,
    }
}

/// `error` of a `write`, as `map` makes it a failure; when the error leaves the write's outcome
/// unknown, the failure says that it may have been applied and how to check, never "try again".
pub(crate) fn unconfirmed(error: ApiError, write: &Write, map: impl FnOnce(ApiError) -> Failure) -> Failure {
    if !leaves_write_unknown(&error) {
        return map(error);
    }
    let mut failure = map(error);
    let (may, next) = match write.twice {
        Some(twice) => (
            format!(
                "ThreatStream may have applied {} before the failure, so it was not sent again.",
                write.what
            ),
            format!(
                "{} before running the step again: a second copy would {twice}.",
                write.check
            ),
        ),
        None => (
            format!("ThreatStream may have applied {} before the failure.", write.what),
            format!("{}; sending it again does no harm.", write.check),
        ),
    };
    failure.cause = format!("{} {may}", failure.cause);
    failure.assistance = next;
    failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Preset;

    const RULE: Write = Write {
        what: "the new rule",
        check: "List Rules shows whether it was created",
        twice: Some("create a second rule"),
    };

    fn status(status: u16) -> ApiError {
        ApiError::Status {
            status,
            body: "{}".into(),
            retry_after: None,
        }
    }

    #[test]
    fn a_write_left_unknown_says_it_may_have_been_applied_and_how_to_check() {
        let unknown = unconfirmed(status(503), &RULE, Failure::from);
        assert_eq!(
            unknown.cause,
            "The service is currently unavailable. ThreatStream may have applied the new rule before the failure, \
             so it was not sent again."
        );
        assert_eq!(
            unknown.assistance,
            "List Rules shows whether it was created before running the step again: a second copy would create a \
             second rule."
        );
        assert_eq!(unknown.preset_of(), Some(Preset::ServiceUnavailable));
        assert!(unconfirmed(ApiError::Timeout, &RULE, Failure::from)
            .cause
            .contains("may have applied"));
        for refused in [
            status(400),
            status(403),
            ApiError::Connect {
                reason: "refused".into(),
            },
        ] {
            let told = unconfirmed(refused, &RULE, Failure::from);
            assert!(!told.cause.contains("may have applied"), "{told:?}");
        }
    }
}
