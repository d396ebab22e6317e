//! Enrich Observable: everything ThreatStream knows about one observable, in one step.
//!
//! The exact-match lookup always runs (it is what the observable is known for, and what a verdict
//! is computed from); the sections around it (threat-model associations, passive DNS, whois, insights,
//! external references) run concurrently beside it, as `gather` describes. The output is an object
//! with one optional field per section, so a later field such as `verdict` joins without moving any
//! other. A section that does not apply to the observable's type (passive DNS of a hash) is skipped
//! when left to the default, and listed as unavailable when asked for by name, so a playbook that
//! always asks for the same sections still runs on every type.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::protocol::Failure;
use crate::threatstream::enrichment::Reference;
use crate::threatstream::{ApiError, ModelType, Observable};

use super::gather::{gather, Gathered, Plan};
use super::get_passive_dns::{example_records, PassiveDnsRecord};
use super::get_whois::WhoisRecord;
use super::intel_details::{example_details, example_trend, ConfidenceTrend, IntelDetailOutput};
use super::threat_model::Association;
use super::{
    default_limit, insight_type, passive_dns_kind, DEFAULT_LIMIT, NO_INSIGHTS, PASSIVE_DNS_KEPT_FOR, PER_MODULE,
    WHOIS_KEPT_FOR,
};
use crate::actions::allowlisted;
use crate::actions::connection::Connection;
use crate::actions::input::step_input;
use crate::actions::input::{given, or_default};
use crate::actions::lookups::ResultRecord;
use crate::actions::observable::{observable, ObservableType, TypeHint};
use crate::actions::output::passed_through;
use crate::actions::verdict::{example_verdict, VerdictInputs};
use crate::actions::{TypedAction, TypedStep};
use crate::verdict::Verdict;

step_input! {
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrichObservableInput {
    /// Observable to enrich: an IP address, domain, URL, e-mail address, or MD5, SHA-1, SHA-256 or SHA-512 hash
    #[schemars(title = "Value", example = "198.51.100.23")]
    value: String,
    /// Type of the observable; any (the default) tells it from the value's shape
    #[serde(default, rename = "type")]
    #[schemars(title = "Type", example = TypeHint::Ip)]
    kind: TypeHint,
    /// Sections to fetch besides the intelligence records, any of `associations`, `passive_dns`, `whois`, `insights`, `references`, `confidence_trend` and `intel_details`; when not given or empty, every section that applies to the observable's type
    #[schemars(title = "Sections", example = Section::ALL)]
    sections: Option<Vec<Section>>,
    /// Whether to include the matching intelligence records, up to the limit
    #[serde(default = "include_by_default")]
    #[schemars(title = "Include Records", example = true)]
    include_records: bool,
    /// Most items per section: records, associations of each threat model type, passive DNS records, insights and references
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = 1000), example = DEFAULT_LIMIT)]
    limit: usize,
    ..VerdictInputs,
}
}

fn include_by_default() -> bool {
    true
}

/// Enrichment section
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "enrichment_section")]
pub(crate) enum Section {
    Associations,
    PassiveDns,
    Whois,
    Insights,
    References,
    ConfidenceTrend,
    IntelDetails,
}

impl Section {
    const ALL: [Section; 7] = [
        Section::Associations,
        Section::PassiveDns,
        Section::Whois,
        Section::Insights,
        Section::References,
        Section::ConfidenceTrend,
        Section::IntelDetails,
    ];

