//! The verdict: one word a playbook can branch on, judged from every record about one observable.
//!
//! ThreatStream answers a lookup with records, often several, from different sources, with their own
//! status, confidence and severity. XSOAR scores only the highest-confidence record, calls low
//! confidence "good" and ignores status (reference §2.2); analysts complained about both. The rules
//! here, in the order they apply (help.md has them as a table; `verdict/tests.rs` tests that table):
//!
//! 1. No record: `unknown`.
//! 2. Only records whose status is `active` count, and also `inactive` ones when `include_inactive`
//!    is set. A record without a status counts as active (ThreatStream's default); a `falsepos`
//!    record never counts as evidence of harm.
//! 3. A `falsepos` record makes the verdict `benign`, unless an active record is malicious by rule 4.
//! 4. The record that counts with the highest confidence decides: `malicious` at or above the
//!    malicious threshold (default 65), `suspicious` at or above the suspicious threshold (default
//!    25), `unknown` below it (low confidence is not evidence of innocence). A confidence of -1 (or
//!    none) is unknown. With `severity_escalates`, a suspicious record of severity `high` or
//!    `very-high` is malicious.
//! 5. Nothing counts (every record inactive): `unknown`.
//!
//! Records are summarised one at a time as they stream past (`Tally::add`): a lookup with 50,000
//! records keeps a handful of fields, not the records. `Tally::verdict` applies the rules. This room
//! knows nothing of envelopes: `Verdict` serialises to the shape the actions publish and describe.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::threatstream::{numeric_id, tag_names, Record, Severity, Status};

/// Confidence at or above which a record is malicious, unless the connection or the action says.
pub(crate) const DEFAULT_MALICIOUS_THRESHOLD: u8 = 65;

/// Confidence at or above which a record is suspicious, unless the connection or the action says.
pub(crate) const DEFAULT_SUSPICIOUS_THRESHOLD: u8 = 25;

/// How records are judged; see the module doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VerdictOptions {
    pub(crate) malicious_threshold: u8,
    pub(crate) suspicious_threshold: u8,
    /// Inactive records count too (active ones always do).
    pub(crate) include_inactive: bool,
    /// Severity `high` or `very-high` raises a suspicious record to malicious.
    pub(crate) severity_escalates: bool,
}

impl Default for VerdictOptions {
    fn default() -> Self {
        VerdictOptions {
            malicious_threshold: DEFAULT_MALICIOUS_THRESHOLD,
            suspicious_threshold: DEFAULT_SUSPICIOUS_THRESHOLD,
            include_inactive: false,
            severity_escalates: false,
        }
    }
}

/// The verdict's one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum Judgement {
    Malicious,
    Suspicious,
    Benign,
    Unknown,
}

// The verdict on one observable, as the actions publish it: the type is its schema (a `//` comment:
// a doc comment would become the type's description; the fields' doc comments are the spec's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "verdict", title = "Verdict")]
pub(crate) struct Verdict {
    /// Malicious, suspicious, benign (a false positive) or unknown (no record, low or unknown confidence)
    #[schemars(title = "Verdict", example = &"malicious")]
    pub(crate) verdict: Judgement,
    /// How strongly the records point to harm, 0-100: the deciding record's confidence (at least the malicious threshold when severity escalated it); 0 when benign
    #[schemars(title = "Score", range(min = 0, max = 100), example = 90)]
    pub(crate) score: u8,
    /// Highest confidence among the records that count; -1 when none is known
    #[schemars(title = "Confidence", range(min = -1, max = 100), example = 90)]
    pub(crate) confidence: i16,
    /// Highest severity among the records that count
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Severity", example = &"very-high")]
    pub(crate) severity: Option<Severity>,
    /// Threat types of the records that count, distinct and sorted
    #[schemars(title = "Threat Types", example = ["c2"])]
    pub(crate) threat_types: Vec<String>,
    /// Indicator types of the records that count, distinct and sorted
    #[schemars(title = "Itypes", example = ["c2_ip"])]
    pub(crate) itypes: Vec<String>,
    /// Tag names of the records that count, distinct and sorted
    #[schemars(title = "Tags", example = ["Emotet"])]
    pub(crate) tags: Vec<String>,
    /// Number of distinct sources among the records that count
    #[schemars(title = "Sources", example = 1)]
    pub(crate) sources: usize,
    /// Earliest creation time among the records that count
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "First Seen", example = &"2026-09-14T08:21:40.118Z")]
    pub(crate) first_seen: Option<String>,
    /// Latest modification time among the records that count
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Last Seen", example = &"2026-09-14T08:21:40.118Z")]
    pub(crate) last_seen: Option<String>,
    /// Number of records whose value is exactly the one looked up
    #[schemars(title = "Matched Records", example = 1)]
    pub(crate) matched_records: usize,
    /// Number of those records that are active
    #[schemars(title = "Active Records", example = 1)]
    pub(crate) active_records: usize,
    /// Whether the organization's allowlist has the value, in the verdicts of the lookups and Enrich Observable when the connection's Check Allowlist is on; an allowlisted value is benign, never malicious
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Allowlisted", example = false)]
    pub(crate) allowlisted: Option<bool>,
    /// One sentence: which record decided the verdict, and why
    #[schemars(
        title = "Reason",
        example = "Active record 100000101 (Example C2 Feed, c2_ip) has confidence 92, at least the malicious threshold of 65."
    )]
    pub(crate) reason: String,
}

