//! Create Rule: `POST /api/v1/rule/` with the rule checked with ThreatStream's own limits first
//! (`fields.rs`). A second copy would be a second rule, so it is sent once, also when the answer is a
//! 503; the failure then says the rule may exist and that List Rules shows whether it does.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::fields::{self, Investigation, RuleFields, MAX_RULE_NAME_CHARS};
use super::rule::{example_rule, rule_of, Rule};
use super::{rule_failure, MatchWithin, RuleCall};
use crate::actions::connection::Connection;
use crate::actions::failure::{unconfirmed, Write};
use crate::actions::input::{given, optional_line, NumberId};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::rules;

const NEW_RULE: Write = Write {
    what: "the new rule",
    check: "List Rules shows whether it was created",
    twice: Some("create a second rule"),
};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRuleInput {
    /// Name of the rule
    #[schemars(title = "Name", example = "C2 domains of campaign 7")]
    name: String,
    /// Keywords the rule matches, each of at least 3 characters and neither starting nor ending with *; IP addresses as regular expressions (10\.0\.0\.1), subnets in CIDR notation (10.0.0.0/24)
    #[schemars(title = "Keywords", example = json!(["evil-domain", "10\\.0\\.0\\.1"]))]
    keywords: Vec<String>,
    /// Kinds of object the rule matches within, at least one: `observables`, `sandbox_reports`, `threat_bulletins`, `signatures`, `vulnerabilities`
    #[schemars(title = "Match Within", example = json!(["observables", "threat_bulletins"]))]
    match_within: Vec<MatchWithin>,
    /// Only observables of these indicator types match, such as c2_domain; every type when empty
    #[serde(default)]
    #[schemars(title = "Include Itypes", example = json!(["c2_domain", "c2_ip"]))]
    include_itypes: Vec<String>,
    /// Observables of these indicator types never match; give this or Include Itypes, not both
    #[serde(default)]
    #[schemars(title = "Exclude Itypes", example = json!([]))]
    exclude_itypes: Vec<String>,
    /// Tags the rule adds to what it matches
    #[serde(default)]
    #[schemars(title = "Tags", example = json!(["campaign-7"]))]
    tags: Vec<String>,
    /// Name of a new investigation that matches open; empty opens none
    #[schemars(title = "New Investigation Name", example = "Matches of campaign 7 keywords")]
    new_investigation_name: Option<String>,
    /// ThreatStream ID of an existing investigation that matches go to; give this or New Investigation Name, not both
    #[schemars(
        title = "Existing Investigation ID",
        example = 1000000005,
        extend("alternativeTo" = "new_investigation_name")
    )]
    existing_investigation_id: Option<NumberId>,
    /// Leave observables on the organization's allowlist out of the rule's notifications
    #[serde(default)]
    #[schemars(title = "Exclude Allowlisted", example = true)]
    exclude_allowlisted: bool,
    /// Leave observables the organization imported itself out of the rule's notifications
    #[serde(default)]
    #[schemars(title = "Exclude Own Organization", example = false)]
    exclude_own_organization: bool,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct CreateRuleOutput {
    /// The rule as ThreatStream created it
    #[schemars(title = "Rule", example = example_rule())]
    rule: Rule,
}

/// An investigation chosen by name (new) or by ID (existing), not both; none when neither is given.
pub(super) fn investigation(name: Option<&str>, existing: Option<&NumberId>) -> Result<Option<Investigation>, Failure> {
    let name = optional_line(name, "new_investigation_name", "the name", MAX_RULE_NAME_CHARS)?;
    let not = "an investigation ID; give the positive whole number ThreatStream shows, or leave it empty";
    let existing = given(existing)
        .map(|id| id.read("existing_investigation_id", not))
        .transpose()?;
    match (name, existing) {
        (Some(_), Some(_)) => Err(Failure::invalid_input(
            "existing_investigation_id",
            "give a new investigation name or an existing investigation ID, not both",
        )),
        (Some(name), None) => Ok(Some(Investigation::New(name))),
        (None, Some(id)) => Ok(Some(Investigation::Existing(id))),
        (None, None) => Ok(None),
    }
}

