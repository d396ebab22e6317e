//! The verdict rules as a table: help.md's table, row for row, plus what the other fields gather.

use serde_json::json;

use super::*;
use crate::threatstream::record_of;

/// A v2 record: id, status, confidence (-1 for unknown) and `meta.severity`.
fn rec(id: u64, status: &str, confidence: i64, severity: &str) -> Record {
    record_of(
        json!({"id": id, "value": "203.0.113.11", "status": status, "confidence": confidence,
        "meta": {"severity": severity}, "source": "Feed", "itype": "c2_ip"}),
    )
}

const DEFAULT: VerdictOptions = VerdictOptions {
    malicious_threshold: 65,
    suspicious_threshold: 25,
    include_inactive: false,
    severity_escalates: false,
};
const INACTIVE: VerdictOptions = VerdictOptions {
    include_inactive: true,
    ..DEFAULT
};
const ESCALATE: VerdictOptions = VerdictOptions {
    severity_escalates: true,
    ..DEFAULT
};
const STRICT: VerdictOptions = VerdictOptions {
    malicious_threshold: 80,
    suspicious_threshold: 50,
    ..DEFAULT
};

use Judgement::{Benign, Malicious, Suspicious, Unknown};

/// What a row shows, its records and options, and the verdict, score and words of the reason.
type Row = (&'static str, Vec<Record>, VerdictOptions, Judgement, u8, &'static str);

