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

/// `GET /api/v1/inteldetails/references/{value}/`: links to the public
/// services that know the value, by what the value looks like. The
/// reference gives no body shape; `{"references": [{"name", "url"}]}` is
/// this simulator's choice.
pub(crate) fn references(value: &str) -> Answer {
    let references: Vec<Value> = services(value)
        .iter()
        .map(|(name, url)| json!({"name": name, "url": url}))
        .collect();
    Ok(response::json(200, &json!({"references": references})))
}

fn services(value: &str) -> Vec<(&'static str, String)> {
    let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    if value.parse::<std::net::IpAddr>().is_ok() {
        return vec![
            (
                "VirusTotal",
                format!("https://www.virustotal.com/gui/ip-address/{value}"),
            ),
            ("Shodan", format!("https://www.shodan.io/host/{value}")),
            ("AbuseIPDB", format!("https://www.abuseipdb.com/check/{value}")),
        ];
    }
    if value.contains("://") {
        return vec![("urlscan.io", format!("https://urlscan.io/search/#{encoded}"))];
    }
    if value.contains('@') {
        return vec![(
            "Have I Been Pwned",
            format!("https://haveibeenpwned.com/account/{encoded}"),
        )];
    }
    if [32, 40, 64, 128].contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return vec![
            ("VirusTotal", format!("https://www.virustotal.com/gui/file/{value}")),
            (
                "Hybrid Analysis",
                format!("https://www.hybrid-analysis.com/search?query={value}"),
            ),
        ];
    }
    vec![
        ("VirusTotal", format!("https://www.virustotal.com/gui/domain/{value}")),
        ("urlscan.io", format!("https://urlscan.io/domain/{value}")),
    ]
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
        let opaque = whois_text("opaque-whois.example").unwrap_or_default();
        assert!(!opaque.is_empty() && !["Registrar", "Date:", "Name Server"].iter().any(|f| opaque.contains(f)));
        assert!(huge_whois().len() > 2 * 1024 * 1024);
        assert!(whois_text("nobody.example").is_none());
    }

    #[test]
    fn references_follow_the_kind_of_value() {
        assert_eq!(services("198.51.100.23").len(), 3);
        assert_eq!(services("44d88612fea8a8f36de82e1278abb02f")[1].0, "Hybrid Analysis");
        assert_eq!(services("phisher@example.org")[0].0, "Have I Been Pwned");
        assert!(services("evil-domain.example")[0]
            .1
            .ends_with("/domain/evil-domain.example"));
    }
}
