//! Why a step failed, in the three parts the runtime's exceptions carry: cause, assistance and data.
//!
//! Every error that reaches the orchestrator is a `Failure`; `step` turns it into the envelope's `error`
//! sentence and `exception` object. Keeping the parts apart (rather than one string, as the Go SDK did)
//! lets the orchestrator show what went wrong and what to do about it separately.

use super::preset::Preset;

/// Longest `data` text we put in an envelope: enough for an API error body, never a whole page.
const MAX_DATA_CHARS: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) cause: String,
    pub(crate) assistance: String,
    pub(crate) data: String,
    /// The preset this failure was built from, if any: server mode picks its HTTP status from it.
    pub(crate) preset: Option<Preset>,
    /// The caller sent something unusable (a bad envelope or input), as opposed to a failure upstream.
    pub(crate) client_error: bool,
    /// Not a `PluginException` in the runtime's sense but a defect of the plugin itself (output that
    /// breaks its own schema, a value that cannot be encoded): server mode answers 500, not 400.
    pub(crate) unexpected: bool,
}

impl Failure {
    pub(crate) fn new(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure {
            cause: cause.into(),
            assistance: assistance.into(),
            data: String::new(),
            preset: None,
            client_error: false,
            unexpected: false,
        }
    }

    pub(crate) fn preset(preset: Preset) -> Failure {
        Failure {
            preset: Some(preset),
            ..Failure::new(preset.cause(), preset.assistance())
        }
    }

    /// A problem with what the caller sent, before anything went upstream.
    pub(crate) fn client(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure {
            client_error: true,
            ..Failure::new(cause, assistance)
        }
    }

    /// A defect of the plugin rather than of its input or of ThreatStream.
    pub(crate) fn unexpected(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure {
            unexpected: true,
            ..Failure::new(cause, assistance)
        }
    }

    /// An action input that cannot be used, always named so the playbook author knows which one to fix.
    pub(crate) fn invalid_input(input: &str, problem: impl std::fmt::Display) -> Failure {
        Failure::client(
            format!("Invalid input '{input}': {problem}."),
            "Correct the input and try again. If the input was given a variable in the Workflow Builder, \
             check that the variable held a value at run time.",
        )
    }

    /// Attaches the response or detail text, capped so a huge upstream body cannot flood the envelope.
    pub(crate) fn with_data(mut self, data: impl Into<String>) -> Failure {
        self.data = cap(data.into());
        self
    }

    /// The runtime's `str(PluginException)` (6.3.8+: no colon after "Response was").
    pub(crate) fn plugin_error_text(&self) -> String {
        let mut text = format!(
            "An error occurred during plugin execution! {} {}",
            self.cause, self.assistance
        );
        if !self.data.is_empty() {
            text.push_str(" Response was ");
            text.push_str(&self.data);
        }
        text
    }

    /// The runtime's `str(ConnectionTestException)`.
    pub(crate) fn connection_test_text(&self) -> String {
        let mut text = format!("Connection test failed! {} {}", self.cause, self.assistance);
        if !self.data.is_empty() {
            text.push_str(" Response was: ");
            text.push_str(&self.data);
        }
        text
    }
}

/// How much of a user's value an error message repeats: enough to recognise it, never megabytes.
const MAX_QUOTED_CHARS: usize = 80;

/// `text` in single quotes for an error message: control characters escaped, long values cut.
pub(crate) fn quoted(text: &str) -> String {
    format!("'{}'", shortened(text))
}

/// `text` for an error message: control characters escaped, long values cut.
pub(crate) fn shortened(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(MAX_QUOTED_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        shown.push_str("… (");
        shown.push_str(&text.chars().count().to_string());
        shown.push_str(" characters)");
    }
    shown
}

fn cap(mut data: String) -> String {
    if let Some((cut, _)) = data.char_indices().nth(MAX_DATA_CHARS) {
        data.truncate(cut);
        data.push_str("… (truncated)");
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_text_follows_runtime_6_6() {
        let failure = Failure::preset(Preset::NotFound).with_data("resp 404");
        assert_eq!(
            failure.plugin_error_text(),
            "An error occurred during plugin execution! Invalid or unreachable endpoint provided. \
             Verify the URLs or endpoints in your configuration are correct. Response was resp 404"
        );
    }

    #[test]
    fn connection_test_text_has_colon_and_no_data_suffix_when_empty() {
        let failure = Failure::preset(Preset::ApiKey).with_data("401 body");
        assert_eq!(
            failure.connection_test_text(),
            "Connection test failed! Invalid API key provided. Verify your API key configured in your \
             connection is correct. Response was: 401 body"
        );
        assert!(!Failure::preset(Preset::ApiKey)
            .connection_test_text()
            .contains("Response"));
    }

    #[test]
    fn quoted_values_are_short_and_escaped() {
        assert_eq!(quoted("a\nb"), "'a\\nb'");
        let long = quoted(&"x".repeat(10_000));
        assert!(long.len() < 120 && long.ends_with("(10000 characters)'"), "{long}");
    }

    #[test]
    fn data_is_capped_on_a_char_boundary() {
        let failure = Failure::preset(Preset::ServerError).with_data("é".repeat(5000));
        assert!(failure.data.ends_with("… (truncated)"));
        assert_eq!(failure.data.chars().filter(|c| *c == 'é').count(), MAX_DATA_CHARS);
    }
}
