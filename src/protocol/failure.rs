//! Why a step failed, in the three parts the runtime's exceptions carry: cause, assistance and data.
//!
//! Every error that reaches the orchestrator is a `Failure`; `step` turns it into the envelope's `error`
//! sentence and `exception` object. Keeping the parts apart (rather than one string, as the Go SDK did)
//! lets the orchestrator show what went wrong and what to do about it separately. Its `kind` says whose
//! fault it was, which is all `http` mode needs to pick a status.

use std::borrow::Cow;

use super::preset::Preset;
use crate::excerpt::{shorten, ERROR_DATA_BYTES, QUOTED_VALUE_BYTES};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) cause: String,
    pub(crate) assistance: String,
    pub(crate) data: String,
    pub(crate) kind: FailureKind,
}

/// Whose fault a failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The caller sent something unusable (an envelope, a connection, an input), so nothing was sent on.
    Caller,
    /// The service behind the plugin failed or refused, described by the runtime's preset when one fits.
    Upstream(Option<Preset>),
    /// A defect of the plugin itself (output that breaks its own schema, a panic): not the caller's
    /// to fix, so `http` mode answers 500 rather than 400.
    Defect,
    /// The plugin process had no room for the step (its memory budget was held by the steps in
    /// flight): nobody's fault, and worth trying again, so `http` mode answers 503.
    Overloaded,
}

impl Failure {
    fn of(kind: FailureKind, cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure {
            cause: cause.into(),
            assistance: assistance.into(),
            data: String::new(),
            kind,
        }
    }

    /// A problem with what the caller sent, found before anything went upstream.
    pub(crate) fn caller(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure::of(FailureKind::Caller, cause, assistance)
    }

    /// An upstream failure in the runtime's words for it.
    pub(crate) fn preset(preset: Preset) -> Failure {
        Failure::of(FailureKind::Upstream(Some(preset)), preset.cause(), preset.assistance())
    }

    /// An upstream failure no preset describes (an untrusted certificate, endless paging).
    pub(crate) fn upstream(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure::of(FailureKind::Upstream(None), cause, assistance)
    }

    /// No room in the process for the step now; trying again later may succeed.
    pub(crate) fn overloaded(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure::of(FailureKind::Overloaded, cause, assistance)
    }

    /// A defect of the plugin rather than of its input or of the service.
    pub(crate) fn defect(cause: impl Into<String>, assistance: impl Into<String>) -> Failure {
        Failure::of(FailureKind::Defect, cause, assistance)
    }

    /// An action input that cannot be used, always named so the playbook author knows which one to fix.
    pub(crate) fn invalid_input(input: &str, problem: impl std::fmt::Display) -> Failure {
        let (input, problem) = (without_controls(input), problem.to_string());
        Failure::caller(
            format!("Invalid input '{input}': {}.", without_controls(&problem)),
            "Correct the input and try again. If the input was given a variable in the Workflow Builder, \
             check that the variable held a value at run time.",
        )
    }

    /// A trigger's saved state that its schema or type refuses: the file was edited or written by
    /// another version.
    pub(crate) fn invalid_trigger_state(problem: impl std::fmt::Display) -> Failure {
        Failure::caller(
            format!("The trigger's saved state is invalid: {problem}."),
            "The state file was changed by hand or by another version. Restore it, or delete it to start the \
             trigger afresh.",
        )
    }

    /// A task's `state` that its schema or type refuses.
    pub(crate) fn invalid_task_state(problem: impl std::fmt::Display) -> Failure {
        Failure::caller(
            format!("The task state is invalid: {problem}."),
            "Pass the state the task's last run returned, or {} for a first run.",
        )
    }

    /// The preset this failure was built from, if any.
    pub(crate) fn preset_of(&self) -> Option<Preset> {
        match self.kind {
            FailureKind::Upstream(preset) => preset,
            FailureKind::Caller | FailureKind::Defect | FailureKind::Overloaded => None,
        }
    }

    /// The same failure told in the action's words: a cause naming what was asked for, say, in place of
    /// the preset's. Its kind, assistance and data stay.
    pub(crate) fn with_cause(mut self, cause: impl Into<String>) -> Failure {
        self.cause = cause.into();
        self
    }

    /// The same failure with other advice: the preset's, say, where it does not fit what went wrong.
    pub(crate) fn with_assistance(mut self, assistance: impl Into<String>) -> Failure {
        self.assistance = assistance.into();
        self
    }

    /// Attaches the response or detail text, capped so a huge upstream body cannot flood the envelope.
    pub(crate) fn with_data(mut self, data: impl Into<String>) -> Failure {
        let data = data.into();
        self.data = shorten(&data, ERROR_DATA_BYTES).into_owned();
        self
    }

    /// The runtime's `str(PluginException)` as runtime 6.3.7 words it, the runtime of the image and of
    /// the published 4.0.0: the first sentence, a blank line, then the cause, the assistance and the
    /// data after "Response was: " (6.3.8 and later put a space for the blank line and drop the colon).
    pub(crate) fn plugin_error_text(&self) -> String {
        self.runtime_text("An error occurred during plugin execution!")
    }

