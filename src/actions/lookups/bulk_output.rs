//! Lookup Observables' output, built from the verdicts. Records, when asked for, are already JSON
//! text (`RecordsText`) and are spliced in without being parsed again.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::bulk::Entries;
use super::ip::LookupIp;
use super::record::ResultRecord;
use super::ExampleRecords;
use crate::actions::observable::ObservableType;
use crate::actions::verdict::example_verdict;
use crate::verdict::{Judgement, Verdict};

/// What the lookup brought for one observable.
pub(crate) struct Looked {
    pub(crate) verdict: Verdict,
    pub(crate) records: Option<Box<RawValue>>,
}

/// The output: one entry per distinct observable, in the order given, with what was `looked` up for
/// it (in the same order). Records, when asked for, are already JSON text and go in as they are.
pub(crate) fn output(entries: Entries<'_>, looked: Vec<Looked>) -> LookupObservablesOutput {
    let mut summary = VerdictSummary {
        invalid: entries.invalid.len(),
        duplicates: entries.duplicates,
        ..VerdictSummary::default()
    };
    let results = entries
        .distinct
        .into_iter()
        .zip(looked)
        .map(|((observable, kind, input), looked)| {
            *match looked.verdict.verdict {
                Judgement::Malicious => &mut summary.malicious,
                Judgement::Suspicious => &mut summary.suspicious,
                Judgement::Benign => &mut summary.benign,
                Judgement::Unknown => &mut summary.unknown,
            } += 1;
            ObservableVerdict {
                value: observable.value(),
                input: input.to_owned(),
                kind,
                verdict: looked.verdict,
                records: looked.records,
            }
        })
        .collect();
    let invalid = entries
        .invalid
        .into_iter()
        .map(|invalid| InvalidEntry {
            index: invalid.index,
            value: invalid.value.to_owned(),
            reason: invalid.reason,
        })
        .collect();
    LookupObservablesOutput {
        results,
        invalid,
        summary,
    }
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct LookupObservablesOutput {
    /// One entry per distinct observable, in the order given: its value, type and verdict, and its records when Include Records is set
    #[schemars(title = "Results", example = example_results())]
    results: Vec<ObservableVerdict>,
    /// Entries that are no observable, with the reason; they are not looked up
    #[schemars(title = "Invalid", example = json!([{"index": 2, "value": "",
        "reason": EMPTY_REASON}]))]
    invalid: Vec<InvalidEntry>,
    /// How many observables got each verdict, and how many entries were invalid or repeated
    #[schemars(title = "Summary", example = json!({"malicious": 1, "suspicious": 0, "benign": 0, "unknown": 1,
        "invalid": 1, "duplicates": 0}))]
    summary: VerdictSummary,
}

// One observable's verdict (a `//` comment: a doc comment would become the type's description).
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "observable_verdict", title = "Observable Verdict")]
struct ObservableVerdict {
    /// The observable as looked up: an IP address in canonical form, a domain or e-mail address in lower case (punycode for internationalised names), a URL with its scheme and host in lower case, a hash in lower case
    #[schemars(title = "Value", example = &"198.51.100.23")]
    value: String,
    /// The entry as given
    #[schemars(title = "Input", example = &"198.51.100.23")]
    input: String,
    /// ip, domain, url, email or hash
    #[serde(rename = "type")]
    #[schemars(title = "Type", example = &"ip")]
    kind: ObservableType,
    #[serde(flatten)]
    verdict: Verdict,
    /// Intelligence records whose value is exactly this observable, when Include Records is set
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Records", with = "Option<Vec<ResultRecord>>", example = LookupIp::records())]
    records: Option<Box<RawValue>>,
}

// An entry that is no observable.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "invalid_observable", title = "Invalid Observable")]
struct InvalidEntry {
    /// Position of the entry in Observables, from 0
    #[schemars(title = "Index", example = 2)]
    index: usize,
    /// The entry as given
    #[schemars(title = "Value", example = &"")]
    value: String,
    /// Why it is no observable
    #[schemars(title = "Reason", example = EMPTY_REASON)]
    reason: String,
}

// Counts per verdict.
#[derive(Default, Serialize, JsonSchema)]
#[schemars(rename = "verdict_summary", title = "Verdict Summary")]
struct VerdictSummary {
    /// Observables judged malicious
    #[schemars(title = "Malicious", example = 1)]
    malicious: usize,
    /// Observables judged suspicious
    #[schemars(title = "Suspicious", example = 0)]
    suspicious: usize,
    /// Observables judged benign
    #[schemars(title = "Benign", example = 0)]
    benign: usize,
    /// Observables whose verdict is unknown
    #[schemars(title = "Unknown", example = 1)]
    unknown: usize,
    /// Entries that are no observable
    #[schemars(title = "Invalid", example = 1)]
    invalid: usize,
    /// Entries that repeat an observable given before; each observable is looked up and reported once
    #[schemars(title = "Duplicates", example = 0)]
    duplicates: usize,
}

/// The example's reason. Examples avoid quoting a value (`'...'`): Rapid7's EncodingValidator
/// re-reads the spec through Python's repr, which breaks on a text holding both kinds of quotes.
const EMPTY_REASON: &str = "it is empty; give an IP address, domain, URL, e-mail address or hash";

/// help.md's example: Lookup IP Address's example records, judged, and an observable without any.
fn example_results() -> Value {
    let entry = |value: &str, kind: &str, verdict: Value| {
        let mut entry = Map::new();
        entry.insert("value".into(), value.into());
        entry.insert("input".into(), value.into());
        entry.insert("type".into(), kind.into());
        entry.extend(verdict.as_object().cloned().unwrap_or_default());
        Value::Object(entry)
    };
    json!([
        entry("198.51.100.23", "ip", example_verdict(&LookupIp::records())),
        entry("evil-domain.example", "domain", example_verdict(&json!([]))),
    ])
}
