//! The v1 enrichment look-ups around one observable: passive DNS, whois, insights, external
//! references, the confidence trend and the third-party classifications (threatstream-api-and-peers.md
//! §1.8).
//!
//! ThreatStream answers 404 when it has none of them for the observable; each look-up here answers
//! that as empty (`None` for whois), as `threat_models::model` does, so no caller has to tell a 404
//! from a failure.
//!
//! Three of them take the observable in the path (`pdns/{ip|domain}/{value}/`, `whois/{value}/`,
//! `references/{value}/`). The value is sent as one percent-encoded path segment: a URL's `/`, `?` and
//! `#` would otherwise split the path, start a query or be dropped as a fragment before ThreatStream
//! saw them. Answers come back as ThreatStream sent them; ordering and shaping are the caller's.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use serde::Deserialize;
use serde_json::Value;

use super::client::Client;
use super::error::{none_when_missing, ApiError};
use super::intelligence::Record;

/// What ThreatStream answers, with a 200, when it has no whois record (Splunk SOAR checks for it too).
const NO_WHOIS: &str = "No Whois Data Available";

/// The two kinds of passive DNS look-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PassiveDnsKind {
    Ip,
    Domain,
}

/// Hex lengths of MD5, SHA-1, SHA-256 and SHA-512, the digests ThreatStream keeps (all under `md5`).
pub(crate) const DIGEST_LENGTHS: [usize; 4] = [32, 40, 64, 128];

/// The observable types the insights endpoint accepts (`type=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InsightType {
    Ip,
    Domain,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl InsightType {
    fn as_str(self) -> &'static str {
        match self {
            InsightType::Ip => "ip",
            InsightType::Domain => "domain",
            InsightType::Email => "email",
            InsightType::Md5 => "md5",
            InsightType::Sha1 => "sha1",
            InsightType::Sha256 => "sha256",
            InsightType::Sha512 => "sha512",
        }
    }

    /// The digests' algorithms, in `DIGEST_LENGTHS`' order.
    const DIGESTS: [InsightType; 4] = [
        InsightType::Md5,
        InsightType::Sha1,
        InsightType::Sha256,
        InsightType::Sha512,
    ];

    /// The algorithm of a hex digest, by its length.
    pub(crate) fn of_digest(digest: &str) -> Option<InsightType> {
        let index = DIGEST_LENGTHS.iter().position(|length| *length == digest.len())?;
        Some(InsightType::DIGESTS[index])
    }
}

#[derive(Deserialize)]
struct PassiveDnsAnswer {
    #[serde(default)]
    results: Vec<Record>,
}

/// The passive DNS history of an address or a domain, in the order ThreatStream sent it; empty when
/// there is none.
///
/// # Contract: GET `/api/v1/pdns/{ip|domain}/{value}/`
///
/// - Capability: Enrichment (`enrich_observable`, `get_passive_dns`)
/// - Parameters and body: `order_by=-last_seen`
/// - Answer and paging: `{success: true, results: [{ip, domain, rrtype, source, first_seen, last_seen}]}`, times
///   `YYYY-MM-DD HH:MM:SS`; a missing `results` or a 404 is no history. Sorted newest first here anyway. No
///   paging
/// - Confirmed by: XS3 `get_passive_dns` and `mocked_get_commands_response.json`; SOAR `_pdns`; FS
///   `intelligence_enrichments`; IO (no slash)
/// - Fixtures: `context/xsoar_passive_dns`, `context/xsoar_passive_dns_nothing`
/// - Choice: SOAR sends `order_by` and requires `success`; XS3 sends nothing and ignores it → `order_by` sent,
///   `success` not required (only `success: false` refuses)
pub(crate) async fn passive_dns(client: &Client, kind: PassiveDnsKind, value: &str) -> Result<Vec<Record>, ApiError> {
    let kind = match kind {
        PassiveDnsKind::Ip => "ip",
        PassiveDnsKind::Domain => "domain",
    };
    let path = format!("api/v1/pdns/{kind}/{}/", path_segment(value));
    let query = [("order_by", "-last_seen".to_owned())];
    let Some(answer) = none_when_missing(client.get_json::<PassiveDnsAnswer>(&path, &query).await)? else {
        return Ok(Vec::new());
    };
    Ok(answer.results)
}

