//! A new observable before it is stored ([`Draft`]), and the v2 record it
//! becomes.
//!
//! Imports (approved or not), the feed, the bench's synthetic data and the
//! verdict seed all create records; going through one builder keeps their
//! shape identical to the hand-written seed file, field order included, so a
//! plugin cannot tell a created record from a seeded one.

use serde_json::{json, Value};

use crate::intelligence::observables::ObservableKind;
use crate::timestamp;

/// `meta.severity`'s values, lowest first.
pub(crate) const SEVERITIES: [&str; 4] = ["low", "medium", "high", "very-high"];

/// ThreatStream's default lifetime for an imported observable.
const DEFAULT_EXPIRY_MS: i64 = 90 * 86_400_000;

/// The organisation every simulated record belongs to.
pub(crate) const OWNER_ORGANIZATION_ID: u64 = 2;

/// A tag as clients send it: `{"name", "tlp"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TagSpec {
    pub(crate) name: String,
    pub(crate) tlp: Option<String>,
}

impl TagSpec {
    /// `{"name": "x", "tlp": "red"}`; `None` without a non-empty name.
    pub(crate) fn from_json(value: &Value) -> Option<TagSpec> {
        let name = value["name"].as_str().map(str::trim).filter(|name| !name.is_empty())?;
        Some(TagSpec {
            name: name.to_owned(),
            tlp: value["tlp"].as_str().map(str::to_owned),
        })
    }
}

/// Everything a client or generator decides about a new record; the store
/// adds ids, `update_id` and, unless fixed here, the timestamps.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub(crate) value: String,
    pub(crate) kind: ObservableKind,
    pub(crate) itype: String,
    pub(crate) status: String,
    pub(crate) confidence: i64,
    pub(crate) severity: Option<String>,
    pub(crate) tags: Vec<TagSpec>,
    pub(crate) tlp: Option<String>,
    pub(crate) is_public: bool,
    pub(crate) expiration_ts: Option<String>,
    pub(crate) trusted_circle_ids: Vec<u64>,
    pub(crate) source: String,
    pub(crate) feed_id: u64,
    pub(crate) import_session_id: Option<u64>,
    pub(crate) description: Option<String>,
    pub(crate) detail2: String,
    /// Fixed times for seed data; `None` means "now".
    pub(crate) created_ts: Option<String>,
    pub(crate) modified_ts: Option<String>,
}

impl Draft {
    /// An active, private, medium-confidence observable submitted by an analyst.
    pub(crate) fn new(value: &str, kind: ObservableKind, itype: &str) -> Draft {
        // Hashes are stored lower-case whatever was submitted; other values keep their case.
        let value = match kind {
            ObservableKind::Hash(_) => value.to_ascii_lowercase(),
            _ => value.to_owned(),
        };
        Draft {
            value,
            kind,
            itype: itype.to_owned(),
            status: "active".to_owned(),
            confidence: 50,
            severity: Some("low".to_owned()),
            tags: Vec::new(),
            tlp: None,
            is_public: false,
            expiration_ts: None,
            trusted_circle_ids: Vec::new(),
            source: "Analyst".to_owned(),
            feed_id: 0,
            import_session_id: None,
            description: None,
            detail2: "imported by user 121".to_owned(),
            created_ts: None,
            modified_ts: None,
        }
    }

