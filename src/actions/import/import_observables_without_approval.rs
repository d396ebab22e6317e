//! Import Observables Without Approval: observables straight into ThreatStream's intelligence, live at
//! once, with no import session to review (reference §1.10).
//!
//! Each observable's type is told from its value (by `actions::observable`, as every action that takes
//! any observable tells it) and named by the key ThreatStream expects for it (`srcip`, `ipv6`,
//! `domain`, `url`, `email`, `md5` with the algorithm in `subtype`); each type's required fields are
//! checked first. ThreatStream answers 202 and silently drops what breaks its rules, so a mistake
//! found here is the only one the workflow will hear of. A large list goes in
//! requests of at most 5 MB, each sent once and never again: a PATCH that failed may have been applied.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::settings::Classification;
use super::Tlp;
use crate::actions::connection::Connection;
use crate::actions::failure::{forbidden, unconfirmed, Permission, Write};
use crate::actions::input::{at_most, given, tag_name, Choice, Percent, MAX_TAGS};
use crate::actions::observable::observable;
use crate::actions::wire_name;
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::actions::{date, itype};
use crate::plural::count_of;
use crate::protocol::{quoted, Failure};
use crate::threatstream::{self, import_requests, Interrupted, Observable, Severity};

/// More than a workflow step should push in one go; larger lists belong in an import with approval.
const MAX_OBSERVABLES: usize = 10_000;

/// How the import without approval names a value of each kind: its key, the hash algorithm for
/// `subtype`, and whether ThreatStream needs a confidence for it (it computes one for the rest).
struct Keyed {
    key: &'static str,
    value: String,
    subtype: Option<&'static str>,
    needs_confidence: bool,
    noun: &'static str,
}

fn keyed(observable: Observable) -> Option<Keyed> {
    let keyed = |key, value, needs_confidence, noun| Keyed {
        key,
        value,
        subtype: None,
        needs_confidence,
        noun,
    };
    Some(match observable {
        Observable::Ip(address) if address.is_ipv4() => keyed("srcip", address.to_string(), false, "an IP address"),
        Observable::Ip(address) => keyed("ipv6", address.to_string(), false, "an IP address"),
        Observable::Domain(domain) => keyed("domain", domain, false, "a domain"),
        Observable::Url(url) => keyed("url", url, false, "a URL"),
        Observable::Email(email) => keyed("email", email, true, "an e-mail address"),
        Observable::Hash(digest) => Keyed {
            subtype: match digest.len() {
                32 => Some("MD5"),
                40 => Some("SHA1"),
                64 => Some("SHA256"),
                _ => Some("SHA512"),
            },
            ..keyed("md5", digest, true, "a hash")
        },
        Observable::Any(_) => return None,
    })
}

fn private() -> Classification {
    Classification::Private
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportObservablesWithoutApprovalInput {
    /// Observables to import, each with its value and indicator type (itype); the settings below apply to every observable that does not give its own
    #[schemars(title = "Observables", example = json!([
        {"value": "198.51.100.7", "itype": "c2_ip", "confidence": 90, "tags": [{"name": "campaign-7", "tlp": "amber"}]},
        {"value": "44d88612fea8a8f36de82e1278abb02f", "itype": "mal_md5", "severity": "high"}]))]
    observables: Vec<ObservableToImport>,
    /// Classification of the observables: public, or private to your organization (the default)
    #[serde(default = "private")]
    #[schemars(title = "Classification", example = Classification::Private, extend("default" = "private"))]
    classification: Classification,
    /// Confidence, 1-100, for observables that give none; e-mail addresses and hashes need one here or their own; 0 or empty is not given; to set 0, give 0 as text
    #[schemars(title = "Confidence", example = 80)]
    confidence: Option<Percent>,
    /// How much of the confidence is yours rather than ThreatStream's own scoring, 1-100; 100 keeps your confidence as given; 0 or empty is not given; to set 0, give 0 as text
    #[schemars(title = "Source Confidence Weight", example = 100)]
    source_confidence_weight: Option<Percent>,
    /// Severity for observables that give none
    #[schemars(title = "Severity", example = Severity::High, extend("default" = ""))]
    severity: Option<Choice<Severity>>,
    /// When the observables expire, for those that give no time of their own; when empty, ThreatStream expires them 90 days after the import
    #[schemars(
        title = "Expiration Time Stamp",
        example = "2026-12-31T00:00:00Z",
        extend("format" = "date-time", "displayType" = "date")
    )]
    expiration_ts: Option<String>,
    /// Tags for observables that give none of their own
    #[schemars(title = "Tags", example = json!([{"name": "playbook-import", "tlp": "red"}]))]
    tags: Option<Vec<ObservableTag>>,
    /// IDs of the trusted circles to share the observables with
    #[schemars(title = "Trusted Circles", example = json!([146]))]
    trustedcircles: Option<Vec<i64>>,
    /// Import domains and URLs whose host does not resolve
    #[schemars(title = "Allow Unresolved", example = false)]
    allow_unresolved: Option<bool>,
}

