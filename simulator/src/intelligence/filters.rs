//! What a search keeps, as one expression over [`RecordKey`]s, whether it
//! came from query parameters (reference §1.4) or the `q` language.
//!
//! Query parameters, all ANDed (unknown ones are ignored, as ThreatStream
//! ignores misspelled filters):
//! - `value` (also `value__startswith`): case-insensitive prefix, on purpose
//!   as loose as the real one; `value__contains`.
//! - comma lists matched case-insensitively: `type` (`hash` means `md5`),
//!   `itype`, `status`, `threat_type`, `meta.severity`, `tags.name` (or
//!   `tags`), `source`, `tlp`; `field__in` means the same as `field`.
//! - `trustedcircles` / `trusted_circle_ids`: any circle in the comma list.
//! - numbers, with `__gt`, `__gte`, `__lt`, `__lte`: `confidence`, `id`,
//!   `update_id` (a plain `id=` takes a comma list).
//! - timestamps, with the same suffixes: `created_ts`, `modified_ts`.
//! - `q`: see [`crate::intelligence::query_language`].
//!
//! v1 knows only its legacy filters: `value`, and `ip` (ip and ipv6), `url`,
//! `md5`, `domain`, `email`, each a prefix match restricted to its types.

use crate::intelligence::query_language;
use crate::intelligence::record_key::RecordKey;
use crate::intelligence::search::ApiVersion;
use crate::timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Comparison {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Comparison {
    fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Ne => left != right,
            Comparison::Gt => left > right,
            Comparison::Gte => left >= right,
            Comparison::Lt => left < right,
            Comparison::Lte => left <= right,
        }
    }

    /// A Tastypie lookup suffix: `gt` in `confidence__gt`.
    fn from_suffix(suffix: &str) -> Option<Comparison> {
        match suffix {
            "gt" => Some(Comparison::Gt),
            "gte" => Some(Comparison::Gte),
            "lt" => Some(Comparison::Lt),
            "lte" => Some(Comparison::Lte),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextField {
    Kind,
    Itype,
    Status,
    ThreatType,
    Severity,
    Source,
    Tlp,
    Tag,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumberField {
    Confidence,
    Id,
    UpdateId,
    Created,
    Modified,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    ValuePrefix(String),
    ValueContains(String),
    /// Any of these (lower-cased) values.
    Text(TextField, Vec<String>),
    Number(NumberField, Comparison, i64),
    Circles(Vec<u64>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Test(Condition),
}

impl Expr {
    pub(crate) fn accepts(&self, key: &RecordKey) -> bool {
        match self {
            Expr::All(parts) => parts.iter().all(|part| part.accepts(key)),
            Expr::Any(parts) => parts.iter().any(|part| part.accepts(key)),
            Expr::Not(inner) => !inner.accepts(key),
            Expr::Test(condition) => condition.accepts(key),
        }
    }
}

impl Condition {
    fn accepts(&self, key: &RecordKey) -> bool {
        match self {
            Condition::ValuePrefix(prefix) => key.value.starts_with(prefix.as_str()),
            Condition::ValueContains(part) => key.value.contains(part.as_str()),
            Condition::Text(TextField::Tag, names) => key.tags.iter().any(|tag| names.contains(tag)),
            Condition::Text(field, wanted) => wanted.iter().any(|w| w == text_of(key, *field)),
            Condition::Number(field, comparison, bound) => {
                number_of(key, *field).is_some_and(|n| comparison.holds(n, *bound))
            }
            Condition::Circles(circles) => key.circles.iter().any(|circle| circles.contains(circle)),
        }
    }
}

fn text_of(key: &RecordKey, field: TextField) -> &str {
    match field {
        TextField::Kind => &key.kind,
        TextField::Itype => &key.itype,
        TextField::Status => &key.status,
        TextField::ThreatType => &key.threat_type,
        TextField::Severity => &key.severity,
        TextField::Source => &key.source,
        TextField::Tlp => &key.tlp,
        TextField::Tag => "",
    }
}

/// Timestamps as milliseconds; a record without one matches no comparison.
fn number_of(key: &RecordKey, field: NumberField) -> Option<i64> {
    match field {
        NumberField::Confidence => Some(key.confidence),
        NumberField::Id => i64::try_from(key.id).ok(),
        NumberField::UpdateId => i64::try_from(key.update_id).ok(),
        NumberField::Created => key.created_ms,
        NumberField::Modified => key.modified_ms,
    }
}

/// A field by the name clients use, in parameters and in `q`.
pub(crate) enum Field {
    Value,
    Text(TextField),
    Number(NumberField),
    Circles,
}

pub(crate) fn field(name: &str) -> Option<Field> {
    let text = |field| Some(Field::Text(field));
    let number = |field| Some(Field::Number(field));
    match name {
        "value" => Some(Field::Value),
        "type" => text(TextField::Kind),
        "itype" => text(TextField::Itype),
        "status" => text(TextField::Status),
        "threat_type" => text(TextField::ThreatType),
        "meta.severity" | "severity" => text(TextField::Severity),
        "source" => text(TextField::Source),
        "tlp" => text(TextField::Tlp),
        "tags" | "tags.name" => text(TextField::Tag),
        "confidence" => number(NumberField::Confidence),
        "id" => number(NumberField::Id),
        "update_id" => number(NumberField::UpdateId),
        "created_ts" => number(NumberField::Created),
        "modified_ts" => number(NumberField::Modified),
        "trustedcircles" | "trusted_circle_ids" => Some(Field::Circles),
        _ => None,
    }
}

/// The bound of a comparison on `field`: timestamps become milliseconds.
pub(crate) fn bound(field: NumberField, name: &str, raw: &str) -> Result<i64, String> {
    let parsed = match field {
        NumberField::Created | NumberField::Modified => timestamp::parse(raw),
        _ => raw.trim().parse().ok(),
    };
    parsed.ok_or_else(|| format!("Invalid value for '{name}': '{raw}'."))
}

/// Text as every text filter compares it: lower case, and `hash` for `md5`.
pub(crate) fn text_value(field: TextField, raw: &str) -> String {
    let lower = raw.trim().to_lowercase();
    if field == TextField::Kind && lower == "hash" {
        "md5".to_owned()
    } else {
        lower
    }
}

/// Every filter in the query, ANDed; `Err` is the 400 message.
pub(crate) fn from_query(pairs: &[(String, String)], version: ApiVersion) -> Result<Expr, String> {
    let mut parts = Vec::new();
    for (key, raw) in pairs {
        let part = match version {
            ApiVersion::V1 => legacy(key, raw),
            ApiVersion::V2 => parameter(key, raw)?,
        };
        parts.extend(part);
    }
    Ok(Expr::All(parts))
}

fn legacy(key: &str, raw: &str) -> Option<Expr> {
    let prefix = Expr::Test(Condition::ValuePrefix(raw.to_lowercase()));
    let types: &[&str] = match key {
        "value" => return Some(prefix),
        "ip" => &["ip", "ipv6"],
        "url" => &["url"],
        "md5" => &["md5"],
        "domain" => &["domain"],
        "email" => &["email"],
        _ => return None,
    };
    let kinds = types.iter().map(|t| (*t).to_owned()).collect();
    Some(Expr::All(vec![
        prefix,
        Expr::Test(Condition::Text(TextField::Kind, kinds)),
    ]))
}

fn parameter(key: &str, raw: &str) -> Result<Option<Expr>, String> {
    if key == "q" {
        return query_language::parse(raw).map(Some);
    }
    // An empty filter filters nothing, rather than everything.
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let (name, comparison) = match key.rsplit_once("__") {
        // `status__in=a,b` is the Tastypie spelling of `status=a,b`.
        Some((name, "in")) => (name, None),
        Some((name, suffix)) => match Comparison::from_suffix(suffix) {
            Some(comparison) => (name, Some(comparison)),
            None => return Ok(value_lookup(name, suffix, raw)),
        },
        None => (key, None),
    };
    let condition = match (field(name), comparison) {
        (Some(Field::Number(field)), Some(comparison)) => Condition::Number(field, comparison, bound(field, key, raw)?),
        (Some(Field::Number(field)), None) => return numbers_in(field, key, raw).map(Some),
        (_, Some(_)) | (None, None) => return Ok(None),
        (Some(Field::Value), None) => Condition::ValuePrefix(raw.to_lowercase()),
        (Some(Field::Text(field)), None) => Condition::Text(field, list(raw).map(|v| text_value(field, v)).collect()),
        (Some(Field::Circles), None) => Condition::Circles(list(raw).filter_map(|id| id.parse().ok()).collect()),
    };
    Ok(Some(Expr::Test(condition)))
}

/// `value__startswith`, `value__contains`; other lookups are ignored.
fn value_lookup(name: &str, suffix: &str, raw: &str) -> Option<Expr> {
    match (name, suffix) {
        ("value", "startswith") => Some(Expr::Test(Condition::ValuePrefix(raw.to_lowercase()))),
        ("value", "contains") => Some(Expr::Test(Condition::ValueContains(raw.to_lowercase()))),
        _ => None,
    }
}

/// `id=1,2`: any of the listed numbers.
fn numbers_in(field: NumberField, key: &str, raw: &str) -> Result<Expr, String> {
    let tests = list(raw)
        .map(|item| bound(field, key, item).map(|n| Expr::Test(Condition::Number(field, Comparison::Eq, n))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Expr::Any(tests))
}

fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|item| !item.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn key() -> RecordKey {
        RecordKey::of(&json!({
            "id": 9, "update_id": 500, "value": "203.0.113.11", "type": "ip", "itype": "c2_ip", "status": "active",
            "confidence": 90, "tags": [{"name": "Emotet"}], "trusted_circle_ids": [146],
            "modified_ts": "2024-03-01T00:00:00.000Z", "meta": {"severity": "very-high"}
        }))
    }

    fn accepts(query: &[(&str, &str)]) -> bool {
        from_query(&pairs(query), ApiVersion::V2)
            .expect("valid")
            .accepts(&key())
    }

    #[test]
    fn parameters_filter_like_threatstream() {
        assert!(accepts(&[
            ("value", "203.0.113.1"),
            ("type", "ip,ipv6"),
            ("status", "ACTIVE,inactive")
        ]));
        assert!(accepts(&[
            ("confidence__gte", "90"),
            ("update_id__gt", "499"),
            ("meta.severity", "high,very-high")
        ]));
        assert!(accepts(&[
            ("tags.name", "emotet"),
            ("trustedcircles", "1,146"),
            ("id", "8,9")
        ]));
        assert!(accepts(&[("status__in", "inactive,active"), ("id__in", "9")]));
        assert!(accepts(&[
            ("modified_ts__lt", "2024-03-01T00:00:01Z"),
            ("modified_ts__gt", "2024-02-29")
        ]));
        assert!(accepts(&[("value__contains", "113"), ("misspelled_gte", "x")]));
        assert!(!accepts(&[("update_id__gt", "500")]));
        assert!(!accepts(&[("type", "hash")]));
        assert!(!accepts(&[("tags", "other")]));
        assert!(!accepts(&[("itype", "scan_ip")]));
    }

    #[test]
    fn bad_numbers_and_times_are_errors() {
        for bad in [
            ("confidence__gt", "high"),
            ("modified_ts__lt", "yesterday"),
            ("id", "1,x"),
        ] {
            assert!(from_query(&pairs(&[bad]), ApiVersion::V2).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn v1_knows_only_legacy_filters() {
        let v1 = |query: &[(&str, &str)]| {
            from_query(&pairs(query), ApiVersion::V1)
                .expect("valid")
                .accepts(&key())
        };
        assert!(v1(&[("ip", "203.0.113.11"), ("confidence__gt", "99")]));
        assert!(!v1(&[("domain", "203.0.113.11")]));
        assert_eq!(text_value(TextField::Kind, " Hash "), "md5");
    }
}
