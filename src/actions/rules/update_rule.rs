//! Update Rule: `PATCH /api/v1/rule/{id}/` with only what was given, checked as Create Rule checks
//! it. A list given replaces the rule's list (ThreatStream's PATCH does, as XSOAR's README warns):
//! List Rules shows the current one. Sending the same change twice does what sending it once does,
//! so it is retried like a read. The output is the rule as ThreatStream answers the change, or as it
//! reads after it when the answer is empty.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::create_rule::investigation;
use super::fields::{self, RuleFields, MAX_RULE_NAME_CHARS};
use super::rule::{example_rule, rule_of, Rule};
use super::{rule_failure, rule_id, MatchWithin, RuleCall};
use crate::actions::connection::Connection;
use crate::actions::input::{optional_line, NumberId};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::rules;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateRuleInput {
    /// ThreatStream ID of the rule to change
    #[schemars(title = "ID", example = 14093)]
    id: NumberId,
    /// New name of the rule
    #[schemars(title = "Name", example = "C2 domains of campaigns 7 and 8")]
    name: Option<String>,
    /// Keywords that replace the rule's, each of at least 3 characters and neither starting nor ending with *; IP addresses as regular expressions (10\.0\.0\.1), subnets in CIDR notation (10.0.0.0/24)
    #[serde(default)]
    #[schemars(title = "Keywords", example = json!(["evil-domain", "other-evil-domain"]))]
    keywords: Vec<String>,
    /// Kinds of object the rule matches within, replacing the rule's: `observables`, `sandbox_reports`, `threat_bulletins`, `signatures`, `vulnerabilities`
    #[serde(default)]
    #[schemars(title = "Match Within", example = json!([]))]
    match_within: Vec<MatchWithin>,
    /// Indicator types that replace those the rule is limited to
    #[serde(default)]
    #[schemars(title = "Include Itypes", example = json!([]))]
    include_itypes: Vec<String>,
    /// Indicator types that replace those the rule leaves out; give this or Include Itypes, not both
    #[serde(default)]
    #[schemars(title = "Exclude Itypes", example = json!([]))]
    exclude_itypes: Vec<String>,
    /// Tags that replace those the rule adds to what it matches
    #[serde(default)]
    #[schemars(title = "Tags", example = json!(["campaign-7", "campaign-8"]))]
    tags: Vec<String>,
    /// Name of a new investigation that matches open from now on
    #[schemars(title = "New Investigation Name", example = "Matches of campaigns 7 and 8")]
    new_investigation_name: Option<String>,
    /// ThreatStream ID of an existing investigation that matches go to from now on; give this or New Investigation Name, not both
    #[schemars(
        title = "Existing Investigation ID",
        example = 1000000005,
        extend("alternativeTo" = "new_investigation_name")
    )]
    existing_investigation_id: Option<NumberId>,
    /// Leave observables on the organization's allowlist out of the rule's notifications from now on
    #[serde(default)]
    #[schemars(title = "Exclude Allowlisted", example = false)]
    exclude_allowlisted: bool,
    /// Leave observables the organization imported itself out of the rule's notifications from now on
    #[serde(default)]
    #[schemars(title = "Exclude Own Organization", example = false)]
    exclude_own_organization: bool,
    /// Turn the rule on (`enabled`) or off (`disabled`); empty leaves it as it is
    #[schemars(title = "State", example = RuleState::Enabled, extend("default" = ""))]
    state: Option<RuleState>,
}

/// Whether a rule is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum RuleState {
    Enabled,
    Disabled,
    // The form's empty choice: the rule stays as it is.
    #[serde(rename = "")]
    Unset,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct UpdateRuleOutput {
    /// The rule after the change
    #[schemars(title = "Rule", example = example_rule())]
    rule: Rule,
}

impl UpdateRuleInput {
    fn fields(&self) -> Result<RuleFields, Failure> {
        let fields = RuleFields {
            name: optional_line(self.name.as_deref(), "name", "the name", MAX_RULE_NAME_CHARS)?,
            keywords: fields::keywords(&self.keywords)?,
            match_within: fields::match_within(&self.match_within),
            include_itypes: fields::itypes("include_itypes", &self.include_itypes)?,
            exclude_itypes: fields::itypes("exclude_itypes", &self.exclude_itypes)?,
            tags: fields::tags(&self.tags)?,
            investigation: investigation(
                self.new_investigation_name.as_deref(),
                self.existing_investigation_id.as_ref(),
            )?,
            exclude_allowlisted: self.exclude_allowlisted,
            exclude_own_organization: self.exclude_own_organization,
            enabled: match self.state {
                Some(RuleState::Enabled) => Some(true),
                Some(RuleState::Disabled) => Some(false),
                Some(RuleState::Unset) | None => None,
            },
        };
        fields::one_itype_filter(&fields)?;
        if fields == RuleFields::default() {
            return Err(Failure::invalid_input(
                "name",
                "nothing to change; give at least one of name, keywords, match_within, include_itypes, \
                 exclude_itypes, tags, an investigation, exclude_allowlisted, exclude_own_organization or state",
            ));
        }
        Ok(fields)
    }
}

pub(crate) struct UpdateRule;

impl TypedStep for UpdateRule {
    const ID: &'static str = "update_rule";
    const TITLE: &'static str = "Update Rule";
    const DESCRIPTION: &'static str =
        "Change a keyword rule in Anomali ThreatStream: each list given replaces the rule's, and what is left empty stays";
    type Input = UpdateRuleInput;
    type Output = UpdateRuleOutput;
}

impl TypedAction for UpdateRule {
    async fn run(connection: &Connection, input: UpdateRuleInput) -> Result<UpdateRuleOutput, Failure> {
        let id = rule_id(&input.id)?;
        let body = input.fields()?.body();
        let failure = |error| rule_failure(error, Some(id), RuleCall::Update);
        let answer = rules::update_rule(&connection.client, id, &body)
            .await
            .map_err(failure)?;
        let rule = match answer.as_object().and_then(rule_of) {
            Some(rule) => rule,
            None => {
                let record = rules::rule(&connection.client, id)
                    .await
                    .map_err(|error| rule_failure(error, Some(id), RuleCall::Read))?;
                rule_of(&record).ok_or_else(|| {
                    Failure::upstream(
                        format!("ThreatStream changed rule {id} but reads it back without an ID."),
                        "List Rules shows the rule as ThreatStream holds it.",
                    )
                })?
            }
        };
        Ok(UpdateRuleOutput { rule })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fields(value: Value) -> Result<RuleFields, Failure> {
        serde_json::from_value::<UpdateRuleInput>(value).unwrap().fields()
    }

    #[test]
    fn only_what_was_given_changes_and_nothing_given_is_refused() {
        let untouched = json!({"id": 7, "name": "", "keywords": [], "match_within": [], "include_itypes": [],
            "exclude_itypes": [], "tags": [], "new_investigation_name": "", "existing_investigation_id": "",
            "exclude_allowlisted": false, "exclude_own_organization": false, "state": ""});
        let failure = fields(untouched.clone()).unwrap_err();
        assert!(failure.cause.contains("nothing to change"), "{}", failure.cause);
        let mut disable = untouched;
        disable["state"] = json!("disabled");
        assert_eq!(
            Value::Object(fields(disable).unwrap().body()),
            json!({"is_enabled": false})
        );
        let keywords = fields(json!({"id": "7", "keywords": ["evil-domain"]})).unwrap();
        assert_eq!(Value::Object(keywords.body()), json!({"keywords": ["evil-domain"]}));
        assert!(fields(json!({"id": 7, "keywords": ["10.0.0.1"]})).is_err());
    }
}