/// One observable to import.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "observable_to_import", title = "observable_to_import")]
pub(crate) struct ObservableToImport {
    /// The observable: an IPv4 or IPv6 address, domain, URL, e-mail address or MD5, SHA1, SHA256 or SHA512 hash
    #[schemars(title = "Value")]
    value: String,
    /// Indicator type, such as c2_ip, mal_domain, phish_url, phish_email or mal_md5
    #[schemars(title = "Itype")]
    itype: String,
    /// Confidence, 1-100; e-mail addresses and hashes need one, here or in the import's Confidence; to set 0, give 0 as text
    #[schemars(title = "Confidence")]
    confidence: Option<Percent>,
    /// Severity of the observable
    #[schemars(title = "Severity", extend("default" = ""))]
    severity: Option<Choice<Severity>>,
    /// Traffic Light Protocol marking of the observable
    #[schemars(title = "TLP", extend("default" = ""))]
    tlp: Option<Tlp>,
    /// Tags of the observable, in place of the import's Tags
    #[schemars(title = "Tags")]
    tags: Option<Vec<ObservableTag>>,
    /// When the observable expires, in place of the import's Expiration Time Stamp
    #[schemars(title = "Expiration Time Stamp", extend("format" = "date-time", "displayType" = "date"))]
    expiration_ts: Option<String>,
}

/// A tag: its name, and the TLP marking that says who may see it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "observable_tag", title = "observable_tag")]
pub(crate) struct ObservableTag {
    /// Name of the tag
    #[schemars(title = "Name")]
    name: String,
    /// Traffic Light Protocol marking of the tag
    #[schemars(title = "TLP", extend("default" = ""))]
    tlp: Option<Tlp>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ImportObservablesWithoutApprovalOutput {
    /// Whether ThreatStream accepted every request; it files the observables after answering
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// Number of observables sent
    #[schemars(title = "Observables Sent", example = 2)]
    observables_sent: u64,
    /// Number of requests they were sent in (at most 5 MB each)
    #[schemars(title = "Requests", example = 1)]
    requests: u64,
}

impl ImportObservablesWithoutApprovalInput {
    /// The import's `meta`: the settings every observable shares.
    fn meta(&self) -> Result<Value, Failure> {
        let mut meta = Map::new();
        meta.insert("classification".into(), json!(wire_name(&self.classification)));
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                meta.insert(name.to_owned(), value);
            }
        };
        put(
            "confidence",
            Percent::read(self.confidence.as_ref(), "confidence")?.map(Value::from),
        );
        put(
            "source_confidence_weight",
            Percent::read(self.source_confidence_weight.as_ref(), "source_confidence_weight")?.map(Value::from),
        );
        put("severity", chosen(self.severity).map(Value::from));
        put(
            "expiration_ts",
            date(self.expiration_ts.as_deref(), "expiration_ts")?.map(Value::from),
        );
        put("tags", tags(self.tags.as_deref(), "tags")?);
        put(
            "trustedcircles",
            given(self.trustedcircles.as_ref()).map(|ids| json!(ids)),
        );
        put("allow_unresolved", given(self.allow_unresolved).map(Value::from));
        Ok(Value::Object(meta))
    }

    /// The objects to send, each checked against its type's rules.
    fn objects(&self) -> Result<Vec<Value>, Failure> {
        if self.observables.is_empty() {
            return Err(Failure::invalid_input(
                "observables",
                "the list is empty; give at least one observable",
            ));
        }
        if self.observables.len() > MAX_OBSERVABLES {
            return Err(Failure::invalid_input(
                "observables",
                format!(
                    "it holds {} observables, more than the {MAX_OBSERVABLES} one import takes; split the list, or \
                     import it as a file with Import Observable",
                    self.observables.len()
                ),
            ));
        }
        let confidence = Percent::read(self.confidence.as_ref(), "confidence")?;
        let objects = self.observables.iter().enumerate();
        objects
            .map(|(index, observable)| observable.object(index, confidence))
            .collect()
    }
}

