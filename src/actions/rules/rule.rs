//! One rule as every rule step shows it: ThreatStream's object read into the names the steps' inputs
//! use (`match_within`, `include_itypes`, `exclude_itypes`), so a rule listed can be given back to
//! Update Rule as it reads.
//!
//! The fields and their types are the ones XSOAR's README run and test data
//! (`list_rule_response`, `update_rule_response`) and Splunk SOAR's example values show: `id` a
//! number, the owner under `user` (its `id` a string), tags as `{name, org_id, tlp}`, an investigation
//! as `null` or `{id, name, ...}`, naive timestamps with microseconds. A field ThreatStream leaves
//! out, sends empty or `null` is left out here too.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use super::MatchWithin;
use crate::actions::fields::{flag, names, nested_text, number, text};
use crate::threatstream::Record;

/// A rule, as every rule step shows it.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "rule", title = "rule")]
pub(crate) struct Rule {
    /// ThreatStream ID of the rule
    #[schemars(title = "ID")]
    pub(super) id: u64,
    /// Name of the rule
    #[schemars(title = "Name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Keywords the rule matches
    #[schemars(title = "Keywords")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<String>,
    /// Kinds of object the rule matches within: `observables`, `sandbox_reports`, `threat_bulletins`, `signatures`, `vulnerabilities`
    #[schemars(title = "Match Within")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    match_within: Vec<String>,
    /// Only observables of these indicator types match (ThreatStream's match_impacts)
    #[schemars(title = "Include Itypes")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    include_itypes: Vec<String>,
    /// Observables of these indicator types never match (ThreatStream's exclude_impacts)
    #[schemars(title = "Exclude Itypes")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    exclude_itypes: Vec<String>,
    /// Tags the rule adds to what it matches
    #[schemars(title = "Tags")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    /// Whether the rule is on
    #[schemars(title = "Enabled")]
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    /// Whether matches are e-mailed to the rule's owner
    #[schemars(title = "Notify Me")]
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_me: Option<bool>,
    /// Whether observables on the organization's allowlist are left out of the notifications (exclude_notify_org_whitelisted)
    #[schemars(title = "Exclude Allowlisted")]
    #[serde(skip_serializing_if = "Option::is_none")]
    exclude_allowlisted: Option<bool>,
    /// Whether observables the organization imported itself are left out of the notifications (exclude_notify_owner_org)
    #[schemars(title = "Exclude Own Organization")]
    #[serde(skip_serializing_if = "Option::is_none")]
    exclude_own_organization: Option<bool>,
    /// Whether a match opens or adds to an investigation
    #[schemars(title = "Create Investigation")]
    #[serde(skip_serializing_if = "Option::is_none")]
    create_investigation: Option<bool>,
    /// ThreatStream ID of the investigation matches go to
    #[schemars(title = "Investigation ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    investigation_id: Option<u64>,
    /// How many times the rule has matched
    #[schemars(title = "Matches")]
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<u64>,
    /// E-mail address of the rule's owner
    #[schemars(title = "Owner")]
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    /// When the rule was created
    #[schemars(title = "Created")]
    #[serde(skip_serializing_if = "Option::is_none")]
    created_ts: Option<String>,
    /// When the rule last changed
    #[schemars(title = "Modified")]
    #[serde(skip_serializing_if = "Option::is_none")]
    modified_ts: Option<String>,
}

/// An example rule, for help.md.
pub(crate) fn example_rule() -> Value {
    json!({"id": 14093, "name": "C2 domains of campaign 7", "keywords": ["evil-domain", "10\\.0\\.0\\.1"],
        "match_within": ["observables", "threat_bulletins"], "include_itypes": ["c2_domain", "c2_ip"],
        "tags": ["campaign-7"], "enabled": true, "notify_me": true, "exclude_allowlisted": true,
        "exclude_own_organization": false, "create_investigation": false, "matches": 0,
        "owner": "analyst@example.com", "created_ts": "2026-09-14T08:21:58.774012",
        "modified_ts": "2026-09-14T08:21:58.774012"})
}

/// ThreatStream's rule in the shared shape; `None` when it has no ID, which no rule lacks.
pub(crate) fn rule_of(record: &Record) -> Option<Rule> {
    let investigation = record.get("investigation").and_then(|value| match value {
        Value::Object(investigation) => number(investigation, "id"),
        other => crate::threatstream::numeric_id(other),
    });
    Some(Rule {
        id: number(record, "id")?,
        name: text(record, "name"),
        keywords: names(record, "keywords"),
        match_within: MatchWithin::ALL
            .into_iter()
            .filter(|kind| flag(record, kind.flag()) == Some(true))
            .map(|kind| crate::actions::wire_name(&kind))
            .collect(),
        include_itypes: names(record, "match_impacts"),
        exclude_itypes: names(record, "exclude_impacts"),
        tags: names(record, "tags"),
        enabled: flag(record, "is_enabled"),
        notify_me: flag(record, "notify_me"),
        exclude_allowlisted: flag(record, "exclude_notify_org_whitelisted"),
        exclude_own_organization: flag(record, "exclude_notify_owner_org"),
        create_investigation: flag(record, "create_investigation"),
        investigation_id: investigation,
        matches: number(record, "matches"),
        owner: nested_text(record, "user", "email"),
        created_ts: text(record, "created_ts"),
        modified_ts: text(record, "modified_ts"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::record_of;

    #[test]
    fn a_rule_is_shown_under_the_steps_names() {
        // Rule 11111 of XSOAR's list_rule_response, shortened.
        let shown = rule_of(&record_of(json!({"id": 11111, "name": "rule_1", "keyword": "keywords",
            "keywords": ["keywords"], "match_observables": true, "match_reportedfiles": true,
            "match_signatures": false, "match_tips": true, "match_vulnerabilities": false,
            "match_impacts": [], "exclude_impacts": ["actor_ipv6"], "create_investigation": true,
            "investigation": {"id": "1000000005", "name": "Matched Rule"}, "is_enabled": true,
            "notify_me": true, "exclude_notify_org_whitelisted": false, "matches": 0,
            "tags": [{"name": "some_name", "org_id": "11", "tlp": "white"}],
            "user": {"email": "user@email.com", "id": "111"}, "user_id": 111,
            "created_ts": "2023-03-30T13:25:42.306343", "modified_ts": "2023-03-30T13:25:42.306343",
            "description": null})));
        assert_eq!(
            serde_json::to_value(shown).unwrap(),
            json!({"id": 11111, "name": "rule_1", "keywords": ["keywords"],
                "match_within": ["observables", "sandbox_reports", "threat_bulletins"],
                "exclude_itypes": ["actor_ipv6"], "tags": ["some_name"], "enabled": true, "notify_me": true,
                "exclude_allowlisted": false, "create_investigation": true, "investigation_id": 1000000005,
                "matches": 0, "owner": "user@email.com", "created_ts": "2023-03-30T13:25:42.306343",
                "modified_ts": "2023-03-30T13:25:42.306343"})
        );
        assert!(rule_of(&record_of(json!({"name": "no id"}))).is_none());
        assert_eq!(
            rule_of(&record_of(json!({"id": "7", "investigation": null}))).map(|r| r.id),
            Some(7)
        );
    }
}
