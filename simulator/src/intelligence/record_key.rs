//! What searches filter and sort on, per record, worked out once.
//!
//! Looking keys up in 50,000 JSON maps on every request made the bulk
//! benchmark measure the simulator instead of the plugin, so each record's
//! searchable fields are extracted when the record is created or changed and
//! kept next to it (see [`crate::intelligence::store::RecordStore`]). Text is lower-cased
//! here because every filter compares case-insensitively; timestamps become
//! milliseconds so that offsets and precision do not matter.

use serde_json::Value;

use crate::timestamp;

pub(crate) struct RecordKey {
    /// Lower-cased.
    pub(crate) value: String,
    pub(crate) kind: String,
    pub(crate) id: u64,
    pub(crate) update_id: u64,
    /// Absent confidence sorts and compares as -1, ThreatStream's "unscored".
    pub(crate) confidence: i64,
    pub(crate) status: String,
    pub(crate) itype: String,
    pub(crate) threat_type: String,
    /// `meta.severity`, lower-cased; empty when the record has none.
    pub(crate) severity: String,
    pub(crate) source: String,
    pub(crate) tlp: String,
    /// Tag names, lower-cased.
    pub(crate) tags: Vec<String>,
    pub(crate) circles: Vec<u64>,
    pub(crate) created_ms: Option<i64>,
    pub(crate) modified_ms: Option<i64>,
    /// Held in ThreatStream's cloud, not on the instance (`remote_api: true`):
    /// seen only by requests that carry `remote_api=true`.
    pub(crate) remote: bool,
}

impl RecordKey {
    pub(crate) fn of(record: &Value) -> RecordKey {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_lowercase();
        let time = |field: &str| record[field].as_str().and_then(timestamp::parse);
        RecordKey {
            value: text(&record["value"]),
            kind: text(&record["type"]),
            id: number(&record["id"]).unwrap_or_default(),
            update_id: number(&record["update_id"]).unwrap_or_default(),
            confidence: record["confidence"].as_i64().unwrap_or(-1),
            status: text(&record["status"]),
            itype: text(&record["itype"]),
            threat_type: text(&record["threat_type"]),
            severity: text(&record["meta"]["severity"]),
            source: text(&record["source"]),
            tlp: text(&record["tlp"]),
            tags: tag_names(record),
            circles: circles(record),
            created_ms: time("created_ts"),
            modified_ms: time("modified_ts"),
            remote: record["remote_api"] == Value::Bool(true),
        }
    }
}

/// Numbers arrive as JSON numbers, but v1-era data has them as strings.
fn number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.parse().ok())
}

fn tag_names(record: &Value) -> Vec<String> {
    let Some(tags) = record["tags"].as_array() else {
        return Vec::new();
    };
    tags.iter()
        .filter_map(|tag| tag["name"].as_str())
        .map(str::to_lowercase)
        .collect()
}

fn circles(record: &Value) -> Vec<u64> {
    let Some(ids) = record["trusted_circle_ids"].as_array() else {
        return Vec::new();
    };
    ids.iter().filter_map(number).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_and_lowercases_what_filters_need() {
        let key = RecordKey::of(&json!({
            "id": 7, "update_id": "12", "value": "Evil-Domain.Example", "type": "domain", "status": "active",
            "tags": [{"id": "a", "name": "Botnet-C2"}], "trusted_circle_ids": [146],
            "modified_ts": "2024-03-05T11:02:17.000Z", "meta": {"severity": "Very-High"}
        }));
        assert_eq!((key.id, key.update_id), (7, 12));
        assert_eq!(key.value, "evil-domain.example");
        assert_eq!(key.severity, "very-high");
        assert_eq!(key.tags, ["botnet-c2"]);
        assert_eq!(key.circles, [146]);
        assert_eq!(key.confidence, -1);
        assert!(key.modified_ms.is_some() && key.created_ms.is_none());
    }
}