impl ObservableToImport {
    fn object(&self, index: usize, default_confidence: Option<u8>) -> Result<Value, Failure> {
        let input = |field: &str| format!("observables[{index}].{field}");
        let detected =
            observable(&self.value, None).map_err(|problem| Failure::invalid_input(&input("value"), problem))?;
        let kind = keyed(detected).ok_or_else(|| {
            let problem = format!("{} is not an observable this import takes", quoted(&self.value));
            Failure::invalid_input(&input("value"), problem)
        })?;
        let itype = itype(&self.itype, &input("itype"))?.ok_or_else(|| {
            Failure::invalid_input(&input("itype"), "it is empty; give an indicator type, such as mal_ip")
        })?;
        let confidence = Percent::read(self.confidence.as_ref(), &input("confidence"))?;
        if kind.needs_confidence && confidence.or(default_confidence).is_none() {
            let problem = format!(
                "{} needs a confidence: give one here, or the import's Confidence",
                kind.noun
            );
            return Err(Failure::invalid_input(&input("confidence"), problem));
        }
        let mut object = Map::new();
        object.insert(kind.key.into(), json!(kind.value));
        if let Some(subtype) = kind.subtype {
            object.insert("subtype".into(), json!(subtype));
        }
        object.insert("itype".into(), json!(itype));
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                object.insert(name.to_owned(), value);
            }
        };
        put("confidence", confidence.map(Value::from));
        put("severity", chosen(self.severity).map(Value::from));
        put("tlp", chosen(self.tlp).map(Value::from));
        put("tags", tags(self.tags.as_deref(), &input("tags"))?);
        put(
            "expiration_ts",
            date(self.expiration_ts.as_deref(), &input("expiration_ts"))?.map(Value::from),
        );
        Ok(Value::Object(object))
    }
}

/// `[{"name", "tlp"}]`, or `None` for no tags; a tag without a name is refused, naming `input`.
fn tags(given_tags: Option<&[ObservableTag]>, input: &str) -> Result<Option<Value>, Failure> {
    let Some(listed) = given(given_tags) else {
        return Ok(None);
    };
    at_most(input, listed.len(), MAX_TAGS, "tags")?;
    let mut tags = Vec::new();
    for (index, tag) in listed.iter().enumerate() {
        let name = tag_name(&tag.name, &format!("{input}[{index}].name"))?;
        // A TLP only when given, as XSOAR's import sends tags (`tags_tlp`): an import's tags have
        // no default marking, unlike Add Tags'.
        let mut tag_json = json!({"name": name});
        if let Some(tlp) = chosen(tag.tlp) {
            tag_json["tlp"] = json!(tlp);
        }
        tags.push(tag_json);
    }
    Ok(Some(Value::Array(tags)))
}

/// An import without approval, when a failure leaves unknown whether a request was applied.
const IMPORT: Write = Write {
    what: "the failed request's observables",
    check: "Look them up (Get Observables or Lookup Observables) to see whether they were imported",
    twice: Some("import them again"),
};

/// A request that failed after others were accepted says how far the import got, so nobody imports
/// the accepted part twice.
fn interrupted(interrupted: Interrupted) -> Failure {
    let accepted = interrupted.accepted;
    let total = interrupted.requests;
    let failure = unconfirmed(interrupted.error, &IMPORT, |error| {
        forbidden(error, &[Permission::Approve], "importing observables without approval")
    });
    if total < 2 {
        return failure;
    }
    let unsent = match total - accepted.requests - 1 {
        0 => String::new(),
        1 => " and the one after it was not sent".to_owned(),
        more => format!(" and the {more} after it were not sent"),
    };
    let cause = format!(
        "{} Of {total} requests, {} had been accepted ({}); the failed request was not sent again{unsent}.",
        failure.cause,
        accepted.requests,
        count_of(accepted.observables, "observable"),
    );
    failure.with_cause(cause)
}

pub(crate) struct ImportObservablesWithoutApproval;

impl TypedStep for ImportObservablesWithoutApproval {
    const ID: &'static str = "import_observables_without_approval";
    const TITLE: &'static str = "Import Observables Without Approval";
    const DESCRIPTION: &'static str =
        "Import observables into Anomali ThreatStream without approval, making them active at once";
    type Input = ImportObservablesWithoutApprovalInput;
    type Output = ImportObservablesWithoutApprovalOutput;
}

