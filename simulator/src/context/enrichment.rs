//! The v1 enrichment look-ups around an observable: passive DNS, whois,
//! insights and external references (threatstream-api-and-peers.md §1.8).
//!
//! Seed data sits in `context/`: passive DNS and insights in
//! `enrichment.json`, raw whois texts in `whois/`. What each value answers is
//! listed in the crate doc. A value without data gets the empty answer
//! ThreatStream gives (`results: []`, `insights: []`, and for whois the
//! `No Whois Data Available` text Splunk SOAR checks for), not a 404.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::http::answer::{Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{observable, to, with, Handler};

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "pdns", kind, value @ ..]) => with((dns_kind(kind)?, observable(value)?), |_, (kind, value)| passive_dns(kind, &value)),
        ("GET", ["api", "v1", "inteldetails", "whois", value @ ..]) => with(observable(value)?, |_, value| whois(&value)),
        ("GET", ["api", "v1", "inteldetails", "insights"]) => to(|c| insights(c.request)),
        ("GET", ["api", "v1", "inteldetails", "references", value @ ..]) => with(observable(value)?, |_, value| references(&value)),
        _ => None,
    }
}

const SEED: &str = include_str!("../../context/enrichment.json");

/// Splunk SOAR compares `data` with this text (its `WHOIS_NO_DATA`).
pub(crate) const NO_WHOIS: &str = "No Whois Data Available";

/// The value whose whois text is over 2 MiB, to test the plugin's limits.
pub(crate) const HUGE_WHOIS_VALUE: &str = "huge-whois.example";
const HUGE_WHOIS_BYTES: usize = 2 * 1024 * 1024 + 512;

/// Insight types Splunk SOAR accepts.
const INSIGHT_TYPES: [&str; 7] = ["ip", "domain", "email", "md5", "sha1", "sha256", "sha512"];

#[derive(Deserialize)]
struct Seed {
    pdns: Map<String, Value>,
    insights: Map<String, Value>,
}

fn seed() -> &'static Seed {
    static SEEDED: OnceLock<Seed> = OnceLock::new();
    // Compiled in and parsed by a unit test, so this cannot fail in a build
    // whose tests passed.
    SEEDED.get_or_init(|| serde_json::from_str(SEED).expect("context/enrichment.json is valid"))
}

/// Passive DNS is kept by IP address and by domain.
fn dns_kind(segment: &str) -> Option<&'static str> {
    ["ip", "domain"].into_iter().find(|kind| *kind == segment)
}

/// `GET /api/v1/pdns/{ip|domain}/{value}/`, history in the seed's mixed order.
pub(crate) fn passive_dns(kind: &str, value: &str) -> Answer {
    let key = format!("{kind}/{}", value.to_lowercase());
    let results = seed().pdns.get(&key).cloned().unwrap_or_else(|| json!([]));
    Ok(response::json(200, &json!({"success": true, "results": results})))
}

/// `GET /api/v1/inteldetails/whois/{value}/`.
pub(crate) fn whois(value: &str) -> Answer {
    let text = whois_text(&value.to_lowercase());
    Ok(response::json(200, &json!({"data": text.unwrap_or(NO_WHOIS)})))
}

fn whois_text(value: &str) -> Option<&'static str> {
    Some(match value {
        "evil-domain.example" => include_str!("../../context/whois/gtld.txt"),
        "example.jp" => include_str!("../../context/whois/jprs.txt"),
        "example.co.jp" => include_str!("../../context/whois/jprs-co-jp.txt"),
        "198.51.100.23" => include_str!("../../context/whois/ip.txt"),
        "203.0.113.9" => include_str!("../../context/whois/apnic-krnic.txt"),
        "2001:db8::bad:c0de" => include_str!("../../context/whois/ripe.txt"),
        "opaque-whois.example" => include_str!("../../context/whois/opaque.txt"),
        HUGE_WHOIS_VALUE => huge_whois(),
        _ => return None,
    })
}

/// A registrar text followed by notice lines up to just over 2 MiB, built
/// once: big enough that a parser which copies or backtracks shows it.
fn huge_whois() -> &'static str {
    static HUGE: OnceLock<String> = OnceLock::new();
    HUGE.get_or_init(|| {
        let mut text =
            include_str!("../../context/whois/gtld.txt").replace("EVIL-DOMAIN.EXAMPLE", "HUGE-WHOIS.EXAMPLE");
        let mut line = 0_u64;
        while text.len() < HUGE_WHOIS_BYTES {
            line += 1;
            text.push_str(&format!(
                "Registrant Notice {line:07}: this registry repeats its terms of use on every line of the record.\n"
            ));
        }
        text
    })
}

/// `GET /api/v1/inteldetails/insights/?type=&value=`.
pub(crate) fn insights(request: &RecordedRequest) -> Answer {
    let (Some(kind), Some(value)) = (request.query_value("type"), request.query_value("value")) else {
        return Err(Refused::bad("Both 'type' and 'value' are required."));
    };
    if !INSIGHT_TYPES.contains(&kind.as_str()) {
        let text = format!("Invalid type '{kind}'. Valid types: {}.", INSIGHT_TYPES.join(", "));
        return Err(Refused::bad(&text));
    }
    let found = seed().insights.get(&value.to_lowercase()).cloned();
    Ok(response::json(
        200,
        &json!({"insights": found.unwrap_or_else(|| json!([]))}),
    ))
}