/// The verdict on `records` under `options`, for callers that hold the records anyway.
pub(crate) fn verdict_of<'a>(records: impl IntoIterator<Item = &'a Record>, options: VerdictOptions) -> Verdict {
    let mut tally = Tally::new(options);
    records.into_iter().for_each(|record| tally.add(record));
    tally.verdict()
}

/// How strongly one record points to harm, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Weak,
    Suspicious,
    Malicious,
}

/// The little of one record a verdict needs.
#[derive(Clone, Debug)]
struct Evidence {
    id: Option<u64>,
    source: Option<String>,
    itype: Option<String>,
    status: Status,
    confidence: Option<u8>,
    severity: Option<Severity>,
}

impl Evidence {
    fn of(record: &Record) -> Evidence {
        Evidence {
            id: record.get("id").and_then(numeric_id),
            source: text(record, "source").map(str::to_owned),
            itype: text(record, "itype").map(str::to_owned),
            status: status(record),
            confidence: record.get("confidence").and_then(confidence),
            severity: severity(record),
        }
    }

    fn strength(&self, options: &VerdictOptions) -> Strength {
        match self.confidence {
            Some(c) if c >= options.malicious_threshold => Strength::Malicious,
            Some(c) if c >= options.suspicious_threshold && self.escalates(options) => Strength::Malicious,
            Some(c) if c >= options.suspicious_threshold => Strength::Suspicious,
            _ => Strength::Weak,
        }
    }

    /// Whether severity alone makes this record malicious.
    fn escalates(&self, options: &VerdictOptions) -> bool {
        options.severity_escalates
            && self.severity >= Some(Severity::High)
            && self.confidence.is_some_and(|c| c < options.malicious_threshold)
    }

    /// Stronger first, then the higher confidence, the higher severity, the older record (lower id).
    fn outranks(&self, other: &Evidence, options: &VerdictOptions) -> bool {
        let key = |e: &Evidence| (e.strength(options), e.confidence.map(i16::from), e.severity);
        match key(self).cmp(&key(other)) {
            std::cmp::Ordering::Equal => self.id.unwrap_or(u64::MAX) < other.id.unwrap_or(u64::MAX),
            order => order.is_gt(),
        }
    }

    /// "active record 500001001 (Abuse.ch Feodo Tracker, c2_ip)"
    fn describe(&self) -> String {
        let mut text = format!("{} record", self.status.name());
        if let Some(id) = self.id {
            text.push_str(&format!(" {id}"));
        }
        let details: Vec<&str> = [&self.source, &self.itype]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !details.is_empty() {
            text.push_str(&format!(" ({})", details.join(", ")));
        }
        text
    }
}