    fn name(self) -> &'static str {
        match self {
            Section::Associations => "associations",
            Section::PassiveDns => "passive_dns",
            Section::Whois => "whois",
            Section::Insights => "insights",
            Section::References => "references",
            Section::ConfidenceTrend => "confidence_trend",
            Section::IntelDetails => "intel_details",
        }
    }

    /// Why the section does not apply to `observable`, if it does not.
    fn inapplicable(self, observable: &Observable) -> Option<&'static str> {
        match self {
            Section::PassiveDns if passive_dns_kind(observable).is_none() => Some(PASSIVE_DNS_KEPT_FOR),
            Section::Whois if passive_dns_kind(observable).is_none() => Some(WHOIS_KEPT_FOR),
            Section::Insights if insight_type(observable).is_none() => Some(NO_INSIGHTS),
            _ => None,
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct EnrichObservableOutput {
    /// The observable enriched, as it was looked up
    #[schemars(title = "Observable", example = json!({"value": "198.51.100.23", "type": "ip"}))]
    observable: EnrichedObservable,
    /// How many intelligence records have exactly this value
    #[schemars(title = "Records Found", example = 2)]
    records_found: usize,
    /// The intelligence records with exactly this value, up to the limit
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Records", with = "Option<Vec<ResultRecord>>", example = example_records_of_lookup())]
    records: Option<Vec<Value>>,
    /// The verdict on every one of those records: malicious, suspicious, benign or unknown, with the score, the threat types and the reason
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Verdict", example = example_verdict(&example_records_of_lookup()))]
    verdict: Option<Verdict>,
    /// Threat models tied to the observable, by type
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Associations", example = example_associations())]
    associations: Option<Associations>,
    /// DNS resolutions seen for the IP address or domain, newest first
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Passive DNS", with = "Option<Vec<PassiveDnsRecord>>", example = example_records())]
    passive_dns: Option<Vec<Value>>,
    /// The WHOIS record of the domain or IP address, raw and read
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "WHOIS", example = WhoisRecord::example())]
    whois: Option<WhoisRecord>,
    /// ThreatStream's insights about the observable
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Insights", with = "Option<Vec<Insight>>", example = example_insights())]
    insights: Option<Vec<Value>>,
    /// Links to public services that know the observable
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "References", example = example_references())]
    references: Option<Vec<ExternalReference>>,
    /// The lowest, average and highest confidence the observable has had
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Confidence Trend", with = "Option<ConfidenceTrend>", example = example_trend())]
    confidence_trend: Option<Value>,
    /// What third-party services such as VirusTotal and IPVoid classify the observable as
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Intel Details", example = example_details())]
    intel_details: Option<Vec<IntelDetailOutput>>,
    /// Sections that could not be fetched, each with the reason; empty when every section arrived
    #[schemars(title = "Unavailable", example = json!([{"section": "associations.vulnerability",
        "reason": "the account may not read associations (HTTP 403); ThreatStream grants it per module and per user",
        "status": 403}]))]
    unavailable: Vec<Unavailable>,
}

/// An observable as an enrichment names it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "enriched_observable", title = "enriched_observable")]
pub(crate) struct EnrichedObservable {
    /// The value looked up, refanged and normalised
    #[schemars(title = "Value")]
    value: String,
    /// The observable's type
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Type")]
    kind: Option<ObservableType>,
}

/// The threat models tied to an observable, one list per type; a list is absent when its look-up
/// failed (see Unavailable).
#[derive(Default, Serialize, JsonSchema)]
#[schemars(rename = "threat_model_associations", title = "threat_model_associations")]
pub(crate) struct Associations {
    /// Actors
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Actor")]
    actor: Option<Vec<Association>>,
    /// Campaigns
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Campaign")]
    campaign: Option<Vec<Association>>,
    /// Incidents
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Incident")]
    incident: Option<Vec<Association>>,
    /// Malware
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Malware")]
    malware: Option<Vec<Association>>,
    /// Signatures
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Signature")]
    signature: Option<Vec<Association>>,
    /// Threat bulletins
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Threat Bulletin")]
    tipreport: Option<Vec<Association>>,
    /// Tactics, techniques and procedures
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "TTP")]
    ttp: Option<Vec<Association>>,
    /// Vulnerabilities
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Vulnerability")]
    vulnerability: Option<Vec<Association>>,
}

impl Associations {
    pub(super) fn set(&mut self, model_type: ModelType, models: Vec<Association>) {
        let slot = match model_type {
            ModelType::Actor => &mut self.actor,
            ModelType::Campaign => &mut self.campaign,
            ModelType::Incident => &mut self.incident,
            ModelType::Malware => &mut self.malware,
            ModelType::Signature => &mut self.signature,
            ModelType::TipReport => &mut self.tipreport,
            ModelType::Ttp => &mut self.ttp,
            ModelType::Vulnerability => &mut self.vulnerability,
            ModelType::AttackPattern => return,
        };
        *slot = Some(models);
    }
}

passed_through! {
    /// An insight: ThreatStream's one-line finding about the observable, as ThreatStream sent it
    #[name = "insight"]
    struct Insight {
        /// Kind of insight, such as reputation or geolocation
        #[title = "Type"]
        r#type: Option<String>,
        /// The finding
        #[title = "Insight"]
        insight: Option<String>,
        /// Severity: low, medium, high or very-high
        #[title = "Severity"]
        severity: Option<String>,
        /// Where the finding comes from
        #[title = "Source"]
        source: Option<String>,
    }
}

/// A link to a public service that knows the observable: one entry of ThreatStream's object of
/// service names and links.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "external_reference", title = "external_reference")]
pub(crate) struct ExternalReference {
    /// The service, as ThreatStream names it, such as VirusTotal or urlscan.io
    #[schemars(title = "Name")]
    name: String,
    /// The observable's page at the service
    #[schemars(title = "URL")]
    url: String,
}

impl From<Reference> for ExternalReference {
    fn from(reference: Reference) -> Self {
        ExternalReference {
            name: reference.name,
            url: reference.url,
        }
    }
}