impl CreateRuleInput {
    fn fields(&self) -> Result<RuleFields, Failure> {
        let name = optional_line(Some(&self.name), "name", "the name", MAX_RULE_NAME_CHARS)?
            .ok_or_else(|| Failure::invalid_input("name", "it is empty; give the rule a name"))?;
        let keywords = fields::keywords(&self.keywords)?
            .ok_or_else(|| Failure::invalid_input("keywords", "it is empty; give at least one keyword"))?;
        let match_within = fields::match_within(&self.match_within).ok_or_else(|| {
            let problem = format!(
                "it is empty; give at least one of {}: a rule that matches within nothing breaks in ThreatStream's UI",
                fields::kinds_named()
            );
            Failure::invalid_input("match_within", problem)
        })?;
        let fields = RuleFields {
            name: Some(name),
            keywords: Some(keywords),
            match_within: Some(match_within),
            include_itypes: fields::itypes("include_itypes", &self.include_itypes)?,
            exclude_itypes: fields::itypes("exclude_itypes", &self.exclude_itypes)?,
            tags: fields::tags(&self.tags)?,
            investigation: investigation(
                self.new_investigation_name.as_deref(),
                self.existing_investigation_id.as_ref(),
            )?,
            exclude_allowlisted: self.exclude_allowlisted,
            exclude_own_organization: self.exclude_own_organization,
            enabled: None,
        };
        fields::one_itype_filter(&fields)?;
        Ok(fields)
    }
}

/// The rule in ThreatStream's answer; an answer without its ID is an error that says the rule may
/// exist all the same.
pub(super) fn answered_rule(answer: &Value, write: &Write) -> Result<Rule, Failure> {
    answer.as_object().and_then(rule_of).ok_or_else(|| {
        Failure::upstream(
            format!(
                "ThreatStream accepted {} but its answer does not say which rule it is (no ID).",
                write.what
            ),
            format!("{}.", write.check),
        )
        .with_data(answer.to_string())
    })
}

pub(crate) struct CreateRule;

impl TypedStep for CreateRule {
    const ID: &'static str = "create_rule";
    const TITLE: &'static str = "Create Rule";
    const DESCRIPTION: &'static str =
        "Create a keyword rule in Anomali ThreatStream, which alerts on new intelligence that matches its keywords";
    type Input = CreateRuleInput;
    type Output = CreateRuleOutput;
}

impl TypedAction for CreateRule {
    async fn run(connection: &Connection, input: CreateRuleInput) -> Result<CreateRuleOutput, Failure> {
        let body = input.fields()?.body();
        let answer = rules::create_rule(&connection.client, &body)
            .await
            .map_err(|error| unconfirmed(error, &NEW_RULE, |error| rule_failure(error, None, RuleCall::Create)))?;
        Ok(CreateRuleOutput {
            rule: answered_rule(&answer, &NEW_RULE)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: Value) -> Result<RuleFields, Failure> {
        serde_json::from_value::<CreateRuleInput>(value).unwrap().fields()
    }

    #[test]
    fn a_rule_needs_a_name_keywords_and_something_to_match_within() {
        let made = fields(
            json!({"name": " C2 ", "keywords": ["evil-domain"], "match_within": ["signatures"],
            "include_itypes": [], "new_investigation_name": "", "existing_investigation_id": 0}),
        )
        .unwrap();
        assert_eq!(made.name.as_deref(), Some("C2"));
        assert_eq!(made.match_within, Some(vec![MatchWithin::Signatures]));
        assert_eq!((made.include_itypes, made.investigation), (None, None));
        for (input, named) in [
            (
                json!({"name": " ", "keywords": ["abc"], "match_within": ["signatures"]}),
                "'name'",
            ),
            (
                json!({"name": "x", "keywords": [], "match_within": ["signatures"]}),
                "'keywords'",
            ),
            (
                json!({"name": "x", "keywords": ["abc"], "match_within": []}),
                "'match_within'",
            ),
            (
                json!({"name": "x", "keywords": ["abc"], "match_within": ["signatures"],
                    "include_itypes": ["c2_ip"], "exclude_itypes": ["c2_ip"]}),
                "'exclude_itypes'",
            ),
            (
                json!({"name": "x", "keywords": ["abc"], "match_within": ["signatures"],
                    "new_investigation_name": "new", "existing_investigation_id": "12"}),
                "'existing_investigation_id'",
            ),
        ] {
            let failure = fields(input.clone()).expect_err("refused");
            assert!(failure.cause.contains(named), "{input}: {}", failure.cause);
        }
    }

    #[test]
    fn an_answer_without_the_rules_id_is_an_error_that_says_it_may_exist() {
        let failure = answered_rule(&json!({"success": true}), &NEW_RULE).unwrap_err();
        assert!(
            failure.cause.contains("does not say which rule it is"),
            "{}",
            failure.cause
        );
        assert!(failure.assistance.starts_with("List Rules shows"));
        assert_eq!(
            answered_rule(&json!({"id": 14093}), &NEW_RULE).map(|rule| rule.id),
            Ok(14093)
        );
    }
}