#[derive(Deserialize)]
struct WhoisAnswer {
    #[serde(default)]
    data: Option<String>,
}

/// The raw whois text of a domain or an address, or `None` when ThreatStream has none.
///
/// # Contract: GET `/api/v1/inteldetails/whois/{value}/`
///
/// - Capability: Enrichment (`enrich_observable`, `get_whois`)
/// - Parameters and body: None
/// - Answer and paging: `{data: "<raw WHOIS text>"}`; `"No Whois Data Available"`, an empty text or a 404 is no
///   record. No paging
/// - Confirmed by: SOAR `_whois`, `threatstream_consts.py` `WHOIS_NO_DATA`, `threatstream.json` examples; FS
///   `whois_domain`, `whois_ip`
/// - Fixtures: `context/splunk_whois_domain_markmonitor`, `context/splunk_whois_ip_apnic_krnic`,
///   `context/splunk_whois_no_data`
/// - Choice: SOAR parses with a library (text order, offsets dropped, a `changed:` e-mail read as a date) and
///   looks `.jp` and IPs up live → our own bounded parser, `updated` the newest date, no live look-ups
pub(crate) async fn whois(client: &Client, value: &str) -> Result<Option<String>, ApiError> {
    let path = format!("api/v1/inteldetails/whois/{}/", path_segment(value));
    let answer = none_when_missing(client.get_json::<WhoisAnswer>(&path, &[]).await)?;
    Ok(answer
        .and_then(|answer| answer.data)
        .filter(|text| !text.trim().is_empty() && text.trim() != NO_WHOIS))
}

#[derive(Deserialize)]
struct InsightsAnswer {
    #[serde(default)]
    insights: Option<Vec<Value>>,
}

/// ThreatStream's insights about an observable, as it sent them; empty when there are none. No public
/// source shows what an insight is (Splunk SOAR stores the list as it comes, and its one test has a
/// string), so items are whatever JSON ThreatStream sends.
///
/// # Contract: GET `/api/v1/inteldetails/insights/`
///
/// - Capability: Enrichment (`enrich_observable`)
/// - Parameters and body: `type` (`ip`, `domain`, `email`, `md5`, `sha1`, `sha256`, `sha512`), `value`
/// - Answer and paging: `{insights: [...]}`; a 404 is none. No paging
/// - Confirmed by: SOAR `_insight` and `tests/test_threatstream_security.py`; no other client
/// - Fixtures: `context/splunk_insights_strings`
/// - Choice: The item shape is unconfirmed (SOAR's test has strings) → objects pass through, strings become
///   `{insight}`
pub(crate) async fn insights(client: &Client, kind: InsightType, value: &str) -> Result<Vec<Value>, ApiError> {
    let query = [("type", kind.as_str().to_owned()), ("value", value.to_owned())];
    let path = "api/v1/inteldetails/insights/";
    let answer = none_when_missing(client.get_json::<InsightsAnswer>(path, &query).await)?;
    Ok(answer.and_then(|answer| answer.insights).unwrap_or_default())
}

/// A link to a public service's page about an observable.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The service, as ThreatStream names it (`VirusTotal`, `urlscan.io`, `Google Safe Browsing`).
    pub(crate) name: String,
    pub(crate) url: String,
}

