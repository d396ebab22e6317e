//! Import without approval: `PATCH /api/v{1,2}/intelligence/` with
//! `{"meta": {...}, "objects": [...]}` (reference §1.10).
//!
//! Objects name their value with a type key (`srcip`, `ipv6`, `domain`,
//! `url`, `email`, `md5` plus optional `subtype`) or as `value`; each needs an
//! `itype`, and e-mails and hashes need a `confidence` (their own or the
//! global one). `meta` gives defaults (`classification`, `confidence`,
//! `severity`, `tags`, `expiration_ts`, `trustedcircles`; `allow_unresolved`
//! and `source_confidence_weight` are accepted and have no effect) that an
//! object's own fields override.
//!
//! Like ThreatStream this is fire-and-forget: a malformed body is a 400, but
//! an object that breaks the rules is silently dropped, and success is 202
//! with an empty body, typed `text/html` as Splunk SOAR's connector expects
//! of it. The observables are active at once.

use serde_json::Value;

use crate::http::answer::{json_body, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, Handler};
use crate::intelligence::observable_record::{Draft, TagSpec, SEVERITIES};
use crate::intelligence::observables::{classify, ObservableKind};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("PATCH", ["api", "v1" | "v2", "intelligence"]) => to(|c| import(c.state, c.request)),
        _ => None,
    }
}

/// The type keys and the kinds their values must have.
const TYPE_KEYS: [(&str, &str); 6] = [
    ("srcip", "ip"),
    ("ipv6", "ipv6"),
    ("domain", "domain"),
    ("url", "url"),
    ("email", "email"),
    ("md5", "md5"),
];

pub(crate) fn import(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::ApproveIntel)?;
    let body = json_body(request)?;
    let drafts = drafts(&body)?;
    state.create_records(&drafts);
    Ok(response::bytes(202, response::HTML, ""))
}

/// The observables `body` creates; `Err` only for a malformed body.
fn drafts(body: &Value) -> Result<Vec<Draft>, Refused> {
    let objects = body["objects"]
        .as_array()
        .ok_or_else(|| Refused::new(400, "The body needs an 'objects' list."))?;
    let defaults = Defaults::from_meta(&body["meta"])?;
    Ok(objects.iter().filter_map(|object| draft(object, &defaults)).collect())
}

/// What `meta` gives every object.
#[derive(Default)]
struct Defaults {
    is_public: Option<bool>,
    confidence: Option<i64>,
    severity: Option<String>,
    tags: Vec<TagSpec>,
    expiration_ts: Option<String>,
    trusted_circle_ids: Vec<u64>,
}

impl Defaults {
    fn from_meta(meta: &Value) -> Result<Defaults, Refused> {
        if !(meta.is_null() || meta.is_object()) {
            return Err(Refused::new(400, "'meta' must be an object."));
        }
        let invalid = |name: &str| Refused::new(400, &format!("Invalid value for 'meta.{name}'."));
        let present = |name: &str| !meta[name].is_null();
        let defaults = Defaults {
            is_public: classification(&meta["classification"]),
            confidence: confidence(&meta["confidence"]),
            severity: severity(&meta["severity"]),
            tags: tags(&meta["tags"]).unwrap_or_default(),
            expiration_ts: expiration(&meta["expiration_ts"]),
            trusted_circle_ids: circles(&meta["trustedcircles"]).unwrap_or_default(),
        };
        let checks = [
            ("classification", defaults.is_public.is_some()),
            ("confidence", defaults.confidence.is_some()),
            ("severity", defaults.severity.is_some()),
            ("tags", tags(&meta["tags"]).is_some()),
            ("expiration_ts", defaults.expiration_ts.is_some()),
            ("trustedcircles", circles(&meta["trustedcircles"]).is_some()),
        ];
        match checks.iter().find(|(name, ok)| present(name) && !ok) {
            Some((name, _)) => Err(invalid(name)),
            None => Ok(defaults),
        }
    }
}

/// `None` drops the object, as ThreatStream silently does.
fn draft(object: &Value, defaults: &Defaults) -> Option<Draft> {
    let (value, kind) = value_and_kind(object)?;
    let itype = object["itype"]
        .as_str()
        .map(str::trim)
        .filter(|itype| !itype.is_empty())?;
    let confidence = confidence(&object["confidence"]).or(defaults.confidence);
    let needs_confidence = matches!(kind, ObservableKind::Email | ObservableKind::Hash(_));
    if needs_confidence && confidence.is_none() {
        return None;
    }
    let mut draft = Draft::new(&value, kind, itype);
    draft.confidence = confidence.unwrap_or(draft.confidence);
    if let Some(severity) = severity(&object["severity"]).or_else(|| defaults.severity.clone()) {
        draft.severity = Some(severity);
    }
    draft.is_public = classification(&object["classification"])
        .or(defaults.is_public)
        .unwrap_or(false);
    draft.tags = tags(&object["tags"]).unwrap_or_else(|| defaults.tags.clone());
    draft.tlp = object["tlp"].as_str().map(str::to_owned);
    draft.expiration_ts = expiration(&object["expiration_ts"]).or_else(|| defaults.expiration_ts.clone());
    draft.trusted_circle_ids.clone_from(&defaults.trusted_circle_ids);
    if let Some(source) = object["source"].as_str() {
        source.clone_into(&mut draft.source);
    }
    Some(draft)
}

