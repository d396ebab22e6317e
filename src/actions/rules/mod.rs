//! Rules (keyword alerts): the keywords ThreatStream watches for in new observables, sandbox
//! reports, threat bulletins, signatures and vulnerabilities, and what a match does (tag it, notify,
//! open an investigation).
//!
//! Every rule is shown in one shape (`rule.rs`), under the names the steps' inputs use. A rule is
//! checked with ThreatStream's own limits before any request (`fields.rs`). Creating a rule is sent
//! once, since a second copy would be a second rule; changing and deleting one are retried like
//! reads. Deleting needs Org Admin (Splunk SOAR's manual); no public client names a permission for
//! creating or changing one, so their 403 says so.

mod create_rule;
mod delete_rule;
mod fields;
mod list_rules;
mod rule;
mod update_rule;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::failure::{absent, forbidden, Missing, Permission};
use super::input::NumberId;
use crate::protocol::{Action, Failure, Preset};
use crate::threatstream::ApiError;

/// The rule actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &list_rules::ListRules,
    &create_rule::CreateRule,
    &update_rule::UpdateRule,
    &delete_rule::DeleteRule,
];

/// A kind of object a rule matches its keywords within.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub(crate) enum MatchWithin {
    Observables,
    SandboxReports,
    ThreatBulletins,
    Signatures,
    Vulnerabilities,
}

impl MatchWithin {
    const ALL: [MatchWithin; 5] = [
        MatchWithin::Observables,
        MatchWithin::SandboxReports,
        MatchWithin::ThreatBulletins,
        MatchWithin::Signatures,
        MatchWithin::Vulnerabilities,
    ];

    /// ThreatStream's flag for the kind (XSOAR's `match_include` mapping).
    fn flag(self) -> &'static str {
        match self {
            MatchWithin::Observables => "match_observables",
            MatchWithin::SandboxReports => "match_reportedfiles",
            MatchWithin::ThreatBulletins => "match_tips",
            MatchWithin::Signatures => "match_signatures",
            MatchWithin::Vulnerabilities => "match_vulnerabilities",
        }
    }
}

/// A rule ID input.
fn rule_id(given: &NumberId) -> Result<u64, Failure> {
    given.read("id", "a rule ID; give the positive whole number List Rules shows")
}

/// What was being done to a rule, for the words of its failures.
#[derive(Clone, Copy)]
enum RuleCall {
    Read,
    Create,
    Update,
    Delete,
}

/// A failed call about rule `id`: a 404 names the rule, a 403 the permission the call needs.
fn rule_failure(error: ApiError, id: Option<u64>, call: RuleCall) -> Failure {
    let error = match id {
        Some(id) => match absent(error, || Missing::rule(id)) {
            Ok(missing) => return missing,
            Err(error) => error,
        },
        None => error,
    };
    match call {
        RuleCall::Read => Failure::from(error),
        RuleCall::Delete => forbidden(error, &[Permission::OrgAdmin], "deleting a rule"),
        RuleCall::Create => refused_rule(error, "create rules"),
        RuleCall::Update => refused_rule(error, "change this rule"),
    }
}

/// A 403 on creating or changing a rule: no public client names the permission it needs.
fn refused_rule(error: ApiError, doing: &str) -> Failure {
    let mut failure = Failure::from(error);
    if failure.preset_of() == Some(Preset::Unauthorized) {
        failure.assistance = format!(
            "ThreatStream refused to let the account configured in the connection {doing}. No public \
             ThreatStream client names the permission this needs; an Org Admin can manage every rule of the \
             organization, so ask one to do it or to grant the account what it needs."
        );
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> ApiError {
        ApiError::Status {
            status,
            body: "{\"message\": \"denied\"}".into(),
            retry_after: None,
        }
    }

    #[test]
    fn failures_name_the_rule_and_what_a_403_lacks() {
        let missing = rule_failure(status(404), Some(7), RuleCall::Update);
        assert_eq!(missing.cause, "ThreatStream has no rule with ID 7.");
        let delete = rule_failure(status(403), Some(7), RuleCall::Delete);
        assert!(delete
            .assistance
            .contains("lacks ThreatStream's Org Admin permission, which deleting a rule needs"));
        let create = rule_failure(status(403), None, RuleCall::Create);
        assert!(create
            .assistance
            .contains("No public ThreatStream client names the permission"));
        assert_eq!(create.preset_of(), Some(Preset::Unauthorized));
        let other = rule_failure(status(500), Some(7), RuleCall::Read);
        assert_eq!(other, Failure::from(status(500)));
    }
}
