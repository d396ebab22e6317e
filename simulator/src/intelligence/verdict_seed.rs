//! Seed records for verdict tests: for each observable type, one value per
//! verdict, so tests can rely on what a look-up finds.
//!
//! Every row below is one record (a value may have several); the table is
//! also [`VERDICT_RECORDS`], so a test can iterate it. "Meant as" is the
//! verdict the records are built to produce under the usual rules (highest
//! confidence among *active* records; > 65 malicious, > 25 suspicious;
//! `falsepos` means benign; -1 means unscored). [`UNKNOWN_VALUES`] have no
//! record at all.
//!
//! | value | type | meant as | status | conf. | meta.severity | itype | tags | source |
//! |---|---|---|---|---|---|---|---|---|
//! | `203.0.113.11` | ip | malicious | active | 90 | very-high | c2_ip | Emotet, botnet-c2 | Abuse.ch Feodo Tracker |
//! | `203.0.113.11` | ip | malicious | active | 35 | low | scan_ip | | Analyst |
//! | `203.0.113.12` | ip | suspicious | active | 40 | medium | scan_ip | scanner | AlienVault OTX |
//! | `203.0.113.13` | ip | benign | falsepos | 75 | low | c2_ip | | Analyst |
//! | `203.0.113.13` | ip | benign | inactive | 85 | high | c2_ip | | Abuse.ch Feodo Tracker |
//! | `203.0.113.14` | ip | unknown (low confidence) | active | 10 | low | scan_ip | | AlienVault OTX |
//! | `203.0.113.15` | ip | unscored | active | -1 | *(null)* | bot_ip | | Spamhaus DBL |
//! | `malware-drop.example` | domain | malicious | active | 90 | very-high | mal_domain | loader | Spamhaus DBL |
//! | `suspicious-login.example` | domain | suspicious | active | 40 | medium | phish_domain | | PhishTank |
//! | `benign-cdn.example` | domain | benign | falsepos | 70 | low | mal_domain | | Analyst |
//! | `benign-cdn.example` | domain | benign | inactive | 88 | high | mal_domain | | Spamhaus DBL |
//! | `low-signal.example` | domain | unknown (low confidence) | active | 10 | low | suspicious_domain | | AlienVault OTX |
//! | `unscored.example` | domain | unscored | active | -1 | *(null)* | parked_domain | | Spamhaus DBL |
//! | `xn--bcher-kva.example` (bücher.example) | domain | malicious | active | 92 | high | phish_domain | idn | PhishTank |
//! | `Evil-Domain.Example` | domain | malicious (with the seed file's `evil-domain.example`: 73 active, 12 falsepos) | active | 55 | medium | c2_domain | | AlienVault OTX |
//! | `http://malware-drop.example/dropper.exe` | url | malicious | active | 90 | high | mal_url | loader | VirusTotal Hunting |
//! | `http://suspicious-login.example/signin` | url | suspicious | active | 40 | medium | phish_url | | PhishTank |
//! | `https://benign-cdn.example/lib.js` | url | benign | falsepos | 60 | low | mal_url | | Analyst |
//! | `https://benign-cdn.example/lib.js` | url | benign | inactive | 80 | high | mal_url | | VirusTotal Hunting |
//! | `http://low-signal.example/ping` | url | unknown (low confidence) | active | 10 | low | suspicious_url | | AlienVault OTX |
//! | `http://unscored.example/` | url | unscored | active | -1 | *(null)* | mal_url | | Spamhaus DBL |
//! | `e99a18c428cb38d5f260853678922e03` | md5 (MD5) | malicious | active | 90 | very-high | mal_md5 | ransomware | VirusTotal Hunting |
//! | `5f4dcc3b5aa765d61d8327deb882cf99` | md5 (MD5) | suspicious | active | 40 | medium | mal_md5 | | AlienVault OTX |
//! | `d41d8cd98f00b204e9800998ecf8427e` | md5 (MD5) | benign | falsepos | 65 | low | mal_md5 | | Analyst |
//! | `d41d8cd98f00b204e9800998ecf8427e` | md5 (MD5) | benign | inactive | 90 | high | mal_md5 | | VirusTotal Hunting |
//! | `098f6bcd4621d373cade4e832627b4f6` | md5 (MD5) | unknown (low confidence) | active | 10 | low | mal_md5 | | AlienVault OTX |
//! | `25d55ad283aa400af464c76d713c07ad` | md5 (MD5) | unscored | active | -1 | *(null)* | mal_md5 | | VirusTotal Hunting |
//! | `ceo-fraud@malware-drop.example` | email | malicious | active | 90 | high | phish_email | bec | PhishTank |
//! | `it-support@suspicious-login.example` | email | suspicious | active | 40 | medium | suspicious_email | | PhishTank |
//! | `newsletter@benign-cdn.example` | email | benign | falsepos | 70 | low | spam_email | | Analyst |
//! | `newsletter@benign-cdn.example` | email | benign | inactive | 85 | high | spam_email | | Spamhaus DBL |
//! | `noreply@low-signal.example` | email | unknown (low confidence) | active | 10 | low | spam_email | | AlienVault OTX |
//! | `nobody@unscored.example` | email | unscored | active | -1 | *(null)* | spam_email | | Spamhaus DBL |
//! | `Phisher@Example.COM` | email | malicious (looked up as `phisher@example.com`) | active | 80 | high | phish_email | | PhishTank |
//!
//! Fixed details, the same for every row: ids are `500001001` up in table
//! order, `update_id`s `272600001` up; `created_ts` is `2024-02-01T09:00Z`
//! plus one hour per row and `modified_ts` twenty days later; inactive rows
//! expired ten days after `modified_ts`, the rest expire in 2099. Rows meant
//! as malicious are shared with trusted circle 146 and TLP amber; the others
//! have no circle and TLP green. Tags have TLP red.
//!
//! One row joins a value the plugin's tests look up, on purpose:
//! `Evil-Domain.Example` is a third record of the seed file's
//! `evil-domain.example` (two records), stored in other letter case, so a
//! look-up of that domain finds it whatever the case (those tests expect the
//! three). No other value here is a prefix of, or starts with, a value the
//! existing tests look up, so the loose `value=` filter returns those tests
//! exactly what it did before this table existed.

