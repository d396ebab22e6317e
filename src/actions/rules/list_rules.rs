//! List Rules: the organization's rules, newest first, across every page up to a limit; or one rule
//! by its ID.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rule::{example_rule, rule_of, Rule};
use super::{rule_failure, RuleCall};
use crate::actions::connection::Connection;
use crate::actions::input::{given, or_default, NumberId};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{rules, Record};

/// More rules than a workflow step can usefully carry.
const MAX_LIMIT: u64 = 10_000;

fn default_limit() -> u64 {
    100
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListRulesInput {
    /// ThreatStream ID of one rule to get; empty lists the rules
    #[schemars(title = "ID", example = 14093)]
    id: Option<NumberId>,
    /// Most rules to return, newest first; 0 or empty returns up to 100
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = MAX_LIMIT), example = 100)]
    limit: u64,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ListRulesOutput {
    /// Rules, newest first
    #[schemars(title = "Rules", example = json!([example_rule()]))]
    rules: Vec<Rule>,
    /// Number of rules returned
    #[schemars(title = "Count", example = 1)]
    count: u64,
}

impl ListRulesOutput {
    fn of(records: &[Record]) -> ListRulesOutput {
        let rules: Vec<Rule> = records.iter().filter_map(rule_of).collect();
        ListRulesOutput {
            count: u64::try_from(rules.len()).unwrap_or(u64::MAX),
            rules,
        }
    }
}

pub(crate) struct ListRules;

impl TypedStep for ListRules {
    const ID: &'static str = "list_rules";
    const TITLE: &'static str = "List Rules";
    const DESCRIPTION: &'static str = "List the keyword rules of the organization in Anomali ThreatStream, or get one";
    type Input = ListRulesInput;
    type Output = ListRulesOutput;
}

impl TypedAction for ListRules {
    async fn run(connection: &Connection, input: ListRulesInput) -> Result<ListRulesOutput, Failure> {
        let not = "a rule ID; give the positive whole number List Rules shows, or leave it empty";
        let id = given(input.id.as_ref()).map(|id| id.read("id", not)).transpose()?;
        let records = match id {
            Some(id) => vec![rules::rule(&connection.client, id)
                .await
                .map_err(|error| rule_failure(error, Some(id), RuleCall::Read))?],
            None => {
                let limit = usize::try_from(or_default(input.limit, default_limit())).unwrap_or(usize::MAX);
                rules::rules(&connection.client, limit)
                    .await
                    .map_err(|error| rule_failure(error, None, RuleCall::Read))?
            }
        };
        Ok(ListRulesOutput::of(&records))
    }
}
