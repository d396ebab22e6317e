//! The plugin's actions and connection: the glue between the protocol and ThreatStream.
//!
//! This is the only room that imports both `protocol` and `threatstream`. Actions are grouped by
//! capability, a folder each, as help.md's table of contents reads; each group lists its actions, and
//! `REGISTRY` lists the groups. Adding an action means its file in a group (its input and output
//! types with their titles, descriptions and examples, its checks, its `TypedStep` and `TypedAction`
//! impls) and one line
//! in the group's list; `make generate` writes everything derived from the types (CONTRIBUTING.md).

mod allowlist;
mod allowlisted;
mod cidr;
mod connection;
mod context;
mod failure;
mod feed;
mod fields;
mod file;
mod import;
mod input;
mod investigations;
mod lenient;
mod lookups;
mod manage;
mod models;
mod observable;
mod output;
mod rules;
mod sandbox;
mod search;
mod sessions;
mod snapshots;
mod typed;
mod users;
mod verdict;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::protocol::{Action, Failure, Plugin, Steps, Task, Trigger};
use connection::Connection;
use output::{Streamed, Streams};
use typed::{TaskRun, TriggerRun, TypedAction, TypedStep, TypedTask, TypedTrigger};

/// Every group of actions, in the order the spec lists them.
const REGISTRY: &[&[&dyn Action]] = &[
    lookups::ACTIONS,
    search::ACTIONS,
    import::ACTIONS,
    sandbox::ACTIONS,
    context::ACTIONS,
    sessions::ACTIONS,
    manage::ACTIONS,
    rules::ACTIONS,
    allowlist::ACTIONS,
    users::ACTIONS,
    snapshots::ACTIONS,
    models::ACTIONS,
    investigations::ACTIONS,
];

/// Every group of triggers, and of tasks (see `typed` for what a trigger or task file implements).
const TRIGGER_REGISTRY: &[&[&dyn Trigger]] = &[feed::TRIGGERS];
const TASK_REGISTRY: &[&[&dyn Task]] = &[feed::TASKS];

pub(crate) static PLUGIN: Plugin = Plugin {
    name: "anomali_threatstream",
    title: "Anomali ThreatStream",
    vendor: "rapid7",
    version: env!("CARGO_PKG_VERSION"),
    description: "ThreatStream operationalizes threat intelligence, automating collection and integration \
                  that enables security teams to analyze and respond to threats",
    connector: &connection::ThreatStreamConnection,
    actions: Steps::new(REGISTRY),
    triggers: Steps::new(TRIGGER_REGISTRY),
    tasks: Steps::new(TASK_REGISTRY),
    spec: include_str!("../../plugin.spec.yaml"),
};

/// Defines `$name`, a wrapper of `$inner` whose schema is `$inner`'s under the spec type name
/// `$spec_name`. Published versions gave one type different names (`indicator_settings` became
/// `observable_settings`); a drop-in keeps each action's own, with one Rust type behind them.
macro_rules! spec_named {
    ($(#[$attribute:meta])* $name:ident($inner:ty), $spec_name:literal) => {
        $(#[$attribute])*
        pub(crate) struct $name(pub(crate) $inner);

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $spec_name.into()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut schema = <$inner as schemars::JsonSchema>::json_schema(generator);
                schema.insert("title".to_owned(), $spec_name.into());
                schema
            }
        }
    };
}
pub(crate) use spec_named;

pub(crate) use input::{chosen, date, itype, names, wire_name, Names};

/// What every step does first: its input decoded, then its connection opened.
fn opened<T: DeserializeOwned>(connection: &Value, input: &RawValue) -> Result<(Connection, T), Failure> {
    let input = parse_input(input)?;
    Ok((Connection::open(connection)?, input))
}

/// Decodes an input that already passed its schema. What can still fail here is what the types check
/// beyond the schema (a file's base64, say), so the error names the field.
fn parse_input<T: DeserializeOwned>(input: &RawValue) -> Result<T, Failure> {
    let mut decoder = serde_json::Deserializer::from_str(input.get());
    serde_path_to_error::deserialize(&mut decoder).map_err(|error| {
        let field = error.path().to_string();
        Failure::invalid_input(&field, without_position(&error.into_inner()))
    })
}

/// A decoding error's message without serde_json's " at line 1 column 4182": the input is one line
/// of a start message nobody reads by columns, and the field is already named.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&position) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests;
