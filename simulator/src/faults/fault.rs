//! Misbehaviour on demand.
//!
//! The plugin must survive everything a real ThreatStream, or a proxy in
//! front of it, can do wrong. A test queues a [`Fault`]; the next API request
//! (whatever its route, and before authentication) is answered by it. A
//! [`crate::FaultRule`] aims a fault at one path instead, and may repeat it.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::faults::filler::Filler;
use crate::faults::rule::{FaultRule, PathMatch, Repeat};
use crate::http::response::{self, Response, HTML, JSON};
use http_body_util::BodyExt;

/// One way for the next API request to go wrong.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status and body (Content-Type application/json).
    Status { status: u16, body: String },
    /// 429, with `Retry-After` when given, and a JSON `message`.
    RateLimited { retry_after: Option<String> },
    /// An HTML error page, as a proxy or load balancer sends.
    Html { status: u16 },
    /// 200 with JSON cut off mid-object.
    BrokenJson,
    /// 200 with a JSON-looking body holding bytes that are not UTF-8.
    InvalidUtf8,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Close the TCP connection without answering.
    DropConnection,
    /// From now until `clear_faults`, every intelligence search repeats the
    /// first page and always offers a next one.
    EndlessPages,
    /// 200 with a streamed body of exactly this many bytes, never held in
    /// memory, sent chunked (no Content-Length) so only a cap on the bytes
    /// actually read can stop it.
    HugeBody { bytes: u64 },
    /// 200 with a page whose objects have the wrong JSON types.
    WrongTypes,
    /// A redirect (`status`, such as 302 or 307) to `location`, with an empty
    /// body: a moved instance, or a load balancer or proxy that redirects.
    Redirect { status: u16, location: String },
}

/// What the request does after its fault.
pub(crate) enum Outcome {
    Answer(Response),
    DropConnection,
    /// Every search from now on is endless ([`Fault::EndlessPages`]).
    EndlessPages,
    Proceed,
}

pub(crate) async fn apply(fault: Fault) -> Outcome {
    let answer = match fault {
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            return Outcome::Proceed;
        }
        Fault::EndlessPages => return Outcome::EndlessPages,
        Fault::DropConnection => return Outcome::DropConnection,
        Fault::Status { status, body } => response::bytes(status, JSON, body),
        Fault::RateLimited { retry_after } => rate_limited(retry_after),
        Fault::Html { status } => html_page(status),
        Fault::BrokenJson => response::bytes(200, JSON, BROKEN_JSON),
        Fault::InvalidUtf8 => response::bytes(200, JSON, invalid_utf8()),
        Fault::HugeBody { bytes } => response::with_body(200, JSON, Filler::new(bytes).boxed()),
        Fault::WrongTypes => response::json(200, &wrong_types()),
        Fault::Redirect { status, location } => redirect(status, &location),
    };
    Outcome::Answer(answer)
}