/// Links to the public services that know the observable, in the order ThreatStream sent them; empty
/// when there are none.
///
/// The answer is an object of service name to link, `{"VirusTotal": "https://…", "urlscan.io":
/// "https://…"}`: Google SecOps SOAR's ThreatFuse turns its entries into name/link pairs
/// (`build_analysis_link_objects`), Splunk SOAR keeps it whole (`external_references`), and Splunk's
/// documented answers also carry a boolean `remote_api` among the links. So only text values are
/// links, and `{}` is no references, not a failure.
///
/// # Contract: GET `/api/v1/inteldetails/references/{value}/`
///
/// - Capability: Enrichment (`enrich_observable`)
/// - Parameters and body: None
/// - Answer and paging: An object of service name to link (`VirusTotal`, `urlscan.io`, `Shodan` ...), sometimes
///   with a boolean `remote_api`; `{}` or a 404 is none. No paging
/// - Confirmed by: SOAR `_external_references` and `threatstream.json` `external_references.*`; TF
///   `get_analysis_links` and `ThreatFuseParser.build_analysis_link_objects`
/// - Fixtures: `context/splunk_references_ip`, `context/splunk_references_email`,
///   `context/threatfuse_references_empty`
/// - Choice: TF turns every entry into a link (`remote_api` would become one); SOAR keeps the object whole → text
///   values only. Our earlier reading expected a list
pub(crate) async fn references(client: &Client, value: &str) -> Result<Vec<Reference>, ApiError> {
    let path = format!("api/v1/inteldetails/references/{}/", path_segment(value));
    let links = none_when_missing(client.get_json::<Record>(&path, &[]).await)?;
    Ok(links.into_iter().flatten().filter_map(reference).collect())
}

/// The reference an entry of the answer makes, if its value is a link.
fn reference((name, link): (String, Value)) -> Option<Reference> {
    let Value::String(url) = link else {
        return None;
    };
    let (name, url) = (name.trim(), url.trim());
    (!name.is_empty() && !url.is_empty()).then(|| Reference {
        name: name.to_owned(),
        url: url.to_owned(),
    })
}

/// How an observable's confidence moved, as ThreatStream keeps it for its details page: `GET
/// /api/v1/inteldetails/confidence_trend/?type=confidence&value=`, the literal `type` IntelOwl sends.
/// The answer is passed on as sent; CrowdStrike's OpenAPI description names its fields
/// (`min_confidence`, `average_confidence`, `max_confidence`) and no client reads them. `None` when
/// ThreatStream has none (404).
///
/// # Contract: GET `/api/v1/inteldetails/confidence_trend/`
///
/// - Capability: Enrichment (`enrich_observable`'s `confidence_trend`, `get_confidence_trend`)
/// - Parameters and body: `type=confidence&value=<observable>` (the literal `type` IO sends)
/// - Answer and paging: `{min_confidence, average_confidence, max_confidence}` (CS's description; no client reads
///   the fields), passed on as sent; a 404 is none (`found: false`). No paging
/// - Confirmed by: IO `threatstream.py` (`type=confidence`); CS `Anomali.json`
/// - Fixtures: None yet (simulator)
/// - Choice: The value types are unconfirmed → numbers or text passed on
pub(crate) async fn confidence_trend(client: &Client, value: &str) -> Result<Option<Record>, ApiError> {
    let query = [("type", "confidence".to_owned()), ("value", value.to_owned())];
    none_when_missing(client.get_json("api/v1/inteldetails/confidence_trend/", &query).await)
}

/// A third-party service's classification of an observable.
#[derive(Debug, PartialEq)]
pub(crate) struct IntelDetail {
    /// The service, as ThreatStream names it (`VirusTotal`, `Domain Tools`, `IPVoid`).
    pub(crate) service: String,
    /// What the service says, under its `Classification`.
    pub(crate) classification: Option<String>,
    /// How many of its engines flag it, under `Detections` (IPVoid's), a number or text.
    pub(crate) detections: Option<Value>,
}