/// `GET /api/v1/inteldetails/references/{value}/`: an object of service name
/// to link, by what the value looks like, with the services Splunk SOAR's
/// data paths list per kind (threatstream.json, `external_references.*`).
/// Splunk's documented answers for addresses, hashes and e-mail addresses
/// also hold a boolean `remote_api`, so these do; an e-mail address has no
/// link at all, only that flag.
pub(crate) fn references(value: &str) -> Answer {
    Ok(response::json(200, &reference_links(value)))
}

fn reference_links(value: &str) -> Value {
    let mut links = Map::new();
    let kind = Kind::of(value);
    for (name, url) in services(value, kind) {
        links.insert(name.to_owned(), Value::String(url));
    }
    if kind != Kind::Domain && kind != Kind::Url {
        links.insert("remote_api".to_owned(), Value::Bool(false));
    }
    Value::Object(links)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ip,
    Url,
    Email,
    Hash,
    Domain,
}

impl Kind {
    fn of(value: &str) -> Kind {
        if value.parse::<std::net::IpAddr>().is_ok() {
            Kind::Ip
        } else if value.contains("://") {
            Kind::Url
        } else if value.contains('@') {
            Kind::Email
        } else if [32, 40, 64, 128].contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Kind::Hash
        } else {
            Kind::Domain
        }
    }
}

fn services(value: &str, kind: Kind) -> Vec<(&'static str, String)> {
    let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    match kind {
        Kind::Ip => vec![
            (
                "VirusTotal",
                format!("https://www.virustotal.com/gui/ip-address/{value}"),
            ),
            (
                "Google Safe Browsing",
                format!("https://transparencyreport.google.com/safe-browsing/search?url={value}"),
            ),
            (
                "IPVoid",
                format!("https://www.ipvoid.com/ip-blacklist-check/?ip={value}"),
            ),
            ("Shodan", format!("https://www.shodan.io/host/{value}")),
            ("urlscan.io", format!("https://urlscan.io/ip/{value}")),
        ],
        Kind::Url => vec![("urlscan.io", format!("https://urlscan.io/search/#{encoded}"))],
        Kind::Email => Vec::new(),
        Kind::Hash => vec![("VirusTotal", format!("https://www.virustotal.com/gui/file/{value}"))],
        Kind::Domain => vec![
            ("VirusTotal", format!("https://www.virustotal.com/gui/domain/{value}")),
            (
                "Google Safe Browsing",
                format!("https://transparencyreport.google.com/safe-browsing/search?url={value}"),
            ),
            ("URLVoid", format!("https://www.urlvoid.com/scan/{value}/")),
            ("Web of Trust", format!("https://www.mywot.com/scorecard/{value}")),
            ("urlscan.io", format!("https://urlscan.io/domain/{value}")),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_parses_and_pdns_is_out_of_order() {
        let history = seed().pdns["domain/evil-domain.example"].as_array().expect("a list");
        let last_seen: Vec<&str> = history.iter().filter_map(|r| r["last_seen"].as_str()).collect();
        let mut sorted = last_seen.clone();
        sorted.sort_unstable();
        sorted.reverse();
        assert_ne!(
            last_seen, sorted,
            "the plugin must sort; the seed must not do it for it"
        );
    }

    #[test]
    fn whois_texts_are_what_the_crate_doc_promises() {
        assert!(whois_text("example.jp").is_some_and(|t| t.contains("[Domain Name]")));
        assert!(whois_text("evil-domain.example").is_some_and(|t| t.contains("Registry Expiry Date:")));
        let apnic = whois_text("203.0.113.9").unwrap_or_default();
        assert!(apnic.contains("last-modified:") && apnic.contains("changed:        hostmaster@nic.example.kr\n"));
        assert!(whois_text("2001:db8::bad:c0de").is_some_and(|t| t.contains("inet6num:")));
        let opaque = whois_text("opaque-whois.example").unwrap_or_default();
        assert!(!opaque.is_empty() && !["Registrar", "Date:", "Name Server"].iter().any(|f| opaque.contains(f)));
        assert!(huge_whois().len() > 2 * 1024 * 1024);
        assert!(whois_text("nobody.example").is_none());
    }

    #[test]
    fn references_are_an_object_of_links_by_the_kind_of_value() {
        let ip = reference_links("198.51.100.23");
        let names: Vec<&str> = ip
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            [
                "VirusTotal",
                "Google Safe Browsing",
                "IPVoid",
                "Shodan",
                "urlscan.io",
                "remote_api"
            ]
        );
        assert_eq!(ip["remote_api"], false);
        assert_eq!(reference_links("phisher@example.org"), json!({"remote_api": false}));
        assert!(reference_links("evil-domain.example")["urlscan.io"]
            .as_str()
            .is_some_and(|url| url.ends_with("/domain/evil-domain.example")));
        assert_eq!(Kind::of("44d88612fea8a8f36de82e1278abb02f"), Kind::Hash);
    }
}