    /// The v2 record, with the identity the store assigned.
    pub(crate) fn render(&self, id: u64, update_id: u64, tags: Vec<Value>, now_ms: i64) -> Value {
        let now = timestamp::format_ms(now_ms);
        let created = self.created_ts.clone().unwrap_or_else(|| now.clone());
        let modified = self.modified_ts.clone().unwrap_or(now);
        let expiration = self.expiration_ts.clone().unwrap_or_else(|| {
            let base = timestamp::parse(&modified).unwrap_or(now_ms);
            timestamp::format_ms(base + DEFAULT_EXPIRY_MS)
        });
        let mut record = json!({
            "id": id,
            "uuid": format!("00000000-0000-4000-8000-{id:012x}"),
            "value": self.value,
            "type": self.kind.type_name(),
        });
        if let Some(subtype) = self.kind.subtype() {
            record["subtype"] = Value::from(subtype);
        }
        let rest = json!({
            "itype": self.itype,
            "threat_type": threat_type_of(&self.itype),
            "status": self.status,
            "confidence": self.confidence,
            "source_reported_confidence": -1,
            "retina_confidence": -1,
            "source": self.source,
            "feed_id": self.feed_id,
            "owner_organization_id": OWNER_ORGANIZATION_ID,
            "import_session_id": self.import_session_id,
            "ip": self.resolved_ip(),
            "asn": "",
            "org": "",
            "country": null,
            "latitude": null,
            "longitude": null,
            "created_ts": created,
            "modified_ts": modified,
            "expiration_ts": expiration,
            "update_id": update_id,
            "resource_uri": format!("/api/v2/intelligence/{id}/"),
            "tags": tags,
            "trusted_circle_ids": (!self.trusted_circle_ids.is_empty()).then_some(&self.trusted_circle_ids),
            "tlp": self.tlp,
            "is_public": self.is_public,
            "description": self.description,
            "meta": {"detail2": self.detail2, "severity": self.severity, "maltype": null},
        });
        if let (Some(target), Value::Object(fields)) = (record.as_object_mut(), rest) {
            target.extend(fields);
        }
        record
    }

    /// Only addresses resolve to themselves; the simulator resolves no names.
    fn resolved_ip(&self) -> Option<&str> {
        matches!(self.kind, ObservableKind::Ip | ObservableKind::Ipv6).then_some(self.value.as_str())
    }
}

/// `threat_type` from an itype: `mal_domain` is `malware`, `c2_ip` is `c2`.
pub(crate) fn threat_type_of(itype: &str) -> String {
    match itype.rsplit_once('_').map_or(itype, |(prefix, _)| prefix) {
        "mal" => "malware".to_owned(),
        other => other.to_owned(),
    }
}

/// The itype ThreatStream would give an observable from a threat type:
/// `malware` + domain is `mal_domain`. No threat type means malware.
pub(crate) fn itype_for(threat_type: Option<&str>, kind: ObservableKind) -> String {
    let prefix = match threat_type.map(str::trim).filter(|t| !t.is_empty()) {
        None | Some("malware") => "mal",
        Some(other) => other,
    };
    format!("{prefix}_{}", kind.itype_suffix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_seed_files_shape() {
        let mut draft = Draft::new(
            "AbC0000000000000000000000000000F",
            ObservableKind::Hash("MD5"),
            "apt_md5",
        );
        draft.modified_ts = Some("2024-01-01T00:00:00.000Z".to_owned());
        let record = draft.render(7, 9, vec![json!({"id": "t1", "name": "x"})], 0);
        let keys: Vec<&str> = record
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(&keys[..6], ["id", "uuid", "value", "type", "subtype", "itype"]);
        assert_eq!(record["value"], "abc0000000000000000000000000000f");
        assert_eq!(record["threat_type"], "apt");
        assert_eq!(record["created_ts"], "1970-01-01T00:00:00.000Z");
        assert_eq!(record["expiration_ts"], "2024-03-31T00:00:00.000Z");
        assert_eq!(record["resource_uri"], "/api/v2/intelligence/7/");
        assert_eq!(record["meta"]["severity"], "low");
        assert!(record["trusted_circle_ids"].is_null() && record["ip"].is_null());
    }

    #[test]
    fn itypes_and_threat_types_map_both_ways() {
        assert_eq!(itype_for(Some("c2"), ObservableKind::Ipv6), "c2_ip");
        assert_eq!(itype_for(None, ObservableKind::Domain), "mal_domain");
        assert_eq!(itype_for(Some(" "), ObservableKind::Email), "mal_email");
        assert_eq!(threat_type_of("mal_url"), "malware");
        assert_eq!(threat_type_of("phish_email"), "phish");
        assert_eq!(threat_type_of("tor"), "tor");
    }
}