/// A section that could not be fetched.
#[derive(Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "unavailable_section", title = "unavailable_section")]
pub(crate) struct Unavailable {
    /// The section: `associations.<model type>`, `passive_dns`, `whois`, `insights` or `references`
    #[schemars(title = "Section")]
    section: String,
    /// Why it is missing
    #[schemars(title = "Reason")]
    reason: String,
    /// ThreatStream's HTTP status, when it answered with one
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Status")]
    status: Option<u16>,
}

impl Unavailable {
    /// A section whose call failed; `what` names its content ("WHOIS data").
    pub(super) fn of(section: &str, what: &str, error: &ApiError) -> Unavailable {
        let status = match error {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        };
        let reason = match status {
            Some(403) => format!("the account may not read {what} (HTTP 403); {PER_MODULE}"),
            _ => error.to_string(),
        };
        Unavailable {
            section: section.to_owned(),
            reason,
            status,
        }
    }

    /// A section ThreatStream answered with nothing.
    pub(super) fn none(section: &str, what: &str) -> Unavailable {
        Unavailable {
            section: section.to_owned(),
            reason: format!("ThreatStream has no {what} for this observable"),
            status: None,
        }
    }

    fn inapplicable(section: Section, reason: &str) -> Unavailable {
        Unavailable {
            section: section.name().to_owned(),
            reason: reason.to_owned(),
            status: None,
        }
    }
}

impl EnrichObservableInput {
    /// The observable, the sections to fetch, and the asked-for sections that do not apply.
    fn plan(&self) -> Result<(Observable, Vec<Section>, Vec<Unavailable>), Failure> {
        let found =
            observable(&self.value, self.kind.wanted()).map_err(|problem| Failure::invalid_input("value", problem))?;
        // An empty list is the form's untouched one: every section, as everywhere else.
        let asked = given(self.sections.as_deref());
        let mut sections: Vec<Section> = Vec::new();
        let mut inapplicable: Vec<Unavailable> = Vec::new();
        for &section in asked.unwrap_or(&Section::ALL) {
            let seen = sections.contains(&section) || inapplicable.iter().any(|u| u.section == section.name());
            match section.inapplicable(&found) {
                _ if seen => {}
                None => sections.push(section),
                Some(reason) if asked.is_some() => inapplicable.push(Unavailable::inapplicable(section, reason)),
                Some(_) => {}
            }
        }
        Ok((found, sections, inapplicable))
    }
}

pub(crate) struct EnrichObservable;

impl TypedStep for EnrichObservable {
    const ID: &'static str = "enrich_observable";
    const TITLE: &'static str = "Enrich Observable";
    const DESCRIPTION: &'static str =
        "Get everything Anomali ThreatStream knows about an observable: its intelligence \
                                       records, threat model associations, passive DNS, WHOIS, insights, references, \
                                       confidence trend and third-party classifications";
    type Input = EnrichObservableInput;
    type Output = EnrichObservableOutput;
}

impl TypedAction for EnrichObservable {
    async fn run(connection: &Connection, input: EnrichObservableInput) -> Result<EnrichObservableOutput, Failure> {
        let (observable, sections, inapplicable) = input.plan()?;
        let plan = Plan {
            client: &connection.client,
            observable: &observable,
            sections: &sections,
            include_records: input.include_records,
            limit: or_default(input.limit, DEFAULT_LIMIT),
            verdict: VerdictInputs::from(&input).options(connection)?,
        };
        let allowlist = allowlisted::wanted(connection).await?;
        let mut gathered = gather(&plan).await?;
        gathered.verdict = gathered
            .verdict
            .map(|verdict| allowlisted::judged(verdict, allowlist.as_deref(), &observable));
        Ok(EnrichObservableOutput::of(
            &observable,
            input.include_records,
            gathered,
            inapplicable,
        ))
    }
}

impl EnrichObservableOutput {
    fn of(observable: &Observable, include_records: bool, gathered: Gathered, inapplicable: Vec<Unavailable>) -> Self {
        let mut unavailable = inapplicable;
        unavailable.extend(gathered.unavailable);
        unavailable.sort_by(|a, b| a.section.cmp(&b.section));
        EnrichObservableOutput {
            observable: EnrichedObservable {
                value: observable.value(),
                kind: ObservableType::of(observable),
            },
            records_found: gathered.records_found,
            records: include_records.then_some(gathered.records),
            verdict: gathered.verdict,
            associations: gathered.associations,
            passive_dns: gathered.passive_dns,
            whois: gathered.whois,
            insights: gathered.insights,
            references: gathered
                .references
                .map(|references| references.into_iter().map(ExternalReference::from).collect()),
            confidence_trend: gathered.confidence_trend,
            intel_details: gathered.intel_details,
            unavailable,
        }
    }
}

