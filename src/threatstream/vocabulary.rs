//! The words ThreatStream's records use for an observable's type, severity and status, each wire
//! name written once: the verdict reads them from records, the feeds and searches filter by them,
//! imports and updates set them. Their schemas are the ones the spec publishes: `Severity` in place
//! (the verdict's `severity`, the imports' choices); `RecordType` and `Status` under their own names
//! (the feeds' `types` and `statuses`) and in place as an optional choice (`input::Choice<T>`: Search
//! Intelligence's type and status, Update Observable's status).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// ThreatStream's severities, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(inline)]
pub(crate) enum Severity {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Severity {
    /// A severity as records write it: v1 and v2, any letter case, `very_high` or `veryhigh` too.
    pub(crate) fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "very-high" | "veryhigh" => Some(Severity::VeryHigh),
            _ => None,
        }
    }

    /// The wire name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::VeryHigh => "very-high",
        }
    }
}

/// An observable's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Active,
    Inactive,
    Falsepos,
}

impl Status {
    /// The wire name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
            Status::Falsepos => "falsepos",
        }
    }
}

/// An observable type, as ThreatStream's v2 `type` filter takes it.
// A record's type, not `actions::observable::ObservableType` (the kinds a value is told apart by): it
// also has `ipv6` and `string`, and every hash under `md5`. The schema keeps its published name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "ObservableType")]
pub(crate) enum RecordType {
    Ip,
    Ipv6,
    Domain,
    Url,
    Email,
    // Every hash algorithm: ThreatStream files them all under md5, the algorithm in `subtype`.
    Md5,
    String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name` and `parse` agree with serde's names, the ones requests send.
    #[test]
    fn names_are_the_wire_names() {
        for severity in [Severity::Low, Severity::Medium, Severity::High, Severity::VeryHigh] {
            assert_eq!(serde_json::to_value(severity).unwrap(), severity.name());
            assert_eq!(Severity::parse(severity.name()), Some(severity));
        }
        for status in [Status::Active, Status::Inactive, Status::Falsepos] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.name());
        }
    }
}