/// What third-party services say of an observable: `GET /api/v1/inteldetails/automatic/?type=&value=`
/// with the observable's v2 type, as Google SecOps SOAR's ThreatFuse asks for it. The answer is an
/// object keyed by service, each `{"Classification", ...}` (IPVoid's with `Detections`), which
/// ThreatFuse reads one known service at a time; here every service is kept, in the order sent, and
/// an entry that is not an object (a `remote_api` flag) is not a service. Empty on a 404.
///
/// # Contract: GET `/api/v1/inteldetails/automatic/`
///
/// - Capability: Enrichment (`enrich_observable`'s `intel_details`, `get_intel_details`)
/// - Parameters and body: `type` (the observable's v2 type: `ip`, `domain`, `url`, `email`, `md5` ...), `value`
/// - Answer and paging: An object keyed by service (`VirusTotal`, `Domain Tools`, `IPVoid` ...), each
///   `{Classification, ...}`, IPVoid's with `Detections`; every object entry kept in the order sent, anything
///   else (a `remote_api` flag) left out; `{}` or a 404 is none. No paging
/// - Confirmed by: TF `ThreatFuseManager.get_intel_details` and `ThreatFuseParser` (reads known services one by
///   one)
/// - Fixtures: None yet (simulator)
/// - Choice: TF keeps known services only → every service kept. No raw answer is public: the value types are
///   unconfirmed
pub(crate) async fn intel_details(client: &Client, kind: &str, value: &str) -> Result<Vec<IntelDetail>, ApiError> {
    let query = [("type", kind.to_owned()), ("value", value.to_owned())];
    let answer = none_when_missing(
        client
            .get_json::<Record>("api/v1/inteldetails/automatic/", &query)
            .await,
    )?;
    Ok(answer.into_iter().flatten().filter_map(intel_detail).collect())
}

fn intel_detail((service, detail): (String, Value)) -> Option<IntelDetail> {
    let Value::Object(detail) = detail else {
        return None;
    };
    let service = service.trim();
    let classification = match detail.get("Classification") {
        Some(Value::String(text)) => Some(text.trim().to_owned()).filter(|text| !text.is_empty()),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    };
    let detections = detail
        .get("Detections")
        .filter(|found| matches!(found, Value::Number(_) | Value::String(_)))
        .cloned();
    (!service.is_empty()).then(|| IntelDetail {
        service: service.to_owned(),
        classification,
        detections,
    })
}

/// Everything but RFC 3986's unreserved characters, `:` and `@`: `/`, `?`, `#` and `%` in a URL
/// observable stay part of the value; `:` and `@` are legal in a segment and keep IPv6 addresses and
/// e-mail addresses readable in logs. (`Url::path_segments_mut` would leave `!$&'()*+,;=` bare.)
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'@');

