//! The sandbox report: 4.0.0's `sandbox_report` (`signatures`, `screenshots`, `info`, `domains`) and
//! what else ThreatStream's report answer carries, read from either of its two shapes.
//!
//! The public clients show two shapes of `GET /api/v1/submit/{id}/report/`. The compact one (Rapid7's
//! unit-test answers, Cortex XSOAR's test data) has `results.info` with `is_malicious` and
//! `confidence`, `results.screenshots` and signatures with a `description` and a severity written as
//! text. The Cuckoo one (Splunk SOAR's data paths, FortiSOAR's output schema) has `info.machine`,
//! `behavior`, `dropped`, `target`, signatures with a `name` and a numeric severity, and `screenshots`
//! and `pcap` at the top level of the answer, beside `results`. Every block is optional in both, so
//! every part here is read on its own: a part that is missing or of another type is left out, never
//! a failure; 4.0.0's four parts are always there, empty when the report has none.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::artifacts::{behavior, dropped, target, Behavior, SandboxFile, Target};
use super::network::{network, Network};
use crate::actions::lenient::NumberOrString;
use crate::protocol::clean;

/// A report, as Get Sandbox Report answers it.
#[derive(Default, Serialize, JsonSchema)]
#[schemars(rename = "sandbox_report", title = "sandbox_report")]
pub(crate) struct SandboxReport {
    /// Behaviours the sandbox saw, as ThreatStream describes them: a description or name, a severity and the data behind it
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
    /// Link to the network capture (PCAP) of the detonation
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "PCAP")]
    pcap: Option<String>,
    /// What the sample did on the network: the hosts and domains it reached, its DNS queries and its connections by protocol
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Network")]
    network: Option<Network>,
    /// What was detonated: its category, and the URL or the file with its hashes
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Target")]
    target: Option<Target>,
    /// Files the sample wrote, with their hashes
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Dropped Files")]
    dropped: Option<Vec<SandboxFile>>,
    /// The processes the sample ran, and the files, registry keys and mutexes it touched
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Behavior")]
    behavior: Option<Behavior>,
}

/// The summary of a detonation. Every field is optional: the compact shape and the Cuckoo shape
/// each carry some, and a detonation still running has none. Fields the type does not name pass
/// through as ThreatStream sent them.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "info", title = "info")]
pub(crate) struct Info {
    /// Category of what was detonated, such as URL or File
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Category")]
    category: Option<String>,
    /// Confidence
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Confidence", with = "Option<NumberOrString>")]
    confidence: Option<Value>,
    /// Is unknown
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Is Unknown")]
    is_unknown: Option<bool>,
    /// Is suspicious
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Is Suspicious")]
    is_suspicious: Option<bool>,
    /// Is malicious
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Is Malicious")]
    is_malicious: Option<bool>,
    /// When the detonation started
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Started")]
    started: Option<String>,
    /// When the detonation ended
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Ended")]
    ended: Option<String>,
    /// Duration of the detonation, in seconds
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Duration", with = "Option<NumberOrString>")]
    duration: Option<Value>,
    /// Package
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Package")]
    package: Option<String>,
    /// Machine the sample ran on (its name, label, manager and when it started and shut down); empty when the report names none
    #[schemars(title = "Machine", with = "Option<Map<String, Value>>")]
    machine: Map<String, Value>,
    /// Custom
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Custom")]
    custom: Option<String>,
    /// ID
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "ID", with = "Option<NumberOrString>")]
    id: Option<Value>,
    /// Version
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Version")]
    version: Option<String>,
    /// Whatever else ThreatStream put in `info`.
    #[serde(flatten)]
    #[schemars(skip)]
    more: Map<String, Value>,
}

impl Default for Info {
    /// 4.0.0 always gave `machine`, `{}` when the report names none.
    fn default() -> Info {
        Info::of(&Value::Null)
    }
}

/// The report in `answer`: its `results`, and the `screenshots` and `pcap` beside them.
pub(crate) fn sandbox_report(answer: &Value) -> SandboxReport {
    let results = &answer["results"];
    let mut screenshots = texts(&results["screenshots"]);
    for beside in texts(&answer["screenshots"]) {
        if !screenshots.contains(&beside) {
            screenshots.push(beside);
        }
    }
    let domains = objects(&results["network"]["domains"])
        .iter()
        .filter_map(|entry| entry.get("domain").and_then(text))
        .chain(texts(&results["network"]["domains"]))
        .collect();
    SandboxReport {
        signatures: objects(&results["signatures"]),
        screenshots,
        info: Info::of(&results["info"]),
        domains,
        pcap: text(&answer["pcap"]).or_else(|| text(&results["pcap"])),
        network: network(&results["network"]),
        target: target(&results["target"]),
        dropped: dropped(&results["dropped"]),
        behavior: behavior(&results["behavior"]),
    }
}