/// A verdict in the making: records are added as they arrive, and the verdict is asked for at the
/// end. Memory stays small whatever the number of records: the distinct itypes, tags and sources,
/// and three records' summaries.
#[derive(Clone, Debug)]
pub(crate) struct Tally {
    options: VerdictOptions,
    matched: usize,
    active: usize,
    /// The strongest record that counts, and the strongest active one (rule 3 asks about it).
    top: Option<Evidence>,
    top_active: Option<Evidence>,
    false_positive: Option<Evidence>,
    confidence: Option<u8>,
    severity: Option<Severity>,
    threat_types: BTreeSet<String>,
    itypes: BTreeSet<String>,
    tags: BTreeSet<String>,
    sources: BTreeSet<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
}

impl Tally {
    pub(crate) fn new(options: VerdictOptions) -> Tally {
        Tally {
            options,
            matched: 0,
            active: 0,
            top: None,
            top_active: None,
            false_positive: None,
            confidence: None,
            severity: None,
            threat_types: BTreeSet::new(),
            itypes: BTreeSet::new(),
            tags: BTreeSet::new(),
            sources: BTreeSet::new(),
            first_seen: None,
            last_seen: None,
        }
    }

    /// Adds one record (v2 or v1 shape) about the observable.
    pub(crate) fn add(&mut self, record: &Record) {
        self.matched += 1;
        let evidence = Evidence::of(record);
        match evidence.status {
            Status::Falsepos => {
                if self.false_positive.is_none() {
                    self.false_positive = Some(evidence);
                }
                return;
            }
            Status::Active => {
                self.active += 1;
                keep_stronger(&mut self.top_active, &evidence, &self.options);
            }
            Status::Inactive if !self.options.include_inactive => return,
            Status::Inactive => {}
        }
        self.describe_with(record, &evidence);
        keep_stronger(&mut self.top, &evidence, &self.options);
    }

    /// What the verdict's descriptive fields gather from a record that counts.
    fn describe_with(&mut self, record: &Record, evidence: &Evidence) {
        self.confidence = self.confidence.max(evidence.confidence);
        self.severity = self.severity.max(evidence.severity);
        insert(&mut self.threat_types, text(record, "threat_type"));
        insert(&mut self.itypes, evidence.itype.as_deref());
        insert(&mut self.sources, evidence.source.as_deref());
        for tag in tag_names(record) {
            insert(&mut self.tags, Some(tag));
        }
        let first = text(record, "created_ts").or_else(|| text(record, "date_first"));
        let last = text(record, "modified_ts")
            .or_else(|| text(record, "date_last"))
            .or(first);
        earliest(&mut self.first_seen, first);
        latest(&mut self.last_seen, last);
    }

    /// The verdict on every record added so far.
    pub(crate) fn verdict(&self) -> Verdict {
        let (verdict, score, reason) = self.decide();
        Verdict {
            verdict,
            score,
            confidence: self.confidence.map_or(-1, i16::from),
            severity: self.severity,
            threat_types: self.threat_types.iter().cloned().collect(),
            itypes: self.itypes.iter().cloned().collect(),
            tags: self.tags.iter().cloned().collect(),
            sources: self.sources.len(),
            first_seen: self.first_seen.clone(),
            last_seen: self.last_seen.clone(),
            matched_records: self.matched,
            active_records: self.active,
            allowlisted: None,
            reason,
        }
    }

    /// The rules of the module doc, in order: the verdict, its score and the sentence saying why.
    fn decide(&self) -> (Judgement, u8, String) {
        let options = &self.options;
        if self.matched == 0 {
            return (
                Judgement::Unknown,
                0,
                "No ThreatStream record matches this observable.".to_owned(),
            );
        }
        if let Some(false_positive) = &self.false_positive {
            match &self.top_active {
                Some(active) if active.strength(options) == Strength::Malicious => {
                    let (verdict, score, why) = judge(active, options);
                    let outweighs = format!(" This outweighs {}.", false_positive.describe());
                    return (verdict, score, why + &outweighs);
                }
                _ => return (Judgement::Benign, 0, benign_reason(false_positive, options)),
            }
        }
        match &self.top {
            Some(top) => judge(top, options),
            None => (
                Judgement::Unknown,
                0,
                format!(
                    "None of the {} matching records is active; inactive records count only when \
                     include_inactive is true.",
                    self.matched
                ),
            ),
        }
    }
}

