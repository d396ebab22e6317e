//! Lookup Hash: every intelligence record about one file hash, whatever its algorithm.
//!
//! ThreatStream stores MD5, SHA-1, SHA-256 and SHA-512 digests alike under type `md5`, so all four are
//! looked up the same way; the digest is compared without regard to case.

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
    pub(crate) struct LookupHashInput {
        /// MD5, SHA-1, SHA-256 or SHA-512 hash to look up, in hexadecimal
        #[schemars(title = "Hash", example = "44d88612fea8a8f36de82e1278abb02f")]
        pub(crate) hash: Option<String>,
        ..VerdictInputs,
    }
}

impl LookupHashInput {
    fn observable(&self) -> Result<Observable, Failure> {
        let digest = self.hash.as_deref().unwrap_or_default();
        if digest.trim().is_empty() {
            return Err(Failure::invalid_input(
                "hash",
                "it is missing or empty; give an MD5, SHA-1, SHA-256 or SHA-512 hash",
            ));
        }
        observable(digest, Some(ObservableType::Hash)).map_err(|problem| Failure::invalid_input("hash", problem))
    }
}

pub(crate) struct LookupHash;

impl TypedStep for LookupHash {
    const ID: &'static str = "lookup_hash";
    const TITLE: &'static str = "Lookup Hash";
    const DESCRIPTION: &'static str = "Lookup a file hash in Anomali ThreatStream";
    type Input = LookupHashInput;
    type Output = Streamed<LookupOutput<Self>>;
}

impl TypedAction for LookupHash {
    async fn run(
        connection: &Connection,
        input: LookupHashInput,
    ) -> Result<Streamed<LookupOutput<LookupHash>>, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, VerdictInputs::from(&input).options(connection)?).await
    }
}

impl ExampleRecords for LookupHash {
    fn records() -> Value {
        json!([{"confidence": 95, "id": 100000301, "itype": "mal_md5", "source": "Example Malware Feed",
            "status": "active", "subtype": "MD5", "threat_type": "malware", "type": "md5",
            "value": "44d88612fea8a8f36de82e1278abb02f"}])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::enrichment::DIGEST_LENGTHS;

    fn observable(text: &str) -> Result<Observable, Failure> {
        LookupHashInput {
            hash: Some(text.to_owned()),
            ..LookupHashInput::default()
        }
        .observable()
    }

    #[test]
    fn accepts_every_algorithm_in_any_case() {
        assert_eq!(
            observable("44D88612FEA8A8F36DE82E1278ABB02F").unwrap(),
            Observable::Hash("44d88612fea8a8f36de82e1278abb02f".into())
        );
        for length in DIGEST_LENGTHS {
            assert!(observable(&"a".repeat(length)).is_ok(), "{length}");
        }
    }

    #[test]
    fn rejects_empty_non_hex_and_odd_lengths() {
        for bad in ["", "  ", &"g".repeat(32), &"a".repeat(33), "44d88612-fea8"] {
            let failure = observable(bad).expect_err(bad);
            assert!(failure.cause.contains("'hash'"), "{}", failure.cause);
        }
    }
}