#[test]
fn the_rule_table() {
    let rows: Vec<Row> = vec![
        (
            "no record",
            vec![],
            DEFAULT,
            Unknown,
            0,
            "No ThreatStream record matches",
        ),
        (
            "at the malicious threshold",
            vec![rec(1, "active", 65, "low")],
            DEFAULT,
            Malicious,
            65,
            "Active record 1 (Feed, c2_ip) has confidence 65, at least the malicious threshold of 65.",
        ),
        (
            "just below it",
            vec![rec(1, "active", 64, "low")],
            DEFAULT,
            Suspicious,
            64,
            "at least the suspicious threshold of 25 but below the malicious threshold of 65",
        ),
        (
            "at the suspicious threshold",
            vec![rec(1, "active", 25, "low")],
            DEFAULT,
            Suspicious,
            25,
            "threshold of 25",
        ),
        (
            "low confidence is unknown, not benign",
            vec![rec(1, "active", 24, "low")],
            DEFAULT,
            Unknown,
            24,
            "below the suspicious threshold of 25; low confidence is not evidence of innocence",
        ),
        (
            "confidence -1 is unknown",
            vec![rec(1, "active", -1, "high")],
            DEFAULT,
            Unknown,
            0,
            "its confidence is unknown (-1)",
        ),
        (
            "the highest confidence decides",
            vec![rec(1, "active", 35, "low"), rec(2, "active", 90, "low")],
            DEFAULT,
            Malicious,
            90,
            "Active record 2",
        ),
        (
            "inactive records do not count",
            vec![rec(1, "inactive", 90, "high")],
            DEFAULT,
            Unknown,
            0,
            "None of the 1 matching records is active",
        ),
        (
            "unless include_inactive",
            vec![rec(1, "inactive", 90, "high")],
            INACTIVE,
            Malicious,
            90,
            "Inactive record 1",
        ),
        (
            "falsepos makes it benign",
            vec![rec(1, "falsepos", 75, "low"), rec(2, "inactive", 85, "high")],
            DEFAULT,
            Benign,
            0,
            "Falsepos record 1 (Feed, c2_ip) marks this observable a false positive, and no active record reaches \
             the malicious threshold of 65.",
        ),
        (
            "falsepos beats a suspicious active record",
            vec![rec(1, "active", 40, "low"), rec(2, "falsepos", 60, "low")],
            DEFAULT,
            Benign,
            0,
            "Falsepos record 2",
        ),
        (
            "a malicious active record beats falsepos",
            vec![rec(1, "falsepos", 12, "low"), rec(2, "active", 73, "low")],
            DEFAULT,
            Malicious,
            73,
            "Active record 2 (Feed, c2_ip) has confidence 73, at least the malicious \
             threshold of 65. This outweighs falsepos record 1 (Feed, c2_ip).",
        ),
        (
            "a malicious inactive record does not",
            vec![rec(1, "falsepos", 12, "low"), rec(2, "inactive", 90, "low")],
            INACTIVE,
            Benign,
            0,
            "Falsepos record 1",
        ),
        (
            "severity alone escalates nothing by default",
            vec![rec(1, "active", 40, "very-high")],
            DEFAULT,
            Suspicious,
            40,
            "below the malicious threshold",
        ),
        (
            "high severity escalates suspicious",
            vec![rec(1, "active", 40, "high")],
            ESCALATE,
            Malicious,
            65,
            "Active record 1 (Feed, c2_ip) has confidence 40, at least the suspicious threshold of 25, and \
             severity high, which escalates it to malicious.",
        ),
        (
            "very-high too",
            vec![rec(1, "active", 30, "very-high")],
            ESCALATE,
            Malicious,
            65,
            "severity very-high",
        ),
        (
            "medium does not",
            vec![rec(1, "active", 40, "medium")],
            ESCALATE,
            Suspicious,
            40,
            "below the malicious",
        ),
        (
            "nor does it lift low confidence",
            vec![rec(1, "active", 10, "very-high")],
            ESCALATE,
            Unknown,
            10,
            "not evidence of innocence",
        ),
        (
            "an escalated active record beats falsepos",
            vec![rec(1, "falsepos", 80, "low"), rec(2, "active", 40, "high")],
            ESCALATE,
            Malicious,
            65,
            "This outweighs falsepos record 1",
        ),
        (
            "thresholds are options",
            vec![rec(1, "active", 70, "low")],
            STRICT,
            Suspicious,
            70,
            "at least the suspicious threshold of 50 but below the malicious threshold of 80",
        ),
        (
            "below a raised suspicious threshold",
            vec![rec(1, "active", 45, "low")],
            STRICT,
            Unknown,
            45,
            "below the suspicious threshold of 50",
        ),
    ];
    for (row, records, options, verdict, score, reason) in rows {
        let found = verdict_of(&records, options);
        assert_eq!(
            (found.verdict, found.score),
            (verdict, score),
            "{row}: {}",
            found.reason
        );
        assert!(found.reason.contains(reason), "{row}: {}", found.reason);
    }
}

#[test]
fn what_thresholds_compare_is_the_confidence_however_it_is_sent() {
    let as_text = record_of(json!({"id": " 7 ", "status": "active", "confidence": "90"}));
    let verdict = verdict_of([&as_text], DEFAULT);
    assert_eq!(verdict.verdict, Malicious);
    assert!(verdict.reason.starts_with("Active record 7 has"), "{}", verdict.reason);
    let fraction = record_of(json!({"status": "active", "confidence": 64.9}));
    assert_eq!(
        verdict_of([&fraction], DEFAULT).verdict,
        Suspicious,
        "never rounded up across a threshold"
    );
    for unknown in [json!(-1), json!(101), json!("n/a"), json!(null), json!(true)] {
        let odd = record_of(json!({"status": "active", "confidence": unknown}));
        let verdict = verdict_of([&odd], DEFAULT);
        assert_eq!((verdict.verdict, verdict.confidence), (Unknown, -1), "{unknown}");
    }
    let no_status = record_of(json!({"confidence": 70}));
    assert_eq!(
        verdict_of([&no_status], DEFAULT).verdict,
        Malicious,
        "no status is ThreatStream's default, active"
    );
}

