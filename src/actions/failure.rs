//! The one table from ThreatStream errors to the runtime's presets.
//!
//! The published plugin swapped 401 and 403 here; a test per row keeps this table honest. The texts
//! that are not presets (certificate problems, endless paging) say what to change.

use crate::protocol::{Failure, Preset};
use crate::threatstream::ApiError;

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Failure {
        match error {
            ApiError::Status { status, body, .. } => Failure::preset(status_preset(status)).with_data(body),
            ApiError::Timeout => Failure::preset(Preset::Timeout),
            ApiError::Connect { reason } | ApiError::Transport { reason } => {
                Failure::preset(Preset::ConnectionError).with_data(reason)
            }
            ApiError::Redirect => Failure::preset(Preset::RedirectError),
            ApiError::Tls { reason } => Failure::upstream(
                "The TLS certificate of the ThreatStream server could not be verified.",
                "If the server uses a private or interception CA, add that CA to the bundle named by \
                 SSL_CERT_FILE. To skip certificate verification for this connection only, set SSL Verify \
                 (ssl_verify) to false.",
            )
            .with_data(reason),
            ApiError::NotJson { excerpt } => Failure::preset(Preset::InvalidJson).with_data(excerpt),
            ApiError::Decode { path, reason, excerpt } => Failure::preset(Preset::InvalidJson)
                .with_data(format!("unexpected JSON at {path}: {reason}; body: {excerpt}")),
            ApiError::BodyTooLarge { limit } => Failure::preset(Preset::InvalidJson).with_data(format!(
                "the answer was larger than {limit} bytes and was not read further"
            )),
            ApiError::Runaway { reason } => Failure::upstream(
                "ThreatStream kept announcing more pages without end.",
                "The server or a proxy in front of it is not paging correctly; check the ThreatStream URL \
                 and try again. If the issue persists, please contact support.",
            )
            .with_data(reason),
            ApiError::Rejected { body } => Failure::preset(Preset::BadRequest).with_data(body),
            ApiError::InvalidBaseUrl { reason } => Failure::caller(
                format!("The connection's ThreatStream URL cannot be used: {reason}."),
                "Set the ThreatStream URL to the address of the instance, for example https://ts.example.com.",
            ),
        }
    }
}

fn status_preset(status: u16) -> Preset {
    match status {
        400 => Preset::BadRequest,
        401 => Preset::InvalidCredentials,
        403 => Preset::Unauthorized,
        404 => Preset::NotFound,
        405 => Preset::MethodNotAllowed,
        408 => Preset::Timeout,
        409 => Preset::Conflict,
        429 => Preset::RateLimit,
        500 | 502 | 504 => Preset::ServerError,
        503 => Preset::ServiceUnavailable,
        _ => Preset::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_row_maps_to_its_preset() {
        let table = [
            (400, Preset::BadRequest),
            (401, Preset::InvalidCredentials),
            (403, Preset::Unauthorized),
            (404, Preset::NotFound),
            (405, Preset::MethodNotAllowed),
            (408, Preset::Timeout),
            (409, Preset::Conflict),
            (429, Preset::RateLimit),
            (500, Preset::ServerError),
            (502, Preset::ServerError),
            (503, Preset::ServiceUnavailable),
            (504, Preset::ServerError),
            (418, Preset::Unknown),
            (302, Preset::Unknown),
        ];
        for (status, preset) in table {
            let failure = Failure::from(ApiError::Status {
                status,
                body: "b".into(),
                retry_after: None,
            });
            assert_eq!(failure.preset_of(), Some(preset), "HTTP {status}");
            assert_eq!(failure.data, "b");
        }
    }

    #[test]
    fn transport_errors_map_to_presets() {
        assert_eq!(Failure::from(ApiError::Timeout).preset_of(), Some(Preset::Timeout));
        assert_eq!(
            Failure::from(ApiError::Connect {
                reason: "refused".into()
            })
            .preset_of(),
            Some(Preset::ConnectionError)
        );
        assert_eq!(
            Failure::from(ApiError::NotJson {
                excerpt: "<html>".into()
            })
            .preset_of(),
            Some(Preset::InvalidJson)
        );
        let tls = Failure::from(ApiError::Tls {
            reason: "UnknownIssuer".into(),
        });
        assert!(tls.cause.contains("certificate") && tls.assistance.contains("ssl_verify"));
    }
}