use serde_json::{json, Value};

use crate::intelligence::observable_record::Draft;
use crate::intelligence::observables::classify;
use crate::timestamp;

/// One seeded record; see the module table.
#[derive(Clone, Copy, Debug)]
pub struct VerdictRecord {
    pub value: &'static str,
    /// The v2 `type`: `ip`, `domain`, `url`, `md5` or `email`.
    pub kind: &'static str,
    /// The verdict the value's records are built to produce.
    pub meant_as: &'static str,
    pub status: &'static str,
    pub confidence: i64,
    /// `meta.severity`; `None` is stored as null.
    pub severity: Option<&'static str>,
    pub itype: &'static str,
    pub tags: &'static [&'static str],
    pub source: &'static str,
}

const MALICIOUS: &str = "malicious";
const SUSPICIOUS: &str = "suspicious";
const BENIGN: &str = "benign";
const LOW: &str = "unknown (low confidence)";
const UNSCORED: &str = "unscored";

#[allow(clippy::too_many_arguments)]
const fn row(
    value: &'static str,
    kind: &'static str,
    meant_as: &'static str,
    status: &'static str,
    confidence: i64,
    severity: Option<&'static str>,
    itype: &'static str,
    tags: &'static [&'static str],
    source: &'static str,
) -> VerdictRecord {
    VerdictRecord {
        value,
        kind,
        meant_as,
        status,
        confidence,
        severity,
        itype,
        tags,
        source,
    }
}

const VH: Option<&str> = Some("very-high");
const HI: Option<&str> = Some("high");
const MED: Option<&str> = Some("medium");
const LO: Option<&str> = Some("low");