impl TypedAction for ImportObservablesWithoutApproval {
    async fn run(
        connection: &Connection,
        input: ImportObservablesWithoutApprovalInput,
    ) -> Result<ImportObservablesWithoutApprovalOutput, Failure> {
        let meta = input.meta()?;
        let objects = input.objects()?;
        let requests = import_requests(&meta, &objects).map_err(|index| {
            Failure::invalid_input(
                &format!("observables[{index}]"),
                "it is too large to send in one request",
            )
        })?;
        let accepted = threatstream::import_without_approval(&connection.client, requests)
            .await
            .map_err(interrupted)?;
        Ok(ImportObservablesWithoutApprovalOutput {
            success: true,
            observables_sent: u64::try_from(accepted.observables).unwrap_or(u64::MAX),
            requests: u64::try_from(accepted.requests).unwrap_or(u64::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(value: Value) -> ImportObservablesWithoutApprovalInput {
        serde_json::from_value(value).expect("the schema's shape")
    }

    fn cause(value: Value) -> String {
        let input = input(value);
        input
            .meta()
            .and_then(|_| input.objects())
            .err()
            .map(|f| f.cause)
            .unwrap_or_default()
    }

    #[test]
    fn objects_get_their_types_key_and_the_settings_go_to_meta() {
        let input = input(
            json!({"classification": "public", "confidence": 70, "severity": "", "trustedcircles": [],
            "tags": [{"name": " global ", "tlp": "green"}], "expiration_ts": "0001-01-01T00:00:00Z",
            "observables": [
                {"value": " 198.51.100.7 ", "itype": "c2_ip", "tlp": "amber", "tags": [{"name": "own"}]},
                {"value": "44D88612FEA8A8F36DE82E1278ABB02F", "itype": "mal_md5", "severity": "very-high"},
                {"value": "https://drop.example.com/x", "itype": "mal_url", "expiration_ts": "2026-12-31"}]}),
        );
        assert_eq!(
            input.meta().unwrap(),
            json!({"classification": "public", "confidence": 70, "tags": [{"name": "global", "tlp": "green"}]})
        );
        assert_eq!(
            input.objects().unwrap(),
            [
                json!({"srcip": "198.51.100.7", "itype": "c2_ip", "tlp": "amber", "tags": [{"name": "own"}]}),
                json!({"md5": "44d88612fea8a8f36de82e1278abb02f", "subtype": "MD5", "itype": "mal_md5",
                    "severity": "very-high"}),
                json!({"url": "https://drop.example.com/x", "itype": "mal_url", "expiration_ts": "2026-12-31"}),
            ]
        );
    }

    #[test]
    fn every_kind_goes_under_its_key_with_hashes_by_algorithm() {
        let key = |text: &str| {
            let kind = keyed(observable(text, None).unwrap()).unwrap();
            (kind.key, kind.value, kind.subtype, kind.needs_confidence)
        };
        assert_eq!(key("2001:DB8::1"), ("ipv6", "2001:db8::1".into(), None, false));
        assert_eq!(
            key("evil-domain[.]example"),
            ("domain", "evil-domain.example".into(), None, false)
        );
        assert_eq!(
            key("https://a.example/x"),
            ("url", "https://a.example/x".into(), None, false)
        );
        assert_eq!(
            key("Phisher@Example.org"),
            ("email", "phisher@example.org".into(), None, true)
        );
        for (length, algorithm) in [(40, "SHA1"), (64, "SHA256"), (128, "SHA512")] {
            assert_eq!(key(&"a".repeat(length)).2, Some(algorithm));
        }
        assert!(keyed(Observable::Any("x".into())).is_none());
    }

    #[test]
    fn each_types_rules_are_enforced_naming_the_observable() {
        let one = |observable: Value| cause(json!({"classification": "private", "observables": [observable]}));
        assert!(one(json!({"value": "phisher@example.org", "itype": "phish_email"}))
            .starts_with("Invalid input 'observables[0].confidence': an e-mail address needs a confidence"));
        assert!(one(json!({"value": "44d88612fea8a8f36de82e1278abb02f", "itype": "mal_md5"})).contains("a hash needs"));
        assert!(one(json!({"value": "not one", "itype": "mal_ip"})).starts_with("Invalid input 'observables[0].value'"));
        assert!(
            one(json!({"value": "a.example", "itype": "Bad Type"})).starts_with("Invalid input 'observables[0].itype'")
        );
        assert!(
            one(json!({"value": "a.example", "itype": "mal_domain", "tags": [{"name": " "}]}))
                .starts_with("Invalid input 'observables[0].tags[0].name'")
        );
        assert!(
            one(json!({"value": "a.example", "itype": "mal_domain", "expiration_ts": "soon"}))
                .starts_with("Invalid input 'observables[0].expiration_ts'")
        );
        assert!(cause(json!({"classification": "private", "observables": []})).contains("the list is empty"));
        let global = json!({"classification": "private", "confidence": 50,
            "observables": [{"value": "phisher@example.org", "itype": "phish_email"}]});
        assert_eq!(cause(global), "", "the import's confidence counts");
    }
}