/// The value and what it is: from a type key, checked against the key, or
/// from `value`, classified.
fn value_and_kind(object: &Value) -> Option<(String, ObservableKind)> {
    for (key, type_name) in TYPE_KEYS {
        if let Some(value) = object[key].as_str() {
            let kind = classify(value.trim()).filter(|kind| kind.type_name() == type_name)?;
            let kind = match (kind, object["subtype"].as_str()) {
                (ObservableKind::Hash(_), Some(subtype)) => ObservableKind::Hash(hash_subtype(subtype)?),
                _ => kind,
            };
            return Some((value.trim().to_owned(), kind));
        }
    }
    let value = object["value"].as_str()?.trim();
    classify(value).map(|kind| (value.to_owned(), kind))
}

fn hash_subtype(subtype: &str) -> Option<&'static str> {
    ["MD5", "SHA1", "SHA256", "SHA512"]
        .into_iter()
        .find(|name| name.eq_ignore_ascii_case(subtype))
}

fn classification(value: &Value) -> Option<bool> {
    match value.as_str()?.to_ascii_lowercase().as_str() {
        "public" => Some(true),
        "private" => Some(false),
        _ => None,
    }
}

fn confidence(value: &Value) -> Option<i64> {
    let number = value.as_i64().or_else(|| value.as_str()?.trim().parse().ok())?;
    (0..=100).contains(&number).then_some(number)
}

fn severity(value: &Value) -> Option<String> {
    let text = value.as_str()?.to_ascii_lowercase();
    SEVERITIES.contains(&text.as_str()).then_some(text)
}

fn tags(value: &Value) -> Option<Vec<TagSpec>> {
    value.as_array()?.iter().map(TagSpec::from_json).collect()
}

fn expiration(value: &Value) -> Option<String> {
    value.as_str().and_then(timestamp::parse).map(timestamp::format_ms)
}

/// `[146, 200]` or `"146,200"`.
fn circles(value: &Value) -> Option<Vec<u64>> {
    match value {
        Value::Array(items) => items.iter().map(Value::as_u64).collect(),
        Value::String(text) => text.split(',').map(|id| id.trim().parse().ok()).collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(body: &Value) -> Vec<String> {
        drafts(body)
            .expect("a well-formed body")
            .into_iter()
            .map(|d| d.value)
            .collect()
    }

    #[test]
    fn both_object_styles_with_global_defaults_and_overrides() {
        let body = json!({
            "meta": {"classification": "public", "confidence": 70, "severity": "high",
                     "tags": [{"name": "global", "tlp": "green"}], "trustedcircles": "146,200", "allow_unresolved": true},
            "objects": [
                {"srcip": "198.51.100.7", "itype": "c2_ip", "confidence": 95, "tags": [{"name": "own"}]},
                {"md5": "44D88612FEA8A8F36DE82E1278ABB02F", "subtype": "md5", "itype": "mal_md5"},
                {"value": "https://drop.example.com/x", "itype": "mal_url", "severity": "low", "classification": "private"}
            ]
        });
        let drafts = drafts(&body).expect("well formed");
        assert_eq!(drafts.len(), 3);
        assert_eq!((drafts[0].confidence, drafts[0].tags[0].name.as_str()), (95, "own"));
        assert_eq!(drafts[1].value, "44d88612fea8a8f36de82e1278abb02f");
        assert_eq!(
            (drafts[1].confidence, drafts[1].kind),
            (70, ObservableKind::Hash("MD5"))
        );
        assert_eq!(drafts[1].tags[0].name, "global");
        assert_eq!(drafts[2].severity.as_deref(), Some("low"));
        assert!(drafts[0].is_public && !drafts[2].is_public);
        assert_eq!(drafts[2].trusted_circle_ids, [146, 200]);
    }

    #[test]
    fn objects_that_break_the_rules_are_dropped_silently() {
        let body = json!({"objects": [
            {"srcip": "2001:db8::1", "itype": "c2_ip"},
            {"domain": "evil.example"},
            {"email": "a@evil.example", "itype": "phish_email"},
            {"md5": "abc", "itype": "mal_md5", "confidence": 50},
            {"ipv6": "2001:db8::1", "itype": "mal_ip"},
            {"value": "not an observable", "itype": "mal_domain"}
        ]});
        assert_eq!(values(&body), ["2001:db8::1"]);
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for body in [
            json!([]),
            json!({"meta": {}}),
            json!({"objects": [], "meta": {"confidence": 500}}),
            json!({"objects": [], "meta": "x"}),
            json!({"objects": [], "meta": {"tags": "a"}}),
        ] {
            assert!(drafts(&body).is_err(), "{body}");
        }
    }
}
