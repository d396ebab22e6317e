//! The runtime's preset error texts, word for word.
//!
//! The orchestrator and the people reading its job logs know these sentences from every other
//! InsightConnect plugin, so they are copied exactly from `insightconnect_plugin_runtime` 6.6.x
//! (`exceptions.py`), including the missing final period of "Server error occurred".

/// One entry of the runtime's `PluginException.Preset` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the runtime's whole table, kept complete so it can be checked against the reference"
)]
pub(crate) enum Preset {
    ApiKey,
    Unauthorized,
    RateLimit,
    UsernamePassword,
    NotFound,
    ServerError,
    ServiceUnavailable,
    InvalidJson,
    Unknown,
    Base64Encode,
    Base64Decode,
    Timeout,
    BadRequest,
    InvalidCredentials,
    MethodNotAllowed,
    Conflict,
    ConnectionError,
    RedirectError,
}

impl Preset {
    pub(crate) fn cause(self) -> &'static str {
        match self {
            Preset::ApiKey => "Invalid API key provided.",
            Preset::Unauthorized => "The account configured in your connection is unauthorized to access this service.",
            Preset::RateLimit => "The account configured in your plugin connection is currently rate-limited.",
            Preset::UsernamePassword => "Invalid username or password provided.",
            Preset::NotFound => "Invalid or unreachable endpoint provided.",
            Preset::ServerError => "Server error occurred",
            Preset::ServiceUnavailable => "The service is currently unavailable.",
            Preset::InvalidJson => "Received an unexpected response from the server.",
            Preset::Unknown => "Something unexpected occurred.",
            Preset::Base64Encode => "Unable to base64 encode content due to incorrect padding length.",
            Preset::Base64Decode => "Unable to base64 decode content due to incorrect padding length.",
            Preset::Timeout => "The connection timed out.",
            Preset::BadRequest => "The server is unable to process the request.",
            Preset::InvalidCredentials => "Authentication failed: invalid credentials.",
            Preset::MethodNotAllowed => "The request method is not allowed for this resource.",
            Preset::Conflict => "Request cannot be completed due to a conflict with the current state of the resource.",
            Preset::ConnectionError => "Failed to connect to the server.",
            Preset::RedirectError => "Request redirected more than the set limit for the server.",
        }
    }

    pub(crate) fn assistance(self) -> &'static str {
        match self {
            Preset::ApiKey => "Verify your API key configured in your connection is correct.",
            Preset::Unauthorized => "Verify the permissions for your account and try again.",
            Preset::RateLimit => "Adjust the time between requests if possible.",
            Preset::UsernamePassword => "Verify your username and password are correct.",
            Preset::NotFound => "Verify the URLs or endpoints in your configuration are correct.",
            Preset::ServerError => {
                "Verify your plugin connection inputs are correct and not malformed and try again. \
                 If the issue persists, please contact support."
            }
            Preset::ServiceUnavailable => "Try again later. If the issue persists, please contact support.",
            Preset::InvalidJson => "(non-JSON or no response was received).",
            Preset::Unknown => "Check the logs and if the issue persists please contact support.",
            Preset::Base64Encode | Preset::Base64Decode => {
                "This is likely a programming error, if the issue persists please contact support."
            }
            Preset::Timeout => {
                "This is likely a network error. Verify the network activity. \
                 If the issue persists, please contact support."
            }
            Preset::BadRequest => {
                "Verify your plugin input is correct and not malformed and try again. \
                 If the issue persists, please contact support."
            }
            Preset::InvalidCredentials => "Please verify the credentials for your account and try again.",
            Preset::MethodNotAllowed => "Please try a supported method for this resource.",
            Preset::Conflict => "Please check your request, and try again.",
            Preset::ConnectionError => "Please check your network connection and try again.",
            Preset::RedirectError => "Please check your request and try again.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Preset;

    #[test]
    fn server_error_keeps_the_runtime_missing_period() {
        assert_eq!(Preset::ServerError.cause(), "Server error occurred");
    }

    #[test]
    fn continued_lines_join_with_single_spaces() {
        assert_eq!(
            Preset::Timeout.assistance(),
            "This is likely a network error. Verify the network activity. If the issue persists, please contact support."
        );
        assert_eq!(
            Preset::ServerError.assistance(),
            "Verify your plugin connection inputs are correct and not malformed and try again. If the issue persists, please contact support."
        );
    }
}
