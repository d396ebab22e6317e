//! The intelligence the simulator starts with: hand-written records from
//! `data/intelligence.json` that tests name by value, the verdict table of
//! [`crate::intelligence::verdict_seed`], then many generated copies of one IP so that
//! paging has something to page through. The bench's synthetic data
//! ([`crate::intelligence::synthetic`]) is added on top when asked for.

use serde_json::{json, Value};

use crate::intelligence::verdict_seed;

/// The IP whose records are generated at start-up.
pub(crate) const BULK_VALUE: &str = "203.0.113.77";

/// Above every seed id, so generated ids never collide with them.
const BULK_FIRST_ID: u64 = 600_000_000;
const BULK_FIRST_UPDATE_ID: u64 = 280_000_000;

const SEED: &str = include_str!("../../data/intelligence.json");

/// Several feeds report the same IP in real tenants; varying the source and
/// itype keeps a plugin from assuming one record per value.
const BULK_SOURCES: [(&str, u64, &str, &str); 5] = [
    ("Emerging Threats - Compromised", 1544, "scan_ip", "scan"),
    ("Abuse.ch Feodo Tracker", 3412, "c2_ip", "c2"),
    ("Spamhaus DROP", 1190, "spam_ip", "spam"),
    ("AlienVault OTX", 2733, "brute_ip", "brute"),
    ("Analyst Submission", 0, "bot_ip", "bot"),
];

/// Seed file, verdict table, then `bulk` generated records.
pub(crate) fn records(bulk: usize) -> Vec<Value> {
    let mut records = seed();
    records.extend(verdict_seed::records());
    records.extend((0..bulk as u64).map(bulk_record));
    records
}

fn seed() -> Vec<Value> {
    // The file is compiled in and a unit test parses it, so this cannot fail
    // in a build whose tests passed.
    serde_json::from_str(SEED).expect("data/intelligence.json is a JSON array of records")
}

fn bulk_record(n: u64) -> Value {
    let id = BULK_FIRST_ID + n;
    let (source, feed_id, itype, threat_type) = BULK_SOURCES[(n % 5) as usize];
    let created = timestamp(n);
    json!({
        "id": id,
        "uuid": format!("00000000-0000-4000-8000-{id:012x}"),
        "value": BULK_VALUE,
        "type": "ip",
        "itype": itype,
        "threat_type": threat_type,
        "status": if n % 7 == 0 { "inactive" } else { "active" },
        "confidence": 30 + (n * 7) % 70,
        "source_reported_confidence": -1,
        "retina_confidence": 20 + (n * 11) % 80,
        "source": source,
        "feed_id": feed_id,
        "owner_organization_id": 2,
        "import_session_id": null,
        "ip": BULK_VALUE,
        "asn": if n % 3 == 0 { "" } else { "64505" },
        "org": "Bulk Scanner Co.",
        "country": "SG",
        "latitude": 1.2897,
        "longitude": 103.8501,
        "created_ts": created,
        "modified_ts": created,
        "expiration_ts": "2099-01-01T00:00:00.000Z",
        "update_id": BULK_FIRST_UPDATE_ID + n,
        "resource_uri": format!("/api/v2/intelligence/{id}/"),
        "tags": [],
        "trusted_circle_ids": null,
        "tlp": "white",
        "is_public": true,
        "description": null,
        "meta": {"detail2": "imported by user 121", "severity": "low", "maltype": null}
    })
}

/// One record a minute from 2024-01-01, wrapping after 28 days: plausible,
/// and needs no calendar.
fn timestamp(n: u64) -> String {
    let minutes = n % (28 * 24 * 60);
    let (day, hour, minute) = (1 + minutes / 1440, (minutes / 60) % 24, minutes % 60);
    format!("2024-01-{day:02}T{hour:02}:{minute:02}:00.000Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seed_file_parses_and_ids_are_unique() {
        let all = records(2500);
        assert_eq!(all.len(), seed().len() + verdict_seed::VERDICT_RECORDS.len() + 2500);
        let ids: HashSet<u64> = all.iter().filter_map(|r| r["id"].as_u64()).collect();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn hashes_are_stored_as_md5_type_in_lower_case() {
        for record in seed().iter().filter(|r| r["type"] == "md5") {
            let value = record["value"].as_str().unwrap_or_default();
            assert_eq!(value, value.to_lowercase());
            assert!(record["subtype"].is_string());
        }
    }

    /// What the plugin's tests look up, by the loose prefix filter: the
    /// verdict table must not add a single record to any of these.
    const LOOKED_UP: [&str; 9] = [
        "198.51.100.23",
        "198.51.100.230",
        "203.0.113.77",
        "192.0.2.200",
        "2001:db8::bad:c0de",
        "http://malicious.example.net/payload.exe",
        "44d88612fea8a8f36de82e1278abb02f",
        "3395856ce81f2b7382dee72602f798b642f14140",
        "phisher@example.org",
    ];

    #[test]
    fn the_verdict_table_changes_no_existing_lookup() {
        for looked_up in LOOKED_UP {
            let hits = verdict_seed::records()
                .into_iter()
                .filter(|r| {
                    r["value"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                        .starts_with(looked_up)
                })
                .count();
            assert_eq!(hits, 0, "{looked_up}");
        }
    }

    #[test]
    fn timestamps_stay_in_january() {
        assert_eq!(timestamp(0), "2024-01-01T00:00:00.000Z");
        assert_eq!(timestamp(28 * 24 * 60 - 1), "2024-01-28T23:59:00.000Z");
    }
}