#[test]
fn v1_records_are_judged_alike() {
    let v1 = record_of(
        json!({"id": 9, "srcip": "198.51.100.23", "state": "active", "confidence": "70",
        "severity": "high", "date_first": "2020-01-01T00:00:00", "date_last": "2020-02-01T00:00:00"}),
    );
    let verdict = verdict_of([&v1], DEFAULT);
    assert_eq!(verdict.verdict, Malicious);
    assert_eq!(verdict.severity, Some(Severity::High));
    assert_eq!(verdict.first_seen.as_deref(), Some("2020-01-01T00:00:00"));
    assert_eq!(verdict.last_seen.as_deref(), Some("2020-02-01T00:00:00"));
    let falsepos = record_of(json!({"state": "falsepos", "confidence": 90}));
    assert_eq!(verdict_of([&falsepos], DEFAULT).verdict, Benign);
}

#[test]
fn the_other_fields_describe_the_records_that_count() {
    let records = [
        record_of(
            json!({"id": 1, "status": "active", "confidence": 40, "meta": {"severity": "medium"},
            "threat_type": "c2", "itype": "c2_ip", "source": "B", "tags": [{"name": "zeus"}, {"name": "botnet"}],
            "created_ts": "2024-02-01T09:00:00.000Z", "modified_ts": "2024-02-21T09:00:00.000Z"}),
        ),
        record_of(
            json!({"id": 2, "status": "active", "confidence": 90, "meta": {"severity": "low"},
            "threat_type": "c2", "itype": "scan_ip", "source": "A", "tags": [{"name": "botnet"}, "plain"],
            "created_ts": "2024-01-01T09:00:00.000Z", "modified_ts": "2024-03-01T09:00:00.000Z"}),
        ),
        record_of(
            json!({"id": 3, "status": "inactive", "confidence": 99, "meta": {"severity": "very-high"},
            "threat_type": "apt", "itype": "apt_ip", "source": "C", "created_ts": "2020-01-01T00:00:00Z"}),
        ),
        record_of(json!({"id": 4, "status": "falsepos", "confidence": 5, "source": "D", "itype": "fp_ip"})),
    ];
    let verdict = verdict_of(&records, DEFAULT);
    let expected = json!({"verdict": "malicious", "score": 90, "confidence": 90, "severity": "medium",
        "threat_types": ["c2"], "itypes": ["c2_ip", "scan_ip"], "tags": ["botnet", "plain", "zeus"], "sources": 2,
        "first_seen": "2024-01-01T09:00:00.000Z", "last_seen": "2024-03-01T09:00:00.000Z",
        "matched_records": 4, "active_records": 2,
        "reason": "Active record 2 (A, scan_ip) has confidence 90, at least the malicious threshold of 65. \
                   This outweighs falsepos record 4 (D, fp_ip)."});
    assert_eq!(serde_json::to_value(&verdict).unwrap(), expected);
    let with_inactive = verdict_of(&records, INACTIVE);
    assert_eq!(
        (with_inactive.severity, with_inactive.sources, with_inactive.confidence),
        (Some(Severity::VeryHigh), 3, 99)
    );
    assert_eq!(with_inactive.first_seen.as_deref(), Some("2020-01-01T00:00:00Z"));
}

#[test]
fn no_record_serialises_without_the_fields_nothing_filled() {
    let verdict = serde_json::to_value(verdict_of([], DEFAULT)).unwrap();
    assert_eq!(
        verdict,
        json!({"verdict": "unknown", "score": 0, "confidence": -1, "threat_types": [], "itypes": [], "tags": [],
            "sources": 0, "matched_records": 0, "active_records": 0,
            "reason": "No ThreatStream record matches this observable."})
    );
}

#[test]
fn ties_go_to_the_older_record_whatever_the_order() {
    let (a, b) = (rec(10, "active", 80, "high"), rec(11, "active", 80, "high"));
    assert!(verdict_of([&a, &b], DEFAULT).reason.starts_with("Active record 10 "));
    assert!(verdict_of([&b, &a], DEFAULT).reason.starts_with("Active record 10 "));
}
