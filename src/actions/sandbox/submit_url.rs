//! Submit URL: detonate a URL in ThreatStream's sandbox.
//!
//! The URL must be one a browser could open: http or https, with a host. A URL written without its
//! scheme (`example.com/setup.exe`, as the published plugin's own samples write it) is sent as given,
//! since ThreatStream takes it; a path alone, another scheme or a value with spaces is refused.

use reqwest::Url;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{submit, SubmissionChoices, SubmissionDetail, SubmitOutput};
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::observable::MAX_VALUE_LENGTH;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::{quoted, Failure};
use crate::threatstream::Target;

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct SubmitUrlInput {
        ..SubmissionChoices,
        /// URL to detonate
        #[schemars(title = "URL", example = "https://example.com/setup.exe")]
        url: String,
        ..SubmissionDetail,
    }
}

/// The URL to send, or why it cannot be detonated.
fn detonatable(url: &str) -> Result<String, Failure> {
    let url = url.trim();
    let invalid = |reason: String| Err(Failure::invalid_input("url", reason));
    if url.is_empty() {
        return invalid("it is empty; give a URL such as https://example.com/setup.exe".into());
    }
    if url.len() > MAX_VALUE_LENGTH || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid(format!("{} is not a URL a browser could open", quoted(url)));
    }
    let absolute = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let parsed = Url::parse(&absolute).ok();
    let web = parsed
        .as_ref()
        .is_some_and(|parsed| matches!(parsed.scheme(), "http" | "https"));
    let host = parsed.as_ref().and_then(Url::host_str).unwrap_or_default();
    if !web || host.is_empty() || url.starts_with(['/', '.']) || !host.contains(['.', ':']) && host != "localhost" {
        return invalid(format!(
            "{} is not an absolute http or https URL, such as https://example.com/setup.exe",
            quoted(url)
        ));
    }
    Ok(url.to_owned())
}

pub(crate) struct SubmitUrl;

impl TypedStep for SubmitUrl {
    const ID: &'static str = "submit_url";
    const TITLE: &'static str = "Submit URL";
    const DESCRIPTION: &'static str = "Submit a URL to a ThreatStream sandbox";
    type Input = SubmitUrlInput;
    type Output = SubmitOutput;
}

impl TypedAction for SubmitUrl {
    async fn run(connection: &Connection, input: SubmitUrlInput) -> Result<SubmitOutput, Failure> {
        let url = detonatable(&input.url)?;
        submit(
            connection,
            SubmissionChoices::from(&input),
            SubmissionDetail::from(&input),
            Target::Url(url),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls_are_sent_as_given() {
        for good in [
            "https://example.com/setup.exe",
            "http://198.51.100.7:8080/x",
            "example.com",
            " google.com/path?q=1 ",
            "http://[2001:db8::1]/",
        ] {
            assert_eq!(detonatable(good).unwrap(), good.trim(), "{good}");
        }
    }

    #[test]
    fn what_no_browser_opens_is_refused_naming_the_input() {
        for bad in [
            "",
            "/downloads/setup.exe",
            "./setup.exe",
            "setup",
            "ftp://example.com/a",
            "javascript:alert(1)",
            "http://",
            "https://exa mple.com",
            "file:///etc/passwd",
        ] {
            let failure = detonatable(bad).expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'url'"),
                "{bad}: {}",
                failure.cause
            );
        }
    }
}
