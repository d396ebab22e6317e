//! Get Observables: every intelligence record whose value is the one given, whatever its type.
//!
//! The 3.0.0 action for values the typed lookups did not cover then (a domain, an e-mail address, a
//! string); Lookup Domain and Lookup Email now do, and this stays for workflows built on it. It searches by `value` alone and keeps exact matches, ignoring letter case where
//! ThreatStream does (hashes, e-mail addresses, domains); an empty value is refused, where the
//! published plugin searched all intelligence.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::protocol::Failure;
use crate::threatstream::Observable;

use super::{lookup, ExampleRecords, LookupOutput};
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::observable::any_value;
use crate::actions::verdict::VerdictInputs;
use crate::actions::{Streamed, TypedAction, TypedStep};

step_input! {
    #[derive(Default, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct GetObservablesInput {
        /// Value of the observable to look up: an IP address, domain, URL, e-mail address, hash or string
        #[schemars(title = "Value", example = "evil-domain.example")]
        pub(crate) value: Option<String>,
        ..VerdictInputs,
    }
}

impl GetObservablesInput {
    fn observable(&self) -> Result<Observable, Failure> {
        let value = any_value(self.value.as_deref().unwrap_or_default())
            .map_err(|problem| Failure::invalid_input("value", problem))?;
        value
            .map(Observable::Any)
            .ok_or_else(|| Failure::invalid_input("value", "it is missing or empty; give the observable to look up"))
    }
}

pub(crate) struct GetObservables;

impl TypedStep for GetObservables {
    const ID: &'static str = "get_observables";
    const TITLE: &'static str = "Get Observables";
    const DESCRIPTION: &'static str = "Get observables from Anomali ThreatStream";
    type Input = GetObservablesInput;
    type Output = Streamed<LookupOutput<Self>>;
}

impl TypedAction for GetObservables {
    async fn run(
        connection: &Connection,
        input: GetObservablesInput,
    ) -> Result<Streamed<LookupOutput<GetObservables>>, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, VerdictInputs::from(&input).options(connection)?).await
    }
}

impl ExampleRecords for GetObservables {
    fn records() -> Value {
        json!([{"confidence": 73, "id": 100000401, "itype": "mal_domain", "source": "Example Malware Feed",
            "status": "active", "threat_type": "malware", "type": "domain", "value": "evil-domain.example"}])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::observable::MAX_VALUE_LENGTH;

    fn observable(value: Option<&str>) -> Result<Observable, Failure> {
        GetObservablesInput {
            value: value.map(str::to_owned),
            ..GetObservablesInput::default()
        }
        .observable()
    }

    #[test]
    fn a_value_is_normalised_when_it_has_a_known_shape_and_kept_as_given_otherwise() {
        for (given, looked_up) in [
            (" Evil-Domain.Example ", "evil-domain.example"),
            ("198[.]51[.]100[.]23", "198.51.100.23"),
            ("HXXP://Evil[.]Example/Path", "http://evil.example/Path"),
            ("Mimikatz Credential Dump", "Mimikatz Credential Dump"),
        ] {
            assert_eq!(
                observable(Some(given)).unwrap(),
                Observable::Any(looked_up.into()),
                "{given}"
            );
        }
    }

    #[test]
    fn nothing_is_never_a_search_of_everything() {
        for empty in [None, Some(""), Some("   ")] {
            let failure = observable(empty).expect_err("refused");
            assert!(
                failure
                    .cause
                    .starts_with("Invalid input 'value': it is missing or empty"),
                "{}",
                failure.cause
            );
        }
        assert!(observable(Some(&"x".repeat(MAX_VALUE_LENGTH + 1))).is_err());
    }
}
