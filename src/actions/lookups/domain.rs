//! Lookup Domain: every intelligence record about one domain name.
//!
//! ThreatStream files domains in lower case, in ASCII, without the root's trailing dot, so the name is
//! put in that form first: `Bücher.Example.` is looked up as `xn--bcher-kva.example` (idna, as
//! browsers convert names). A URL or a name with a path is refused rather than cut down to its host:
//! the host is not necessarily the observable the playbook meant, and Lookup URL exists for URLs.

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
    pub(crate) struct LookupDomainInput {
        /// Domain name to look up, such as evil-domain.example; internationalised names may be given in either form
        #[schemars(title = "Domain", example = "evil-domain.example")]
        pub(crate) domain: Option<String>,
        ..VerdictInputs,
    }
}

impl LookupDomainInput {
    fn observable(&self) -> Result<Observable, Failure> {
        let text = self.domain.as_deref().unwrap_or_default().trim();
        let invalid = |reason: String| Err(Failure::invalid_input("domain", reason));
        if text.is_empty() {
            return invalid("it is missing or empty; give a domain name such as evil-domain.example".into());
        }
        if text.contains("://") {
            return invalid(format!(
                "{} is a URL; give only its domain name, or look the URL up with Lookup URL",
                quoted(text)
            ));
        }
        if text.contains('/') {
            return invalid(format!("{} contains '/'; give only the domain name", quoted(text)));
        }
        observable(text, Some(ObservableType::Domain)).or_else(invalid)
    }
}

pub(crate) struct LookupDomain;

impl TypedStep for LookupDomain {
    const ID: &'static str = "lookup_domain";
    const TITLE: &'static str = "Lookup Domain";
    const DESCRIPTION: &'static str = "Lookup a domain name in Anomali ThreatStream";
    type Input = LookupDomainInput;
    type Output = Streamed<LookupOutput<Self>>;
}

impl TypedAction for LookupDomain {
    async fn run(
        connection: &Connection,
        input: LookupDomainInput,
    ) -> Result<Streamed<LookupOutput<LookupDomain>>, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, VerdictInputs::from(&input).options(connection)?).await
    }
}

impl ExampleRecords for LookupDomain {
    fn records() -> Value {
        json!([{"confidence": 73, "created_ts": "2026-09-14T08:21:40.118Z", "id": 100000401, "itype": "mal_domain",
            "meta": {"severity": "high"}, "source": "Example Malware Feed", "status": "active",
            "threat_type": "malware", "type": "domain", "value": "evil-domain.example"}])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observable(text: &str) -> Result<Observable, Failure> {
        LookupDomainInput {
            domain: Some(text.to_owned()),
            ..LookupDomainInput::default()
        }
        .observable()
    }

    #[test]
    fn names_are_trimmed_lower_cased_and_in_ascii() {
        for (given, looked_up) in [
            (" Evil-Domain.Example. ", "evil-domain.example"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
            ("evil-domain[.]example", "evil-domain.example"),
        ] {
            assert_eq!(
                observable(given).unwrap(),
                Observable::Domain(looked_up.into()),
                "{given}"
            );
        }
    }

    #[test]
    fn urls_paths_and_non_names_are_refused_naming_the_input() {
        for (bad, reason) in [
            ("", "missing or empty"),
            ("  ", "missing or empty"),
            ("http://evil-domain.example", "is a URL"),
            ("evil-domain.example/login", "contains '/'"),
            ("198.51.100.23", "is not a domain"),
            ("localhost", "is not a domain"),
            ("evil domain.example", "spaces"),
        ] {
            let failure = observable(bad).expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'domain': "),
                "{}",
                failure.cause
            );
            assert!(failure.cause.contains(reason), "{bad}: {}", failure.cause);
        }
    }
}