/// `value` as one path segment, percent-encoded as UTF-8.
fn path_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use threatstream_simulator::{Fault, Simulator};

    use super::super::paging::tests::{client_of, run};
    use super::*;

    #[test]
    fn passive_dns_that_says_it_failed_or_is_misshapen_is_an_error() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        let answers = [
            r#"{"success": false, "results": []}"#,
            r#"{"error": "quota exceeded", "results": []}"#,
            r#"{"success": true, "results": [{"ip": "198.51.100.23"}, 7]}"#,
        ];
        for body in answers {
            sim.push_fault(Fault::Status {
                status: 200,
                body: body.into(),
            });
        }
        let mut errors = Vec::new();
        for _ in answers {
            errors.push(run(passive_dns(&client, PassiveDnsKind::Domain, "evil.example")).expect_err("refused"));
        }
        assert!(matches!(errors[0], ApiError::Rejected { .. }), "{:?}", errors[0]);
        assert!(matches!(errors[1], ApiError::Rejected { .. }), "{:?}", errors[1]);
        match &errors[2] {
            ApiError::Decode { path, .. } => assert_eq!(path, "results[1]"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_404_is_none_and_a_403_an_error() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        // The simulator has each of them for this address, so an empty answer comes from the 404.
        let missing = || {
            sim.push_fault(Fault::Status {
                status: 404,
                body: r#"{"detail": "Not found."}"#.into(),
            });
        };
        missing();
        assert!(run(passive_dns(&client, PassiveDnsKind::Ip, "198.51.100.23"))
            .unwrap()
            .is_empty());
        missing();
        assert_eq!(run(whois(&client, "198.51.100.23")).unwrap(), None);
        missing();
        assert!(run(insights(&client, InsightType::Ip, "198.51.100.23"))
            .unwrap()
            .is_empty());
        missing();
        assert!(run(references(&client, "198.51.100.23")).unwrap().is_empty());
        sim.push_fault(Fault::Status {
            status: 403,
            body: "{}".into(),
        });
        let forbidden = run(references(&client, "198.51.100.23")).expect_err("a 403 is no answer");
        assert!(
            matches!(forbidden, ApiError::Status { status: 403, .. }),
            "{forbidden:?}"
        );
    }

    #[test]
    fn references_are_the_text_entries_of_an_object() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        let answers = [
            r#"{"VirusTotal": "https://vt.example/ip/1", "remote_api": true, " ": "x", "IPVoid": "", "n": null}"#,
            "{}",
            r#"[{"name": "VirusTotal", "url": "https://vt.example/ip/1"}]"#,
        ];
        for body in answers {
            sim.push_fault(Fault::Status {
                status: 200,
                body: body.into(),
            });
        }
        let found = run(references(&client, "198.51.100.23")).unwrap();
        let expected = Reference {
            name: "VirusTotal".into(),
            url: "https://vt.example/ip/1".into(),
        };
        assert_eq!(found, [expected]);
        assert_eq!(run(references(&client, "198.51.100.23")).unwrap(), []);
        let list = run(references(&client, "198.51.100.23")).expect_err("a list is no object of links");
        assert!(matches!(list, ApiError::Decode { .. }), "{list:?}");
    }

    #[test]
    fn intel_details_are_the_object_entries_of_the_answer() {
        let answer = serde_json::json!({"VirusTotal": {"Classification": " Malicious "},
            "IPVoid": {"Classification": "Suspicious", "Detections": "7"}, "Web of Trust": {"Detections": 3},
            "remote_api": true, " ": {"Classification": "x"}, "Domain Tools": {"Classification": 2}});
        let Value::Object(answer) = answer else {
            unreachable!("an object")
        };
        let found: Vec<IntelDetail> = answer.into_iter().filter_map(intel_detail).collect();
        let shown: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|d| (d.service.as_str(), d.classification.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("VirusTotal", Some("Malicious")),
                ("IPVoid", Some("Suspicious")),
                ("Web of Trust", None),
                ("Domain Tools", Some("2"))
            ]
        );
        assert_eq!(found[1].detections, Some(Value::from("7")));
        assert_eq!(found[2].detections, Some(Value::from(3)));
    }

    #[test]
    fn path_segments_keep_a_url_whole() {
        assert_eq!(
            path_segment("http://a.example/x?y=1#z"),
            "http:%2F%2Fa.example%2Fx%3Fy%3D1%23z"
        );
        assert_eq!(path_segment("2001:db8::1"), "2001:db8::1");
        assert_eq!(path_segment("100%"), "100%25");
        assert_eq!(path_segment("b\u{fc}cher.example"), "b%C3%BCcher.example");
    }

    #[test]
    fn digests_name_their_algorithm() {
        assert_eq!(InsightType::of_digest(&"a".repeat(32)), Some(InsightType::Md5));
        assert_eq!(InsightType::of_digest(&"a".repeat(40)), Some(InsightType::Sha1));
        assert_eq!(InsightType::of_digest(&"a".repeat(64)), Some(InsightType::Sha256));
        assert_eq!(InsightType::of_digest(&"a".repeat(128)), Some(InsightType::Sha512));
        assert_eq!(InsightType::of_digest("abc"), None);
    }
}
