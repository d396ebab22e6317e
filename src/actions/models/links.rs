//! What Link Threat Model and Unlink Threat Model share: the inputs that name what is linked, the
//! model and its targets read first (`targets`), one call per kind of target (observables, models),
//! and the outcome sorted into what the call changed, what it left as it was, and what ThreatStream
//! does not have.
//!
//! ThreatStream's answer lists the ids it changed; every target found but not listed was linked
//! already (or, unlinking, was not linked). After a retry whose first try got no answer but was
//! applied, the second answer lists nothing, and those targets show as linked already: true, and the
//! truth of the moment the output describes.

use std::collections::HashSet;

use serde_json::json;

use super::targets::{check_matches, Found, Item, Kind, NotFound, TargetInputs, Wanted};
use super::{existing, model_failure};
use crate::actions::connection::Connection;
use crate::actions::failure::Permission;
use crate::actions::input::NumberId;
use crate::protocol::{quoted, Failure, Preset};
use crate::threatstream::associations::{change_links, LinkChange, LinkIds, LinkTarget};
use crate::threatstream::model_writes::ModelRef;
use crate::threatstream::{ApiError, ModelType};

/// Declares a link step's input: the model, then what is linked to it.
macro_rules! link_input {
    ($(#[$attribute:meta])* pub(crate) struct $name:ident { verb: $verb:literal }) => {
        $(#[$attribute])*
        pub(crate) struct $name {
            /// Type of the model: `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport` (a threat bulletin), `ttp` or `vulnerability`
            #[schemars(title = "Model Type", example = $crate::threatstream::ModelType::Incident)]
            model_type: $crate::threatstream::ModelType,
            /// ThreatStream ID of the model, as a number or as text
            #[schemars(title = "ID", example = 20001)]
            id: $crate::actions::input::NumberId,
            #[doc = concat!("ThreatStream IDs of observables to ", $verb)]
            #[serde(default)]
            #[schemars(title = "Observable IDs", example = serde_json::json!([500000101]))]
            observable_ids: Vec<$crate::actions::input::NumberId>,
            #[doc = concat!("Values of observables to ", $verb, ", each looked up exactly; every observable with the value is one")]
            #[serde(default)]
            #[schemars(title = "Observable Values", example = serde_json::json!(["evil-domain.example"]))]
            observable_values: Vec<String>,
            #[doc = concat!("Type of the threat models in Linked Model IDs, to ", $verb, " with this one")]
            #[schemars(title = "Linked Model Type", example = $crate::threatstream::ModelType::Actor, extend("default" = ""))]
            linked_model_type: Option<$crate::actions::input::Choice<$crate::threatstream::ModelType>>,
            #[doc = concat!("ThreatStream IDs of the threat models of Linked Model Type to ", $verb)]
            #[serde(default)]
            #[schemars(title = "Linked Model IDs", example = serde_json::json!([3101]))]
            linked_model_ids: Vec<$crate::actions::input::NumberId>,
        }

        impl $name {
            /// The model and what to link, checked before any request.
            fn checked(&self) -> Result<(u64, $crate::actions::models::targets::Wanted), $crate::protocol::Failure> {
                $crate::actions::models::links::checked(
                    self.model_type,
                    &self.id,
                    $crate::actions::models::targets::TargetInputs {
                        observable_ids: &self.observable_ids,
                        observable_values: &self.observable_values,
                        model_type: self.linked_model_type.and_then($crate::actions::input::Choice::value),
                        model_ids: &self.linked_model_ids,
                        model_inputs: ("linked_model_type", "linked_model_ids"),
                    },
                )
            }
        }
    };
}
pub(crate) use link_input;

/// The model's ID and what to link to it; a model is not linked to itself.
pub(crate) fn checked(
    model_type: ModelType,
    id: &NumberId,
    targets: TargetInputs<'_>,
) -> Result<(u64, Wanted), Failure> {
    let id = id.read("id", super::MODEL_ID)?;
    let wanted = targets.wanted()?;
    if wanted
        .models
        .as_ref()
        .is_some_and(|(linked, ids)| *linked == model_type && ids.contains(&id))
    {
        return Err(Failure::invalid_input(
            "linked_model_ids",
            "a model cannot be linked to itself",
        ));
    }
    Ok((id, wanted))
}

/// What a link or unlink did.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) changed: Vec<Item>,
    pub(crate) unchanged: Vec<Item>,
    pub(crate) not_found: Vec<NotFound>,
}

/// Links (or unlinks) `wanted` and model `id` of `model_type`.
pub(crate) async fn change(
    connection: &Connection,
    (model_type, id): (ModelType, u64),
    wanted: &Wanted,
    change: LinkChange,
) -> Result<Outcome, Failure> {
    let (model, _) = existing(connection, model_type, id).await?;
    let resolved = wanted.resolve(connection).await?;
    check_matches(&resolved)?;
    let mut changed: HashSet<(Kind, u64)> = HashSet::new();
    let mut groups: Vec<(LinkTarget, Vec<&Found>)> = Vec::new();
    let observables: Vec<&Found> = resolved
        .found
        .iter()
        .filter(|found| found.kind == Kind::Observable)
        .collect();
    groups.push((LinkTarget::Observables, observables));
    if let Some((linked_type, _)) = &wanted.models {
        let models = resolved
            .found
            .iter()
            .filter(|found| found.kind == Kind::Model(*linked_type))
            .collect();
        groups.push((LinkTarget::Models(*linked_type), models));
    }
    for (target, group) in groups.into_iter().filter(|(_, group)| !group.is_empty()) {
        let ids = LinkIds {
            local: group
                .iter()
                .filter(|found| !found.in_cloud)
                .map(|found| found.id)
                .collect(),
            cloud: group
                .iter()
                .filter(|found| found.in_cloud)
                .map(|found| found.id)
                .collect(),
        };
        let kind = group[0].kind;
        let answer = change_links(&connection.client, model, target, change, &ids).await;
        let done = answer.map_err(|error| link_failure(error, model, change, &changed))?;
        changed.extend(done.into_iter().map(|id| (kind, id)));
    }
    let mut outcome = Outcome {
        not_found: resolved.not_found,
        ..Outcome::default()
    };
    for found in &resolved.found {
        let item = Item::of(found);
        if changed.contains(&(found.kind, found.id)) {
            outcome.changed.push(item);
        } else {
            outcome.unchanged.push(item);
        }
    }
    Ok(outcome)
}

/// A failed call: a 404 names the model, a 403 the permission; a 401 here is what XSOAR reads as the
/// model belonging to another organization. A failure after observables were linked says so.
fn link_failure(error: ApiError, model: ModelRef, change: LinkChange, done: &HashSet<(Kind, u64)>) -> Failure {
    let doing = match change {
        LinkChange::Add => "linking a threat model",
        LinkChange::Remove => "unlinking a threat model",
    };
    let mut failure = model_failure(error, model.model_type, model.id, Permission::ThreatModels, doing);
    if failure.preset_of() == Some(Preset::InvalidCredentials) {
        failure.assistance = format!(
            "The credentials worked for the reads before this write, so ThreatStream is refusing it: the {} may \
             belong to another organization (XSOAR reads a 401 on this route so). Check that the account's \
             organization owns it.",
            model.model_type.as_str()
        );
    }
    if !done.is_empty() {
        let cause = format!(
            "{} The observables were {} already; the threat models were not.",
            failure.cause,
            match change {
                LinkChange::Add => "linked",
                LinkChange::Remove => "unlinked",
            }
        );
        failure = failure.with_cause(cause);
    }
    failure
}

/// A sentence for the log.
pub(crate) fn summary(outcome: &Outcome, model: (ModelType, u64), verb: &str) -> String {
    let not_found: Vec<String> = outcome.not_found.iter().map(|missing| quoted(&missing.given)).collect();
    format!(
        "{verb} {} {}: {}; {} as they were; not found: {}",
        model.0.as_str(),
        model.1,
        crate::plural::count_of(outcome.changed.len(), "target"),
        outcome.unchanged.len(),
        if not_found.is_empty() {
            "none".to_owned()
        } else {
            not_found.join(", ")
        }
    )
}

/// Examples for help.md.
pub(crate) fn example_items() -> serde_json::Value {
    json!([{"kind": "observable", "id": 500000101, "value": "198.51.100.23"},
           {"kind": "actor", "id": 3101, "name": "Lazy Quokka"}])
}

pub(crate) fn example_already() -> serde_json::Value {
    json!([{"kind": "observable", "id": 500000501, "value": "evil-domain.example"}])
}

pub(crate) fn example_not_found() -> serde_json::Value {
    json!([{"kind": "observable", "given": "203.0.113.250"}])
}
