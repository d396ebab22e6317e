//! Delete Rule: `DELETE /api/v1/rule/{id}/`, answered 204. Needs Org Admin (Splunk SOAR's manual).
//! Deleting does the same however often it is sent, so it is retried like a read; a rule already
//! gone is named as such.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{rule_failure, rule_id, RuleCall};
use crate::actions::connection::Connection;
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::rules;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteRuleInput {
    /// ThreatStream ID of the rule to delete
    #[schemars(title = "ID", example = 14093)]
    id: NumberId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct DeleteRuleOutput {
    /// Whether ThreatStream deleted the rule
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// ThreatStream ID of the rule deleted
    #[schemars(title = "ID", example = 14093)]
    id: u64,
}

pub(crate) struct DeleteRule;

impl TypedStep for DeleteRule {
    const ID: &'static str = "delete_rule";
    const TITLE: &'static str = "Delete Rule";
    const DESCRIPTION: &'static str = "Delete a keyword rule in Anomali ThreatStream";
    type Input = DeleteRuleInput;
    type Output = DeleteRuleOutput;
}

impl TypedAction for DeleteRule {
    async fn run(connection: &Connection, input: DeleteRuleInput) -> Result<DeleteRuleOutput, Failure> {
        let id = rule_id(&input.id)?;
        rules::delete_rule(&connection.client, id)
            .await
            .map_err(|error| rule_failure(error, Some(id), RuleCall::Delete))?;
        Ok(DeleteRuleOutput { success: true, id })
    }
}