impl Info {
    fn of(info: &Value) -> Info {
        let field = |name: &str| &info[name];
        let named = [
            "category",
            "confidence",
            "is_unknown",
            "is_suspicious",
            "is_malicious",
            "started",
            "ended",
            "duration",
            "package",
            "machine",
            "custom",
            "id",
            "version",
        ];
        let mut more = info.as_object().cloned().unwrap_or_default();
        more.retain(|name, _| !named.contains(&name.as_str()));
        let mut more = Value::Object(more);
        clean(&mut more);
        Info {
            category: text(field("category")),
            confidence: number(field("confidence")),
            is_unknown: field("is_unknown").as_bool(),
            is_suspicious: field("is_suspicious").as_bool(),
            is_malicious: field("is_malicious").as_bool(),
            started: text(field("started")),
            ended: text(field("ended")),
            duration: number(field("duration")),
            package: text(field("package")),
            // 4.0.0's rule: "if it's not present the API returns null", and the output has `{}`.
            machine: object(field("machine")).unwrap_or_default(),
            custom: text(field("custom")),
            id: number(field("id")),
            version: text(field("version")),
            more: match more {
                Value::Object(more) => more,
                _ => Map::new(),
            },
        }
    }
}

/// A non-empty string.
pub(super) fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|text| !text.is_empty()).map(str::to_owned)
}

/// The strings of a list, or the one string given instead of a list.
pub(super) fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        single => text(single).into_iter().collect(),
    }
}

/// The objects of a list, without their nulls and empty strings.
pub(super) fn objects(value: &Value) -> Vec<Map<String, Value>> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().filter_map(object).collect()
}

/// An object, without its nulls and empty strings.
pub(super) fn object(value: &Value) -> Option<Map<String, Value>> {
    let mut value = Value::Object(value.as_object()?.clone());
    clean(&mut value);
    match value {
        Value::Object(members) => Some(members),
        _ => None,
    }
}

/// A number, or a number ThreatStream wrote as text.
pub(super) fn number(value: &Value) -> Option<Value> {
    match value {
        Value::Number(_) => Some(value.clone()),
        Value::String(text) if !text.trim().is_empty() => Some(value.clone()),
        _ => None,
    }
}

/// A list, or nothing when it is empty.
pub(super) fn some<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(answer: &Value) -> Value {
        serde_json::to_value(sandbox_report(answer)).unwrap()
    }

    #[test]
    fn rapid7s_compact_fixture_gives_4_0_0s_output() {
        let answer = json!({"success": true, "results": {
            "network": {"domains": [{"domain": "star-mini.c10r.facebook.com"}, {"domain": "us-u.openx.net"}]},
            "info": {"category": "URL", "confidence": 0, "duration": 302, "ended": "2019-12-04 21:09:32",
                     "is_malicious": false, "is_suspicious": false, "is_unknown": false,
                     "started": "2019-12-04 21:04:30"},
            "screenshots": ["http://domain.com/a.png"],
            "signatures": [{"description": "Uses new MSVCR Dlls", "severity": "-1.0", "data": []}]}});
        assert_eq!(
            shown(&answer),
            json!({"signatures": [{"description": "Uses new MSVCR Dlls", "severity": "-1.0", "data": []}],
                   "screenshots": ["http://domain.com/a.png"],
                   "info": {"category": "URL", "confidence": 0, "duration": 302, "ended": "2019-12-04 21:09:32",
                            "is_malicious": false, "is_suspicious": false, "is_unknown": false,
                            "started": "2019-12-04 21:04:30", "machine": {}},
                   "domains": ["star-mini.c10r.facebook.com", "us-u.openx.net"],
                   "network": {"domains": [{"domain": "star-mini.c10r.facebook.com"}, {"domain": "us-u.openx.net"}]}})
        );
    }

    #[test]
    fn screenshots_and_pcap_beside_results_are_kept_once() {
        let answer = json!({"pcap": "https://ts.example.com/dump.pcap", "screenshots": ["b.png", "a.png"],
            "results": {"screenshots": ["a.png"], "info": {"machine": {"name": "WINDOWS7_4", "label": null},
            "route": "none", "options": ""}}});
        let report = shown(&answer);
        assert_eq!(report["screenshots"], json!(["a.png", "b.png"]));
        assert_eq!(report["pcap"], "https://ts.example.com/dump.pcap");
        assert_eq!(
            report["info"],
            json!({"machine": {"name": "WINDOWS7_4"}, "route": "none"})
        );
    }

    #[test]
    fn missing_or_misshapen_parts_are_left_out() {
        let empty = json!({"signatures": [], "screenshots": [], "info": {"machine": {}}, "domains": []});
        for answer in [
            json!({}),
            json!({"results": {}}),
            json!({"results": []}),
            json!({"results": {"info": {"machine": null, "package": null}, "network": {"hosts": []},
                   "signatures": "none", "screenshots": null, "dropped": {}, "behavior": []}}),
        ] {
            assert_eq!(shown(&answer), empty, "{answer}");
        }
        assert_eq!(serde_json::to_value(SandboxReport::default()).unwrap(), empty);
    }

    #[test]
    fn numbers_may_come_as_text() {
        let report = shown(&json!({"results": {"info": {"duration": "302", "id": "189200", "confidence": 0}}}));
        assert_eq!(
            report["info"],
            json!({"duration": "302", "id": "189200", "confidence": 0, "machine": {}})
        );
    }
}
