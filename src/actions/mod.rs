//! The plugin's actions and connection: the glue between the protocol and ThreatStream.
//!
//! This is the only room that imports both `protocol` and `threatstream`. Adding an action means a new
//! file here and one line in `REGISTRY`; the registry tests below keep `schemas/`, `plugin.spec.yaml`
//! and the code in agreement.

mod add_approval_indicator;
mod connection;
mod failure;
mod lookup;
mod lookup_hash;
mod lookup_ip;
mod lookup_url;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::protocol::{Action, Failure, Plugin};

/// Every action, in the order the spec lists them.
const REGISTRY: &[&dyn Action] = &[
    &lookup_ip::LookupIp,
    &lookup_url::LookupUrl,
    &lookup_hash::LookupHash,
    &add_approval_indicator::AddApprovalIndicator,
];

pub(crate) static PLUGIN: Plugin = Plugin {
    name: "anomali_threatstream",
    title: "Anomali ThreatStream",
    vendor: "rapid7",
    version: env!("CARGO_PKG_VERSION"),
    description: "ThreatStream operationalizes threat intelligence, automating collection and integration \
                  that enables security teams to analyze and respond to threats",
    connector: &connection::ThreatStreamConnection,
    actions: REGISTRY,
    spec: include_str!("../../plugin.spec.yaml"),
};

/// Decodes an input that already passed its schema; a mismatch here is a schema/type disagreement.
fn parse_input<T: DeserializeOwned>(input: Value) -> Result<T, Failure> {
    serde_json::from_value(input).map_err(|error| {
        Failure::client(
            format!("The action input is invalid: {error}."),
            "Correct the action input and try again.",
        )
    })
}

#[cfg(test)]
mod tests;