fn example_records_of_lookup() -> Value {
    json!([{"confidence": 87, "id": 500000101, "itype": "c2_ip", "source": "Abuse.ch Feodo Tracker",
        "status": "active", "threat_type": "c2", "type": "ip", "value": "198.51.100.23",
        "meta": {"maltype": "Emotet", "severity": "very-high"}}])
}

fn example_associations() -> Value {
    json!({"actor": [{"id": 3101, "name": "Lazy Quokka", "published_ts": "2023-09-15T08:00:00",
        "modified_ts": "2024-03-02T18:00:12.000000"}],
        "campaign": [{"id": 3201, "name": "Operation Pebble Harvest", "published_ts": "2023-09-15T08:00:00",
        "modified_ts": "2024-03-03T03:00:00.000000"}], "incident": [], "malware": [], "signature": [],
        "tipreport": [], "ttp": []})
}

fn example_insights() -> Value {
    json!([{"type": "reputation", "insight": "Listed as an Emotet epoch 5 controller by 3 feeds.",
        "severity": "very-high", "source": "Anomali Labs"}])
}

fn example_references() -> Value {
    json!([{"name": "VirusTotal", "url": "https://www.virustotal.com/gui/ip-address/198.51.100.23"}])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(input: Value) -> (Observable, Vec<Section>, Vec<Unavailable>) {
        let input: EnrichObservableInput = serde_json::from_value(input).unwrap();
        input.plan().unwrap()
    }

    #[test]
    fn by_default_every_section_that_applies_runs() {
        assert_eq!(plan(json!({"value": "198.51.100.23"})).1, Section::ALL);
        let (observable, sections, inapplicable) = plan(json!({"value": "44D88612FEA8A8F36DE82E1278ABB02F"}));
        assert_eq!(observable, Observable::Hash("44d88612fea8a8f36de82e1278abb02f".into()));
        assert_eq!(
            sections,
            [
                Section::Associations,
                Section::Insights,
                Section::References,
                Section::ConfidenceTrend,
                Section::IntelDetails
            ]
        );
        assert!(
            inapplicable.is_empty(),
            "left to the default, what does not apply is skipped quietly"
        );
        let url = plan(json!({"value": "http://malicious.example.net/payload.exe"})).1;
        assert_eq!(
            url,
            [
                Section::Associations,
                Section::References,
                Section::ConfidenceTrend,
                Section::IntelDetails
            ]
        );
    }

    #[test]
    fn asked_for_sections_that_do_not_apply_are_listed_once() {
        let (_, sections, inapplicable) = plan(json!({"value": "phisher@example.org",
            "sections": ["whois", "insights", "whois", "passive_dns", "insights"]}));
        assert_eq!(sections, [Section::Insights]);
        let listed: Vec<&str> = inapplicable.iter().map(|u| u.section.as_str()).collect();
        assert_eq!(listed, ["whois", "passive_dns"]);
        assert_eq!(inapplicable[0].reason, "WHOIS is kept for domains and IP addresses");
        let (_, untouched, quiet) = plan(json!({"value": "evil-domain.example", "sections": []}));
        assert_eq!(
            untouched,
            Section::ALL,
            "an empty list is every section, as the form sends it"
        );
        assert!(quiet.is_empty());
    }

    #[test]
    fn a_bad_value_or_a_type_it_does_not_fit_is_refused() {
        let refuse = |input: Value| {
            let input: EnrichObservableInput = serde_json::from_value(input).unwrap();
            input.plan().err().map(|failure| failure.cause).unwrap_or_default()
        };
        assert_eq!(
            refuse(json!({"value": " "})),
            "Invalid input 'value': it is empty; give an IP address, domain, URL, e-mail address or hash."
        );
        assert_eq!(
            refuse(json!({"value": "evil-domain.example", "type": "email"})),
            "Invalid input 'value': 'evil-domain.example' is not an e-mail address."
        );
    }

    #[test]
    fn unavailable_reasons_follow_the_status() {
        let status = |status| ApiError::Status {
            status,
            body: String::new(),
            retry_after: None,
        };
        let forbidden = Unavailable::of("whois", "WHOIS data", &status(403));
        assert_eq!(forbidden.status, Some(403));
        assert!(forbidden
            .reason
            .starts_with("the account may not read WHOIS data (HTTP 403)"));
        let broken = Unavailable::of("passive_dns", "passive DNS", &status(500));
        assert_eq!(
            (broken.reason.as_str(), broken.status),
            ("ThreatStream answered HTTP 500", Some(500))
        );
        let slow = Unavailable::of("insights", "insights", &ApiError::Timeout);
        assert_eq!(
            (slow.reason.as_str(), slow.status),
            ("ThreatStream did not answer in time", None)
        );
    }
}