fn rate_limited(retry_after: Option<String>) -> Response {
    let mut response = response::message(429, "Request was throttled. Please retry later.");
    let header = retry_after.and_then(|value| value.parse().ok());
    if let Some(value) = header {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

fn redirect(status: u16, location: &str) -> Response {
    let mut response = response::bytes(status, JSON, Vec::new());
    if let Ok(value) = location.parse() {
        response.headers_mut().insert("location", value);
    }
    response
}

fn html_page(status: u16) -> Response {
    let reason = response::status(status).canonical_reason().unwrap_or("Error");
    let page = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    response::bytes(status, HTML, page)
}

const BROKEN_JSON: &str = r#"{"meta": {"limit": 20, "next": null, "offset": 0, "total_count": 1}, "objects": [{"id": 500000101, "value": "198.51.10"#;

fn invalid_utf8() -> Vec<u8> {
    let mut body = br#"{"meta": {"limit": 20, "next": null, "offset": 0, "total_count": 1}, "objects": [{"id": 500000101, "value": ""#.to_vec();
    // A lone continuation byte and a truncated two-byte sequence: invalid
    // anywhere in a UTF-8 stream.
    body.extend_from_slice(b"198.51.100.23\x80\xc3");
    body.extend_from_slice(br#"", "type": "ip"}]}"#);
    body
}

fn wrong_types() -> serde_json::Value {
    json!({
        "meta": {"limit": 20, "next": null, "offset": 0, "previous": null, "took": 3, "total_count": 3},
        "objects": [
            {"id": "500000101", "value": 198_511_000_023_u64, "type": ["ip"], "confidence": "high", "tags": "c2"},
            "nope",
            42
        ]
    })
}

/// The JSON shape of a fault on the control route; see the crate doc.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum FaultSpec {
    Status {
        status: u16,
        #[serde(default)]
        body: String,
    },
    RateLimited {
        #[serde(default)]
        retry_after: Option<String>,
    },
    Html {
        status: u16,
    },
    BrokenJson,
    InvalidUtf8,
    Slow {
        millis: u64,
    },
    DropConnection,
    EndlessPages,
    HugeBody {
        bytes: u64,
    },
    WrongTypes,
    Redirect {
        status: u16,
        location: String,
    },
}

impl From<FaultSpec> for Fault {
    fn from(spec: FaultSpec) -> Fault {
        match spec {
            FaultSpec::Status { status, body } => Fault::Status { status, body },
            FaultSpec::RateLimited { retry_after } => Fault::RateLimited { retry_after },
            FaultSpec::Html { status } => Fault::Html { status },
            FaultSpec::BrokenJson => Fault::BrokenJson,
            FaultSpec::InvalidUtf8 => Fault::InvalidUtf8,
            FaultSpec::Slow { millis } => Fault::Slow(Duration::from_millis(millis)),
            FaultSpec::DropConnection => Fault::DropConnection,
            FaultSpec::EndlessPages => Fault::EndlessPages,
            FaultSpec::HugeBody { bytes } => Fault::HugeBody { bytes },
            FaultSpec::WrongTypes => Fault::WrongTypes,
            FaultSpec::Redirect { status, location } => Fault::Redirect { status, location },
        }
    }
}

/// A fault from the control route: queued for the next request, or a rule
/// when it names a `path` or `times`.
pub(crate) enum Queued {
    Next(Fault),
    Rule(FaultRule),
}

/// Reads one fault object or an array of them. An object with `status` but
/// no `kind` is a status fault, the shape scripts reach for first.
pub(crate) fn parse_specs(body: &[u8]) -> Result<Vec<Queued>, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        single => vec![single],
    };
    items.into_iter().map(parse_spec).collect()
}

fn parse_spec(mut item: serde_json::Value) -> Result<Queued, String> {
    let mut targeting = Targeting::default();
    if let Some(object) = item.as_object_mut() {
        if !object.contains_key("kind") && object.contains_key("status") {
            object.insert("kind".into(), "status".into());
        }
        targeting = Targeting {
            path: object.remove("path"),
            path_match: object.remove("match"),
            times: object.remove("times"),
        };
    }
    let spec: FaultSpec = serde_json::from_value(item).map_err(|e| e.to_string())?;
    targeting.apply(spec.into())
}

/// The rule keys of a fault object, taken out before the fault itself is
/// read strictly.
#[derive(Default)]
struct Targeting {
    path: Option<serde_json::Value>,
    path_match: Option<serde_json::Value>,
    times: Option<serde_json::Value>,
}

impl Targeting {
    fn apply(self, fault: Fault) -> Result<Queued, String> {
        if self.path.is_none() && self.times.is_none() {
            return match self.path_match {
                Some(_) => Err("'match' needs a 'path'".to_owned()),
                None => Ok(Queued::Next(fault)),
            };
        }
        Ok(Queued::Rule(FaultRule {
            fault,
            path: self.path_match()?,
            repeat: self.repeat()?,
        }))
    }