fn keep_stronger(slot: &mut Option<Evidence>, candidate: &Evidence, options: &VerdictOptions) {
    if slot.as_ref().is_none_or(|kept| candidate.outranks(kept, options)) {
        *slot = Some(candidate.clone());
    }
}

/// Rule 4 on the deciding record.
fn judge(top: &Evidence, options: &VerdictOptions) -> (Judgement, u8, String) {
    let (m, s) = (options.malicious_threshold, options.suspicious_threshold);
    let who = capitalised(&top.describe());
    let Some(c) = top.confidence else {
        let why =
            format!("{who} decides, and its confidence is unknown (-1); unscored records are not evidence either way.");
        return (Judgement::Unknown, 0, why);
    };
    match top.strength(options) {
        Strength::Malicious if top.escalates(options) => {
            let severity = top.severity.map_or("high", Severity::name);
            let why = format!(
                "{who} has confidence {c}, at least the suspicious threshold of {s}, and severity {severity}, \
                 which escalates it to malicious."
            );
            (Judgement::Malicious, c.max(m), why)
        }
        Strength::Malicious => {
            let why = format!("{who} has confidence {c}, at least the malicious threshold of {m}.");
            (Judgement::Malicious, c, why)
        }
        Strength::Suspicious => {
            let why = format!(
                "{who} has confidence {c}, at least the suspicious threshold of {s} but below the malicious \
                 threshold of {m}."
            );
            (Judgement::Suspicious, c, why)
        }
        Strength::Weak => {
            let why = format!(
                "{who} has the highest confidence, {c}, below the suspicious threshold of {s}; low confidence \
                 is not evidence of innocence."
            );
            (Judgement::Unknown, c, why)
        }
    }
}

fn benign_reason(false_positive: &Evidence, options: &VerdictOptions) -> String {
    format!(
        "{} marks this observable a false positive, and no active record reaches the malicious threshold of {}.",
        capitalised(&false_positive.describe()),
        options.malicious_threshold
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Adds `value` to `set` without allocating for the values already there, which is most of them.
fn insert(set: &mut BTreeSet<String>, value: Option<&str>) {
    if let Some(value) = value {
        if !set.contains(value) {
            set.insert(value.to_owned());
        }
    }
}

/// A non-empty text field.
fn text<'a>(record: &'a Record, key: &str) -> Option<&'a str> {
    record
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// v2's `status`, v1's `state`; a record without either is active, ThreatStream's default.
fn status(record: &Record) -> Status {
    let Some(status) = text(record, "status").or_else(|| text(record, "state")) else {
        return Status::Active;
    };
    match status.to_ascii_lowercase().as_str() {
        "active" => Status::Active,
        "falsepos" | "false_positive" | "false-positive" => Status::Falsepos,
        _ => Status::Inactive,
    }
}

/// 0-100, sent as a number or a string; -1 and anything out of range are unknown.
fn confidence(value: &Value) -> Option<u8> {
    let number = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    // Truncation is meant: ThreatStream's confidences are whole numbers, and a fraction never crosses
    // a threshold the way rounding up would.
    (0.0..=100.0).contains(&number).then_some(number as u8)
}

/// v2 keeps severity in `meta.severity`, v1 at the top level.
fn severity(record: &Record) -> Option<Severity> {
    let meta = record
        .get("meta")
        .and_then(|meta| meta.get("severity"))
        .and_then(Value::as_str);
    meta.or_else(|| text(record, "severity")).and_then(Severity::parse)
}

/// ISO 8601 times in one zone order as text; ThreatStream writes them all in UTC.
fn earliest(slot: &mut Option<String>, candidate: Option<&str>) {
    if let Some(candidate) = candidate {
        if slot.as_deref().is_none_or(|kept| candidate < kept) {
            *slot = Some(candidate.to_owned());
        }
    }
}

fn latest(slot: &mut Option<String>, candidate: Option<&str>) {
    if let Some(candidate) = candidate {
        if slot.as_deref().is_none_or(|kept| candidate > kept) {
            *slot = Some(candidate.to_owned());
        }
    }
}

mod allowlisted;
#[cfg(test)]
mod tests;
