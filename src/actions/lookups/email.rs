//! Lookup Email: every intelligence record about one e-mail address, such as a phishing sender.
//!
//! ThreatStream compares addresses without regard to case, so the address is lower-cased (its domain
//! put in ASCII, as Lookup Domain does) and records are matched the same way.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::protocol::{quoted, Failure};
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
    pub(crate) struct LookupEmailInput {
        /// E-mail address to look up, such as the sender of a reported phishing message
        #[schemars(title = "Email", example = "phisher@example.org")]
        pub(crate) email: Option<String>,
        ..VerdictInputs,
    }
}

impl LookupEmailInput {
    fn observable(&self) -> Result<Observable, Failure> {
        let text = self.email.as_deref().unwrap_or_default().trim();
        let invalid = |reason: String| Err(Failure::invalid_input("email", reason));
        if text.is_empty() {
            return invalid("it is missing or empty; give an e-mail address such as phisher@example.org".into());
        }
        if !text.contains('@') && !text.contains("[@]") {
            return invalid(format!(
                "{} has no '@'; give an e-mail address such as phisher@example.org",
                quoted(text)
            ));
        }
        observable(text, Some(ObservableType::Email)).or_else(invalid)
    }
}

pub(crate) struct LookupEmail;

impl TypedStep for LookupEmail {
    const ID: &'static str = "lookup_email";
    const TITLE: &'static str = "Lookup Email";
    const DESCRIPTION: &'static str = "Lookup an e-mail address in Anomali ThreatStream";
    type Input = LookupEmailInput;
    type Output = Streamed<LookupOutput<Self>>;
}

impl TypedAction for LookupEmail {
    async fn run(
        connection: &Connection,
        input: LookupEmailInput,
    ) -> Result<Streamed<LookupOutput<LookupEmail>>, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, VerdictInputs::from(&input).options(connection)?).await
    }
}

impl ExampleRecords for LookupEmail {
    fn records() -> Value {
        json!([{"confidence": 80, "created_ts": "2026-09-14T08:21:40.118Z", "id": 100000501, "itype": "phish_email",
            "meta": {"severity": "high"}, "source": "Example Phishing Feed", "status": "active",
            "threat_type": "phish", "type": "email", "value": "phisher@example.org"}])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observable(text: &str) -> Result<Observable, Failure> {
        LookupEmailInput {
            email: Some(text.to_owned()),
            ..LookupEmailInput::default()
        }
        .observable()
    }

    #[test]
    fn addresses_are_compared_without_case() {
        assert_eq!(
            observable(" Phisher@Example.ORG ").unwrap(),
            Observable::Email("phisher@example.org".into())
        );
        assert_eq!(
            observable("info@Bücher.example").unwrap(),
            Observable::Email("info@xn--bcher-kva.example".into())
        );
    }

    #[test]
    fn what_is_no_address_is_refused_naming_the_input() {
        for (bad, reason) in [
            ("", "missing or empty"),
            ("phisher.example.org", "has no '@'"),
            ("@example.org", "is not an e-mail address"),
            ("phisher@", "is not an e-mail address"),
            ("phisher@localhost", "is not an e-mail address"),
        ] {
            let failure = observable(bad).expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'email': "),
                "{}",
                failure.cause
            );
            assert!(failure.cause.contains(reason), "{bad}: {}", failure.cause);
        }
    }
}
