//! The legacy `/api/v1/intelligence/` object, rendered from a v2 record.
//!
//! v1 is flatter and older: the value sits under a type-specific key, status
//! is `state`, severity is top-level and `update_id` is a string. Plugins that
//! still call v1 must cope with exactly these differences.

use serde_json::{Map, Value};

/// The v1 key that carries the observable's value for a v2 `type`.
fn value_key(kind: &str) -> &'static str {
    match kind {
        "ip" | "ipv6" => "srcip",
        "url" => "url",
        "md5" => "md5",
        "domain" => "domain",
        "email" => "email",
        _ => "value",
    }
}

pub(crate) fn render(record: &Value) -> Value {
    let kind = record["type"].as_str().unwrap_or_default();
    let meta = &record["meta"];
    let mut out = Map::new();
    let mut put = |key: &str, value: &Value| {
        out.insert(key.to_owned(), value.clone());
    };
    put("id", &record["id"]);
    put(value_key(kind), &record["value"]);
    put("itype", &record["itype"]);
    put("severity", &meta["severity"]);
    put("confidence", &record["confidence"]);
    put("classification", &classification(record));
    for (v1, v2) in RENAMED {
        put(v1, &record[v2]);
    }
    put("detail2", &meta["detail2"]);
    put("maltype", &meta["maltype"]);
    put("update_id", &update_id(record));
    put("resource_uri", &resource_uri(record));
    Value::Object(out)
}

/// v1 name, v2 name, for fields that only changed name (or not even that).
const RENAMED: [(&str, &str); 11] = [
    ("country", "country"),
    ("org", "org"),
    ("asn", "asn"),
    ("lat", "latitude"),
    ("lon", "longitude"),
    ("date_first", "created_ts"),
    ("date_last", "modified_ts"),
    ("state", "status"),
    ("source", "source"),
    ("source_feed_id", "feed_id"),
    ("import_session_id", "import_session_id"),
];

fn classification(record: &Value) -> Value {
    let public = record["is_public"].as_bool().unwrap_or(false);
    Value::from(if public { "public" } else { "private" })
}

fn update_id(record: &Value) -> Value {
    match &record["update_id"] {
        Value::Null => Value::Null,
        Value::String(s) => Value::from(s.clone()),
        other => Value::from(other.to_string()),
    }
}

fn resource_uri(record: &Value) -> Value {
    Value::from(format!("/api/v1/intelligence/{}/", record["id"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_the_legacy_shape() {
        let v2 = json!({
            "id": 7, "value": "2001:db8::1", "type": "ipv6", "itype": "apt_ip", "confidence": 90,
            "is_public": false, "latitude": 1.5, "longitude": null, "created_ts": "a", "modified_ts": "b",
            "status": "active", "feed_id": 3, "update_id": 272_270_002,
            "meta": {"severity": "high", "detail2": "imported by user 121"}
        });
        let v1 = render(&v2);
        assert_eq!(v1["srcip"], "2001:db8::1");
        assert_eq!(v1["update_id"], "272270002");
        assert_eq!(v1["classification"], "private");
        assert_eq!(v1["state"], "active");
        assert_eq!(v1["lat"], 1.5);
        assert_eq!(v1["date_last"], "b");
        assert_eq!(v1["source_feed_id"], 3);
        assert_eq!(v1["severity"], "high");
        assert_eq!(v1["resource_uri"], "/api/v1/intelligence/7/");
        assert!(v1.get("value").is_none());
        assert!(v1.get("status").is_none());
    }
}