/// The module table, row for row.
#[rustfmt::skip]
pub const VERDICT_RECORDS: [VerdictRecord; 34] = [
    row("203.0.113.11", "ip", MALICIOUS, "active", 90, VH, "c2_ip", &["Emotet", "botnet-c2"], "Abuse.ch Feodo Tracker"),
    row("203.0.113.11", "ip", MALICIOUS, "active", 35, LO, "scan_ip", &[], "Analyst"),
    row("203.0.113.12", "ip", SUSPICIOUS, "active", 40, MED, "scan_ip", &["scanner"], "AlienVault OTX"),
    row("203.0.113.13", "ip", BENIGN, "falsepos", 75, LO, "c2_ip", &[], "Analyst"),
    row("203.0.113.13", "ip", BENIGN, "inactive", 85, HI, "c2_ip", &[], "Abuse.ch Feodo Tracker"),
    row("203.0.113.14", "ip", LOW, "active", 10, LO, "scan_ip", &[], "AlienVault OTX"),
    row("203.0.113.15", "ip", UNSCORED, "active", -1, None, "bot_ip", &[], "Spamhaus DBL"),
    row("malware-drop.example", "domain", MALICIOUS, "active", 90, VH, "mal_domain", &["loader"], "Spamhaus DBL"),
    row("suspicious-login.example", "domain", SUSPICIOUS, "active", 40, MED, "phish_domain", &[], "PhishTank"),
    row("benign-cdn.example", "domain", BENIGN, "falsepos", 70, LO, "mal_domain", &[], "Analyst"),
    row("benign-cdn.example", "domain", BENIGN, "inactive", 88, HI, "mal_domain", &[], "Spamhaus DBL"),
    row("low-signal.example", "domain", LOW, "active", 10, LO, "suspicious_domain", &[], "AlienVault OTX"),
    row("unscored.example", "domain", UNSCORED, "active", -1, None, "parked_domain", &[], "Spamhaus DBL"),
    row("xn--bcher-kva.example", "domain", MALICIOUS, "active", 92, HI, "phish_domain", &["idn"], "PhishTank"),
    row("Evil-Domain.Example", "domain", MALICIOUS, "active", 55, MED, "c2_domain", &[], "AlienVault OTX"),
    row("http://malware-drop.example/dropper.exe", "url", MALICIOUS, "active", 90, HI, "mal_url", &["loader"], "VirusTotal Hunting"),
    row("http://suspicious-login.example/signin", "url", SUSPICIOUS, "active", 40, MED, "phish_url", &[], "PhishTank"),
    row("https://benign-cdn.example/lib.js", "url", BENIGN, "falsepos", 60, LO, "mal_url", &[], "Analyst"),
    row("https://benign-cdn.example/lib.js", "url", BENIGN, "inactive", 80, HI, "mal_url", &[], "VirusTotal Hunting"),
    row("http://low-signal.example/ping", "url", LOW, "active", 10, LO, "suspicious_url", &[], "AlienVault OTX"),
    row("http://unscored.example/", "url", UNSCORED, "active", -1, None, "mal_url", &[], "Spamhaus DBL"),
    row("e99a18c428cb38d5f260853678922e03", "md5", MALICIOUS, "active", 90, VH, "mal_md5", &["ransomware"], "VirusTotal Hunting"),
    row("5f4dcc3b5aa765d61d8327deb882cf99", "md5", SUSPICIOUS, "active", 40, MED, "mal_md5", &[], "AlienVault OTX"),
    row("d41d8cd98f00b204e9800998ecf8427e", "md5", BENIGN, "falsepos", 65, LO, "mal_md5", &[], "Analyst"),
    row("d41d8cd98f00b204e9800998ecf8427e", "md5", BENIGN, "inactive", 90, HI, "mal_md5", &[], "VirusTotal Hunting"),
    row("098f6bcd4621d373cade4e832627b4f6", "md5", LOW, "active", 10, LO, "mal_md5", &[], "AlienVault OTX"),
    row("25d55ad283aa400af464c76d713c07ad", "md5", UNSCORED, "active", -1, None, "mal_md5", &[], "VirusTotal Hunting"),
    row("ceo-fraud@malware-drop.example", "email", MALICIOUS, "active", 90, HI, "phish_email", &["bec"], "PhishTank"),
    row("it-support@suspicious-login.example", "email", SUSPICIOUS, "active", 40, MED, "suspicious_email", &[], "PhishTank"),
    row("newsletter@benign-cdn.example", "email", BENIGN, "falsepos", 70, LO, "spam_email", &[], "Analyst"),
    row("newsletter@benign-cdn.example", "email", BENIGN, "inactive", 85, HI, "spam_email", &[], "Spamhaus DBL"),
    row("noreply@low-signal.example", "email", LOW, "active", 10, LO, "spam_email", &[], "AlienVault OTX"),
    row("nobody@unscored.example", "email", UNSCORED, "active", -1, None, "spam_email", &[], "Spamhaus DBL"),
    row("Phisher@Example.COM", "email", MALICIOUS, "active", 80, HI, "phish_email", &[], "PhishTank"),
];

/// One value per type that no record has: `(type, value)`.
pub const UNKNOWN_VALUES: [(&str, &str); 5] = [
    ("ip", "203.0.113.99"),
    ("domain", "never-seen.example"),
    ("url", "http://never-seen.example/"),
    ("md5", "ffffffffffffffffffffffffffffffff"),
    ("email", "nobody@never-seen.example"),
];

const FIRST_ID: u64 = 500_001_001;
const FIRST_UPDATE_ID: u64 = 272_600_001;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const TRUSTED_CIRCLE: u64 = 146;

