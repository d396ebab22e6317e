//! The plugin's actions and connection: the glue between the protocol and ThreatStream.
//!
//! This is the only room that imports both `protocol` and `threatstream`. Adding an action means a new
//! file here (its input and output types, its checks, and a `TypedAction` impl) and one line in
//! `REGISTRY`; the registry tests below keep `schemas/`, `plugin.spec.yaml`, `help.md`, `tests/*.json`
//! and the code in agreement.

mod add_approval_indicator;
mod connection;
mod failure;
mod lookup;
mod lookup_hash;
mod lookup_ip;
mod lookup_url;

use std::future::Future;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::protocol::{schema_for, Action, Failure, Output, Plugin, StepFuture};

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

/// An action described by its types: what each action file implements. The blanket `Action` impl
/// below does the protocol's side once for all of them: schemas from the types, the input decoded.
trait TypedAction: Sync {
    const ID: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// Only its schema is used: outputs travel as JSON text (see `protocol::Output`).
    type Output: JsonSchema + 'static;

    fn run(connection: &Value, input: Self::Input) -> impl Future<Output = Result<Output, Failure>> + Send;
}

impl<T: TypedAction> Action for T {
    fn id(&self) -> &'static str {
        T::ID
    }

    fn title(&self) -> &'static str {
        T::TITLE
    }

    fn description(&self) -> &'static str {
        T::DESCRIPTION
    }

    fn input_schema(&self) -> &'static Value {
        schema_for::<T::Input>()
    }

    fn output_schema(&self) -> &'static Value {
        schema_for::<T::Output>()
    }

    fn run<'a>(&'a self, connection: &'a Value, input: Value) -> StepFuture<'a> {
        Box::pin(async move { T::run(connection, parse_input(input)?).await })
    }
}

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
