//! Lookup URL: every intelligence record about one URL.
//!
//! ThreatStream stores URLs as they were reported, with or without a scheme, so the value is looked up
//! as given (trimmed) and matched exactly; only values that cannot be a URL are refused. This is looser
//! than the shape check of `actions::observable` on purpose: 4.0.0's own sample looks up `google.com`,
//! and a drop-in must keep running it (tests/published_samples.rs).

use reqwest::Url;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::protocol::{quoted, Failure, Output};
use crate::threatstream::Observable;

use super::{lookup, ExampleRecords, LookupOutput};
use crate::actions::connection::Connection;
use crate::actions::observable::MAX_VALUE_LENGTH;
use crate::actions::verdict::verdict_input;
use crate::actions::TypedAction;

verdict_input! {
    #[derive(Default, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct LookupUrlInput {
        /// URL to look up, as ThreatStream stores it, for example http://malicious.example.net/payload.exe
        #[schemars(title = "URL", example = "http://malicious.example.net/payload.exe")]
        pub(crate) url: Option<String>,
    }
}

impl LookupUrlInput {
    fn observable(&self) -> Result<Observable, Failure> {
        let text = self.url.as_deref().unwrap_or_default().trim();
        let invalid = |reason: String| Err(Failure::invalid_input("url", reason));
        if text.is_empty() {
            return invalid("it is missing or empty; give a URL such as http://example.com/path".into());
        }
        if text.len() > MAX_VALUE_LENGTH {
            return invalid(format!(
                "it is {} characters long, more than the {MAX_VALUE_LENGTH} a URL can have",
                text.len()
            ));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid(format!("{} contains spaces or control characters", quoted(text)));
        }
        let absolute = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        match Url::parse(&absolute) {
            Ok(url) if url.host_str().is_some_and(|host| !host.is_empty()) => Ok(Observable::Url(text.to_owned())),
            _ => invalid(format!("{} is not a URL", quoted(text))),
        }
    }
}

pub(crate) struct LookupUrl;

impl TypedAction for LookupUrl {
    const ID: &'static str = "lookup_url";
    const TITLE: &'static str = "Lookup URL";
    const DESCRIPTION: &'static str = "Lookup a URL in Anomali ThreatStream";
    type Input = LookupUrlInput;
    type OutputSchema = LookupOutput<Self>;

    async fn run(connection: &Connection, input: LookupUrlInput) -> Result<Output, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, input.verdict_inputs().options(connection)?).await
    }
}

impl ExampleRecords for LookupUrl {
    fn records() -> Value {
        json!([{"confidence": 85, "id": 100000201, "itype": "mal_url", "source": "Example Phishing Feed",
            "status": "active", "type": "url", "value": "http://malicious.example.net/payload.exe"}])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observable(text: &str) -> Result<Observable, Failure> {
        LookupUrlInput {
            url: Some(text.to_owned()),
            ..LookupUrlInput::default()
        }
        .observable()
    }

    #[test]
    fn accepts_urls_with_and_without_scheme() {
        assert_eq!(
            observable(" http://malicious.example.net/payload.exe ").unwrap(),
            Observable::Url("http://malicious.example.net/payload.exe".into())
        );
        assert!(observable("www.example.com/login").is_ok());
    }

    #[test]
    fn rejects_what_cannot_be_a_url() {
        for bad in [
            "",
            " ",
            "http://",
            "a b",
            "http://exa mple.com",
            "line\nbreak",
            &"a".repeat(9000),
        ] {
            let failure = observable(bad).expect_err(bad);
            assert!(failure.cause.contains("'url'"), "{}", failure.cause);
        }
    }
}
