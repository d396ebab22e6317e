//! The sandbox report as 4.0.0 shaped it (`signatures`, `screenshots`, `info`, `domains`), from
//! ThreatStream's report answer, and its schema.

use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use crate::actions::lenient::NumberOrString;
use crate::protocol::clean;

/// 4.0.0's `sandbox_report` from a report answer: the four parts, `info.machine` always present.
/// Nulls and empty strings are dropped, so a half-filled report never fails the output schema.
pub(crate) fn sandbox_report(answer: &Value) -> Value {
    let results = &answer["results"];
    let list = |value: &Value| Value::Array(value.as_array().cloned().unwrap_or_default());
    let domains: Vec<Value> = results["network"]["domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("domain").and_then(Value::as_str))
        .map(Value::from)
        .collect();
    let mut info = results["info"].as_object().cloned().unwrap_or_default();
    let machine = info.get("machine").filter(|machine| machine.is_object()).cloned();
    info.insert("machine".to_owned(), machine.unwrap_or_else(|| json!({})));
    let mut report = json!({
        "signatures": list(&results["signatures"]),
        "screenshots": list(&results["screenshots"]),
        "info": Value::Object(info),
        "domains": domains,
    });
    clean(&mut report);
    report
}

/// The report of a detonation that has not finished: every part empty.
pub(crate) fn unfinished_report() -> Value {
    json!({"signatures": [], "screenshots": [], "info": {"machine": {}}, "domains": []})
}

/// Only for the schema.
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
#[schemars(rename = "sandbox_report", title = "sandbox_report")]
pub(crate) struct SandboxReport {
    /// Behaviours the sandbox saw, each with a description, a severity and the data behind it
    #[schemars(title = "Signatures")]
    signatures: Vec<Map<String, Value>>,
    /// Links to screenshots taken during the detonation
    #[schemars(title = "Screenshots")]
    screenshots: Vec<String>,
    /// Summary of the detonation
    #[schemars(title = "Info")]
    info: Info,
    /// Domains the sample contacted
    #[schemars(title = "Domains")]
    domains: Vec<String>,
}

/// Only for the schema. Every field is optional: a detonation still running has none yet.
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
#[schemars(rename = "info", title = "info")]
pub(crate) struct Info {
    /// Category of what was detonated, such as URL or File
    #[schemars(title = "Category")]
    category: Option<String>,
    /// Confidence
    #[schemars(title = "Confidence")]
    confidence: Option<NumberOrString>,
    /// Is unknown
    #[schemars(title = "Is Unknown")]
    is_unknown: Option<bool>,
    /// Is suspicious
    #[schemars(title = "Is Suspicious")]
    is_suspicious: Option<bool>,
    /// Is malicious
    #[schemars(title = "Is Malicious")]
    is_malicious: Option<bool>,
    /// When the detonation started
    #[schemars(title = "Started")]
    started: Option<String>,
    /// When the detonation ended
    #[schemars(title = "Ended")]
    ended: Option<String>,
    /// Duration of the detonation, in seconds
    #[schemars(title = "Duration")]
    duration: Option<NumberOrString>,
    /// Package
    #[schemars(title = "Package")]
    package: Option<String>,
    /// Machine the sample ran on; empty when the report names none
    #[schemars(title = "Machine")]
    machine: Option<Map<String, Value>>,
    /// Custom
    #[schemars(title = "Custom")]
    custom: Option<String>,
    /// ID
    #[schemars(title = "ID")]
    id: Option<NumberOrString>,
    /// Version
    #[schemars(title = "Version")]
    version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_fixture_gives_4_0_0s_expected_output() {
        let answer = json!({"success": true, "results": {
            "network": {"domains": [{"domain": "star-mini.c10r.facebook.com"}, {"domain": "us-u.openx.net"}]},
            "info": {"category": "URL", "confidence": 0, "duration": 302, "ended": "2019-12-04 21:09:32",
                     "is_malicious": false, "is_suspicious": false, "is_unknown": false,
                     "started": "2019-12-04 21:04:30"},
            "screenshots": ["http://domain.com/a.png"],
            "signatures": [{"description": "Uses new MSVCR Dlls", "severity": "-1.0", "data": []}]}});
        assert_eq!(
            sandbox_report(&answer),
            json!({"signatures": [{"description": "Uses new MSVCR Dlls", "severity": "-1.0", "data": []}],
                   "screenshots": ["http://domain.com/a.png"],
                   "info": {"category": "URL", "confidence": 0, "duration": 302, "ended": "2019-12-04 21:09:32",
                            "is_malicious": false, "is_suspicious": false, "is_unknown": false,
                            "started": "2019-12-04 21:04:30", "machine": {}},
                   "domains": ["star-mini.c10r.facebook.com", "us-u.openx.net"]})
        );
    }

    #[test]
    fn missing_parts_are_empty_and_nulls_dropped() {
        let report = sandbox_report(&json!({"success": true, "results": {"info": {"machine": null, "package": null}}}));
        assert_eq!(report, unfinished_report());
    }
}