    /// What ends the cause before the assistance: a full stop when the cause has no end of its own.
    /// Some causes are the runtime's words, which have none (`Unknown action "x"`), and read as one
    /// run-on sentence with the assistance. A preset's cause stays exactly the runtime's text, whose
    /// "Server error occurred" every InsightConnect plugin prints without one.
    fn full_stop(&self) -> &'static str {
        let ended = self.cause.ends_with(['.', '!', '?', ':']);
        let preset_text = self.preset_of().is_some_and(|preset| preset.cause() == self.cause);
        if ended || preset_text || self.cause.is_empty() {
            ""
        } else {
            "."
        }
    }

    /// The runtime's `str(ConnectionTestException)`, in 6.3.7's words like `plugin_error_text`.
    pub(crate) fn connection_test_text(&self) -> String {
        self.runtime_text("Connection test failed!")
    }

    fn runtime_text(&self, first_sentence: &str) -> String {
        let mut text = format!(
            "{first_sentence}\n\n{}{} {}",
            self.cause,
            self.full_stop(),
            self.assistance
        );
        if !self.data.is_empty() {
            text.push_str(" Response was: ");
            text.push_str(&self.data);
        }
        text
    }
}

/// `text` in single quotes for an error sentence: shortened, control characters escaped.
pub(crate) fn quoted(text: &str) -> String {
    format!("'{}'", shown(text))
}

/// `text` for an error sentence: shortened, control characters escaped.
pub(crate) fn shown(text: &str) -> String {
    shorten(text, QUOTED_VALUE_BYTES).escape_debug().to_string()
}

/// `text` with its control characters escaped (`\u{1b}`, `\0`) and the rest as it is: for text that
/// may carry a user's words and goes to a terminal or a log, where an escape sequence would act.
pub(crate) fn without_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if character.is_control() {
            escaped.extend(character.escape_debug());
        } else {
            escaped.push(character);
        }
    }
    Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_text_follows_runtime_6_3_7() {
        let failure = Failure::preset(Preset::NotFound).with_data("resp 404");
        assert_eq!(
            failure.plugin_error_text(),
            "An error occurred during plugin execution!\n\nInvalid or unreachable endpoint provided. \
             Verify the URLs or endpoints in your configuration are correct. Response was: resp 404"
        );
    }

    #[test]
    fn connection_test_text_has_colon_and_no_data_suffix_when_empty() {
        let failure = Failure::preset(Preset::ApiKey).with_data("401 body");
        assert_eq!(
            failure.connection_test_text(),
            "Connection test failed!\n\nInvalid API key provided. Verify your API key configured in your \
             connection is correct. Response was: 401 body"
        );
        assert!(!Failure::preset(Preset::ApiKey)
            .connection_test_text()
            .contains("Response"));
    }

    #[test]
    fn a_cause_without_an_end_is_ended_before_the_assistance() {
        let unknown = Failure::caller(
            "Unknown action \"lookup_ipaddr\"",
            "Use one of the plugin's actions: a, b.",
        );
        assert_eq!(
            unknown.plugin_error_text(),
            "An error occurred during plugin execution!\n\nUnknown action \"lookup_ipaddr\". Use one of the plugin's \
             actions: a, b."
        );
        assert_eq!(
            unknown.cause, "Unknown action \"lookup_ipaddr\"",
            "the cause keeps the runtime's words"
        );
        let version = Failure::caller("Unsupported version 'v2'. Only v1 is supported", "Send v1.");
        assert!(version
            .connection_test_text()
            .ends_with("Only v1 is supported. Send v1."));
        let ended = Failure::caller("The input is invalid.", "Correct it.");
        assert!(ended.plugin_error_text().ends_with("The input is invalid. Correct it."));
        // The runtime's own preset text is left as every plugin prints it.
        assert!(Failure::preset(Preset::ServerError)
            .plugin_error_text()
            .contains("Server error occurred Verify"));
        assert!(Failure::preset(Preset::ServerError)
            .with_cause("ThreatStream failed")
            .plugin_error_text()
            .contains("ThreatStream failed. Verify"));
    }

    #[test]
    fn an_input_name_and_its_problem_carry_no_control_characters() {
        let failure = Failure::invalid_input("\u{1b}[2Jkey\0", "unknown field `\u{1b}[2J`");
        assert_eq!(
            failure.cause,
            "Invalid input '\\u{1b}[2Jkey\\0': unknown field `\\u{1b}[2J`."
        );
        assert_eq!(without_controls("plain é…"), "plain é…");
        assert_eq!(without_controls("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn quoted_values_are_short_and_escaped() {
        assert_eq!(quoted("a\nb"), "'a\\nb'");
        let long = quoted(&"x".repeat(10_000));
        assert_eq!(
            long,
            format!("'{}… (10000 bytes in all)'", "x".repeat(QUOTED_VALUE_BYTES))
        );
    }

    #[test]
    fn data_is_capped_at_the_one_limit() {
        let failure = Failure::preset(Preset::ServerError).with_data("é".repeat(5000));
        assert!(failure.data.ends_with("… (10000 bytes in all)"), "{}", failure.data);
        assert_eq!(failure.data.matches('é').count(), ERROR_DATA_BYTES / 2);
    }

    #[test]
    fn only_upstream_failures_carry_a_preset() {
        assert_eq!(Failure::preset(Preset::Timeout).preset_of(), Some(Preset::Timeout));
        assert_eq!(Failure::upstream("c", "a").preset_of(), None);
        assert_eq!(Failure::caller("c", "a").preset_of(), None);
        assert_eq!(Failure::defect("c", "a").kind, FailureKind::Defect);
    }
}