    fn path_match(&self) -> Result<PathMatch, String> {
        let Some(path) = &self.path else {
            return Ok(PathMatch::Any);
        };
        let path = path.as_str().ok_or("'path' must be a string")?.to_owned();
        match self.path_match.as_ref().map(|m| m.as_str()) {
            None | Some(Some("prefix")) => Ok(PathMatch::Prefix(path)),
            Some(Some("exact")) => Ok(PathMatch::Exact(path)),
            Some(_) => Err("'match' must be \"prefix\" or \"exact\"".to_owned()),
        }
    }

    fn repeat(&self) -> Result<Repeat, String> {
        match &self.times {
            None => Ok(Repeat::Times(1)),
            Some(serde_json::Value::String(word)) if word == "always" => Ok(Repeat::Always),
            Some(times) => times
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Repeat::Times)
                .ok_or_else(|| format!("'times' must be a count or \"always\", got {times}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_json_and_invalid_utf8_really_are_broken() {
        assert!(serde_json::from_str::<serde_json::Value>(BROKEN_JSON).is_err());
        assert!(std::str::from_utf8(&invalid_utf8()).is_err());
    }

    #[test]
    fn specs_parse_every_kind() {
        let body = br#"[{"status": 500, "body": "{}"}, {"kind": "rate_limited", "retry_after": "2"},
            {"kind": "rate_limited"}, {"kind": "html", "status": 502}, {"kind": "broken_json"},
            {"kind": "invalid_utf8"}, {"kind": "slow", "millis": 10}, {"kind": "drop_connection"},
            {"kind": "endless_pages"}, {"kind": "huge_body", "bytes": 5}, {"kind": "wrong_types"},
            {"kind": "redirect", "status": 307, "location": "http://127.0.0.1:9/api/"}]"#;
        let faults = parse_specs(body).expect("every documented shape parses");
        assert_eq!(faults.len(), 12);
        assert!(
            matches!(&faults[11], Queued::Next(Fault::Redirect { status: 307, location }) if location == "http://127.0.0.1:9/api/")
        );
        assert!(matches!(&faults[0], Queued::Next(Fault::Status { status: 500, body }) if body == "{}"));
        assert!(matches!(&faults[6], Queued::Next(Fault::Slow(d)) if d.as_millis() == 10));
    }

    #[test]
    fn specs_reject_unknown_kinds_and_fields() {
        assert!(parse_specs(br#"{"kind": "meteor"}"#).is_err());
        assert!(parse_specs(br#"{"kind": "html", "status": 502, "colour": 1}"#).is_err());
        assert!(parse_specs(b"not json").is_err());
    }

    #[test]
    fn path_and_times_make_a_rule() {
        let body = br#"[{"kind": "status", "status": 403, "path": "/api/v1/inteldetails/whois/", "times": "always"},
            {"kind": "slow", "millis": 5, "path": "/api/v1/pdns/ip/1.2.3.4/", "match": "exact", "times": 2},
            {"kind": "broken_json", "times": 3}]"#;
        let specs = parse_specs(body).expect("rules parse");
        let rules: Vec<&FaultRule> = specs
            .iter()
            .filter_map(|spec| match spec {
                Queued::Rule(rule) => Some(rule),
                Queued::Next(_) => None,
            })
            .collect();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].path, PathMatch::Prefix("/api/v1/inteldetails/whois/".into()));
        assert_eq!(rules[0].repeat, Repeat::Always);
        assert_eq!(rules[1].path, PathMatch::Exact("/api/v1/pdns/ip/1.2.3.4/".into()));
        assert_eq!(rules[1].repeat, Repeat::Times(2));
        assert_eq!(rules[2].path, PathMatch::Any);
    }

    #[test]
    fn bad_targeting_is_refused() {
        assert!(parse_specs(br#"{"status": 500, "times": "forever"}"#).is_err());
        assert!(parse_specs(br#"{"status": 500, "times": -1}"#).is_err());
        assert!(parse_specs(br#"{"status": 500, "path": 7}"#).is_err());
        assert!(parse_specs(br#"{"status": 500, "path": "/a", "match": "regex"}"#).is_err());
        assert!(parse_specs(br#"{"status": 500, "match": "exact"}"#).is_err());
    }
}
