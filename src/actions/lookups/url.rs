//! Lookup URL: every intelligence record about one URL.
//!
//! ThreatStream stores URLs as they were reported, with or without a scheme, so the value is looked up
//! in the normaliser's canonical form (trimmed, refanged, scheme and host in lower case, the path as
//! given) and matched exactly; only values that cannot be a URL are refused. Asked for by name, a URL
//! may be a host alone: 4.0.0's own sample looks up `google.com`, and a drop-in must keep running it
//! (tests/published_samples.rs).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::protocol::Failure;
use crate::threatstream::Observable;

use super::{lookup, ExampleRecords, LookupOutput};
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::observable::{observable, ObservableType};
use crate::actions::verdict::VerdictInputs;
use crate::actions::{Streamed, TypedAction, TypedStep};

step_input! {
    #[derive(Default, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct LookupUrlInput {
        /// URL to look up, as ThreatStream stores it, for example http://malicious.example.net/payload.exe
        #[schemars(title = "URL", example = "http://malicious.example.net/payload.exe")]
        pub(crate) url: Option<String>,
        ..VerdictInputs,
    }
}

impl LookupUrlInput {
    fn observable(&self) -> Result<Observable, Failure> {
        let text = self.url.as_deref().unwrap_or_default();
        if text.trim().is_empty() {
            return Err(Failure::invalid_input(
                "url",
                "it is missing or empty; give a URL such as http://example.com/path",
            ));
        }
        observable(text, Some(ObservableType::Url)).map_err(|problem| Failure::invalid_input("url", problem))
    }
}

pub(crate) struct LookupUrl;

impl TypedStep for LookupUrl {
    const ID: &'static str = "lookup_url";
    const TITLE: &'static str = "Lookup URL";
    const DESCRIPTION: &'static str = "Lookup a URL in Anomali ThreatStream";
    type Input = LookupUrlInput;
    type Output = Streamed<LookupOutput<Self>>;
}

impl TypedAction for LookupUrl {
    async fn run(connection: &Connection, input: LookupUrlInput) -> Result<Streamed<LookupOutput<LookupUrl>>, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, VerdictInputs::from(&input).options(connection)?).await
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
        assert_eq!(observable("google.com").unwrap(), Observable::Url("google.com".into()));
        for (given, looked_up) in [
            (
                "HTTP://MALICIOUS.EXAMPLE.NET/payload.exe",
                "http://malicious.example.net/payload.exe",
            ),
            (
                "hxxp://malicious[.]example[.]net/payload.exe",
                "http://malicious.example.net/payload.exe",
            ),
        ] {
            assert_eq!(observable(given).unwrap(), Observable::Url(looked_up.into()), "{given}");
        }
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
