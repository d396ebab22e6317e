//! Lookup IP Address: every intelligence record about one IPv4 or IPv6 address.

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
    pub(crate) struct LookupIpInput {
        /// IPv4 or IPv6 address to look up
        #[schemars(title = "IP Address", example = "198.51.100.23")]
        pub(crate) ip_address: Option<String>,
        ..VerdictInputs,
    }
}

impl LookupIpInput {
    /// An empty or malformed address must never reach ThreatStream: an empty filter searches everything.
    fn observable(&self) -> Result<Observable, Failure> {
        let text = self.ip_address.as_deref().unwrap_or_default();
        if text.trim().is_empty() {
            return Err(Failure::invalid_input(
                "ip_address",
                "it is missing or empty; give an IPv4 or IPv6 address",
            ));
        }
        observable(text, Some(ObservableType::Ip)).map_err(|problem| Failure::invalid_input("ip_address", problem))
    }
}

pub(crate) struct LookupIp;

impl TypedStep for LookupIp {
    const ID: &'static str = "lookup_ip";
    const TITLE: &'static str = "Lookup IP Address";
    const DESCRIPTION: &'static str = "Lookup an IP address in Anomali ThreatStream";
    type Input = LookupIpInput;
    type Output = Streamed<LookupOutput<Self>>;
}

impl TypedAction for LookupIp {
    async fn run(connection: &Connection, input: LookupIpInput) -> Result<Streamed<LookupOutput<LookupIp>>, Failure> {
        let observable = input.observable()?;
        lookup(connection, observable, VerdictInputs::from(&input).options(connection)?).await
    }
}

impl ExampleRecords for LookupIp {
    fn records() -> Value {
        json!([{"asn": "64500", "confidence": 92, "country": "NL", "created_ts": "2026-09-14T08:21:40.118Z",
            "id": 100000101, "itype": "c2_ip", "meta": {"detail2": "imported by user 121", "severity": "very-high"},
            "resource_uri": "/api/v2/intelligence/100000101/", "source": "Example C2 Feed", "status": "active",
            "threat_type": "c2", "type": "ip", "update_id": 3400101, "value": "198.51.100.23"}])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observable(text: &str) -> Result<Observable, Failure> {
        LookupIpInput {
            ip_address: Some(text.to_owned()),
            ..LookupIpInput::default()
        }
        .observable()
    }

    #[test]
    fn accepts_both_families_trimmed_refanged_and_canonical() {
        assert_eq!(
            observable("198[.]51[.]100[.]23").unwrap(),
            Observable::Ip("198.51.100.23".parse().unwrap())
        );
        assert_eq!(observable("[2001:DB8:0::1]").unwrap().value(), "2001:db8::1");
        assert_eq!(
            observable(" 198.51.100.23 ").unwrap(),
            Observable::Ip("198.51.100.23".parse().unwrap())
        );
        assert!(matches!(
            observable("2001:DB8::bad:C0DE").unwrap(),
            Observable::Ip(std::net::IpAddr::V6(_))
        ));
    }

    #[test]
    fn rejects_empty_and_malformed_naming_the_input() {
        for bad in ["", "   ", "198.51.100", "198.51.100.256", "example.com", "1.2.3.4/24"] {
            let failure = observable(bad).expect_err(bad);
            assert!(failure.cause.contains("'ip_address'"), "{}", failure.cause);
        }
    }
}