/// The feeds the table's sources stand for.
fn feed_id(source: &str) -> u64 {
    match source {
        "Abuse.ch Feodo Tracker" => 3412,
        "Spamhaus DBL" => 1190,
        "PhishTank" => 2101,
        "VirusTotal Hunting" => 2980,
        "AlienVault OTX" => 2733,
        _ => 0,
    }
}

/// The table as v2 records.
pub(crate) fn records() -> Vec<Value> {
    let start = timestamp::parse("2024-02-01T09:00:00Z").unwrap_or_default();
    let mut tag_number = 0;
    let mut records = Vec::new();
    for (n, row) in (0_u64..).zip(VERDICT_RECORDS.iter()) {
        let created = start + i64::try_from(n).unwrap_or_default() * HOUR_MS;
        // Fixed three-character tag ids, like the seed file's, keep snapshots stable.
        let tags = row
            .tags
            .iter()
            .map(|name| {
                tag_number += 1;
                json!({"id": format!("v{:02}", tag_number - 1), "name": name, "tlp": "red"})
            })
            .collect();
        records.push(draft(row, created).render(FIRST_ID + n, FIRST_UPDATE_ID + n, tags, 0));
    }
    records
}

fn draft(row: &VerdictRecord, created_ms: i64) -> Draft {
    // The unit tests check that every value classifies as its `kind`.
    let kind = classify(row.value).unwrap_or(crate::intelligence::observables::ObservableKind::Domain);
    let mut draft = Draft::new(row.value, kind, row.itype);
    let modified_ms = created_ms + 20 * DAY_MS;
    let malicious = row.meant_as == MALICIOUS;
    draft.status = row.status.to_owned();
    draft.confidence = row.confidence;
    draft.severity = row.severity.map(str::to_owned);
    draft.source = row.source.to_owned();
    draft.feed_id = feed_id(row.source);
    draft.is_public = true;
    draft.tlp = Some(if malicious { "amber" } else { "green" }.to_owned());
    draft.trusted_circle_ids = if malicious { vec![TRUSTED_CIRCLE] } else { Vec::new() };
    draft.created_ts = Some(timestamp::format_ms(created_ms));
    draft.modified_ts = Some(timestamp::format_ms(modified_ms));
    let expires = if row.status == "inactive" {
        modified_ms + 10 * DAY_MS
    } else {
        FAR_FUTURE_MS
    };
    draft.expiration_ts = Some(timestamp::format_ms(expires));
    if row.status == "falsepos" {
        "false positive: verified benign".clone_into(&mut draft.detail2);
    }
    draft
}

/// 2099-01-01T00:00:00Z.
const FAR_FUTURE_MS: i64 = 4_070_908_800_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_classifies_as_its_type_and_unknowns_have_no_record() {
        for row in &VERDICT_RECORDS {
            let kind = classify(row.value).map(|kind| kind.type_name());
            assert_eq!(kind, Some(row.kind), "{}", row.value);
        }
        for (kind, value) in UNKNOWN_VALUES {
            assert_eq!(classify(value).map(|k| k.type_name()), Some(kind), "{value}");
            let lower = value.to_lowercase();
            assert!(
                VERDICT_RECORDS
                    .iter()
                    .all(|row| !row.value.to_lowercase().starts_with(&lower)),
                "{value}"
            );
        }
    }

    #[test]
    fn records_carry_the_table_and_fixed_details() {
        let records = records();
        assert_eq!(records.len(), VERDICT_RECORDS.len());
        let first = &records[0];
        assert_eq!(
            (first["id"].as_u64(), first["update_id"].as_u64()),
            (Some(FIRST_ID), Some(FIRST_UPDATE_ID))
        );
        assert_eq!(
            first["tags"][1],
            json!({"id": "v01", "name": "botnet-c2", "tlp": "red"})
        );
        assert_eq!(first["trusted_circle_ids"], json!([146]));
        assert_eq!(first["created_ts"], "2024-02-01T09:00:00.000Z");
        assert_eq!(first["modified_ts"], "2024-02-21T09:00:00.000Z");
        assert_eq!(first["expiration_ts"], "2099-01-01T00:00:00.000Z");
        let unscored = records.iter().find(|r| r["value"] == "203.0.113.15").expect("seeded");
        assert!(unscored["meta"]["severity"].is_null());
        assert_eq!(unscored["confidence"], -1);
        let inactive = records.iter().find(|r| r["status"] == "inactive").expect("seeded");
        assert_eq!(inactive["expiration_ts"], "2024-03-02T13:00:00.000Z");
        let hash = records.iter().find(|r| r["type"] == "md5").expect("seeded");
        assert_eq!(hash["subtype"], "MD5");
    }
}
