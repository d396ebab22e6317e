//! Add Tags: tags on an observable, or on every observable of one value, with the TLP marking that says
//! who may see them.
//!
//! One bulk call (`bulk_tagging`) tags every observable selected. Adding a tag an observable already
//! has changes nothing, so the call is retried like a read. Every tag is sent with a TLP, as every
//! public client sends one: `red` (the owning organization only) unless TLP says otherwise, the
//! default of XSOAR, Splunk SOAR and Google SecOps (`threatstream::tags` says more).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{ids, in_cloud, ChangeOutput, TargetInputs};
use crate::actions::connection::Connection;
use crate::actions::failure::{forbidden, unconfirmed, Permission, Write};
use crate::actions::import::Tlp;
use crate::actions::input::step_input;
use crate::actions::input::{at_most, distinct, tag_name, MAX_TAGS};
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, Tag, DEFAULT_TLP};

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct AddTagsInput {
        ..TargetInputs,
        /// Names of the tags to add
        #[schemars(title = "Tags", example = json!(["campaign-7", "phishing"]))]
        tags: Vec<String>,
        /// Traffic Light Protocol marking of the tags: who may see them. Red (the owning organization only) when not set
        #[schemars(title = "TLP", example = Tlp::Amber, extend("default" = "red"))]
        tlp: Option<Tlp>,
    }
}

/// The names given, trimmed, each once; an empty list, a tag without a name, a name longer than a tag
/// can be or on more than one line, and more than `MAX_TAGS` tags are refused.
pub(crate) fn tag_names(given: &[String]) -> Result<Vec<String>, Failure> {
    if given.is_empty() {
        return Err(Failure::invalid_input(
            "tags",
            "the list is empty; give at least one tag",
        ));
    }
    at_most("tags", given.len(), MAX_TAGS, "tags")?;
    let names = given
        .iter()
        .enumerate()
        .map(|(index, name)| tag_name(name, &format!("tags[{index}]")))
        .collect::<Result<Vec<String>, Failure>>()?;
    Ok(distinct(names))
}

/// A tagging, when a failure leaves unknown whether ThreatStream applied it.
const TAGGING: Write = Write {
    what: "the tags",
    check: "Get Observables shows the observable's tags as they are now",
    twice: None,
};

pub(crate) struct AddTags;

impl TypedStep for AddTags {
    const ID: &'static str = "add_tags";
    const TITLE: &'static str = "Add Tags";
    const DESCRIPTION: &'static str = "Add tags to an observable in Anomali ThreatStream";
    type Input = AddTagsInput;
    type Output = ChangeOutput;
}

impl TypedAction for AddTags {
    async fn run(connection: &Connection, input: AddTagsInput) -> Result<ChangeOutput, Failure> {
        let selector = TargetInputs::from(&input).selector()?;
        let tlp = chosen(input.tlp).unwrap_or_else(|| DEFAULT_TLP.to_owned());
        let tags: Vec<Tag> = tag_names(&input.tags)?
            .into_iter()
            .map(|name| Tag { name, tlp: tlp.clone() })
            .collect();
        let targets = selector.targets(connection).await?;
        let ids = ids(&targets);
        threatstream::add_tags(&connection.client, &ids, &tags, in_cloud(&targets))
            .await
            .map_err(|error| {
                unconfirmed(error, &TAGGING, |error| {
                    forbidden(error, &[Permission::Tag], "tagging observables")
                })
            })?;
        Ok(ChangeOutput::changed(ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_need_names() {
        assert_eq!(tag_names(&[" a ".into(), "b".into(), "a".into()]).unwrap(), ["a", "b"]);
        assert!(tag_names(&["x".repeat(10 << 20)])
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'tags[0]': the tag name is longer than 100 characters"));
        assert!(tag_names(&vec!["a".to_owned(); MAX_TAGS + 1])
            .unwrap_err()
            .cause
            .contains("more than the 100 one step takes"));
        assert!(tag_names(&[])
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'tags': the list is empty"));
        assert!(tag_names(&["a".into(), " ".into()])
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'tags[1]': a tag needs a name"));
    }
}
